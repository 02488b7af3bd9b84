"""Figures: one legend entry per line, Swedish axes, text that stays legible on a phone, no overlapping labels."""

from __future__ import annotations

import re

import pytest

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


# -- the effect pages' figures (05 municipal panel, 08 national pilot) -------------------------

from fou.effects.panel import figures as effect_figures  # noqa: E402
from fou.effects.panel import analysis as panel_effects  # noqa: E402
from fou.effects.pilot import figures as pilot_figures  # noqa: E402

WIDTHS = (figures.DESKTOP_WIDTH, figures.PHONE_WIDTH)


def _svg_facts(fig) -> tuple[float, float]:
    svg = figures.svg_bytes(fig).decode()
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    return width, min(float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg))


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


@pytest.fixture(scope="module")
def gr_panel_data(report_extract, gr):
    return panel_effects.build_panel(report_extract.values, gr, range(2017, 2023))[0]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("outcome", list(panel_effects.OUTCOMES))
def test_panel_figure_names_municipalities_without_overlaps(gr_panel_data, outcome, width):
    fig = effect_figures.panel_figure(gr_panel_data, outcome, panel_effects.OUTCOMES[outcome], "Göteborgsregionen", width=width)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    names = [t for t in ax.texts if t.get_text() in set(gr_panel_data["municipality"])]
    seen = gr_panel_data.dropna(subset=[outcome])
    assert sorted(t.get_text() for t in names) == sorted(seen["municipality"].unique())  # every line is named
    assert "Tjörn" in {t.get_text() for t in names}  # its line ends in 2021 (no 2022 value): named where it ends
    boxes = [t.get_window_extent(renderer) for t in names]
    assert _overlaps(boxes) == []
    axes_box, legend_box = ax.get_window_extent(renderer), fig.legends[0].get_window_extent(renderer)
    assert all(axes_box.x0 <= b.x0 and b.x1 <= axes_box.x1 and axes_box.y0 <= b.y0 and b.y1 <= axes_box.y1 for b in boxes)
    assert legend_box.y1 < axes_box.y0  # the legend is under the axes, never over the lines
    svg_width, smallest = _svg_facts(fig)
    plt.close(fig)
    assert smallest >= 9 and svg_width <= width * 72 + 8  # no text spills outside the width it was drawn for


def test_panel_figure_follows_the_chosen_years(gr_panel_data):
    data = gr_panel_data[gr_panel_data["year"].isin([2021, 2022])]
    fig = effect_figures.panel_figure(data, "af_share", "Andel, 2021–2022", "Göteborgsregionen")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2022"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)
    assert "Fristående aktörer (2021–22)" in legend and not any("Före" in t or "Omställning" in t for t in legend)


def test_period_effects_figure_stacks_its_panels_and_fits_a_phone(gr_panel_data):
    effects = panel_effects.effects_frame([e for o in panel_effects.OUTCOMES
                                           for e in panel_effects.period_effects(gr_panel_data, o, draws=99)])
    labels = {**panel_effects.OUTCOMES, **{p: panel_effects.period_label(p) for p in panel_effects.PERIOD_NAMES}}
    for width in WIDTHS:
        fig = effect_figures.coefficient_figure(effects, labels, "Skillnad mot före reformen (2017–18), 95 % KI", width=width)
        assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 1)  # one above the other
        svg_width, smallest = _svg_facts(fig)
        plt.close(fig)
        assert smallest >= 9 and svg_width <= width * 72 + 8


def test_period_effects_figure_writes_iu_where_nothing_was_estimated(gr_panel_data):
    data = gr_panel_data[gr_panel_data["year"].isin([2017, 2022])]
    effects = panel_effects.effects_frame(panel_effects.period_effects(data, "af_share", draws=99))
    fig = effect_figures.coefficient_figure(effects, panel_effects.OUTCOMES, "Titel")
    texts = [t.get_text().strip() for t in fig.axes[0].texts]
    plt.close(fig)
    assert texts == ["i.u."]


@pytest.fixture(scope="module")
def pilot_page():
    from fou.pages.pilot import PilotPage

    return PilotPage(draws=99)


def test_pilot_start_is_drawn_between_2019_and_2020_and_labelled_april_2020():
    means = pd.DataFrame({"year": [2018, 2019, 2020, 2021] * 2, "mean": [1.0, 2, 3, 4, 2, 2, 3, 3],
                          "grupp": ["Pilotkommuner"] * 4 + ["Övriga kommuner"] * 4})
    for width in WIDTHS:
        fig = pilot_figures.group_means_figure(means, 2020, "Andel (%)", width=width)
        ax = fig.axes[0]
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert len(dashed) == 1 and set(dashed[0].get_xdata()) == {2019.5}  # not 2019.25: midway between the years
        assert [t.get_text() for t in ax.texts] == ["april 2020"]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2018", "2019", "2020", "2021"]
        legend = " ".join(t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts())
        svg_width, smallest = _svg_facts(fig)
        plt.close(fig)
        assert "april 2020" in legend and "mellan 2019 och 2020" in legend
        assert smallest >= 9 and svg_width <= width * 72 + 8


def test_pilot_att_figures_fit_a_phone(pilot_page):
    from fou.effects.pilot import analysis as pilot
    a = pilot_page.att
    head = a[(a["outcome"] == pilot.OUTCOME) & (a["sample"] == "unbalanced") & (a["weighting"] == "unweighted")]
    balanced = a[(a["sample"] == "balanced") & (a["weighting"] == "unweighted") & a["outcome"].isin(list(pilot.SECONDARY))]
    for width in WIDTHS:
        for fig in (pilot_figures.att_event_figure(head, 2019, "Pilotkommuner mot kommuner utan KROM ännu, ATT per år",
                                                   "Skillnad i förändring mot 2019, procentenheter", width=width),
                    pilot_figures.att_event_grid(balanced, pilot.SECONDARY, 2019, width=width)):
            fig.canvas.draw()
            legend_box = fig.legends[0].get_window_extent()
            assert all(legend_box.y1 < ax.get_window_extent().y0 for ax in fig.axes if ax.axison)
            svg_width, smallest = _svg_facts(fig)
            plt.close(fig)
            assert smallest >= 9 and svg_width <= width * 72 + 8
    grid = pilot_figures.att_event_grid(balanced, pilot.SECONDARY, 2019, width=figures.PHONE_WIDTH)
    assert grid.axes[0].get_subplotspec().get_gridspec().get_geometry() == (4, 1)  # one column on a phone
    plt.close(grid)


def test_experiment_figures_use_one_column_on_a_phone_and_keep_their_text():
    from fou.effects.experiment import figures as experiment_figures
    from fou.pages.experiment import ExperimentPage
    from fou.pages import experiment_text as text

    page = ExperimentPage(draws=99, seed=7)
    for width, shape in ((figures.DESKTOP_WIDTH, (2, 2)), (figures.PHONE_WIDTH, (4, 1))):
        for fig in (experiment_figures.by_wave_figure(page.table, list(page.spec.outcomes), ["direct", "spillover"],
                                                      text.OUTCOME_LABELS, text.SHORT, "Effekter per enkätomgång", width=width),
                    experiment_figures.by_share_figure(page.table, "emploidur", text.SHORT, "Per andel", width=width)):
            assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == shape
            svg_width, smallest = _svg_facts(fig)
            plt.close(fig)
            assert smallest >= 9 and svg_width <= width * 72 + 8
