"""The random-effects meta-analysis against a hand computation, statsmodels and
published metafor output.

Reference figures and where they come from:

- BCG vaccine trials (Colditz et al. 1994, metafor's ``dat.bcg``), log risk ratios.
  DerSimonian–Laird and fixed effect: metafor's own test file
  ``tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r`` (wviechtb/metafor;
  checked there against Stata's ``metan``): FE −0,4303, Q = 152,2330; DL −0,7141,
  CI −1,0644 to −0,3638, τ² = 0,3088, I² = 92,1173 %.
  REML: metafor's printed ``rma(yi, vi, data=dat)`` output for the same data
  (τ² = 0,3132, estimate −0,7145, se 0,1798, CI −1,0669 to −0,3622, I² = 92,22 %),
  as reproduced in package documentation that fits it (e.g. RoBMA's vignette).
- Kacker (2004) interlaboratory example, computed with R metafor and stored in
  statsmodels' test results ``statsmodels/stats/tests/results/results_meta.py``
  (``exk1_metafor`` = Paule–Mandel, ``exk1_dl``, ``exk1_dl_hksj`` = DL with
  ``test="knha"``).
"""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from fou.effects.evidence import meta
BCG = np.array([[4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
                [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
                [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
                [27, 16886, 29, 17825]], dtype=float)  # tpos, tneg, cpos, cneg
KACKER_Y = np.array([61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9])
KACKER_V = np.array([0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])


@pytest.fixture(scope="module")
def bcg():
    a, b, c, d = BCG.T
    yi = np.log(a / (a + b)) - np.log(c / (c + d))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return yi, np.sqrt(vi)


def test_bcg_reml_matches_metafor(bcg):
    res = meta.random_effects(*bcg, tau2_method="reml", ci_method="normal")
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.std_error == pytest.approx(0.1798, abs=5e-5)
    assert (res.ci_low, res.ci_high) == pytest.approx((-1.0669, -0.3622), abs=5e-5)
    assert res.i2 == pytest.approx(0.9222, abs=5e-5)
    assert res.q == pytest.approx(152.2330, abs=5e-4) and res.q_df == 12


def test_bcg_dersimonian_laird_matches_metafor(bcg):
    res = meta.random_effects(*bcg, tau2_method="dl", ci_method="normal")
    assert res.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert (res.ci_low, res.ci_high) == pytest.approx((-1.0644, -0.3638), abs=5e-5)
    assert res.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert 100 * res.i2 == pytest.approx(92.1173, abs=5e-4)


def test_kacker_example_matches_metafor_via_statsmodels_results():
    se = np.sqrt(KACKER_V)
    pm = meta.random_effects(KACKER_Y, se, tau2_method="pm", ci_method="normal")
    assert pm.tau2 == pytest.approx(0.705395309224248, rel=1e-6)
    assert pm.estimate == pytest.approx(62.4076199113286, rel=1e-9)
    assert pm.std_error == pytest.approx(0.338030602684471, rel=1e-6)
    dl = meta.random_effects(KACKER_Y, se, tau2_method="dl", ci_method="normal")
    assert dl.tau2 == pytest.approx(0.288049246973751, rel=1e-8)
    assert dl.std_error == pytest.approx(0.245749668040304, rel=1e-8)
    hk = meta.random_effects(KACKER_Y, se, tau2_method="dl", ci_method="hk")
    assert hk.std_error == pytest.approx(0.29477605699879, rel=1e-8)
    assert (hk.ci_low, hk.ci_high) == pytest.approx((61.710383798052, 63.0698934108488), rel=1e-9)
    assert 100 * dl.i2 == pytest.approx(67.744403741711, rel=1e-8)


def test_hartung_knapp_matches_statsmodels_reference(bcg):
    y, se = bcg
    sm = combine_effects(y, se**2, method_re="iterated")  # Paule–Mandel in statsmodels
    ours = meta.random_effects(y, se, tau2_method="pm", ci_method="hk")
    assert ours.tau2 == pytest.approx(sm.tau2, rel=1e-4)
    assert ours.estimate == pytest.approx(sm.mean_effect_re, rel=1e-5)
    assert ours.std_error == pytest.approx(sm.sd_eff_w_re_hksj, rel=1e-4)


def test_hand_computation_small_k():
    y = np.array([-2.0, 0.5, -4.0, 1.0])
    se = np.array([1.0, 0.8, 1.5, 1.2])
    res = meta.random_effects(y, se, tau2_method="dl", ci_method="hk")
    w = 1 / se**2
    fixed = (w * y).sum() / w.sum()
    q = (w * (y - fixed) ** 2).sum()
    tau2 = max(0.0, (q - 3) / (w.sum() - (w**2).sum() / w.sum()))
    w_re = 1 / (se**2 + tau2)
    mu = (w_re * y).sum() / w_re.sum()
    var_hk = (w_re * (y - mu) ** 2).sum() / (3 * w_re.sum())
    t3 = stats.t.ppf(0.975, 3)
    assert res.q == pytest.approx(q) and res.tau2 == pytest.approx(tau2) and res.estimate == pytest.approx(mu)
    assert res.std_error == pytest.approx(np.sqrt(var_hk))
    assert res.ci_high - res.estimate == pytest.approx(t3 * np.sqrt(var_hk))
    assert res.i2 == pytest.approx((q - 3) / q)  # DL: the τ²-based I² equals (Q − df)/Q
    half_pi = stats.t.ppf(0.975, 2) * np.sqrt(tau2 + var_hk)
    assert (res.pi_low, res.pi_high) == pytest.approx((mu - half_pi, mu + half_pi))


def test_hk_interval_is_wider_than_normal_with_few_studies():
    y = np.array([-2.5, 0.0, 1.0, -1.0, 0.5])
    se = np.array([1.2, 0.9, 1.1, 1.0, 1.3])
    hk = meta.random_effects(y, se)
    wald = meta.random_effects(y, se, ci_method="normal")
    assert hk.estimate == pytest.approx(wald.estimate)
    assert (hk.ci_high - hk.ci_low) > (wald.ci_high - wald.ci_low)
    assert hk.tau2_method == "reml" and hk.ci_method == "hk" and hk.df == 4


def test_reml_zero_when_estimates_agree_more_than_chance():
    y = np.array([1.0, 1.01, 0.99])
    se = np.array([0.5, 0.5, 0.5])
    for method in meta.TAU2_METHODS:
        assert meta.tau2_estimate(y, se**2, method) == 0.0


def test_two_estimates_have_no_prediction_interval():
    res = meta.random_effects([1.0, 2.0], [0.5, 0.6])
    assert np.isnan(res.pi_low) and res.df == 1


def test_leave_one_out_drops_each_estimate(bcg):
    y, se = bcg
    labels = [f"t{i}" for i in range(len(y))]
    loo = meta.leave_one_out(y, se, labels)
    assert list(loo["left_out"]) == labels and (loo["k"] == 12).all()
    third = meta.random_effects(np.delete(y, 2), np.delete(se, 2))
    assert loo.loc[2, "estimate"] == pytest.approx(third.estimate)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least two"):
        meta.random_effects([1.0], [0.5])
    with pytest.raises(ValueError, match="positive"):
        meta.random_effects([1.0, 2.0], [0.5, 0.0])
    with pytest.raises(ValueError, match="tau2 method"):
        meta.random_effects([1.0, 2.0], [0.5, 0.4], tau2_method="ml")
    with pytest.raises(ValueError, match="ci method"):
        meta.random_effects([1.0, 2.0], [0.5, 0.4], ci_method="z")


def test_standard_errors_derived_from_published_intervals_and_t():
    assert meta.se_from_ci(-1.2, 2.0) == pytest.approx(3.2 / (2 * 1.959964), rel=1e-6)
    assert meta.se_from_t(-2.5, -2.0) == pytest.approx(1.25)
