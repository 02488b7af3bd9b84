"""Figures of the two-stage experiment: direct and spillover effects by treated share
and by survey wave, with 95 % intervals, in percentage points for 0/1 outcomes and in
their own unit for others. Drawn for a given width
(desktop or phone, see :mod:`fou.effects.plotting`): panels in two columns on a desktop,
one on a phone, the legend under them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fou.effects.plotting import DESKTOP_WIDTH, STYLE, legend_below, wrap
from fou.extracts.swedish import swedish_axes

COLOURS = {"direct": "#2e7d32", "spillover": "#b71c1c", "within_market": "#757575", "late": "#1f5fa8",
           "market": "#6d4c41"}


def _axis_pp(ax) -> None:
    swedish_axes(ax, decimals=None)
    ax.axhline(0, color="#444", lw=0.8)


def _points(ax, x: np.ndarray, rows: pd.DataFrame, colour: str, label: str, offset: float, scale: float = 100.0) -> None:
    if rows.empty:
        return
    est, lo, hi = (scale * rows[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
    ax.errorbar(x + offset, est, yerr=[est - lo, hi - est], fmt="o", color=colour, ecolor=colour, capsize=3, label=label)


def _grid(n: int, width: float, sharey: bool = True) -> tuple[Figure, list]:
    """``n`` panels sharing the y axis (when ``sharey``): two columns on a desktop, one on a phone."""
    cols = 1 if width < DESKTOP_WIDTH else min(2, max(n, 1))
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width, 2.9 * rows + 1.3), sharey=sharey, squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    return fig, list(axes.flat)


def _finish(fig: Figure, axes: list, n: int, title: str, ylabel: str | Sequence[str], width: float) -> None:
    """Titles and legend; ``ylabel`` one label for shared axes, or one per panel."""
    phone = width < DESKTOP_WIDTH
    cols = 1 if phone else min(2, max(n, 1))
    for i, ax in enumerate(axes[:n]):
        if not isinstance(ylabel, str):
            ax.set_ylabel(ylabel[i])
        elif i % cols == 0:
            ax.set_ylabel(ylabel)
    fig.suptitle(wrap(title, width, 11, share=0.95), x=0.01, ha="left", fontsize=11)
    handles, labels = axes[0].get_legend_handles_labels() if n else ([], [])
    legend_below(fig, handles, labels, ncol=1 if phone else max(1, len(labels)))


def by_share_figure(table: pd.DataFrame, outcome: str, labels: Mapping[str, str], title: str,
                    width: float = DESKTOP_WIDTH, unit: tuple[float, str] = (100.0, "Procentenheter")) -> Figure:
    """One panel per wave: ``direct_<share>`` and ``spillover_<share>`` against the share;
    ``unit`` is (scale, axis label) of the outcome (percentage points for a 0/1 outcome)."""
    t = table[(table["outcome"] == outcome) & table["term"].str.match(r"^(direct|spillover)_\d+$")]
    waves = sorted(t["wave"].unique())
    with plt.rc_context(STYLE):
        fig, axes = _grid(len(waves), width)
        for ax, wave in zip(axes, waves):
            w = t[t["wave"] == wave]
            for kind, offset in (("direct", -1.5), ("spillover", 1.5)):
                rows = w[w["term"].str.startswith(kind + "_")]
                share = rows["term"].str.rsplit("_", n=1).str[1].astype(int).to_numpy()
                _points(ax, share, rows, COLOURS[kind], labels[kind], offset, unit[0])
            ax.set_xticks([25, 50, 75, 100], ["25", "50", "75", "100"])
            ax.set_xlim(12, 113)
            ax.set_title(f"Omgång {wave}", loc="left", fontsize=10)
            ax.set_xlabel("Andel behandlade i marknaden, %")
            _axis_pp(ax)
        _finish(fig, axes, len(waves), title, unit[1], width)
    return fig


def by_wave_figure(table: pd.DataFrame, outcomes: Sequence[str], terms: Sequence[str], outcome_labels: Mapping[str, str],
                   term_labels: Mapping[str, str], title: str, width: float = DESKTOP_WIDTH,
                   units: Mapping[str, tuple[float, str]] | None = None) -> Figure:
    """One panel per outcome: the pooled ``terms`` against the survey wave. ``units`` gives
    each outcome's (scale, axis label), percentage points by default; panels share their
    y axis only when every outcome has the same unit."""
    offsets = np.linspace(-0.2, 0.2, len(terms)) if len(terms) > 1 else [0.0]
    units = {o: (units or {}).get(o, (100.0, "Procentenheter")) for o in outcomes}
    shared = len({u[1] for u in units.values()}) <= 1
    with plt.rc_context(STYLE):
        fig, axes = _grid(len(outcomes), width, sharey=shared)
        for ax, outcome in zip(axes, outcomes):
            o = table[table["outcome"] == outcome]
            for term, offset in zip(terms, offsets):
                rows = o[o["term"] == term].sort_values("wave")
                _points(ax, rows["wave"].to_numpy(float), rows, COLOURS.get(term, "#333"), term_labels[term], offset,
                        units[outcome][0])
            waves = sorted(int(w) for w in o["wave"].unique())
            ax.set_xticks(waves, [str(w) for w in waves])
            ax.set_xlim(min(waves, default=1) - 0.5, max(waves, default=1) + 0.5)
            ax.set_title(outcome_labels.get(outcome, outcome), loc="left", fontsize=10)
            ax.set_xlabel("Enkätomgång")
            _axis_pp(ax)
        _finish(fig, axes, len(outcomes), title,
                units[outcomes[0]][1] if shared and outcomes else [units[o][1] for o in outcomes], width)
    return fig
