"""The profile figure: one small panel per KPI, each drawn exactly once, shown in a grid on the page and
placed side by side in the downloadable SVG without drawing anything again."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from fou.pages import profile_figure
from fou.pages.profile import ProfilePage
from fou.study import profile_figures
from fou.study.profile_figures import PANEL_SIZE, TICK_POINTS, profile_panels

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def ale():
    return ProfilePage("Ale")


def _series(values: dict[str, list[float]], years=range(2010, 2023)) -> pd.DataFrame:
    rows = []
    for kpi, per_role in values.items():
        for role, ys in zip(("kommun", "län", "riket"), per_role):
            rows += [{"kpi": kpi, "role": role, "year": y, "value": v} for y, v in zip(years, ys)]
    return pd.DataFrame(rows)


def test_each_panel_is_drawn_once_and_the_page_draws_nothing_else(ale, tmp_path, monkeypatch):
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(id(self)), original(self, renderer))[1])
    page = ProfilePage("Ale", output_dir=str(tmp_path))
    html = page.show_figure().data
    assert len(draws) == len(page.kpis) == 8  # one drawing a KPI
    assert html.count('<figure class="fou-figure fou-panel">') == 8
    download = (tmp_path / "figures" / "profile_kpis.svg").read_text(encoding="utf-8")
    assert len(draws) == 8  # the download reused the drawings
    assert '<a href="../figures/profile_kpis.svg" download>' in html and "download" in html
    assert "Nyckeltalen 2010–2022 för Ale, Västra Götalandsregionen och riket" in html
    assert "Nyckeltalen 2010–2022 för Ale, Västra Götalandsregionen och riket" in download


def test_a_panel_is_the_same_whether_drawn_after_other_kpis_or_alone(ale):
    """The panels share one matplotlib figure whose lines take each KPI's data in turn: nothing of one
    KPI (limits, ticks, a line without data, the i.u. note) may reach the next."""
    t = ale.table.copy()
    t.loc[t["kpi"] == "N03926", "value"] = np.nan  # an empty panel between two drawn ones
    together = {p.kpi: p.svg for p in profile_panels(t, {})}
    for kpi in ("N01951", "N03926", "N31807", "U40455"):
        alone = profile_panels(t[t["kpi"] == kpi], {})[0].svg
        assert alone == together[kpi], kpi
    assert len(set(together.values())) == len(together)


def test_panels_are_svg_with_real_swedish_tick_text_and_population_as_an_index(ale):
    labels = {k: k for k in ale.kpis}
    panels = {p.kpi: p for p in profile_panels(ale.table, labels)}
    assert list(panels) == list(dict.fromkeys(ale.table["kpi"]))
    population = panels["N01951"].svg.decode()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", population)
    assert "100" in texts and "2010" in texts and "2022" in texts  # an index starting at 100, years as years
    assert panels["N01951"].title == "N01951: N01951, index (första året = 100)"
    n03920 = re.findall(r"<text[^>]*>([^<]*)</text>", panels["N03920"].svg.decode())
    assert n03920 and not any("." in t for t in n03920)  # Swedish ticks: a decimal comma where needed, never a point
    # Ale has no county value for the long-term assistance KPIs: only the lines with data are drawn
    assert panels["N31816"].roles == ("kommun", "riket") and panels["N03920"].roles == ("kommun", "län", "riket")


def test_a_kpi_without_any_value_is_an_iu_panel_and_leaves_the_legend():
    t = _series({"N03920": [[5.0] * 13, [6.0] * 13, [7.0] * 13], "U40455": [[np.nan] * 13] * 3})
    panels = profile_panels(t, {})
    empty = panels[1]
    assert empty.empty and empty.roles == () and "i.u. alla år" in empty.svg.decode()
    block = profile_figure.figure_block(panels, {"kommun": "Ale", "län": "Länet", "riket": "Riket"}, "cap", "alt")
    assert 'alt="U40455: U40455: i.u. alla år"' in block
    assert block.count('class="fou-legend-item"') == 3
    only_own = profile_panels(_series({"N03920": [[5.0] * 13, [np.nan] * 13, [np.nan] * 13]}), {})
    block = profile_figure.figure_block(only_own, {"kommun": "Ale", "län": "Länet", "riket": "Riket"}, "cap", "alt")
    assert block.count('class="fou-legend-item"') == 1 and "Länet" not in block


def test_the_left_margin_fits_the_longest_tick_label():
    big = _series({"N01951x": [np.linspace(0, 250_000, 13)] * 3})
    small = _series({"N03920": [np.linspace(1, 3, 13)] * 3})
    svgs = {name: profile_panels(t, {})[0].svg.decode() for name, t in (("big", big), ("small", small))}
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svgs["big"])
    assert "160\u202f000" in labels  # thin-space thousands

    def axes_left(svg: str) -> float:  # the y axis line's x, in points from the left edge
        clip = re.search(r'<clipPath id="[^"]+">\s*<rect x="([\d.]+)"', svg)
        return float(clip.group(1))

    longest = max(len(t) for t in labels if not t.startswith("20"))
    assert axes_left(svgs["big"]) >= longest * 0.55 * TICK_POINTS
    assert axes_left(svgs["small"]) < axes_left(svgs["big"])


def test_the_download_places_the_same_drawings_side_by_side_with_unique_ids(ale):
    panels = profile_panels(ale.table, {k: k for k in ale.kpis})
    doc = profile_figure.download_svg(panels, ale.names, "Rubrik")
    root = ET.fromstring(doc.encode())
    nested = root.findall(f"{SVG}g/{SVG}svg")
    assert len(nested) == 8
    xs = sorted({float(s.get("x")) for s in nested})
    assert len(xs) == profile_figure.COLUMNS and xs[0] == 0
    assert all(s.get("width") == f"{PANEL_SIZE[0] * 72:g}" for s in nested)  # sizes in the parent's units
    width = float(root.get("viewBox").split()[2])
    assert max(float(s.get("x")) for s in nested) + PANEL_SIZE[0] * 72 <= width + 0.1
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and ids  # one id space for all panels: prefixed per KPI
    refs = set(re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", doc))
    assert refs and {r for pair in refs for r in pair if r} <= set(ids)  # every reference still resolves
    # each nested panel is byte for byte the panel shown on the page, apart from its placement
    page_block = profile_figure.figure_block(panels, ale.names, "Rubrik", "alt")
    first = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page_block).group(1)).decode()
    assert re.sub(r"(id=\"|url\(#|href=\"#)", r"\1N01951-", first[first.index("<defs>"):first.index("</svg>")]) in doc
    assert "Ale" in doc and "Riket" in doc


def test_the_panel_size_keeps_tick_text_legible_on_a_phone():
    """Two panels a row on a 390 px phone (content about 370 px, 8 px gap): tick text at least 10 px."""
    column = (370 - 8) / 2
    assert TICK_POINTS * column / (PANEL_SIZE[0] * 72) >= 10
    assert profile_figures.PANEL_SIZE[0] * 72 <= column * 1.2  # never shrunk below 5/6 of its size in points
