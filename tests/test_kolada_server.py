"""The local Kolada v3 server behaves like Kolada where it matters to the client
(422 validation errors, isdeleted, title filters, nulls, group ids, from_date,
KPI groups, organisational units), and the client copes with Kolada's quirks."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import urllib.error
import urllib.request

import pandas as pd
import pytest

from fou.kolada.client import KoladaClient
from fou.kolada.server import KoladaData, LocalKolada

from .conftest import KOLADA_DIR, needs_shared
from .kolada_fixture import OU_KPI, SMALL_UNITS, SMALL_YEARS, small_data, small_ou_value, small_value


def get(srv, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{srv.base_url}/{path}") as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def client(srv, **kw) -> KoladaClient:
    return KoladaClient(srv.base_url, cache=False, backoff=0.01, timeout=60, **kw)


@pytest.mark.parametrize("path, loc", [
    ("data/kpi/N01951/municipality/1001/year/2020?per_page=0", ["query", "per_page"]),
    ("data/kpi/N01951/municipality/1001/year/20x0", ["path", "year"]),
    ("data/kpi/N01951/municipality/1001/year/2020?from_date=2020-1-1", ["query", "from_date"]),
    ("data/kpi/N01951", ["path"]),
])
def test_validation_errors_are_422_with_a_detail_body(server, path, loc):
    code, body = get(server, path)
    assert code == 422 and body["detail"][0]["loc"] == loc and body["detail"][0]["msg"]


def test_unknown_path_is_404_and_unknown_ids_match_nothing(server):
    assert get(server, "nonsense")[0] == 404
    code, body = get(server, "data/kpi/X99999/municipality/1001/year/2020")
    assert code == 200 and body["values"] == []
    assert get(server, "municipality_groups/G999")[1]["values"] == []


def test_every_value_carries_isdeleted_and_deleted_values_are_not_served(server):
    items = get(server, "data/kpi/N01951/municipality/1001,1002/year/2020")[1]["values"]
    assert {v["isdeleted"] for it in items for v in it["values"]} == {False}
    server.state.data.delete("N01951", "1001", 2020, "K", updated="2030-01-02")
    items = get(server, "data/kpi/N01951/municipality/1001/year/2020")[1]["values"]
    assert [v["gender"] for v in items[0]["values"]] == ["T", "M"]


def test_from_date_returns_only_changes_with_deletions_flagged(server):
    data = server.state.data
    data.revise("N31858", "1002", 2021, "T", 55.5, updated="2030-01-02")
    data.delete("N01951", "1001", 2020, "K", updated="2030-01-03")
    q = "data/kpi/N01951,N31858/municipality/1001,1002/year/2020,2021"
    items = get(server, f"{q}?from_date=2030-01-01")[1]["values"]
    flat = {(i["kpi"], i["municipality"], i["period"], v["gender"]): (v["value"], v["isdeleted"])
            for i in items for v in i["values"]}
    assert flat == {("N31858", "1002", 2021, "T"): (55.5, False), ("N01951", "1001", 2020, "K"): (None, True)}
    assert get(server, f"{q}?from_date=2030-01-03")[1]["count"] == 1
    assert get(server, f"{q}?from_date=2030-01-04")[1]["values"] == []


def test_title_filters_and_nulls_for_missing_metadata(server):
    assert [m["id"] for m in get(server, "municipality?title=kommun%20100")[1]["values"]] == [
        f"{1000 + i}" for i in range(1, 10)]
    assert [g["id"] for g in get(server, "municipality_groups?title=testregion")[1]["values"]] == ["G1"]
    assert get(server, "municipality_groups?title=nowhere")[1]["values"] == []
    kpis = get(server, "kpi?title=ANVISNINGAR")[1]["values"]
    assert [k["id"] for k in kpis] == ["U40806"]
    assert kpis[0]["publication_date"] is None and kpis[0]["publ_period"] is None  # null, never ""
    assert kpis[0]["is_divided_by_gender"] is False and kpis[0]["has_ou_data"] is False


def test_group_id_in_the_data_path_is_the_unweighted_mean_of_members_with_a_value(server):
    server.state.data.revise("U40806", "1002", 2019, "T", None, updated="2024-08-31")  # one member missing
    items = get(server, "data/kpi/U40806,N01951/municipality/G1/year/2019")[1]["values"]
    got = {(i["kpi"], v["gender"]): (v["value"], v["count"]) for i in items for v in i["values"]}
    members = ["1001", "1002", "1003"]
    truth_u = [small_value("U40806", m, 2019, "T") for m in members if m != "1002"]
    assert got[("U40806", "T")] == (pytest.approx(sum(truth_u) / 2, abs=1e-9), 2)
    for g in "TKM":
        truth = [small_value("N01951", m, 2019, g) for m in members]
        assert got[("N01951", g)] == (pytest.approx(sum(truth) / 3, abs=1e-9), 3)


def test_kpi_groups_and_organisational_units(server):
    groups = get(server, "kpi_groups")[1]["values"]
    assert [(g["id"], [m["member_id"] for m in g["members"]]) for g in groups] == [
        ("GK1", ["N31858", "U40806"]), ("GK2", ["N01951"])]
    assert [g["id"] for g in get(server, "kpi_groups?title=befolk")[1]["values"]] == ["GK2"]
    assert [o["id"] for o in get(server, "ou?municipality=1001")[1]["values"]] == ["V15E100100001", "V11E100100002"]
    assert [o["id"] for o in get(server, "ou?title=SKOLAN")[1]["values"]] == [
        "V15E100100001", "V15E100200001", "V11E100100002"]  # Förskolan too
    assert [o["id"] for o in get(server, "ou/V15E100200001,V99E1")[1]["values"]] == ["V15E100200001"]
    items = get(server, f"oudata/kpi/{OU_KPI}/ou/V15E100100001/year/2020")[1]["values"]
    assert items[0]["ou"] == "V15E100100001" and "municipality" not in items[0]
    assert {v["gender"]: v["value"] for v in items[0]["values"]} == {
        g: small_ou_value("V15E100100001", 2020, g) for g in "TKM"}


def test_client_joins_a_relative_next_url_to_the_base_url():
    with LocalKolada(small_data(), relative_links=True) as srv:
        body = get(srv, "data/kpi/N01951/municipality/1001,1002,1003/year/2020?per_page=1")[1]
        assert body["next_url"].startswith("/v3/data/")  # a path, no host
        before = len(srv.requests)
        df = client(srv, per_page=1).values(["N01951"], ["1001", "1002", "1003"], [2020])
        assert len(df) == 9 and sorted(df["municipality_id"].unique()) == ["1001", "1002", "1003"]
        assert len(srv.requests) - before == 3  # pages 2 and 3 reached through the joined links
    c = KoladaClient("https://example.org/v3", cache=False)
    assert c._next_url("https://example.org/v3/x", "/v3/data/a?page=2") == "https://example.org/v3/data/a?page=2"
    assert c._next_url("https://example.org/v3/x", "data/a?page=2") == "https://example.org/v3/data/a?page=2"
    assert c._next_url("https://example.org/v3/data/a", "?page=2") == "https://example.org/v3/data/a?page=2"
    assert c._next_url("https://example.org/v3/x", "") is None


def test_client_drops_deleted_values_or_flags_them_for_updates(server):
    server.state.data.delete("N31858", "1003", 2020, "T", updated="2030-05-05")
    assert client(server).values(["N31858"], ["1003"], [2020]).empty
    changes = client(server).values(["N31858"], ["1003"], [2020], from_date="2030-05-01", keep_deleted=True)
    assert changes[["municipality_id", "isdeleted"]].values.tolist() == [["1003", True]]
    assert math.isnan(changes["value"].iloc[0])


def test_client_metadata_listings(server):
    c = client(server)
    assert c.kpi_groups()["member_id"].tolist() == ["N31858", "U40806", "N01951"]
    assert c.municipalities(title="Kommun 1060")["id"].tolist() == ["1060"]
    assert c.groups(title="Testregionen")["member_id"].tolist() == ["1001", "1002", "1003"]
    ous = c.ous(municipalities=["1002"])
    assert ous[["id", "title", "municipality"]].values.tolist() == [["V15E100200001", "Bergsskolan", "1002"]]
    df = c.values([OU_KPI], ["V15E100200001"], SMALL_YEARS, ou=True)
    assert len(df) == 15 and df["municipality_id"].unique().tolist() == ["V15E100200001"]
    assert df[(df["year"] == 2021)]["value"].isna().all()  # the fixture's missing year stays missing


def test_server_help_does_not_crash():
    proc = subprocess.run([sys.executable, "-m", "fou.kolada.server", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "FOLDER" in proc.stdout.upper() and "kpi_groups.csv" in proc.stdout


def test_folder_fixtures_feed_ou_and_kpi_groups(tmp_path):
    data = small_data()
    data.values.to_csv(tmp_path / "values_test.csv", index=False)
    data.kpis.to_csv(tmp_path / "kpi_catalogue.csv", index=False)
    data.municipalities.to_csv(tmp_path / "municipalities.csv", index=False)
    data.groups.to_csv(tmp_path / "municipality_groups.csv", index=False)
    data.kpi_groups.to_csv(tmp_path / "kpi_groups.csv", index=False)
    data.ous.to_csv(tmp_path / "ou.csv", index=False)
    data.ou_values.to_csv(tmp_path / "ou_values.csv", index=False)
    loaded = KoladaData.from_folder(tmp_path)
    with LocalKolada(loaded) as srv:
        assert len(client(srv).ous()) == 3 and len(client(srv).kpi_groups()) == 3
        assert len(client(srv).values([OU_KPI], ["V15E100100001"], [2020], ou=True)) == 3
        assert len(client(srv).values(["N01951"], SMALL_UNITS[:3], [2020])) == 9


def test_real_metadata_served_with_nulls():
    needs_shared(KOLADA_DIR)
    with LocalKolada(KoladaData.from_folder(KOLADA_DIR, kpis=["N31858"])) as srv:
        kpi = client(srv).kpis(["N31858"]).iloc[0]
        assert kpi["prel_publication_date"] is None  # '' in the CSV, null on the wire
        assert kpi["is_divided_by_gender"] is not None and not kpi["is_divided_by_gender"]
        assert kpi["municipality_type"] == "K"
        g = client(srv).groups("G96190")
        assert len(g) == 13 and "1480" in set(g["member_id"])
        assert isinstance(client(srv).municipalities(region_type="L"), pd.DataFrame)
