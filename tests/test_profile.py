"""The municipality profile (notebook 10): numbers against the shipped national extract, reasons
for missing values, prose that follows the data, and the parameter checked before any kernel."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from fou.extracts.format import write_extract
from fou.extracts.params import ParameterError
from fou.extracts.paths import data_dir
from fou.pages.profile import ProfilePage
from fou.run import validate
from fou.study import profile
from fou.study.inputs import open_extract

NATIONAL = data_dir() / "extracts" / "kolada-national"


@pytest.fixture(scope="module")
def national():
    return open_extract("kolada-national")


@pytest.fixture(scope="module")
def ale():
    """Not a KROM pilot; U40455 reported 2018–2022 only."""
    return ProfilePage("Ale")


@pytest.fixture(scope="module")
def bjurholm():
    """A KROM pilot (Västerbotten, April 2020); U40455 reported for 2020 only."""
    return ProfilePage("2403")


def _value(ex, kpi: str, unit: str, year: int) -> float:
    v = ex.values
    hit = v[(v["kpi"] == kpi) & (v["municipality_id"] == unit) & (v["year"].astype(int) == year)]["value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")


@pytest.mark.parametrize("page_name", ["ale", "bjurholm"])
def test_key_figures_are_the_extracts_values_for_municipality_county_and_riket(page_name, request, national):
    page = request.getfixturevalue(page_name)
    county = {"ale": "0014", "bjurholm": "0024"}[page_name]
    kf = page.key_figures().set_index("kpi")
    assert list(kf.index) == ["N01951", "N03920", "N03926", "N31807", "N31816", "N31814", "N31858", "U40455"]
    for kpi in kf.index:
        for role, unit in (("kommun", page.m.id), ("län", county), ("riket", "0000")):
            expected = _value(national, kpi, unit, 2022)
            got = kf.loc[kpi, role]
            assert (pd.isna(got) and pd.isna(expected)) or got == pytest.approx(expected), (kpi, role)
    assert page.m.county_id == county


def test_rank_among_skr_group_members_is_recomputed_independently(ale, national):
    assert ale.group.kind == "SKR:s kommungrupp (2017)" and ale.group.region.group_id == "G92793"
    assert len(ale.group.region.ids) == 43
    groups = pd.read_csv(NATIONAL / "groups.csv", dtype=str)
    members = set(groups[groups["group_id"] == "G92793"]["member_id"])
    v = national.values
    y = v[(v["kpi"] == "N03920") & (v["year"].astype(int) == 2022) & v["municipality_id"].isin(members)]
    mine = float(y[y["municipality_id"] == "1440"]["value"].iloc[0])
    row = ale.key_figures().set_index("kpi").loc["N03920"]
    assert row["rank"] == 1 + (y["value"] > mine).sum() and row["group_n"] == len(y)
    assert row["group_median"] == pytest.approx(y["value"].median())


def test_missing_kas_years_are_iu_with_the_reason_from_the_data(ale, bjurholm):
    t = ale.outcome_table().set_index("year")
    assert list(t.index) == list(range(2016, 2023))  # from the first year any municipality reports U40455
    assert t.loc[2016, "value"] != t.loc[2016, "value"] and t.loc[2018, "value"] == pytest.approx(54.639175)
    assert t.loc[2016, "reason"] == "kommunen har ingen uppgift för 2016 i Kolada (165 av 290 kommuner har)"
    assert t.loc[2022, "all_n"] == 229 and t.loc[2016, "all_n"] == 165
    reasons = ale.table.set_index(["kpi", "year", "role"])["reason"]
    assert reasons[("U40455", 2012, "kommun")].startswith("ingen kommun har uppgift för 2012")
    assert reasons[("U40455", 2020, "län")] == "Kolada redovisar inte nyckeltalet för län (regioner) i extraktet"
    assert reasons[("N31816", 2014, "riket")] == "riket har ingen uppgift för 2014 i Kolada"
    notes = profile.missing_notes(bjurholm.table, bjurholm.names)
    assert "U40455, Bjurholm: i.u. 2016, 2017, 2018, 2019, 2021, 2022: kommunen har ingen uppgift i Kolada." in notes
    years = bjurholm.show_years().data
    assert years.count("i.u.") >= 6 + 7 + 12  # N31858 before 2017, U40455 every year but 2020, the notes


def test_prose_follows_the_data_pilot_and_not(ale, bjurholm):
    a, b = " ".join(ale.summary()), " ".join(bjurholm.summary())
    assert "Ale var inte bland de 32 pilotkommuner" in a and "sidan anger inte om eller när Ale fick den" in a
    assert "(KROM) från april 2020. Enligt Arbetsförmedlingen infördes tjänsten sedan i fler kommuner: 101" in a
    assert "uppgift finns för 5 år (2018–2022)" in a and "32\u202f394 invånare 2022" in a
    assert "Bjurholm var en av de 32 pilotkommuner" in b and "från april 2020 (pilotområde Västerbotten" in b
    assert "uppgift finns för 1 år (2020)" in b and "2020 hade 100,0\u00a0% börjat arbeta" in b
    assert "Pendlingskommun nära storstad (43 kommuner)" in a and "Pendlingskommun nära större stad (63 kommuner)" in b


def test_prose_and_tables_follow_another_extract(tmp_path, national):
    """Ale without U40455 for 2019–2020 and no group file: counts, years and the group say so."""
    v = national.values
    drop = (v["kpi"] == "U40455") & (v["municipality_id"] == "1440") & v["year"].astype(int).isin([2019, 2020])
    write_extract(v[~drop].reset_index(drop=True), tmp_path / "e", {"kind": "fetched", "fetched_at": "2024-08-31"})
    shutil.copy(NATIONAL / "units.csv", tmp_path / "e" / "units.csv")
    page = ProfilePage("ale", str(tmp_path / "e"))
    text = " ".join(page.summary())
    assert "uppgift finns för 3 år (2018, 2021, 2022)" in text
    assert page.group is None and "i.u.: extraktet har ingen kommungruppsindelning" in page.show_header().data
    assert page.key_figures()["rank"].isna().all() and "hör till" not in text
    reason = page.outcome_table().set_index("year").loc[2019, "reason"]
    assert reason == "kommunen har ingen uppgift för 2019 i Kolada (229 av 290 kommuner har)"


def test_page_blocks_render_swedish_numbers_and_links(tmp_path):
    page = ProfilePage("Göteborg", output_dir=str(tmp_path))
    html = "".join(getattr(page, f"show_{b}")().data for b in ("header", "summary", "key_figures", "outcome", "years", "sources"))
    assert "596\u202f841" in html and "Göteborg (1480)" in html and "Storstäder" in html
    assert "../tables/profile_key_figures.csv" in html and "../tables/excel/profile_outcome.csv" in html
    for name in ("profile_series", "profile_key_figures", "profile_outcome", "profile_years"):
        assert (tmp_path / "tables" / f"{name}.csv").is_file() and (tmp_path / "tables" / "excel" / f"{name}.csv").is_file()
    series = pd.read_csv(tmp_path / "tables" / "profile_series.csv", dtype={"unit_id": str})
    assert len(series) == 8 * 13 * 3 and set(series["role"]) == {"kommun", "län", "riket"}
    assert series[series["value"].isna()]["reason"].str.len().gt(0).all()


def test_municipality_is_checked_before_any_kernel_and_normalised_to_its_id():
    c = validate.check({"extract": "kolada-national", "municipality": "göteborg"}, {"extract", "municipality"})
    assert c.params["municipality"] == "1480"
    for bad, hint in (("Göteborgg", "did you mean: Göteborg (1480)"), ("Göteborgsregionen", "expected one municipality"),
                      ("Region Skåne", "is not a municipality"), ("", "expected a municipality name")):
        with pytest.raises(ParameterError) as err:
            validate.check({"extract": "kolada-national", "municipality": bad}, {"extract", "municipality"})
        assert err.value.parameter == "municipality" and hint in str(err.value) and "\n" not in str(err.value)


def test_an_extract_without_the_municipality_is_refused(tmp_path, national):
    v = national.values
    write_extract(v[v["municipality_id"] != "2403"].reset_index(drop=True), tmp_path / "e", {"kind": "fetched"})
    shutil.copy(NATIONAL / "units.csv", tmp_path / "e" / "units.csv")  # Kolada knows Bjurholm; the values do not
    with pytest.raises(ParameterError, match=r"the extract e has no values for Bjurholm \(2403\); expected a national"):
        validate.check({"extract": str(tmp_path / "e"), "municipality": "Bjurholm"}, {"extract", "municipality"})
    with pytest.raises(ParameterError, match=r"'municipality': invalid value 'Bjurholm'; unknown municipality"):
        validate.check({"extract": "report-2023", "municipality": "Bjurholm"}, {"extract", "municipality"})


def test_krom_sentence_counts_and_dates_come_from_the_pilot_list(monkeypatch):
    pilots = pd.DataFrame({"municipality_id": ["1440", "1480", "1401"], "pilot_area": ["Test", "Test", "Test"],
                           "start": ["2020-09", "2020-09", "2020-09"], "source": ["test list"] * 3})
    monkeypatch.setattr("fou.pages.profile.load_pilots", lambda: pilots)
    assert ProfilePage("Ale").krom_sentence().startswith(
        "Ale var en av de 3 pilotkommuner där Arbetsförmedlingen prövade Kundval Rusta och matcha (KROM), tjänster hos "
        "fristående aktörer, från september 2020 (pilotområde Test; källa: test list).")
    assert "inte bland de 3 pilotkommuner där Arbetsförmedlingen prövade Kundval Rusta och matcha (KROM) från september 2020." \
        in ProfilePage("Lerum").krom_sentence()
