"""Process hygiene for ``fou run``: signals become one exception, children die with us.

The main process turns SIGINT and SIGTERM into :class:`Interrupted` (once; later
signals are ignored while it cleans up) and can defer them around a critical
section (publishing a page). Worker processes ignore SIGINT (a Ctrl-C in the
terminal is the main process's to handle), ask Linux to send them SIGTERM when
the main process dies, and on SIGTERM kill their Jupyter kernels before exiting.
Kernels run in sessions of their own, so they are found as descendants (psutil,
which ipykernel requires anyway).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; ``code`` is the conventional exit status (130, 143)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.code = 128 + signum


_DEFERRING = 0  # depth of deferred_signals blocks in the main thread
_PENDING: list[int] = []  # a stop signal that arrived while deferring


def _raise_interrupted(signum: int, frame) -> None:
    for sig in STOP_SIGNALS:  # the first signal wins; cleaning up must not be interrupted again
        signal.signal(sig, signal.SIG_IGN)
    if _DEFERRING:
        _PENDING.append(signum)
        return
    raise Interrupted(signum)


def install_stop_handlers() -> None:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _raise_interrupted)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done (they are delivered right after).

    The signal mask only holds signals for this thread: a signal the kernel delivers to
    another thread of the process (a helper thread of a library) still runs the Python
    handler in the main thread, so the handler itself also waits for the block's end."""
    global _DEFERRING
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    _DEFERRING += 1
    try:
        yield
    finally:
        _DEFERRING -= 1
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        if not _DEFERRING and _PENDING:
            raise Interrupted(_PENDING.pop())


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren, …)."""
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def terminate(pids: list[int], grace: float = 3.0) -> None:
    """SIGTERM ``pids``, wait up to ``grace`` seconds, SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + (grace if sig == signal.SIGTERM else 1.0)
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.05)
        pids = [p for p in pids if alive(p)]
        if not pids:
            return


def _die_with_kernels(signum: int, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    terminate(descendants(os.getpid()), grace=2.0)
    os._exit(128 + signum)


def _parent_death_signal(sig: int) -> None:
    """Linux: deliver ``sig`` to this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def setup_worker(parent_pid: int) -> None:
    """In a worker: ignore Ctrl-C, stop (with its kernels) on SIGTERM or when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _die_with_kernels)
    _parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(143)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked by the parent while starting us
