"""Figures of the evidence synthesis: studies per direction and the forest plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from fou.effects.plotting import DESKTOP_WIDTH, STYLE, legend_below, wrap
from fou.extracts.swedish import format_signed

GREEN, BLUE, GREY, INK = "#2e7d32", "#1f5fa8", "#9e9e9e", "#1f2a1f"


def _axis_numbers(axis, decimals: int) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _p: format_signed(v, decimals)))


def votes_figure(votes: pd.DataFrame, order: list[str], width: float = DESKTOP_WIDTH) -> Figure:
    """Studies per direction, one bar per reading (``läsning``), whole studies on the axis, drawn
    ``width`` inches wide with text of at least 9 pt; the legend sits under the axes (never over a
    bar) and the count labels have room right of the longest bar."""
    readings = list(dict.fromkeys(votes["läsning"]))
    phone = width < DESKTOP_WIDTH
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, 0.62 * len(order) * len(readings) + (2.2 if phone else 1.8)))
        height = 0.8 / len(readings)
        colours = [GREEN, BLUE, GREY]
        handles = []
        for i, reading in enumerate(readings):
            v = votes[votes["läsning"] == reading].set_index("label").reindex(order)["studies"].fillna(0)
            pos = np.arange(len(order)) - 0.4 + height * (i + 0.5)
            bars = ax.barh(pos, v.to_numpy(), height=height * 0.92, color=colours[i % 3])
            ax.bar_label(bars, labels=[str(int(x)) for x in v], padding=3, fontsize=9)
            handles.append(bars)
        ax.set_yticks(np.arange(len(order)), [wrap(o, width, 9, share=0.3 if phone else 0.25) for o in order], fontsize=9)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max(1, votes["studies"].max()) * 1.15 + 0.6)
        ax.set_xlabel("Antal studier", fontsize=9)
        ax.tick_params(axis="x", labelsize=9)
        ax.grid(axis="x", color="#e0e0e0")
        ax.grid(axis="y", visible=False)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        legend_below(fig, handles, readings, ncol=1 if phone else len(readings))
    return fig


def forest_figure(rows: pd.DataFrame, pooled: list[dict], xlabel: str) -> Figure:
    """Forest plot: each estimate with its 95 % interval (``label``, ``estimate``, ``ci_low``,
    ``ci_high``, ``group``); under each pooled group its estimate as a diamond over the
    Hartung–Knapp interval and the prediction interval as a thin line. ``pooled``: dicts
    with ``group``, ``label`` and ``result`` (a :class:`fou.effects.evidence.meta.MetaResult`)."""
    lines: list[tuple[str, str, object]] = []
    breaks = []
    for group, g in rows.groupby("group", sort=False):
        if lines:
            breaks.append(len(lines))
        lines += [("study", r.label, r) for r in g.itertuples()]
        lines += [("pooled", p["label"], p["result"]) for p in pooled if p["group"] == group]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(lines) + 1.3), dpi=110)
    ys = np.arange(len(lines))[::-1]
    for b in breaks:  # a rule between groups of comparable estimates
        ax.axhline(len(lines) - b - 0.5, color=GREY, lw=0.6, ls=":")
    for y, (kind, _label, item) in zip(ys, lines):
        if kind == "study":
            ax.plot([item.ci_low, item.ci_high], [y, y], color=BLUE, lw=1.4)
            ax.plot([item.estimate], [y], "s", color=BLUE, ms=6)
        else:
            if np.isfinite(item.pi_low):
                ax.plot([item.pi_low, item.pi_high], [y, y], color=GREY, lw=1.2)
            ax.fill([item.ci_low, item.estimate, item.ci_high, item.estimate], [y, y + 0.28, y, y - 0.28], color=GREEN)
    ax.axvline(0, color=INK, lw=0.8)
    ax.set_yticks(ys, [label for _k, label, _i in lines], fontsize=9)
    ax.set_xlabel(xlabel)
    _axis_numbers(ax.xaxis, 1)
    ax.grid(axis="x", color="#e0e0e0")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
