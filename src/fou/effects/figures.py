"""Figures for the effect analyses: panel over the reform, coefficients and event-study plots
(the evidence synthesis has its own, :mod:`fou.effects.evidence_figures`)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from fou.extracts.swedish import format_number

GREEN, BLUE, GREY, RED = "#2e7d32", "#1f5fa8", "#9e9e9e", "#b71c1c"
PERIOD_SPANS = (("Före reformen", 2016.5, 2018.5), ("Omställning", 2018.5, 2020.5), ("Fristående aktörer", 2020.5, 2022.5))


def _swedish(ax, axis: str = "y", decimals: int = 0) -> None:
    fmt = FuncFormatter(lambda v, _p: format_number(v, decimals))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def panel_figure(panel: pd.DataFrame, outcome: str, label: str, region_name: str) -> Figure:
    """Each municipality as a thin line, the region's unweighted mean thick, periods shaded."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    if panel[outcome].notna().sum() == 0:
        ax.text(0.5, 0.5, "Inga uppgifter i extraktet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    for i, (_start, lo, hi) in enumerate(PERIOD_SPANS):
        ax.axvspan(lo, hi, color=["#f1f8e9", "#fffde7", "#e3f2fd"][i], zorder=0)
        ax.text((lo + hi) / 2, 1.01, _start, transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8)
    for _mid, g in panel.groupby("municipality_id"):
        ax.plot(g["year"], g[outcome], color=GREY, lw=0.9, alpha=0.8, marker=".", ms=4)
    mean = panel.groupby("year")[outcome].mean()
    ax.plot(mean.index, mean.values, color=GREEN, lw=2.6, marker="o", label=f"{region_name}, ovägt medel")
    last = panel[panel["year"] == panel["year"].max()].dropna(subset=[outcome])
    for r in last.itertuples():
        ax.annotate(r.municipality, (r.year, getattr(r, outcome)), xytext=(4, 0), textcoords="offset points", fontsize=7, va="center")
    ax.set_xticks(sorted(panel["year"].unique()))
    ax.set_xlim(panel["year"].min() - 0.5, panel["year"].max() + 1.3)
    ax.set_ylabel(label)
    ax.set_xlabel("")
    _swedish(ax)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def coefficient_figure(effects: pd.DataFrame, labels: dict[str, str], title: str) -> Figure:
    """Point estimates with 95 % intervals, one panel per outcome."""
    sns.set_theme(style="whitegrid")
    outcomes = list(dict.fromkeys(effects["outcome"])) if len(effects) else []
    if not outcomes:
        fig, ax = plt.subplots(figsize=(6, 1.5), dpi=110)
        ax.text(0.5, 0.5, "Inga skattningar: uppgifter saknas", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes), 3.2), dpi=110, squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        e = effects[effects["outcome"] == outcome].reset_index(drop=True)
        y = np.arange(len(e))[::-1]
        ax.errorbar(e["estimate"], y, xerr=[e["estimate"] - e["ci_low"], e["ci_high"] - e["estimate"]], fmt="o",
                    color=GREEN, ecolor=GREEN, capsize=3)
        ax.axvline(0, color="#444", lw=0.8)
        ax.set_yticks(y, [labels.get(p, p) for p in e["period"]])
        ax.set_title(labels.get(outcome, outcome), fontsize=9)
        _swedish(ax, "x", 0 if e["estimate"].abs().max() > 5 else 1)
    fig.suptitle(title, fontsize=10, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def event_study_figure(coefs: pd.DataFrame, reference: int, title: str, ylabel: str) -> Figure:
    """Event-study coefficients by year relative to the start, reference year at zero."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    c = coefs.sort_values("event_time")
    ax.axhline(0, color="#444", lw=0.8)
    ax.axvline(-0.5, color=RED, lw=1, ls="--")
    ax.errorbar(c["event_time"], c["estimate"], yerr=[c["estimate"] - c["ci_low"], c["ci_high"] - c["estimate"]],
                fmt="o-", color=GREEN, capsize=3)
    ax.plot([reference], [0], "o", color=GREY, ms=7, label=f"referensår ({reference})")
    ax.set_xticks(list(c["event_time"]) + [reference])
    ax.set_xlabel("År relativt start (april 2020 = 0)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    _swedish(ax, "y", 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def effects_by_group_figure(frame: pd.DataFrame, x: str, y: str, hue: str, title: str, ylabel: str,
                            order: Sequence | None = None) -> Figure:
    """Estimates with intervals across a categorical axis (waves, shares), coloured by ``hue``."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    hues = list(dict.fromkeys(frame[hue]))
    xs = list(order or dict.fromkeys(frame[x]))
    width = 0.7 / max(1, len(hues))
    palette = sns.color_palette("colorblind", len(hues))
    for i, h in enumerate(hues):
        f = frame[frame[hue] == h].set_index(x).reindex(xs)
        pos = np.arange(len(xs)) + (i - (len(hues) - 1) / 2) * width
        ax.errorbar(pos, f[y], yerr=[f[y] - f["ci_low"], f["ci_high"] - f[y]], fmt="o", capsize=3, color=palette[i], label=str(h))
    ax.axhline(0, color="#444", lw=0.8)
    ax.set_xticks(np.arange(len(xs)), [str(v) for v in xs])
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    _swedish(ax, "y", 2)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def group_means_figure(means: pd.DataFrame, start: int, ylabel: str) -> Figure:
    """Yearly means of two groups (``grupp``), with the start year marked."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    sns.lineplot(data=means, x="year", y="mean", hue="grupp", marker="o", ax=ax, palette=[GREY, GREEN])
    ax.axvline(start - 0.75, color=RED, ls="--", lw=1)
    ax.text(start - 0.7, ax.get_ylim()[1], "KROM-pilot april 2020", color=RED, fontsize=8, va="top")
    ax.axvspan(2021.75, max(means["year"]) + 0.5, color="#eeeeee", zorder=0)
    ax.set_xticks(sorted(means["year"].unique()))
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    _swedish(ax, "y", 0)
    ax.legend(title="", fontsize=8)
    fig.tight_layout()
    return fig


ORANGE = "#e65100"
PERIOD_STYLE = {"placebo": (GREY, "o", "Förperiod (placebo mot 2019)"),
                "clean": (GREEN, "o", "2020: ren jämförelse (övriga ännu utan KROM)"),
                "contaminated": (ORANGE, "D", "2021–22: kontaminerad (övriga fick KROM under 2021)")}


def _att_axes(ax, rows: pd.DataFrame, base: int, title: str, ylabel: str, decimals: int = 1) -> None:
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
    ax.set_xticks(sorted(set(r["year"]) | {base}))
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(ylabel)
    _swedish(ax, "y", decimals)


def att_event_figure(rows: pd.DataFrame, base: int, title: str, ylabel: str) -> Figure:
    """One outcome's ATT(2020, t) with 95 % intervals, clean and contaminated years apart."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=110)
    _att_axes(ax, rows, base, title, ylabel)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.11, 1, 1))
    return fig


def att_event_grid(table: pd.DataFrame, labels: dict[str, str], base: int) -> Figure:
    """Small multiples of :func:`att_event_figure`, one panel per outcome in ``labels``."""
    sns.set_theme(style="whitegrid")
    outcomes = [o for o in labels if o in set(table["outcome"])]
    cols = 2
    fig, axes = plt.subplots((len(outcomes) + 1) // cols, cols, figsize=(9, 3.2 * ((len(outcomes) + 1) // cols)),
                             dpi=110, squeeze=False)
    for i, outcome in enumerate(outcomes):
        _att_axes(axes.flat[i], table[table["outcome"] == outcome], base, labels[outcome], "Procentenheter", decimals=2)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_axis_off()
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
