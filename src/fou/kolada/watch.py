"""How the Kolada client waits: retries, backoff, Retry-After and one total deadline (tenacity).

:class:`Patience` wraps one HTTP attempt in a :class:`tenacity.Retrying`: it retries
429, 5xx, timeouts and refused connections, waits what the server asks for
(``Retry-After``, seconds or an HTTP date) or else an exponential backoff, and
stops

- after ``retries`` retries;
- when the next wait would not end before the total ``deadline`` (seconds over
  every request, every retry and every wait of a fetch); the timeout of each
  attempt is cut to the time that is left, so no wait outlasts the deadline;
- without a deadline, when the server asks to wait longer than ``max_wait``
  seconds: that is reported, not slept through.

Every retry is reported through ``say`` (why, which attempt, how long the wait).
The stop reason becomes one :class:`KoladaError` naming the request.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, wait_exponential

RETRY_STATUS = (429, 500, 502, 503, 504)
Say = Callable[[str], None]


class KoladaError(RuntimeError):
    """A request Kolada refused or could not answer; the message says why."""


def short_url(url: str | None) -> str:
    """The path (and query) of a request after ``/v3/``, shortened for a message."""
    parsed = urlparse(url or "")
    path = parsed.path.split("/v3/", 1)[-1] + (f"?{parsed.query}" if parsed.query else "")
    return path if len(path) <= 90 else path[:87] + "…"


def retry_after(resp: requests.Response | None) -> float | None:
    """Seconds the server asks to wait (``Retry-After`` as seconds or an HTTP date), else None."""
    value = resp.headers.get("Retry-After") if resp is not None else None
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _retryable(resp: requests.Response) -> bool:
    return resp.status_code in RETRY_STATUS


def _why(state: RetryCallState) -> str:
    outcome = state.outcome
    if outcome is None:
        return "no answer"
    exc = outcome.exception()
    if exc is None:
        return f"HTTP {outcome.result().status_code}"
    if isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(exc).lower():
        return "no answer within the timeout"
    return f"no connection ({type(exc).__name__})"


class Patience:
    """Retries and waits for one client; ``deadline`` counts from construction."""

    def __init__(self, *, retries: int = 4, backoff: float = 0.5, timeout: float = 30.0,
                 deadline: float | None = None, max_wait: float = 60.0, say: Say | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.retries, self.timeout, self.deadline, self.max_wait = retries, timeout, deadline, max_wait
        self.say: Say = say or (lambda text: None)
        self.backoff = wait_exponential(multiplier=backoff, max=30)
        self.sleep = sleep
        self.started = time.monotonic()
        self.answered = 0
        self.url = ""

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None without one)."""
        return None if self.deadline is None else self.deadline - (time.monotonic() - self.started)

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        asked = retry_after(outcome.result()) if outcome is not None and not outcome.failed else None
        return asked if asked is not None else float(self.backoff(state))

    def _stop(self, state: RetryCallState) -> bool:
        wait = state.upcoming_sleep
        asked = retry_after(state.outcome.result()) if state.outcome and not state.outcome.failed else None
        left = self.remaining()
        if left is not None and left < wait + 0.05:
            state.stop_reason = (f"the next retry would start after it (wait {wait:.0f} s"
                                 f"{' asked by Retry-After' if asked is not None else ''}, {max(left, 0):.0f} s left)")
            return True
        if left is None and asked is not None and asked > self.max_wait:
            state.stop_reason = (f"Kolada asked to wait {asked:.0f} s before retrying (Retry-After), longer than "
                                 f"--max-wait {self.max_wait:g} s; try again later, or allow the wait with "
                                 f"--max-wait or --deadline")
            return True
        if state.attempt_number > self.retries:
            state.stop_reason = "after retries"
            return True
        return False

    def _before_sleep(self, state: RetryCallState) -> None:
        url = self.url
        self.say(f"Kolada: {_why(state)} for {short_url(url)}; retrying (attempt {state.attempt_number + 1} of "
                 f"{self.retries + 1}) in {state.upcoming_sleep:.1f} s")

    def _give_up(self, state: RetryCallState) -> Any:
        url, reason = self.url, getattr(state, "stop_reason", "after retries")
        outcome = state.outcome
        deadline = reason.startswith("the next retry would start after it")
        prefix = (f"no complete answer from Kolada within the deadline of {self.deadline:g} s "
                  f"({self.answered} request(s) answered): " if deadline else "")
        if outcome is not None and not outcome.failed:  # a retryable status, out of patience
            resp = outcome.result()
            if reason == "after retries":
                return resp  # the caller reports the status with the server's message
            raise KoladaError(f"{prefix}Kolada answered HTTP {resp.status_code} for {url}; {reason}")
        exc = outcome.exception() if outcome is not None else None
        why = _why(state)
        timeout = why == "no answer within the timeout"
        what = (f"Kolada did not answer within {self.timeout:g} s" if timeout else
                f"cannot reach Kolada ({type(exc).__name__})")
        tail = " after retries" if reason == "after retries" else f"; {reason}"
        raise KoladaError(f"{prefix}{what}{tail}: {url}") from exc

    def call(self, attempt: Callable[[float], requests.Response], url: str) -> requests.Response:
        """Run ``attempt(timeout)`` until it gives a non-retryable answer or patience ends."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise KoladaError(f"no complete answer from Kolada within the deadline of {self.deadline:g} s "
                              f"({self.answered} request(s) answered; --deadline sets the limit)")

        def once() -> requests.Response:
            left = self.remaining()
            if left is not None and left <= 0:
                raise requests.exceptions.Timeout("deadline reached")
            return attempt(self.timeout if left is None else max(0.05, min(self.timeout, left)))

        self.url = url
        retrying = Retrying(
            retry=retry_if_result(_retryable) | retry_if_exception_type(
                (requests.exceptions.Timeout, requests.exceptions.ConnectionError)),
            wait=self._wait, stop=self._stop, before_sleep=self._before_sleep,
            retry_error_callback=self._give_up, sleep=self.sleep)
        resp = retrying(once)
        self.answered += 1
        return resp
