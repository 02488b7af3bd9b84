"""Adjusted p-values for families of hypotheses: Romano–Wolf stepdown with a wild
cluster bootstrap, and Holm and Benjamini–Hochberg (statsmodels) for comparison.

Romano–Wolf (2005; 2016, "Efficient computation of adjusted p-values for
resampling-based stepdown multiple testing") controls the familywise error rate and,
unlike Holm, uses the dependence between the tests. Its null distribution comes from
one set of Rademacher weights per cluster shared by every hypothesis, so the draws
keep the tests' correlation. Each draw is a wild cluster bootstrap-t with unrestricted
residuals, computed from the fit's cluster scores without refitting: with weights
``r_g``, the coefficients move by ``Δ = Σ_g r_g ψ_g`` and the draw's cluster scores are
``r_g ψ_g − L_g Δ`` (``L_g`` the cluster's leverage), which re-studentise the draw with
the same CRV1 formula as the estimate. The adjusted p-value is never below the
unadjusted one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from fou.effects.linear import Fit

METHODS = {"romano-wolf": "Romano–Wolf", "holm": "Holm", "bh": "Benjamini–Hochberg"}


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's stepdown adjustment (familywise error rate): the k-th smallest of m p-values times
    m − k + 1, made monotone, capped at 1; NaN stays NaN. (statsmodels' ``multipletests`` gives the
    same numbers but runs ``gc.collect()`` on every call, which costs seconds in a page's kernel.)"""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if len(ok):
        order = ok[np.argsort(p[ok], kind="stable")]
        m = len(order)
        out[order] = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjustment (false discovery rate)."""
    return _statsmodels(p, "fdr_bh")


def _statsmodels(p: np.ndarray, method: str) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return out


@dataclass(frozen=True)
class Hypothesis:
    """What the bootstrap needs from a fit to test ``contrast · coefficients = 0``."""

    scores: np.ndarray  # clusters × k
    leverage: np.ndarray  # clusters × k × k
    contrast: np.ndarray  # k
    ssc: float
    clusters: pd.Index

    @classmethod
    def of(cls, fit: Fit, weights: Mapping[str, float]) -> Hypothesis:
        a = np.zeros(len(fit.params))
        for name, value in weights.items():
            a[fit.params.index.get_loc(name)] = value
        return cls(fit.scores.to_numpy(), fit.leverage, a, fit.ssc, fit.scores.index)


def rademacher(clusters: int, draws: int, seed: int) -> np.ndarray:
    """``draws × clusters`` weights of ±1."""
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(draws, clusters))


def bootstrap_t(h: Hypothesis, weights: np.ndarray) -> np.ndarray:
    """Null draws of the hypothesis' t statistic, one per row of ``weights`` (draws × its clusters)."""
    delta = weights @ h.scores  # draws × k: the coefficients' bootstrap deviations
    own = h.scores @ h.contrast  # clusters
    lev = np.einsum("k,gkj->gj", h.contrast, h.leverage)  # clusters × k
    # Σ_g (r_g own_g − lev_g·Δ)² expanded, so no draws × clusters temporary is squared (r_g² = 1)
    cross = np.einsum("bk,bk->b", (weights * own[None, :]) @ lev, delta)
    quad = np.einsum("bk,kj,bj->b", delta, lev.T @ lev, delta)
    se = np.sqrt(np.clip(h.ssc * ((own**2).sum() - 2 * cross + quad), 0, None))
    return (delta @ h.contrast) / np.where(se > 0, se, np.nan)


def romano_wolf(t: np.ndarray, t_boot: np.ndarray, p_raw: np.ndarray | None = None) -> np.ndarray:
    """Stepdown adjusted p-values from observed ``t`` (hypotheses) and null draws
    ``t_boot`` (draws × hypotheses); NaN where ``t`` is NaN."""
    t = np.abs(np.asarray(t, dtype=float))
    out = np.full_like(t, np.nan)
    ok = np.flatnonzero(~np.isnan(t))
    if not len(ok):
        return out
    order = ok[np.argsort(-t[ok], kind="stable")]
    boot = np.abs(t_boot[:, order])
    # running maximum from the least significant hypothesis upwards: max over k ≥ j
    tail_max = np.maximum.accumulate(boot[:, ::-1], axis=1)[:, ::-1]
    draws = t_boot.shape[0]
    p = (1 + (tail_max >= t[order][None, :]).sum(axis=0)) / (draws + 1)
    out[order] = np.maximum.accumulate(p)
    if p_raw is not None:
        out = np.where(np.isnan(out), out, np.maximum(out, np.asarray(p_raw, dtype=float)))
    return out


def romano_wolf_by_family(table: pd.DataFrame, hypotheses: Sequence[Hypothesis], family: str | list[str] = "term",
                          draws: int = 999, seed: int = 2013) -> np.ndarray:
    """Romano–Wolf p-values within each family of rows of ``table`` (rows with the same
    ``family`` values, e.g. one term over all outcomes and waves); ``hypotheses`` has one
    entry per row. One weight per cluster and draw, shared by every hypothesis."""
    clusters = pd.Index(pd.unique(np.concatenate([h.clusters.to_numpy() for h in hypotheses])))
    weights = rademacher(len(clusters), draws, seed)
    t = (table["estimate"] / table["std_error"]).to_numpy(float)
    p_raw = table["p_value"].to_numpy(float)
    out = np.full(len(table), np.nan)
    for _, rows in table.reset_index(drop=True).groupby(family, sort=False).groups.items():
        idx = np.asarray(rows)
        t_boot = np.column_stack([bootstrap_t(hypotheses[i], weights[:, clusters.get_indexer(hypotheses[i].clusters)])
                                  for i in idx])
        out[idx] = romano_wolf(t[idx], t_boot, p_raw[idx])
    return out
