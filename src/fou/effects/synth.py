"""Synthetic two-stage randomised experiments with known true effects (clearly synthetic).

Design as in Crépon et al. (2013): markets get a treated share drawn from
``shares``; within a market each job seeker is assigned with that probability;
assigned people take the programme up with probability ``takeup`` (one-sided
non-compliance). Outcomes are binary with a linear probability:

``P(y = 1) = base + market shift + tau · took_up + spill · share``

so the truths are exact: the within-market intention-to-treat effect is
``takeup · tau``, the local average treatment effect ``tau``, and the effect of a
treated share ``s`` on people not assigned, against markets with no treatment,
``spill · s`` (displacement when negative). Column names follow the Crépon data
(``assigned``, ``signopp``, ``pct0``, ``anonale``, ``emploi``, ``emploi2`` …) so the
same variable mapping works for both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SYNTHETIC_NOTE = "SYNTETISKA DATA: genererade med kända sanna effekter, inte verkliga personer."


@dataclass(frozen=True)
class Truth:
    """The true effects of a synthetic experiment."""

    tau: float  # effect of taking up, per outcome wave (LATE)
    takeup: float
    spill: float  # effect of the treated share on everyone in the market

    @property
    def itt(self) -> float:
        return self.takeup * self.tau

    def spillover(self, share: float) -> float:
        return self.spill * share


def two_stage_experiment(n_markets: int = 150, per_market: int = 80, shares=(0.0, 0.25, 0.5, 0.75, 1.0),
                         tau: float = 0.08, takeup: float = 0.35, spill: float = -0.04, base: float = 0.5,
                         waves: tuple[str, ...] = ("", "2", "3", "4"), seed: int = 1) -> tuple[pd.DataFrame, Truth]:
    """A seeded synthetic data set and its :class:`Truth`."""
    rng = np.random.default_rng(seed)
    share_of_market = rng.choice(np.asarray(shares), size=n_markets)
    market = np.repeat(np.arange(1, n_markets + 1), per_market)
    share = share_of_market[market - 1]
    n = len(market)
    assigned = (rng.random(n) < share).astype(int)
    took_up = assigned * (rng.random(n) < takeup).astype(int)
    shift = rng.uniform(-0.1, 0.1, n_markets)[market - 1]
    homme = (rng.random(n) < 0.4).astype(int)
    df = pd.DataFrame({"anonale": market, "pct0": share, "assigned": assigned, "signopp": took_up,
                       "homme": homme, "age": rng.integers(18, 30, n), "anonreg": (market - 1) % 10 + 1})
    for wave in waves:
        p = base + shift + tau * took_up + spill * share
        df[f"emploi{wave}"] = (rng.random(n) < p).astype(float)
        df[f"cdi{wave}"] = (rng.random(n) < p - 0.25).astype(float)
        df[f"emploidur{wave}"] = (rng.random(n) < p - 0.1).astype(float)
    return df, Truth(tau, takeup, spill)
