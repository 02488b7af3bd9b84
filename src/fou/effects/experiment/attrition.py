"""Attrition in the follow-up surveys: response rates by arm with a test, and Lee
(2009) bounds on the direct effect for people who would answer whatever their arm.

Arms: ``assigned`` (in treated markets), ``nonassigned`` (in treated markets) and
``control`` (markets with no treatment). The test regresses answering on the
assigned and non-assigned indicators with the strata fixed effects, weights and
clusters of the analysis; its F test asks whether either arm answers at another rate
than pure control.

Lee bounds compare the assigned with pure control, without strata or covariates: the
arm that answers more often is trimmed by the excess share of its respondents, from
the top of its outcome distribution for the lower bound and from the bottom for the
upper bound. Standard errors of the bounds come from a bounded cluster bootstrap
(markets drawn with replacement); the 95 % interval for the effect is
``[lower − 1,96 · se(lower), upper + 1,96 · se(upper)]`` (it covers the whole
identified set).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from fou.effects import linear
from fou.effects.experiment.estimands import S, Z, Design
from fou.effects.experiment.spec import Spec

ARMS = ("assigned", "nonassigned", "control")


def _weights(design: Design) -> pd.Series:
    w = design.spec.weights
    return design.data[w].astype(float) if w else pd.Series(1.0, index=design.data.index)


def response_by_arm(design: Design, outcome: str | None = None) -> pd.DataFrame:
    """Per wave: share answering (outcome not missing) in each arm, and the F test."""
    outcome = outcome or design.spec.main_outcome
    arm, w = design.arm(), _weights(design)
    rows = []
    for wave in design.spec.waves:
        col = Spec.column(outcome, wave)
        if col not in design.data.columns:
            continue
        answered = design.data[col].notna().astype(float)
        row = {"outcome": outcome, "wave": wave, "people": len(answered), "respondents": int(answered.sum())}
        for a in ARMS:
            m = arm == a
            row[f"rate_{a}"] = float(np.average(answered[m], weights=w[m])) if m.any() else np.nan
        row["f_stat"], row["p_value"] = _response_test(design, answered)
        rows.append(row)
    return pd.DataFrame(rows)


def _response_test(design: Design, answered: pd.Series) -> tuple[float, float]:
    """F test that assigned and non-assigned answer at the pure-control rate; NaN when
    everyone (or no one) answered."""
    if answered.nunique() < 2:
        return np.nan, np.nan
    s = design.spec
    f = linear.fit(design.data.assign(_answered=answered), "_answered", [Z, S], s.cluster, absorb=design.absorb,
                   weights=s.weights)
    return f.wald([Z, S])


# -- Lee bounds ------------------------------------------------------------------------

def trimmed_mean(y: np.ndarray, w: np.ndarray, trim: float, top: bool) -> float:
    """Weighted mean after removing the share ``trim`` of weight from the top (or bottom)
    of the distribution of ``y`` (which must be sorted ascending); fractional at the cut."""
    if not top:
        y, w = y[::-1], w[::-1]
    keep = (1 - trim) * w.sum()
    before = np.cumsum(w) - w
    take = np.clip(keep - before, 0, w)
    return float((take * y).sum() / keep)


def _bounds(y: np.ndarray, w: np.ndarray, treated: np.ndarray, answered: np.ndarray) -> tuple[float, float, float]:
    """Lee bounds (lower, upper) and the trimming share, for sorted ``y`` (NaN where not answered)."""
    p1 = w[treated & answered].sum() / w[treated].sum()
    p0 = w[~treated & answered].sum() / w[~treated].sum()
    t, c = treated & answered, ~treated & answered
    mean = lambda m: float(np.average(y[m], weights=w[m]))  # noqa: E731
    if p1 >= p0:
        q = (p1 - p0) / p1
        return (trimmed_mean(y[t], w[t], q, top=True) - mean(c), trimmed_mean(y[t], w[t], q, top=False) - mean(c), q)
    q = (p0 - p1) / p0
    return (mean(t) - trimmed_mean(y[c], w[c], q, top=False), mean(t) - trimmed_mean(y[c], w[c], q, top=True), q)


def lee_bounds(design: Design, outcome: str | None = None, draws: int = 250, seed: int = 2009) -> pd.DataFrame:
    """Lee bounds on the direct effect (assigned against pure control) per wave."""
    outcome = outcome or design.spec.main_outcome
    d = design.data
    arm = design.arm()
    keep = (arm != "nonassigned").to_numpy()
    base_w = _weights(design).to_numpy(float)[keep]
    treated = (arm == "assigned").to_numpy()[keep]
    cluster = pd.factorize(d[design.spec.cluster].to_numpy()[keep])[0]
    g = int(cluster.max()) + 1
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(g, np.full(g, 1 / g), size=draws).astype(float)
    rows = []
    for wave in design.spec.waves:
        col = Spec.column(outcome, wave)
        if col not in d.columns:
            continue
        y = d[col].to_numpy(float)[keep]
        order = np.argsort(np.where(np.isnan(y), np.inf, y), kind="stable")
        ys, ws, ts, cs = y[order], base_w[order], treated[order], cluster[order]
        answered = ~np.isnan(ys)
        lo, hi, q = _bounds(ys, ws, ts, answered)
        boot = np.array([_bounds(ys, ws * counts[b][cs], ts, answered)[:2] for b in range(draws)])
        se_lo, se_hi = np.nanstd(boot, axis=0, ddof=1)
        z = stats.norm.ppf(0.975)
        naive = float(np.average(ys[ts & answered], weights=ws[ts & answered])
                      - np.average(ys[~ts & answered], weights=ws[~ts & answered]))
        rows.append({"outcome": outcome, "wave": wave, "trimmed_share": q, "respondents_difference": naive,
                     "lower": lo, "upper": hi, "se_lower": se_lo, "se_upper": se_hi,
                     "ci_low": lo - z * se_lo, "ci_high": hi + z * se_hi, "draws": draws,
                     "nobs": int(answered.sum()), "clusters": g})
    return pd.DataFrame(rows)
