"""The experiment's estimands against pyfixest on the Crépon et al. (2013) public-use
file (skipped without ../shared) and against known truth on synthetic data that can
tell direct, spillover and within-market effects apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from fou.effects.experiment import estimands
from fou.effects.experiment import analysis as experiment
from fou.effects import linear
from fou.effects.experiment import spec, synth
from fou.effects.experiment.estimands import Design

from .conftest import SHARED, needs_shared

CREPON = SHARED / "data" / "microdata" / "crepon2013_jd.dta"
OUTCOME_WAVES = [(o, w) for o in ("emploidur", "cdd6m", "cdi", "emploi") for w in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def crepon() -> pd.DataFrame:
    needs_shared(CREPON)
    return pd.read_stata(CREPON, convert_categoricals=False)


@pytest.fixture(scope="module")
def paper(crepon) -> Design:
    return estimands.prepare(crepon, spec.resolve({"preset": "crepon2013"}, list(crepon.columns)))


@pytest.fixture(scope="module")
def reference(crepon) -> pd.DataFrame:
    """The paper's sample built by hand, with the design's indicators named for formulas."""
    d = crepon[(crepon["emploiav"] != 1) & (crepon["session"] <= 11)].copy()
    d["spill"] = ((d["pct0"] > 0) & (d["assigned"] == 0)).astype(int)
    for s, p in ((0.25, 25), (0.5, 50), (0.75, 75), (1.0, 100)):
        d[f"z{p}"] = d["assigned"] * (d["pct0"] == s)
        d[f"s{p}"] = d["spill"] * (d["pct0"] == s)
        d[f"t{p}"] = (d["pct0"] == s).astype(int)
    return d


def _same(ours: linear.Estimate, ref, name: str) -> None:
    assert ours.estimate == pytest.approx(ref.coef()[name], rel=1e-9, abs=1e-12)
    assert ours.std_error == pytest.approx(ref.se()[name], rel=1e-8)
    assert ours.p_value == pytest.approx(ref.pvalue()[name], rel=1e-6, abs=1e-12)
    assert ours.nobs == ref._N


def test_the_papers_sample_and_the_issues_numbers(paper):
    assert len(paper.data) == 11_806 and paper.data["anonale"].nunique() == 235
    assert paper.shares == (0.25, 0.5, 0.75, 1.0)
    main = estimands.reduced_form(paper, draws=199).table.query("outcome == 'emploidur' and wave == 1").set_index("term")
    assert round(main.loc["direct", "estimate"], 3) == 0.006
    assert round(main.loc["spillover", "estimate"], 3) == -0.022
    assert round(main.loc["within_market", "estimate"], 3) == 0.021
    assert main.loc["direct", "nobs"] == 11_806 and main.loc["direct", "clusters"] == 235


@pytest.mark.parametrize(("outcome", "wave"), OUTCOME_WAVES)
def test_direct_and_spillover_equal_pyfixest(paper, reference, outcome, wave):
    col = spec.Spec.column(outcome, wave)
    f = estimands.pooled(paper, col)
    ref = pf.feols(f"{col} ~ assigned + spill | noq^session", data=reference, vcov={"CRV1": "anonale"})
    _same(f.estimate(estimands.Z), ref, "assigned")
    _same(f.estimate(estimands.S), ref, "spill")


@pytest.mark.parametrize(("outcome", "wave"), [("emploidur", 1), ("cdi", 3)])
def test_unconstrained_late_market_and_within_equal_pyfixest(paper, reference, outcome, wave):
    col = spec.Spec.column(outcome, wave)
    vc = {"CRV1": "anonale"}
    u = estimands.unconstrained(paper, col)
    ref = pf.feols(f"{col} ~ z25 + z50 + z75 + z100 + s25 + s50 + s75 | noq^session", data=reference, vcov=vc)
    for p in (25, 50, 75, 100):
        _same(u.estimate(f"_z{p}"), ref, f"z{p}")
    for p in (25, 50, 75):
        _same(u.estimate(f"_s{p}"), ref, f"s{p}")
    m = estimands.market(paper, col)
    ref = pf.feols(f"{col} ~ t25 + t50 + t75 + t100 | noq^session", data=reference, vcov=vc)
    for p in (25, 50, 75, 100):
        _same(m.estimate(f"_t{p}"), ref, f"t{p}")
    ref = pf.feols(f"{col} ~ spill | noq^session | signopp ~ assigned", data=reference, vcov=vc)
    _same(estimands.late(paper, col).estimate(estimands.D), ref, "signopp")
    mixed = reference[(reference["pct0"] > 0) & (reference["pct0"] < 1)]
    ref = pf.feols(f"{col} ~ assigned | anonale", data=mixed, vcov=vc)
    _same(estimands.within_market(paper, col).estimate(estimands.Z), ref, "assigned")


def test_weights_covariates_and_two_fixed_effects_equal_pyfixest(crepon, reference):
    d = crepon.assign(w=np.where(crepon["assigned"] == 1, 1 / crepon["pct0"].clip(lower=0.25),
                                 1 / (1 - crepon["pct0"]).clip(lower=0.25)))
    s = spec.resolve({"preset": "crepon2013", "weights": "w", "covariates": "homme, age", "strata": "noq + session"},
                     list(d.columns))
    design = estimands.prepare(d, s)
    ref_data = reference.assign(w=d.loc[reference.index, "w"])
    ref = pf.feols("emploidur2 ~ assigned + spill + homme + age | noq + session", data=ref_data,
                   vcov={"CRV1": "anonale"}, weights="w")
    f = estimands.pooled(design, "emploidur2")
    assert f.params[estimands.Z] == pytest.approx(ref.coef()["assigned"], rel=1e-7)  # alternating projections
    assert f.params["age"] == pytest.approx(ref.coef()["age"], rel=1e-6)
    assert np.sqrt(f.cov.loc[estimands.S, estimands.S]) == pytest.approx(ref.se()["spill"], rel=1e-6)


def test_heterogeneity_difference_is_the_interaction_pyfixest_tests(paper, reference):
    het = estimands.heterogeneity(paper, "emploidur", "homme").set_index(["term", "group"])
    ref = pf.feols("emploidur ~ assigned + spill + assigned:homme + spill:homme + homme | noq^session",
                   data=reference, vcov={"CRV1": "anonale"})
    diff = het.loc[("direct", "1 − 0")]
    assert diff["estimate"] == pytest.approx(ref.coef()["assigned:homme"], rel=1e-9)
    assert diff["p_value"] == pytest.approx(ref.pvalue()["assigned:homme"], rel=1e-6)
    women = het.loc[("spillover", "0")]
    assert women["estimate"] == pytest.approx(ref.coef()["spill"], rel=1e-9)
    assert women["std_error"] == pytest.approx(ref.se()["spill"], rel=1e-8)


def test_first_stage_and_late_is_direct_over_take_up(paper):
    first = estimands.first_stage(paper)
    assert 0.40 < first.estimate < 0.47  # about 44 % of the assigned took the programme up
    direct = estimands.pooled(paper, "emploidur").estimate(estimands.Z).estimate
    late = estimands.late(paper, "emploidur").estimate(estimands.D).estimate
    assert late == pytest.approx(direct / first.estimate, rel=0.02)  # exact only without the spillover row of D


# -- synthetic data with known truth ------------------------------------------------------

def _truths(design: Design, truth: synth.Truth, column: str) -> dict[str, float]:
    expected = np.where(design.data[column].notna(), truth.effect[column][design.data.index.to_numpy()], np.nan)
    sub = design.with_data(design.data.assign(_true=expected))
    return {term: float(fit.params[coef]) for term, fit, coef in estimands.term_fits(sub, "_true")}


def test_generator_truth_matches_its_parameters():
    df, truth = synth.two_stage_experiment(seed=5)
    design = estimands.prepare(df, spec.Spec())
    t = _truths(design, truth, "emploidur")
    assert t["spillover_50"] == pytest.approx(truth.spillover("emploidur", 1, 0.5), abs=1e-12)
    assert t["direct_75"] == pytest.approx(truth.direct("emploidur", 1, 0.75), abs=0.004)  # realised take-up and men
    assert t["within_market"] - (t["direct"] - t["spillover"]) == pytest.approx(0, abs=0.02)  # pooled over other shares
    assert t["direct"] - t["within_market"] < -0.04  # the estimands differ by more than the estimates' noise
    assert t["late"] == pytest.approx(t["direct"] / truth.takeup, rel=0.1)


def test_estimands_recover_the_truth_and_within_market_is_not_direct():
    """Over 30 seeds the estimates centre on their own truths, which differ: reporting
    the within-market contrast as the direct effect would miss by ~0,06."""
    errors, covered, gap = {}, {}, []
    for seed in range(30):
        df, truth = synth.two_stage_experiment(seed=100 + seed)
        design = estimands.prepare(df, spec.Spec())
        t = _truths(design, truth, "emploidur2")
        gap.append(t["within_market"] - t["direct"])
        for term, fit, coef in estimands.term_fits(design, "emploidur2"):
            est = fit.estimate(coef)
            errors.setdefault(term, []).append(est.estimate - t[term])
            covered[term] = covered.get(term, 0) + est.covers(t[term])
    for term in ("direct", "spillover", "within_market", "late", "direct_50", "spillover_75", "market_50"):
        assert abs(np.mean(errors[term])) < 0.01, term
        assert covered[term] >= 25, f"{term}: 95 % intervals covered the truth in {covered[term]} of 30 seeds"
    assert np.mean(gap) > 0.05 and np.std(errors["direct"]) < 0.02  # mislabelling would be off by > 2 sd


def test_page_truth_table_on_the_default_synthetic_data():
    df, truth = synth.two_stage_experiment(seed=2023)
    a = experiment.analyse(df, experiment.check_params({"microdata": ""}), truth, draws=99)
    check = a.truth.set_index(["wave", "term"])
    assert set(a.truth["wave"]) == {1, 2, 3, 4}
    assert (check["covered"] == "ja").mean() > 0.8
    assert check.loc[(1, "within_market"), "truth"] - check.loc[(1, "direct"), "truth"] > 0.04


def test_bad_design_is_named():
    df, _ = synth.two_stage_experiment(n_quintuplets=2, seed=1)
    with pytest.raises(spec.ParameterError, match="no markets with share 0"):
        estimands.prepare(df, spec.Spec(sample="pct0 > 0"))
    with pytest.raises(spec.ParameterError, match="parameter 'treatment'"):
        estimands.prepare(df.assign(assigned=df["assigned"] * 2), spec.Spec())
    with pytest.raises(spec.ParameterError, match="parameter 'heterogeneity'"):
        estimands.heterogeneity(estimands.prepare(df, spec.Spec()), "emploidur", "age")
