"""Differences between two extracts: values added, removed and revised."""

from __future__ import annotations

import pandas as pd


def diff_values(a: pd.DataFrame, b: pd.DataFrame, tolerance: float | dict[str, float] = 1e-9) -> pd.DataFrame:
    """Values added, removed and revised from extract ``a`` to extract ``b``.

    Keys are ``kpi, municipality_id, year, gender``. A value turning missing counts
    as removed, a missing one gaining a value as added. ``tolerance`` may be one
    number or a mapping per KPI (see :func:`fou.study.definition.rounding_tolerances`).
    """
    key = ["kpi", "municipality_id", "year", "gender"]
    left = a[key + ["municipality", "value"]].rename(columns={"value": "value_a", "municipality": "name_a"})
    right = b[key + ["municipality", "value"]].rename(columns={"value": "value_b", "municipality": "name_b"})
    m = left.merge(right, on=key, how="outer")
    has_a, has_b = m["value_a"].notna(), m["value_b"].notna()
    change = pd.Series("", index=m.index, dtype=object)
    change[has_b & ~has_a] = "added"
    change[has_a & ~has_b] = "removed"
    tol = m["kpi"].map(tolerance).fillna(1e-9) if isinstance(tolerance, dict) else tolerance
    change[has_a & has_b & ((m["value_b"] - m["value_a"]).abs() > tol)] = "revised"
    m["change"] = change
    m["difference"] = m["value_b"] - m["value_a"]
    m["municipality"] = m["name_b"].fillna(m["name_a"])
    out = m[m["change"] != ""][key[:2] + ["municipality", "year", "gender", "value_a", "value_b", "difference", "change"]]
    return out.sort_values(key).reset_index(drop=True)


def diff_summary(diff: pd.DataFrame) -> pd.DataFrame:
    """Counts of added, removed and revised values per KPI."""
    if diff.empty:
        return pd.DataFrame(columns=["kpi", "added", "removed", "revised"])
    t = diff.pivot_table(index="kpi", columns="change", values="year", aggfunc="count", fill_value=0)
    return t.reindex(columns=["added", "removed", "revised"], fill_value=0).reset_index()
