"""Comparison with the published figures, including real Kolada values from ../shared."""

import pandas as pd
import pytest

from fou.study import published

from .conftest import GR_IDS, KOLADA_DIR, needs_shared


def test_transcription_agrees_with_itself(report_extract):
    comp = published.compare(report_extract.values)
    assert set(comp["status"]) == {published.STATUS_SAME, published.STATUS_BOTH_MISSING}
    assert (comp["status"] == published.STATUS_BOTH_MISSING).sum() == 13


def test_revisions_and_gaps_are_classified(report_extract):
    v = report_extract.values.copy()
    key = (v["kpi"] == "N03932") & (v["municipality_id"] == "1440")
    v.loc[key, "value"] = 3.94  # rounds to the published 3,9: same
    v.loc[(v["kpi"] == "N31825") & (v["municipality_id"] == "1440"), "value"] = 1.86  # 1,9 vs 1,8: revised
    v.loc[(v["kpi"] == "U40800") & (v["municipality_id"] == "1419") & (v["year"] == 2022), "value"] = 90.0  # i.u. in report
    v = v[~((v["kpi"] == "N01951") & (v["municipality_id"] == "1480"))]  # absent row
    v = v[v["kpi"] != "U40826"]  # KPI not fetched
    comp = published.compare(v).set_index(["kpi", "municipality_id", "year"])
    assert comp.loc[("N03932", "1440", 2022), "status"] == published.STATUS_SAME
    assert comp.loc[("N31825", "1440", 2022), "status"] == published.STATUS_REVISED
    assert comp.loc[("N31825", "1440", 2022), "difference"] == pytest.approx(0.06)
    assert comp.loc[("U40800", "1419", 2022), "status"] == published.STATUS_ONLY_EXTRACT
    assert comp.loc[("N01951", "1480", 2022), "status"] == published.STATUS_ONLY_REPORT
    assert (comp.xs("U40826")["status"] == published.STATUS_NOT_FETCHED).all()
    diffs = published.format_differences(comp.reset_index())
    assert len(diffs) == 3


@pytest.fixture(scope="module")
def kolada_2022():
    needs_shared(KOLADA_DIR)
    v = pd.read_csv(KOLADA_DIR / "values_2010_2022.csv", dtype={"municipality_id": str, "kpi": str, "gender": str})
    v = v[(v["year"] == 2022) & (v["municipality_id"].isin(list(GR_IDS.values()) + ["0000"]))]
    return v.assign(municipality="", status="")


def test_real_kolada_values_match_the_report_where_spec_says_so(kolada_2022):
    """study-spec: for N01951, N31858 and N31814 the 2022 Kolada values equal the report's."""
    comp = published.compare(kolada_2022)
    for kpi, cells in (("N01951", 13), ("N31858", 14), ("N31814", 14)):
        sub = comp[comp["kpi"] == kpi]
        assert (sub["status"] == published.STATUS_SAME).sum() == cells, sub[sub["status"] != published.STATUS_SAME]
    assert comp[comp["kpi"] == "N01951"].set_index("municipality_id").loc["1480", "value"] == 596841
