"""Figures of the two-stage experiment: direct and spillover effects by treated share
and by survey wave, in percentage points with 95 % intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from fou.extracts.swedish import format_number

COLOURS = {"direct": "#2e7d32", "spillover": "#b71c1c", "within_market": "#757575", "late": "#1f5fa8",
           "market": "#6d4c41"}


def _axis_pp(ax, axis: str = "y") -> None:
    fmt = FuncFormatter(lambda v, _p: format_number(v, 0 if abs(v) >= 1 or v == 0 else 1))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    ax.axhline(0, color="#444", lw=0.8)


def _points(ax, x: np.ndarray, rows: pd.DataFrame, colour: str, label: str, offset: float) -> None:
    if rows.empty:
        return
    est, lo, hi = (100 * rows[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
    ax.errorbar(x + offset, est, yerr=[est - lo, hi - est], fmt="o", color=colour, ecolor=colour, capsize=3, label=label)


def _panels(n: int, columns: int | None) -> tuple[Figure, list]:
    """``n`` panels side by side (``columns`` None) or ``columns`` to a row; one column is
    drawn at phone width."""
    n = max(n, 1)
    cols = min(columns or n, n)
    rows = -(-n // cols)
    width = 3.3 * cols if columns is None or columns > 1 else 4.2
    fig, axes = plt.subplots(rows, cols, figsize=(width, 3.0 * rows + 0.6), dpi=110, sharey=True, squeeze=False)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def by_share_figure(table: pd.DataFrame, outcome: str, labels: Mapping[str, str], title: str,
                    columns: int | None = None) -> Figure:
    """One panel per wave: ``direct_<share>`` and ``spillover_<share>`` against the share
    (``columns=1`` stacks the panels for a phone)."""
    sns.set_theme(style="whitegrid")
    t = table[(table["outcome"] == outcome) & table["term"].str.match(r"^(direct|spillover)_\d+$")]
    waves = sorted(t["wave"].unique())
    small = 9 if columns == 1 else 8
    fig, axes = _panels(len(waves), columns)
    for ax, wave in zip(axes, waves):
        w = t[t["wave"] == wave]
        for kind, offset in (("direct", -1.5), ("spillover", 1.5)):
            rows = w[w["term"].str.startswith(kind + "_")]
            share = rows["term"].str.rsplit("_", n=1).str[1].astype(int).to_numpy()
            _points(ax, share, rows, COLOURS[kind], labels[kind], offset)
        ax.set_xticks([25, 50, 75, 100], ["25", "50", "75", "100"])
        ax.set_xlim(12, 113)
        ax.set_title(f"Omgång {wave}", fontsize=small + 1)
        ax.set_xlabel("Andel behandlade i marknaden, %", fontsize=small)
        ax.tick_params(labelsize=small)
        ax.set_ylabel("Procentenheter" if columns == 1 else "", fontsize=small)
        _axis_pp(ax)
    if columns != 1:
        axes[0].set_ylabel("Procentenheter mot marknader utan behandling", fontsize=small)
    axes[0].legend(fontsize=small - (0 if columns == 1 else 1), loc="lower left")
    fig.suptitle(title, fontsize=small + 2, x=0.01, ha="left", wrap=True)
    fig.tight_layout()
    return fig


def by_wave_figure(table: pd.DataFrame, outcomes: Sequence[str], terms: Sequence[str], outcome_labels: Mapping[str, str],
                   term_labels: Mapping[str, str], title: str, columns: int | None = None) -> Figure:
    """One panel per outcome: the pooled ``terms`` against the survey wave (``columns=1`` stacks them)."""
    sns.set_theme(style="whitegrid")
    small = 9 if columns == 1 else 8
    fig, axes = _panels(len(outcomes), columns)
    offsets = np.linspace(-0.2, 0.2, len(terms)) if len(terms) > 1 else [0.0]
    for ax, outcome in zip(axes, outcomes):
        o = table[table["outcome"] == outcome]
        for term, offset in zip(terms, offsets):
            rows = o[o["term"] == term].sort_values("wave")
            _points(ax, rows["wave"].to_numpy(float), rows, COLOURS.get(term, "#333"), term_labels[term], offset)
        ax.set_xticks(sorted(o["wave"].unique()))
        ax.set_title(outcome_labels.get(outcome, outcome), fontsize=small + 1)
        ax.set_xlabel("Enkätomgång", fontsize=small)
        ax.tick_params(labelsize=small)
        _axis_pp(ax)
    axes[0].set_ylabel("Procentenheter", fontsize=small)
    axes[0].legend(fontsize=small - (0 if columns == 1 else 1), loc="lower left")
    fig.suptitle(title, fontsize=small + 2, x=0.01, ha="left", wrap=True)
    fig.tight_layout()
    return fig
