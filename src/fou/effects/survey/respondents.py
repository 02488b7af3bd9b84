"""How many municipalities answered, inferred from rounded percentages.

A row of printed shares (whole percent) fits ``n`` respondents when there are whole numbers
of answers ``k_i`` summing to ``n`` with every printed share equal to ``100·k_i/n`` rounded
(a half may have gone either way), and the printed sums (Positiv, Negativ) equal their parts'
counts rounded the same way. The smallest such ``n`` is a lower bound for the number of
respondents; larger ``n`` may fit too (a multiple of a fitting ``n`` often does), so the
largest fitting ``n`` up to the county's number of municipalities is reported beside it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from fou.effects.survey.tables import RIKET, SCALE, SUMS, municipalities_of, wide

#: A printed whole percent p covers the exact shares [p − 0.5, p + 0.5] (halves rounded either way).
HALF = 0.5


def _candidates(percent: float, n: int) -> range:
    """Counts k out of n whose share rounds to ``percent``."""
    lo = math.ceil(n * (percent - HALF) / 100 - 1e-9)
    hi = math.floor(n * (percent + HALF) / 100 + 1e-9)
    return range(max(lo, 0), min(hi, n) + 1)


def fitting_counts(shares: Sequence[float], n: int, sums: Mapping[str, tuple[Sequence[int], float]] | None = None
                   ) -> list[tuple[int, ...]]:
    """Every vector of answer counts out of ``n`` that reproduces ``shares`` (and each printed sum:
    name → (indices of its parts, printed percent))."""
    options = [_candidates(p, n) for p in shares]
    if any(len(o) == 0 for o in options) or sum(o.start for o in options) > n or sum(o.stop - 1 for o in options) < n:
        return []
    found = []
    for counts in itertools.product(*options):
        if sum(counts) != n:
            continue
        if sums and not all(sum(counts[i] for i in parts) in _candidates(p, n) for parts, p in sums.values()):
            continue
        found.append(counts)
    return found


def fitting_n(shares: Sequence[float], upper: int, sums: Mapping[str, tuple[Sequence[int], float]] | None = None) -> list[int]:
    """Every respondent count 1…``upper`` that reproduces the row."""
    return [n for n in range(1, upper + 1) if fitting_counts(shares, n, sums)]


def row_shares(row: pd.Series) -> tuple[list[float], dict[str, tuple[list[int], float]]]:
    """The six answer shares of a printed row and its sums (indices into the six)."""
    shares = [float(row[c]) for c in SCALE]
    sums = {name: ([SCALE.index(p) for p in parts], float(row[name])) for name, parts in SUMS.items()
            if name in row and pd.notna(row[name])}
    return shares, sums


def infer(survey: pd.DataFrame, per_county: pd.Series, figures: Sequence[int] | None = None) -> pd.DataFrame:
    """Inferred respondents per figure and county row (the national row, whose N is stated, is left out):
    ``figure, area, region_id, respondents`` (the smallest
    fitting n, NaN when none fits), ``respondents_max`` (the largest up to the municipalities),
    ``municipalities`` (Kolada's), ``fits`` (how many n fit),
    ``counts`` (the answer counts for the smallest n when they are unique, ``;``-separated)."""
    rows = []
    for figure in figures or sorted(survey["figure"].unique()):
        for _, row in wide(survey, figure).iterrows():
            if row["region_id"] == RIKET:
                continue
            municipalities = municipalities_of(row["area"], per_county)
            shares, sums = row_shares(row)
            fits = fitting_n(shares, municipalities, sums)
            counts = fitting_counts(shares, fits[0], sums) if fits else []
            rows.append({"figure": int(figure), "area": row["area"], "region_id": row["region_id"],
                         "respondents": float(fits[0]) if fits else np.nan,
                         "respondents_max": float(fits[-1]) if fits else np.nan,
                         "municipalities": municipalities, "fits": len(fits),
                         "counts": ";".join(map(str, counts[0])) if len(counts) == 1 else ""})
    out = pd.DataFrame(rows)
    out["response_rate"] = 100 * out["respondents"] / out["municipalities"]
    return out


def dua_applicants(dua: pd.DataFrame, per_county: pd.Series) -> pd.DataFrame:
    """Dua's shares as counts: ``area, region_id, percent, municipalities, applicants`` (the whole
    number of municipalities whose share of the county's rounds to the printed percent; NaN when
    none does, the smallest when several do)."""
    out = dua.copy()
    out["municipalities"] = [municipalities_of(a, per_county) for a in out["area"]]
    fit = [list(_candidates(p, m)) for p, m in zip(out["percent"], out["municipalities"])]
    out["applicants"] = [float(f[0]) if f else np.nan for f in fit]
    out["applicants_fits"] = [len(f) for f in fit]
    return out
