"""Figures of the KROM pilot comparison (notebook 08), drawn for a given width (desktop
or phone, see :mod:`fou.effects.plotting`): yearly means of pilots and the others with
the start marked, and ATT(2020, t) by year with clean and contaminated years apart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from fou.effects.plotting import DESKTOP_WIDTH, GREEN, GREY, RED, STYLE, layout, legend_below, wrap
from fou.extracts.swedish import swedish_axes

ORANGE = "#e65100"
PERIOD_STYLE = {"placebo": (GREY, "o", "Förperiod (placebo mot 2019)"),
                "clean": (GREEN, "o", "2020: ren jämförelse (övriga ännu utan KROM)"),
                "contaminated": (ORANGE, "D", "2021–22: kontaminerad (övriga fick KROM under 2021)")}
#: Where the start is drawn on an axis of whole years: between the year before and the start year.
START_LABEL = "april {start}"


def start_line_x(start: int) -> float:
    """The x of the start line: halfway between ``start`` − 1 and ``start`` (annual data: the
    start year is the first year with the programme, the year before the last without)."""
    return start - 0.5


def group_means_figure(means: pd.DataFrame, start: int, ylabel: str, width: float = DESKTOP_WIDTH,
                       start_text: str = "KROM-piloten startade i april {start}") -> Figure:
    """Yearly means of the two groups (``grupp``; pilots green, the others grey), the start as a
    dashed line between the year before and the start year labelled with its month, and the
    years after the start year, when the others got the programme too, shaded."""
    phone = width < DESKTOP_WIDTH
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, 6.0 if phone else 4.8))
        groups = list(dict.fromkeys(means["grupp"]))
        handles, labels = [], []
        for group in groups:
            colour = GREEN if group.lower().startswith("pilot") else GREY
            d = means[means["grupp"] == group].sort_values("year")
            (line,) = ax.plot(d["year"], d["mean"], color=colour, lw=2.2, marker="o", ms=5)
            handles.append(line)
            labels.append(group)
        years = sorted(int(y) for y in means["year"].unique())
        x = start_line_x(start)
        ax.axvline(x, color=RED, ls="--", lw=1.2)
        ax.annotate(START_LABEL.format(start=start), xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", color=RED, fontsize=9)
        handles.append(Line2D([], [], color=RED, ls="--", lw=1.2))
        labels.append(f"{start_text.format(start=start)} (linjen mellan {start - 1} och {start}: "
                      f"{start} är första året med KROM)")
        if years[-1] > start:
            ax.axvspan(start + 0.5, years[-1] + 0.5, color="#eeeeee", zorder=0, lw=0)
            handles.append(Patch(facecolor="#eeeeee", edgecolor="#cccccc"))
            labels.append(f"{start + 1}–{str(years[-1])[2:]}: övriga kommuner fick KROM under {start + 1}")
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.set_title(wrap(ylabel, width, share=0.85), loc="left", pad=16)
        swedish_axes(ax, decimals=None)
        legend_below(fig, handles, labels, ncol=1 if phone else 2)
    return fig


def _att_axes(ax, rows: pd.DataFrame, base: int, title: str, ylabel: str, width: float) -> None:
    """ATT(2020, t) by year on ``ax``: placebo grey, 2020 green and filled, 2021–22 orange,
    hollow, on a hatched background; the base year marked at zero."""
    r = rows.sort_values("year")
    ax.axhline(0, color="#444", lw=0.8)
    contaminated = r[r["period"] == "contaminated"]["year"]
    if len(contaminated):
        ax.axvspan(contaminated.min() - 0.5, contaminated.max() + 0.5, facecolor="#fff3e0", edgecolor=ORANGE,
                   hatch="///", alpha=0.5, lw=0, zorder=0)
    for period, (colour, marker, label) in PERIOD_STYLE.items():
        p = r[r["period"] == period]
        if p.empty:
            continue
        ax.errorbar(p["year"], p["estimate"], yerr=[p["estimate"] - p["ci_low"], p["ci_high"] - p["estimate"]],
                    fmt=marker, color=colour, capsize=3, ms=7 if period == "clean" else 6, lw=1.4,
                    mfc=colour if period != "contaminated" else "white", ls="none", label=label)
    ax.plot([base], [0], marker="s", color="#444", ms=6, ls="none", label=f"Basår {base} (= 0)")
    years = sorted(set(int(y) for y in r["year"]) | {base})
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    ax.set_title(wrap(title, width, share=0.8), loc="left", fontsize=10)
    if ylabel:
        ax.set_ylabel(wrap(ylabel, 3.0, 10))
    swedish_axes(ax, decimals=None)


def _legend(fig: Figure, ax, phone: bool) -> None:
    handles, labels = ax.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=1 if phone else 2)


def att_event_figure(rows: pd.DataFrame, base: int, title: str, ylabel: str, width: float = DESKTOP_WIDTH) -> Figure:
    """One outcome's ATT(2020, t) with 95 % intervals, clean and contaminated years apart."""
    phone = width < DESKTOP_WIDTH
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, 6.2 if phone else 5.0))
        _att_axes(ax, rows, base, title, ylabel, width)
        _legend(fig, ax, phone)
    return fig


def att_event_grid(table: pd.DataFrame, labels: dict[str, str], base: int, width: float = DESKTOP_WIDTH) -> Figure:
    """Small multiples of :func:`att_event_figure`, one panel per outcome in ``labels``
    (two columns on a desktop, one on a phone)."""
    phone = width < DESKTOP_WIDTH
    outcomes = [o for o in labels if o in set(table["outcome"])]
    cols = 1 if phone else 2
    nrows = max(1, -(-len(outcomes) // cols))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, cols, figsize=(width, 3.0 * nrows + 1.2), squeeze=False)
        for i, outcome in enumerate(outcomes):
            ax = axes.flat[i]
            _att_axes(ax, table[table["outcome"] == outcome], base, labels[outcome],
                      "Procentenheter" if i % cols == 0 else "", width / cols)
        for ax in list(axes.flat)[len(outcomes):]:
            ax.set_axis_off()
        if outcomes:
            _legend(fig, axes.flat[0], phone)
        else:
            layout(fig)
    return fig
