"""The Kolada client against a real HTTP server on 127.0.0.1 that the test starts."""

from __future__ import annotations

import json
import math
import urllib.request

import pandas as pd
import pytest

from fou.extracts.format import load_extract
from fou.extracts.diff import diff_values
from fou.kolada.fetch import fetch_extract
from fou.study.definition import RIKET_ID, study_kpis
from fou.kolada.client import KoladaClient, KoladaError, batches
from fou.kolada.server import KoladaData, LocalKolada
from fou.extracts.params import ParameterError

from .conftest import KOLADA_DIR, needs_shared
from .kolada_fixture import SMALL_KPIS, SMALL_UNITS, SMALL_YEARS, small_data, small_value


def client(srv, tmp_path=None, **kw) -> KoladaClient:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 60)  # generous: a loaded machine is slow, not broken
    if tmp_path is None:
        kw.setdefault("cache", False)
    return KoladaClient(srv.base_url, cache_dir=tmp_path, **kw)


def data_requests(srv) -> list[str]:
    return [p for p in srv.requests if "/v3/data/" in p]


def test_values_equal_the_served_ones_in_minimal_requests(server):
    c = client(server)
    df = c.values(SMALL_KPIS, SMALL_UNITS, SMALL_YEARS)
    # 3 KPIs (1 batch) x 61 units (3 batches of <= 25) x 5 years (1 batch) = 3 requests, each one page
    assert len(data_requests(server)) == 3 == math.ceil(61 / 25)
    assert list(df.columns) == ["kpi", "municipality_id", "municipality", "year", "gender", "value", "status", "count"]
    assert len(df) == 61 * 5 * (3 + 1 + 1)  # N01951 has T, K and M
    for row in df.sample(60, random_state=1).itertuples():
        truth = small_value(row.kpi, row.municipality_id, row.year, row.gender)
        assert (math.isnan(row.value) and truth is None) or row.value == truth
    missing = df[(df["kpi"] == "U40806") & (df["municipality_id"] == "1007") & (df["year"] == 2020)].iloc[0]
    assert math.isnan(missing["value"]) and missing["status"] == "Missing"  # missing is NaN, never 0
    assert set(df[df["kpi"] == "N01951"]["gender"]) == {"T", "K", "M"}


def test_pagination_follows_next_url(server):
    c = client(server, per_page=40)
    df = c.values(["N01951"], SMALL_UNITS[:25], SMALL_YEARS)  # 125 rows -> 4 pages of 40
    reqs = data_requests(server)
    assert len(reqs) == 4 and all("page=" in r for r in reqs[1:])
    assert len(df) == 25 * 5 * 3


def test_server_enforces_25_elements_and_client_never_exceeds(server):
    ids = ",".join(SMALL_UNITS[:26])
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server.base_url}/data/kpi/N01951/municipality/{ids}/year/2020")
    body = json.loads(err.value.read())
    assert err.value.code == 422 and body["detail"][0]["loc"] == ["path", "municipality"]
    assert "at most 25" in body["detail"][0]["msg"]
    start = len(server.requests)
    client(server).values(SMALL_KPIS, SMALL_UNITS, SMALL_YEARS)
    for path in server.requests[start:]:
        segs = path.split("?")[0].split("/")
        for name in ("kpi", "municipality", "year"):
            assert len(segs[segs.index(name) + 1].split(",")) <= 25
    assert batches(list(range(51))) == [list(range(25)), list(range(25, 50)), [50]]


@pytest.mark.parametrize("fault", ["503", "429", "500"])
def test_transient_error_is_retried(server, fault):
    server.fault(fault)
    df = client(server).values(["N31858"], ["1001"], [2020])
    assert df["value"].tolist() == [small_value("N31858", "1001", 2020, "T")]
    assert len(data_requests(server)) == 2  # the failure, then success


def test_persistent_5xx_gives_up_with_the_server_message(server):
    server.fault("503", times=10)
    with pytest.raises(KoladaError, match=r"HTTP 503 after retries .*simulated 503"):
        client(server, retries=2).values(["N31858"], ["1001"], [2020])
    assert len(data_requests(server)) == 3


def test_timeout_is_retried_then_reported(server):
    # the retry must be answered within the timeout: 2 s is ample for a local answer on a loaded machine,
    # and a slow answer (6 s) always outlasts it
    server.fault("slow", seconds=6.0)
    df = client(server, timeout=2.0, retries=2).values(["N31858"], ["1001"], [2020])
    assert len(df) == 1
    server.fault("slow", seconds=6.0, times=3)
    with pytest.raises(KoladaError, match=r"did not answer within 2 s"):
        client(server, timeout=2.0, retries=1).values(["N31858"], ["1002"], [2020])


def test_malformed_json_is_an_error_and_not_cached(server, tmp_path):
    server.fault("malformed")
    c = client(server, tmp_path)
    with pytest.raises(KoladaError, match="malformed JSON"):
        c.values(["N31858"], ["1001"], [2020])
    assert len(client(server, tmp_path).values(["N31858"], ["1001"], [2020])) == 1  # fresh request, not the broken body


def test_validation_error_quotes_the_server_and_is_not_retried(server):
    with pytest.raises(KoladaError, match=r"HTTP 422 for .*query.per_page: per_page must be between 1 and 5000"):
        client(server, per_page=6000).values(["N31858"], ["1001"], [2020])
    assert len(data_requests(server)) == 1


def test_unknown_kpi_in_the_data_path_returns_no_rows(server):
    df = client(server).values(["X12345", "N31858"], ["1001"], [2020])
    assert df["kpi"].tolist() == ["N31858"] and len(data_requests(server)) == 1


def test_repeated_fetch_is_served_from_the_cache(server, tmp_path):
    first = client(server, tmp_path)
    a = first.values(SMALL_KPIS, SMALL_UNITS, SMALL_YEARS)
    n = len(server.requests)
    second = client(server, tmp_path)
    b = second.values(SMALL_KPIS, SMALL_UNITS, SMALL_YEARS)
    assert len(server.requests) == n and second.network_requests == 0 and second.cached_requests == 3
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("keys", [("member_id", "member_title"), ("id", "title")])
def test_group_members_in_both_spellings(keys):
    with LocalKolada(small_data(), member_keys=keys) as srv:
        g = client(srv).groups()
    assert g["member_id"].tolist() == ["1001", "1002", "1003"] and set(g["group_id"]) == {"G1"}


def test_metadata(server):
    c = client(server)
    assert c.municipalities("L")["id"].tolist() == ["0000"]
    assert len(c.municipalities()) == 61
    assert c.kpis(title="anvisningar")["id"].tolist() == ["U40806"]
    assert c.kpis(["N31858", "N01951"])["id"].tolist() == ["N01951", "N31858"]


def test_base_url_from_environment(server, monkeypatch):
    monkeypatch.setenv("FOU_KOLADA_URL", server.base_url)
    assert KoladaClient(cache=False).base_url == server.base_url


def test_fetch_extract_writes_a_fetched_extract(server, tmp_path):
    ex = fetch_extract(tmp_path / "ex", ["N01951", "U40806"], "Testregionen", (2019, 2020), client(server))
    m = ex.manifest
    assert m["source"]["kind"] == "fetched" and m["source"]["base_url"] == server.base_url
    assert m["source"]["kpi_titles"]["N01951"] == "Invånare totalt, antal"
    assert m["source"]["queries"]["municipalities"] == ["1001", "1002", "1003"]
    assert m["counts_by_kpi"] == {"N01951": 18, "U40806": 6}
    assert (tmp_path / "ex" / "units.csv").is_file() and (tmp_path / "ex" / "groups.csv").is_file()
    assert ex.values.set_index(["kpi", "municipality_id", "year", "gender"]).loc[("N01951", "1002", 2020, "K"), "value"] == small_value("N01951", "1002", 2020, "K")


def test_fetch_all_units_and_unknown_names(server, tmp_path):
    ex = fetch_extract(tmp_path / "all", ["U40806"], "all", (2020,), client(server))
    assert len(ex.values) == 61 and "0000" in set(ex.values["municipality_id"])
    with pytest.raises(ParameterError, match=r"did you mean: Testregionen \(G1\)"):
        fetch_extract(tmp_path / "x", ["U40806"], "Testregionn", (2020,), client(server))
    with pytest.raises(ParameterError, match="Kolada does not know these KPI ids"):
        fetch_extract(tmp_path / "x", ["N99999"], "all", (2020,), client(server))
    assert not (tmp_path / "x").exists()


def test_failed_fetch_leaves_the_existing_extract_untouched(server, tmp_path):
    target = tmp_path / "ex"
    fetch_extract(target, ["N01951"], "Testregionen", (2020,), client(server))
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    server.fault("503", times=20)
    with pytest.raises(KoladaError):
        fetch_extract(target, ["N01951", "U40806"], "all", (2019, 2020), client(server, retries=1))
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex"]


def test_interrupted_fetch_leaves_the_existing_extract_untouched(server, tmp_path, monkeypatch):
    target = tmp_path / "ex"
    fetch_extract(target, ["N01951"], "Testregionen", (2020,), client(server))
    before = (target / "values.csv").read_bytes()
    c = client(server)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(c, "values", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_extract(target, ["N01951"], "all", (2020,), c)
    assert (target / "values.csv").read_bytes() == before
    load_extract(target)


def test_diff_between_extracts(server, tmp_path):
    a = fetch_extract(tmp_path / "a", ["N01951"], "Testregionen", (2019, 2020), client(server))
    b_values = a.values.iloc[:-1].copy()  # last row removed
    b_values.loc[0, "value"] += 1  # first row revised
    b_values = pd.concat([b_values, a.values.iloc[[0]].assign(year=2021)])  # one row added
    d = diff_values(a.values, b_values).set_index(["kpi", "municipality_id", "year", "gender"])
    assert d["change"].value_counts().to_dict() == {"added": 1, "removed": 1, "revised": 1}
    assert d.loc[tuple(a.values.iloc[0][["kpi", "municipality_id", "year", "gender"]]), "difference"] == 1


# -- with the real Kolada values of ../shared -------------------------------------------------


@pytest.fixture(scope="module")
def real_server():
    needs_shared(KOLADA_DIR)
    with LocalKolada(KoladaData.from_folder(KOLADA_DIR)) as srv:
        yield srv


def test_real_values_fetched_exactly_in_minimal_requests(real_server, tmp_path):
    served = real_server.state.data.values
    kpis = sorted(served["kpi"].unique())
    c = client(real_server)
    units = c.municipalities()
    before = c.network_requests  # answered requests: a retry on a loaded machine is not a planned request
    df = c.values(kpis, units["id"].tolist(), range(2010, 2023))
    n = c.network_requests - before
    assert len(kpis) == 12 and len(units) == 312
    assert n == math.ceil(12 / 25) * math.ceil(312 / 25) * math.ceil(13 / 25) == 13
    got = df.set_index(["kpi", "municipality_id", "year", "gender"])["value"].sort_index()
    want = served.set_index(["kpi", "municipality_id", "year", "gender"])["value"].sort_index()
    pd.testing.assert_series_equal(got, want, check_exact=True, check_names=False)


def test_real_study_fetch_reports_missing_kpis(real_server, tmp_path):
    ex = fetch_extract(tmp_path / "gr", study_kpis("gr-2023"), "Göteborgsregionen", tuple(range(2017, 2023)),
                       client(real_server), extra_units=(RIKET_ID,), study_id="gr-2023")
    counts = ex.manifest["counts_by_kpi"]
    assert counts["N01951"] == 14 * 6 * 3 and counts["U40806"] == 0 and counts["N03932"] == 0
    gbg = ex.values.set_index(["kpi", "municipality_id", "year", "gender"]).loc[("N01951", "1480", 2022, "T"), "value"]
    assert gbg == 596841


def test_fetch_cli_one_line_reason_and_old_extract_kept(real_server, tmp_path, report_extract):
    import subprocess
    import sys

    target = tmp_path / "ex"
    fetch_extract(target, ["N01951"], "Göteborgsregionen", (2020,), client(real_server))  # an extract fou fetch wrote
    before = (target / "values.csv").read_bytes()
    env = {"FOU_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "fou", "fetch", "--kpi", "N01951,N99999", "--municipality", "all",
                           "--years", "2020", "--out", str(target), "--base-url", real_server.base_url, "--overwrite"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "N99999" in proc.stderr
    assert (target / "values.csv").read_bytes() == before
    proc = subprocess.run([sys.executable, "-m", "fou", "fetch", "--kpi", "N01951", "--municipality", "Göteborgsregionen",
                           "--years", "2021-2022", "--out", str(target), "--base-url", real_server.base_url, "-q",
                           "--overwrite"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert load_extract(target).manifest["source"]["kind"] == "fetched"
    assert len(load_extract(target).values) == 13 * 2 * 3
