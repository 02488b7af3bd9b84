"""The municipality profile's one figure: every KPI over the extract's years, the municipality
against its county and Riket (small multiples: four columns on desktops and on paper, one on phones)."""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from fou.extracts.swedish import swedish_axes
from fou.study.figures import DESKTOP_WIDTH, STYLE, _layout

STYLES = {"kommun": {"color": "#2e7d32", "linestyle": "-", "marker": "o", "linewidth": 2.2},
          "län": {"color": "#1f5fa8", "linestyle": "--", "marker": "s", "linewidth": 1.6},
          "riket": {"color": "#555555", "linestyle": ":", "marker": "^", "linewidth": 1.6}}
INDEXED = "N01951"  # population: shown as an index (first year = 100) so the three lines share a scale


def profile_figure(table: pd.DataFrame, labels: dict[str, str], names: dict[str, str],
                   width: float = DESKTOP_WIDTH) -> Figure:
    """Small multiples of :func:`fou.study.profile.series`: one panel per KPI, a line per unit with values.

    ``labels`` maps KPI ids to panel titles, ``names`` the roles (kommun, län, riket) to unit names.
    Population (N01951) is drawn as an index, first year of each line = 100."""
    kpis = list(dict.fromkeys(table["kpi"]))
    phone = width < DESKTOP_WIDTH
    ncols = 1 if phone else 4
    nrows = max(1, math.ceil(len(kpis) / ncols))
    years = sorted(table["year"].unique())
    ticks = [years[0], years[len(years) // 2], years[-1]] if len(years) > 3 else years
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, (1.8 if phone else 2.3) * nrows + 0.7), squeeze=False)
        handles = {}
        for ax, kpi in zip(axes.flat, kpis):
            part = table[table["kpi"] == kpi]
            for role, style in STYLES.items():
                d = part[part["role"] == role].sort_values("year")  # NaN kept: a missing year breaks the line
                y = d["value"].astype(float)
                if y.notna().sum() == 0:
                    continue
                if kpi == INDEXED:
                    y = 100 * y / y.dropna().iloc[0]
                (line,) = ax.plot(d["year"], y, markersize=3.5, label=names[role], **style)
                handles.setdefault(role, line)
            title = labels.get(kpi, kpi) + (", index (första året = 100)" if kpi == INDEXED else "")
            ax.set_title("\n".join(textwrap.wrap(f"{kpi}: {title}", int(width * 72 / ncols / 6.3))), fontsize=9, loc="left")
            ax.set_xticks(ticks, [str(t) for t in ticks])
            ax.set_xlim(years[0] - 0.4, years[-1] + 0.4)
            swedish_axes(ax)
            if part["value"].notna().sum() == 0:
                ax.text(0.5, 0.5, "i.u. alla år", ha="center", va="center", transform=ax.transAxes)
        for ax in list(axes.flat)[len(kpis):]:
            ax.set_axis_off()
        order = [r for r in STYLES if r in handles]
        fig.legend([handles[r] for r in order], [names[r] for r in order], loc="lower center", ncol=1 if phone else 3,
                   frameon=False, bbox_to_anchor=(0.5, 0.0))
        _layout(fig, bottom=(0.9 if phone else 0.4) / fig.get_size_inches()[1] + 0.01)
    return fig
