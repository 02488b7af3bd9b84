"""A synthetic two-stage randomised experiment with known truth (clearly synthetic).

The design follows Crépon et al. (2013): local labour markets come in quintuplets,
and within each quintuplet the five markets get the treated shares 0, 25, 50, 75 and
100 % in random order; job seekers arrive in cohorts (``session``); within a market
each is assigned (``assigned``) with probability equal to its share; an assigned
person takes the programme up (``signopp``) with probability ``takeup``.

Outcomes are binary with a linear probability. At survey wave ``w``, for a person in
a market with treated share ``s``:

``P(y = 1) = base + stratum and market shifts + took_up · (tau_w + spill_assigned · s)
+ non_assigned_in_treated_market · spill_nonassigned · s``

(times a scale per outcome; ``homme`` adds ``tau_men`` to the effect of taking up).
By default assigned people who do not take up are unaffected, so assignment works only
through take-up and assigned non-takers share none of the market's spillover (the
exclusion restriction of ``late``). With ``nontaker_spillover=True`` they get the
non-assigned's spillover instead (the assumption of ``late_shared_spillover``), so the
two LATEs differ in truth in opposite ways under the two settings. The spillovers on participants and
on the non-assigned differ, so the estimands differ: relative to markets with no
treatment, the direct effect at share ``s`` is ``takeup · (tau + spill_assigned · s)``,
the spillover on the non-assigned ``spill_nonassigned · s``, and the within-market
contrast is their difference. Every person answers wave 1; later waves lose people
at random with a response rate that depends on the arm (attrition unrelated to the
outcome), so Lee bounds must contain the truth.

:class:`Truth` keeps each person's true effect per outcome column, so the truth of any
estimand is the same estimator applied to the true effects (exact also for pooled
estimands, whose weights over shares depend on the regression).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SYNTHETIC_NOTE = "SYNTETISKA DATA: genererade med kända sanna effekter, inte verkliga personer."
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
OUTCOMES = {"emploidur": (0.35, 1.0), "cdd6m": (0.20, 0.5), "cdi": (0.25, 0.5), "emploi": (0.50, 1.0)}  # base, scale


@dataclass(frozen=True)
class Truth:
    """The true parameters, and each person's true effect per outcome column: the change
    in the probability of the outcome against what it would be in a market with no
    treatment (zero in pure-control markets). The closed-form methods below describe the
    default design; with ``nontaker_spillover`` or ``flat_spillover`` use ``effect``."""

    takeup: float
    tau: tuple[float, ...]  # effect of taking up at share 0+, per wave
    spill_assigned: float  # change in the effect of taking up per unit of treated share
    spill_nonassigned: float  # effect on the non-assigned per unit of treated share
    tau_men: float
    share_men: float
    scale: dict[str, float]
    response: dict[str, float]  # response rate at waves 2–4 by arm
    effect: dict[str, np.ndarray] = field(repr=False, compare=False, default_factory=dict)  # per outcome column

    def _scale(self, outcome: str) -> float:
        return self.scale[outcome]

    def late(self, outcome: str, wave: int, share: float) -> float:
        """Effect of taking up, against markets with no treatment, averaged over men and women."""
        return self._scale(outcome) * (self.tau[wave - 1] + self.tau_men * self.share_men + self.spill_assigned * share)

    def direct(self, outcome: str, wave: int, share: float) -> float:
        return self.takeup * self.late(outcome, wave, share)

    def spillover(self, outcome: str, wave: int, share: float) -> float:
        return self._scale(outcome) * self.spill_nonassigned * share

    def within_market(self, outcome: str, wave: int, share: float) -> float:
        return self.direct(outcome, wave, share) - self.spillover(outcome, wave, share)

    def market(self, outcome: str, wave: int, share: float) -> float:
        """Net effect on the whole market at treated share ``share`` (a share ``share`` assigned)."""
        return share * self.direct(outcome, wave, share) + (1 - share) * self.spillover(outcome, wave, share)


def two_stage_experiment(n_quintuplets: int = 47, cohorts: int = 4, per_cell: int = 12, takeup: float = 0.4,
                         tau: tuple[float, ...] = (0.12, 0.10, 0.08, 0.07), spill_assigned: float = -0.04,
                         spill_nonassigned: float = -0.10, tau_men: float = 0.04, share_men: float = 0.45,
                         response: dict[str, float] | None = None, seed: int = 1,
                         nontaker_spillover: bool = False, flat_spillover: bool = False) -> tuple[pd.DataFrame, Truth]:
    """A seeded synthetic data set with the Crépon file's column names, and its :class:`Truth`.

    ``per_cell`` job seekers per market and cohort; 235 markets and 11 280 people by default.
    ``flat_spillover``: the spillovers are the same in every treated market (the ``spill_*``
    parameters times 1 instead of times the share), as the treated-market control of
    ``late_shared_spillover`` assumes."""
    rng = np.random.default_rng(seed)
    response = response or {"assigned": 0.86, "nonassigned": 0.78, "control": 0.80}
    n_markets = 5 * n_quintuplets
    market_share = np.concatenate([rng.permutation(SHARES) for _ in range(n_quintuplets)])
    market = np.repeat(np.arange(1, n_markets + 1), cohorts * per_cell)
    session = np.tile(np.repeat(np.arange(1, cohorts + 1), per_cell), n_markets)
    n = len(market)
    share = market_share[market - 1]
    assigned = (rng.random(n) < share).astype(int)
    took_up = assigned * (rng.random(n) < takeup)
    homme = (rng.random(n) < share_men).astype(int)
    employed_before = rng.random(n) < 0.45  # coded as in the Crépon file: 1 employed at assignment, 2 not
    quint = (market - 1) // 5 + 1
    shift = (rng.uniform(-0.05, 0.05, n_markets)[market - 1]
             + rng.uniform(-0.05, 0.05, (n_quintuplets, cohorts))[quint - 1, session - 1])
    spill_group = (1 - (took_up if nontaker_spillover else assigned)) * (share > 0)
    arm = np.where(assigned == 1, "assigned", np.where(share > 0, "nonassigned", "control"))
    rate = pd.Series(arm).map(response).to_numpy()
    df = pd.DataFrame({"anonale": market, "noq": quint, "session": session, "pct0": share, "assigned": assigned,
                       "signopp": took_up, "homme": homme, "emploiav": np.where(employed_before, 1, 2), "age": rng.integers(18, 30, n),
                       "anonreg": (quint - 1) % 10 + 1})
    effects: dict[str, np.ndarray] = {}
    for wave in range(1, len(tau) + 1):
        responds = np.ones(n, dtype=bool) if wave == 1 else rng.random(n) < rate
        for outcome, (base, scale) in OUTCOMES.items():
            exposure = (share > 0).astype(float) if flat_spillover else share
            effect = scale * (took_up * (tau[wave - 1] + tau_men * homme + spill_assigned * exposure)
                              + spill_group * spill_nonassigned * exposure)
            p = base + shift + effect  # within (0, 1) for the defaults; checked below
            if p.min() < 0 or p.max() > 1:
                raise ValueError("effects too large for the base rates: probabilities outside 0–1")
            col = outcome if wave == 1 else f"{outcome}{wave}"
            effects[col] = effect
            df[col] = np.where(responds, (rng.random(n) < p).astype(float), np.nan)
    truth = Truth(takeup, tuple(tau), spill_assigned, spill_nonassigned, tau_men, share_men,
                  {o: s for o, (_, s) in OUTCOMES.items()}, dict(response), effects)
    return df, truth


def columns() -> list[str]:
    """The synthetic experiment's column names (for validating parameters without the data)."""
    return list(two_stage_experiment(n_quintuplets=1, cohorts=1, per_cell=1)[0].columns)
