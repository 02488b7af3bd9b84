"""The profile figure on the page and as a download, from panels drawn once.

:func:`fou.study.profile_figures.profile_panels` draws each KPI once. The page shows the
panels in a grid (four a row on desktops and paper, two on phones, by the stylesheet) under
one legend; the download ``figures/profile_kpis.svg`` places the same drawings side by side
with their titles, legend and caption. Nothing is drawn a second time.
"""

from __future__ import annotations

import base64
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

from fou.extracts.atomic import atomic_write_text
from fou.pages import html
from fou.study.profile_figures import PANEL_SIZE, STYLES, Panel

FILE = "profile_kpis.svg"
COLUMNS = 4  # panels a row in the download, as on desktops and paper
_PT = 72  # SVG user units (points) per inch
_GAP, _TITLE_LINE, _TITLE_CHARS = 14.0, 11.0, 34
_ROOT = re.compile(rb"<svg\b[^>]*>")
_ID = re.compile(rb'(\bid="|url\(#|href="#)')


def legend(roles: Sequence[str], names: dict[str, str]) -> list[dict[str, object]]:
    """One legend entry per role drawn: its name and how its line looks (colour, width, dashes, marker)."""
    rows = []
    for role in roles:
        style = STYLES[role]
        lw = float(style["linewidth"])
        dash = {"--": f"{3.7 * lw:.1f} {1.6 * lw:.1f}", ":": f"{lw:.1f} {1.65 * lw:.1f}"}.get(str(style["linestyle"]), "")
        rows.append({"name": names[role], "color": style["color"], "width": lw, "dash": dash, "marker": style["marker"]})
    return rows


def roles_drawn(panels: Sequence[Panel]) -> list[str]:
    """The roles with a line in any panel, in the legend's order."""
    return [r for r in STYLES if any(r in p.roles for p in panels)]


def figure_block(panels: Sequence[Panel], names: dict[str, str], caption: str, alt_suffix: str) -> str:
    """The page's figure: the legend once, then one ``<figure>`` per panel (title above, SVG image)."""
    shown = [{"title": p.title, "alt": f"{p.title}. {alt_suffix}" if not p.empty else f"{p.title}: i.u. alla år",
              "data": base64.b64encode(p.svg).decode("ascii")} for p in panels]
    return html.render("profile_figure.html.j2", panels=shown, legend=legend(roles_drawn(panels), names), caption=caption)


def download_svg(panels: Sequence[Panel], names: dict[str, str], caption: str) -> str:
    """One SVG document with the panels side by side (``COLUMNS`` a row), their titles, the legend and caption."""
    width, height = (v * _PT for v in PANEL_SIZE)
    lines = max((len(textwrap.wrap(p.title, _TITLE_CHARS)) for p in panels), default=1)
    cell_h = lines * _TITLE_LINE + 4 + height + _GAP
    top = 44.0
    placed = []
    for i, p in enumerate(panels):
        x, y = (i % COLUMNS) * (width + _GAP), top + (i // COLUMNS) * cell_h
        placed.append({"x": x, "y": y, "title": textwrap.wrap(p.title, _TITLE_CHARS),
                       "svg": _nested(p.svg, x, y + lines * _TITLE_LINE + 4, prefix=p.kpi)})
    rows = -(-len(panels) // COLUMNS)
    return html.render("profile_figure.svg.j2", panels=placed, legend=legend(roles_drawn(panels), names), caption=caption,
                       width=COLUMNS * (width + _GAP) - _GAP, height=top + rows * cell_h, line=_TITLE_LINE)


def save_download(panels: Sequence[Panel], names: dict[str, str], caption: str, output_dir: str | Path) -> None:
    """Write ``figures/profile_kpis.svg`` atomically."""
    atomic_write_text(Path(output_dir) / "figures" / FILE, download_svg(panels, names, caption))


def _nested(svg: bytes, x: float, y: float, prefix: str) -> str:
    """A panel's SVG document as an element placed at (x, y) in the download (sizes in the parent's units),
    its ids and the references to them prefixed so that every id in the download is unique."""
    root = _ROOT.search(svg)
    if root is None:
        raise ValueError("a panel is not an SVG document")
    tag = re.sub(rb'(width|height)="([\d.]+)pt"', rb'\1="\2"', root.group(0))
    tag = tag.replace(b"<svg", f'<svg x="{x:.1f}" y="{y:.1f}"'.encode(), 1)
    body = _ID.sub(lambda m: m.group(1) + prefix.encode() + b"-", svg[root.end():])
    return (tag + body).decode("utf-8")
