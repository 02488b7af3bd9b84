"""Figure helpers shared by the analyses' figures: colours, wrapping to a figure's width,
legends below the axes and line labels that do not overlap. Figures are drawn for a given
width (:data:`DESKTOP_WIDTH` or :data:`PHONE_WIDTH`, from :mod:`fou.study.figures`) so text
keeps its size in points on a 390 px phone."""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH, STYLE  # noqa: F401 (the widths and style the analyses draw with)

GREEN, BLUE, GREY, RED = "#2e7d32", "#1f5fa8", "#9e9e9e", "#b71c1c"


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


def end_labels(ax, x: float, points: Sequence[tuple[float, str]], fontsize: float = 9, colour: str = "#333",
               starts: Sequence[float] | None = None) -> list:
    """Name lines at their end (``x``, y) on ``ax``: labels right of ``x``, spread so that none
    overlap, with a thin leader from a point to its label when it had to move; widens the x
    axis to make room. ``starts``: per point, the x where its line ends when before ``x`` (a line
    with missing last years): its leader starts there. Call when the layout is final (it measures the axes)."""
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
    begin = list(starts) if starts is not None else [x] * len(points)
    order = sorted(zip(points, begin), key=lambda p: p[0][0])
    pos = _spread(np.array([y for (y, _), _ in order]), gap, y0 + gap / 2, y1 - gap / 2)
    texts = []
    for ((y, name), x_end), p in zip(order, pos):
        texts.append(ax.text(x_text, p, name, fontsize=fontsize, va="center", ha="left", color=colour))
        ax.plot([x_end + pad_px * per_px, x_text - pad_px * per_px], [y, p], color="#999999", lw=0.6, zorder=1)
    return texts
