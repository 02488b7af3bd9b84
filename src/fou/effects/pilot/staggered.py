"""Staggered adoption: group-time ATTs for one early cohort, in the manner of Callaway &
Sant'Anna (2021), "Difference-in-differences with multiple time periods", J. Econometrics
225(2), with a joint placebo test (the two-way fixed-effects comparison is in
:mod:`fou.effects.pilot.twfe`).

The KROM pilot: 32 municipalities got private providers from April 2020 (cohort
g = 2020); every other municipality followed during 2021 (53 from 18 May, 101 from
1 October, 104 from 7 December; which municipality was in which stage was not found, so
the 2021 cohorts cannot be separated). With yearly data, ATT(g, t) is a long difference against the base year
g − 1 = 2019::

    ATT(g, t) = E[Y_t − Y_2019 | pilot] − E[Y_t − Y_2019 | comparison]

with the comparison = municipalities not yet treated in t. Only t = 2020 has such a
comparison ("clean"). In 2021–22 the comparison municipalities had private
providers too, so those ATTs compare the pilots with later adopters
("contaminated"). t < 2019 gives placebo ATTs: the pre-trend check.

Standard errors: one long difference per municipality, so clustering by
municipality is the heteroskedasticity-robust sandwich; the small-sample factor is
CR1, G/(G − 1)·(N − 1)/(N − K) with N = G municipalities and K = 2 (constant,
pilot), t with G − 1 degrees of freedom (statsmodels' and fixest's convention).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from fou.effects.randomisation import difference_statistics

SAMPLES = ("unbalanced", "balanced")
WEIGHTINGS = ("unweighted", "population_2019")
WEIGHT_KPI = "N01951"
COLUMNS = ["outcome", "year", "estimate", "std_error", "p_value", "ci_low", "ci_high", "n_treated", "n_control",
           "sample", "weighting"]


@dataclass(frozen=True)
class Design:
    """One treated cohort, its base year and the years the comparison units stay untreated."""

    cohort: int = 2020
    first_year: int = 2016
    last_year: int = 2022
    comparison_treated_from: int = 2021  # first year (part of) the comparison group is treated

    @property
    def base(self) -> int:
        return self.cohort - 1

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def period(self, year: int) -> str:
        """``placebo`` (before the base year), ``base``, ``clean`` or ``contaminated``."""
        if year < self.base:
            return "placebo"
        if year == self.base:
            return "base"
        return "clean" if year < self.comparison_treated_from else "contaminated"


KROM = Design()


def municipalities_only(values: pd.DataFrame) -> pd.DataFrame:
    """Rows of municipalities (type K: four digits, not ``00xx``), gender T, with a value."""
    ids = values["municipality_id"].astype(str)
    keep = ids.str.fullmatch(r"\d{4}") & ~ids.str.startswith("00") & values["value"].notna()
    if "gender" in values:
        keep &= values["gender"] == "T"
    return values[keep]


def wide_panel(values: pd.DataFrame, kpi: str, years: Sequence[int]) -> pd.DataFrame:
    """Municipalities × years of one KPI (missing stays NaN)."""
    v = municipalities_only(values)
    v = v[(v["kpi"] == kpi) & v["year"].isin(list(years))]
    return v.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first").reindex(
        columns=list(years))


@dataclass(frozen=True)
class LongDifference:
    """The data behind one ATT(g, t): per municipality Y_t − Y_base, pilot flag, weight."""

    units: np.ndarray
    delta: np.ndarray
    treated: np.ndarray
    weights: np.ndarray


def long_difference(wide: pd.DataFrame, treated_ids: Iterable[str], year: int, design: Design = KROM,
                    sample: str = "unbalanced", weights: pd.Series | None = None) -> LongDifference:
    """Y_year − Y_base for the sample: ``unbalanced`` = municipalities observed in the base
    year and ``year``; ``balanced`` = observed in every year of the design. ``weights``
    (by municipality) drop units without a weight."""
    if sample not in SAMPLES:
        raise ValueError(f"sample must be one of {SAMPLES}, not {sample!r}")
    years = design.years
    arr = wide.reindex(columns=years).to_numpy(float)
    ids = wide.index.to_numpy(dtype=object)
    need = [years.index(y) for y in (years if sample == "balanced" else [design.base, year])]
    keep = ~np.isnan(arr[:, need]).any(axis=1)
    wt = np.ones(len(ids))
    if weights is not None:
        wt = weights.reindex(wide.index).to_numpy(float)
        keep &= np.isfinite(wt) & (wt > 0)
    treated = set(treated_ids)
    is_treated = np.fromiter((i in treated for i in ids[keep]), bool, int(keep.sum()))
    delta = arr[keep, years.index(year)] - arr[keep, years.index(design.base)]
    return LongDifference(ids[keep], delta, is_treated, wt[keep])


@dataclass(frozen=True)
class Att:
    """A weighted difference in mean long differences with CR1 inference."""

    estimate: float
    std_error: float
    p_value: float
    ci_low: float
    ci_high: float
    n_treated: int
    n_control: int
    t_stat: float


def att(ld: LongDifference, level: float = 0.95) -> Att:
    """ATT(g, t) as the (weighted) difference in mean long differences, CR1 errors, t(G − 1)."""
    n1, n0 = int(ld.treated.sum()), int((~ld.treated).sum())
    if n1 < 2 or n0 < 2:
        return Att(np.nan, np.nan, np.nan, np.nan, np.nan, n1, n0, np.nan)
    est, se = (float(x) for x in difference_statistics(ld.delta, ld.treated, ld.weights))
    df = len(ld.delta) - 1
    t = est / se
    q = stats.t.ppf(0.5 + level / 2, df)
    return Att(est, se, float(2 * stats.t.sf(abs(t), df)), est - q * se, est + q * se, n1, n0, t)


def population_weights(values: pd.DataFrame, year: int) -> pd.Series:
    """Inhabitants (N01951) per municipality in ``year``: the weights of ``population_<year>``."""
    v = municipalities_only(values)
    v = v[(v["kpi"] == WEIGHT_KPI) & (v["year"] == year)]
    return v.set_index("municipality_id")["value"].astype(float)


def att_table(values: pd.DataFrame, treated_ids: Iterable[str], outcomes: Sequence[str], design: Design = KROM,
              samples: Sequence[str] = SAMPLES, weightings: Sequence[str] = WEIGHTINGS) -> pd.DataFrame:
    """ATT(g, t) for every outcome, year (but the base), sample and weighting.

    Columns: :data:`COLUMNS`, then ``period`` (placebo/clean/contaminated) and ``t_stat``.
    Years without enough units (fewer than two pilots or two others) are NaN."""
    treated_ids = set(treated_ids)
    pop = population_weights(values, design.base)
    rows = []
    for outcome in outcomes:
        wide = wide_panel(values, outcome, design.years)
        for sample in samples:
            for weighting in weightings:
                if weighting not in WEIGHTINGS:
                    raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {weighting!r}")
                weights = pop if weighting != "unweighted" else None
                for year in design.years:
                    if year == design.base:
                        continue
                    res = att(long_difference(wide, treated_ids, year, design, sample, weights))
                    rows.append({"outcome": outcome, "year": year, **{k: getattr(res, k) for k in COLUMNS[2:9]},
                                 "sample": sample, "weighting": weighting, "period": design.period(year),
                                 "t_stat": res.t_stat})
    return pd.DataFrame(rows, columns=COLUMNS + ["period", "t_stat"])


def placebo_wald(wide: pd.DataFrame, treated_ids: Iterable[str], design: Design = KROM, sample: str = "unbalanced",
                 weights: pd.Series | None = None) -> dict:
    """Joint test that every placebo ATT (years before the base year) is zero.

    The ATTs' covariance across years comes from their influence functions (each
    municipality's weighted deviation from its group mean, per year; municipalities
    missing a year contribute nothing to it), scaled by G/(G − 1); the Wald statistic
    W is referred to F(q, G − 1) as W/q, with q placebo years and G municipalities."""
    years = [y for y in design.years if design.period(y) == "placebo"]
    treated_ids = set(treated_ids)
    est, infl = [], {}
    for j, year in enumerate(years):
        ld = long_difference(wide, treated_ids, year, design, sample, weights)
        if ld.treated.sum() < 2 or (~ld.treated).sum() < 2:
            return {"q": 0, "F": np.nan, "p_value": np.nan, "n_units": 0}
        w1, w0 = ld.weights * ld.treated, ld.weights * ~ld.treated
        m1, m0 = (w1 * ld.delta).sum() / w1.sum(), (w0 * ld.delta).sum() / w0.sum()
        est.append(m1 - m0)
        psi = w1 * (ld.delta - m1) / w1.sum() - w0 * (ld.delta - m0) / w0.sum()
        for unit, value in zip(ld.units, psi):
            infl.setdefault(unit, np.zeros(len(years)))[j] = value
    psi = np.array(list(infl.values()))
    g, q = len(psi), len(years)
    vcov = psi.T @ psi * g / (g - 1)
    theta = np.array(est)
    wald = float(theta @ np.linalg.solve(vcov, theta))
    return {"q": q, "F": wald / q, "p_value": float(stats.f.sf(wald / q, q, g - 1)), "n_units": g}
