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
    return bootstrap_t_many([h], weights, h.clusters)[:, 0]


def bootstrap_t_many(hypotheses: Sequence[Hypothesis], weights: np.ndarray, clusters: pd.Index) -> np.ndarray:
    """Null draws of several hypotheses' t statistics (draws × hypotheses) from one matrix of
    weights (draws × ``clusters``), shared by all of them so the draws keep their dependence.

    One matrix product does all the work: each hypothesis' scores ``ψ_g`` and ``own_g · L_g``
    (with ``own_g = a·ψ_g`` and ``L_g = a·leverage_g``) are placed in the rows of its clusters
    (zero elsewhere, which is the same as selecting its clusters' weights), so the draws'
    coefficient deviations ``Δ = Σ_g r_g ψ_g`` and the cross terms come out together.
    The draw's squared standard error is ``ssc · Σ_g (r_g own_g − L_g Δ)²``, expanded
    (``r_g² = 1``) so no draws × clusters temporary is formed."""
    blocks, parts = [], []
    for h in hypotheses:
        k = len(h.contrast)
        own = h.scores @ h.contrast  # clusters
        lev = np.einsum("k,gkj->gj", h.contrast, h.leverage)  # clusters × k
        block = np.zeros((len(clusters), 2 * k))
        pos = clusters.get_indexer(h.clusters)
        block[pos, :k], block[pos, k:] = h.scores, own[:, None] * lev
        blocks.append(block)
        parts.append((k, float((own**2).sum()), lev.T @ lev, h.contrast, h.ssc))
    product = weights @ np.hstack(blocks)  # draws × Σ 2k
    out = np.empty((weights.shape[0], len(hypotheses)))
    start = 0
    for i, (k, own2, levlev, contrast, ssc) in enumerate(parts):
        delta, cross_w = product[:, start:start + k], product[:, start + k:start + 2 * k]
        start += 2 * k
        cross = np.einsum("bk,bk->b", cross_w, delta)
        quad = np.einsum("bk,kj,bj->b", delta, levlev, delta)
        se = np.sqrt(np.clip(ssc * (own2 - 2 * cross + quad), 0, None))
        out[:, i] = (delta @ contrast) / np.where(se > 0, se, np.nan)
    return out


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


def mc_se(p: np.ndarray | pd.Series, draws: int) -> np.ndarray:
    """Monte Carlo standard error of simulated p-values from ``draws`` draws: ``sqrt(p(1 − p)/B)``
    (0,0049 at p = 0,05 with 1 999 draws); NaN where ``p`` is NaN."""
    p = np.asarray(p, dtype=float)
    return np.sqrt(p * (1 - p) / draws)


def draws_for(mc_se_at_05: float = 0.005) -> int:
    """Fewest draws ``B`` with ``B + 1`` a multiple of 100 whose Monte Carlo error at p = 0,05 is at most ``mc_se_at_05``."""
    need = 0.05 * 0.95 / mc_se_at_05**2
    return int(np.ceil((need + 1) / 100) * 100 - 1)


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
        t_boot = bootstrap_t_many([hypotheses[i] for i in idx], weights, clusters)
        out[idx] = romano_wolf(t[idx], t_boot, p_raw[idx])
    return out
