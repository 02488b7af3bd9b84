import pandas as pd
import pytest

from fou.study import statements
from fou.extracts.regions import Catalogue


@pytest.fixture(scope="module")
def result(report_extract, gr):
    return statements.evaluate(report_extract.values, gr).set_index("nr")


def test_all_statements_evaluated(result):
    assert list(result.index) == ["1", "2", "3", "4", "5", "6", "7a", "7b", "7c"]


@pytest.mark.parametrize("nr", ["1", "2", "3", "4", "5", "6", "7a", "7b"])
def test_statements_hold_on_the_published_figures(result, nr):
    assert result.loc[nr, "holds"] is True, result.loc[nr, "computed"]


def test_computed_figures(result):
    assert "summa 1\u00a0070\u00a0935" in result.loc["1", "computed"]
    assert "högst Lilla Edet 5,4, lägst Kungsbacka 2,7" in result.loc["3", "computed"]
    assert "Lerum +21, Stenungsund +12, Partille +7" in result.loc["7b", "computed"]
    assert "2021: 12,2 (n=13), 2022: 15,7 (n=12)" in result.loc["7a", "computed"]


def test_statement4_true_only_among_kranskommuner(result):
    assert "alla 13: Öckerö 23,8 – Göteborg 44,9" in result.loc["4", "computed"]
    assert "gäller bara kranskommunerna" in result.loc["4", "comment"]


def test_tjorn_inconsistency_is_reported_not_hidden(result):
    assert result.loc["7c", "holds"] is False
    assert "Tjörn saknar uppgift 2022" in result.loc["7c", "computed"]
    assert "motsägelse" in result.loc["7c", "comment"] and "2022" in result.loc["7c", "comment"]


def test_statement2_fails_when_a_kranskommun_exceeds_riket(report_extract, gr):
    v = report_extract.values.copy()
    mask = (v["kpi"] == "N03932") & (v["municipality_id"] == "1440")
    v.loc[mask, "value"] = 7.0  # Ale above Riket 6.8
    r = statements.evaluate(v, gr).set_index("nr")
    assert r.loc["2", "holds"] is False
    assert "Ale N03932 7,0 ≥ 6,8" in r.loc["2", "computed"]


def test_statement6_detects_a_changed_trend(report_extract, gr):
    v = report_extract.values.copy()
    v.loc[(v["kpi"] == "U40800") & (v["municipality_id"] == "1480") & (v["year"] == 2019), "value"] = 4400.0
    assert statements.evaluate(v, gr).set_index("nr").loc["6", "holds"] is False


def test_other_region_is_not_applicable_rather_than_wrong(report_extract):
    region = Catalogue.build(extract_units=report_extract.units()).resolve("Ale, Lerum, Tjörn")
    r = statements.evaluate(report_extract.values, region).set_index("nr")
    for nr in ("1", "2", "3", "4", "5", "6", "7a", "7b"):
        assert pd.isna(r.loc[nr, "holds"]), nr
        assert r.loc[nr, "comment"].startswith("ej tillämpligt")
    assert r.loc["7c", "holds"] is False  # Tjörn is in this region


def test_swedish_display(result):
    shown = statements.format_statements(result.reset_index())
    assert list(shown.columns) == ["Nr", "Påstående i rapporten", "Rapportens uppgift", "Beräknat på data", "Stämmer", "Kommentar"]
    assert shown["Stämmer"].tolist() == ["Ja"] * 8 + ["Nej"]
