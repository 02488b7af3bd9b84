"""Page helpers of the analysis notebooks: what they show and that synthetic data are labelled."""

import pandas as pd

from fou.effects import synth
from fou.pages.experiment import ExperimentPage
from fou.pages.panel import PanelPage

MAPPING = ("assigned", "signopp", "anonale", "pct0", "emploi,cdi", "1,2")


def test_synthetic_experiment_page_labels_and_checks_the_truth():
    page = ExperimentPage("", 7, *MAPPING)
    assert page.synthetic and page.truth == synth.two_stage_experiment(seed=7)[1]
    assert "Syntetiska data" in page.show_header().data and synth.SYNTHETIC_NOTE in page.show_header().data
    assert 'alt="ITT-effekter per utfall och enkätomgång (syntetiska data)"' in page.show_effects().data
    assert "(syntetiska data)" in page.show_displacement().data
    check = page.show_truth_check().data
    assert "Sant värde" in check and "ja" in check
    assert set(page.effects["wave"]) == {1, 2} and set(page.effects["outcome"]) == {"emploi", "cdi"}


def test_microdata_experiment_page_has_no_synthetic_label(tmp_path):
    df, _ = synth.two_stage_experiment(n_markets=40, per_market=30, seed=3)
    path = tmp_path / "experiment.csv"
    df.to_csv(path, index=False)
    page = ExperimentPage(str(path), 0, *MAPPING)
    assert page.kind == "microdata" and page.truth is None
    header = page.show_header().data
    assert "(syntetiska data)" not in page.show_effects().data
    assert "Individdata från experiment" in header and "Syntetiska data" not in header
    assert "sanna effekterna är okända" in page.show_truth_check().data


def test_panel_page_on_the_shipped_extract():
    page = PanelPage("report-2023", "Göteborgsregionen", "2017-2022", 199)
    assert set(page.effects["outcome"]) == {"af_share", "participants_per_1000"}
    assert (page.effects["n_clusters"] == 13).all()
    html = page.show_period_effects().data
    assert "p (vild bootstrap)" in html and "data:image/png;base64," in html
    assert "Trelleborgsmodellen" in page.show_group_comparisons().data
    assert isinstance(page.data, pd.DataFrame) and len(page.data) == 78
