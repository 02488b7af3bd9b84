import pandas as pd
import pytest

from fou.study import statements
from fou.extracts.regions import Catalogue, Region


@pytest.fixture(scope="module")
def result(report_extract, gr):
    return statements.evaluate(report_extract.values, gr).set_index("nr")


def test_all_statements_evaluated(result):
    assert list(result.index) == ["1", "2", "3", "4", "5", "6", "7a", "7b", "7c"]


@pytest.mark.parametrize("nr", ["1", "2", "3", "4", "5", "6", "7a", "7b"])
def test_statements_hold_on_the_published_figures(result, nr):
    assert result.loc[nr, "holds"] is True, result.loc[nr, "computed"]


def test_computed_figures(result):
    assert "summa 1\u202f070\u202f935" in result.loc["1", "computed"]
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
    assert list(shown.columns) == ["Nr", "Stämmer", "Påstående i rapporten", "Rapportens uppgift", "Beräknat på data", "Kommentar"]
    assert shown["Stämmer"].tolist() == ["Ja"] * 8 + ["Nej"]


# -- three-valued verdicts: never Ja or Nej on missing data ------------------------------------------------

def _without(values: pd.DataFrame, kpi: str, ids: tuple[str, ...] | None = None, years: tuple[int, ...] | None = None):
    """``values`` with a KPI's values blanked (all, or for some units/years), rows kept as in an extract."""
    v = values.copy()
    mask = v["kpi"] == kpi
    if ids is not None:
        mask &= v["municipality_id"].isin(ids)
    if years is not None:
        mask &= v["year"].isin(years)
    v.loc[mask, "value"] = float("nan")
    return v


def _verdicts(values, region):
    return statements.evaluate(values, region).set_index("nr")


def _no_verdict(r, nr: str, reason: str) -> None:
    assert r.loc[nr, "holds"] is None, (nr, r.loc[nr, "computed"])
    assert reason in r.loc[nr, "comment"], (nr, r.loc[nr, "comment"])
    assert statements.format_statements(r.reset_index()).set_index("Nr").loc[nr, "Stämmer"] == "–"


def test_extract_without_referrals_gives_no_verdict_on_7abc(report_extract, gr):
    r = _verdicts(report_extract.values[report_extract.values["kpi"] != "U40806"], gr)
    _no_verdict(r, "7a", "uppgift saknas: U40806 för alla kommuner 2021 och 2022")
    _no_verdict(r, "7b", "uppgift saknas: U40806 2021 eller 2022 för Lerum, Stenungsund, Partille")
    _no_verdict(r, "7c", "extraktet har U40806 2021 för ingen kommun")
    assert r.loc["1", "holds"] is True  # the other statements are unaffected


@pytest.mark.parametrize(("nr", "kpi", "ids", "reason"), [
    ("1", "N01951", ("1407",), "uppgift saknas: N01951 2022 för Öckerö"),
    ("2", "N31825", ("0000",), "uppgift saknas: N31825 2022 för Riket"),
    ("3", "N03932", ("1462",), "uppgift saknas: N03932 2022 för Lilla Edet"),
    ("4", "N31858", ("1402", "1441"), "uppgift saknas: N31858 2022 för Lerum, Partille"),
    ("5", "N31814", ("0000",), "uppgift saknas: N31814 2022 för Riket"),
    ("5", "N31814", ("1419",), "uppgift saknas: N31814 2022 för Tjörn"),
    ("6", "U40800", ("1480",), "uppgift saknas: U40800 för Göteborg 2018, Göteborg 2019"),
    ("6", "U40800", ("1440",), "U40800 för Ale har uppgift bara för 0 år"),
    ("7b", "U40806", ("1441",), "uppgift saknas: U40806 2021 eller 2022 för Lerum"),
])
def test_each_statement_with_a_missing_input_gives_no_verdict(report_extract, gr, nr, kpi, ids, reason):
    r = _verdicts(_without(report_extract.values, kpi, ids), gr)
    _no_verdict(r, nr, reason)


def test_statement2_missing_value_gives_no_verdict_but_a_counterexample_still_says_no(report_extract, gr):
    v = _without(report_extract.values, "N03932", ("1489",))  # Alingsås unemployment missing
    r = _verdicts(v, gr)
    _no_verdict(r, "2", "uppgift saknas 2022: Alingsås N03932")
    v.loc[(v["kpi"] == "N31825") & (v["municipality_id"] == "1440"), "value"] = 9.9  # Ale far above Riket
    r = _verdicts(v, gr)
    assert r.loc["2", "holds"] is False and "Ale N31825 9,9" in r.loc["2", "computed"]


def test_statement2_with_goteborg_and_a_municipality_outside_the_region_has_nothing_to_compare(report_extract):
    region = Region("Göteborg, Borås", ("1480", "1490"), {"1480": "Göteborg", "1490": "Borås"})
    r = _verdicts(report_extract.values, region)
    for nr in ("1", "2", "3", "4", "5", "7a", "7b"):
        _no_verdict(r, nr, "ej tillämpligt")
    assert "Ale, Alingsås, Härryda, Kungsbacka och 8 till ingår inte i regionen" in r.loc["2", "comment"]


def test_statements_look_only_at_goteborgsregionen_in_a_larger_region(report_extract, gr):
    extra = report_extract.values[report_extract.values["municipality_id"] == "1480"].assign(
        municipality_id="1490", municipality="Borås")
    extra.loc[extra["kpi"] == "N01951", "value"] = 10.0  # would be the smallest if counted
    v = pd.concat([report_extract.values, extra], ignore_index=True)
    names = {**gr.names, "1490": "Borås"}
    bigger = Region("Sjuhärad och GR", (*gr.ids, "1490"), names)
    r = _verdicts(v, bigger)
    assert r.loc["1", "holds"] is True and "minst Öckerö" in r.loc["1", "computed"]


def test_statements_are_checked_in_the_reports_years_whatever_the_page_shows(report_extract, gr):
    r = statements.evaluate(report_extract.values, gr)  # pages call it without years
    assert r.set_index("nr").loc["7a", "holds"] is True


def test_extract_without_2021_cannot_tell_whether_tjorn_reported(report_extract, gr):
    v = report_extract.values[report_extract.values["year"] != 2021]
    r = _verdicts(v, gr)
    _no_verdict(r, "7a", "uppgift saknas: U40806 för alla kommuner 2021")
    _no_verdict(r, "7c", "extraktet har U40806 2021 för ingen kommun")
