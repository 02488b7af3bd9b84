"""Figures of the municipal panel (notebook 05), drawn for a given width (pages draw each
figure at :data:`~fou.effects.plotting.DESKTOP_WIDTH` and at
:data:`~fou.effects.plotting.PHONE_WIDTH`); the shared helpers are in :mod:`fou.effects.plotting`."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from fou.effects.panel.analysis import PERIOD_NAMES, period_label, period_years
from fou.effects.plotting import DESKTOP_WIDTH, GREEN, GREY, STYLE, end_labels, layout, legend_below, wrap
from fou.extracts.swedish import swedish_axes

PERIOD_COLOURS = {"före": "#f1f8e9", "omställning": "#fffde7", "fristående": "#e3f2fd"}


def panel_figure(panel: pd.DataFrame, outcome: str, label: str, region_name: str, width: float = DESKTOP_WIDTH,
                 pilots: Sequence[str] = ()) -> Figure:
    """Each municipality as a thin grey line named at its last year with a value (KROM pilots
    among ``pilots`` marked "(KROM)"), the region's unweighted mean thick and green, the reform's
    periods shaded over the chosen years (explained in the legend under the axes; with pilots in
    the region the legend gives their years too). Years not chosen are gaps."""
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
        ids = panel.drop_duplicates("municipality").set_index("municipality")["municipality_id"]
        is_pilot = {name: ids.get(name) in set(pilots) for name in wide.columns}
        for period, colour in PERIOD_COLOURS.items():
            ys = period_years(period, years)
            if ys:
                ax.axvspan(min(ys) - 0.5, max(ys) + 0.5, color=colour, zorder=0, lw=0)
                handles.append(Patch(facecolor=colour, edgecolor="#cccccc"))
                labels.append(period_label(period, years, any(is_pilot.values())))
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
        ends = []  # each line named where it ends: its last year with a value
        for name in wide.columns:
            seen = wide[name].dropna()
            if len(seen):
                ends.append((float(seen.iloc[-1]), f"{name} (KROM)" if is_pilot[name] else str(name), float(seen.index[-1])))
        end_labels(ax, years[-1], [(y, n) for y, n, _ in ends], starts=[x for _, _, x in ends])
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
