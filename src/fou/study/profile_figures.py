"""The municipality profile's figure: every KPI over the extract's years, the municipality against
its county and Riket, as small multiples drawn once.

Each KPI is a small panel of its own, drawn once at a fixed size with fixed margins (no
tight layout, no second drawing for phones; one matplotlib figure whose lines take each KPI's data in turn): the page lays the panels out in a grid (four a row
on desktops and paper, two on phones) and the downloadable SVG places the same drawings side by
side. Panel titles and the legend are the page's text, not the drawing's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fou.extracts.swedish import axis_formatter
from fou.study.figures import STYLE

#: How each role's line is drawn; the page's legend is built from the same styles.
STYLES = {"kommun": {"color": "#2e7d32", "linestyle": "-", "marker": "o", "linewidth": 2.2},
          "län": {"color": "#1f5fa8", "linestyle": "--", "marker": "s", "linewidth": 1.6},
          "riket": {"color": "#555555", "linestyle": ":", "marker": "^", "linewidth": 1.6}}
INDEXED = "N01951"  # population: shown as an index (first year = 100) so the three lines share a scale
#: A panel's size in inches (points in the SVG): about 1.4 times its size in a four-column desktop grid,
#: 1.05 times in the two-column grid of a 390 px phone, 0.95 times on A4 paper (ticks 10 pt: 10 px and more on a phone).
PANEL_SIZE = (2.3, 1.65)
TICK_POINTS = 10.0
#: Real text in the SVG (legible, searchable, measurable) and ids that do not change from run to run.
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "fou"}
_CHAR_EM = 0.6  # width of a tick-label character in ems (digits, comma, minus: at most this)


@dataclass(frozen=True)
class Panel:
    """One KPI's drawing: ``svg`` is a complete SVG document; ``roles`` the lines drawn in it."""

    kpi: str
    title: str
    svg: bytes
    roles: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.roles


def panel_title(kpi: str, label: str) -> str:
    """The panel's heading: KPI id and name, and for population that it is an index."""
    return f"{kpi}: {label}" + (", index (första året = 100)" if kpi == INDEXED else "")


def profile_panels(table: pd.DataFrame, labels: dict[str, str]) -> list[Panel]:
    """One :class:`Panel` per KPI of :func:`fou.study.profile.series` (in its order): a line per role
    with values, a missing year breaking the line; population (N01951) as an index, first year = 100."""
    years = sorted(int(y) for y in table["year"].unique())
    with plt.rc_context({**STYLE, **SVG_RC}):  # one context for all panels (each rc_context copies every setting)
        canvas = _Canvas(years)
        return [canvas.panel(kpi, labels.get(kpi, kpi), table[table["kpi"] == kpi]) for kpi in dict.fromkeys(table["kpi"])]


class _Canvas:
    """One figure, axes and line per role, drawn once per KPI with that KPI's data: a new matplotlib
    axes costs as much as drawing it, and every panel has the same frame (size, years, styles)."""

    def __init__(self, years: list[int]):
        ticks = [years[0], years[len(years) // 2], years[-1]] if len(years) > 3 else years
        self.fig = Figure(figsize=PANEL_SIZE)
        self.ax = ax = self.fig.add_axes((0, 0, 1, 1))
        self.lines = {role: ax.plot([], [], markersize=3.5, **style)[0] for role, style in STYLES.items()}
        self.empty = ax.text(0.5, 0.5, "i.u. alla år", ha="center", va="center", transform=ax.transAxes, fontsize=10)
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xlim(years[0] - 0.4, years[-1] + 0.4)
        ax.tick_params(labelsize=TICK_POINTS)
        ax.yaxis.set_major_locator(MaxNLocator(4, min_n_ticks=3))
        ax.yaxis.set_major_formatter(axis_formatter())

    def panel(self, kpi: str, label: str, part: pd.DataFrame) -> Panel:
        roles = []
        for role, line in self.lines.items():
            d = part[part["role"] == role].sort_values("year")  # NaN kept: a missing year breaks the line
            y = d["value"].astype(float)
            if kpi == INDEXED and y.notna().any():
                y = 100 * y / y.dropna().iloc[0]
            line.set_data(d["year"].to_numpy(dtype=float), y.to_numpy())
            line.set_visible(bool(y.notna().any()))
            roles += [role] if line.get_visible() else []
        ax = self.ax
        self.empty.set_visible(not roles)
        ax.yaxis.set_visible(bool(roles))  # an empty panel: no y ticks, labels or grid
        if roles:
            ax.set_autoscaley_on(True)  # an empty panel before fixed the limits
            ax.relim(visible_only=True)
            ax.autoscale_view(scalex=False)
        else:
            ax.set_ylim(0, 1)  # not the previous panel's
        ax.set_position(_axes_box(ax))
        return Panel(kpi, panel_title(kpi, label), _svg(self.fig), tuple(roles))


def _axes_box(ax) -> tuple[float, float, float, float]:
    """Fixed margins, the left one wide enough for the longest y tick label (measured without drawing)."""
    width, height = PANEL_SIZE
    low, high = ax.get_ylim()
    locs = [v for v in ax.yaxis.get_major_locator()() if low <= v <= high]
    formatter = ax.yaxis.get_major_formatter()
    formatter.set_locs(locs)
    longest = max((len(formatter(v)) for v in locs), default=1)
    left = (longest * _CHAR_EM * TICK_POINTS + 10) / 72  # label, tick and pad, in inches
    bottom, top, right = (TICK_POINTS * 1.2 + 9) / 72, 0.08, 0.12
    return (left / width, bottom / height, 1 - (left + right) / width, 1 - (bottom + top) / height)


def _svg(fig: Figure) -> bytes:
    """The figure as SVG with real text and no timestamp (inside :data:`SVG_RC`)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()
