"""Figures of the evidence synthesis: studies per direction and the forest plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from fou.extracts.swedish import format_signed

GREEN, BLUE, GREY, INK = "#2e7d32", "#1f5fa8", "#9e9e9e", "#1f2a1f"


def _axis_numbers(axis, decimals: int) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _p: format_signed(v, decimals)))


def votes_figure(votes: pd.DataFrame, order: list[str]) -> Figure:
    """Studies per direction, one bar per reading (``läsning``), whole studies on the axis."""
    readings = list(dict.fromkeys(votes["läsning"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(order) * len(readings) + 1.2), dpi=110)
    height = 0.8 / len(readings)
    colours = [GREEN, BLUE, GREY]
    for i, reading in enumerate(readings):
        v = votes[votes["läsning"] == reading].set_index("label").reindex(order)["studies"].fillna(0)
        pos = np.arange(len(order)) - 0.4 + height * (i + 0.5)
        bars = ax.barh(pos, v.to_numpy(), height=height * 0.92, color=colours[i % 3], label=reading)
        ax.bar_label(bars, labels=[str(int(x)) for x in v], padding=3, fontsize=8)
    ax.set_yticks(np.arange(len(order)), order)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(1, votes["studies"].max()) + 0.6)
    ax.set_xlabel("Antal studier")
    ax.grid(axis="x", color="#e0e0e0")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
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
    ax.set_yticks(ys, [label for _k, label, _i in lines], fontsize=8)
    ax.set_xlabel(xlabel)
    _axis_numbers(ax.xaxis, 1)
    ax.grid(axis="x", color="#e0e0e0")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
