"""Page helpers of the analysis notebooks: what they show and that synthetic data are labelled."""

import pandas as pd

from fou.effects.experiment import synth
from fou.pages.experiment import ExperimentPage
from fou.pages.panel import PanelPage

def test_synthetic_experiment_page_labels_and_leads_with_the_main_outcome(tmp_path):
    page = ExperimentPage(outcomes="emploidur,cdi", waves="1,2", draws=99, seed=7, output_dir=str(tmp_path))
    assert page.synthetic and page.truth == synth.two_stage_experiment(seed=7)[1]
    header = page.show_header().data
    assert "Syntetiska data" in header and synth.SYNTHETIC_NOTE in header
    summary = page.show_summary().data
    assert summary.index("syntetiska data") < summary.index("Huvudutfallet är varaktigt arbete (emploidur)")
    assert "Icke lottade i behandlade marknader hade \u2212" in summary and "undanträngning" in summary
    assert 'alt="Lottade, icke lottade och jämförelsen inom marknad per omgång (syntetiska data)"' in page.show_effects().data
    assert "(syntetiska data)" in page.show_by_share().data and "(syntetiska data)" in page.show_attrition().data
    check = page.show_truth_check().data
    assert "Sant värde" in check and "ja" in check
    contract = pd.read_csv(tmp_path / "tables" / "experiment_reduced_form_synthetic.csv")  # synthetic runs say so
    assert set(contract["outcome"]) == {"emploidur", "cdi"} and set(contract["wave"]) == {1, 2}


def test_microdata_experiment_page_has_no_synthetic_label(tmp_path):
    df, _ = synth.two_stage_experiment(n_quintuplets=12, seed=3)
    path = tmp_path / "experiment.csv"
    df.to_csv(path, index=False)
    page = ExperimentPage(str(path), preset="crepon2013", waves="1-2", draws=99)
    assert page.kind == "microdata" and page.truth is None
    assert len(page.analysis.design.data) == (df["emploiav"] != 1).sum()  # the preset's sample on this file
    header = page.show_header().data
    assert "(syntetiska data)" not in page.show_effects().data and "syntetiska" not in page.show_summary().data
    assert "Individdata från experiment" in header and "Syntetiska data" not in header
    assert "kvintett av marknader (noq) × kohort (session)" in header  # variables with their Swedish names
    assert "sanna effekterna är okända" in page.show_truth_check().data


def test_panel_page_on_the_shipped_extract():
    page = PanelPage("report-2023", "Göteborgsregionen", "2017-2022", 199)
    assert set(page.effects["outcome"]) == {"af_share", "participants_per_1000"}
    assert (page.effects["n_clusters"] == 13).all()
    html = page.show_period_effects().data
    assert "p (vild bootstrap)" in html and "data:image/svg+xml;base64," in html
    assert "Trelleborgsmodellen" in page.show_group_comparisons().data
    assert isinstance(page.data, pd.DataFrame) and len(page.data) == 78


# -- issue 13: pages that state their own numbers and read well ------------------------------

import base64  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

import numpy as np  # noqa: E402

from fou.extracts.paths import REPO_ROOT  # noqa: E402
from fou.pages.panel import few_clusters_text  # noqa: E402

from .conftest import make_extract  # noqa: E402


def _text(html: str) -> str:
    """The page text a reader sees (tags and embedded figures dropped)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src(set)?="data:[^"]*"', "", html)))


def _svg_texts(html: str) -> list[str]:
    return [base64.b64decode(b).decode() for b in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]


def test_few_clusters_sentence_counts_the_municipalities():
    assert "Med bara 14 kommuner (kluster)" in few_clusters_text(14) and "2<sup>14</sup> = 16\u202f384" in few_clusters_text(14)
    assert "Med bara 1 kommun (kluster)" in few_clusters_text(1)


def test_panel_page_states_the_number_of_municipalities_it_estimates_on(tmp_path):
    """Fyrbodal has 14 municipalities: the page says 14 (and 2^14), not Göteborgsregionen's 13."""
    from fou.study.inputs import resolve_inputs

    region = resolve_inputs("kolada-national", "Fyrbodal", None, "2017-2022").region
    rng = np.random.default_rng(1)
    rows = [{"kpi": kpi, "municipality_id": m, "municipality": region.names[m], "year": y, "value": float(v)}
            for m in region.ids for y in range(2017, 2023)
            for kpi, v in (("U40806", rng.uniform(0, 60)), ("U40800", rng.integers(50, 500)), ("N01951", rng.integers(5000, 60000)))]
    page = PanelPage(str(make_extract(tmp_path / "fyrbodal", rows)), ",".join(region.ids), "2017-2022", 99, population="")
    text = _text(page.show_period_effects().data)
    assert (page.effects["n_clusters"] == 14).all()
    assert "Med bara 14 kommuner (kluster)" in text and "2 14 = 16\u202f384" in text and "13 kommuner" not in text
    gr = _text(PanelPage("report-2023", "Göteborgsregionen", "2017-2022", 99).show_period_effects().data)
    assert "Med bara 13 kommuner (kluster)" in gr and "2 13 = 8\u202f192" in gr


def test_notebook_05_does_not_hard_code_the_number_of_municipalities_or_years():
    nb = json.loads((REPO_ROOT / "notebooks" / "05_municipal_panel.ipynb").read_text(encoding="utf-8"))
    markdown = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "13 kommuner" not in markdown and "2¹³" not in markdown and "deltagare 2017–2022" not in markdown
    assert "page.show_period_effects()" in " ".join("".join(c["source"]) for c in nb["cells"])


def test_panel_page_on_years_without_the_transition_says_iu_and_follows_the_years():
    page = PanelPage("report-2023", "Göteborgsregionen", "2017,2022", 99)
    effects = _text(page.show_period_effects().data)
    assert "Omställning (2019–20) i.u. i.u." in effects and not re.search(r"(?<![\d,])0,00(?!\d)", effects)
    assert "Fristående aktörer (2022) \u2212" in effects  # the one estimable effect, labelled with its year
    assert "de valda åren (2017, 2022) har inget år i perioden (2019–20)" in effects
    late = PanelPage("report-2023", "Göteborgsregionen", "2021-2022", 99)
    header = _text(late.show_header().data)
    assert "År 2021–2022" in header and "2017" not in header
    figure = late.show_panel("af_share").data
    svgs = _svg_texts(figure)
    assert len(svgs) == 2 and all("2021–2022" in s and "2017" not in s for s in svgs)  # desktop and phone
    effects = _text(late.show_period_effects().data)
    assert "Perioden före reformen saknas" in effects and "Med bara" not in effects  # nothing estimated, no method text
    assert "grupperna kan inte jämföras" in _text(late.show_group_comparisons().data)


def test_experiment_page_numbers_are_swedish_and_state_the_small_sample_convention(tmp_path):
    page = ExperimentPage(outcomes="emploidur", waves="1", draws=99, seed=7)
    header = _text(page.show_header().data)
    assert "11\u202f280 personer av 11\u202f280" in header and "\u00a0" not in page.show_header().data
    check = _text(page.show_truth_check().data)
    assert "andel 25 %" in check and "andel 50 %" in check
    assert not re.search(r"\d\.\d", check) and "0.25" not in check  # decimal commas only
    assert re.search(r"−?\d+,\d", check)
    effects = _text(page.show_effects().data)
    assert "CRV1" in effects and "G/(G − 1)·(N − 1)/(N − K)" in effects and "G − 1 frihetsgrader" in effects


def test_experiment_page_shows_the_data_file_by_name_only(tmp_path):
    df, _ = synth.two_stage_experiment(n_quintuplets=6, seed=3)
    path = tmp_path / "private" / "experiment.csv"
    path.parent.mkdir()
    df.to_csv(path, index=False)
    page = ExperimentPage(str(path), waves="1", draws=99)
    header = page.show_header().data
    assert "experiment.csv" in header and str(tmp_path) not in header and "/private/" not in header
