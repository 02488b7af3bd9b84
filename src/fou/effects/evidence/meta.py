"""Random-effects meta-analysis that holds with few studies.

The default is REML for the between-study variance τ² with Hartung–Knapp
(Sidik–Jonkman) intervals on a t distribution with k − 1 degrees of freedom;
DerSimonian–Laird and Paule–Mandel τ² and the normal (Wald) interval are options.
With k ≤ 7 studies the normal interval is too narrow; the HK interval keeps close
to its nominal coverage (IntHout, Ioannidis & Borm 2014, BMC Med Res Methodol 14:25).

Formulas (y_i estimates, v_i = se_i² their sampling variances, w_i = 1/(v_i + τ²)):

- pooled estimate μ = Σ w_i y_i / Σ w_i, Wald variance 1 / Σ w_i;
- Hartung–Knapp variance q / Σ w_i with q = Σ w_i (y_i − μ)² / (k − 1), not truncated at 1;
- Cochran's Q = Σ (y_i − μ_FE)² / v_i on k − 1 df;
- I² = τ² / (τ² + s²), s² = (k − 1) Σ 1/v_i / ((Σ 1/v_i)² − Σ 1/v_i²) (as metafor reports it;
  equals (Q − (k − 1)) / Q for DerSimonian–Laird);
- prediction interval μ ± t_{k−2} √(τ² + Var μ) (Higgins, Thompson & Spiegelhalter 2009), k ≥ 3.

Only numpy, pandas and scipy; nothing here knows about pages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

TAU2_METHODS = ("reml", "pm", "dl")
CI_METHODS = ("hk", "normal")


@dataclass(frozen=True)
class MetaResult:
    """A pooled random-effects estimate with its heterogeneity statistics."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    pi_low: float  # NaN when k < 3
    pi_high: float
    tau2: float
    i2: float  # share, 0–1
    q: float
    q_df: int
    q_p: float
    k: int
    tau2_method: str
    ci_method: str
    df: float  # degrees of freedom of the interval (inf for the normal interval)
    level: float

    def as_dict(self) -> dict:
        return asdict(self)


def _check(y: np.ndarray, v: np.ndarray) -> None:
    if y.shape != v.shape or y.ndim != 1:
        raise ValueError("estimates and standard errors must be 1-d arrays of the same length")
    if len(y) < 2:
        raise ValueError(f"pooling needs at least two estimates with standard errors, got {len(y)}")
    if not (np.isfinite(y).all() and np.isfinite(v).all()) or (v <= 0).any():
        raise ValueError("estimates must be finite and standard errors finite and positive")


def _q_gen(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian–Laird moment estimator, truncated at zero."""
    w = 1 / v
    q = _q_gen(y, v, 0.0)
    c = w.sum() - (w**2).sum() / w.sum()
    return max(0.0, (q - (len(y) - 1)) / c)


def tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    """Paule–Mandel: the τ² at which the generalised Q equals its expectation k − 1."""
    k = len(y)
    if _q_gen(y, v, 0.0) <= k - 1:
        return 0.0
    upper = max(1.0, float(np.var(y)) * 10)
    while _q_gen(y, v, upper) > k - 1:
        upper *= 10
    return float(optimize.brentq(lambda t: _q_gen(y, v, t) - (k - 1), 0.0, upper, xtol=1e-14, rtol=1e-14))


def _restricted_loglik(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2)))


def tau2_reml(y: np.ndarray, v: np.ndarray, tol: float = 1e-12, max_iter: int = 500) -> float:
    """Restricted maximum likelihood by Fisher scoring from the DL value (as in metafor),
    truncated at zero; a bounded search on the restricted likelihood if scoring fails."""
    tau2 = tau2_dl(y, v)
    for _ in range(max_iter):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        p_resid = w * (y - mu)
        # score and expected information of the restricted likelihood
        trace_p = np.sum(w) - np.sum(w**2) / np.sum(w)
        score = 0.5 * (np.sum(p_resid**2) - trace_p)
        w_sum = np.sum(w)
        trace_pp = np.sum(w**2) - 2 * np.sum(w**3) / w_sum + (np.sum(w**2) / w_sum) ** 2
        step = score / (0.5 * trace_pp)
        new = max(0.0, tau2 + step)
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    upper = max(1.0, float(np.var(y)) * 10)
    res = optimize.minimize_scalar(lambda t: -_restricted_loglik(t, y, v), bounds=(0.0, upper), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.x)


def tau2_estimate(y: np.ndarray, v: np.ndarray, method: str = "reml") -> float:
    """τ² by ``method`` (``reml``, ``pm`` or ``dl``)."""
    funcs = {"reml": tau2_reml, "pm": tau2_pm, "dl": tau2_dl}
    if method not in funcs:
        raise ValueError(f"tau2 method {method!r} is not one of {', '.join(TAU2_METHODS)}")
    return funcs[method](y, v)


def heterogeneity(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, int, float, float]:
    """Cochran's Q, its df, its p-value and I² (share) given τ²."""
    k = len(y)
    q = _q_gen(y, v, 0.0)
    w = 1 / v
    s2 = (k - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum())
    i2 = tau2 / (tau2 + s2) if tau2 > 0 else 0.0
    return q, k - 1, float(stats.chi2.sf(q, k - 1)), float(i2)


def random_effects(estimates, std_errors, tau2_method: str = "reml", ci_method: str = "hk",
                   level: float = 0.95) -> MetaResult:
    """Pool ``estimates`` with their ``std_errors`` in a random-effects model.

    ``tau2_method``: ``reml`` (default), ``pm`` or ``dl``; ``ci_method``: ``hk``
    (Hartung–Knapp–Sidik–Jonkman, t with k − 1 df; default) or ``normal`` (Wald, z).
    """
    y = np.asarray(estimates, dtype=float)
    v = np.asarray(std_errors, dtype=float) ** 2
    _check(y, v)
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci method {ci_method!r} is not one of {', '.join(CI_METHODS)}")
    k = len(y)
    tau2 = tau2_estimate(y, v, tau2_method)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    if ci_method == "hk":
        var_mu = float(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w)))
        df = float(k - 1)
        crit = float(stats.t.ppf(0.5 + level / 2, df))
    else:
        var_mu = float(1 / np.sum(w))
        df = float("inf")
        crit = float(stats.norm.ppf(0.5 + level / 2))
    se = var_mu**0.5
    if k >= 3:
        half = float(stats.t.ppf(0.5 + level / 2, k - 2)) * (tau2 + var_mu) ** 0.5
        pi = (mu - half, mu + half)
    else:
        pi = (float("nan"), float("nan"))
    q, q_df, q_p, i2 = heterogeneity(y, v, tau2)
    return MetaResult(estimate=mu, std_error=se, ci_low=mu - crit * se, ci_high=mu + crit * se, pi_low=pi[0],
                      pi_high=pi[1], tau2=float(tau2), i2=i2, q=q, q_df=q_df, q_p=q_p, k=k, tau2_method=tau2_method,
                      ci_method=ci_method, df=df, level=level)


def leave_one_out(estimates, std_errors, labels, **kwargs) -> pd.DataFrame:
    """The pooled estimate with each estimate left out in turn (needs k ≥ 3)."""
    y = np.asarray(estimates, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    rows = []
    for i, label in enumerate(labels):
        keep = np.arange(len(y)) != i
        res = random_effects(y[keep], se[keep], **kwargs)
        rows.append({"left_out": label, "estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high,
                     "tau2": res.tau2, "i2": res.i2, "k": res.k})
    return pd.DataFrame(rows)


def se_from_ci(ci_low: float, ci_high: float, level: float = 0.95) -> float:
    """Standard error implied by a symmetric normal confidence interval."""
    return (ci_high - ci_low) / (2 * float(stats.norm.ppf(0.5 + level / 2)))


def se_from_t(estimate: float, t_value: float) -> float:
    """Standard error implied by an estimate and its t (or z) statistic."""
    return abs(estimate / t_value)
