"""National pilot comparison: DiD and event study against linearmodels' PanelOLS, and the page's clean ending."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fou.effects import pilot
from fou.pages.pilot import PilotPage

from .conftest import KOLADA_DIR, SHARED, needs_shared

PILOTS = SHARED / "data" / "krom_pilot_municipalities.csv"


def _synthetic(effect=3.0, seed=0):
    """A panel with a known pilot effect in 2020-21 and no pre-trend."""
    rng = np.random.default_rng(seed)
    rows = []
    ids = [f"{1000 + i}" for i in range(120)]
    for i, mid in enumerate(ids):
        level = rng.normal(38, 8)
        for year in range(2016, 2023):
            y = level + 0.8 * (year - 2016) + rng.normal(0, 3) + (effect if i < 30 and year in (2020, 2021) else 0)
            rows.append({"kpi": "U40455", "municipality_id": mid, "municipality": mid, "year": year, "gender": "T",
                         "value": y, "status": ""})
    return pd.DataFrame(rows), pd.DataFrame({"municipality_id": ids[:30]})


def test_did_recovers_a_known_effect_and_matches_panelols():
    from linearmodels.panel import PanelOLS

    values, pilots = _synthetic()
    panel = pilot.municipal_panel(values, pilots)
    est = pilot.difference_in_differences(panel, (2020, 2021))
    assert est.ci_low < 3.0 < est.ci_high and est.nobs == 120 * 6 and est.n_clusters == 120
    d = panel[panel["year"] != 2022].set_index(["municipality_id", "year"])
    ref = PanelOLS(d["y"], d[["treated"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    assert est.estimate == pytest.approx(ref.params["treated"], rel=1e-8)
    assert est.std_error == pytest.approx(ref.std_errors["treated"], rel=0.02)  # small-sample corrections differ slightly


def test_event_study_shape_and_pre_trend_test():
    values, pilots = _synthetic(effect=3.0, seed=1)
    coefs, pre = pilot.event_study(pilot.municipal_panel(values, pilots))
    assert coefs["event_time"].tolist() == [-4, -3, -2, 0, 1, 2]
    post = coefs.set_index("event_time")
    assert post.loc[0, "ci_low"] < 3 < post.loc[0, "ci_high"]
    assert post.loc[2, "ci_low"] < 0 < post.loc[2, "ci_high"]  # 2022: no effect in the truth
    assert pre["leads"] == 3 and pre["p_value"] > 0.01


def test_event_study_detects_a_planted_pre_trend():
    values, pilots = _synthetic(effect=0.0, seed=2)
    pilot_rows = values["municipality_id"].isin(pilots["municipality_id"]) & (values["year"] < 2019)
    values.loc[pilot_rows, "value"] += 6.0 * (2019 - values.loc[pilot_rows, "year"])
    _, pre = pilot.event_study(pilot.municipal_panel(values, pilots))
    assert pre["p_value"] < 0.001


def test_page_without_inputs_ends_cleanly_and_says_how_to_fetch(report_extract):
    page = PilotPage("", "")
    assert not page.ready and len(page.problems) == 2
    assert "fou fetch --kpi U40455" in page.problems[0]
    assert page.show_did().data == "" and page.show_event_study().data == ""
    page = PilotPage(str(report_extract.path), "")
    assert any("saknar U40455" in p for p in page.problems)


@pytest.fixture(scope="module")
def national():
    needs_shared(KOLADA_DIR)
    values = pd.read_csv(KOLADA_DIR / "values_2010_2022.csv", dtype={"municipality_id": str, "kpi": str, "gender": str})
    return values.assign(municipality="", status="")


def test_real_pilot_panel(national):
    pilots = pilot.load_pilots(PILOTS)
    assert len(pilots) == 32
    panel = pilot.municipal_panel(national, pilots)
    assert panel["pilot"].groupby(panel["municipality_id"]).first().sum() == 32  # every pilot reports U40455 some year
    assert panel[(panel["year"] == 2020) & (panel["pilot"] == 1)].shape[0] == 30  # hand count from the values file
    est = pilot.difference_in_differences(panel)
    assert est.n_clusters == panel[(panel["year"] <= 2021)]["municipality_id"].nunique()
    assert np.isfinite(est.estimate) and est.std_error > 0


def test_real_cross_section_matches_statsmodels(national):
    import statsmodels.formula.api as smf

    table, facts = pilot.cross_section(national, predictors=("N03920", "N31807"))
    v = national[(national["gender"] == "T") & national["year"].between(2019, 2022)]
    v = v[v["municipality_id"].str.fullmatch(r"\d{4}") & ~v["municipality_id"].str.startswith("00")]
    wide = v.pivot_table(index="municipality_id", columns="kpi", values="value")[["U40455", "N03920", "N31807"]].dropna()
    ref = smf.ols("U40455 ~ N03920 + N31807", data=wide).fit(cov_type="HC3")
    assert facts["nobs"] == int(ref.nobs) and facts["missing"] == []
    assert table.set_index("kpi").loc["N03920", "estimate"] == pytest.approx(ref.params["N03920"])
    assert table.set_index("kpi").loc["N31807", "std_error"] == pytest.approx(ref.bse["N31807"])
