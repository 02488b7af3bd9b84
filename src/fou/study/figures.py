"""Figures in the report's Swedish style, drawn for a given width (desktop or phone).

Every figure function takes ``width`` in inches: pages draw each figure twice, at
:data:`DESKTOP_WIDTH` and at :data:`PHONE_WIDTH`, so that text keeps its size in
points on a 390 px phone instead of being scaled down with the image.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from fou.extracts.swedish import axis_formatter, swedish_axes
from fou.study import definition as study

#: Widths in inches. A phone figure of 4.2 in (302 pt) is shown about 1.2 times its size on a 390 px screen.
DESKTOP_WIDTH = 8.0
PHONE_WIDTH = 4.2
PALETTE = {"U40806": "#2e7d32", "U40809": "#1f5fa8"}
SOURCE_LABELS = {"U40806": "Från Arbetsförmedlingen", "U40809": "Från socialtjänsten"}
#: Text sizes in points (the smallest is 9 pt: at least 10 px on a phone).
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9,
         "legend.fontsize": 9, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
         "grid.color": "#dddddd", "grid.linewidth": 0.6, "axes.axisbelow": True}


def _wrap(text: str, width: float, points: float) -> str:
    """Wrap ``text`` to the figure's width (about 0.55 em per character)."""
    return textwrap.fill(text, max(20, int(width * 72 / (0.55 * points))))


def diagram1_figure(data, years: Sequence[int], region_name: str, width: float = DESKTOP_WIDTH) -> Figure:
    """Diagram 1: referral shares per year; solid lines with dots for the region, dashed with squares for Riket.

    ``data`` is :func:`fou.study.tables.diagram1`'s long frame. Each line has one legend
    entry naming its source and area. An empty frame gives a figure that says there
    is nothing to draw rather than an empty axis.
    """
    phone = width < DESKTOP_WIDTH
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, 5.4 if phone else 4.5))
        plotted = data.dropna(subset=["value"])
        if plotted.empty:
            ax.text(0.5, 0.5, "Inga uppgifter att visa i extraktet", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            for kpi in ("U40806", "U40809"):
                for area, style, marker in ((region_name, "-", "o"), (study.RIKET_NAME, "--", "s")):
                    d = data[(data["kpi"] == kpi) & (data["area"] == area)].sort_values("year")
                    if d["value"].notna().any():
                        ax.plot(d["year"], d["value"], linestyle=style, marker=marker, color=PALETTE[kpi],
                                linewidth=2, markersize=5, label=f"{SOURCE_LABELS[kpi]}, {area}")
            ax.set_xticks(list(years), [str(y) for y in years])
            ax.set_xlim(min(years) - 0.3, max(years) + 0.3)
            ax.set_ylim(0, max(60, float(plotted["value"].max()) * 1.1))
            ax.set_ylabel("Procent av anvisningarna")
            swedish_axes(ax, decimals=0)
            if phone:
                ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1, frameon=False)
            else:
                ax.legend(loc="upper right", frameon=True)
        title = study.TITLES["diagram1"].format(years=study.year_span(list(years)))
        ax.set_title(_wrap(title, width, 11), loc="left")
        note = f"{study.SOURCES['diagram1']}. {region_name}: ovägt medelvärde av kommunerna med uppgift."
        fig.text(0.01, 0.005, _wrap(note, width, 9), fontsize=9, color="#444", va="bottom")
        _layout(fig, bottom=0.1 if phone else 0.06)
    return fig


def year_lines_figure(table, title: str, ylabel: str, decimals: int = 0, width: float = DESKTOP_WIDTH) -> Figure:
    """Small multiples of a year table (one panel per municipality, own scale from zero), e.g. Tabell 4."""
    cols = [c for c in table.columns if c not in ("municipality_id", "municipality")]
    years = [int(c) for c in cols]
    n = len(table)
    ncols = max(1, min(n, int(width / 1.6 + 1e-9)))
    nrows = math.ceil(n / ncols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, 1.75 * nrows + 0.6), squeeze=False)
        for ax, (_, row) in zip(axes.flat, table.iterrows()):
            ax.plot(years, row[cols].astype(float).to_numpy(), marker="o", markersize=4, color="#2e7d32")
            ax.set_title(row["municipality"], fontsize=10)
            ticks = years if len(years) <= 3 else [years[0], years[len(years) // 2], years[-1]]
            ax.set_xticks(ticks, [str(y) for y in ticks])
            ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
            ax.set_ylim(bottom=0)
            swedish_axes(ax, decimals=decimals)
        for ax in list(axes.flat)[n:]:
            ax.set_axis_off()
        for ax in axes[:, 0]:
            ax.set_ylabel(ylabel)
        fig.suptitle(_wrap(title, width, 11), x=0.01, ha="left", fontsize=11)
        _layout(fig)
    return fig


def _layout(fig: Figure, bottom: float = 0.0) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout(rect=(0, bottom, 1, 1))


def for_phone(fig: Figure, smallest: float = 9.0) -> Figure:
    """Re-lay ``fig`` out at :data:`PHONE_WIDTH` with no text below ``smallest`` points: the phone
    variant of a figure drawn without a width parameter. Changes ``fig`` in place."""
    from matplotlib.text import Text

    w, h = fig.get_size_inches()
    for ax in fig.axes:
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = axis.get_ticklabels()
            if labels and labels[0].get_fontsize() < smallest:
                ax.tick_params(axis=which, labelsize=smallest)
    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < smallest:
            text.set_fontsize(smallest)
        if len(text.get_text()) > 30:
            text.set_wrap(True)  # long titles and notes wrap at the figure's edge
    if w > PHONE_WIDTH:
        fig.set_size_inches(PHONE_WIDTH, max(2.4, h * PHONE_WIDTH / w * 1.5))
    _layout(fig)
    return fig


def swedish_ticks(fig: Figure) -> Figure:
    """Swedish tick labels (decimal comma, true minus, thin-space thousands) on every axis that
    still has matplotlib's default number formatter; years, categories and set labels are kept."""
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(axis_formatter())
    return fig


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG with real text (legible, searchable, measurable) and no timestamp."""
    buf = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "fou"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def save_figure(fig: Figure, path) -> None:
    """Save a figure as PNG (150 dpi, for download) atomically."""
    from fou.extracts.atomic import atomic_file

    with atomic_file(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=150, bbox_inches="tight")
