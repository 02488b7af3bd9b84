"""Issue 20, cases 6–8 (search and finding commands): Swedish search (å, ä, ö are letters,
word-prefix matching, partial ids, stemming, a folded fallback ranked last), one name
resolution for ``fou units``, ``fou fetch --municipality`` and ``--region``, no traceback on
an empty answer, and clear messages."""

from __future__ import annotations

import json

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from fou.cli.output import echo_table
from fou.extracts.names import fold, name_matches, normalise, rank, root, words
from fou.kolada.metadata import Metadata
from fou.kolada.search import filter_titles, search_groups, search_kpis, search_units
from fou.kolada.server import LocalKolada

from .conftest import KOLADA_DIR, cli, needs_shared
from .kolada_fixture import small_data

UNITS = pd.DataFrame({"id": ["1280", "1440", "2023", "1407", "1480", "1481", "1482"],
                      "title": ["Malmö", "Ale", "Malung-Sälen", "Öckerö", "Göteborg", "Mölndal", "Kungälv"],
                      "type": ["K"] * 7})


def env(srv, tmp_path) -> dict:
    return {"FOU_KOLADA_URL": srv.base_url, "FOU_CACHE_DIR": str(tmp_path / "cache"), "FOU_KOLADA_METADATA": "",
            "COLUMNS": "200"}


@pytest.fixture(scope="module")
def real():
    """Kolada's real catalogues (6 099 KPIs, 312 units, 3 630 groups) from ../shared."""
    needs_shared(KOLADA_DIR)
    md = Metadata(folder=KOLADA_DIR)
    return md.kpis(), md.units(), md.groups()


def test_swedish_letters_are_letters_and_words_match_from_their_start():
    assert normalise("Malmö CAFÉ Ærø") == "malmö cafe ärö" and fold("Malmö Åre") == "malmo are"
    assert words("Malung-Sälen (%)") == ["malung", "sälen"]
    assert search_units(UNITS, "ale")["id"].tolist() == ["1440"]  # not Malung-Sälen
    assert search_units(UNITS, "ö")["id"].tolist() == ["1407"]  # Öckerö starts with ö; Mölndal does not
    assert search_units(UNITS, "mölndal göteborg")["id"].tolist() == []  # every word must match
    assert search_units(UNITS, "malung-sälen")["id"].tolist() == ["2023"]


def test_a_word_typed_without_swedish_letters_is_a_fallback_ranked_last():
    units = pd.concat([UNITS, pd.DataFrame({"id": ["9999"], "title": ["Malmo By"], "type": ["K"]})])
    assert search_units(units, "malmo")["id"].tolist() == ["9999", "1280"]  # spelt so first, then Malmö
    assert search_units(units, "malmö")["id"].tolist() == ["1280"]  # typed with ö: no fold
    assert search_units(UNITS, "ockero")["id"].tolist() == ["1407"]
    assert name_matches("Malmo", zip(UNITS["id"], UNITS["title"])) == ["1280"]
    assert name_matches("Malmo By", zip(units["id"], units["title"])) == ["9999"]
    assert name_matches("Kungalv", [("1482", "Kungälv"), ("9", "Kungalv")]) == ["9"]  # a name spelt so wins
    assert name_matches("Ockerö", zip(UNITS["id"], UNITS["title"])) == []


def test_partial_ids_stemming_and_compounds():
    catalogue = pd.DataFrame({
        "id": ["N01951", "N01952", "N07005", "N20066", "N01718", "N00041", "N02993"],
        "title": ["Invånare totalt, antal", "Invånare 0-5 år, antal", "Nettokostnad parker, kr/inv",
                  "Åldersersättning äldreomsorg, kr/inv", "Ensamstående förälder med barn, andel (%)",
                  "Länsvis skattesats, (%)", "Landareal, kvadratkilometer"],
        "description": ["Antal invånare 31/12.", "", "Kostnader för parker.", "", "", "", "Areal i länet."]})
    assert search_kpis(catalogue, "N0195")["id"].tolist() == ["N01951", "N01952"]  # id order
    assert search_kpis(catalogue, "n01951")["id"].tolist() == ["N01951"]
    assert root("kostnader") == "kostnad" and root("unga") == "unga"  # a stem under four letters is not used
    assert search_kpis(catalogue, "kostnader")["id"].tolist() == ["N07005"]  # stem, inside the compound
    assert search_kpis(catalogue, "invånarna")["id"].tolist() == ["N01951", "N01952"]
    assert search_kpis(catalogue, "ålder")["id"].tolist() == ["N20066"]  # not förälder
    assert search_kpis(catalogue, "län")["id"].tolist() == ["N00041", "N02993"]  # title, then description
    assert search_kpis(catalogue, "lan")["id"].tolist() == ["N02993", "N00041"]  # typed letters first, folded after


def test_empty_frames_give_empty_answers_with_their_columns():
    groups = pd.DataFrame(columns=["group_id", "group_title", "member_id", "member_title"])
    assert search_groups(groups, "arbetsmarknad").columns.tolist() == ["id", "title", "members"]
    assert search_groups(small_data().groups, "liknande", member="Nowhere").empty
    assert search_units(UNITS.iloc[:0], "ale").columns.tolist() == ["id", "title", "type"]
    table = pd.DataFrame(columns=["id", "title", "unit_type"])
    assert filter_titles(table, "skola").columns.tolist() == ["id", "title", "unit_type"]
    assert rank(pd.DataFrame({"id": [], "title": []}), "x").empty


def test_real_catalogue_search(real):
    kpis, units, groups = real
    lan = search_kpis(kpis, "län")
    assert "N02993" not in set(lan["id"])  # Landareal was 2nd of 1 846 when å, ä, ö were folded
    assert len(lan) == 259 and lan["id"].iloc[0] == "N60802"  # "… totalt län, …": the whole word first
    assert len(search_kpis(kpis, "år")) == 2587  # was 5 973 of 6 099
    assert "N01718" not in set(search_kpis(kpis, "ålder")["id"])  # "Ensamstående förälder …"
    assert search_kpis(kpis, "N0195")["id"].tolist() == [f"N0195{i}" for i in range(10)]
    assert search_kpis(kpis, "forsorjningshinder")["id"].iloc[0] == "N31858"  # the folded fallback still finds it
    assert search_units(units, "ale")["title"].tolist() == ["Ale"]
    assert search_units(units, "ö")["title"].tolist() == [  # was 162 of 312 units
        "Österåker", "Östhammar", "Ödeshög", "Östra Göinge", "Örkelljunga", "Öckerö", "Örebro", "Örnsköldsvik",
        "Östersund", "Överkalix", "Övertorneå", "Region Östergötland", "Region Örebro län"]
    assert search_units(units, "malmo")["id"].tolist() == ["1280"]
    assert search_units(units, "148")["id"].tolist() == ["1480", "1481", "1482", "1484", "1485", "1486", "1487",
                                                         "1488", "1489"]
    assert search_groups(groups, "goteborgsregionen")["id"].tolist() == ["G96190"]


def test_fetch_resolves_a_municipality_typed_without_swedish_letters(tmp_path):
    data = small_data()
    data.municipalities.loc[data.municipalities["id"] == "1001", "title"] = "Malmö"
    with LocalKolada(data) as srv:
        e = env(srv, tmp_path)
        proc = cli("units", "malmo", "--json", env=e)
        assert json.loads(proc.stdout) == [{"id": "1001", "title": "Malmö", "type": "K"}]
        proc = cli("fetch", "--kpi", "N01951", "--municipality", "Malmo", "--years", "2020", "--out",
                   str(tmp_path / "ex"), "--quiet", env=e)
        assert proc.returncode == 0, proc.stderr
        manifest = json.loads((tmp_path / "ex" / "manifest.json").read_text())
        assert manifest["coverage"]["municipality_ids"] == ["1001"]
        proc = cli("fetch", "--kpi", "N01951", "--municipality", "Malm", "--years", "2020", "--out",
                   str(tmp_path / "ex2"), "--quiet", env=e)
        assert proc.returncode == 2 and "did you mean: Malmö (1001)?" in proc.stderr


def test_no_traceback_on_empty_answers(server, tmp_path):
    e = env(server, tmp_path)
    proc = cli("ou", "skola", "--municipality", "1060", "--type", "V15", env=e)  # was KeyError 'unit_type'
    assert proc.returncode == 0 and proc.stdout.startswith("no organisational unit of type V15 in 1060 matches 'skola'")
    proc = cli("ou", "skolan", "--type", "V99", "--json", env=e)
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
    proc = cli("ou", "forskolan", "--municipality", "Kommun 1001", "--json", env=e)  # typed without ö
    assert [u["id"] for u in json.loads(proc.stdout)] == ["V11E100100002"]
    proc = cli("groups", "liknande", "--member", "Nowhere", env=e)  # was KeyError 'id'
    assert proc.returncode == 2 and proc.stderr.startswith("fou: error: parameter 'member': invalid value 'Nowhere'")
    proc = cli("groups", "--member", "kommun 1002", "--json", env=e)
    assert [g["id"] for g in json.loads(proc.stdout)] == ["G1"]


def test_kpi_groups_when_kolada_has_none(tmp_path):
    data = small_data()
    data.kpi_groups = data.kpi_groups.iloc[:0]
    with LocalKolada(data) as srv:
        proc = cli("kpi", "groups", "arbetsmarknad", env=env(srv, tmp_path))  # was KeyError 'id'
        assert proc.returncode == 0 and proc.stdout.startswith("no KPI groups in Kolada API")
        proc = cli("kpi", "groups", "arbetsmarknad", "--json", env=env(srv, tmp_path))
        assert json.loads(proc.stdout) == []


def test_messages(server, tmp_path):
    e = env(server, tmp_path)
    for bad in ("", ","):
        proc = cli("kpi", "show", bad, env=e)  # printed nothing, exit 0
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr == (f"fou: error: parameter 'id': invalid value {bad!r}; expected KPI ids such as N31858 "
                               "(comma-separated); find ids with `fou kpi search TEXT`\n")
    proc = cli("kpi", "show", "N3185", env=e)
    assert proc.returncode == 2 and "ids starting alike: N31858;" in proc.stderr
    proc = cli("kpi", "search", "%", env=e)
    assert proc.returncode == 2 and "nothing to search for" in proc.stderr
    proc = cli("kpi", "show", "N01951", "--extract", "report-2023", env=e)  # printed "None"
    assert proc.returncode == 0 and "None" not in proc.stdout
    assert proc.stdout.startswith("N01951  (no title in extract ") and "has no kpis.csv" in proc.stderr
    proc = cli("extracts", "list", str(tmp_path / "nonexistent"), env=e)  # said "no extracts", exit 0
    assert proc.returncode == 2 and "parameter 'folder'" in proc.stderr and "no such folder" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = cli("extracts", "list", str(tmp_path / "empty"), env=e)
    assert proc.returncode == 0 and proc.stdout.startswith("no extracts in ")
    proc = cli("units", "--type", "K", env=e)  # said "60 of 61 units"
    assert proc.stdout.splitlines()[-1].startswith("60 of 60 municipalities (Kolada API")
    proc = cli("units", "kommun", "--type", "L", env=e)
    assert proc.stdout.startswith("no unit matches 'kommun' among 1 regions")


def test_tables_fit_the_terminal():
    wide = pd.DataFrame({"id": ["N31858"], "title": ["Vuxna biståndsmottagare med försörjningshinder " * 3], "type": ["K"]})

    @click.command()
    def show():
        echo_table(wide, {"id": "id", "title": "title", "type": "type"}, width=50)

    lines = CliRunner().invoke(show).stdout.splitlines()
    assert lines[0].split() == ["id", "title", "type"] and all(len(line) <= 50 for line in lines)
    assert lines[1].startswith("N31858  Vuxna biståndsmottagare med") and lines[1].endswith("…  K")


def test_extracts_diff_writes_a_csv_only_when_asked(tmp_path, monkeypatch):
    from .conftest import make_extract

    a = make_extract(tmp_path / "a", [{"kpi": "N01951", "municipality_id": "1480", "municipality": "Göteborg",
                                       "year": 2020, "value": 1.0}])
    b = make_extract(tmp_path / "b", [{"kpi": "N01951", "municipality_id": "1480", "municipality": "Göteborg",
                                       "year": 2020, "value": 2.0}])
    monkeypatch.chdir(tmp_path)
    proc = cli("extracts", "diff", str(a), str(b))
    assert proc.returncode == 0 and "revised" in proc.stdout and "wrote" not in proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # nothing written unasked
    proc = cli("extracts", "diff", str(a), str(b), "--csv", str(tmp_path / "d.csv"))
    assert pd.read_csv(tmp_path / "d.csv")[["value_a", "value_b"]].values.tolist() == [[1.0, 2.0]]
