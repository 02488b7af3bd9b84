"""Figures of the national context (notebook 09), drawn for a given width like
:mod:`fou.study.figures` (pages draw each at :data:`DESKTOP_WIDTH` and :data:`PHONE_WIDTH`,
so text keeps its size in points on a phone).

The survey figures are diverging bars: per area the positive answers to the right of zero,
the negative to the left, "neither" split across zero, and "don't know" in a panel of its own;
areas sorted by the net balance, the national row on top, the highlighted county marked.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from fou.effects.survey.tables import DONT_KNOW, NEGATIVE, NEUTRAL, POSITIVE, RIKET, county_name
from fou.extracts.swedish import format_number
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH, STYLE  # noqa: F401 (re-exported for the page)

COLOURS = {POSITIVE[0]: "#1b5e20", POSITIVE[1]: "#81c784", NEUTRAL: "#bdbdbd",
           NEGATIVE[0]: "#ef9a9a", NEGATIVE[1]: "#b71c1c", DONT_KNOW: "#90a4ae"}
SHORT = {POSITIVE[0]: "Mycket hög", POSITIVE[1]: "Ganska hög", NEUTRAL: "Varken eller",
         NEGATIVE[0]: "Ganska låg", NEGATIVE[1]: "Mycket låg", DONT_KNOW: "Vet ej"}
HIGHLIGHT, HIGHLIGHT_BAND = "#0d47a1", "#fff3c4"
RIKET_LABEL = "Alla svarande kommuner"


def wrap(text: str, width: float, points: float = 10, share: float = 1.0) -> str:
    """Wrap ``text`` to ``share`` of a figure ``width`` inches wide (about 0.6 em a character)."""
    return textwrap.fill(text, max(12, int(share * width * 72 / (0.6 * points))))


def _percent(v, _pos=None) -> str:
    return f"{format_number(abs(v), 0)} %"


def _legend_below(fig: Figure, handles, labels, ncol: int) -> None:
    """A legend under the axes; the figure's constrained layout keeps it clear of them."""
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)


def _area_labels(ax, areas: pd.DataFrame, highlight: str) -> None:
    labels = [RIKET_LABEL if rid == RIKET else county_name(a) for a, rid in zip(areas["area"], areas["region_id"])]
    ax.set_yticks(range(len(areas)), labels)
    for tick, rid in zip(ax.get_yticklabels(), areas["region_id"]):
        if highlight and highlight in rid.split("+"):
            tick.set_fontweight("bold")
            tick.set_color(HIGHLIGHT)
        if rid == RIKET:
            tick.set_fontstyle("italic")


def sort_areas(wide: pd.DataFrame) -> pd.DataFrame:
    """The national row first, then the areas by net balance (Positiv − Negativ), best first."""
    d = wide.assign(net=wide["Positiv"] - wide["Negativ"])
    return pd.concat([d[d["region_id"] == RIKET], d[d["region_id"] != RIKET].sort_values(["net", "Positiv"], ascending=False)])


def diverging_figure(wide: pd.DataFrame, title: str, highlight: str = "", width: float = DESKTOP_WIDTH) -> Figure:
    """One survey question by area as diverging bars (see the module); ``highlight`` is a region id
    such as ``0014`` (its row is bold and banded)."""
    phone = width < DESKTOP_WIDTH
    d = sort_areas(wide).iloc[::-1].reset_index(drop=True)  # drawn bottom-up
    y = range(len(d))
    with plt.rc_context(STYLE):
        fig, (ax, ax_dk) = plt.subplots(1, 2, figsize=(width, 0.3 * len(d) + (3.2 if phone else 2.4)), sharey=True,
                                        layout="constrained", gridspec_kw={"width_ratios": [5, 1.5 if phone else 0.9]})
        for i, rid in enumerate(d["region_id"]):
            if highlight and highlight in rid.split("+"):
                for a in (ax, ax_dk):
                    a.axhspan(i - 0.5, i + 0.5, color=HIGHLIGHT_BAND, zorder=0, lw=0)
        half = d[NEUTRAL] / 2
        left = -half
        for answer in NEGATIVE:  # outwards from the neutral half: "ganska låg", then "mycket låg"
            ax.barh(y, -d[answer], left=left, color=COLOURS[answer], height=0.72, zorder=2)
            left = left - d[answer]
        ax.barh(y, d[NEUTRAL], left=-half, color=COLOURS[NEUTRAL], height=0.72, zorder=2)
        right = half.copy()
        for answer in reversed(POSITIVE):  # "ganska hög" next to the middle, "mycket hög" outside
            ax.barh(y, d[answer], left=right, color=COLOURS[answer], height=0.72, zorder=2)
            right = right + d[answer]
        ax.axvline(0, color="#333", lw=0.9, zorder=3)
        reach = max(100.0, float((d[list(NEGATIVE)].sum(axis=1) + half).max()), float((d[list(POSITIVE)].sum(axis=1) + half).max()))
        ax.set_xlim(-reach * 1.02, reach * 1.02)
        ax.xaxis.set_major_formatter(FuncFormatter(_percent))
        ax.set_xticks([-100, 0, 100] if phone else [-100, -50, 0, 50, 100])
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("← negativa svar   |   positiva svar →")
        _area_labels(ax, d, highlight)
        ax_dk.barh(y, d[DONT_KNOW], color=COLOURS[DONT_KNOW], height=0.72, zorder=2)
        ax_dk.set_xlim(0, 100)
        ax_dk.set_xticks([50] if phone else [50, 100])
        ax_dk.xaxis.set_major_formatter(FuncFormatter(_percent))
        ax_dk.set_title(SHORT[DONT_KNOW], fontsize=9)
        ax_dk.tick_params(axis="y", length=0)
        ax_dk.grid(axis="y", visible=False)
        ax.set_ylim(-0.6, len(d) - 0.4)
        fig.suptitle(wrap(title, width, 11, 0.95), x=0.01, ha="left", fontsize=11)
        order = [NEGATIVE[1], NEGATIVE[0], NEUTRAL, POSITIVE[1], POSITIVE[0], DONT_KNOW]
        handles = [Patch(color=COLOURS[a]) for a in order]
        fig.legend(handles, [SHORT[a] for a in order], loc="outside lower center", ncol=3, frameon=False,
                   title="I … utsträckning" if not phone else None, title_fontsize=9)
    return fig


def dua_figure(dua: pd.DataFrame, national: float, highlight: str = "", width: float = DESKTOP_WIDTH) -> Figure:
    """Dua 2019: each county's share of municipalities that applied, sorted, with the national share
    as a dashed line and the highlighted county (region id) in its own colour."""
    phone = width < DESKTOP_WIDTH
    d = dua.sort_values(["percent", "area"], ascending=[True, False]).reset_index(drop=True)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, 0.3 * len(d) + (2.6 if phone else 2.0)), layout="constrained")
        colours = [HIGHLIGHT if highlight and highlight in rid.split("+") else "#7aa6c2" for rid in d["region_id"]]
        ax.barh(range(len(d)), d["percent"], color=colours, height=0.72, zorder=2)
        for i, p in enumerate(d["percent"]):
            ax.text(p + 1.5, i, _percent(p), va="center", fontsize=9)
        ax.axvline(national, color="#333", ls="--", lw=1.1, zorder=3)
        _area_labels(ax, d, highlight)
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.xaxis.set_major_formatter(FuncFormatter(_percent))
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.6, len(d) - 0.4)
        ax.set_title(wrap("Andel av länets kommuner som sökt statsbidrag för att förnya sina lokala överenskommelser "
                          "med Arbetsförmedlingen (Dua, februari 2020)", width, 11, 0.95), loc="left", fontsize=11)
        handles = [Patch(color=HIGHLIGHT), Patch(color="#7aa6c2"),
                   plt.Line2D([], [], color="#333", ls="--", lw=1.1)]
        labels = [county_name(highlight) if highlight else "", "Övriga län", f"Hela landet: {_percent(national)}"]
        keep = [i for i, t in enumerate(labels) if t]
        _legend_below(fig, [handles[i] for i in keep], [labels[i] for i in keep], ncol=1 if phone else 3)
    return fig
