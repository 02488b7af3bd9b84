"""Randomisation inference for a treatment assigned to whole units (municipalities).

Pilot status is re-drawn many times, within strata if given (the number of treated
units per stratum is kept), and the observed statistic is compared with its
re-randomisation distribution. The statistic is studentised (the difference in
weighted means divided by its CR1 standard error), which keeps the test valid for
the difference in means even when the two groups' variances differ (Chung & Romano
2013, "Exact and asymptotically robust permutation tests", Ann. Statist. 41(2)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIE_RTOL = 1e-10


@dataclass(frozen=True)
class RandomisationResult:
    statistic: float  # the observed studentised difference
    p_value: float  # two-sided, (1 + #{|t*| ≥ |t|}) / (1 + draws)
    draws: int
    strata: int  # strata in which assignments vary


def difference_statistics(delta: np.ndarray, treated: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean difference (treated − control) and its CR1 standard error.

    ``treated`` may be 2-D (B × N: many assignments at once, for permutation tests);
    returns arrays of length B (or scalars' arrays of shape ())."""
    d = np.asarray(treated, float)
    w = np.asarray(weights, float)
    y = np.asarray(delta, float)
    n = y.shape[-1]
    w1, w0 = d * w, (1 - d) * w
    s1, s0 = w1.sum(-1), w0.sum(-1)
    m1, m0 = (w1 * y).sum(-1) / s1, (w0 * y).sum(-1) / s0
    e1 = y - m1[..., None] if np.ndim(m1) else y - m1
    e0 = y - m0[..., None] if np.ndim(m0) else y - m0
    hc0 = (w1**2 * e1**2).sum(-1) / s1**2 + (w0**2 * e0**2).sum(-1) / s0**2
    return m1 - m0, np.sqrt(hc0 * n / (n - 2))  # CR1 with G = N, K = 2

def stratified_assignments(treated: np.ndarray, strata: np.ndarray | None, draws: int,
                           rng: np.random.Generator) -> np.ndarray:
    """``draws`` × N boolean assignments with as many treated units per stratum as ``treated``."""
    treated = np.asarray(treated, bool)
    strata = np.zeros(len(treated), int) if strata is None else np.unique(np.asarray(strata), return_inverse=True)[1]
    out = np.zeros((draws, len(treated)), bool)
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        k = int(treated[idx].sum())
        if k == 0:
            continue
        if k == len(idx):
            out[:, idx] = True
            continue
        # the k smallest of uniform draws: a uniformly random k-subset (argpartition: O(n), not O(n log n))
        order = np.argpartition(rng.random((draws, len(idx))), k - 1, axis=1)[:, :k]
        rows = np.repeat(np.arange(draws), k)
        out[rows, idx[order.ravel()]] = True
    return out


def randomisation_test(delta: np.ndarray, treated: np.ndarray, weights: np.ndarray | None = None,
                       strata: np.ndarray | None = None, draws: int = 999, seed: int = 2020) -> RandomisationResult:
    """Two-sided randomisation p-value of the studentised weighted difference in means.

    Ties within a relative tolerance of the observed statistic count as at least as
    extreme. ``strata`` (e.g. county codes) restrict re-assignment to within strata."""
    delta = np.asarray(delta, float)
    treated = np.asarray(treated, bool)
    weights = np.ones(len(delta)) if weights is None else np.asarray(weights, float)
    est, se = difference_statistics(delta, treated, weights)
    t_obs = float(est / se)
    rng = np.random.default_rng(seed)
    exceed, done = 0, 0
    while done < draws:
        b = min(500, draws - done)
        assign = stratified_assignments(treated, strata, b, rng)
        e, s = difference_statistics(delta, assign, weights)
        exceed += int(np.sum(np.abs(e / s) >= abs(t_obs) * (1 - TIE_RTOL)))
        done += b
    varying = 1 if strata is None else _varying_strata(treated, strata)
    return RandomisationResult(t_obs, (exceed + 1) / (draws + 1), draws, varying)


def _varying_strata(treated: np.ndarray, strata: np.ndarray) -> int:
    count = 0
    for s in np.unique(strata):
        k = treated[strata == s]
        count += int(0 < k.sum() < len(k))
    return count
