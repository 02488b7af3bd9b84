"""Blocks every page is made of: provenance box, tables, figures and notes.

Each ``show_*`` returns something Jupyter displays as HTML and, when ``output_dir``
is set, also saves the unformatted table as CSV under ``tables/`` and the figure as
PNG under ``figures/``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from fou.extracts.atomic import atomic_write_text
from fou.extracts.format import format_csv_value
from fou.extracts.swedish import plural
from fou.pages import columns, html
from fou.pages.html import HTML
from fou.study import definition as study
from fou.study import figures as plots
from fou.study.inputs import StudyInputs


def table_csv(table: pd.DataFrame) -> str:
    """CSV with unformatted numbers, empty cells for missing, flags as 1/0."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(format_csv_value)
    return out.to_csv(index=False, lineterminator="\n")


def excel_csv(table: pd.DataFrame) -> str:
    """The same table for Excel with Swedish settings: Swedish column names, ``;`` between
    fields, decimal comma, CRLF line ends and a byte-order mark so Excel reads it as UTF-8."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: format_csv_value(v).replace(".", ","))
    return "\ufeff" + columns.swedish_headers(out).to_csv(index=False, sep=";", lineterminator="\r\n")


def save_csv(frame: pd.DataFrame, output_dir: str | Path | None, name: str | None) -> None:
    """Write ``tables/<name>.csv`` and ``tables/excel/<name>.csv`` (Swedish column names)
    under ``output_dir`` (nothing when either is unset)."""
    if output_dir and name:
        atomic_write_text(Path(output_dir) / "tables" / f"{name}.csv", table_csv(frame))
        atomic_write_text(Path(output_dir) / "tables" / "excel" / f"{name}.csv", excel_csv(frame))


def downloads(output_dir: str | Path | None, csv: Sequence[str] = (), png: Sequence[str] = (),
              figures: Sequence[str] = ()) -> str:
    """Links from a page (``html/<page>.html``) to its saved files: tables by name, PNG figures by name,
    other figures by file name (``figures``); nothing when nothing was saved."""
    files = [f"{name}.png" for name in png] + list(figures)
    if not output_dir or not (csv or files):
        return ""
    return html.render("downloads.html.j2", csv=list(csv), figures=files)


def figure_html(fig, alt: str, phone=None) -> HTML:
    """A figure as embedded SVG, with a phone variant shown below the page's breakpoint; closes both.
    Axes still on matplotlib's default number format get Swedish tick labels.

    ``phone`` is the same figure drawn at :data:`fou.study.figures.PHONE_WIDTH`; without
    it, ``fig`` itself is re-laid out at that width (text keeps its size in points)."""
    wide = plots.svg_bytes(plots.swedish_ticks(fig))
    if phone is None:
        phone = plots.for_phone(fig)
    narrow = plots.svg_bytes(plots.swedish_ticks(phone))
    plt.close(fig)
    plt.close(phone)
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    return HTML(html.figure(b64(wide), alt, b64(narrow)))


def header_html(kind: str, rows: Sequence[tuple[str, str]]) -> HTML:
    """A provenance box: a badge for the data's kind and key–value rows."""
    return HTML(html.provenance(kind, rows))


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, columns: dict[str, str] | None = None,
               caption: str = "", output_dir: str | Path | None = None, csv_name: str | None = None) -> HTML:
    """A result table in Swedish style; also saved as CSV (with links to it) when ``output_dir`` and ``csv_name`` are set."""
    save_csv(frame, output_dir, csv_name)
    links = downloads(output_dir, csv=[csv_name] if csv_name else [])
    return HTML(html.frame_html(frame, decimals, columns, caption) + links)


def show_figure(fig, alt: str, output_dir: str | Path | None = None, png_name: str | None = None, phone=None) -> HTML:
    """A figure embedded in the page (``phone``: its variant drawn for phones, see :func:`figure_html`);
    also saved as PNG (with a link to it) when ``output_dir`` and ``png_name`` are set."""
    saved = bool(output_dir and png_name)
    if saved:
        plots.save_figure(fig, Path(output_dir) / "figures" / f"{png_name}.png")
    return figure_html(fig, alt, phone) + HTML(downloads(output_dir, png=[png_name] if saved else []))


def show_notes(notes: Sequence[str], title: str = "Observera") -> HTML:
    """A visible box of notes (nothing when there are none)."""
    return HTML(html.notes(list(notes), title))


def extract_header(inputs: StudyInputs, extra: Sequence[tuple[str, str]] = (), years: str | None = None) -> HTML:
    """Provenance box for a page on a Kolada extract (``years`` overrides the År row)."""
    ex = inputs.extract
    rows = [("Källa", ex.provenance()), ("Extrakt", f"{ex.manifest.get('name', ex.path.name)} (sha256 {ex.checksum[:12]}…)"),
            ("Region", "Riket: hela landet, ett värde per år (inte en kommun)" if inputs.region.is_riket
             else f"{inputs.region.label()}: {plural(len(inputs.region.ids), 'kommun', 'kommuner')}"),
            ("År", years or study.year_span(list(inputs.years))), *extra]
    return header_html(ex.source_kind, rows)
