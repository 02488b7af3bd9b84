"""Kolada's KPI metadata as an extract records it: per KPI the unit type, the gender
split and the publication dates, with the years that were preliminary when fetched."""

from __future__ import annotations

from typing import Any

import pandas as pd

#: Catalogue columns kept in an extract's ``kpis.csv`` (Kolada's ``/kpi`` fields).
CATALOGUE_COLUMNS = ["id", "title", "description", "is_divided_by_gender", "municipality_type", "auspice",
                     "operating_area", "perspective", "prel_publication_date", "publication_date", "publ_period",
                     "has_ou_data"]
_RECORDED = ["title", "municipality_type", "is_divided_by_gender", "has_ou_data", "operating_area", "publ_period",
             "prel_publication_date", "publication_date"]


def clean(value: Any) -> Any:
    """A metadata cell with missing values (``None``, NaN, ``""``) as ``None``."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def truthy(value: Any) -> bool | None:
    """Kolada's booleans (``true``, ``"True"``, ``1``) as bool; ``None`` when missing."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def preliminary_years(row: dict[str, Any], when: str, years_present: set[int] | None = None) -> list[int]:
    """The year Kolada publishes for ``row`` (``publ_period``) when it was preliminary at
    ``when`` (ISO date or timestamp): ``prel_publication_date`` ≤ ``when`` < ``publication_date``.

    With ``years_present``, only a year the extract actually has counts.
    """
    period, prel, final = clean(row.get("publ_period")), clean(row.get("prel_publication_date")), clean(row.get("publication_date"))
    day = str(when)[:10]
    try:
        year = int(str(period))
    except (TypeError, ValueError):
        return []
    if prel is None or str(prel)[:10] > day or (final is not None and day >= str(final)[:10]):
        return []
    if years_present is not None and year not in years_present:
        return []
    return [year]


def kpi_metadata(meta: pd.DataFrame, values: pd.DataFrame, when: str) -> dict[str, dict[str, Any]]:
    """Per KPI: Kolada's unit type, gender split, publication dates, the preliminary
    years among the fetched ones, and, for KPIs split by gender, how many
    unit-years have a total but lack a K or M row."""
    out: dict[str, dict[str, Any]] = {}
    for row in meta.to_dict("records") if len(meta) else []:
        kpi = str(row.get("id"))
        rec = {k: clean(row.get(k)) for k in _RECORDED}
        for flag in ("is_divided_by_gender", "has_ou_data"):
            rec[flag] = truthy(row.get(flag))
        own = values[values["kpi"] == kpi] if len(values) else values
        present = set(int(y) for y in own.loc[own["value"].notna(), "year"]) if len(own) else set()
        rec["preliminary_years"] = preliminary_years(row, when, present)
        if rec["is_divided_by_gender"]:
            by = own.groupby(["municipality_id", "year"])["gender"].agg(set) if len(own) else pd.Series(dtype=object)
            rec["unit_years_missing_gender"] = int(sum(1 for g in by if "T" in set(g) and not {"K", "M"} <= set(g)))
        out[kpi] = rec
    return out


def kpi_table(meta: pd.DataFrame) -> str:
    """The KPIs' catalogue rows as ``kpis.csv`` text (searchable offline with ``fou kpi search --extract``)."""
    df = meta.copy()
    for col in CATALOGUE_COLUMNS:
        if col not in df:
            df[col] = None
    df = df[CATALOGUE_COLUMNS].map(clean)
    return df.sort_values("id").to_csv(index=False, lineterminator="\n")


def gender_note(rec: dict[str, Any]) -> str:
    """How to read missing K/M rows of a KPI, for listings."""
    split = rec.get("is_divided_by_gender")
    if split is False:
        return "not split by gender (T only)"
    if split is None:
        return "gender split unknown"
    missing = rec.get("unit_years_missing_gender") or 0
    return f"split by gender; K/M missing for {missing} unit-years" if missing else "split by gender"
