"""Tiny notebooks and process helpers for the fault-injection tests of ``fou run``.

The notebooks start a real kernel but import nothing heavy, so a run takes a few
seconds: ``fast`` writes ``tables/t.csv`` holding its label; ``slow`` writes
``tables/slow.csv`` first and then sleeps ``seconds`` (a run killed while it
sleeps has already written a half-new table into its staging folder).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat

WRITE = ("from pathlib import Path\nif output_dir:\n    (Path(output_dir) / 'tables').mkdir(parents=True, exist_ok=True)\n"
         "    (Path(output_dir) / 'tables' / '{name}').write_text('label\\n' + label + '\\n')")


def _notebook(params: str, cells: list[str]):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "fou", "display_name": "Python (fou)", "language": "python"}
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, *(nbformat.v4.new_code_cell(c) for c in cells)]
    return nb


def write_notebooks(folder: Path, entries: str | None = None) -> Path:
    """``fast.ipynb``, ``slow.ipynb`` and a ``run.toml`` (default: one entry each) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(_notebook('label: str = "a"  # a label\npilots: str = ""  # optional CSV read by the page\n'
                             'output_dir: str = ""  # tables go here',
                             [WRITE.format(name="t.csv"), "print(label)"]), folder / "fast.ipynb")
    nbformat.write(_notebook('label: str = "a"  # a label\nseconds: float = 0.0  # how long to sleep\n'
                             'output_dir: str = ""  # tables go here',
                             [WRITE.format(name="slow.csv"), "import time\ntime.sleep(seconds)", "print(label)"]),
                   folder / "slow.ipynb")
    (folder / "run.toml").write_text(entries or (
        '[[entry]]\nname = "fast"\nnotebook = "fast.ipynb"\ntitle = "Fast"\n\n'
        '[[entry]]\nname = "slow"\nnotebook = "slow.ipynb"\ntitle = "Slow"\n'), encoding="utf-8")
    return folder


#: Tiny notebooks import nothing heavy, so warm kernels (a zygote per worker importing pandas, scipy,
#: matplotlib and fou before forking the kernel) only cost time: ~4 s of CPU per worker, a third of a tiny
#: run. Runs of tiny notebooks use ordinary kernels unless a test is about warm kernels or about stopping a
#: run (its zygote must go too): tests/test_warm.py and cases 1, 2 and 7 of tests/test_run_safety.py.
COLD = {"FOU_WARM_KERNELS": "0"}


class Marked:
    """Environment for ``fou`` subprocesses, marked so every descendant (kernels too) can be found;
    ordinary kernels (:data:`COLD`) unless ``warm``."""

    def __init__(self, warm: bool = False, **env: str):
        self.mark = uuid.uuid4().hex
        self.env = {**os.environ, "FOU_TEST_MARK": self.mark, **({} if warm else COLD), **env}

    def processes(self) -> list[tuple[int, str]]:
        """Live processes carrying the mark: pid and command line."""
        found = []
        needle = f"FOU_TEST_MARK={self.mark}".encode()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                environ = Path(f"/proc/{name}/environ").read_bytes()
                stat = Path(f"/proc/{name}/stat").read_bytes()
                cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if needle in environ and stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] != b"Z":
                found.append((int(name), cmd))
        return found

    def kernels(self) -> list[int]:
        """Kernels started as processes (``ipykernel_launcher``) or forked warm (named ``ipykernel``)."""
        def comm(pid: int) -> str:
            try:
                return Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                return ""

        return [pid for pid, cmd in self.processes() if "ipykernel" in cmd or comm(pid) == "ipykernel"]

    def start(self, *args: str, stderr=subprocess.PIPE) -> subprocess.Popen:
        """Start ``fou`` in a process group of its own (as a shell job: Ctrl-C goes to the whole group)."""
        return subprocess.Popen([sys.executable, "-m", "fou", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=stderr, text=True, start_new_session=True)

    def run(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fou", *args], env=self.env, capture_output=True, text=True,
                              timeout=300, **kw)

    def gone(self, timeout: float = 60.0) -> list[tuple[int, str]]:
        """Wait until no marked process is left; returns the ones still there after ``timeout``."""
        end = time.monotonic() + timeout
        while (left := self.processes()) and time.monotonic() < end:
            time.sleep(0.2)
        for pid, _ in left:  # do not leave them behind for other tests
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return left


def wait_for(condition, timeout: float = 120.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` except the lock file."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".fou.lock"}


def unprivileged() -> list[str]:
    """A command prefix that makes permission bits apply even to root (drops CAP_DAC_OVERRIDE)."""
    import pytest

    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permission bits cannot be enforced")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]
