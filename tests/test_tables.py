"""Every study table against the report's published figures."""

import numpy as np
import pandas as pd
import pytest

from fou.study import definition as study
from fou.study import tables
from fou.extracts.swedish import parse_number

from .conftest import GR_IDS, GR_ORDER


def _published_numbers(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.apply(lambda col: col.map(lambda c: parse_number(c) if c.strip() != "X" else 1.0))


def test_table1_spot_values_and_order(report_extract, gr):
    t = tables.table1(report_extract.values, gr, 2022)
    assert t["municipality"].tolist() == GR_ORDER
    assert t["municipality_id"].tolist() == [GR_IDS[n] for n in GR_ORDER]
    pop = t.set_index("municipality")["N01951"]
    assert pop["Göteborg"] == 596841 and pop["Öckerö"] == 12800 and pop["Mölndal"] == 70109
    assert pop.sum() == 1070935  # hand sum of the report's Table 1


def test_table2_has_riket_row_with_published_values(report_extract, gr):
    t = tables.table2(report_extract.values, gr, 2022)
    assert len(t) == 14
    riket = t[t["municipality_id"] == "0000"].iloc[0]
    assert riket["municipality"] == "Riket"
    assert [riket[k] for k in ("N03932", "N31825", "N31858", "N31814")] == [6.8, 2.4, 46.4, 47.3]
    assert np.isnan(riket["U31900"])
    assert t.set_index("municipality").loc["Lilla Edet", "U31900"] == 4


@pytest.mark.parametrize("kind", ["table1", "table2", "table3", "table4", "table5"])
def test_tables_equal_every_published_cell(kind, report_extract, gr, published_tables):
    ours = tables.study_tables(report_extract.values, gr)[kind].set_index("municipality")
    raw = published_tables[kind]
    if kind == "table3":
        raw = raw.apply(lambda col: col.map(lambda c: "1" if c.strip() == "X" else "0"))
    pub = _published_numbers(raw)
    assert list(ours.index) == list(pub.index)
    value_cols = tables.numeric_columns(ours.reset_index())
    assert len(value_cols) == pub.shape[1]
    for ours_col, pub_col in zip(value_cols, pub.columns):
        if kind in ("table4", "table5"):
            assert ours_col == pub_col  # year columns
        np.testing.assert_array_equal(ours[ours_col].to_numpy(), pub[pub_col].to_numpy(), err_msg=f"{kind} {ours_col}")


def test_year_tables_keep_missing_years_missing(report_extract, gr):
    t4 = tables.table4(report_extract.values, gr).set_index("municipality")
    assert np.isnan(t4.loc["Tjörn", "2022"]) and t4.loc["Göteborg", "2018"] == 4558
    t5 = tables.table5(report_extract.values, gr, [2016, 2017]).set_index("municipality")
    assert t5["2016"].isna().all()  # a year the extract lacks is i.u., not 0
    assert t5.loc["Kungsbacka", "2017"] == 68


def test_region_mean_is_unweighted_over_municipalities_with_data(report_extract, gr):
    m = tables.region_mean(report_extract.values, gr, study.REFERRALS_AF, [2017, 2021, 2022]).set_index("year")
    # 2017: Ale, Göteborg, Härryda, Tjörn i.u. -> 9 municipalities
    assert m.loc[2017, "n"] == 9
    assert m.loc[2017, "value"] == pytest.approx((46 + 68 + 6 + 60 + 47 + 11 + 47 + 75 + 50) / 9)
    assert m.loc[2021, "value"] == pytest.approx(159 / 13)
    assert m.loc[2022, "n"] == 12 and m.loc[2022, "value"] == pytest.approx(188 / 12)


def test_diagram1_long_form_and_notes(report_extract, gr):
    d = tables.diagram1(report_extract.values, gr)
    assert list(d.columns[:3]) == ["year", "series", "value"]
    assert set(d["series"]) == {"Arbetsförmedlingen, Göteborgsregionen"}  # U40809 and Riket are not in the report extract
    notes = " ".join(tables.diagram1_notes(report_extract.values, gr))
    assert "socialtjänsten (U40809), Göteborgsregionen: saknas" in notes
    assert "Arbetsförmedlingen (U40806), Riket: saknas" in notes
    assert "2017: 9 av 13" in notes


def test_diagram1_includes_riket_and_social_when_present(report_extract, gr):
    extra = pd.DataFrame([
        {"kpi": "U40809", "municipality_id": i, "municipality": "", "year": 2022, "gender": "T", "value": v, "status": ""}
        for i, v in (("1440", 40.0), ("1480", 60.0), ("0000", 55.0))
    ] + [{"kpi": "U40806", "municipality_id": "0000", "municipality": "Riket", "year": 2022, "gender": "T", "value": 30.0, "status": ""}])
    values = pd.concat([report_extract.values, extra], ignore_index=True)
    d = tables.diagram1(values, gr, [2022]).set_index("series")
    assert d.loc["Socialtjänsten, Göteborgsregionen", "value"] == 50.0
    assert d.loc["Socialtjänsten, Göteborgsregionen", "n"] == 2
    assert d.loc["Socialtjänsten, Riket", "value"] == 55.0
    assert d.loc["Arbetsförmedlingen, Riket", "value"] == 30.0


def test_missing_kpis(report_extract, gr):
    assert tables.missing_kpis(report_extract.values, study.DIAGRAM1, gr.ids) == [study.REFERRALS_SOCIAL]
