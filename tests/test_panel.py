import numpy as np
import pandas as pd
import pytest

from fou.effects import panel
from fou.extracts.regions import Region


@pytest.fixture(scope="module")
def gr_panel(report_extract, gr):
    return panel.build_panel(report_extract.values, gr, range(2017, 2023))


def test_panel_values_and_missing(gr_panel):
    data, notes = gr_panel
    assert len(data) == 13 * 6
    row = data.set_index(["municipality", "year"]).loc[("Göteborg", 2018)]
    assert np.isnan(row["af_share"]) and row["participants"] == 4558
    assert row["participants_per_1000"] == pytest.approx(1000 * 4558 / 596841)
    assert row["population_year"] == 2022  # nearest year the transcription has
    assert "65 av 78" in notes[0]
    assert data["period"].tolist()[:6] == ["före", "före", "omställning", "omställning", "fristående", "fristående"]


def test_period_effects_equal_within_municipality_differences():
    """Balanced panel: the FE estimate is the mean over municipalities of (period mean − before mean)."""
    rng = np.random.default_rng(0)
    rows = []
    for m in range(13):
        level = rng.normal(30, 10)
        for year in range(2017, 2023):
            shift = {"före": 0, "omställning": -10, "fristående": -20}[panel.period_of(year)]
            rows.append({"municipality_id": f"{m:04d}", "municipality": f"K{m}", "year": year,
                         "period": panel.period_of(year), "af_share": level + shift + rng.normal(0, 2)})
    data = pd.DataFrame(rows)
    effects = {e.period: e for e in panel.period_effects(data, "af_share", draws=999)}
    means = data.groupby(["municipality_id", "period"])["af_share"].mean().unstack()
    assert effects["omställning"].estimate == pytest.approx((means["omställning"] - means["före"]).mean())
    assert effects["fristående"].estimate == pytest.approx((means["fristående"] - means["före"]).mean())
    assert effects["fristående"].nobs == 78 and effects["fristående"].n_clusters == 13
    assert effects["fristående"].ci_low < -20 < effects["fristående"].ci_high
    assert effects["fristående"].p_wild < 0.01


def test_period_effects_on_the_report_figures(gr_panel):
    data, _ = gr_panel
    effects = {e.period: e for e in panel.period_effects(data, "af_share", draws=999)}
    assert effects["fristående"].nobs == 71  # 78 cells minus 7 i.u.
    assert effects["fristående"].estimate < 0 and effects["fristående"].p_wild < 0.05


def test_group_comparison_hand_numbers(gr_panel):
    data, _ = gr_panel
    g = panel.group_comparisons(data, panel.load_facts(), "af_share").set_index("grouping")
    trelle = g.loc["Trelleborgsmodellen"]
    # changes 2017-18 -> 2021-22: Ale 3.5 - 50, Kungsbacka 0 - 49, Mölndal 3 - 5.5 (Göteborg, Härryda lack 2017-18)
    assert trelle["mean_group"] == pytest.approx((-46.5 - 49 - 2.5) / 3)
    assert trelle["n_group"] == 3 and trelle["n_other"] == 8 and trelle["permutations"] == 165
    assert 0 < trelle["p_exact"] <= 1
    assert g.loc["Norra mot södra klustret", "n_group"] == 6 and g.loc["Norra mot södra klustret", "n_other"] == 5


def test_facts_file_codes_the_report():
    f = panel.load_facts().set_index("municipality")
    assert sorted(f.index[f["trelleborg_model"] == 1]) == ["Ale", "Kungsbacka", "Mölndal"]
    assert sorted(f.index[f["state_present"] == 1]) == ["Alingsås", "Göteborg", "Kungsbacka", "Kungälv", "Mölndal"]
    assert sorted(f.index[f["dua_cluster"] == "north"]) == ["Ale", "Kungälv", "Lilla Edet", "Stenungsund", "Tjörn", "Öckerö"]
    assert len(f) == 13


def test_panel_for_another_region_without_population(report_extract):
    region = Region("Två", ("1440", "1419"), {"1440": "Ale", "1419": "Tjörn"})
    vals = report_extract.values[report_extract.values["kpi"] != "N01951"]
    data, notes = panel.build_panel(vals, region, range(2017, 2023))
    assert data["participants_per_1000"].isna().all()
    assert len(notes) == 1 and notes[0].startswith("N01951 (Befolkningsmängd) saknas i extraktet")
