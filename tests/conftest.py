"""Shared fixtures. Tests reading ../shared skip with a reason when it is absent."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fou.extracts.format import load_extract, write_extract
from fou.extracts.paths import REPO_ROOT, report_extract_dir
from fou.extracts.regions import Catalogue

from .kolada_fixture import FaultyKolada, small_data

# A developer's uncommitted notebook edits must not stop the suite: its runs allow them (and mark
# their pages, fou.run.sources); tests/test_sources.py unsets this to test the refusal.
os.environ.setdefault("FOU_ALLOW_MODIFIED", "1")

SHARED = REPO_ROOT.parent / "shared"
REPORT_TEXT = SHARED / "seeds" / "002_fef78677bbcd3bb1.txt"
KOLADA_DIR = SHARED / "data" / "kolada"

GR_IDS = {
    "Ale": "1440", "Alingsås": "1489", "Göteborg": "1480", "Härryda": "1401", "Kungsbacka": "1384",
    "Kungälv": "1482", "Lerum": "1441", "Lilla Edet": "1462", "Mölndal": "1481", "Partille": "1402",
    "Stenungsund": "1415", "Tjörn": "1419", "Öckerö": "1407",
}
GR_ORDER = list(GR_IDS)  # the report's (Swedish alphabetical) order


def needs_shared(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared (real Kolada data and the report) is not beside this checkout")


@pytest.fixture(scope="session")
def report_extract():
    return load_extract(report_extract_dir())


@pytest.fixture(scope="session")
def gr(report_extract):
    return Catalogue.build(extract_units=report_extract.units()).resolve("Göteborgsregionen")


@pytest.fixture(scope="session")
def published_tables() -> dict[str, pd.DataFrame]:
    """Tables 1–5 parsed straight from the report's text (independent of the transcription)."""
    needs_shared(REPORT_TEXT)
    return parse_report_tables(REPORT_TEXT.read_text(encoding="utf-8"))


_SPELLINGS = {"Mölnadal": "Mölndal", "Möndal": "Mölndal", "Mölnådal": "Mölndal"}


def parse_report_tables(text: str) -> dict[str, pd.DataFrame]:
    """Each 'Tabell N.' block as a DataFrame of raw cell strings indexed by Kolada name."""
    lines = text.splitlines()
    out = {}
    for n in range(1, 6):
        start = next(i for i, line in enumerate(lines) if re.match(rf"^Tabell {n}\.", line))
        header_at = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("Kommun\t"))
        rows = []
        for line in lines[header_at + 1:]:
            if not line.strip() or line.startswith("Källa") or line.startswith("*"):
                break
            cells = line.split("\t")
            rows.append(cells)
        header = lines[header_at].split("\t")
        width = len(header)
        df = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header)
        df["Kommun"] = df["Kommun"].str.strip().replace(_SPELLINGS)
        out[f"table{n}"] = df.set_index("Kommun")
    return out


def make_extract(path: Path, rows: list[dict], kind: str = "synthetic") -> Path:
    """Write a small extract in the shipped format (for hand-made test data)."""
    df = pd.DataFrame(rows)
    for col, default in (("gender", "T"), ("status", "")):
        if col not in df:
            df[col] = default
    write_extract(df, path, {"kind": kind, "description": "hand-made test data"})
    return path


def fou(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``fou`` command in a subprocess (as a user would)."""
    return subprocess.run([sys.executable, "-m", "fou", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=900)


def cli(*args: str, env: dict | None = None):
    """Run the ``fou`` command in-process (click's runner): stdout, stderr, returncode like a subprocess."""
    from types import SimpleNamespace

    from click.testing import CliRunner

    from fou.cli import main

    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def once_per_session(tmp_path_factory, name: str, build):
    """``build(folder)`` run once per test session and shared by its xdist workers: the first worker to
    ask builds under a lock in the session's temporary folder, the others wait for it and read the result.
    (pytest-xdist's ``--dist loadgroup`` cannot keep a run's tests on one worker under pytest 9: its group
    suffix on ``item._nodeid`` no longer reaches the node id.) Returns what ``build`` returned, which must be
    JSON: the run's folder and its ``fou`` process (returncode, stdout, stderr) rebuilt as a CompletedProcess."""
    import fcntl
    import json

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder; each worker's own is popen-gwN inside it
    folder, done = root / f"shared-{name}", root / f"shared-{name}.json"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when the process dies
        if not done.exists():
            folder.mkdir(exist_ok=True)
            out, proc = build(folder)
            done.write_text(json.dumps({"out": str(out), "args": proc.args, "returncode": proc.returncode,
                                        "stdout": proc.stdout, "stderr": proc.stderr}), encoding="utf-8")
    saved = json.loads(done.read_text(encoding="utf-8"))
    return Path(saved["out"]), subprocess.CompletedProcess(saved["args"], saved["returncode"], saved["stdout"],
                                                           saved["stderr"])


def _default_run(folder: Path):
    out = folder / "out"
    return out, fou("run", "--out", str(out), "--jobs", "2", "--each", "municipality=Ale,Bjurholm")


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """One ``fou run`` of the shipped configuration, shared by the run and browser tests; the profile
    (notebook 10) for two municipalities instead of its 13 (a pilot and not), to keep the suite fast."""
    out, proc = once_per_session(tmp_path_factory, "default_run", _default_run)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc


@pytest.fixture(scope="session")
def variant_run(tmp_path_factory):
    """One ``fou run`` of the notebooks under other parameters (tests/variants.py): the parameter sweep,
    two entries of one notebook, other years, regions and a hand-made extract. ``(out, process)``; each
    test checks its own entries with ``variants.entries_ok``."""
    from .variants import run_variants

    return once_per_session(tmp_path_factory, "variant_run", lambda folder: run_variants(folder, KOLADA_DIR))


@pytest.fixture
def server():
    """A local Kolada v3 server on 127.0.0.1 serving the small hand-made data set, faults on request
    (``server.fault(...)``; tests/kolada_fixture.py)."""
    with FaultyKolada(small_data()) as srv:
        yield srv


_SESSION_CACHE: str | None = None


def pytest_configure(config):
    """A private cache folder per test session (its xdist workers share it): two ``make test`` at once
    on one machine never write the same cache files."""
    global _SESSION_CACHE
    if not os.environ.get("FOU_TEST_SESSION_CACHE"):
        import tempfile

        _SESSION_CACHE = tempfile.mkdtemp(prefix="fou-test-cache-")
        os.environ["FOU_TEST_SESSION_CACHE"] = os.environ["FOU_CACHE_DIR"] = _SESSION_CACHE


def pytest_unconfigure(config):
    if _SESSION_CACHE:
        import shutil

        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, for the browser tests (skipped without them)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()
