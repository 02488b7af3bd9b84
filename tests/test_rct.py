"""Experiment estimators: known truth on synthetic data, and independent statsmodels
computations on the Crépon et al. (2013) public-use file from ../shared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from fou.effects import rct
from fou.effects import synth

from .conftest import SHARED, needs_shared

CREPON = SHARED / "data" / "microdata" / "crepon2013_jd.dta"


def test_estimators_recover_the_truth_over_many_seeds():
    seeds = range(40)
    covered = {"itt": 0, "late": 0, "spill": 0, "first": 0}
    itt_estimates = []
    for seed in seeds:
        df, truth = synth.two_stage_experiment(n_markets=80, per_market=50, seed=seed)
        itt = rct.intention_to_treat(df, "emploi", cluster="anonale", strata="anonale")
        late = rct.local_average_treatment_effect(df, "emploi", cluster="anonale", strata="anonale")
        first = rct.first_stage(df, cluster="anonale", strata="anonale")
        spill = rct.spillover(df, "emploi", cluster="anonale").set_index("share").loc[0.5]
        covered["itt"] += itt.covers(truth.itt)
        covered["late"] += late.covers(truth.tau)
        covered["first"] += first.covers(truth.takeup)
        covered["spill"] += spill["ci_low"] <= truth.spillover(0.5) <= spill["ci_high"]
        itt_estimates.append(itt.estimate)
    for name, hits in covered.items():
        assert hits >= 34, f"{name}: 95 % intervals covered the truth in only {hits} of 40 seeds"
    assert np.mean(itt_estimates) == pytest.approx(truth.itt, abs=0.01)  # unbiased on average


def test_estimate_fields_and_missing_outcomes_dropped():
    df, _ = synth.two_stage_experiment(n_markets=30, per_market=20, seed=1)
    df.loc[df.index[:50], "emploi"] = np.nan
    est = rct.intention_to_treat(df, "emploi", cluster="anonale")
    assert est.nobs == len(df) - 50 and est.n_clusters == 28  # markets 1-2 (20 each) lost every outcome
    assert est.ci_low < est.estimate < est.ci_high and 0 <= est.p_value <= 1
    with pytest.raises(KeyError, match="not in the data"):
        rct.intention_to_treat(df, "salary")


@pytest.fixture(scope="module")
def crepon() -> pd.DataFrame:
    needs_shared(CREPON)
    return pd.read_stata(CREPON, convert_categoricals=False)


@pytest.mark.parametrize("outcome", ["emploi", "cdi2", "emploidur4"])
def test_itt_equals_statsmodels_formula_with_cluster_errors(crepon, outcome):
    ours = rct.intention_to_treat(crepon, outcome, cluster="anonale", strata="anonale", controls=("homme", "age"))
    d = crepon.dropna(subset=[outcome])
    ref = smf.ols(f"{outcome} ~ assigned + homme + age + C(anonale)", data=d).fit(
        cov_type="cluster", cov_kwds={"groups": d["anonale"].astype(int).to_numpy()}, use_t=True)
    assert ours.estimate == pytest.approx(ref.params["assigned"], rel=1e-9)
    assert ours.std_error == pytest.approx(ref.bse["assigned"], rel=1e-9)
    assert ours.p_value == pytest.approx(ref.pvalues["assigned"], rel=1e-6)
    assert ours.nobs == int(ref.nobs)


def test_late_equals_ratio_of_itts_and_manual_sandwich(crepon):
    ours = rct.local_average_treatment_effect(crepon, "emploi", cluster="anonale", strata="anonale")
    itt_y = smf.ols("emploi ~ assigned + C(anonale)", data=crepon).fit().params["assigned"]
    itt_d = smf.ols("signopp ~ assigned + C(anonale)", data=crepon).fit().params["assigned"]
    assert ours.estimate == pytest.approx(itt_y / itt_d, rel=1e-8)
    # clustered 2SLS variance after partialling out the market dummies (Frisch–Waugh–Lovell)
    W = sm.add_constant(pd.get_dummies(crepon["anonale"].astype("category"), drop_first=True, dtype=float))
    proj = lambda v: v - W @ np.linalg.lstsq(W, v, rcond=None)[0]  # noqa: E731
    y, d, z = (proj(crepon[c].astype(float)) for c in ("emploi", "signopp", "assigned"))
    u = y - ours.estimate * d
    scores = pd.Series(z * u).groupby(crepon["anonale"].to_numpy()).sum()
    g, n, k = crepon["anonale"].nunique(), len(crepon), W.shape[1] + 1
    se = np.sqrt((scores**2).sum() / (z @ d) ** 2 * g / (g - 1) * (n - 1) / (n - k))
    assert ours.std_error == pytest.approx(se, rel=1e-8)


def test_take_up_in_the_experiment(crepon):
    first = rct.first_stage(crepon, cluster="anonale", strata="anonale")
    raw = crepon.groupby("assigned")["signopp"].mean()
    assert raw[0] == 0  # nobody took it up without assignment (one-sided non-compliance)
    assert 0.3 < first.estimate < 0.4 and first.estimate == pytest.approx(raw[1], abs=0.03)


def test_spillover_equals_statsmodels_dummies(crepon):
    ours = rct.spillover(crepon, "emploi", cluster="anonale").set_index("share")
    d = crepon[crepon["assigned"] == 0]
    ref = smf.ols("emploi ~ C(pct0)", data=d).fit(cov_type="cluster", cov_kwds={"groups": d["anonale"].astype(int).to_numpy()}, use_t=True)
    for share in (0.25, 0.5, 0.75):
        name = f"C(pct0)[T.{share}]"
        assert ours.loc[share, "estimate"] == pytest.approx(ref.params[name], rel=1e-9)
        assert ours.loc[share, "std_error"] == pytest.approx(ref.bse[name], rel=1e-9)
    assert 1.0 not in ours.index  # nobody is unassigned where everyone is treated


def test_subgroups_equal_separate_regressions(crepon):
    ours = rct.by_subgroup(crepon, "emploi", "homme", cluster="anonale", strata="anonale").set_index("level")
    for level in (0, 1):
        part = crepon[crepon["homme"] == level]
        ref = smf.ols("emploi ~ assigned + C(anonale)", data=part).fit(
            cov_type="cluster", cov_kwds={"groups": part["anonale"].astype(int).to_numpy()}, use_t=True)
        assert ours.loc[level, "estimate"] == pytest.approx(ref.params["assigned"], rel=1e-9)
    full = smf.ols("emploi ~ assigned * homme + C(anonale)", data=crepon).fit(
        cov_type="cluster", cov_kwds={"groups": crepon["anonale"].astype(int).to_numpy()}, use_t=True)
    assert ours["p_difference"].iloc[0] == pytest.approx(full.pvalues["assigned:homme"], rel=1e-6)
