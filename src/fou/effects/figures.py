"""Figures of the municipal panel (notebook 05), drawn for a given width like
:mod:`fou.study.figures`: pages draw each figure at :data:`DESKTOP_WIDTH` and at
:data:`PHONE_WIDTH`, so text keeps its size in points on a 390 px phone. Shared
helpers for legends below the axes and for naming lines at their end without
overlaps live here too (the pilot's figures are in :mod:`fou.effects.pilot_figures`,
the evidence synthesis' in :mod:`fou.effects.evidence_figures`)."""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from fou.effects.panel import PERIOD_NAMES, period_label, period_years
from fou.extracts.swedish import swedish_axes
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH, STYLE  # noqa: F401 (re-exported for the pages)

GREEN, BLUE, GREY, RED = "#2e7d32", "#1f5fa8", "#9e9e9e", "#b71c1c"
PERIOD_COLOURS = {"före": "#f1f8e9", "omställning": "#fffde7", "fristående": "#e3f2fd"}


def wrap(text: str, width: float, points: float = 10, share: float = 1.0) -> str:
    """Wrap ``text`` to ``share`` of a figure ``width`` inches wide (about 0.6 em a character,
    DejaVu Sans; browsers' sans-serif fonts are narrower)."""
    return textwrap.fill(text, max(12, int(share * width * 72 / (0.6 * points))))


def layout(fig: Figure, bottom: float = 0.0) -> None:
    """``tight_layout`` above ``bottom`` (a fraction of the height kept for a legend)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout(rect=(0, bottom, 1, 1))


def legend_below(fig: Figure, handles: Sequence, labels: Sequence[str], ncol: int) -> None:
    """A legend under the axes, its labels wrapped to the figure's width, and the axes laid out
    above it (nothing overlaps the data)."""
    column = fig.get_size_inches()[0] / ncol - 0.7  # inches for a label beside its handle
    labels = [wrap(t, column, 9) for t in labels]
    legend = fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.canvas.draw()
    height = legend.get_window_extent().height / fig.bbox.height
    layout(fig, bottom=min(0.6, height + 0.015))


def _spread(targets: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
    """Positions for sorted ``targets``, at least ``gap`` apart and within [lo, hi] when there
    is room (else reaching above ``hi``): pushed up where crowded, then down from the top."""
    pos = np.clip(np.asarray(targets, float), lo, hi)
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    top = max(hi, lo + gap * (len(pos) - 1))
    if len(pos) and pos[-1] > top:
        pos[-1] = top
        for i in range(len(pos) - 2, -1, -1):
            pos[i] = min(pos[i], pos[i + 1] - gap)
    return pos


def end_labels(ax, x: float, points: Sequence[tuple[float, str]], fontsize: float = 9, colour: str = "#333") -> list:
    """Name lines at their end (``x``, y) on ``ax``: labels right of ``x``, spread so that none
    overlap, with a thin leader from a point to its label when it had to move; widens the x
    axis to make room. Call when the layout is final (it measures the axes)."""
    if not points:
        return []
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    probe = [ax.text(0, 0, name, fontsize=fontsize) for _, name in points]
    text_px = max(t.get_window_extent(renderer).width for t in probe)
    for t in probe:
        t.remove()
    box = ax.get_window_extent(renderer)
    pad_px, lead_px = 3 * fig.dpi / 72, 12 * fig.dpi / 72
    x0, x1 = ax.get_xlim()
    k = (text_px + lead_px + pad_px) / box.width  # share of the axes the labels need
    right = max(x1, (x - k * x0) / (1 - k)) if k < 0.9 else x + 9 * (x - x0)
    ax.set_xlim(x0, right)
    per_px = (right - x0) / box.width
    x_text = x + lead_px * per_px
    y0, y1 = ax.get_ylim()
    gap = fontsize * 1.2 * fig.dpi / 72 / box.height * (y1 - y0)
    order = sorted(points, key=lambda p: p[0])
    pos = _spread(np.array([y for y, _ in order]), gap, y0 + gap / 2, y1 - gap / 2)
    texts = []
    for (y, name), p in zip(order, pos):
        texts.append(ax.text(x_text, p, name, fontsize=fontsize, va="center", ha="left", color=colour))
        ax.plot([x + pad_px * per_px, x_text - pad_px * per_px], [y, p], color="#999999", lw=0.6, zorder=1)
    return texts


def panel_figure(panel: pd.DataFrame, outcome: str, label: str, region_name: str, width: float = DESKTOP_WIDTH) -> Figure:
    """Each municipality as a thin grey line named at its end, the region's unweighted mean
    thick and green, the reform's periods shaded over the chosen years (explained in the
    legend under the axes). Years between the chosen ones that are not chosen are gaps."""
    phone = width < DESKTOP_WIDTH
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, 6.4 if phone else 5.2))
        ax.set_title(wrap(label, width, share=0.85), loc="left")
        if panel[outcome].notna().sum() == 0:
            ax.text(0.5, 0.5, "Inga uppgifter i extraktet", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            layout(fig)
            return fig
        years = sorted(int(y) for y in panel["year"].unique())
        full = list(range(years[0], years[-1] + 1))
        wide = panel.pivot_table(index="year", columns="municipality", values=outcome, dropna=False).reindex(full)
        handles, labels = [], []
        for period, colour in PERIOD_COLOURS.items():
            ys = period_years(period, years)
            if ys:
                ax.axvspan(min(ys) - 0.5, max(ys) + 0.5, color=colour, zorder=0, lw=0)
                handles.append(Patch(facecolor=colour, edgecolor="#cccccc"))
                labels.append(period_label(period, years))
        for name in wide.columns:
            ax.plot(full, wide[name], color=GREY, lw=0.9, alpha=0.8, marker=".", ms=4, zorder=2)
        mean = wide.mean(axis=1)
        ax.plot(full, mean, color=GREEN, lw=2.6, marker="o", zorder=3)
        handles = [Line2D([], [], color=GREEN, lw=2.6, marker="o"), Line2D([], [], color=GREY, lw=0.9, marker=".")] + handles
        labels = [f"{region_name}, ovägt medel", "En kommun (namn vid sista året)"] + labels
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.3)
        lo, hi = min(0.0, float(np.nanmin(wide.to_numpy()))), float(np.nanmax(wide.to_numpy()))
        ax.set_ylim(lo - 0.03 * (hi - lo), hi + 0.05 * (hi - lo))
        swedish_axes(ax, decimals=None)
        legend_below(fig, handles, labels, ncol=1 if phone else 2)
        last = wide.loc[years[-1]].dropna()
        end_labels(ax, years[-1], [(float(v), str(name)) for name, v in last.items()])
    return fig


def _period_tick(label: str, phone: bool) -> str:
    return label.replace(" (", "\n(") if phone else label


def coefficient_figure(effects: pd.DataFrame, labels: dict[str, str], title: str, width: float = DESKTOP_WIDTH) -> Figure:
    """Point estimates with 95 % intervals, one panel per outcome, stacked (so each keeps the
    full width on a phone); an effect that could not be estimated is written i.u. at zero."""
    phone = width < DESKTOP_WIDTH
    outcomes = list(dict.fromkeys(effects["outcome"])) if len(effects) else []
    with plt.rc_context(STYLE):
        if not outcomes:
            fig, ax = plt.subplots(figsize=(width, 1.5))
            ax.text(0.5, 0.5, "Inga skattningar: uppgifter saknas", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        rows = int(effects.groupby("outcome").size().max())
        fig, axes = plt.subplots(len(outcomes), 1, figsize=(width, 0.9 + len(outcomes) * (0.9 + 0.5 * rows * (1.5 if phone else 1))),
                                 squeeze=False)
        for ax, outcome in zip(axes[:, 0], outcomes):
            e = effects[effects["outcome"] == outcome].reset_index(drop=True)
            y = np.arange(len(e))[::-1].astype(float)
            ok = e["estimate"].notna().to_numpy()
            ax.axvline(0, color="#444", lw=0.8)
            if ok.any():
                est = e.loc[ok, "estimate"]
                ax.errorbar(est, y[ok], xerr=[est - e.loc[ok, "ci_low"], e.loc[ok, "ci_high"] - est], fmt="o",
                            color=GREEN, ecolor=GREEN, capsize=3)
            else:
                ax.set_xlim(-1, 1)
            for yi in y[~ok]:
                ax.text(0, yi, " i.u. ", ha="center", va="center", color="#444", backgroundcolor="white")
            ax.set_yticks(y, [_period_tick(labels.get(p, PERIOD_NAMES.get(p, p)), phone) for p in e["period"]])
            ax.set_ylim(-0.6, len(e) - 0.4)
            ax.grid(axis="y", visible=False)
            ax.set_title(wrap(labels.get(outcome, outcome), width, share=0.6 if phone else 0.8), loc="left", fontsize=10)
            swedish_axes(ax, x=True, y=False)
        fig.suptitle(wrap(title, width, 11, share=0.95), x=0.01, ha="left", fontsize=11)
        layout(fig)
    return fig
