"""Kolada's own group values (--group-values), requests planned by the KPIs'
municipality_type, and the KPI metadata an extract records (gender split,
publication dates, preliminary years)."""

from __future__ import annotations


import pandas as pd
import pytest

from fou.extracts.format import load_extract
from fou.extracts.params import ParameterError
from fou.kolada.client import KoladaClient
from fou.kolada.fetch import fetch_extract
from fou.kolada.kpimeta import preliminary_years
from fou.kolada.server import KoladaData, LocalKolada
from fou.kolada.update import update_extract

from .conftest import KOLADA_DIR, fou, needs_shared
from .kolada_fixture import small_client as client, REGION_KPI, small_data, small_value


def data_requests(srv) -> list[str]:
    return [p for p in srv.requests if "/v3/data/" in p]


def test_group_values_are_stored_under_the_group_id_with_count(server, tmp_path):
    ex = fetch_extract(tmp_path / "g", ["N01951", "U40806"], "G1", (2019, 2020), client(server), group_values=True)
    g = ex.values[ex.values["municipality_id"] == "G1"].set_index(["kpi", "year", "gender"])
    assert set(g["municipality"]) == {"Testregionen (ovägt medel)"}
    for year in (2019, 2020):
        for gender in "TKM":
            truth = [small_value("N01951", m, year, gender) for m in ("1001", "1002", "1003")]
            assert g.loc[("N01951", year, gender), "value"] == pytest.approx(sum(truth) / 3, abs=1e-9)
            assert g.loc[("N01951", year, gender), "count"] == 3
    # the members are there too, so a page can set its own mean beside Kolada's
    assert sorted(ex.values["municipality_id"].unique()) == ["1001", "1002", "1003", "G1"]
    assert ex.manifest["source"]["queries"]["group_values"] is True
    with pytest.raises(ParameterError, match="group-values.*needs --municipality"):
        fetch_extract(tmp_path / "x", ["N01951"], "1001,1002", (2020,), client(server), group_values=True)
    with pytest.raises(ParameterError, match="group-values.*needs --municipality"):
        fetch_extract(tmp_path / "x", ["N01951"], "all", (2020,), client(server), group_values=True)


def test_units_that_do_not_fit_a_kpi_are_warned_about_and_asked_only_when_it_costs_nothing(server, tmp_path):
    # Riket has national figures for both kinds of KPI; the region KPI fits none of the municipalities
    ex = fetch_extract(tmp_path / "w", ["N31858", REGION_KPI], "Testregionen", (2020,), client(server),
                       extra_units=("0000",))
    warnings = ex.manifest["source"]["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{REGION_KPI} is a region KPI (municipality_type L)")
    assert "3 of the units asked for (1001, 1002, 1003)" in warnings[0]
    reqs = sorted(data_requests(server))
    # by type it would be 2 requests (N31858 for 4 units, the region KPI for Riket); together it is 1
    assert len(reqs) == 1 and f"/kpi/N31858,{REGION_KPI}/municipality/0000,1001,1002,1003/" in reqs[0]
    assert ex.manifest["counts_by_kpi"] == {"N31858": 4, REGION_KPI: 0}


def test_kpi_metadata_and_preliminary_years_in_the_manifest(server, tmp_path):
    ex = fetch_extract(tmp_path / "m", ["N01951", "N31858"], "Testregionen", (2021, 2022), client(server))
    meta = ex.manifest["kpi_metadata"]
    assert meta["N31858"]["prel_publication_date"] == "2020-01-01" and meta["N31858"]["publication_date"] == "2999-12-31"
    assert meta["N01951"]["prel_publication_date"] is None  # null stays null
    assert ex.preliminary_years() == {"N31858": [2022]} and ex.is_preliminary("N31858", 2022)
    assert not ex.is_preliminary("N31858", 2021) and ex.preliminary_years("N01951") == []
    assert ex.divided_by_gender("N01951") is True and ex.divided_by_gender("N31858") is False
    assert meta["N01951"]["unit_years_missing_gender"] == 0
    kpis = pd.read_csv(ex.path / "kpis.csv", dtype=str, keep_default_na=False)
    assert kpis["id"].tolist() == ["N01951", "N31858"] and kpis.loc[1, "municipality_type"] == "K"


def test_preliminary_rule():
    row = {"publ_period": "2025", "prel_publication_date": "2026-04-01", "publication_date": "2026-08-28"}
    assert preliminary_years(row, "2026-03-31T23:00:00+00:00") == []  # not yet published at all
    assert preliminary_years(row, "2026-04-01T08:00:00+00:00") == [2025]
    assert preliminary_years(row, "2026-08-27") == [2025]
    assert preliminary_years(row, "2026-08-28") == []  # final values out
    assert preliminary_years(row, "2026-05-01", years_present={2024}) == []
    assert preliminary_years({**row, "prel_publication_date": None}, "2026-05-01") == []


def test_missing_gender_rows_are_counted_for_split_kpis(tmp_path):
    data = small_data()
    data.values = data.values[~((data.values["kpi"] == "N01951") & (data.values["municipality_id"] == "1002")
                                & (data.values["gender"] == "M") & (data.values["year"] == 2020))]
    with LocalKolada(data) as srv:
        ex = fetch_extract(tmp_path / "gm", ["N01951"], "Testregionen", (2020,), client(srv))
    assert ex.manifest["kpi_metadata"]["N01951"]["unit_years_missing_gender"] == 1


def test_group_values_from_the_real_kolada_values(tmp_path):
    needs_shared(KOLADA_DIR)
    values = pd.read_csv(KOLADA_DIR / "values_2010_2022.csv", dtype={"municipality_id": str})
    groups = pd.read_csv(KOLADA_DIR / "municipality_groups.csv", dtype=str)
    members = groups.loc[groups["group_id"] == "G96190", "member_id"]
    own = values[(values["kpi"] == "N01951") & (values["year"] == 2022) & values["municipality_id"].isin(members)]
    with LocalKolada(KoladaData.from_folder(KOLADA_DIR, kpis=["N01951", "N31858"])) as srv:
        proc = fou("fetch", "--kpi", "N01951", "--municipality", "G96190", "--years", "2022", "--group-values",
                   "--out", str(tmp_path / "gr"), "--base-url", srv.base_url, "-q",
                   env={"FOU_CACHE_DIR": str(tmp_path / "cache")})
        assert proc.returncode == 0, proc.stderr
        ex = load_extract(tmp_path / "gr")
        g = ex.values[ex.values["municipality_id"] == "G96190"].set_index("gender")
        for gender, sub in own.groupby("gender"):
            assert g.loc[gender, "value"] == pytest.approx(sub["value"].mean(), rel=1e-12)
            assert g.loc[gender, "count"] == len(sub) == 13
        assert g.loc["T", "municipality"] == "Göteborgsregionen (ovägt medel)"
        assert "G96190  Göteborgsregionen (ovägt medel)  2022  T" in proc.stdout
        # an update with nothing new in Kolada sends from_date and leaves every byte as it was
        before = {p.name: p.read_bytes() for p in (tmp_path / "gr").iterdir()}
        n = len(srv.requests)
        assert update_extract(tmp_path / "gr", KoladaClient(srv.base_url, cache=False)).unchanged
        assert any(f"from_date={ex.manifest['source']['fetched_at'][:10]}" in p for p in srv.requests[n:])
        assert {p.name: p.read_bytes() for p in (tmp_path / "gr").iterdir()} == before
        # all units: no municipality segment, one request (581 items fit one page) instead of 12 batches of units
        before = len(srv.requests)
        ex = fetch_extract(tmp_path / "all", ["N31858"], "all", (2020, 2021), KoladaClient(srv.base_url, cache=False))
        asked = [p for p in srv.requests[before:] if "/data/" in p]
        assert asked == ["/v3/data/kpi/N31858/year/2020,2021?per_page=5000"]
        assert ex.manifest["source"]["warnings"] == []  # 'all' asks for everything, so nothing to warn about
        assert "0000" in set(ex.values["municipality_id"])
