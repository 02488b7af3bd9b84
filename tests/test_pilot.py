"""The national pilot page on the shipped data: the ATT table (output contract), inference,
the TWFE comparison, and clean endings and parameter errors when inputs are wrong."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from fou.effects.pilot import analysis as pilot
from fou.extracts.format import load_extract
from fou.extracts.params import ParameterError
from fou.extracts.swedish import plural
from fou.extracts.paths import data_dir
from fou.pages.pilot import PilotPage
from fou.run import validate

from .references import wildboottest_t


@pytest.fixture(scope="module")
def national():
    return load_extract(data_dir() / "extracts" / "kolada-national").values


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("pilot")
    return PilotPage(output_dir=str(out)), out


def test_shipped_pilot_list_has_its_source_and_32_municipalities():
    pilots = pilot.load_pilots()
    assert len(pilots) == 32 and pilots["municipality_id"].is_unique
    assert set(pilots["source"]) == {"Arbetsförmedlingen 2019-11-06: Nya matchningstjänsten prövas i 32 kommuner"}
    assert pilots.groupby("pilot_area").size().to_dict() == {
        "Blekinge": 4, "Fyrbodal": 9, "Kalmar": 3, "Skaraborg": 3, "Västerbotten": 6, "Västmanland": 7}


def test_page_runs_on_the_shipped_data_and_writes_the_contract_table(page):
    p, out = page
    assert p.ready and p.problems == []
    table = pd.read_csv(out / "tables" / "pilot_att.csv", dtype={"outcome": str})
    assert list(table.columns[:11]) == ["outcome", "year", "estimate", "std_error", "p_value", "ci_low", "ci_high",
                                        "n_treated", "n_control", "sample", "weighting"]
    assert not table.duplicated(["outcome", "year", "sample", "weighting"]).any()
    head = table[(table["outcome"] == "U40455") & (table["year"] == 2020) & (table["sample"] == "unbalanced")
                 & (table["weighting"] == "unweighted")].iloc[0]
    assert head["estimate"] == pytest.approx(-1.1955, abs=5e-4) and (head["n_treated"], head["n_control"]) == (24, 194)
    assert head["period"] == "clean" and head["ci_low"] < head["estimate"] < head["ci_high"]
    assert set(table.loc[table["year"].isin([2021, 2022]), "period"]) == {"contaminated"}
    assert set(table.loc[table["year"] < 2019, "period"]) == {"placebo"} and 2019 not in set(table["year"])
    assert set(table["outcome"]) == {"U40455", "N03920", "N03926", "N31807", "N31816"}
    balanced = table[(table["outcome"] == "N03920") & (table["sample"] == "balanced") & (table["year"] == 2020)]
    assert (balanced["n_treated"] + balanced["n_control"] == 290).all()


def test_page_blocks_show_swedish_numbers_and_mark_contamination(page):
    p, out = page
    att = p.show_att().data
    assert "−1,20" in att and "Kontaminerad" in att and "Ren jämförelse" in att and "data:image/svg+xml;base64," in att
    assert "G/(G − 1)" in att  # the small-sample convention is stated
    inference = p.show_inference().data
    assert "randomisering inom län" in inference and "Holm" in inference and "Arbetsförmedlingen valde sex" in inference
    twfe = p.show_twfe().data
    assert "0,64" in twfe and "förbjudna jämförelser" in twfe
    assert "invånare 2019" in p.show_variants().data
    assert "F (3 förperioder)" in p.show_pre_trends().data
    for name in ("pilot_inference", "pilot_twfe_comparison", "pilot_pre_trends"):
        assert (out / "tables" / f"{name}.csv").is_file()
    assert "open-numbers" in p.show_header().data and "inget hämtat av fou" in p.show_header().data


def test_inference_table_holm_and_randomisation(national):
    from statsmodels.stats.multitest import multipletests

    inf = pilot.inference_table(national, pilot.load_pilots(), draws=199)
    assert len(inf) == 10 and set(inf["ri_counties"]) == {5}  # pilots lie in five counties
    for _, grp in inf.groupby("weighting"):
        assert grp["p_value_holm"].to_numpy() == pytest.approx(multipletests(grp["p_value"], method="holm")[1])
    head = inf[(inf["outcome"] == "U40455") & (inf["weighting"] == "unweighted")].iloc[0]
    assert head["wild_ci_low"] < head["estimate"] < head["wild_ci_high"]
    assert (head["wild_ci_high"] < 0 or head["wild_ci_low"] > 0) == (head["p_wild"] < 0.05)
    assert 1 / 200 <= head["p_ri_county"] <= 1


def test_twfe_comparison_reproduces_the_sign_flip(national):
    comp = pilot.twfe_comparison(national, pilot.load_pilots()).set_index("method")
    assert comp.loc["att_2x2", "estimate"] == pytest.approx(-1.1955, abs=5e-4)
    assert comp.loc["twfe_event_study", "estimate"] == pytest.approx(0.64, abs=0.005)
    balanced = pilot.staggered.att_table(national, pilot.load_pilots()["municipality_id"], ["U40455"],
                                         samples=("balanced",), weightings=("unweighted",))
    assert comp.loc["twfe_event_study_balanced", "estimate"] == pytest.approx(
        balanced.set_index("year").loc[2020, "estimate"], rel=1e-9)


def test_page_on_an_extract_without_the_pilots_ends_cleanly(report_extract):
    p = PilotPage(str(report_extract.path), "")
    assert not p.ready and "inte ett nationellt extrakt" in p.problems[0]
    assert p.show_att().data == "" and p.show_inference().data == "" and p.show_twfe().data == ""
    assert "Analysen kan inte köras än" in p.show_problems().data


def test_bad_pilot_lists_are_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="no such file"):
        pilot.load_pilots(tmp_path / "missing.csv")
    (tmp_path / "nocol.csv").write_text("kommun\nUmeå\n")
    with pytest.raises(ParameterError, match="no municipality_id column"):
        pilot.load_pilots(tmp_path / "nocol.csv")
    (tmp_path / "bad.csv").write_text("municipality_id\n2480\nUmeå\n")
    with pytest.raises(ParameterError, match="four-digit municipality ids") as err:
        validate.check({"pilots": str(tmp_path / "bad.csv")}, {"pilots"})
    assert err.value.parameter == "pilots"
    checked = validate.check({"extract": "kolada-national", "pilots": ""}, {"extract", "pilots"})
    assert any(k.endswith("krom_pilot_municipalities.csv") for k in checked.files)


def test_population_parameter_is_validated():
    with pytest.raises(ParameterError) as err:
        validate.check({"population": "report-2023-nope"}, {"population"})
    assert err.value.parameter == "population"
    checked = validate.check({"population": "kolada-national"}, {"population"})
    assert checked.params["population"].endswith("kolada-national")


def test_real_cross_section_matches_statsmodels(national):
    import statsmodels.formula.api as smf

    table, facts = pilot.cross_section(national, predictors=("N03920", "N31807"))
    v = national[(national["gender"] == "T") & national["year"].between(2019, 2022)]
    v = v[v["municipality_id"].str.fullmatch(r"\d{4}") & ~v["municipality_id"].str.startswith("00")]
    wide = v.pivot_table(index="municipality_id", columns="kpi", values="value")[["U40455", "N03920", "N31807"]].dropna()
    ref = smf.ols("U40455 ~ N03920 + N31807", data=wide).fit(cov_type="HC3")
    assert facts["nobs"] == int(ref.nobs) and facts["missing"] == []
    assert table.set_index("kpi").loc["N03920", "estimate"] == pytest.approx(ref.params["N03920"])
    assert table.set_index("kpi").loc["N31807", "std_error"] == pytest.approx(ref.bse["N31807"])
    assert np.isfinite(facts["r2"])


def test_pilot_wild_bootstrap_agrees_with_wildboottest_on_the_shipped_data(national):
    """U40455, 2020 against 2019: one long difference per municipality, Webb weights;
    Monte Carlo p-values of the two implementations within simulation error."""
    from fou.effects.pilot import staggered
    from fou.effects.inference import wild_cluster_bootstrap

    ids = pilot.load_pilots()["municipality_id"]
    ld = staggered.long_difference(staggered.wide_panel(national, "U40455", staggered.KROM.years), ids, 2020)
    X, y, cl = np.column_stack([np.ones(len(ld.delta)), ld.treated.astype(float)]), ld.delta, np.arange(len(ld.delta))
    ours = wild_cluster_bootstrap(X, y, cl, 1, draws=19999, weights="webb", seed=5)
    t_ref, t_boot = wildboottest_t(X, y, cl, 1, weights="webb", draws=19999, seed=6)
    assert ours.t_stat == pytest.approx(t_ref, rel=1e-8)
    assert ours.p_value == pytest.approx(float(np.mean(np.abs(t_boot) >= abs(t_ref))), abs=0.015)


def test_municipality_counts_are_plural_aware(page, report_extract, tmp_path):
    p, _ = page
    assert "32 kommuner (Arbetsförmedlingen 2019-11-06)" in p.show_header().data
    cross = p.show_cross_section().data
    assert re.search(r"n = \d+ kommuner, R²", cross)
    (tmp_path / "two.csv").write_text("municipality_id\n1480\n1401\n")  # a list has at least two
    two = PilotPage(str(report_extract.path), str(tmp_path / "two.csv"))
    assert "2 kommuner (two.csv)" in two.show_header().data and str(tmp_path) not in two.show_header().data
    assert plural(1, "kommun", "kommuner") == "1 kommun"
