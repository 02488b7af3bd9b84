"""Presentation in the report's style: Swedish labels and numbers, X marks, Table 5 greens."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from fou.study import definition as study
from fou.extracts.swedish import MISSING, format_number, is_missing
from fou.study.tables import numeric_columns

#: Table 5's three greens (report: high ≥ 50 %, middle 15–49 %, low 0–14 %).
SHADES = {"high": "#2e7d32", "middle": "#81c784", "low": "#e8f5e9"}
SHADE_TEXT = {"high": "#ffffff", "middle": "#10330f", "low": "#10330f"}
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


def style_table(table: pd.DataFrame, kind: str) -> Styler:
    """A pandas Styler in the report's look (Table 5 in three greens), index hidden."""
    shown = format_table(table, kind)
    styler = shown.style.hide(axis="index")
    styler = styler.set_table_attributes(f'class="fou-table fou-{kind}" data-table="{kind}"')
    styler = styler.set_properties(subset=shown.columns[1:], **{"text-align": "right"})
    styler = styler.set_properties(subset=["Kommun"], **{"text-align": "left"})
    if kind == "table5":
        levels = shade_levels(table)
        css = levels.map(lambda lv: f"background-color: {SHADES[lv]}; color: {SHADE_TEXT[lv]}" if lv else "")
        css.columns = shown.columns[1:]
        css.index = shown.index
        styler = styler.apply(lambda _: css, axis=None, subset=shown.columns[1:])
    if kind == "table2":
        riket = shown.index[table["municipality_id"].to_numpy() == study.RIKET_ID]
        styler = styler.set_properties(subset=pd.IndexSlice[riket, :], **{"font-weight": "bold", "border-top": "2px solid #555"})
    return styler


def caption(kind: str, year: int | None = None, years: Sequence[int] | None = None) -> str:
    """The report's table title for the given year(s)."""
    return study.TITLES[kind].format(year=year, years=study.year_span(list(years or [])))


def shade_legend_html() -> str:
    """The legend of Table 5's greens."""
    items = "".join(
        f'<span style="display:inline-block;margin:0 1em 0.3em 0"><span style="display:inline-block;'
        f'width:1em;height:1em;vertical-align:middle;background:{SHADES[k]};border:1px solid #999"></span> '
        f"{html.escape(SHADE_LABELS[k])}</span>"
        for k in ("high", "middle", "low")
    )
    return f'<div class="fou-legend">{items}<br><em>i.u. = ingen uppgift; färgen följer närmast följande år med uppgift, annars närmast föregående.</em></div>'


def note_html(notes: Sequence[str], title: str = "Observera") -> str:
    """A visible box listing notes (missing series, thin data)."""
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f'<div class="fou-note" style="border-left:4px solid #c77700;background:#fff8e1;padding:0.5em 1em;'
            f'margin:0.8em 0"><strong>{html.escape(title)}</strong><ul style="margin:0.3em 0">{items}</ul></div>')


def table_html(table: pd.DataFrame, kind: str, year: int | None = None, years: Sequence[int] | None = None,
               notes: Sequence[str] = ()) -> str:
    """A complete table block: title, table, source line, legend and notes."""
    parts = [f'<h3 class="fou-caption">{html.escape(caption(kind, year, years))}</h3>',
             '<div class="fou-scroll" style="overflow-x:auto">', style_table(table, kind).to_html(), "</div>",
             f'<p class="fou-source"><em>{html.escape(study.SOURCES[kind])}</em></p>']
    if kind == "table5":
        parts.append(shade_legend_html())
    parts.append(note_html(notes))
    return "\n".join(parts)


class HTML:
    """Minimal rich-display wrapper so notebooks show HTML without importing IPython."""

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data


def frame_html(frame: pd.DataFrame, decimals: dict[str, int] | None = None, columns: dict[str, str] | None = None,
               caption: str = "", css_class: str = "fou-table") -> str:
    """Any result frame in Swedish number style with Swedish column names; missing is i.u."""
    decimals = decimals or {}
    shown = frame.copy()
    for col in shown.columns:
        if col in decimals:
            shown[col] = [format_number(v, decimals[col]) for v in shown[col]]
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [format_number(v, 2) for v in shown[col]]
        elif pd.api.types.is_integer_dtype(shown[col]):
            shown[col] = [format_number(v, 0) for v in shown[col]]
    shown = shown.rename(columns=columns or {})
    styler = shown.style.hide(axis="index").set_table_attributes(f'class="{css_class}"')
    head = f'<h4 class="fou-caption">{html.escape(caption)}</h4>' if caption else ""
    return head + '<div class="fou-scroll" style="overflow-x:auto">' + styler.to_html() + "</div>"
