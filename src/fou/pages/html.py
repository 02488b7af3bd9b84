"""HTML blocks of the pages, rendered from the Jinja2 templates in ``fou/templates``.

Pages are self-contained: the one stylesheet is inlined when a page is rendered,
figures are embedded as data URIs. Tables are rendered from cells that carry a
CSS class (numbers right-aligned, Table 5's greens, verdicts), never inline styles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from fou.extracts.swedish import format_number, format_p, is_p_column


class HTML:
    """Minimal rich-display wrapper so notebooks show HTML without importing IPython."""

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __add__(self, other: "HTML") -> "HTML":
        return HTML(self.data + other.data)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The templates' environment (autoescaping on; trailing newlines trimmed)."""
    return Environment(loader=PackageLoader("fou", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(template: str, **context) -> str:
    """Render one template with ``context``."""
    return environment().get_template(template).render(**context)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The one stylesheet, inlined into every page."""
    return resources.files("fou").joinpath("templates/style.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and CSS class (``num``, ``mark``, ``shade-high`` …)."""

    text: str
    cls: str = ""


def table(header: Sequence[str | Cell], rows: Iterable[Sequence[Cell]], *, caption: str = "", heading: str = "h4",
          css_class: str = "fou-table", kind: str = "", source: str = "", row_classes: Sequence[str] | None = None,
          legend: Sequence[tuple[str, str]] = (), legend_note: str = "", stack: bool = False) -> str:
    """A table block: optional caption, the table in a scroll box, source line and legend.

    ``stack`` lays each row out as a labelled block on narrow screens (for tables of text,
    such as the statements, whose every column must stay readable on a phone)."""
    head = [h if isinstance(h, Cell) else Cell(str(h)) for h in header]
    body = [{"cells": list(r), "cls": (row_classes[i] if row_classes else "")} for i, r in enumerate(rows)]
    css_class = f"{css_class} fou-stack" if stack else css_class
    return render("table.html.j2", header=head, rows=body, caption=caption, heading=heading, css_class=css_class,
                  kind=kind, source=source, legend=legend, legend_note=legend_note, stack=stack)


def frame_cells(shown: pd.DataFrame, numeric: Iterable[str] = (), classes: pd.DataFrame | None = None) -> tuple[list[Cell], list[list[Cell]]]:
    """Header and rows of a frame of display strings; ``numeric`` columns right-aligned, ``classes`` per cell."""
    numeric = set(numeric)
    header = [Cell(str(c), "num" if c in numeric else "") for c in shown.columns]
    rows = []
    for i in range(len(shown)):
        row = []
        for j, col in enumerate(shown.columns):
            extra = classes.iat[i, j] if classes is not None and col in classes.columns else ""
            base = "num" if col in numeric else ""
            row.append(Cell(str(shown.iat[i, j]), " ".join(c for c in (base, extra or "") if c)))
        rows.append(row)
    return header, rows


def frame_html(frame: pd.DataFrame, decimals: dict[str, int] | None = None, columns: dict[str, str] | None = None,
               caption: str = "", css_class: str = "fou-table") -> str:
    """Any result frame in Swedish number style with Swedish column names; missing is i.u."""
    decimals = decimals or {}
    shown = frame.copy()
    numeric = []
    for col in shown.columns:
        if is_p_column(col) and pd.api.types.is_numeric_dtype(shown[col]):
            shown[col] = [format_p(v, decimals.get(col, 3)) for v in shown[col]]
        elif col in decimals:
            shown[col] = [format_number(v, decimals[col]) for v in shown[col]]
        elif pd.api.types.is_bool_dtype(shown[col]):
            continue
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [format_number(v, 2) for v in shown[col]]
        elif pd.api.types.is_integer_dtype(shown[col]):
            shown[col] = [format_number(v, 0) for v in shown[col]]
        else:
            shown[col] = ["i.u." if v is None or (isinstance(v, float) and v != v) else v for v in shown[col]]
            continue
        numeric.append(col)
    names = columns or {}
    shown = shown.rename(columns=names)
    header, rows = frame_cells(shown, [names.get(c, c) for c in numeric])
    return table(header, rows, caption=caption, css_class=css_class)


def notes(items: Sequence[str], title: str = "Observera") -> str:
    """A visible box listing notes (nothing when there are none)."""
    return render("notes.html.j2", notes=list(items), title=title) if items else ""


BADGES = {"transcribed": "Avskrivna siffror", "fetched": "Hämtat från Kolada", "synthetic": "Syntetiska data",
          "published": "Publicerade forskningsresultat", "microdata": "Individdata från experiment",
          "none": "Inga data ännu"}


def provenance(kind: str, rows: Sequence[tuple[str, str]]) -> str:
    """A provenance box: a badge for the data's kind and key–value rows."""
    return render("provenance.html.j2", kind=kind, badge=BADGES.get(kind, kind), rows=list(rows))


def figure(svg_base64: str, alt: str, phone_svg_base64: str = "") -> str:
    """An embedded SVG figure; with ``phone_svg_base64``, that variant is shown on narrow screens."""
    return render("figure.html.j2", data=svg_base64, phone=phone_svg_base64, alt=alt)
