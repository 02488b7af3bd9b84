"""Issue 20: the Kolada client against a local server that injects each fault, with the real
``fou`` command in a subprocess (honest dates, protected extracts, one deadline, paging that
stops, the fewest requests, messages and signals)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pandas as pd
import pytest

from fou.extracts.format import load_extract, write_extract
from fou.kolada.client import KoladaClient
from fou.kolada.fetch import fetch_extract

from .kolada_fixture import SMALL_UNITS, FaultyKolada, small_client, small_data, small_value


def inproc(srv, tmp_path, *args: str):
    """``fou`` in-process (click's runner; stderr is not a terminal) with its own cache folder."""
    from .conftest import cli

    return cli(*args, "--base-url", srv.base_url, env={"FOU_CACHE_DIR": str(tmp_path / "cache")})


def fou(srv, tmp_path, *args: str, base: bool = True, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOU_CACHE_DIR": str(tmp_path / "cache"), **(env or {})}
    extra = ["--base-url", srv.base_url] if base else []
    return subprocess.run([sys.executable, "-m", "fou", *args, *extra], capture_output=True, text=True, env=env,
                          timeout=120, cwd=cwd or tmp_path)


def data_requests(srv) -> list[str]:
    return [p for p in srv.requests if "/data/" in p]


# -- case 1: fetched_at is when the server answered ----------------------------------------------


def test_case1_cached_values_keep_their_date_and_update_asks_from_it(server, tmp_path):
    cache = tmp_path / "cache"
    first = KoladaClient(server.base_url, cache_dir=cache, backoff=0.01)
    first.values(["N01951"], ["1001"], [2020, 2021])
    responses = first.session.cache.responses
    old = datetime(2026, 1, 15, 8, 0, tzinfo=timezone.utc)
    for key in list(responses.keys()):  # as if these answers were fetched on 15 January
        r = responses[key]
        r.created_at = old
        responses[key] = r
    asked = len(data_requests(server))
    proc = fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "1001", "--years", "2020-2021",
               "--out", str(tmp_path / "b"))
    assert proc.returncode == 0, proc.stderr
    assert len(data_requests(server)) == asked  # served from the cache
    src = load_extract(tmp_path / "b").manifest["source"]
    assert src["fetched_at"] == "2026-01-15T08:00:00+00:00" and "values as of 2026-01-15T08:00:00" in proc.stdout
    assert src["run_at"][:10] == datetime.now(timezone.utc).date().isoformat()
    data = [a for a in src["requests"]["answers"] if a["path"].startswith("data/")]
    assert data == [{"path": "data/kpi/N01951/municipality/1001/year/2020,2021?per_page=5000",
                     "answered_at": "2026-01-15T08:00:00+00:00", "from_cache": True}]
    # Kolada revised a value after 15 January: the update asks from the true date and finds it
    server.state.data.revise("N01951", "1001", 2021, "T", 1.5, updated="2026-03-01")
    proc = fou(server, tmp_path, "extracts", "update", str(tmp_path / "b"), "--overwrite")
    assert proc.returncode == 0 and "since 2026-01-15: 1 changed" in proc.stdout, proc.stdout + proc.stderr
    assert any("from_date=2026-01-15" in p for p in data_requests(server))
    # --refresh bypasses the cache: a new answer, today's date, the revised value
    proc = fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "1001", "--years", "2020-2021",
               "--out", str(tmp_path / "c"), "--refresh")
    assert proc.returncode == 0 and len(data_requests(server)) > asked + 1
    c = load_extract(tmp_path / "c")
    assert c.manifest["source"]["fetched_at"][:10] == datetime.now(timezone.utc).date().isoformat()
    assert c.values.set_index(["year", "gender"]).loc[(2021, "T"), "value"] == 1.5


def test_case1_cache_clear_empties_the_cache(server, tmp_path):
    proc = fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
               "--out", str(tmp_path / "a"))
    assert proc.returncode == 0 and any((tmp_path / "cache").iterdir())
    proc = fou(server, tmp_path, "cache", "clear", base=False)
    assert proc.returncode == 0 and proc.stdout.startswith(f"cleared {tmp_path / 'cache'}")
    assert not any((tmp_path / "cache").iterdir())
    asked = len(data_requests(server))
    assert fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
               "--out", str(tmp_path / "b")).returncode == 0
    assert len(data_requests(server)) == asked + 1


# -- case 2: update never writes into a shipped or foreign extract -------------------------------


def foreign_extract(path, server) -> None:
    """A T-only extract fetched by someone else (like the shipped national one)."""
    rows = [{"kpi": "N01951", "municipality_id": u, "municipality": f"Kommun {u}", "year": y, "gender": "T",
             "value": small_value("N01951", u, y, "T"), "status": ""} for u in ("1001", "1002") for y in (2020, 2021)]
    write_extract(pd.DataFrame(rows), path, {"kind": "fetched", "fetched": True, "fetched_by": "someone else",
                                             "fetched_at": "2024-08-30", "base_url": "https://api.kolada.se/v2",
                                             "provenance_sv": "Hämtat av någon annan 2024-08-30, inget hämtat av fou"})


def test_case2_foreign_extract_is_updated_into_a_new_one_with_its_scope(server, tmp_path):
    src = tmp_path / "theirs"
    foreign_extract(src, server)
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    data = server.state.data
    data.revise("N01951", "1001", 2021, "T", 5.0, updated="2025-01-01")
    data.revise("N01951", "1001", 2021, "K", 6.0, updated="2025-01-01")   # a gender the extract does not hold
    data.revise("N01951", "1003", 2021, "T", 7.0, updated="2025-01-01")   # a unit it does not hold
    refused = fou(server, tmp_path, "extracts", "update", str(src), "--overwrite")
    assert refused.returncode == 2 and "parameter 'overwrite'" in refused.stderr and "never writes into it" in refused.stderr
    proc = fou(server, tmp_path, "extracts", "update", str(src), "--out", str(tmp_path / "mine"), "--add-years", "2022")
    assert proc.returncode == 0, proc.stderr
    assert "1 changed, 2 added, 0 deleted" in proc.stdout and f"{src} unchanged" in proc.stdout
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    asked = [p for p in data_requests(server)]
    assert any("from_date=2024-08-30" in p for p in asked) and any("/year/2022?" in p for p in asked)
    new = load_extract(tmp_path / "mine")
    assert set(new.values["gender"]) == {"T"} and set(new.values["municipality_id"]) == {"1001", "1002"}
    assert new.years == [2020, 2021, 2022]
    assert new.values.set_index(["municipality_id", "year"]).loc[("1001", 2021), "value"] == 5.0
    assert new.manifest["derived_from"]["sha256"] == load_extract(src).checksum
    assert "inget hämtat av fou" not in new.provenance() and "uppdaterat av fou från Kolada" in new.provenance()
    assert new.manifest["updates"][0]["from_date"] == "2024-08-30"


def test_case2_the_shipped_national_extract_is_never_written(tmp_path):
    from .conftest import KOLADA_DIR, needs_shared
    from fou.extracts.paths import data_dir

    needs_shared(KOLADA_DIR)
    from fou.kolada.server import KoladaData

    shipped = data_dir() / "extracts" / "kolada-national"
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}
    with FaultyKolada(KoladaData.from_folder(KOLADA_DIR, kpis=["N31858"])) as srv:
        srv.state.data.revise("N31858", "1480", 2022, "T", 99.0, updated="2025-01-01")
        srv.state.data.revise("N31858", "1480", 2022, "K", 98.0, updated="2025-01-01")
        # no --base-url: the manifest's https://api.kolada.se/v2 is not a v3 API, so $FOU_KOLADA_URL (else v3) is asked
        proc = fou(srv, tmp_path, "extracts", "update", "kolada-national", "--out", str(tmp_path / "nat"), base=False,
                   env={"FOU_KOLADA_URL": srv.base_url})
        assert proc.returncode == 0, proc.stderr
        asked = data_requests(srv)
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before
    assert "1 changed, 0 added" in proc.stdout
    assert all("/municipality/" not in p and "from_date=2024-08-30" in p for p in asked)  # every unit: no segment
    new = load_extract(tmp_path / "nat")
    assert set(new.values["gender"]) == {"T"} and len(new.values) == len(load_extract(shipped).values)


# -- case 3: one deadline caps every wait, Retry-After included ----------------------------------


def test_case3_retry_after_longer_than_the_deadline_stops_within_it(server, tmp_path):
    server.fault("429", times=5, retry_after="20")
    start = time.monotonic()
    proc = fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
               "--out", str(tmp_path / "x"), "--deadline", "5", "--no-cache")
    took = time.monotonic() - start
    # the deadline plus Python's start-up on a loaded machine, well short of the 20 s asked for
    assert proc.returncode == 1 and took < 5 + 10
    last = proc.stderr.strip().splitlines()[-1]
    assert "deadline of 5 s" in last and "Retry-After" in last and "HTTP 429" in last, proc.stderr
    assert not (tmp_path / "x").exists()


def test_case3_without_a_deadline_a_long_retry_after_is_reported_not_slept(server, tmp_path):
    server.fault("503", times=5, retry_after="3600")
    start = time.monotonic()
    proc = fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "1001", "--years", "2020",
               "--out", str(tmp_path / "x"), "--no-cache")
    assert proc.returncode == 1 and time.monotonic() - start < 30
    assert proc.stderr.count("\n") == 1 and "asked to wait 3600 s" in proc.stderr and "--max-wait 60 s" in proc.stderr


def test_case3_a_short_retry_after_is_waited_for(server):
    server.fault("429", times=1, retry_after="1")
    said: list[str] = []
    start = time.monotonic()
    df = KoladaClient(server.base_url, cache=False, say=said.append).values(["N31858"], ["1001"], [2020])
    assert len(df) == 1 and time.monotonic() - start >= 0.9
    assert said == ["Kolada: HTTP 429 for data/kpi/N31858/municipality/1001/year/2020; retrying (attempt 2 of 5) in 1.0 s"]


# -- case 4: paging stops --------------------------------------------------------------------------


@pytest.mark.parametrize("paging, notice", [("same", "repeats the page before; paging stopped"), ("endless", None),
                                            ("cycle", "goes beyond the 3 page(s) its count allows")])
def test_case4_paging_stops_on_a_broken_server(server, paging, notice):
    server.state.paging = paging
    said: list[str] = []
    c = small_client(server)
    c.per_page, c.say = 25, said.append
    units = c.municipalities()
    assert sorted(units["id"]) == sorted(SMALL_UNITS) if paging != "same" else len(units) == 25
    assert len(server.requests) <= 4
    assert (notice is None and not said) or any(notice in s for s in said), said


def test_case4_fou_fetch_finishes_against_an_endless_next_url(server, tmp_path):
    server.state.paging = "endless"
    proc = fou(server, tmp_path, "fetch", "--kpi", "N01951", "--municipality", "all", "--years", "2020",
               "--out", str(tmp_path / "x"))
    assert proc.returncode == 0, proc.stderr
    assert len(load_extract(tmp_path / "x").values) == 61 * 3 and len(server.requests) < 10


# -- case 5: the request plan at its floor ----------------------------------------------------------


def test_case5_all_units_leave_the_municipality_segment_out(server, tmp_path):
    fetch_extract(tmp_path / "a", ["N01951", "N31858", "U40806"], "all", tuple(range(1990, 2051)), small_client(server))
    assert data_requests(server) == [f"/v3/data/kpi/N01951,N31858,U40806/year/{','.join(map(str, ys))}?per_page=5000"
                                     for ys in (range(1990, 2015), range(2015, 2040), range(2040, 2051))]


def test_case5_requests_are_rows_over_per_page_per_segment_set(server, tmp_path):
    c = small_client(server)
    c.per_page = 50
    ex = fetch_extract(tmp_path / "a", ["N01951", "U40806"], "all", (2020, 2021), c)
    items = len(ex.values[ex.values["gender"] == "T"])  # one item per KPI, unit and year
    assert items == 2 * 61 * 2 and len(data_requests(server)) == -(-items // 50)


# -- case 8 and rKolada parity ----------------------------------------------------------------------


def test_case8_messages(server, tmp_path):
    proc = fou(server, tmp_path, "fetch", "--kpi", "", "--municipality", "Ale", "--years", "2020", "--out", "x")
    assert proc.returncode == 2 and "parameter 'kpi': invalid value ''" in proc.stderr
    a = fetch_extract(tmp_path / "a", ["N01951"], "1001", (2020,), small_client(server))
    b = fetch_extract(tmp_path / "b", ["N01951"], "1001,1002", (2020,), small_client(server))
    proc = fou(server, tmp_path, "extracts", "diff", str(a.path), str(b.path), base=False)
    assert proc.returncode == 0 and "added" in proc.stdout and sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_case8_fetch_exits_on_signals_with_one_line(server, tmp_path, sig, code):
    server.fault("slow", 30, times=5)
    env = {**os.environ, "FOU_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "fou", "fetch", "--kpi", "N01951", "--municipality", "1001",
                             "--years", "2020", "--out", str(tmp_path / "x"), "--base-url", server.base_url, "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 30
    while not server.arrived and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"fou: interrupted by {signal.Signals(sig).name}") and not (tmp_path / "x").exists()


def test_parity_years_left_out_kpi_group_verbose_and_dry_run(server, tmp_path):
    proc = inproc(server, tmp_path, "fetch", "--kpi-group", "GK1", "--municipality", "1001,1002", "--dry-run")
    assert proc.returncode == 0 and not data_requests(server)
    assert proc.stdout.splitlines()[1:] == [f"  {server.base_url}/data/kpi/N31858,U40806/municipality/1001,1002"
                                            "?per_page=5000"]
    proc = inproc(server, tmp_path, "fetch", "--kpi-group", "arbetsmarknad och försörjning", "--municipality", "1001",
                  "--out", str(tmp_path / "all-years"), "--verbose")
    assert proc.returncode == 0, proc.stderr
    ex = load_extract(tmp_path / "all-years")
    assert ex.kpis == ["N31858", "U40806"] and ex.years == list(range(2018, 2023))
    assert ex.manifest["source"]["queries"]["years"] == "all"
    urls = [line for line in proc.stderr.splitlines() if line.startswith("fou: GET ")]
    assert len(urls) == len(server.requests) and f"GET {server.base_url}/data/kpi/N31858,U40806/municipality/1001?" \
        in "\n".join(urls)
    proc = inproc(server, tmp_path, "fetch", "--kpi-group", "GK9", "--municipality", "1001", "--out", str(tmp_path / "n"))
    assert proc.returncode == 2 and "parameter 'kpi-group': invalid value 'GK9'" in proc.stderr


def test_progress_lines_when_not_a_terminal_and_none_when_quiet(server, tmp_path):
    args = ("fetch", "--kpi", "N01951", "--municipality", "1001,1002", "--years", "1990-2040")
    proc = inproc(server, tmp_path, *args, "--out", str(tmp_path / "a"))
    assert [line for line in proc.stderr.splitlines() if "request set" in line] == [
        f"fou: Kolada: request set {i} of 3: data/kpi/N01951/municipality/1001,1002/year/{span}"
        for i, span in enumerate([",".join(map(str, range(a, b))) for a, b in ((1990, 2015), (2015, 2040), (2040, 2041))], 1)]
    quiet = inproc(server, tmp_path, *args, "--out", str(tmp_path / "b"), "-q")
    assert quiet.returncode == 0 and "request set" not in quiet.stderr
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["source"]["queries"]["paths"] == 3


# -- case 9: the national extract's manifest says what it is ------------------------------------------


def test_case9_national_manifest_states_api_version_absent_values_metadata_and_licence(tmp_path):
    from fou.extracts.paths import REPO_ROOT, data_dir

    from .conftest import KOLADA_DIR, needs_shared

    ex = load_extract(data_dir() / "extracts" / "kolada-national")
    m, src = ex.manifest, ex.manifest["source"]
    assert src["api_version"] == "v2" and src["base_url"].endswith("/v2") and src["fetched_at"] == "2024-08-30"
    assert "no licence of its own" in src["licence"]["dataset_licence"] and "Kolada" in src["licence"]["name"]
    assert m["metadata_source"]["files"] == ["units.csv", "groups.csv"] and "rKolada (2026)" in m["metadata_source"]["origin"]
    absent = pd.read_csv(ex.path / "absent.csv", dtype={"municipality_id": str})
    note = m["absent_unit_years"]
    assert note["total"] == len(absent) == 708 and note["file"] == "absent.csv" and "inferred" in note["method"]
    assert {k: v for k, v in note["count_by_kpi"].items() if v} == {
        "U40455": 465, "N31807": 45, "N31816": 89, "N31858": 22, "N31814": 87}
    assert absent.groupby("kpi").size().to_dict() == {k: v for k, v in note["count_by_kpi"].items() if v}
    present = set(zip(ex.values["kpi"], ex.values["municipality_id"], ex.values["year"]))
    assert not present & set(zip(absent["kpi"], absent["municipality_id"], absent["year"]))  # absent means absent
    assert all(p.stat().st_size < 2_000_000 for p in ex.path.iterdir())
    assert ex.values["value"].notna().all() and "inget hämtat av fou" in ex.provenance()
    needs_shared(KOLADA_DIR)
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "build_national_extract.py"), "--out",
                           str(tmp_path / "nat")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("values.csv", "absent.csv", "units.csv", "groups.csv"):
        assert (tmp_path / "nat" / name).read_bytes() == (ex.path / name).read_bytes()
