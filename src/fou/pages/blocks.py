"""Blocks every page is made of: provenance box, tables, figures and notes.

Each ``show_*`` returns something Jupyter displays as HTML and, when ``output_dir``
is set, also saves the unformatted table as CSV under ``tables/`` and the figure as
PNG under ``figures/``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from fou.extracts.atomic import atomic_write_bytes, atomic_write_text
from fou.extracts.format import format_csv_value
from fou.pages import html
from fou.pages.html import HTML
from fou.study import definition as study
from fou.study.inputs import StudyInputs


def table_csv(table: pd.DataFrame) -> str:
    """CSV with unformatted numbers, empty cells for missing, flags as 1/0."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(format_csv_value)
    return out.to_csv(index=False, lineterminator="\n")


def save_csv(frame: pd.DataFrame, output_dir: str | Path | None, name: str | None) -> None:
    """Write ``tables/<name>.csv`` under ``output_dir`` (nothing when either is unset)."""
    if output_dir and name:
        atomic_write_text(Path(output_dir) / "tables" / f"{name}.csv", table_csv(frame))


def figure_png(fig) -> bytes:
    """A figure as PNG bytes; closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def figure_html(fig, alt: str) -> HTML:
    """A figure as an embedded PNG (self-contained HTML); closes the figure."""
    return HTML(html.figure(base64.b64encode(figure_png(fig)).decode("ascii"), alt))


def header_html(kind: str, rows: Sequence[tuple[str, str]]) -> HTML:
    """A provenance box: a badge for the data's kind and key–value rows."""
    return HTML(html.provenance(kind, rows))


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, columns: dict[str, str] | None = None,
               caption: str = "", output_dir: str | Path | None = None, csv_name: str | None = None) -> HTML:
    """A result table in Swedish style; also saved as CSV when ``output_dir`` and ``csv_name`` are set."""
    save_csv(frame, output_dir, csv_name)
    return HTML(html.frame_html(frame, decimals, columns, caption))


def show_figure(fig, alt: str, output_dir: str | Path | None = None, png_name: str | None = None) -> HTML:
    """A figure embedded in the page; also saved as PNG when ``output_dir`` and ``png_name`` are set
    (rendered once for both)."""
    png = figure_png(fig)
    if output_dir and png_name:
        atomic_write_bytes(Path(output_dir) / "figures" / f"{png_name}.png", png)
    return HTML(html.figure(base64.b64encode(png).decode("ascii"), alt))


def show_notes(notes: Sequence[str], title: str = "Observera") -> HTML:
    """A visible box of notes (nothing when there are none)."""
    return HTML(html.notes(list(notes), title))


def extract_header(inputs: StudyInputs, extra: Sequence[tuple[str, str]] = (), years: str | None = None) -> HTML:
    """Provenance box for a page on a Kolada extract (``years`` overrides the År row)."""
    ex = inputs.extract
    rows = [("Källa", ex.provenance()), ("Extrakt", f"{ex.manifest.get('name', ex.path.name)} (sha256 {ex.checksum[:12]}…)"),
            ("Region", f"{inputs.region.label()}: {len(inputs.region.ids)} kommuner"),
            ("År", years or study.year_span(list(inputs.years))), *extra]
    return header_html(ex.source_kind, rows)
