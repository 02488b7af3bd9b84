"""The fitting kernel against linearmodels, adjusted p-values (Romano–Wolf, Holm, BH)
and attrition (response test, Lee bounds) against hand computations and known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS, AbsorbingLS

from fou.effects.experiment import attrition, estimands
from fou.effects import linear, multiple
from fou.effects.experiment import spec, synth
@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    df, _ = synth.two_stage_experiment(n_quintuplets=20, seed=11)
    df["spill"] = ((df["pct0"] > 0) & (df["assigned"] == 0)).astype(float)
    df["w"] = 1 + (df["age"] % 3)
    return df


def test_weighted_ols_with_absorbed_strata_equals_linearmodels(data):
    f = linear.fit(data, "emploi2", ["assigned", "spill", "age"], "anonale", absorb=[["noq", "session"]], weights="w")
    d = data.dropna(subset=["emploi2"])
    cells = pd.DataFrame({"cell": pd.Categorical(d["noq"].astype(str) + "-" + d["session"].astype(str))})
    ref = AbsorbingLS(d["emploi2"], d[["assigned", "spill", "age"]], absorb=cells, weights=d["w"]).fit(
        cov_type="clustered", clusters=d["anonale"], debiased=True)
    assert f.params[["assigned", "spill", "age"]].to_numpy() == pytest.approx(ref.params.to_numpy(), rel=1e-8)
    # linearmodels counts the absorbed levels in k as pyfixest does; its clustered scale also has G/(G−1)
    assert np.sqrt(np.diag(f.cov))[:3] == pytest.approx(ref.std_errors.to_numpy(), rel=1e-6)


def test_two_stage_least_squares_equals_linearmodels_without_fixed_effects(data):
    f = linear.fit(data, "emploidur", ["spill", "homme"], "anonale", endog=["signopp"], instruments=["assigned"])
    exog = data[["spill", "homme"]].assign(Intercept=1.0)
    ref = IV2SLS(data["emploidur"], exog, data[["signopp"]], data[["assigned"]]).fit(
        cov_type="clustered", clusters=data["anonale"], debiased=True)
    for name in ("signopp", "spill", "homme", "Intercept"):
        assert f.params[name] == pytest.approx(ref.params[name], rel=1e-9)
        assert np.sqrt(f.cov.loc[name, name]) == pytest.approx(ref.std_errors[name], rel=1e-9)


def test_cluster_scores_rebuild_the_covariance(data):
    f = linear.fit(data, "cdi3", ["assigned", "spill"], "anonale", absorb=[["noq", "session"]])
    assert (f.ssc * f.scores.T @ f.scores).to_numpy() == pytest.approx(f.cov.to_numpy(), rel=1e-10)
    assert f.scores.sum().abs().max() < 1e-12  # residuals are orthogonal to the regressors
    assert len(f.scores) == f.clusters == data["anonale"].nunique()


def test_singletons_are_dropped_and_collinearity_is_refused(data):
    one = data.iloc[[0]].assign(noq=999)
    f = linear.fit(pd.concat([data, one]), "emploi", ["assigned"], "anonale", absorb=[["noq"]])
    assert f.nobs == len(data)
    with pytest.raises(ValueError, match="collinear"):
        linear.fit(data.assign(twice=2 * data["assigned"]), "emploi", ["assigned", "twice"], "anonale")


# -- multiple testing ------------------------------------------------------------------------

def test_holm_and_benjamini_hochberg_known_values():
    p = np.array([0.01, 0.04, 0.03, np.nan])
    assert multiple.holm(p)[:3] == pytest.approx([0.03, 0.06, 0.06]) and np.isnan(multiple.holm(p)[3])
    assert multiple.benjamini_hochberg(p)[:3] == pytest.approx([0.03, 0.04, 0.04])


def _null_fits(seed: int, outcomes: int = 5, rho: float = 0.5) -> list[linear.Fit]:
    """Fits of outcomes without any effect of ``z`` (cluster-level), correlated through a common shock."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(60), 10)
    z = (rng.random(60) < 0.5).astype(float)[g]
    common = rng.normal(size=600)
    d = pd.DataFrame({"g": g, "z": z, **{f"y{k}": rho * common + rng.normal(size=600) for k in range(outcomes)}})
    return [linear.fit(d, f"y{k}", ["z"], "g") for k in range(outcomes)]


def _table(fits: list[linear.Fit]) -> pd.DataFrame:
    est = [f.estimate("z") for f in fits]
    return pd.DataFrame({"estimate": [e.estimate for e in est], "std_error": [e.std_error for e in est],
                         "p_value": [e.p_value for e in est], "term": "z"})


def test_romano_wolf_uses_the_dependence_holm_ignores():
    fit = _null_fits(1, outcomes=1)[0]
    same = [fit] * 5  # five copies of one test: really one hypothesis
    table = _table(same)
    hyps = [multiple.Hypothesis.of(f, {"z": 1.0}) for f in same]
    rw = multiple.romano_wolf_by_family(table, hyps, draws=1999, seed=3)
    single = multiple.romano_wolf_by_family(table.iloc[:1], hyps[:1], draws=1999, seed=3)
    assert rw == pytest.approx(np.full(5, single[0]))
    assert single[0] == pytest.approx(table["p_value"].iloc[0], abs=0.05)  # bootstrap-t p close to the analytic one
    independent = _null_fits(2, rho=0.0)
    tab = _table(independent).assign(estimate=lambda t: 2.2 * t["std_error"], p_value=0.03)  # t = 2,2 each
    p = multiple.romano_wolf_by_family(tab, [multiple.Hypothesis.of(f, {"z": 1.0}) for f in independent], draws=1999)
    assert 0.10 < p.min() and p.max() < 0.22  # about Šidák's 1 − 0,97⁵ = 0,14 for five independent tests


def test_bootstrap_draws_equal_refits_on_wild_bootstrap_data():
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(40), 8)
    d = pd.DataFrame({"g": g, "x": rng.normal(size=320), "z": (rng.random(40) < 0.5)[g].astype(float)})
    d["y"] = d["x"] + rng.normal(size=320)
    f = linear.fit(d, "y", ["z", "x"], "g")
    weights = multiple.rademacher(40, 5, 5)
    fast = multiple.bootstrap_t(multiple.Hypothesis.of(f, {"z": 1.0, "x": -0.5}), weights)
    fitted = f.params["Intercept"] + f.params["z"] * d["z"] + f.params["x"] * d["x"]
    for b in range(5):
        refit = linear.fit(d.assign(y=fitted + weights[b][g] * (d["y"] - fitted)), "y", ["z", "x"], "g")
        est = refit.contrast({"z": 1.0, "x": -0.5})
        assert fast[b] == pytest.approx((est.estimate - f.contrast({"z": 1.0, "x": -0.5}).estimate) / est.std_error,
                                        rel=1e-9)


def test_romano_wolf_is_monotone_and_never_below_the_raw_p():
    fits = _null_fits(4, outcomes=6, rho=0.3)
    table = _table(fits)
    p = multiple.romano_wolf_by_family(table, [multiple.Hypothesis.of(f, {"z": 1.0}) for f in fits], draws=499)
    order = np.argsort(-np.abs(table["estimate"] / table["std_error"]).to_numpy())
    assert np.all(np.diff(p[order]) >= 0) and np.all(p >= table["p_value"].to_numpy())


def test_romano_wolf_holds_the_familywise_error_rate_under_the_null():
    """Five correlated outcomes, no effect, 60 clusters: familywise rejections near 5 %,
    unadjusted (any p < 0,05) far above."""
    sims, rw_hits, raw_hits = 150, 0, 0
    for sim in range(sims):
        fits = _null_fits(1000 + sim)
        table = _table(fits)
        p = multiple.romano_wolf_by_family(table, [multiple.Hypothesis.of(f, {"z": 1.0}) for f in fits], draws=199, seed=sim)
        rw_hits += p.min() < 0.05
        raw_hits += table["p_value"].min() < 0.05
    assert rw_hits / sims < 0.09 and raw_hits / sims > 0.12


# -- attrition -------------------------------------------------------------------------------

def test_lee_bounds_by_hand():
    # treated: everyone answers, outcomes 0 0 1 1 1; control: 4 of 5 answer, outcomes 0 1 0 1
    y = np.array([0, 0, 1, 1, 1, 0, 1, 0, 1, np.nan])
    treated = np.array([1] * 5 + [0] * 5, dtype=bool)
    order = np.argsort(np.where(np.isnan(y), np.inf, y), kind="stable")
    lo, hi, q = attrition._bounds(y[order], np.ones(10), treated[order], ~np.isnan(y[order]))
    assert q == pytest.approx(0.2)  # (1 − 0,8) / 1
    assert (lo, hi) == pytest.approx((0.5 - 0.5, 0.75 - 0.5))  # trim one treated 1 (lower) or one treated 0 (upper)


def test_trimmed_mean_equals_the_closed_form_for_binary_outcomes():
    rng = np.random.default_rng(4)
    y = np.sort((rng.random(997) < 0.37).astype(float))
    n1, n = y.sum(), len(y)
    for q in (0.0, 0.05, 0.31, 0.7):
        assert attrition.trimmed_mean(y, np.ones(n), q, top=True) == pytest.approx(max(n1 - q * n, 0) / ((1 - q) * n))
        assert attrition.trimmed_mean(y, np.ones(n), q, top=False) == pytest.approx(min(n1, (1 - q) * n) / ((1 - q) * n))


def test_attrition_on_synthetic_data_with_differential_response():
    df, truth = synth.two_stage_experiment(seed=21)
    design = estimands.prepare(df, spec.Spec())
    resp = attrition.response_by_arm(design).set_index("wave")
    assert resp.loc[1, "respondents"] == resp.loc[1, "people"] and np.isnan(resp.loc[1, "p_value"])
    assert resp.loc[2, "rate_assigned"] == pytest.approx(truth.response["assigned"], abs=0.02)
    assert resp.loc[2, "rate_control"] == pytest.approx(truth.response["control"], abs=0.03)
    assert (resp.loc[2:, "p_value"] < 0.001).all()  # the assigned answer more often, and the test sees it
    lee = attrition.lee_bounds(design, draws=99).set_index("wave")
    assert lee.loc[1, "lower"] == lee.loc[1, "upper"] == pytest.approx(lee.loc[1, "respondents_difference"])
    for wave in (2, 3, 4):
        r = lee.loc[wave]
        true = truth.direct("emploidur", wave, 0.55)  # about the assigned's mean share; response is unrelated to y
        assert r["lower"] < r["respondents_difference"] < r["upper"] and r["ci_low"] < true < r["ci_high"]
        assert r["trimmed_share"] == pytest.approx(1 - truth.response["control"] / truth.response["assigned"], abs=0.03)
