import numpy as np
import pandas as pd
import pytest

from fou.effects.panel import analysis as panel
from fou.extracts.regions import Region

from .references import wildboottest_t


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


@pytest.fixture(scope="module")
def national_values():
    from fou.extracts.format import load_extract
    from fou.extracts.paths import data_dir

    return load_extract(data_dir() / "extracts" / "kolada-national").values


def test_each_year_has_its_own_population_from_the_national_extract(report_extract, gr, national_values):
    data, notes = panel.build_panel(report_extract.values, gr, range(2017, 2023), national_values)
    row = data.set_index(["municipality", "year"]).loc[("Göteborg", 2018)]
    pop = national_values[(national_values["kpi"] == "N01951") & (national_values["municipality_id"] == "1480")
                          & (national_values["year"] == 2018) & (national_values["gender"] == "T")]["value"].iloc[0]
    assert row["population"] == pop and row["population_year"] == 2018 and row["population_source"] == "national"
    assert row["participants_per_1000"] == pytest.approx(1000 * 4558 / pop)
    assert pop != 596841  # not the 2022 population used for every year
    assert (data["population_year"] == data["year"]).all()
    assert (data.loc[data["year"] == 2022, "population_source"] == "extract").all()  # the extract's own 2022 figures
    assert "65 av 78" in notes[0] and "nationella extraktet" in notes[0]


def test_period_effects_match_pyfixest_with_fixests_small_sample_convention(report_extract, gr, national_values):
    import warnings

    import pyfixest as pf

    data, _ = panel.build_panel(report_extract.values, gr, range(2017, 2023), national_values)
    effects = {e.period: e for e in panel.period_effects(data, "af_share", draws=999)}
    d = data.dropna(subset=["af_share"]).copy()
    d["omst"] = (d["period"] == "omställning").astype(float)
    d["frist"] = (d["period"] == "fristående").astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("af_share ~ omst + frist | municipality_id", d, vcov={"CRV1": "municipality_id"},
                       ssc=pf.ssc(k_adj=False, G_adj=False))
    n, g = len(d), d["municipality_id"].nunique()
    factor = np.sqrt(g / (g - 1) * (n - 1) / (n - 3))  # K = 2 periods + 1 for the nested municipality effects
    assert effects["fristående"].estimate == pytest.approx(float(ref.coef()["frist"]), rel=1e-9)
    assert effects["fristående"].std_error == pytest.approx(float(ref.se()["frist"]) * factor, rel=1e-9)
    # counting the 12 municipality dummies in K instead would make the errors sqrt((n-3)/(n-15)) larger
    assert np.sqrt((n - 3) / (n - 15)) > 1.1
    # the interval comes from the bootstrap: it excludes 0 exactly when the bootstrap p-value is below 0,05
    for e in effects.values():
        assert (e.ci_high < 0 or e.ci_low > 0) == (e.p_wild < 0.05)


def test_group_comparisons_are_holm_adjusted(gr_panel):
    from statsmodels.stats.multitest import multipletests

    data, _ = gr_panel
    g = panel.group_comparisons(data, panel.load_facts(), "af_share")
    ok = g["p_exact"].notna()
    assert g.loc[ok, "p_holm"].to_numpy() == pytest.approx(multipletests(g.loc[ok, "p_exact"], method="holm")[1])
    assert (g["p_holm"] >= g["p_exact"]).all()


def test_wild_bootstrap_matches_wildboottest_on_the_shipped_data(report_extract, gr, national_values):
    """Rademacher weights over 13 municipalities: all 2¹³ sign vectors. Our bootstrap on the
    demeaned regression and wildboottest on the regression with municipality dummies give
    the same p-value (ties counted) — the small-sample factors differ only by a constant."""
    from fou.effects.inference import wild_cluster_bootstrap

    data, _ = panel.build_panel(report_extract.values, gr, range(2017, 2023), national_values)
    d = data.dropna(subset=["af_share"]).reset_index(drop=True)
    periods = pd.DataFrame({p: (d["period"] == p).astype(float) for p in ("omställning", "fristående")})
    dummies = pd.get_dummies(d["municipality_id"], drop_first=True, dtype=float)
    X = np.column_stack([np.ones(len(d)), periods.to_numpy(), dummies.to_numpy()])
    y = d["af_share"].to_numpy(float)
    cl = pd.factorize(d["municipality_id"])[0]
    t_ref, t_boot = wildboottest_t(X, y, cl, column=2)
    demeaned = pd.concat([periods, d[["af_share"]]], axis=1)
    demeaned = demeaned - demeaned.groupby(d["municipality_id"].to_numpy()).transform("mean")
    ours = wild_cluster_bootstrap(demeaned[["omställning", "fristående"]].to_numpy(), demeaned["af_share"].to_numpy(),
                                  cl, 1, draws=9999, weights="rademacher")
    assert ours.draws == len(t_boot) == 2**13
    assert ours.p_value == np.mean(np.abs(t_boot) >= abs(t_ref) * (1 - 1e-8))
    n, k_dummies = len(d), X.shape[1]
    assert ours.t_stat == pytest.approx(t_ref * np.sqrt((n - 2) / (n - k_dummies)), rel=1e-8)


@pytest.mark.parametrize(("years", "estimated"), [((2017, 2022), {"fristående"}), ((2021, 2022), set()),
                                                  ((2018, 2019, 2020), {"omställning"})])
def test_periods_the_chosen_years_leave_out_are_missing_not_zero(report_extract, gr, years, estimated):
    """A period without years (or without the years before the reform) is i.u., never an effect of 0."""
    data, _ = panel.build_panel(report_extract.values, gr, years)
    effects = panel.effects_frame(panel.period_effects(data, "af_share", draws=99)).set_index("period")
    assert set(effects.index) == {"omställning", "fristående"}
    assert set(effects.index[effects["estimate"].notna()]) == estimated
    missing = effects.loc[effects["estimate"].isna()]
    assert missing[["std_error", "ci_low", "ci_high", "p_wild"]].isna().all().all()
    assert missing["nobs"].isna().all() and missing["n_clusters"].isna().all()  # shown as i.u., not 0


def test_the_estimate_with_years_2017_and_2022_is_the_mean_within_municipality_change(report_extract, gr):
    data, _ = panel.build_panel(report_extract.values, gr, (2017, 2022))
    effect = {e.period: e for e in panel.period_effects(data, "af_share", draws=99)}["fristående"]
    wide = data.pivot(index="municipality_id", columns="year", values="af_share").dropna()
    assert effect.estimate == pytest.approx((wide[2022] - wide[2017]).mean())
    # municipalities with only one of the two years say nothing about the change: not in n or G (as in pyfixest)
    assert effect.n_clusters == len(wide) == 9 and effect.nobs == 18
    import warnings

    import pyfixest as pf

    d = data.dropna(subset=["af_share"]).assign(frist=lambda x: (x["period"] == "fristående").astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols("af_share ~ frist | municipality_id", d, vcov={"CRV1": "municipality_id"})  # drops singletons
    assert ref._N == 18 and effect.std_error == pytest.approx(float(ref.se()["frist"]), rel=1e-9)


def test_notes_say_which_periods_need_which_years(report_extract, gr):
    data, _ = panel.build_panel(report_extract.values, gr, (2017, 2022))
    assert panel.missing_periods(data, (2017, 2022)) == [
        "Omställning: de valda åren (2017, 2022) har inget år i perioden (2019–20), så periodens effekt är i.u."]
    data, _ = panel.build_panel(report_extract.values, gr, (2021, 2022))
    notes = panel.missing_periods(data, (2021, 2022))
    assert notes[0].startswith("Perioden före reformen saknas: de valda åren (2021–2022) har inget år i perioden (2017–18)")
    assert "--years 2017-2022" in notes[0] and notes[1].startswith("Omställning: de valda åren (2021–2022)")
    data, _ = panel.build_panel(report_extract.values, gr, range(2017, 2023))
    assert panel.missing_periods(data, range(2017, 2023)) == []


def test_period_labels_follow_the_chosen_years():
    assert panel.period_label("före") == "Före reformen (2017–18)"
    assert panel.period_label("före", [2018, 2019, 2020]) == "Före reformen (2018)"
    assert panel.period_label("fristående", [2017, 2022]) == "Fristående aktörer (2022)"
    assert panel.period_label("omställning", [2017, 2022]) == "Omställning (2019–20)"  # none chosen: its own years
    assert panel.period_label("före", [2016, 2017, 2018]) == "Före reformen (2016–18)"


def test_wild_bootstrap_p_values_carry_their_monte_carlo_error():
    """p_wild from random draws has its Monte Carlo SE beside it; under full enumeration it is 0."""
    rng = np.random.default_rng(5)
    rows = [{"municipality_id": f"{m:04d}", "year": y, "period": "före" if y <= 2018 else "omställning" if y <= 2020 else "fristående", "af_share": 40 + rng.normal() + (y > 2020)}
            for m in range(1, 9) for y in range(2017, 2023)]
    data = pd.DataFrame(rows)
    many = {e.period: e for e in panel.period_effects(data, "af_share", draws=999)}
    effect = many["fristående"]
    assert effect.p_wild_mc_se == pytest.approx(np.sqrt(effect.p_wild * (1 - effect.p_wild) / 999))
    more = {e.period: e for e in panel.period_effects(data, "af_share", draws=9999)}["fristående"]
    assert more.p_wild_mc_se < effect.p_wild_mc_se and more.p_wild_mc_se <= 0.005  # the default draws' precision
    assert "p_wild_mc_se" in panel.effects_frame(list(many.values())).columns
