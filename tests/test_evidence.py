import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fou.effects.evidence import studies as evidence
from fou.effects.evidence import figures as evidence_figures
from fou.extracts.params import ParameterError
from fou.pages.evidence import EvidencePage
from fou.extracts.swedish import format_number
from fou.run import validate

MICRODATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "microdata" / "crepon2013_jd.dta"
CHECKED = {"verified (abstract)", "verified (secondary source)", "as printed in the report", "computed from the public-use data"}


@pytest.fixture(scope="module")
def studies():
    return evidence.load_evidence()


@pytest.fixture(scope="module")
def page():
    return EvidencePage()


def _visible(html: str) -> str:
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html)
    return re.sub(r"<[^>]+>", " ", text)


def test_report_vote_count_is_reproduced(studies):
    votes = evidence.vote_count(studies, "direction_report").set_index("direction")["studies"].to_dict()
    assert votes == {"private_better": 1, "no_difference": 2, "private_worse": 4}  # Bilaga 1: 1 better, 2 none, 4 worse
    assert evidence.one_row_per_study(studies).shape[0] == 7
    assert "Crépon, Duflo, Gurgand, Rathelot & Zamora" not in set(evidence.one_row_per_study(studies)["study_key"])


def test_sources_tell_a_different_story(studies):
    votes = evidence.vote_count(studies, "direction_source").set_index("direction")["studies"].to_dict()
    assert votes == {"no_difference": 4, "private_worse": 2, "mixed": 1}
    laun = studies[studies["study"].str.startswith("Laun")].set_index("checked")
    assert laun.loc["verified (abstract)", "direction_source"] == "no_difference"
    assert np.isnan(laun.loc["verified (abstract)", "estimate"])  # "no difference" is not a published 0
    assert laun.loc["as printed in the report", "estimate"] == -2.5
    named = set(evidence.disagreements(studies)["study_key"])
    assert named == {"Laun & Skogman Thoursie", "Cottier, Kempeneers, Flückiger & Lalive", "Bernhard & Wolff"}


def test_no_standard_error_is_invented_and_every_figure_has_its_source(studies):
    assert studies["std_error"].isna().all() and studies["ci_low"].isna().all() and studies["ci_high"].isna().all()
    assert set(studies["checked"]) <= CHECKED
    for col in ("source", "locator", "source_sv", "locator_sv", "se_searched"):
        assert studies[col].notna().all() and (studies[col].str.len() > 10).all(), col
    confirmed = studies.set_index("study")["estimate"]
    assert confirmed["Cottier, Kempeneers, Flückiger & Lalive"] == 4.0
    assert confirmed["Crépon, Duflo, Gurgand, Rathelot & Zamora"] == 2.4
    assert studies["year"].dtype == "Int64" and studies["year"].min() == 2008


def test_study_tables_are_swedish_without_nan_and_with_plain_years(page):
    text = _visible(page.show_studies().data)
    assert "nan" not in text.lower().split() and "NaN" not in text
    assert "2\u00a0014" not in text and "2\u202f014" not in text and "2 014" not in text and "(2014)" in text
    assert "Frankrike" in text and "France" not in text and "randomiserat" in text and "randomised" not in text
    main = text.split("Detaljer:")[0]  # the details quote the sources verbatim, in their language
    assert "−2,5 p.e." in main and "i.u." in main and "percentage points" not in main
    assert "privata aktörer (OPP)" in text and "offentligt program (CVE)" in text


def test_readings_name_the_disagreements(page):
    text = _visible(page.show_readings().data)
    assert "Där rapporten och källorna skiljer sig (3 studier)" in text
    assert "2,5 procentenheter lägre" in text and "nästan 30 procent" in text and "matchningsstudie" in text


def test_shipped_table_has_no_meta_analysis_and_says_why(page):
    text = _visible(page.show_meta_analysis().data)
    assert "Ingen metaanalys" in text and "0 skattningar av 10 har ett medelfel" in text
    assert "rapportens läsning av studien" in text and "jämför inte privat mot offentlig" in text
    assert "Ingen skattning från data" in page.show_computed().data


def test_groups_with_standard_errors_are_pooled_with_hk_and_a_forest_plot(tmp_path, studies):
    extra = pd.DataFrame([
        {"study": s, "year": 2020, "country": "Sweden", "design": "randomised experiment", "randomised": 1, "in_report": 0,
         "contrast": "private_vs_public", "outcome_family": "employment", "outcome": "employment", "estimate": e,
         "unit": "percentage points", "std_error": se, "checked": "verified (abstract)", "source": "test", "locator": "test",
         "population": "long_term_unemployed", "target_group_sv": "långtidsarbetslösa", "horizon_months": 12}
        for s, e, se in (("A", -1.0, 0.9), ("B", 0.4, 0.8), ("C", 2.0, 1.1))])
    path = tmp_path / "evidence.csv"
    pd.concat([studies, extra], ignore_index=True).to_csv(path, index=False)
    html = EvidencePage(str(path), output_dir=str(tmp_path)).show_meta_analysis().data
    text = _visible(html)
    assert "data:image/svg+xml;base64," in html and "Ingen metaanalys" not in text
    assert "Poolade skattningar per grupp" in text and "Prediktionsintervall" in text and "En i taget utelämnad" in text
    pooled = pd.read_csv(tmp_path / "tables" / "06_pooled.csv")
    assert pooled.loc[0, "k"] == 3 and pooled.loc[0, "tau2_method"] == "reml" and pooled.loc[0, "ci_method"] == "hk"
    dl = EvidencePage(str(path), tau2="dl", interval="normal").pooled[0]["result"]
    assert dl.tau2_method == "dl" and dl.df == float("inf")
    assert (tmp_path / "figures" / "06_forest.png").is_file()


def test_vote_figure_counts_whole_studies(studies):
    votes = pd.concat([evidence.vote_count(studies, "direction_report").assign(läsning="r"),
                       evidence.vote_count(studies, "direction_source").assign(läsning="s")])
    fig = evidence_figures.votes_figure(votes, list(evidence.DIRECTIONS.values())[:4])
    ticks = [t for t in fig.axes[0].get_xticks() if 0 <= t <= 4]
    assert ticks == [0, 1, 2, 3, 4]


def test_parameters_are_checked_before_a_kernel_starts(tmp_path):
    declared = {"evidence", "microdata", "tau2", "interval", "output_dir"}
    ok = validate.check({"evidence": "", "microdata": "", "tau2": "dl", "interval": "normal"}, declared)
    assert ok.source["kind"] == "published"
    with pytest.raises(ParameterError, match="'tau2'.*reml, pm, dl"):
        validate.check({"tau2": "ml"}, declared)
    with pytest.raises(ParameterError, match="'interval'"):
        validate.check({"interval": "z"}, declared)
    with pytest.raises(ParameterError, match="'microdata'.*no such file"):
        validate.check({"microdata": str(tmp_path / "none.dta")}, declared)


@pytest.mark.skipif(not MICRODATA.is_file(), reason="../shared/data/microdata/crepon2013_jd.dta is absent")
def test_row_computed_from_the_public_use_data():
    page = EvidencePage(microdata=str(MICRODATA))
    text = _visible(page.show_computed().data)
    assert "0,57 p.e." in text and "1,15" in text and format_number(11806) in text and "2,4 p.e." in text
    plan = page.plan.set_index("study")
    assert plan.loc["Crépon, Duflo, Gurgand, Rathelot & Zamora (beräknad från data)", "reason"].startswith("ensam i sin grupp")


def test_evidence_csv_without_the_required_columns_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("study,year\nA,2020\n", encoding="utf-8")
    from fou.extracts.schemas import DataFileError

    with pytest.raises(DataFileError, match=r"bad\.csv: column '\w+' is missing"):
        validate.check({"evidence": str(bad)}, {"evidence"})
