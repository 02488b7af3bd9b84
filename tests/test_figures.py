"""Study figures: one legend entry per line, Swedish axes, text that stays legible on a phone."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from fou.study import figures, tables  # noqa: E402


def _diagram(report_extract, gr, **kw):
    values = pd.concat([report_extract.values, pd.DataFrame([
        {"kpi": "U40806", "municipality_id": "0000", "municipality": "Riket", "year": y, "gender": "T", "value": 30.0 - y % 7,
         "status": ""} for y in range(2017, 2023)])], ignore_index=True)
    return figures.diagram1_figure(tables.diagram1(values, gr), range(2017, 2023), gr.name, **kw)


def test_diagram1_legend_names_each_line_and_nothing_else(report_extract, gr):
    fig = _diagram(report_extract, gr)
    legend = fig.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["Från Arbetsförmedlingen, Göteborgsregionen", "Från Arbetsförmedlingen, Riket"]
    assert all(h.get_marker() not in (None, "None", "") for h in legend.legend_handles)  # every row has its marker
    plt.close(fig)


def test_phone_variant_keeps_text_in_points_and_fits_the_width(report_extract, gr):
    fig = _diagram(report_extract, gr, width=figures.PHONE_WIDTH)
    svg = figures.svg_bytes(fig).decode()
    plt.close(fig)
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    assert width <= 340  # about 4.2 in: shown near its own size on a 390 px screen
    assert min(sizes) >= 9 and "<text" in svg  # real text, at least 9 pt


def test_for_phone_raises_small_text_and_narrows_any_figure():
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot([0, 1], [-0.5, 0.25])
    ax.set_title("En lång titel som inte får gå utanför figurens kant på en telefon", fontsize=7)
    ax.tick_params(labelsize=6)
    figures.for_phone(fig)
    assert fig.get_size_inches()[0] == figures.PHONE_WIDTH
    svg = figures.svg_bytes(fig).decode()
    plt.close(fig)
    assert min(float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)) >= 9


def test_participants_small_multiples_use_fewer_columns_on_a_phone(report_extract, gr):
    t = tables.table4(report_extract.values, gr)
    wide = figures.year_lines_figure(t, "Deltagare", "Deltagare")
    phone = figures.year_lines_figure(t, "Deltagare", "Deltagare", width=figures.PHONE_WIDTH)
    shape = lambda f: f.axes[0].get_subplotspec().get_gridspec().get_geometry()  # noqa: E731
    assert shape(wide) == (3, 5) and shape(phone) == (7, 2)
    labels = [t.get_text() for t in phone.axes[2].get_yticklabels()]  # Göteborg: thousands
    assert any("\u202f" in lab for lab in labels) and not any("," in lab or "." in lab for lab in labels)
    plt.close(wide)
    plt.close(phone)


def test_default_number_axes_become_swedish_and_year_axes_stay_years():
    fig, ax = plt.subplots()
    ax.plot([2017, 2022], [-0.5, 0.75])
    figures.swedish_ticks(fig)
    fig.canvas.draw()
    x = [t.get_text() for t in ax.get_xticklabels()]
    y = [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)
    assert "2017" in x and "2022" in x and not any("\u202f" in t for t in x)
    assert "\u22120,4" in y and "0,2" in y and not any("." in t or "-" in t for t in y)
