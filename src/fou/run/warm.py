"""Warm kernels: a fork server that has done the imports before a notebook needs them.

Most of a notebook's own time used to be a new kernel importing pandas, matplotlib,
scipy, statsmodels and ``fou`` (prior art: Quarto's Jupyter execute-daemon keeps a
kernel alive between renders). Reusing a kernel would let one notebook's state leak
into the next, so here every kernel still serves exactly one notebook and is then
discarded: each worker starts one *zygote* process (``python -m fou.run.warm``)
that imports those modules once and runs no notebook code; for every notebook it
forks a child that becomes a fresh ipykernel. The child shares the zygote's
imported modules (copy-on-write) and nothing else: it never ran another notebook's
code, so it is as clean as a newly started kernel, without paying for the imports.
``tests/test_warm.py`` checks that a notebook's tables are byte-identical whether it
runs in a warm worker after other notebooks or alone in an ordinary kernel.

The worker talks to the zygote over two pipes (JSON lines: ``{argv, env, cwd}`` in,
``{pid}`` out). :class:`WarmKernelManager` is the jupyter_client kernel manager
nbclient uses: it launches through the zygote and falls back to an ordinary kernel
process when the zygote is missing, dead, or the kernel spec is not ours. Process
hygiene follows :mod:`fou.run.procs`: the zygote and its kernels are descendants
of the worker (stopped with it), the zygote dies with the worker and a kernel
with its zygote (``PR_SET_PDEATHSIG``); kernels run in sessions of their own.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import signal
import subprocess
import sys
import threading
from typing import Any

#: What every page imports, done once per worker instead of once per notebook.
PRELOAD = ("numpy", "pandas", "scipy.stats", "scipy.optimize", "scipy.linalg", "statsmodels.stats.multitest",
           "matplotlib", "matplotlib.pyplot", "matplotlib.backends.backend_svg", "matplotlib.backends.backend_agg",
           "matplotlib_inline.backend_inline", "seaborn", "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel",
           "ipykernel.zmqshell", "ipykernel_launcher", "ipykernel.debugger", "IPython.core.debugger",
           "IPython.core.completerlib", "IPython.core.oinspect", "IPython.core.logger", "IPython.extensions.storemagic",
           "sqlite3", "tornado.queues", "tornado.platform.asyncio", "encodings.idna", "fou.run.procs", "fou.pages")
#: (ipykernel imports its debugger, debugpy and pydevd, at every start: about 150 modules a kernel)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
LAUNCHER = ["-m", "ipykernel_launcher"]


# ----------------------------------------------------------------------------- the zygote

def _preload() -> list[str]:
    """Import :data:`PRELOAD` and every ``fou.pages`` module, then warm their caches; returns what could not be imported."""
    import warnings

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # as ipykernel sets it before any notebook code runs
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules note, as ipykernel's kernelspec sets it
    with warnings.catch_warnings():  # import-time warnings would reach fou run's terminal, not a notebook
        warnings.simplefilter("ignore")
        failed = _import_all()
        if "fou.pages" not in failed:
            with contextlib.suppress(Exception):
                from fou.pages.warmup import warm_up

                warm_up()  # fonts, templates and the shipped extracts, cached by file stamps (fou.pages.warmup)
        return failed


def _import_all() -> list[str]:
    failed = []
    for name in PRELOAD:
        try:
            module = importlib.import_module(name)
        except Exception:  # a page that cannot import fails in its own kernel, with its own message
            failed.append(name)
            continue
        if name == "fou.pages":
            for info in pkgutil.iter_modules(module.__path__, "fou.pages."):
                with contextlib.suppress(Exception):
                    importlib.import_module(info.name)
    return failed


def _reap(*_: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _death_signal(sig: int) -> None:
    from fou.run.procs import _parent_death_signal

    _parent_death_signal(sig)


def _name_process(name: str) -> None:
    """``/proc/<pid>/comm`` (what ps and the tests show) for a forked kernel."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def _become_kernel(request: dict[str, Any], requests: int, replies: int) -> None:
    """In the forked child: turn into an ipykernel for ``request``; never returns."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _death_signal(signal.SIGKILL)
        os.close(replies)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, requests)  # the kernel's stdin is /dev/null, not the zygote's request pipe
        if devnull != requests:
            os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
        _name_process("ipykernel")
        if "numpy" in sys.modules:  # numpy's global generator is not reseeded by fork (Python's random is)
            sys.modules["numpy"].random.seed()
        args = request["argv"][len(LAUNCHER):]  # after "-m ipykernel_launcher"
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *args]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            import atexit

            atexit._run_exitfuncs()
        os._exit(code)


def serve(requests: int, replies: int) -> None:
    """The zygote's loop: preload, then fork one kernel per request until the worker closes the pipe."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts the notebook's folder back
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _death_signal(signal.SIGTERM)  # the worker died: stop, and the kernels follow (their own death signal)
    failed = _preload()
    signal.signal(signal.SIGCHLD, _reap)
    out = os.fdopen(replies, "w", buffering=1)
    out.write(json.dumps({"ready": True, "failed": failed, "threads": threading.active_count()}) + "\n")
    with os.fdopen(requests, "r") as lines:
        for line in lines:
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _become_kernel(request, requests, replies)
            out.write(json.dumps({"pid": pid}) + "\n")


# ----------------------------------------------------------------------------- the worker's side

class Zygote:
    """The worker's handle on its fork server."""

    def __init__(self) -> None:
        read_replies, self._write_replies = os.pipe()
        self._replies_fd = read_replies
        self.proc = subprocess.Popen([sys.executable, "-m", "fou.run.warm", str(self._write_replies)],
                                     stdin=subprocess.PIPE, pass_fds=(self._write_replies,), text=True)
        os.close(self._write_replies)
        self.replies = os.fdopen(read_replies, "r")
        self.ready: dict[str, Any] | None = None
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """A new kernel process for ``argv`` (ipykernel's), started in ``cwd`` with ``env``; its pid."""
        with self.lock:
            if self.ready is None:
                self.ready = json.loads(self.replies.readline() or "null")
                if not self.ready:
                    raise OSError("the warm-kernel server did not start")
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
            self.proc.stdin.flush()
            answer = self.replies.readline()
        if not answer:
            raise OSError("the warm-kernel server ended")
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.replies.close()


_ZYGOTE: Zygote | None = None


def start() -> Zygote | None:
    """Start this worker's zygote (its imports run while the worker does other things)."""
    global _ZYGOTE
    if os.environ.get("FOU_WARM_KERNELS", "1") == "0":
        return None
    if _ZYGOTE is None or not _ZYGOTE.alive():
        try:
            _ZYGOTE = Zygote()
        except OSError:
            _ZYGOTE = None
    return _ZYGOTE


def stop() -> None:
    global _ZYGOTE
    if _ZYGOTE is not None:
        _ZYGOTE.close()
        _ZYGOTE = None


class Forked:
    """What jupyter_client's local provisioner needs of a ``Popen``, for a kernel forked by the zygote
    (not our child: liveness comes from ``/proc``, the zygote reaps it)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        from fou.run.procs import alive

        if self.returncode is None and not alive(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def manager_class():
    """The kernel manager class for nbclient: :class:`AsyncKernelManager` launching through the zygote,
    its kernels on Unix sockets (:mod:`fou.run.sockets`)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class WarmProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            zygote = _ZYGOTE
            if zygote is None or not zygote.alive() or cmd[1:1 + len(LAUNCHER)] != LAUNCHER or cmd[0] != sys.executable:
                return await super().launch_kernel(cmd, **kwargs)
            env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            cwd = str(kwargs.get("cwd") or os.getcwd())
            try:
                pid = zygote.fork(cmd[1:], env, cwd)
            except (OSError, ValueError):
                return await super().launch_kernel(cmd, **kwargs)
            self.process = Forked(pid)
            self.pid = self.pgid = pid
            self.cwd = cwd
            return self.connection_info

    class WarmKernelManager(AsyncKernelManager):
        def __init__(self, **kw: Any):
            from fou.run.sockets import ipc_prefix

            super().__init__(**kw)
            self.transport = "ipc"  # no TCP port race between workers (fou.run.sockets)
            self.ip = ipc_prefix()
            self.client_class = "fou.run.client.ReadyClient"  # ready when the kernel is (fou.run.client)

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:
                import uuid

                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return WarmKernelManager


if __name__ == "__main__":
    serve(sys.stdin.fileno(), int(sys.argv[1]))
