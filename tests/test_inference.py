"""Few-cluster inference against reference implementations (statsmodels, wildboottest, scipy)."""

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from fou.effects.inference import cluster_robust_se, exact_permutation_test, wild_bootstrap_ci, wild_cluster_bootstrap

from .references import wildboottest_t


def _data(g=8, per=12, beta=0.0, seed=0):
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(g), per)
    x = rng.normal(size=len(cl)) + rng.normal(size=g)[cl]
    y = 1 + beta * x + rng.normal(size=len(cl)) + rng.normal(size=g)[cl]
    X = sm.add_constant(pd.DataFrame({"x": x, "z": rng.normal(size=len(cl))}))
    return X, pd.Series(y, name="y"), cl


def test_cr1_equals_statsmodels_cluster_errors():
    X, y, cl = _data()
    res = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    ours = cluster_robust_se(X.to_numpy(), res.resid.to_numpy(), cl)
    np.testing.assert_allclose(ours, res.bse.to_numpy(), rtol=1e-10)


def _at_least_as_extreme(t_obs, t_boot):
    return float(np.mean(np.abs(t_boot) >= abs(t_obs) * (1 - 1e-8)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_full_enumeration_matches_wildboottest(seed):
    X, y, cl = _data(seed=seed, beta=0.3)
    ours = wild_cluster_bootstrap(X.to_numpy(), y.to_numpy(), cl, 1, draws=9999, weights="rademacher")
    t_ref, t_boot = wildboottest_t(X, y, cl)
    assert "full enumeration" in ours.weights and ours.draws == 2**8 == len(t_boot)
    assert ours.t_stat == pytest.approx(t_ref, rel=1e-8)
    # the same 256 statistics, and the same p-value when ties count as at least as extreme
    assert ours.p_value == _at_least_as_extreme(t_ref, t_boot)
    assert ours.p_value >= 2 / 2**8  # the observed sign vector and its mirror always tie


def _tied_design():
    """8 clusters of 4; within the treated and the control clusters two types (bases A
    and B) of clusters identical up to sign, so whole groups of sign vectors give the
    same |t|: 18 of the 256 tie with the observed statistic."""
    cl = np.repeat(np.arange(8), 4)
    treat = np.array([1, 1, 1, 1, 0, 0, 0, 0.0])
    kind = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    bases = np.array([[0.4, 0.7, -1.2, -0.7], [-0.4, -1.2, 1.7, -0.5]])
    signs = np.array([1, -1, 1, 1, 1, -1, -1, -1.0])
    y = (signs[:, None] * bases[kind]).ravel() + 0.3 * treat[cl]
    return np.column_stack([np.ones(len(cl)), treat[cl]]), y, cl


def test_full_enumeration_counts_ties_on_a_design_with_ties():
    X, y, cl = _tied_design()
    ours = wild_cluster_bootstrap(X, y, cl, 1, draws=9999, weights="rademacher")
    t_ref, t_boot = wildboottest_t(X, y, cl)
    tied = np.isclose(np.abs(t_boot), abs(t_ref), rtol=1e-8)
    assert tied.sum() == 18 and np.isfinite(t_boot).all()
    # 26 sign vectors give a larger |t|, 18 tie: p = 44/256
    assert (np.abs(t_boot) > abs(t_ref) * (1 + 1e-8)).sum() == 26
    assert ours.p_value == 44 / 256 == _at_least_as_extreme(t_ref, t_boot)
    strict = np.mean(np.abs(t_boot) > abs(t_ref))  # wildboottest's own rule: ties lost to rounding
    assert strict < ours.p_value


def test_bootstrap_interval_inverts_the_bootstrap_test():
    """The interval's ends are where the WCR p-value (ours and wildboottest's, same
    enumeration) crosses 0,05; the estimate lies inside."""
    X, y, cl = _data(seed=7, beta=0.5)
    X, y = X.to_numpy(), y.to_numpy()
    res = wild_bootstrap_ci(X, y, cl, 1, draws=9999, weights="rademacher")
    low, high = res.ci_low, res.ci_high
    assert res.p_value == wild_cluster_bootstrap(X, y, cl, 1, draws=9999, weights="rademacher").p_value
    beta = np.linalg.lstsq(X, y, rcond=None)[0][1]
    assert low < beta < high
    se = cluster_robust_se(X, y - X @ np.linalg.lstsq(X, y, rcond=None)[0], cl)[1]
    for end, outward in ((low, -1), (high, 1)):
        inside, outside = end - outward * 1e-3 * se, end + outward * 1e-3 * se
        assert wild_cluster_bootstrap(X, y - inside * X[:, 1], cl, 1, weights="rademacher").p_value > 0.05
        assert wild_cluster_bootstrap(X, y - outside * X[:, 1], cl, 1, weights="rademacher").p_value <= 0.05
        assert _at_least_as_extreme(*wildboottest_t(X, y - inside * X[:, 1], cl)) > 0.05
        assert _at_least_as_extreme(*wildboottest_t(X, y - outside * X[:, 1], cl)) <= 0.05


def test_bootstrap_interval_near_cluster_t_with_many_clusters():
    X, y, cl = _data(g=60, per=5, beta=0.4, seed=11)
    res = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl}, use_t=True)
    wild = wild_bootstrap_ci(X.to_numpy(), y.to_numpy(), cl, 1, draws=1999, weights="webb", seed=2)
    low, high = wild.ci_low, wild.ci_high
    ref_low, ref_high = res.conf_int().loc["x"]
    assert low == pytest.approx(ref_low, abs=0.1 * (ref_high - ref_low))
    assert high == pytest.approx(ref_high, abs=0.1 * (ref_high - ref_low))


def test_nested_fixed_effects_convention_matches_pyfixest():
    """Municipality effects absorbed by demeaning, K = regressors + 1: fixest's default."""
    import warnings

    import pyfixest as pf

    X, y, cl = _data(g=13, per=6, beta=0.2, seed=9)
    df = pd.DataFrame({"y": y, "x": X["x"], "z": X["z"], "g": cl})
    dm = df[["y", "x", "z"]] - df.groupby("g")[["y", "x", "z"]].transform("mean")
    Xd = dm[["x", "z"]].to_numpy()
    beta = np.linalg.lstsq(Xd, dm["y"].to_numpy(), rcond=None)[0]
    ours = cluster_robust_se(Xd, dm["y"].to_numpy() - Xd @ beta, cl, df_k=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ x + z | g", df, vcov={"CRV1": "g"}, ssc=pf.ssc(k_adj=False, G_adj=False))
    n, g = len(df), 13
    fixest = ref.se().to_numpy() * np.sqrt(g / (g - 1) * (n - 1) / (n - 3))
    np.testing.assert_allclose(ours, fixest, rtol=1e-8)
    dummies = cluster_robust_se(Xd, dm["y"].to_numpy() - Xd @ beta, cl, df_k=2 + 13)
    assert dummies[0] / ours[0] == pytest.approx(np.sqrt((n - 3) / (n - 15)))  # what counting the dummies costs


def test_webb_weights_agree_with_wildboottest_within_monte_carlo_error():
    from wildboottest.wildboottest import wildboottest

    X, y, cl = _data(g=13, per=6, beta=0.25, seed=5)
    ours = wild_cluster_bootstrap(X.to_numpy(), y.to_numpy(), cl, 1, draws=19999, weights="webb", seed=3)
    ref = wildboottest(sm.OLS(y, X), param="x", cluster=cl, B=19999, weights_type="webb", impose_null=True,
                       bootstrap_type="11", seed=4, show=False, parallel=False)
    assert ours.p_value == pytest.approx(float(np.ravel(ref.loc["x", "p-value"])[0]), abs=0.02)


def test_wild_bootstrap_size_under_the_null():
    rejections = 0
    for seed in range(40):
        X, y, cl = _data(g=10, per=8, beta=0.0, seed=100 + seed)
        rejections += wild_cluster_bootstrap(X.to_numpy(), y.to_numpy(), cl, 1, draws=399, seed=seed).p_value < 0.05
    assert rejections <= 6  # about 2 expected at 5 %


def test_exact_permutation_matches_scipy_and_enumeration():
    values = np.array([-49.0, -46.5, -2.5, -20.0, -31.0, -6.0, -47.0, -37.0, -8.0, -45.0, -45.0])
    group = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], bool)
    ours = exact_permutation_test(values, group)
    assert ours.permutations == 165 and ours.studentised  # C(11, 3)
    welch = lambda a, b: abs(stats.ttest_ind(a, b, equal_var=False).statistic)  # noqa: E731
    ref = stats.permutation_test((values[group], values[~group]), welch, permutation_type="independent",
                                 n_resamples=np.inf, alternative="greater")
    assert ours.statistic == pytest.approx(values[group].mean() - values[~group].mean())
    assert ours.p_value == pytest.approx(ref.pvalue)
    # by hand: the share of the 165 splits with a Welch t at least as extreme
    obs = welch(values[group], values[~group])
    hand = np.mean([welch(values[list(c)], np.delete(values, list(c))) >= obs * (1 - 1e-10)
                    for c in itertools.combinations(range(11), 3)])
    assert ours.p_value == pytest.approx(hand)


def test_studentised_permutation_differs_from_the_raw_difference_with_unequal_spread():
    """One tight group and one dispersed: the raw difference in means and Welch's t rank
    the splits differently, so the p-values differ; the studentised one is the one kept."""
    values = np.array([10.0, 10.2, 9.9, 10.1, 0.0, 25.0, -8.0, 30.0, 2.0, 19.0])
    group = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    ours = exact_permutation_test(values, group)
    raw = np.mean([abs(values[list(c)].mean() - np.delete(values, list(c)).mean())
                   >= abs(ours.statistic) * (1 - 1e-10) for c in itertools.combinations(range(10), 4)])
    assert ours.p_value != pytest.approx(raw)


def test_one_member_group_falls_back_to_the_raw_difference():
    res = exact_permutation_test(np.array([5.0, 1.0, 2.0, 3.0]), np.array([1, 0, 0, 0], bool))
    assert not res.studentised and res.p_value == pytest.approx(0.25)


def test_permutation_needs_two_groups():
    with pytest.raises(ValueError):
        exact_permutation_test(np.array([1.0, 2.0]), np.array([True, True]))
