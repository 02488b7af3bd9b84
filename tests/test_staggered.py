"""Staggered DiD for the KROM pilot: known truth on generated data, pyfixest on the shipped data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from fou.effects.pilot import staggered as st
from fou.effects.pilot import twfe
from fou.effects.randomisation import randomisation_test, stratified_assignments
from fou.extracts.format import load_extract
from fou.extracts.paths import data_dir

OUTCOMES = ["U40455", "N03920", "N03926", "N31807", "N31816"]


@pytest.fixture(scope="module")
def national():
    return load_extract(data_dir() / "extracts" / "kolada-national").values


@pytest.fixture(scope="module")
def pilots():
    return pd.read_csv(data_dir() / "reference" / "krom_pilot_municipalities.csv", dtype=str)["municipality_id"]


def _values(wide: pd.DataFrame, kpi: str) -> pd.DataFrame:
    long = wide.stack().dropna().rename("value").reset_index()
    long.columns = ["municipality_id", "year", "value"]
    return long.assign(kpi=kpi, gender="T")


def _staggered(n=3000, seed=0, pilot_effect=3.0, later_effect=5.0):
    """Pilots (first 10 %) treated from 2020 with ``pilot_effect``; every other unit
    treated from 2021 with ``later_effect``; unit levels and common year shocks."""
    rng = np.random.default_rng(seed)
    years = np.arange(2016, 2023)
    ids = np.array([f"{1000 + i}" for i in range(n)])
    pilot = np.arange(n) < n // 10
    level = rng.normal(40, 8, n)
    shock = rng.normal(0, 2, len(years))
    y = level[:, None] + shock[None, :] + rng.normal(0, 1, (n, len(years)))
    y += np.where(pilot[:, None] & (years >= 2020), pilot_effect, 0.0)
    y += np.where(~pilot[:, None] & (years >= 2021), later_effect, 0.0)
    return pd.DataFrame(y, index=pd.Index(ids, name="municipality_id"), columns=years), ids[pilot]


def test_att_recovers_the_clean_effect_and_marks_contamination():
    wide, treated = _staggered()
    res = {t: st.att(st.long_difference(wide, treated, t)) for t in st.KROM.years if t != 2019}
    assert res[2020].ci_low < 3.0 < res[2020].ci_high and abs(res[2020].estimate - 3.0) < 0.2
    # 2021-22: the comparison units are treated too, so the contrast is 3 − 5 = −2, not the pilot effect
    assert abs(res[2021].estimate - (-2.0)) < 0.2 and abs(res[2022].estimate - (-2.0)) < 0.2
    for t in (2016, 2017, 2018):  # placebo years: no effect
        assert res[t].ci_low < 0 < res[t].ci_high
    assert [st.KROM.period(t) for t in (2016, 2019, 2020, 2021, 2022)] == [
        "placebo", "base", "clean", "contaminated", "contaminated"]
    assert res[2020].n_treated == 300 and res[2020].n_control == 2700


def test_pooled_twfe_mixes_in_forbidden_comparisons():
    wide, treated = _staggered()
    pooled = twfe.twfe_did(wide, treated, post_years=(2020, 2021, 2022))
    assert abs(pooled["estimate"] - 3.0) > 1.5  # later-treated units serve as controls after 2021
    clean = twfe.twfe_did(wide, treated, post_years=(2020,))
    assert abs(clean["estimate"] - 3.0) < 0.2  # with only the clean year it is the 2×2


def test_weighting_changes_the_estimand():
    """Effects 1 in small units and 5 in large ones: the population-weighted ATT is the
    weighted mean effect, the unweighted one the simple mean."""
    rng = np.random.default_rng(4)
    n = 4000
    ids = np.array([f"{1000 + i}" for i in range(n)])
    pilot = rng.random(n) < 0.3
    pop = np.where(rng.random(n) < 0.5, 1_000.0, 9_000.0)
    effect = np.where(pop > 5_000, 5.0, 1.0)
    y19 = rng.normal(40, 5, n)
    y20 = y19 + 0.5 + rng.normal(0, 0.5, n) + pilot * effect
    wide = pd.DataFrame({2019: y19, 2020: y20}, index=pd.Index(ids, name="municipality_id")).reindex(
        columns=st.KROM.years)
    weights = pd.Series(pop, index=ids)
    unweighted = st.att(st.long_difference(wide, ids[pilot], 2020))
    weighted = st.att(st.long_difference(wide, ids[pilot], 2020, weights=weights))
    truth_u = effect[pilot].mean()
    truth_w = np.average(effect[pilot], weights=pop[pilot])
    assert unweighted.ci_low < truth_u < unweighted.ci_high
    assert weighted.ci_low < truth_w < weighted.ci_high
    assert abs(truth_w - truth_u) > 10 * max(unweighted.std_error, weighted.std_error)


def test_difference_statistics_equal_statsmodels_wls_with_cluster_errors():
    rng = np.random.default_rng(1)
    n = 60
    delta, d, w = rng.normal(size=n), rng.random(n) < 0.3, rng.uniform(1, 10, n)
    est, se = st.difference_statistics(delta, d, w)
    X = sm.add_constant(d.astype(float))
    ref = sm.WLS(delta, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": np.arange(n)})
    assert est == pytest.approx(ref.params[1], rel=1e-12)
    assert se == pytest.approx(ref.bse[1], rel=1e-12)
    many = np.vstack([d, ~d, np.roll(d, 3)])
    e2, s2 = st.difference_statistics(delta, many, w)
    assert e2[0] == pytest.approx(est) and s2[0] == pytest.approx(se) and e2[1] == pytest.approx(-est)


def test_headline_on_the_shipped_data_by_hand(national, pilots):
    """U40455, 2020 against 2019, municipalities observed in both years, unweighted."""
    v = national[(national["kpi"] == "U40455") & (national["gender"] == "T") & national["value"].notna()]
    v = v[~v["municipality_id"].str.startswith("00")]
    wide = v.pivot(index="municipality_id", columns="year", values="value")
    change = (wide[2020] - wide[2019]).dropna()
    is_pilot = change.index.isin(set(pilots))
    table = st.att_table(national, pilots, ["U40455"], samples=("unbalanced",), weightings=("unweighted",))
    row = table[table["year"] == 2020].iloc[0]
    assert row["estimate"] == pytest.approx(change[is_pilot].mean() - change[~is_pilot].mean(), rel=1e-12)
    assert row["estimate"] == pytest.approx(-1.1955, abs=5e-4)
    assert (row["n_treated"], row["n_control"]) == (24, 194)
    assert list(table.columns[:11]) == st.COLUMNS


def _pyfixest_2x2(wide, treated, weights=None):
    import pyfixest as pf

    long = wide[[2019, 2020]].dropna().stack().rename("y").reset_index()
    long.columns = ["m", "year", "y"]
    long["treat"] = (long["m"].isin(set(treated)) & (long["year"] == 2020)).astype(float)
    long["w"] = 1.0 if weights is None else long["m"].map(weights)
    long = long.dropna(subset=["w"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # no small-sample factors: the sandwich itself is compared, the factors by formula
        return pf.feols("y ~ treat | m + year", long, vcov={"CRV1": "m"}, weights="w",
                        ssc=pf.ssc(k_adj=False, G_adj=False)), long


@pytest.mark.parametrize("kpi", OUTCOMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_2x2_equals_pyfixest_twfe_on_two_years(national, pilots, kpi, weighted):
    wide = st.wide_panel(national, kpi, st.KROM.years)
    weights = st.population_weights(national, 2019) if weighted else None
    ld = st.long_difference(wide, pilots, 2020, weights=weights)
    ours = st.att(ld)
    ref, _ = _pyfixest_2x2(wide, pilots, weights)
    assert ours.estimate == pytest.approx(float(ref.coef().iloc[0]), rel=1e-9, abs=1e-12)
    n = len(ld.delta)
    # our CR1 on one long difference per municipality: G/(G−1)·(N−1)/(N−K) = n/(n−2)
    assert ours.std_error == pytest.approx(float(ref.se().iloc[0]) * np.sqrt(n / (n - 2)), rel=1e-7)


@pytest.mark.parametrize("kpi", ["U40455", "N31807"])
def test_balanced_long_differences_equal_the_pyfixest_event_study(national, pilots, kpi):
    import pyfixest as pf

    wide = st.wide_panel(national, kpi, st.KROM.years)
    table = st.att_table(national, pilots, [kpi], samples=("balanced",), weightings=("unweighted",))
    balanced = wide.dropna()
    long = twfe.long_panel(balanced, pilots)
    terms = []
    for year in st.KROM.years:
        if year != 2019:
            long[f"ev{year}"] = ((long["year"] == year) & (long["pilot"] == 1)).astype(float)
            terms.append(f"ev{year}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ " + " + ".join(terms) + " | municipality_id + year", long,
                       vcov={"CRV1": "municipality_id"})
    for year, est in zip(table["year"], table["estimate"]):
        assert est == pytest.approx(float(ref.coef()[f"ev{year}"]), rel=1e-8, abs=1e-10)


def test_twfe_event_study_equals_pyfixest_and_differs_from_the_2x2(national, pilots):
    import pyfixest as pf

    wide = st.wide_panel(national, "U40455", st.KROM.years)
    ours = twfe.twfe_event_study(wide, pilots).set_index("year")
    long = twfe.long_panel(wide, pilots)
    terms = []
    for year in st.KROM.years:
        if year != 2019:
            long[f"ev{year}"] = ((long["year"] == year) & (long["pilot"] == 1)).astype(float)
            terms.append(f"ev{year}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("y ~ " + " + ".join(terms) + " | municipality_id + year", long,
                       vcov={"CRV1": "municipality_id"}, ssc=pf.ssc(k_adj=False, G_adj=False))
    n, g = ref._N, long[long.groupby("municipality_id")["y"].transform("size") > 1]["municipality_id"].nunique()
    k = len(terms) + 7  # fixest's nested rule: regressors, 6 year dummies, 1 for the nested municipality effects
    factor = np.sqrt(g / (g - 1) * (n - 1) / (n - k))
    for year in ours.index:
        assert ours.loc[year, "estimate"] == pytest.approx(float(ref.coef()[f"ev{year}"]), rel=1e-8)
        assert ours.loc[year, "std_error"] == pytest.approx(float(ref.se()[f"ev{year}"]) * factor, rel=1e-6)
    # the numbers: TWFE +0,64 for 2020 against −1,20 for the 2×2
    assert ours.loc[2020, "estimate"] == pytest.approx(0.64, abs=0.005)


def test_stratified_assignments_keep_counts_per_stratum():
    treated = np.array([1, 1, 0, 0, 0, 1, 0, 0, 0, 0], bool)
    strata = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    draws = stratified_assignments(treated, strata, 500, np.random.default_rng(0))
    for s in (0, 1, 2):
        assert (draws[:, strata == s].sum(axis=1) == treated[strata == s].sum()).all()
    assert not draws[:, strata == 2].any()  # a stratum without pilots never gets one
    assert len({tuple(r) for r in draws[:, strata == 0]}) == 6  # C(4, 2): every split appears


def test_randomisation_test_matches_full_enumeration_within_monte_carlo_error():
    from itertools import combinations

    rng = np.random.default_rng(2)
    delta = rng.normal(size=12) + np.r_[np.full(4, 1.0), np.zeros(8)]
    treated = np.r_[np.ones(4, bool), np.zeros(8, bool)]
    res = randomisation_test(delta, treated, draws=4999, seed=1)
    est, se = st.difference_statistics(delta, treated, np.ones(12))
    t_obs = abs(est / se)
    exact = []
    for c in combinations(range(12), 4):
        d = np.zeros(12, bool)
        d[list(c)] = True
        e, s = st.difference_statistics(delta, d, np.ones(12))
        exact.append(abs(e / s) >= t_obs * (1 - 1e-10))
    assert res.p_value == pytest.approx(np.mean(exact), abs=0.02)


def test_placebo_wald_equals_a_stacked_regression_with_cluster_errors(national, pilots):
    """Balanced N31807: the three placebo ATTs from one stacked regression of the long
    differences (year × pilot dummies, errors clustered by municipality, no small-sample
    factor) have the covariance our influence functions give, up to G/(G − 1)."""
    wide = st.wide_panel(national, "N31807", st.KROM.years).dropna()
    res = st.placebo_wald(wide, pilots, sample="balanced")
    rows = []
    for year in (2016, 2017, 2018):
        d = (wide[year] - wide[2019]).rename("delta").reset_index()
        rows.append(d.assign(year=year))
    d = pd.concat(rows)
    d["pilot"] = d["municipality_id"].isin(set(pilots)).astype(float)
    X = pd.concat([pd.get_dummies(d["year"], dtype=float),
                   pd.get_dummies(d["year"], dtype=float).mul(d["pilot"], axis=0).add_prefix("p")], axis=1)
    fit = sm.OLS(d["delta"].to_numpy(), X.to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d["municipality_id"])[0], "use_correction": False})
    g = len(wide)
    theta, vcov = fit.params[3:], fit.cov_params()[3:, 3:] * g / (g - 1)
    assert res["q"] == 3 and res["n_units"] == g
    assert res["F"] == pytest.approx(theta @ np.linalg.solve(vcov, theta) / 3, rel=1e-9)


def test_placebo_wald_detects_a_planted_pre_trend():
    wide, treated = _staggered(n=1000, seed=3)
    assert st.placebo_wald(wide, treated)["p_value"] > 0.01
    trend = wide.copy()
    trend.loc[trend.index.isin(treated), [2016, 2017, 2018]] += np.array([1.5, 1.0, 0.5])
    assert st.placebo_wald(trend, treated)["p_value"] < 1e-6
