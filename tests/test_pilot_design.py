"""The pilot page's design facts from the pilot list and the data, the 2021 roll-out's reference
data, the doubly robust ATT(2020) against the ``drdid`` package and on generated data where the
truth is known, the minimum detectable effect, and simulated p-values with their Monte Carlo error."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fou.effects.pilot import analysis as pilot
from fou.effects.pilot import dr, staggered
from fou.extracts.format import load_extract
from fou.extracts.paths import data_dir
from fou.pages import pilot_text
from fou.pages.pilot import PilotPage


@pytest.fixture(scope="module")
def national():
    return load_extract(data_dir() / "extracts" / "kolada-national").values


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def thirteen(tmp_path_factory):
    """13 municipalities in two counties (eight in Västra Götaland, five in Halland)."""
    units = pd.read_csv(data_dir() / "extracts" / "kolada-national" / "units.csv", dtype=str)
    k = units[units["type"] == "K"]
    ids = pd.concat([k[k["county"] == "14"].head(8), k[k["county"] == "13"].head(5)])["id"]
    path = tmp_path_factory.mktemp("pilots") / "thirteen.csv"
    pd.DataFrame({"municipality_id": ids}).to_csv(path, index=False)
    return path, list(ids)


def test_rollout_reference_data_has_a_source_per_stage_and_covers_the_comparison():
    stages = pilot.load_rollout()
    assert stages["municipalities"].tolist() == [53, 101, 104]
    assert [d.strftime("%Y-%m-%d") for d in stages["start"]] == ["2021-05-18", "2021-10-01", "2021-12-07"]
    assert stages["url"].str.startswith("https://arbetsformedlingen.se/").all()
    assert set(stages["municipality_list"]) == {"not found"}
    assert stages["municipalities"].sum() == 290 - len(pilot.load_pilots())  # everyone else, in 2021


def test_design_facts_follow_the_pilot_list(national, thirteen):
    facts = pilot.design_facts(national, pilot.load_pilots())
    assert (facts["pilots"], facts["comparison"], facts["counties"]) == (32, 258, 5)
    assert (facts["balanced"], facts["with_outcome"], facts["pilots_both"]) == (122, 286, 24)
    assert facts["shipped_pilots_in_comparison"] == 0
    path, ids = thirteen
    own = pilot.design_facts(national, pilot.load_pilots(path))
    wide = staggered.wide_panel(national, "U40455", staggered.KROM.years)
    both = wide[[2019, 2020]].notna().all(axis=1)
    assert (own["pilots"], own["comparison"], own["counties"]) == (13, 277, 2)
    assert own["pilots_both"] == int(both[both.index.isin(ids)].sum())
    assert own["comparison_both"] == int(both[~both.index.isin(ids)].sum())
    assert own["shipped_pilots_in_comparison"] == len(set(pilot.load_pilots()["municipality_id"]) - set(ids))


def test_page_prose_counts_come_from_a_13_municipality_list(thirteen):
    path, ids = thirteen
    page = PilotPage(pilots=str(path), draws=199)
    facts = page.facts
    intro, design = _text(page.show_intro().data), _text(page.show_design().data)
    assert "i 13 kommuner (pilotlistan thirteen.csv) i 2 län" in intro
    assert "53 kommuner från 18 maj, 101 från 1 oktober och 104 från 7 december 2021" in intro
    assert f"{facts['pilots_both']} av 13 piloter och {facts['comparison_both']} av 277 övriga kommuner" in design
    assert "fick Rusta och matcha under 2021" in design and "Redan från 18 maj 2021 fick 53 kommuner" in design
    assert "var KROM-piloter enligt Arbetsförmedlingens lista" in design
    everything = " ".join(_text(getattr(page, m)().data) for m in ("show_intro", "show_design", "show_inference"))
    for typed in ("32 kommuner", "fem län", "24 piloter", "122 av 286", "5 län", "de 5 län"):
        assert typed not in everything
    assert "bara de 2 län där en del men inte alla kommuner är piloter" in everything
    groups = pd.read_csv(data_dir() / "reference" / "groups.csv", dtype={"member_id": str})
    in_gr = groups[(groups["group_id"] == "G96190") & groups["member_id"].isin(ids)]["member_title"]
    assert f"{len(in_gr)} av Göteborgsregionens 13 kommuner var piloter: {', '.join(in_gr)}" in intro


def test_comparison_column_names_the_2021_roll_out(national):
    att = pilot.att_results(national, pilot.load_pilots(), outcomes=["U40455"])
    by_year = att.groupby("year")["comparison"].unique().map(list).to_dict()
    assert by_year[2020] == ["not_yet_treated"] and by_year[2016] == ["not_yet_treated"]
    assert by_year[2021] == ["treated_during_2021"] and by_year[2022] == ["treated_since_2021"]
    assert "treated_from_oct_or_dec_2021" not in set(att["comparison"])
    assert pilot_text.comparison_label("treated_during_2021") == "fick Rusta och matcha under 2021"


def test_dr_att_matches_the_drdid_package_on_the_shipped_data(national):
    drdid = pytest.importorskip("drdid.drdid", reason="drdid (PyPI) is a dev dependency")
    ids = set(pilot.load_pilots()["municipality_id"])
    ours = dr.dr_att(national, ids, "U40455")
    d = staggered.wide_panel(national, "U40455", [2019, 2020]).join(dr.covariate_frame(national), how="inner").dropna()
    treated = d.index.isin(ids).astype(float)
    att, inf = drdid.drdid_panel(d[2020].to_numpy(), d[2019].to_numpy(), treated, d[list(dr.COVARIATES)].to_numpy())
    assert ours.estimate == pytest.approx(att, rel=1e-9) and ours.estimate == pytest.approx(-1.792, abs=1e-3)
    assert ours.std_error == pytest.approx(np.std(inf, ddof=1) / np.sqrt(len(inf)), rel=1e-9)
    assert (ours.n_treated, ours.n_control) == (23, 191) and ours.covariates == ("N03920", "N31807", "N01951")


def _generated(seed: int, n: int = 4000, effect: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Selection on a covariate that also drives the trend: the unadjusted DiD is biased, DR is not."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    d = rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 1.2 * x)))
    delta = 1.5 * x + effect * d + rng.normal(size=n)
    return delta, d, np.column_stack([np.ones(n), x])


def test_dr_recovers_the_truth_where_the_unadjusted_att_is_biased():
    estimates, naive = [], []
    for seed in range(20):
        delta, d, X = _generated(seed)
        estimates.append(dr.drdid_panel(delta, d, X)[0])
        naive.append(delta[d].mean() - delta[~d].mean())
    assert np.mean(estimates) == pytest.approx(2.0, abs=0.05)
    assert np.mean(naive) > 3.0  # the pilots' trend differs by their covariate
    delta, d, X = _generated(99)
    est, inf = dr.drdid_panel(delta, d, X)
    se = np.std(inf, ddof=1) / np.sqrt(len(inf))
    assert np.std(estimates, ddof=1) == pytest.approx(se, rel=0.5)


def test_minimum_detectable_effect_and_the_page_block(national):
    assert dr.minimum_detectable_effect(1.0) == pytest.approx(stats.norm.ppf(0.975) + stats.norm.ppf(0.8))
    table = pilot.covariate_adjusted(national, pilot.load_pilots()).set_index("method")
    head = table.loc["att_2x2"]
    assert head["estimate"] == pytest.approx(-1.1955, abs=5e-4)
    assert head["mde"] == pytest.approx((stats.t.ppf(0.975, 217) + stats.t.ppf(0.8, 217)) * head["std_error"])
    assert head["mde"] == pytest.approx(7.63, abs=0.01)
    assert table.loc["dr_did", "covariates"] == "N03920_2019 N31807_2019 N01951_2019"


def test_simulated_p_values_carry_their_monte_carlo_error(national):
    inf = pilot.inference_table(national, pilot.load_pilots(), draws=1999, outcomes=["U40455"])
    for col in ("p_wild", "p_ri_county", "p_ri_free"):
        assert inf[f"{col}_mc_se"].to_numpy() == pytest.approx(np.sqrt(inf[col] * (1 - inf[col]) / 1999))
    assert pilot.monte_carlo_se(0.05, 1900) <= 0.005 and pilot.monte_carlo_se(0.05, 4999) <= 0.0031
    assert pilot_text.format_simulated_p(0.6080, 0.0069) == "0,6"  # 2 · SE = 0,014: one decimal
    assert pilot_text.format_simulated_p(0.0512, 0.0031) == "0,05"  # 4 999 draws at p = 0,05: two
    assert pilot_text.format_simulated_p(0.0002, 0.0002) == "<\u00a00,001"
    assert pilot_text.format_simulated_p(0.04, 0.0) == "0,040"  # exact: three
