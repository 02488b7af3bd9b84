"""Presentation in the report's style: Swedish labels and numbers, X marks, Table 5's shade levels.

This module shapes display strings and levels; the HTML is made in :mod:`fou.pages`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fou.study import definition as study
from fou.extracts.swedish import MISSING, format_number, is_missing
from fou.study.tables import numeric_columns

#: Table 5's three greens (report: high ≥ 50 %, middle 15–49 %, low 0–14 %); the colours are in the stylesheet.
SHADE_LABELS = {"high": "Hög andel: 50 procent eller mer", "middle": "Medelandel: 15–49 procent",
                "low": "Låg andel: 0–14 procent"}


def shade_level(value: float) -> str | None:
    """``high``/``middle``/``low`` for a share in percent, judged on the printed (rounded) integer."""
    if is_missing(value):
        return None
    printed = np.floor(float(value) + 0.5)
    if printed >= 50:
        return "high"
    if printed >= 15:
        return "middle"
    return "low"


def shade_levels(table: pd.DataFrame) -> pd.DataFrame:
    """Shade per cell of a year table; an i.u. cell takes the shade of the nearest
    following year with data, failing that of the nearest preceding one."""
    cols = numeric_columns(table)
    levels = table[cols].apply(lambda col: col.map(shade_level))
    filled = levels.bfill(axis=1).ffill(axis=1)
    return filled


def column_labels(kind: str, table: pd.DataFrame) -> dict[str, str]:
    """Swedish column labels for a study table."""
    labels = {"municipality": "Kommun"}
    labels.update({c: study.ALL_KPIS[c].label if c in study.ALL_KPIS else c for c in numeric_columns(table)})
    return labels


def _decimals(column: str, kind: str) -> int:
    if column in study.ALL_KPIS:
        return study.ALL_KPIS[column].decimals
    return study.PARTICIPANTS.decimals if kind == "table4" else study.REFERRALS_AF.decimals


def format_table(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Strings as the report prints them; ``Kommun`` first, Swedish labels as columns."""
    out = pd.DataFrame({"Kommun": table["municipality"].to_numpy()})
    labels = column_labels(kind, table)
    for col in numeric_columns(table):
        if kind == "table3":
            out[labels[col]] = [MISSING if is_missing(v) else ("X" if v >= 0.5 else "") for v in table[col]]
        else:
            out[labels[col]] = [format_number(v, _decimals(col, kind)) for v in table[col]]
    return out


def caption(kind: str, year: int | None = None, years: Sequence[int] | None = None) -> str:
    """The report's table title for the given year(s)."""
    return study.TITLES[kind].format(year=year, years=study.year_span(list(years or [])))


def is_total_row(table: pd.DataFrame) -> list[bool]:
    """Rows that are Riket (printed bold under a rule in Table 2)."""
    return [i == study.RIKET_ID for i in table.get("municipality_id", pd.Series(dtype=object))]
