"""Covariate-adjusted ATT(2020) of the KROM pilot: the doubly robust difference-in-differences
of Sant'Anna & Zhao (2020), "Doubly robust difference-in-differences estimators",
J. Econometrics 219(1), for panel data (their traditional DR estimator, R's
``DRDID::drdid_panel``), and the minimum detectable effect of an ATT.

With ΔY = Y_2020 − Y_2019 per municipality, D = pilot, X = pre-2020 covariates (with a
constant), a logistic propensity score p(X) and a linear regression m(X) of ΔY on X among
the comparison municipalities::

    ATT_DR = E[w1 (ΔY − m(X))] − E[w0 (ΔY − m(X))],
    w1 = D / E[D],  w0 = (p(X)(1 − D)/(1 − p(X))) / E[p(X)(1 − D)/(1 − p(X))]

It is consistent if either the propensity score or the outcome regression is right.
Standard error: the standard deviation of the estimator's influence function (which
accounts for estimating both nuisance models) over √n; normal intervals and p-values.

The covariates are measured in 2019 (the base year, before the pilot started in April
2020): unemployment N03920, economic assistance N31807 and log population N01951.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from fou.effects.pilot.staggered import KROM, Design, municipalities_only, wide_panel

COVARIATES = {"N03920": "arbetslösa 18–65 år (andel)", "N31807": "invånare med ekonomiskt bistånd (andel)",
              "N01951": "invånare (logaritm)"}
LOG = ("N01951",)


@dataclass(frozen=True)
class DrResult:
    """The DR-DiD ATT with its influence-function standard error."""

    estimate: float
    std_error: float
    p_value: float
    ci_low: float
    ci_high: float
    n_treated: int
    n_control: int
    covariates: tuple[str, ...]
    covariate_year: int


def covariate_frame(values: pd.DataFrame, kpis: Sequence[str] = tuple(COVARIATES), year: int = KROM.base) -> pd.DataFrame:
    """Municipalities × covariates measured in ``year`` (population in logs); missing stays NaN."""
    v = municipalities_only(values)
    v = v[v["kpi"].isin(list(kpis)) & (v["year"] == year)]
    wide = v.pivot_table(index="municipality_id", columns="kpi", values="value", aggfunc="first").reindex(columns=list(kpis))
    for kpi in LOG:
        if kpi in wide:
            wide[kpi] = np.log(wide[kpi].where(wide[kpi] > 0))
    return wide


def drdid_panel(delta: np.ndarray, treated: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Sant'Anna & Zhao's doubly robust DiD for panel data: the ATT and its influence
    function (one value per unit). ``X`` must include the constant."""
    delta, d, X = np.asarray(delta, float), np.asarray(treated, float), np.asarray(X, float)
    n = len(d)
    ps_fit = sm.GLM(d, X, family=sm.families.Binomial()).fit()
    ps = np.minimum(ps_fit.predict(X), 1 - 1e-6)
    control = d == 0
    beta = np.linalg.lstsq(X[control], delta[control], rcond=None)[0]
    resid = delta - X @ beta
    w1 = d
    w0 = ps * (1 - d) / (1 - ps)
    eta1 = np.mean(w1 * resid) / np.mean(w1)
    eta0 = np.mean(w0 * resid) / np.mean(w0)
    # influence of the outcome regression (OLS among the controls) and of the logit
    xtx = (X * (1 - d)[:, None]).T @ X / n
    lin_ols = ((1 - d) * resid)[:, None] * X @ np.linalg.inv(xtx)
    hessian = (X * (ps * (1 - ps))[:, None]).T @ X / n
    lin_ps = ((d - ps)[:, None] * X) @ np.linalg.inv(hessian)
    inf1 = (w1 * resid - w1 * eta1 - lin_ols @ np.mean(w1[:, None] * X, axis=0)) / np.mean(w1)
    inf0 = (w0 * resid - w0 * eta0 + lin_ps @ np.mean((w0 * (resid - eta0))[:, None] * X, axis=0)
            - lin_ols @ np.mean(w0[:, None] * X, axis=0)) / np.mean(w0)
    return float(eta1 - eta0), inf1 - inf0


def dr_att(values: pd.DataFrame, treated_ids: Iterable[str], outcome: str, design: Design = KROM,
           kpis: Sequence[str] = tuple(COVARIATES), level: float = 0.95) -> DrResult:
    """DR-DiD ATT(cohort) of ``outcome`` against the base year, on the municipalities with the
    outcome in both years and every covariate in the base year; NaN with fewer than two
    units in a group or no covariate."""
    wide = wide_panel(values, outcome, [design.base, design.cohort])
    cov = covariate_frame(values, kpis, design.base).dropna(axis=1, how="all")
    data = wide.join(cov, how="inner").dropna()
    d = data.index.isin(set(treated_ids))
    n1, n0 = int(d.sum()), int((~d).sum())
    used = tuple(cov.columns)
    if n1 < 2 or n0 < 2 or not used:
        return DrResult(*(np.nan,) * 5, n1, n0, used, design.base)
    X = np.column_stack([np.ones(len(data)), data[list(used)].to_numpy(float)])
    delta = (data[design.cohort] - data[design.base]).to_numpy(float)
    est, inf = drdid_panel(delta, d, X)
    se = float(np.std(inf, ddof=1) / np.sqrt(len(inf)))
    q = stats.norm.ppf(0.5 + level / 2)
    return DrResult(est, se, float(2 * stats.norm.sf(abs(est / se))), est - q * se, est + q * se, n1, n0, used, design.base)


def minimum_detectable_effect(std_error: float, df: float | None = None, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest true effect a two-sided test at ``alpha`` detects with probability ``power``:
    (t_{1−α/2} + t_{power})·SE (normal quantiles when ``df`` is None); Bloom (1995)."""
    dist = stats.norm if df is None else stats.t(df)
    return float((dist.ppf(1 - alpha / 2) + dist.ppf(power)) * std_error)
