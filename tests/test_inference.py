"""Few-cluster inference against reference implementations (statsmodels, wildboottest, scipy)."""

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from fou.effects.inference import cluster_robust_se, exact_permutation_test, wild_cluster_bootstrap


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


@pytest.mark.filterwarnings("ignore:2\\^G:UserWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_enumeration_matches_wildboottest(seed):
    from wildboottest.wildboottest import wildboottest

    X, y, cl = _data(seed=seed, beta=0.3)
    ours = wild_cluster_bootstrap(X.to_numpy(), y.to_numpy(), cl, 1, draws=9999, weights="rademacher")
    ref = wildboottest(sm.OLS(y, X), param="x", cluster=cl, B=9999, weights_type="rademacher", impose_null=True,
                       bootstrap_type="11", seed=1, show=False, parallel=False)
    assert "full enumeration" in ours.weights and ours.draws == 2**8
    assert ours.t_stat == pytest.approx(float(np.ravel(ref.loc["x", "statistic"])[0]), rel=1e-8)
    assert ours.p_value == pytest.approx(float(np.ravel(ref.loc["x", "p-value"])[0]), abs=1.5 / 2**8)


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
    assert ours.permutations == 165  # C(11, 3)
    ref = stats.permutation_test((values[group], values[~group]), lambda a, b: abs(np.mean(a) - np.mean(b)),
                                 permutation_type="independent", n_resamples=np.inf, alternative="greater")
    assert abs(ours.statistic) == pytest.approx(ref.statistic)
    assert ours.statistic == pytest.approx(values[group].mean() - values[~group].mean())
    assert ours.p_value == pytest.approx(ref.pvalue)
    # by hand: the share of the 165 splits at least as extreme
    obs = abs(values[group].mean() - values[~group].mean())
    hand = np.mean([abs(values[list(c)].mean() - np.delete(values, list(c)).mean()) >= obs - 1e-12
                    for c in itertools.combinations(range(11), 3)])
    assert ours.p_value == pytest.approx(hand)


def test_permutation_needs_two_groups():
    with pytest.raises(ValueError):
        exact_permutation_test(np.array([1.0, 2.0]), np.array([True, True]))
