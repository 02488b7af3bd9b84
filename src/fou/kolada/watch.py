"""A Kolada client that says what it is waiting for and gives up at a total deadline.

:class:`WatchedClient` is :class:`fou.kolada.client.KoladaClient` plus three
things a person at the terminal needs: a line every few seconds while a request
is outstanding, a line for every retry (why, and which attempt), and a total
``deadline`` in seconds over all requests and their retries, after which the
fetch stops with a one-line reason instead of retrying on.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from fou.kolada.client import KoladaClient, KoladaError

Say = Callable[[str], None]


def short_url(url: str | None) -> str:
    """The path of a request after ``/v3/``, shortened for a message."""
    path = urlparse(url or "").path
    path = path.split("/v3/", 1)[-1]
    return path if len(path) <= 70 else path[:67] + "…"


def _reporting(base: Retry, client: WatchedClient) -> Retry:
    """A copy of ``base`` that reports each retry and stops retrying at the client's deadline."""

    class Reporting(type(base)):  # type: ignore[misc]
        def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
            new = super().increment(method, url, response, error, _pool, _stacktrace)  # raises when retries run out
            why = f"HTTP {response.status}" if response is not None and response.status else \
                ("no answer within the timeout" if "timed out" in str(error).lower() else type(error).__name__)
            left = client.remaining()
            # a timed-out attempt would time out again: retry only if a whole attempt fits before the deadline
            needed = new.get_backoff_time() + (client.timeout if response is None else 0.05)
            if left is not None and left < needed:
                client.out_of_time = True
                raise MaxRetryError(_pool, url, error or ResponseError(f"{why}; no time left before the deadline"))
            total = (base.total or 0) + 1
            client.say(f"Kolada: {why} for {short_url(url)}; retrying (attempt {len(new.history) + 1} of {total})")
            return new

    retry = copy.copy(base)
    retry.__class__ = Reporting
    return retry


class _Ticker:
    """Says every ``every`` seconds that a request is still outstanding."""

    def __init__(self, client: WatchedClient, url: str):
        self.client, self.url = client, url
        self.started = time.monotonic()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(self.client.every):
            waited = time.monotonic() - self.started
            left = self.client.remaining()
            tail = f"; {max(left, 0):.0f} s left of the deadline" if left is not None else ""
            self.client.say(f"Kolada: still waiting for {short_url(self.url)} ({waited:.0f} s; "
                            f"{self.client.answered} request(s) answered so far{tail})")

    def stop(self) -> None:
        self.stopped.set()


class WatchedClient(KoladaClient):
    """:class:`KoladaClient` with progress lines (``say``) and a total ``deadline`` in seconds."""

    def __init__(self, *args: Any, deadline: float | None = None, say: Say | None = None, every: float = 5.0,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.say: Say = say or (lambda text: None)
        self.every = every
        self.answered = 0
        self.out_of_time = False
        self._started = time.monotonic()
        self._timeout = self.timeout
        for adapter in {id(a): a for a in (self.session.get_adapter(p) for p in ("http://", "https://"))}.values():
            adapter.max_retries = _reporting(adapter.max_retries, self)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None without one)."""
        return None if self.deadline is None else self.deadline - (time.monotonic() - self._started)

    def _expired(self, detail: str = "") -> KoladaError:
        return KoladaError(f"no complete answer from Kolada within the deadline of {self.deadline:g} s"
                           + (f" ({detail})" if detail else ""))

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        left = self.remaining()
        if left is not None and left <= 0:
            raise self._expired(f"{self.answered} request(s) answered; --deadline sets the limit")
        self.timeout = self._timeout if left is None else max(0.1, min(self._timeout, left))
        ticker = _Ticker(self, url)
        try:
            body = super().get_json(url, params)
        except KoladaError as exc:
            left = self.remaining()
            if self.out_of_time or (left is not None and left <= 0.5):
                raise self._expired(str(exc)) from exc
            raise
        finally:
            ticker.stop()
            self.timeout = self._timeout
        self.answered += 1
        return body
