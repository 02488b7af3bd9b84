"""``fou fetch`` protects extracts and says what it did not get (issue 12, cases 6, 9, 10),
with the real command in a subprocess against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pandas as pd
import pytest

from fou.extracts.format import load_extract
from fou.extracts.paths import REPO_ROOT, report_extract_dir
from fou.kolada.server import LocalKolada

from .kolada_fixture import FaultyKolada, small_data
from .run_helpers import unprivileged


@pytest.fixture(scope="module")
def server():
    """The small data set with two gaps: a KPI Kolada knows but has no values for (U40809),
    and N31858 without any value in 2018."""
    data = small_data()
    data.values = data.values[~((data.values["kpi"] == "N31858") & (data.values["year"] == 2018))]
    data.kpis = pd.concat([data.kpis, pd.DataFrame({"id": ["U40809"], "title": ["Anvisningar socialtjänst"],
                                                    "is_divided_by_gender": ["False"]})], ignore_index=True)
    with LocalKolada(data) as srv:
        yield srv


def fetch(srv, tmp_path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOU_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "fou", "fetch", "--base-url", srv.base_url, *args],
                          capture_output=True, text=True, env=env, timeout=120, cwd=REPO_ROOT,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def test_case6_shipped_extract_is_never_replaced(server, tmp_path):
    shipped = report_extract_dir()
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}
    asked = len(server.requests)
    for target in ("data/extracts/report-2023", str(shipped), "data/extracts/report-2023/sub"):
        for extra in ((), ("--overwrite",)):
            proc = fetch(server, tmp_path, "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
                         "--out", target, *extra)
            assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
            assert "parameter 'out'" in proc.stderr and ("transcribed extract" in proc.stderr or "inside the extract" in proc.stderr)
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before
    assert len(server.requests) == asked  # refused before anything was asked


def test_case6_existing_extracts_need_overwrite_and_other_folders_are_refused(server, tmp_path):
    out = tmp_path / "ex"
    args = ("--kpi", "N01951", "--municipality", "1001,1002", "--out", str(out))
    assert fetch(server, tmp_path, *args, "--years", "2020").returncode == 0
    first = (out / "values.csv").read_bytes()
    again = fetch(server, tmp_path, *args, "--years", "2021")
    assert again.returncode == 2 and "already holds an extract fetched" in again.stderr and "--overwrite" in again.stderr
    assert (out / "values.csv").read_bytes() == first
    replaced = fetch(server, tmp_path, *args, "--years", "2021", "--overwrite")
    assert replaced.returncode == 0 and load_extract(out).years == [2021]
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious")
    for extra in ((), ("--overwrite",)):
        proc = fetch(server, tmp_path, "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
                     "--out", str(folder), *extra)
        assert proc.returncode == 2 and "not an extract" in proc.stderr
    assert (folder / "thesis.tex").read_text() == "precious"


def test_case6_fetched_extracts_are_git_ignored_the_shipped_one_is_not():
    if not shutil.which("git") or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/extracts/fyrbodal/values.csv"], cwd=REPO_ROOT)
    shipped = subprocess.run(["git", "check-ignore", "-q", "data/extracts/report-2023/values.csv"], cwd=REPO_ROOT)
    assert ignored.returncode == 0 and shipped.returncode == 1


def test_case10_fetch_names_kpis_and_years_without_values(server, tmp_path):
    out = tmp_path / "gaps"
    proc = fetch(server, tmp_path, "--kpi", "N01951,N31858,U40809", "--municipality", "1001,1002",
                 "--years", "2016-2024", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "2 of 3 KPIs with values, years 2018–2022" in proc.stdout
    err = proc.stderr.splitlines()
    assert "fou: warning: Kolada returned no values for 1 of 3 KPIs:" in err and "  U40809 Anvisningar socialtjänst" in err
    assert ("fou: warning: no values at all for 2016–2017, 2023–2024 (requested 2016–2024; "
            "Kolada returned values for 2018–2022)") in err
    assert any(line.startswith("fou: warning: N31858") and line.endswith("has no values for 2018") for line in err)
    gaps = load_extract(out).manifest["source"]["not_returned"]
    assert gaps["kpis_without_values"] == ["U40809"] and gaps["years_without_values"] == [2016, 2017, 2023, 2024]
    assert gaps["kpi_years_without_values"] == {"N31858": [2018]}


def test_case10_hanging_server_retries_visibly_and_stops_at_the_deadline(tmp_path):
    with FaultyKolada(small_data()) as srv:
        srv.fault("slow", 20, times=10)
        proc = fetch(srv, tmp_path, "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
                     "--out", str(tmp_path / "never"), "--timeout", "1", "--deadline", "4", "--no-cache")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert any("no answer within the timeout" in line and "retrying (attempt 2 of 5)" in line for line in lines), lines
    assert lines[-1].startswith("fou: error: fetch failed, nothing written to") and "deadline of 4 s" in lines[-1]
    assert not (tmp_path / "never").exists()


def test_case9_fetched_extract_follows_the_umask(server, tmp_path):
    out = tmp_path / "perm"
    proc = fetch(server, tmp_path, "--kpi", "N01951", "--municipality", "1001", "--years", "2020", "--out", str(out),
                 umask=0o022)
    assert proc.returncode == 0, proc.stderr
    assert oct(stat.S_IMODE(out.stat().st_mode)) == "0o755"
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in out.iterdir()} == {"0o644"}
    assert json.loads((out / "manifest.json").read_text())["source"]["kind"] == "fetched"


def test_case8_read_only_cache_is_a_warning_read_only_target_an_error(server, tmp_path):
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    cache.chmod(0o555)
    env = {**os.environ, "FOU_CACHE_DIR": str(cache / "fou")}
    cmd = [*unprivileged(), sys.executable, "-m", "fou", "fetch", "--base-url", server.base_url, "--kpi", "N01951",
           "--municipality", "1001", "--years", "2020"]
    proc = subprocess.run([*cmd, "--out", str(tmp_path / "ex")], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("fou: warning: cannot use the cache folder") and "Permission denied" in proc.stderr
    assert proc.stderr.count("\n") == 1 and (tmp_path / "ex" / "values.csv").is_file()
    # a read-only target folder: one line naming it, before anything is fetched
    asked = len(server.requests)
    proc = subprocess.run([*cmd, "--out", str(cache / "ex"), "--no-cache"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"nothing written to {cache / 'ex'}: cannot write {cache}: Permission denied" in proc.stderr
    assert len(server.requests) == asked
