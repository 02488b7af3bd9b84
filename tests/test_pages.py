"""Page helpers of the analysis notebooks: what they show and that synthetic data are labelled."""

import pandas as pd

from fou.effects import synth
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
    contract = pd.read_csv(tmp_path / "tables" / "experiment_reduced_form.csv")
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
    assert "Individdata från experiment" in header and "Syntetiska data" not in header and "noq × session" in header
    assert "sanna effekterna är okända" in page.show_truth_check().data


def test_panel_page_on_the_shipped_extract():
    page = PanelPage("report-2023", "Göteborgsregionen", "2017-2022", 199)
    assert set(page.effects["outcome"]) == {"af_share", "participants_per_1000"}
    assert (page.effects["n_clusters"] == 13).all()
    html = page.show_period_effects().data
    assert "p (vild bootstrap)" in html and "data:image/png;base64," in html
    assert "Trelleborgsmodellen" in page.show_group_comparisons().data
    assert isinstance(page.data, pd.DataFrame) and len(page.data) == 78
