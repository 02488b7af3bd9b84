"""Counties' survey answers and Dua shares beside Kolada: Spearman rank correlations.

Each area (a county, or SKR's combined Stockholm and Gotland) gets, per Kolada KPI, the
unweighted mean of its municipalities' values in one year (the average municipality, as the
survey's respondents are municipalities; Kolada's own county values are not in the national
extract for every KPI), and the share of its municipalities that were KROM pilots. The
correlations are descriptive and ecological: counties, not municipalities, and not causes.

p-values come from :func:`scipy.stats.permutation_test` on the pairing of ranks: exact (every
permutation) when there are few enough areas, otherwise from random permutations with a
fixed seed; two-sided as scipy defines it (twice the smaller one-sided p, at most 1).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from fou.effects.multiple import holm
from fou.effects.survey.tables import counties_of, county_name

PILOT_SHARE = "krom_pilot_share"
PILOT_LABEL = "andel av länets kommuner som var KROM-piloter från april 2020 (%)"


def area_values(areas: Sequence[str], values: pd.DataFrame, kpis: Sequence[str], year: int,
                units: pd.DataFrame, pilots: pd.DataFrame) -> pd.DataFrame:
    """Per area: ``area, region_id`` and for each KPI the unweighted mean of the municipalities
    with a value in ``year`` (``<kpi>`` and ``<kpi>_n``), plus the share of pilot municipalities."""
    k = units[units["type"].astype(str) == "K"].assign(county=lambda d: d["county"].astype(str).str.zfill(2))
    v = values[(values["year"] == year) & (values["gender"] == "T") & values["kpi"].isin(list(kpis))]
    pilot_ids = set(pilots["municipality_id"].astype(str))
    rows = []
    for area in areas:
        members = set(k.loc[k["county"].isin(counties_of(area)), "id"])
        row = {"area": area, "region_id": "+".join(f"00{c}" for c in counties_of(area)), "municipalities": len(members)}
        for kpi in kpis:
            d = v[(v["kpi"] == kpi) & v["municipality_id"].isin(members)]["value"].dropna()
            row[kpi] = float(d.mean()) if len(d) else np.nan
            row[f"{kpi}_n"] = len(d)
        row[PILOT_SHARE] = 100 * len(members & pilot_ids) / len(members) if members else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _ranked_correlation(x, y, axis=-1):
    """Pearson correlation of already ranked data along ``axis`` (vectorised for scipy)."""
    x = x - x.mean(axis=axis, keepdims=True)
    y = y - y.mean(axis=axis, keepdims=True)
    return (x * y).sum(axis=axis) / np.sqrt((x * x).sum(axis=axis) * (y * y).sum(axis=axis))


def spearman(x: Sequence[float], y: Sequence[float], draws: int = 9999, seed: int = 20231) -> dict:
    """Spearman's rho of the complete pairs and its two-sided permutation p-value: ``n, rho, p_value,
    exact`` (exact when n! ≤ draws: every permutation is enumerated)."""
    pair = pd.DataFrame({"x": x, "y": y}).dropna()
    n = len(pair)
    if n < 3 or pair["x"].nunique() < 2 or pair["y"].nunique() < 2:
        return {"n": n, "rho": np.nan, "p_value": np.nan, "exact": False}
    rx, ry = stats.rankdata(pair["x"]), stats.rankdata(pair["y"])
    kwargs = {"permutation_type": "pairings", "n_resamples": draws, "vectorized": True, "alternative": "two-sided"}
    key = "rng" if "rng" in inspect.signature(stats.permutation_test).parameters else "random_state"
    kwargs[key] = np.random.default_rng(seed)
    # one sample permuted against the other held fixed: n! distinct pairings (scipy counts (n!)² for two samples)
    res = stats.permutation_test((rx,), lambda a, axis=-1: _ranked_correlation(a, ry, axis), **kwargs)
    return {"n": n, "rho": float(res.statistic), "p_value": float(res.pvalue), "exact": math.factorial(n) <= draws}


def correlations(measures: pd.DataFrame, context: pd.DataFrame, variables: dict[str, str], draws: int = 9999,
                 seed: int = 20231) -> pd.DataFrame:
    """Every measure (columns of ``measures`` but ``area``) against every variable of ``context``
    (joined on ``area``): ``measure, variable, variable_label, n_areas, rho, p_value, exact, p_holm``
    (Holm over the whole table)."""
    data = measures.merge(context, on="area", how="left")
    rows = []
    for measure in [c for c in measures.columns if c != "area"]:
        for var, label in variables.items():
            r = spearman(data[measure], data[var], draws, seed)
            rows.append({"measure": measure, "variable": var, "variable_label": label, "n_areas": r["n"],
                         "rho": r["rho"], "p_value": r["p_value"], "exact": r["exact"]})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm_all(out["p_value"])
    return out


def holm_all(p: pd.Series) -> pd.Series:
    """Holm-adjusted p-values over every non-missing p (missing stays missing)."""
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = holm(p[ok].to_numpy())
    return out


def survey_measures(wide_by_figure: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Per area (the national row left out): the net balance Positiv − Negativ of each figure,
    in columns ``fig<N>``."""
    out = None
    for figure, w in wide_by_figure.items():
        d = w[w["region_id"] != "0000"][["area"]].assign(**{f"fig{figure}": w["Positiv"] - w["Negativ"]})
        out = d if out is None else out.merge(d, on="area", how="outer")
    return out if out is not None else pd.DataFrame({"area": []})


def long_form(measures: pd.DataFrame, context: pd.DataFrame, kpis: Sequence[str], source: str) -> pd.DataFrame:
    """The county data behind the correlations, one row per area and variable: ``source, area, region_id,
    municipalities, variable, value, n`` (``n``: municipalities with a value; for a measure, empty)."""
    data = measures.merge(context, on="area", how="left")
    rows = []
    for _, r in data.iterrows():
        base = {"source": source, "area": r["area"], "region_id": r["region_id"], "municipalities": r["municipalities"]}
        for m in [c for c in measures.columns if c != "area"]:
            rows.append({**base, "variable": m, "value": r[m], "n": np.nan})
        for k in kpis:
            rows.append({**base, "variable": k, "value": r[k], "n": r[f"{k}_n"]})
        rows.append({**base, "variable": PILOT_SHARE, "value": r[PILOT_SHARE], "n": r["municipalities"]})
    return pd.DataFrame(rows)


def label_areas(frame: pd.DataFrame) -> pd.Series:
    """Short county names of the areas (``Stockholm och Gotland`` for the combined row)."""
    return frame["area"].map(county_name)
