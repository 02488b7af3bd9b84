"""Finding things in Kolada from the command line: KPI search, KPI details, KPI groups,
units and groups, from the API (cached), a folder of Kolada CSVs or an extract."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pandas as pd
import pytest

from fou.kolada.client import KoladaClient, KoladaError
from fou.kolada.metadata import Metadata
from fou.extracts.names import fold, normalise
from fou.kolada.search import search_groups, search_kpis, search_units
from fou.kolada.server import KoladaData, LocalKolada

from .conftest import KOLADA_DIR, cli, fou, needs_shared
from .kolada_fixture import small_data



def env(srv, tmp_path) -> dict:
    return {"FOU_KOLADA_URL": srv.base_url, "FOU_CACHE_DIR": str(tmp_path / "cache"), "FOU_KOLADA_METADATA": "",
            "COLUMNS": "200"}


CATALOGUE = pd.DataFrame({
    "id": ["N00001", "N00002", "N00003", "N00004", "N00005"],
    "title": ["Arbetslöshet bland unga, andel (%)", "Kostnad för arbetsmarknadsåtgärder, kr/inv",
              "Invånare totalt, antal", "Ungdomsarbetslöshet 18-24 år, andel (%)", "Försörjningshinder, antal"],
    "description": ["Öppet arbetslösa 18-24 år.", "Kommunens kostnad.", "Antal invånare 31/12. Arbetslöshet ingår ej.",
                    "Arbetslösa unga.", "Personer med försörjningshinder."],
    "municipality_type": ["K", "K", "A", "L", "K"],
    "operating_area": ["Arbetsmarknad", "Arbetsmarknad", "Befolkning", "Arbetsmarknad", "Individ- och familjeomsorg"],
})


def test_search_ranks_title_before_description_and_ignores_accents():
    hits = search_kpis(CATALOGUE, "arbetslöshet")
    # title at a word start (N00001) before inside a word (N00004) before description only (N00003)
    assert hits["id"].tolist() == ["N00001", "N00004", "N00003"]
    assert search_kpis(CATALOGUE, "forsorjningshinder")["id"].tolist() == ["N00005"]
    assert search_kpis(CATALOGUE, "n00002")["id"].tolist() == ["N00002"]
    assert search_kpis(CATALOGUE, "arbetslöshet unga")["id"].tolist() == ["N00001", "N00004"]  # both words in it
    assert search_kpis(CATALOGUE, "arbetslöshet kostnad")["id"].tolist() == []  # every word must occur
    assert search_kpis(CATALOGUE, "arbetslöshet", municipality_type="K")["id"].tolist() == ["N00001", "N00003"]
    assert search_kpis(CATALOGUE, "", area="arbetsmarknad")["id"].tolist() == ["N00001", "N00002", "N00004"]
    assert fold("Ölands Å") == "olands a" and normalise("Ölands Å Café") == "ölands å cafe"


def test_unit_and_group_search():
    units = pd.DataFrame({"id": ["1480", "1481", "0014"], "title": ["Göteborg", "Mölndal", "Västra Götalandsregionen"],
                          "type": ["K", "K", "L"]})
    assert search_units(units, "goteborg")["id"].tolist() == ["1480"]
    assert search_units(units, None, "L")["id"].tolist() == ["0014"]
    groups = pd.DataFrame({"group_id": ["G1", "G1", "G2"], "group_title": ["Liknande kommuner IFO, Ale", "Liknande kommuner IFO, Ale",
                                                                            "Göteborgsregionen (ovägt medel)"],
                           "member_id": ["1480", "1481", "1480"], "member_title": ["Göteborg", "Mölndal", "Göteborg"]})
    assert search_groups(groups, "liknande ifo")[["id", "members"]].values.tolist() == [["G1", 2]]
    assert search_groups(groups, None, member="Mölndal")["id"].tolist() == ["G1"]


def test_catalogue_is_cached_and_used_offline(tmp_path):
    srv = LocalKolada(small_data()).start()
    try:
        md = Metadata(srv.base_url, cache_dir=tmp_path)
        assert len(md.kpis()) == 5
        n = len(srv.requests)
        again = Metadata(srv.base_url, cache_dir=tmp_path)
        assert len(again.kpis()) == 5 and len(srv.requests) == n and again.notes == []  # from requests-cache
        assert again.client.cached_requests == 1 and again.client.network_requests == 0
        Metadata(srv.base_url, cache_dir=tmp_path, refresh=True).kpis()
        assert len(srv.requests) == n + 1
        Metadata(srv.base_url, cache_dir=tmp_path / "short", max_age=timedelta(seconds=1)).kpis()
        url = srv.base_url
    finally:
        srv.stop()

    def no_server(cache_dir) -> KoladaClient:  # nothing listens at url any more; do not wait for retries
        return KoladaClient(url, cache=True, cache_dir=cache_dir / "metadata", retries=0, timeout=1)

    offline = Metadata(cache_dir=tmp_path, refresh=True, client=no_server(tmp_path))
    kpis = offline.kpis()
    assert "N31858" in set(kpis["id"]) and offline.notes[0].startswith("Kolada could not be reached; using its answer cached")
    with pytest.raises(KoladaError, match="no cached copy"):
        Metadata(cache_dir=tmp_path / "empty", client=no_server(tmp_path / "empty")).units()
    # an answer older than max_age is asked for again; the expired copy stands in when Kolada is away
    time.sleep(1.1)
    stale = Metadata(cache_dir=tmp_path / "short", client=no_server(tmp_path / "short"))
    assert len(stale.kpis()) == 5 and "could not be reached" in stale.notes[0]
    assert stale.client.network_requests == 0 and stale.client.cached_requests == 1


def test_kpi_search_show_and_groups_commands(server, tmp_path):
    e = env(server, tmp_path)
    proc = cli("kpi", "search", "försörjningshinder", env=e)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "title", "type"] and lines[1].split()[0] == "N31858"
    proc = cli("kpi", "search", "arbetsmarknad", "--json", env=e)  # in a description only
    assert [k["id"] for k in json.loads(proc.stdout)] == ["U40806"]
    proc = cli("kpi", "search", "nettokostnad", "--type", "K", env=e)
    assert proc.returncode == 0 and "no KPI matches" in proc.stdout
    proc = cli("kpi", "show", "N31858", env=e)
    assert proc.returncode == 0, proc.stderr
    assert "municipality_type      K (municipalities)" in proc.stdout
    assert "is_divided_by_gender   no (T only" in proc.stdout and "prel_publication_date  2020-01-01" in proc.stdout
    shown = json.loads(cli("kpi", "show", "N15419", "--json", env=e).stdout)[0]
    assert shown["has_ou_data"] is True and shown["is_divided_by_gender"] is True and shown["municipality_type"] == "K"
    proc = cli("kpi", "show", "N31859", env=e)
    assert proc.returncode == 2 and "N31859" in proc.stderr and proc.stderr.count("\n") == 1
    proc = cli("kpi", "groups", "arbetsmarknad", env=e)
    assert proc.returncode == 0 and "GK1" in proc.stdout and "  U40806  Anvisningar AF" in proc.stdout
    groups = json.loads(cli("kpi", "groups", "--json", env=e).stdout)
    assert [(g["id"], len(g["members"])) for g in groups] == [("GK1", 2), ("GK2", 1)]


def test_units_and_groups_commands(server, tmp_path):
    e = env(server, tmp_path)
    units = json.loads(cli("units", "--type", "L", "--json", env=e).stdout)
    assert units == [{"id": "0000", "title": "Riket", "type": "L"}]
    proc = cli("units", "kommun 1060", env=e)
    assert proc.returncode == 0 and proc.stdout.splitlines()[1].split() == ["1060", "Kommun", "1060", "K"]
    proc = cli("groups", "testregionen", env=e)
    assert proc.returncode == 0 and "G1" in proc.stdout and "  1003  Kommun 1003" in proc.stdout
    groups = json.loads(cli("groups", "--member", "1002", "--json", env=e).stdout)
    assert [g["id"] for g in groups] == ["G1"] and len(groups[0]["members"]) == 3
    proc = cli("ou", "skolan", "--municipality", "1001", "--type", "V15", env=e)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].split()[:3] == ["V15E100100001", "Testskolan", "V15"]


def test_commands_work_offline_from_a_metadata_folder_or_an_extract(tmp_path, report_extract):
    folder = tmp_path / "kolada"
    folder.mkdir()
    data = small_data()
    data.kpis.to_csv(folder / "kpi_catalogue.csv", index=False)
    data.municipalities.to_csv(folder / "municipalities.csv", index=False)
    e = {"FOU_KOLADA_URL": "http://127.0.0.1:9/v3", "FOU_CACHE_DIR": str(tmp_path / "cache")}
    proc = cli("kpi", "search", "invånare", "--metadata", str(folder), "--json", env=e)
    assert proc.returncode == 0 and [k["id"] for k in json.loads(proc.stdout)] == ["N01951"]
    proc = cli("groups", "x", "--metadata", str(folder), env=e)
    assert proc.returncode == 2 and "municipality_groups.csv" in proc.stderr
    proc = cli("units", "kungälv", "--extract", "report-2023", "--json", env=e)
    assert json.loads(proc.stdout) == [{"id": "1482", "title": "Kungälv", "type": "K"}]


def test_kpi_search_finds_n31858_in_the_real_catalogue(tmp_path):
    needs_shared(KOLADA_DIR)
    with LocalKolada(KoladaData.from_folder(KOLADA_DIR, kpis=[])) as srv:
        proc = fou("kpi", "search", "försörjningshinder", env=env(srv, tmp_path))
    assert proc.returncode == 0, proc.stderr
    ids = [line.split()[0] for line in proc.stdout.splitlines()[1:-1]]
    assert ids[0] == "N31858" and set(ids) == {f"N318{n}" for n in range(58, 70)}
    assert "12 of 12 matching KPIs (6099 in" in proc.stdout


def test_kpi_search_in_a_fetched_extracts_metadata(server, tmp_path):
    from fou.kolada.fetch import fetch_extract

    path = tmp_path / "ex"
    fetch_extract(path, ["N31858", "U40806"], "Testregionen", (2020,), KoladaClient(server.base_url, cache=False))
    e = {"FOU_KOLADA_URL": "http://127.0.0.1:9/v3", "FOU_CACHE_DIR": str(tmp_path / "cache")}  # nothing listens there
    hits = json.loads(cli("kpi", "search", "arbetslösa", "--extract", str(path), "--json", env=e).stdout)
    assert [(k["id"], k["municipality_type"], k["is_divided_by_gender"]) for k in hits] == [("N31858", "K", False)]
    proc = cli("kpi", "show", "U40806", "--extract", str(path), env=e)
    assert proc.returncode == 0 and "Anvisningar till kommunala arbetsmarknadsinsatser" in proc.stdout


def test_offline_catalogues_one_cached_one_not(tmp_path):
    with LocalKolada(small_data()) as srv:
        Metadata(srv.base_url, cache_dir=tmp_path).kpis()  # only the KPI catalogue is cached
        url = srv.base_url
    md = Metadata(cache_dir=tmp_path, client=KoladaClient(url, cache=True, cache_dir=tmp_path / "metadata", retries=0,
                                                          timeout=1))
    assert len(md.kpis()) == 5 and md.notes == []  # fresh in the cache: Kolada not asked
    with pytest.raises(KoladaError, match="^cannot reach Kolada .*; no cached copy of Kolada's municipality catalogue"):
        md.units()
    assert len(md.kpis()) == 5 and md.notes[0].startswith("Kolada could not be reached; using its answer cached")
    with pytest.raises(KoladaError, match="^Kolada could not be reached; no cached copy of Kolada's municipality_groups"):
        md.groups()  # once Kolada is known to be away, no more waiting for it
    with pytest.raises(KoladaError, match="cannot reach Kolada .*; no cached copy"):
        Metadata(cache_dir=tmp_path, client=KoladaClient(url, cache=False, retries=0, timeout=1)).kpis()
