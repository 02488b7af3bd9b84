"""Linear regression and two-stage least squares with absorbed fixed effects, weights
and cluster-robust errors: the one fitting routine behind the experiment's estimands.

Fixed effects are absorbed by (weighted) demeaning within their levels
(Frisch–Waugh–Lovell; alternating projections when there are several); coefficients
and the cluster sandwich are then closed-form numpy on the demeaned data. (linearmodels'
``IV2SLS`` gives the same numbers but costs ~0.2 s a fit in post-estimation statistics,
and neither it nor statsmodels absorbs fixed effects in 2SLS or returns the per-cluster
scores the Romano–Wolf bootstrap needs; tests check this module against pyfixest and
linearmodels.) The small-sample correction is pyfixest's and fixest's default (CRV1):
``G/(G−1) · (n−1)/(n−k)`` where ``k`` counts the regressors and the levels of every
fixed effect that is not nested in the cluster variable (one for a nested one); inference uses the t
distribution with ``G − 1`` degrees of freedom. Observations alone in a fixed-effect
level (singletons) are dropped first, as pyfixest does.

Besides the covariance, a fit keeps each cluster's contribution to the coefficients
(its score), so that joint bootstrap inference over many regressions on the same
clusters (Romano–Wolf) costs one matrix product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

MAX_ITER, TOL = 10_000, 1e-12


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity with its uncertainty and sample."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    nobs: int
    clusters: int

    def covers(self, truth: float) -> bool:
        return self.ci_low <= truth <= self.ci_high

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Fit:
    """Coefficients, CRV1 covariance, sample size and each cluster's score.

    ``scores`` has one row per cluster (indexed by the cluster's value) and one column
    per coefficient; ``coefficient − truth ≈ scores.sum()`` and
    ``cov = ssc · scores.T @ scores`` with ``ssc`` the small-sample correction.
    ``leverage`` lets a wild bootstrap recompute each draw's scores without refitting."""

    params: pd.Series
    cov: pd.DataFrame
    nobs: int
    clusters: int
    scores: pd.DataFrame
    ssc: float
    leverage: np.ndarray  # clusters × k × k: (X̂'WX)⁻¹ X̂_g' W_g X_g, for re-studentised bootstrap draws

    @property
    def df_t(self) -> int:
        return self.clusters - 1

    def estimate(self, name: str) -> Estimate:
        """The coefficient ``name``."""
        return self.contrast({name: 1.0})

    def _vector(self, weights: Mapping[str, float]) -> np.ndarray:
        a = np.zeros(len(self.params))
        for name, value in weights.items():
            a[self.params.index.get_loc(name)] = value
        return a

    def contrast(self, weights: Mapping[str, float]) -> Estimate:
        """A linear combination ``Σ weight · coefficient`` (e.g. a difference of two)."""
        a = self._vector(weights)
        est = float(a @ self.params.to_numpy())
        se = float(np.sqrt(a @ self.cov.to_numpy() @ a))
        t_crit = float(stats.t.ppf(0.975, self.df_t))
        p = float(2 * stats.t.sf(abs(est / se), self.df_t)) if se > 0 else float("nan")
        return Estimate(est, se, est - t_crit * se, est + t_crit * se, p, self.nobs, self.clusters)

    def wald(self, names: Sequence[str]) -> tuple[float, float]:
        """F statistic and p-value that all ``names`` are zero (F with G − 1 denominator df)."""
        b = self.params[list(names)].to_numpy()
        v = self.cov.loc[list(names), list(names)].to_numpy()
        q = len(b)
        f = float(b @ np.linalg.solve(v, b)) / q
        return f, float(stats.f.sf(f, q, self.df_t))


def levels(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Integer codes of the interaction of ``columns`` (one code per combination)."""
    if len(columns) == 1:
        return pd.factorize(df[columns[0]])[0]
    return df.groupby(list(columns), sort=False, dropna=False).ngroup().to_numpy()


def _drop_singletons(codes: list[np.ndarray], n: int) -> np.ndarray:
    """Mask of the ``n`` observations kept after repeatedly removing singleton fixed-effect levels."""
    keep = np.ones(n, dtype=bool)
    changed = True
    while changed and codes:
        changed = False
        for c in codes:
            counts = np.bincount(c[keep], minlength=c.max() + 1)
            single = keep & (counts[c] == 1)
            if single.any():
                keep &= ~single
                changed = True
    return keep


def demean(matrix: np.ndarray, codes: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Weighted deviations from fixed-effect level means (alternating projections for
    several fixed effects, until the largest change is below ``TOL``)."""
    out = matrix.astype(float).copy()
    for _ in range(MAX_ITER):
        before = out.copy()
        for c in codes:
            wsum = np.bincount(c, weights=weights)
            for j in range(out.shape[1]):
                out[:, j] -= (np.bincount(c, weights=weights * out[:, j]) / wsum)[c]
        if len(codes) <= 1 or np.max(np.abs(out - before)) < TOL:
            return out
    raise RuntimeError("fixed effects did not converge in alternating projections")


def _nested(codes: np.ndarray, cluster: np.ndarray) -> bool:
    """Is every fixed-effect level inside a single cluster?"""
    pairs = np.unique(codes.astype(np.int64) * (int(cluster.max()) + 1) + cluster)
    return len(pairs) == int(codes.max()) + 1


def _fe_dof(codes: Sequence[np.ndarray], cluster: np.ndarray) -> int:
    """Parameters the absorbed fixed effects use, counted as fixest/pyfixest do by default
    (all levels of a fixed effect not nested in the clusters, one for a nested one, less one
    for each fixed effect after the first)."""
    if not codes:
        return 0
    return sum(1 if _nested(c, cluster) else int(c.max()) + 1 for c in codes) - (len(codes) - 1)


def fit(df: pd.DataFrame, outcome: str, exog: Sequence[str], cluster: str, *, endog: Sequence[str] = (),
        instruments: Sequence[str] = (), absorb: Sequence[Sequence[str]] = (), weights: str | None = None) -> Fit:
    """OLS (no ``endog``) or 2SLS of ``outcome`` with absorbed fixed effects.

    ``absorb`` lists fixed effects, each the interaction of one or more columns
    (``[["noq", "session"]]`` is quintuplet × cohort). Rows with a missing value in any
    variable used, or a non-positive weight, are dropped. Without fixed effects a
    constant is added (reported as ``Intercept``)."""
    exog, endog, instruments = list(exog), list(endog), list(instruments)
    used = list(dict.fromkeys([outcome, *endog, *exog, *instruments]))
    data = df[used].to_numpy(float)
    ok = ~np.isnan(data).any(axis=1)
    w = df[weights].to_numpy(float) if weights else np.ones(len(df))
    ok &= w > 0 if weights else True
    ok &= df[cluster].notna().to_numpy()
    raw = []
    for group in absorb:
        ok &= df[list(group)].notna().all(axis=1).to_numpy()
        raw.append(levels(df, group))
    codes = [pd.factorize(c[ok])[0] for c in raw]
    keep = _drop_singletons(codes, int(ok.sum()))
    rows = np.flatnonzero(ok)[keep]
    codes = [pd.factorize(c[keep])[0] for c in codes]
    if not len(rows):
        raise ValueError(f"no observations left for {outcome}")
    data, w = data[rows], w[rows]
    cluster_values = df[cluster].to_numpy()[rows]
    if codes:
        data = demean(data, codes, w)
    y = data[:, 0]
    n_end = len(endog)
    pos = {c: i for i, c in enumerate(used)}
    x_end, x_ex, z = (data[:, [pos[c] for c in cols]] for cols in (endog, exog, instruments))
    ex_names = list(exog)
    if not codes:
        x_ex, ex_names = np.column_stack([np.ones(len(rows)), x_ex]), ["Intercept", *exog]
    cl, cluster_index = pd.factorize(cluster_values)
    extra = _fe_dof(codes, cl)
    names = [*endog, *ex_names]
    x = np.column_stack([x_end, x_ex])
    inst = np.column_stack([z, x_ex]) if n_end else x
    beta, bread, contrib, cross = _two_stage(y, x, inst, w, cl)
    g, n = int(cl.max()) + 1, len(rows)
    ssc = g / (g - 1) * (n - 1) / (n - x.shape[1] - extra)
    scores = contrib @ bread.T
    cov = ssc * scores.T @ scores
    index = pd.Index(cluster_index, name=cluster)
    return Fit(pd.Series(beta, index=names), pd.DataFrame(cov, index=names, columns=names), n, g,
               pd.DataFrame(scores, index=index, columns=names), ssc, bread @ cross)


def _two_stage(y: np.ndarray, x: np.ndarray, z: np.ndarray, w: np.ndarray, cl: np.ndarray):
    """Weighted (2)SLS: coefficients, bread ``(X̂'WX)⁻¹``, per-cluster sums ``Σ x̂ᵢ wᵢ uᵢ`` and
    per-cluster ``X̂_g' W_g X_g`` (OLS when ``z`` is ``x``)."""
    if z is x:
        xhat = x
    else:
        zw = z * w[:, None]
        xhat = z @ np.linalg.solve(zw.T @ z, zw.T @ x)
    xw = xhat * w[:, None]
    gram = xw.T @ x
    if np.linalg.matrix_rank(gram) < x.shape[1]:
        raise ValueError("collinear regressors: an effect is not identified in this sample")
    bread = np.linalg.inv(gram)
    beta = bread @ (xw.T @ y)
    u = y - x @ beta
    g, k = int(cl.max()) + 1, x.shape[1]
    contrib = np.column_stack([np.bincount(cl, weights=xw[:, j] * u, minlength=g) for j in range(k)])
    cross = np.empty((g, k, k))
    for j in range(k):
        for m in range(k):
            cross[:, j, m] = np.bincount(cl, weights=xw[:, j] * x[:, m], minlength=g)
    return beta, bread, contrib, cross
