"""A point estimate with its uncertainty (the pilot comparison's result type).

The experiment's estimators moved to :mod:`fou.effects.estimands` (estimands named by
the two-stage design) on :mod:`fou.effects.linear`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


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
