"""Figures in the report's Swedish style (seaborn)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from fou.study import definition as study
from fou.extracts.swedish import format_number

PALETTE = {"U40806": "#2e7d32", "U40809": "#1f5fa8"}
SOURCE_LABELS = {"U40806": "Från Arbetsförmedlingen", "U40809": "Från socialtjänsten"}


def _swedish_axis(ax, decimals: int = 0) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, decimals)))


def diagram1_figure(data, years: Sequence[int], region_name: str) -> Figure:
    """Diagram 1: referral shares per year; solid lines for the region, dashed for Riket.

    ``data`` is :func:`fou.tables.diagram1`'s long frame. An empty frame gives a figure
    that says there is nothing to draw rather than an empty axis.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    plotted = data.dropna(subset=["value"])
    if plotted.empty:
        ax.text(0.5, 0.5, "Inga uppgifter att visa i extraktet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        plotted = plotted.assign(Källa=plotted["kpi"].map(SOURCE_LABELS), Område=plotted["area"])
        sns.lineplot(data=plotted, x="year", y="value", hue="Källa", style="Område", markers=True,
                     palette={SOURCE_LABELS[k]: c for k, c in PALETTE.items()}, ax=ax,
                     style_order=[region_name, study.RIKET_NAME] if (plotted["area"] == study.RIKET_NAME).any() else [region_name])
        ax.set_xticks(list(years))
        ax.set_xlim(min(years) - 0.3, max(years) + 0.3)
        ax.set_ylim(0, max(60, float(plotted["value"].max()) * 1.1))
        ax.set_xlabel("")
        ax.set_ylabel("Procent av anvisningarna")
        _swedish_axis(ax)
        ax.legend(loc="upper right", frameon=True, fontsize=9)
    ax.set_title(study.TITLES["diagram1"].format(years=study.year_span(list(years))), fontsize=11, loc="left")
    fig.text(0.01, 0.01, f"{study.SOURCES['diagram1']}. {region_name}: ovägt medelvärde av kommunerna med uppgift.",
             fontsize=8, color="#444")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def year_lines_figure(table, title: str, ylabel: str, decimals: int = 0) -> Figure:
    """Small multiples of a year table (one panel per municipality), e.g. Tabell 4."""
    sns.set_theme(style="whitegrid", context="notebook")
    cols = [c for c in table.columns if c not in ("municipality_id", "municipality")]
    long = table.melt(id_vars=["municipality"], value_vars=cols, var_name="år", value_name="värde")
    long["år"] = long["år"].astype(int)
    grid = sns.relplot(data=long, x="år", y="värde", col="municipality", col_wrap=5, kind="line", marker="o",
                       height=1.9, aspect=1.25, facet_kws={"sharey": False}, color="#2e7d32")
    grid.set_titles("{col_name}")
    grid.set_axis_labels("", ylabel)
    for ax in grid.axes.flat:
        ax.set_xticks([int(c) for c in cols][:: max(1, len(cols) // 3)])
        ax.set_ylim(bottom=0)
        _swedish_axis(ax, decimals)
    grid.figure.suptitle(title, x=0.01, ha="left", fontsize=11)
    grid.figure.tight_layout()
    return grid.figure


def save_figure(fig: Figure, path) -> None:
    """Save a figure as PNG atomically."""
    from fou.extracts.atomic import atomic_file

    with atomic_file(path, "wb") as fh:
        fig.savefig(fh, format="png", bbox_inches="tight")
