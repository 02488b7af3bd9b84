"""Two-way fixed-effects regressions for the KROM pilot, shown only as a comparison with
the group-time ATTs of :mod:`fou.effects.pilot.staggered`.

On a balanced panel the TWFE event study (pilot × year dummies, base year
omitted) reproduces the long-difference ATTs; on an unbalanced panel it does not,
because each municipality's level is estimated from every year it reported, so
municipalities missing the base year or the year itself still shape that year's
coefficient. The pooled TWFE DiD over 2020–22 also uses the municipalities treated
from late 2021 as controls ("forbidden comparisons").

Errors are clustered by municipality with fixest's default small-sample factor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from fou.effects.pilot.staggered import KROM, Design


def long_panel(wide: pd.DataFrame, treated_ids: Iterable[str]) -> pd.DataFrame:
    """Stack a wide panel to municipality-year rows with a ``pilot`` flag (missing dropped)."""
    d = wide.stack().dropna().rename("y").reset_index()
    d.columns = ["municipality_id", "year", "y"]
    d["pilot"] = d["municipality_id"].isin(set(treated_ids)).astype(int)
    return d


def twfe_event_study(wide: pd.DataFrame, treated_ids: Iterable[str], design: Design = KROM) -> pd.DataFrame:
    """The TWFE event study (for comparison only): y on pilot × year dummies (base year
    omitted), municipality and year fixed effects, on every municipality-year observed.

    On a balanced panel its coefficients equal the long-difference ATTs; on an
    unbalanced one they do not: each municipality's level is estimated from all the
    years it reported, so municipalities missing the base year or ``t`` still shape
    the ``t`` coefficient. Errors clustered by municipality; fixest's small-sample
    convention (municipality effects nested in the clusters not counted in K)."""
    d = long_panel(wide, treated_ids)
    names = {}
    for year in design.years:
        if year != design.base:
            names[year] = f"ev{year}"
            d[names[year]] = ((d["year"] == year) & (d["pilot"] == 1)).astype(float)
    # municipalities seen once carry no within information (fixest drops them as singletons)
    d = d[d.groupby("municipality_id")["y"].transform("size") > 1]
    res = _fit_twfe(d, list(names.values()))
    ci = res["ci"]
    return pd.DataFrame([{"year": y, "estimate": res["params"][n], "std_error": res["bse"][n],
                          "p_value": res["pvalues"][n], "ci_low": ci.loc[n, 0], "ci_high": ci.loc[n, 1],
                          "period": design.period(y)} for y, n in names.items()])


def twfe_did(wide: pd.DataFrame, treated_ids: Iterable[str], post_years: Sequence[int],
             design: Design = KROM) -> dict:
    """Pooled TWFE DiD (pilot × post) over the years before the cohort and ``post_years``."""
    d = long_panel(wide, treated_ids)
    d = d[(d["year"] < design.cohort) | d["year"].isin(list(post_years))].copy()
    d["treated"] = ((d["year"] >= design.cohort) & (d["pilot"] == 1)).astype(float)
    d = d[d.groupby("municipality_id")["y"].transform("size") > 1]
    res = _fit_twfe(d, ["treated"])
    return {"estimate": res["params"]["treated"], "std_error": res["bse"]["treated"],
            "p_value": res["pvalues"]["treated"], "ci_low": res["ci"].loc["treated", 0],
            "ci_high": res["ci"].loc["treated", 1], "nobs": len(d), "n_clusters": d["municipality_id"].nunique()}


def _fit_twfe(d: pd.DataFrame, regressors: list[str]) -> dict:
    """OLS with municipality and year fixed effects (municipality effects absorbed by
    demeaning within municipality, year dummies kept: Frisch–Waugh–Lovell), errors
    clustered by municipality with fixest's default small-sample factor
    (``ssc(fixef.K = "nested")``): G/(G − 1)·(N − 1)/(N − K), K = regressors + year
    dummies + 1 for the municipality effects, which are nested in the clusters."""
    codes = pd.factorize(d["municipality_id"])[0]
    years = pd.get_dummies(d["year"], drop_first=True, dtype=float)
    Z = np.column_stack([d[regressors].to_numpy(float), years.to_numpy()])
    y = d["y"].to_numpy(float)

    def within(a: np.ndarray) -> np.ndarray:
        sums = np.zeros((codes.max() + 1,) + a.shape[1:])
        np.add.at(sums, codes, a)
        return a - (sums / np.bincount(codes).reshape((-1,) + (1,) * (a.ndim - 1)))[codes]

    Zw, yw = within(Z), within(y)
    bread = np.linalg.pinv(Zw.T @ Zw)
    beta = bread @ Zw.T @ yw
    resid = yw - Zw @ beta
    scores = np.zeros((codes.max() + 1, Z.shape[1]))
    np.add.at(scores, codes, Zw * resid[:, None])
    n, g, k = len(y), codes.max() + 1, len(regressors) + years.shape[1] + 1
    vcov = bread @ scores.T @ scores @ bread * (g / (g - 1) * (n - 1) / (n - k))
    r = len(regressors)
    est = pd.Series(beta[:r], index=regressors)
    bse = pd.Series(np.sqrt(np.diag(vcov)[:r]), index=regressors)
    q = stats.t.ppf(0.975, g - 1)
    return {"params": est, "bse": bse, "pvalues": pd.Series(2 * stats.t.sf((est / bse).abs(), g - 1), index=regressors),
            "ci": pd.DataFrame({0: est - q * bse, 1: est + q * bse})}
