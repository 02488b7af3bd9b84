"""Estimators for two-stage randomised designs (markets get a treated share, then
individuals are assigned within markets), as in Crépon et al. (2013).

All return :class:`Estimate`. OLS and cluster-robust errors come from statsmodels
(its default small-sample correction, t inference with G − 1 degrees of freedom);
two-stage least squares from linearmodels.
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
    X = df[list(regressors) + list(controls)].astype(float)
    if strata is not None:
        dummies = pd.get_dummies(df[strata].astype("category"), prefix=strata, drop_first=True, dtype=float)
        X = pd.concat([X, dummies], axis=1)
    return sm.add_constant(X, has_constant="add")


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
    res = _fit_ols(d[outcome], X, d[cluster] if cluster else None)
    return _estimate(res, treatment, len(d), d[cluster].nunique() if cluster else None, f"ITT {outcome}")


def local_average_treatment_effect(df: pd.DataFrame, outcome: str, takeup: str = "signopp",
                                   treatment: str = "assigned", cluster: str | None = None,
                                   controls: Sequence[str] = (), strata: str | None = None) -> Estimate:
    """2SLS of ``outcome`` on take-up instrumented by assignment (linearmodels IV2SLS);
    the effect for those who take up because they were assigned."""
    from linearmodels.iv import IV2SLS

    d = _complete(df, [outcome, takeup, treatment, *controls, strata, cluster])
    exog = _design(d, [], controls, strata)
    model = IV2SLS(d[outcome].astype(float), exog, d[[takeup]].astype(float), d[[treatment]].astype(float))
    if cluster:
        res = model.fit(cov_type="clustered", clusters=pd.Series(pd.factorize(d[cluster])[0], index=d.index), debiased=True)
        n_clusters = int(d[cluster].nunique())
    else:
        res = model.fit(cov_type="robust", debiased=True)
        n_clusters = None
    ci = res.conf_int().loc[takeup]
    return Estimate(float(res.params[takeup]), float(res.std_errors[takeup]), float(ci.iloc[0]), float(ci.iloc[1]),
                    float(res.pvalues[takeup]), int(res.nobs), n_clusters, f"LATE {outcome}")


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
    levels = pd.get_dummies(d[subgroup].astype("category"), prefix="g", drop_first=True, dtype=float)
    inter = levels.mul(d[treatment].astype(float), axis=0).add_prefix(f"{treatment}_x_")
    X = pd.concat([_design(d, [treatment], controls, strata), levels, inter], axis=1)
    res = _fit_ols(d[outcome], X, d[cluster] if cluster else None)
    test = res.f_test(np.eye(len(X.columns))[[X.columns.get_loc(c) for c in inter.columns]])
    out["p_difference"] = float(np.asarray(test.pvalue))
    return out


def estimates_frame(estimates: Sequence[Estimate]) -> pd.DataFrame:
    """A list of estimates as a DataFrame."""
    return pd.DataFrame([e.as_dict() for e in estimates])
