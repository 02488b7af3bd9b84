import numpy as np
import pandas as pd
import pytest

from fou.effects import evidence
from fou.pages import evidence as evidence_page


@pytest.fixture(scope="module")
def studies():
    return evidence.load_evidence()


def test_report_vote_count_is_reproduced(studies):
    votes = evidence.vote_count(studies, "direction_report").set_index("direction")["studies"].to_dict()
    assert votes == {"private_better": 1, "no_difference": 2, "private_worse": 4}  # Bilaga 1: 1 better, 2 none, 4 worse
    assert evidence.one_row_per_study(studies).shape[0] == 7


def test_abstracts_tell_a_different_story(studies):
    votes = evidence.vote_count(studies, "direction_source").set_index("direction")["studies"].to_dict()
    assert votes == {"no_difference": 3, "private_worse": 2, "mixed": 1, "not_checked": 1}
    laun = studies[studies["study"].str.startswith("Laun")].set_index("checked")
    assert laun.loc["verified (abstract)", "direction_source"] == "no_difference"
    assert laun.loc["as printed in the report", "estimate"] == -2.5


def test_no_standard_error_is_invented(studies):
    assert studies["std_error"].isna().all() and studies["ci_low"].isna().all()
    assert set(studies["checked"]) <= {"verified (abstract)", "unverified figure", "as printed in the report", "not checked"}
    assert studies["source"].notna().all() and studies["locator"].notna().all()
    pool, rest = evidence.poolable(studies)
    assert pool.empty and (rest["reason"] != "").all()


def test_random_effects_equals_hand_dersimonian_laird():
    y = np.array([-2.0, 0.5, -4.0, 1.0])
    se = np.array([1.0, 0.8, 1.5, 1.2])
    res = evidence.random_effects(y, se)
    w = 1 / se**2
    fixed = (w * y).sum() / w.sum()
    q = (w * (y - fixed) ** 2).sum()
    tau2 = max(0.0, (q - (len(y) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    w_re = 1 / (se**2 + tau2)
    pooled = (w_re * y).sum() / w_re.sum()
    assert res["q"] == pytest.approx(q)
    assert res["tau2"] == pytest.approx(tau2)
    assert res["estimate"] == pytest.approx(pooled)
    assert res["std_error"] == pytest.approx(np.sqrt(1 / w_re.sum()))
    assert res["i2"] == pytest.approx(max(0.0, (q - 3) / q))


def test_meta_analysis_block_pools_rows_with_published_errors(studies):
    with_se = pd.concat([studies, pd.DataFrame([
        {"study": "A", "comparison": "private vs public", "outcome": "employment", "horizon": "1 year", "estimate": -1.0,
         "unit": "percentage points", "std_error": 0.9},
        {"study": "B", "comparison": "private vs public", "outcome": "employment", "horizon": "1 year", "estimate": 0.4,
         "unit": "percentage points", "ci_low": -1.2, "ci_high": 2.0}])], ignore_index=True)
    pool, rest = evidence.poolable(with_se)
    assert pool["study"].tolist() == ["A", "B"]
    assert pool.set_index("study").loc["B", "se_used"] == pytest.approx(3.2 / (2 * 1.959964))
    html = evidence_page.show_meta_analysis(with_se, None).data
    assert "data:image/png;base64," in html and "Poolad skattning" in html and "k = 2" in html
    assert "Ingen metaanalys" in evidence_page.show_meta_analysis(studies, None).data
