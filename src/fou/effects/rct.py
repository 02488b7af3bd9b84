"""Estimators for two-stage randomised designs (markets get a treated share, then
individuals are assigned within markets), as in Crépon et al. (2013).

All return :class:`Estimate`. OLS and cluster-robust errors come from statsmodels
(its default small-sample correction, t inference with G − 1 degrees of freedom);
two-stage least squares from linearmodels. Strata fixed effects are absorbed by
demeaning within strata (Frisch–Waugh–Lovell), which gives the same coefficients and
residuals as strata dummies; the small-sample correction still counts the absorbed
dummies, so the results equal a regression with ``C(strata)`` to rounding error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its uncertainty and sample size."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    nobs: int
    n_clusters: int | None = None
    label: str = ""

    def covers(self, truth: float) -> bool:
        return self.ci_low <= truth <= self.ci_high

    def as_dict(self) -> dict:
        return asdict(self)


def _design(df: pd.DataFrame, regressors: Sequence[str], controls: Sequence[str], strata: str | None) -> pd.DataFrame:
    """Regressors and controls with a constant, or demeaned within strata (no constant)."""
    X = df[list(regressors) + list(controls)].astype(float)
    if strata is None:
        return sm.add_constant(X, has_constant="add")
    return _demean(X, df[strata])


def _demean(frame: pd.DataFrame | pd.Series, strata: pd.Series):
    """Deviations from strata means (absorbs strata fixed effects)."""
    return frame - frame.groupby(strata.to_numpy()).transform("mean")


def _absorbed(df: pd.DataFrame, strata: str | None) -> int:
    """Columns a dummy regression would have had for the strata (constant included)."""
    return int(df[strata].nunique()) if strata is not None else 0


def _rescaled(est: Estimate, nobs: int, k_fit: int, k_full: int, dof: int | None) -> Estimate:
    """Apply the small-sample correction of the full dummy regression to an absorbed fit."""
    if k_full == k_fit:
        return est
    from scipy import stats

    se = est.std_error * np.sqrt((nobs - k_fit) / (nobs - k_full))
    t = est.estimate / se
    if dof is None:
        p, crit = 2 * stats.norm.sf(abs(t)), stats.norm.ppf(0.975)
    else:
        p, crit = 2 * stats.t.sf(abs(t), dof), stats.t.ppf(0.975, dof)
    return Estimate(est.estimate, float(se), est.estimate - crit * float(se), est.estimate + crit * float(se),
                    float(p), est.nobs, est.n_clusters, est.label)


def _complete(df: pd.DataFrame, columns: Sequence[str | None]) -> pd.DataFrame:
    cols = [c for c in dict.fromkeys(columns) if c is not None]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"variable(s) not in the data: {missing}; columns available: {list(df.columns)[:20]}…")
    return df.dropna(subset=cols)


def _fit_ols(y: pd.Series, X: pd.DataFrame, cluster: pd.Series | None):
    model = sm.OLS(y.astype(float), X)
    if cluster is None:
        return model.fit(cov_type="HC1")
    codes = pd.factorize(cluster)[0]
    return model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)


def _estimate(res, name: str, nobs: int, n_clusters: int | None, label: str) -> Estimate:
    ci = res.conf_int().loc[name]
    return Estimate(float(res.params[name]), float(res.bse[name]), float(ci.iloc[0]), float(ci.iloc[1]),
                    float(res.pvalues[name]), int(nobs), n_clusters, label)


def intention_to_treat(df: pd.DataFrame, outcome: str, treatment: str = "assigned", cluster: str | None = None,
                       controls: Sequence[str] = (), strata: str | None = None) -> Estimate:
    """OLS of ``outcome`` on the assignment indicator (plus controls and strata fixed
    effects); rows with a missing outcome are dropped; cluster-robust errors when
    ``cluster`` is given, heteroskedasticity-robust (HC1) otherwise."""
    d = _complete(df, [outcome, treatment, *controls, strata, cluster])
    X = _design(d, [treatment], controls, strata)
    y = d[outcome].astype(float) if strata is None else _demean(d[outcome].astype(float), d[strata])
    res = _fit_ols(y, X, d[cluster] if cluster else None)
    g = d[cluster].nunique() if cluster else None
    est = _estimate(res, treatment, len(d), g, f"ITT {outcome}")
    return _rescaled(est, len(d), X.shape[1], X.shape[1] + _absorbed(d, strata), g - 1 if g else None)


def local_average_treatment_effect(df: pd.DataFrame, outcome: str, takeup: str = "signopp",
                                   treatment: str = "assigned", cluster: str | None = None,
                                   controls: Sequence[str] = (), strata: str | None = None) -> Estimate:
    """2SLS of ``outcome`` on take-up instrumented by assignment (linearmodels IV2SLS);
    the effect for those who take up because they were assigned."""
    from linearmodels.iv import IV2SLS

    d = _complete(df, [outcome, takeup, treatment, *controls, strata, cluster])
    exog = _design(d, [], controls, strata)
    parts = d[[outcome, takeup, treatment]].astype(float)
    if strata is not None:
        parts = _demean(parts, d[strata])
    exog = exog if exog.shape[1] else None
    model = IV2SLS(parts[outcome], exog, parts[[takeup]], parts[[treatment]])
    if cluster:
        res = model.fit(cov_type="clustered", clusters=pd.Series(pd.factorize(d[cluster])[0], index=d.index), debiased=True)
        n_clusters = int(d[cluster].nunique())
    else:
        res = model.fit(cov_type="robust", debiased=True)
        n_clusters = None
    ci = res.conf_int().loc[takeup]
    est = Estimate(float(res.params[takeup]), float(res.std_errors[takeup]), float(ci.iloc[0]), float(ci.iloc[1]),
                   float(res.pvalues[takeup]), int(res.nobs), n_clusters, f"LATE {outcome}")
    k_fit = len(res.params)
    if strata is None:
        return est
    # linearmodels' debiased inference: t with G − 1 df when clustered, normal otherwise
    return _rescaled(est, len(d), k_fit, k_fit + _absorbed(d, strata), n_clusters - 1 if n_clusters else None)


def first_stage(df: pd.DataFrame, takeup: str = "signopp", treatment: str = "assigned", cluster: str | None = None,
                strata: str | None = None) -> Estimate:
    """Take-up rate difference by assignment: the first stage of the LATE."""
    est = intention_to_treat(df, takeup, treatment, cluster, (), strata)
    return Estimate(*[getattr(est, f) for f in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "nobs", "n_clusters")],
                    label=f"take-up {takeup}")


def spillover(df: pd.DataFrame, outcome: str, share: str = "pct0", treatment: str = "assigned",
              cluster: str | None = None, controls: Sequence[str] = ()) -> pd.DataFrame:
    """Effect of the market's treated share on people *not* assigned, against people
    in markets with no treatment: OLS on dummies for each positive share, among the
    non-assigned. A negative effect is displacement. One row per share."""
    d = _complete(df, [outcome, share, treatment, *controls, cluster])
    d = d[d[treatment] == 0]
    levels = sorted(v for v in d[share].unique() if v > 0)
    if 0 not in set(d[share]):
        raise ValueError(f"no markets with {share} = 0 to compare with")
    dummies = pd.DataFrame({f"share_{lv:g}": (d[share] == lv).astype(float) for lv in levels}, index=d.index)
    X = sm.add_constant(pd.concat([dummies, d[list(controls)].astype(float)], axis=1), has_constant="add")
    res = _fit_ols(d[outcome], X, d[cluster] if cluster else None)
    rows = []
    for lv in levels:
        est = _estimate(res, f"share_{lv:g}", int((d[share].isin([0, lv])).sum()),
                        d[cluster].nunique() if cluster else None, f"spillover {outcome} share {lv:g}")
        rows.append({"share": lv, **est.as_dict()})
    return pd.DataFrame(rows)


def by_subgroup(df: pd.DataFrame, outcome: str, subgroup: str, treatment: str = "assigned",
                cluster: str | None = None, controls: Sequence[str] = (), strata: str | None = None) -> pd.DataFrame:
    """ITT within each level of ``subgroup``, plus the p-value of the interaction
    (do the effects differ between levels?) in column ``p_difference``."""
    d = _complete(df, [outcome, treatment, subgroup, *controls, strata, cluster])
    rows = []
    for level, part in d.groupby(subgroup, sort=True):
        est = intention_to_treat(part, outcome, treatment, cluster, controls, strata)
        rows.append({"subgroup": subgroup, "level": level, **est.as_dict()})
    out = pd.DataFrame(rows)
    out["p_difference"] = _interaction_p_value(d, outcome, subgroup, treatment, cluster, controls, strata)
    return out


def _interaction_p_value(d: pd.DataFrame, outcome: str, subgroup: str, treatment: str, cluster: str | None,
                         controls: Sequence[str], strata: str | None) -> float:
    """Wald test that treatment × subgroup interactions are all zero (same corrections as the ITT)."""
    from scipy import stats

    levels = pd.get_dummies(d[subgroup].astype("category"), prefix="g", drop_first=True, dtype=float)
    inter = levels.mul(d[treatment].astype(float), axis=0).add_prefix(f"{treatment}_x_")
    X = pd.concat([d[[treatment, *controls]].astype(float), levels, inter], axis=1)
    y = d[outcome].astype(float)
    if strata is None:
        X = sm.add_constant(X, has_constant="add")
    else:
        X, y = _demean(X, d[strata]), _demean(y, d[strata])
    res = _fit_ols(y, X, d[cluster] if cluster else None)
    idx = [X.columns.get_loc(c) for c in inter.columns]
    b = res.params.to_numpy()[idx]
    cov = res.cov_params().to_numpy()[np.ix_(idx, idx)]
    n, k_fit = len(d), X.shape[1]
    cov = cov * (n - k_fit) / (n - k_fit - _absorbed(d, strata))
    q = len(idx)
    wald = float(b @ np.linalg.solve(cov, b)) / q
    if cluster:
        return float(stats.f.sf(wald, q, d[cluster].nunique() - 1))
    return float(stats.chi2.sf(wald * q, q))


def estimates_frame(estimates: Sequence[Estimate]) -> pd.DataFrame:
    """A list of estimates as a DataFrame."""
    return pd.DataFrame([e.as_dict() for e in estimates])
