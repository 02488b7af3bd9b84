"""HTML blocks of the pages, rendered from the Jinja2 templates in ``fou/templates``.

Pages are self-contained: the one stylesheet is inlined when a page is rendered,
figures are embedded as data URIs. Tables are rendered from cells that carry a
CSS class (numbers right-aligned, Table 5's greens, verdicts), never inline styles.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from fou.extracts.swedish import format_number, format_p, is_p_column


SCOPE = "fou-output"
_STYLE_OPEN = '<style data-fou="scoped">'
_WRAP_CLOSE = "</div>"


class HTML:
    """Minimal rich-display wrapper so notebooks show HTML without importing IPython.

    In Jupyter every non-empty block carries the stylesheet, scoped to its wrapper
    (``<div class="fou-output">``) so it styles fou's outputs the way the reader's page
    does and leaves JupyterLab alone; an empty block displays nothing at all; the
    plain-text form is the block's text, never a memory address."""

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str | None:
        if not self.data.strip():
            return None
        return f'<div class="{SCOPE}">{_STYLE_OPEN}{scoped_stylesheet()}</style>{self.data}{_WRAP_CLOSE}'

    def _ipython_display_(self) -> None:
        """Called by IPython instead of the repr: nothing for an empty block, else HTML and plain text."""
        if not self.data.strip():
            return
        from IPython.display import publish_display_data

        publish_display_data({"text/html": self._repr_html_(), "text/plain": repr(self)})

    def __repr__(self) -> str:
        text = " ".join(re.sub(r"<[^>]+>", " ", self.data).split())
        text = html_lib.unescape(text)
        return text if len(text) <= 300 else text[:299] + "…"

    def __add__(self, other: "HTML") -> "HTML":
        return HTML(self.data + other.data)


def unwrap(text: str) -> str:
    """An output's HTML as the reader's page shows it: without the wrapper and scoped stylesheet
    (the page carries the whole stylesheet once), byte for byte what the block holds."""
    head = f'<div class="{SCOPE}">{_STYLE_OPEN}'
    if text.startswith(head) and text.endswith(_WRAP_CLOSE):
        end = text.find("</style>", len(head))
        if end >= 0:
            return text[end + len("</style>"):-len(_WRAP_CLOSE)]
    return text


#: Undo what JupyterLab's own output styles (``.jp-RenderedHTMLCommon …``) do to tables that the
#: reader's page does not: right-aligned, striped, fixed-layout cells. The doubled class outranks
#: Lab's ``:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td``; placed before the scoped
#: stylesheet, whose class-qualified rules (``td.num``) then win over it.
_R = f".{SCOPE}.{SCOPE}"
_LAB_RESET = (f"{_R} table{{table-layout:auto;color:inherit;border:none;margin-left:0;margin-right:0}}"
              f"{_R} thead{{border-bottom:none;vertical-align:middle}}"
              f"{_R} tr,{_R} th,{_R} td{{text-align:start;vertical-align:top;line-height:inherit;"
              f"white-space:normal;max-width:none;border:none}}{_R} th{{text-align:left}}"
              f"{_R} tbody tr:nth-child(odd),{_R} tbody tr:nth-child(even),{_R} tbody tr:hover"
              f"{{background:transparent}}")
_LAB_AFTER = f".{SCOPE}{{background:#fff;padding:0.1em 0.2em}}"


@lru_cache(maxsize=1)
def scoped_stylesheet() -> str:
    """The stylesheet with every selector inside ``.fou-output`` (``body`` and ``:root`` become the
    wrapper itself; the page shell's ``main`` and ``header`` rules are left out), for outputs shown
    in JupyterLab. Parsed with tinycss2 (nbconvert's own CSS parser) rather than by hand."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(stylesheet(), skip_comments=True, skip_whitespace=True)
    return _LAB_RESET + "".join(_scoped_rule(r) for r in rules) + _LAB_AFTER


def _scoped_rule(rule) -> str:
    import tinycss2

    if rule.type == "qualified-rule":
        selectors = [_scoped_selector(s.strip()) for s in tinycss2.serialize(rule.prelude).split(",")]
        selectors = [s for s in selectors if s]
        body = " ".join(tinycss2.serialize(rule.content).split())
        return f"{','.join(selectors)}{{{body}}}" if selectors else ""
    if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content is not None:
        inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
        body = "".join(_scoped_rule(r) for r in inner)
        return f"@media {tinycss2.serialize(rule.prelude).strip()}{{{body}}}" if body else ""
    return ""


def _scoped_selector(selector: str) -> str:
    first = selector.split()[0] if selector else ""
    if first in (":root", "body", "html"):
        return f".{SCOPE}{selector[len(first):]}"
    if first == "main" or first.startswith("header") or first.startswith(".jp-"):
        return ""
    return f".{SCOPE} {selector}"


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
