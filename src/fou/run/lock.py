"""One ``fou run`` at a time per output folder: a lock on ``OUT/.fou.lock`` (filelock).

filelock's ``FileLock`` is ``flock`` on the file, so the operating system releases it
when its holder dies, however it dies; it opens the file without truncating it and
leaves it in place on release. The file names the holder (pid, start time, host,
command) while the lock is held and is emptied on a clean release: a file that
still names someone when we get the lock is a stale lock from a run that did not
finish, which :meth:`OutputLock.acquire` reports. (filelock does the locking and
the waiting; naming the holder and noticing a stale lock are ours.)
"""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import filelock

LOCK_NAME = ".fou.lock"


class OutputBusy(RuntimeError):
    """Another run holds the output folder; the message names it."""

    def __init__(self, out: Path, holder: dict[str, Any]):
        self.out, self.holder = out, holder
        super().__init__(f"{out} is in use by another fou run ({describe(holder)}); "
                         "wait for it to finish, or add --wait to queue behind it")


def describe(holder: dict[str, Any]) -> str:
    """``pid 123 on host, started 2026-11-21 17:23:01 UTC`` (as far as known)."""
    if not holder:
        return "holder unknown"
    host = holder.get("host")
    where = f" on {host}" if host and host != socket.gethostname() else ""
    started = str(holder.get("started_at", "?")).replace("T", " ").replace("+00:00", " UTC")
    return f"pid {holder.get('pid', '?')}{where}, started {started}"


class OutputLock:
    """``with OutputLock(out): ...`` — exclusive use of ``out`` by this process."""

    def __init__(self, out: Path, wait: bool = False, on_wait=None):
        self.path = Path(out) / LOCK_NAME
        self.wait = wait
        self.on_wait = on_wait
        self.fd: int | None = None
        self.stale: dict[str, Any] = {}  # the holder of a stale lock we took over
        self._lock = filelock.FileLock(self.path, on_acquired=self._acquired, is_singleton=False)

    def _acquired(self, fd: int) -> None:
        self.fd = fd

    def _holder(self) -> dict[str, Any]:
        """Who the lock file names (read without the lock: a busy holder's line, or a stale one)."""
        try:
            if self.fd is not None:
                text = os.pread(self.fd, 4096, 0).decode("utf-8", "replace")
            else:
                text = self.path.read_text(encoding="utf-8", errors="replace")
            return json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return {}

    def acquire(self) -> OutputLock:
        try:
            self._lock.acquire(blocking=False)
        except filelock.Timeout:
            holder = self._holder()
            if not self.wait:
                raise OutputBusy(self.path.parent, holder) from None
            if self.on_wait:
                self.on_wait(holder)
            self._lock.acquire(timeout=-1, poll_interval=0.2)
        self.stale = self._holder()
        me = {"pid": os.getpid(), "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "host": socket.gethostname(), "command": " ".join(["fou", *sys.argv[1:]])[:300]}
        try:
            assert self.fd is not None
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, (json.dumps(me) + "\n").encode("utf-8"), 0)
        except OSError as exc:
            self.release()
            exc.filename = exc.filename or str(self.path)
            raise
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        except OSError:
            pass
        self.fd = None
        self._lock.release(force=True)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
