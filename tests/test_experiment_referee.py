"""Issue 19, the experiment: the second LATE under shared spillover, the design's weighting,
outcome units, minimum detectable effects, Monte Carlo errors of the Romano–Wolf p-values,
clusters and covariates that follow the parameters, and the files a run writes. Against
pyfixest/linearmodels, against known truth on generated data where the two LATEs differ,
and on the Crépon et al. (2013) file (skipped without ../shared)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from linearmodels.iv import IV2SLS

from fou.effects import multiple
from fou.effects.experiment import analysis as experiment
from fou.effects.experiment import estimands, spec, synth
from fou.pages import experiment_text as text
from fou.pages.experiment import ExperimentPage

from .conftest import SHARED, needs_shared

CREPON = SHARED / "data" / "microdata" / "crepon2013_jd.dta"


@pytest.fixture(scope="module")
def crepon() -> pd.DataFrame:
    needs_shared(CREPON)
    return pd.read_stata(CREPON, convert_categoricals=False)


def _reference(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(treated=(df["pct0"] > 0).astype(float), spill=((df["pct0"] > 0) & (df["assigned"] == 0)).astype(float))


# -- late_shared_spillover -----------------------------------------------------------------

def test_late_shared_spillover_equals_pyfixest_iv_with_strata_and_linearmodels_without():
    df, _ = synth.two_stage_experiment(n_quintuplets=20, seed=11)
    design = estimands.prepare(df, spec.Spec(strata=(("noq", "session"),)))
    ours = estimands.late_shared_spillover(design, "emploidur2").estimate(estimands.D)
    ref = pf.feols("emploidur2 ~ treated | noq^session | signopp ~ assigned", data=_reference(df), vcov={"CRV1": "anonale"})
    assert ours.estimate == pytest.approx(ref.coef()["signopp"], rel=1e-9)
    assert ours.std_error == pytest.approx(ref.se()["signopp"], rel=1e-8)
    plain = estimands.late_shared_spillover(estimands.prepare(df, spec.Spec()), "emploidur")
    r = _reference(df).dropna(subset=["emploidur"]).assign(const=1.0)
    lm = IV2SLS(r["emploidur"], r[["const", "treated"]], r["signopp"], r["assigned"]).fit(
        cov_type="clustered", clusters=r["anonale"], debiased=False)
    assert plain.params[estimands.D] == pytest.approx(lm.params["signopp"], rel=1e-9)
    g, n, k = 100, len(r), 3  # linearmodels' clustered covariance without fixest's small-sample factor
    assert plain.cov.loc[estimands.D, estimands.D] == pytest.approx(
        lm.cov.loc["signopp", "signopp"] * g / (g - 1) * (n - 1) / (n - k), rel=1e-6)


def _late_gap(nontaker_spillover: bool) -> tuple[float, float, float, float]:
    """Both LATEs of a large synthetic experiment whose take-up effect is tau = 0,12 at every
    share (no spillover on participants beyond the market's, the same spillover in every
    treated market, as the treated-market control assumes): (late, se, shared, se)."""
    df, _ = synth.two_stage_experiment(n_quintuplets=120, per_cell=16, tau=(0.12,), tau_men=0.0,
                                       spill_assigned=-0.10 if nontaker_spillover else 0.0, spill_nonassigned=-0.10,
                                       nontaker_spillover=nontaker_spillover, flat_spillover=True, seed=19)
    design = estimands.prepare(df, spec.Spec(waves=(1,)))
    a = estimands.late(design, "emploidur").estimate(estimands.D)
    b = estimands.late_shared_spillover(design, "emploidur").estimate(estimands.D)
    return a.estimate, a.std_error, b.estimate, b.std_error


def test_each_late_recovers_the_take_up_effect_only_under_its_own_assumption():
    """Assigned non-takers unaffected: ``late`` finds tau, the shared-spillover LATE does not.
    Everyone in a treated market shares the spillover and takers get tau on top:
    ``late_shared_spillover`` finds tau, ``late`` does not."""
    late, se, shared, se_shared = _late_gap(nontaker_spillover=False)
    assert abs(late - 0.12) < 3 * se and abs(shared - 0.12) > 4 * se_shared
    late, se, shared, se_shared = _late_gap(nontaker_spillover=True)
    assert abs(shared - 0.12) < 3 * se_shared and abs(late - 0.12) > 4 * se


def test_contract_states_each_terms_assumption_and_data_source():
    df, truth = synth.two_stage_experiment(n_quintuplets=8, seed=4)
    a = experiment.analyse(df, spec.Spec(waves=(1, 2)), truth, draws=99)
    c = a.results.contract("synthetic")
    assert list(c.columns) == estimands.CONTRACT_COLUMNS and (c["data_source"] == "synthetic").all()
    by_term = c.drop_duplicates("term").set_index("term")["assumption"]
    assert "assigned non-takers share none" in by_term["late"]
    assert "share their market's spillover" in by_term["late_shared_spillover"]
    assert by_term["direct_25"] == by_term["direct"] and (c["unit"] == "proportion").all()
    assert {"late_shared_spillover"} <= set(a.truth["term"])


# -- weighting, units, MDE ------------------------------------------------------------------

def test_design_weights_are_the_inverse_probability_of_assignment_and_equal_pyfixest():
    df, _ = synth.two_stage_experiment(n_quintuplets=10, seed=8)
    s = spec.resolve({"weights": "design"}, list(df.columns))
    assert s.weighting == "design"
    design = estimands.prepare(df, s)
    w = design.data[spec.DESIGN_WEIGHTS]
    share, z = design.data["pct0"], design.data["assigned"]
    assert np.allclose(w[z == 1], 1 / share[z == 1]) and np.allclose(w[(z == 0) & (share > 0)], 1 / (1 - share[(z == 0) & (share > 0)]))
    assert (w[share == 0] == 1).all()
    ref = pf.feols("emploidur ~ assigned + spill", data=_reference(df).assign(w=w.to_numpy()), vcov={"CRV1": "anonale"},
                   weights="w")
    f = estimands.pooled(design, "emploidur")
    assert f.params[estimands.S] == pytest.approx(ref.coef()["spill"], rel=1e-9)
    assert np.sqrt(f.cov.loc[estimands.S, estimands.S]) == pytest.approx(ref.se()["spill"], rel=1e-8)
    assert "designvikter" in text.weighting_text(s.weighting, s.weights)


def test_the_page_says_which_weighting_it_uses():
    weighted = ExperimentPage(weights="design", waves="1", outcomes="emploidur", draws=99)
    assert "designvikter (weights=design)" in weighted.show_header().data
    assert weighted.table["weighting"].str.startswith("design").all()
    plain = ExperimentPage(waves="1", outcomes="emploidur", draws=99)
    assert "inga (alla väger lika" in plain.show_header().data and (plain.table["weighting"] == "none").all()
    assert weighted.table.set_index("term").loc["direct", "estimate"] != plain.table.set_index("term").loc["direct", "estimate"]
    with pytest.raises(spec.ParameterError, match="'design'"):
        spec.resolve({"weights": "desing"}, synth.columns())


def test_outcome_kind_from_the_data():
    assert estimands.outcome_kind(pd.Series([0, 1, np.nan, 1.0])) == "share"
    assert estimands.outcome_kind(pd.Series([1200.0, np.nan, 0.0])) == "amount"
    assert text.unit_for("salaire", "amount").name == "euro" and text.unit_for("x", "share").name == "procentenheter"


def _file_with_wage(tmp_path, n_quintuplets: int = 12):
    df, _ = synth.two_stage_experiment(n_quintuplets=n_quintuplets, seed=3)
    rng = np.random.default_rng(0)
    for w, suffix in ((1, ""), (2, "2")):
        df[f"salaire{suffix}"] = np.where(df[f"emploi{suffix}"] == 1, rng.normal(1300, 300, len(df)) + 80 * df["assigned"], np.nan)
    path = tmp_path / "wage.csv"
    df.to_csv(path, index=False)
    return path


def test_an_amount_is_shown_in_its_unit_never_as_a_share(tmp_path):
    out = tmp_path / "out"
    page = ExperimentPage(str(_file_with_wage(tmp_path)), outcomes="salaire,emploi", waves="1,2", draws=99, output_dir=str(out))
    assert page.analysis.kinds == {"salaire": "amount", "emploi": "share"}
    assert set(page.table.drop_duplicates("outcome").set_index("outcome")["unit"].items()) == {("salaire", "euro"), ("emploi", "proportion")}
    summary = page.show_summary().data
    assert "euro" in summary and "procentenheter" not in summary and " % av de svarande" not in summary
    assert re.search(r"medelvärdet 1\u202f\d{3} euro", summary)
    effects = page.show_effects().data
    assert "Lön, euro" in effects and "procentenheter" in effects  # emploi, the other outcome, stays a share
    direct = page.table.query("outcome == 'salaire' and wave == 1 and term == 'direct'")["estimate"].iloc[0]
    assert 40 < direct < 120  # euro, not hundredths
    attrition = page.show_attrition().data
    assert "Lee-gränser" in attrition and "euro" in attrition and "urval" in attrition
    assert "Minsta upptäckbara effekt" in page.show_mde().data
    mde = pd.read_csv(out / "tables" / "07_mde.csv")
    assert np.allclose(mde["mde"], experiment.MDE_FACTOR * mde["std_error"]) and experiment.MDE_FACTOR == pytest.approx(2.80, abs=0.005)
    assert set(mde["term"]) == {"direct", "spillover", "late", "late_shared_spillover"}


# -- Romano–Wolf: Monte Carlo error, default draws, the batched bootstrap ----------------------

def test_default_draws_bound_the_monte_carlo_error_at_005():
    assert experiment.DEFAULT_DRAWS == multiple.draws_for(0.005) == 1999
    assert multiple.mc_se(np.array([0.05]), experiment.DEFAULT_DRAWS)[0] <= 0.005
    assert multiple.mc_se(np.array([0.05]), 1899)[0] > 0.005 * 0.999  # fewer draws would not do
    assert text.p_adjusted_text(0.0512, 0.0049) == "0,05" and text.p_adjusted_text(0.5695, 0.0111) == "0,6"


def test_batched_bootstrap_equals_one_hypothesis_at_a_time():
    df, _ = synth.two_stage_experiment(n_quintuplets=10, seed=2)
    design = estimands.prepare(df, spec.Spec(strata=(("noq", "session"),)))
    r = estimands.reduced_form(design, draws=99)
    clusters = pd.Index(pd.unique(np.concatenate([h.clusters.to_numpy() for h in r.hypotheses])))
    weights = multiple.rademacher(len(clusters), 99, 5)
    many = multiple.bootstrap_t_many(r.hypotheses, weights, clusters)
    for i, h in enumerate(r.hypotheses):  # within_market has fewer clusters than the others
        one = multiple.bootstrap_t(h, weights[:, clusters.get_indexer(h.clusters)])
        np.testing.assert_allclose(many[:, i], one, rtol=1e-10, atol=1e-12)
    t = r.table
    assert np.allclose(t["p_mc_se"], np.sqrt(t["p_adjusted"] * (1 - t["p_adjusted"]) / 99))


# -- the page follows its parameters ----------------------------------------------------------

def test_synthetic_files_say_so_and_every_csv_is_linked(tmp_path):
    page = ExperimentPage(outcomes="emploidur", waves="1,2", draws=99, seed=7, output_dir=str(tmp_path))
    page_html = "".join(getattr(page, m)().data for m in dir(page) if m.startswith("show_"))
    late = page.show_late().data  # both LATEs on the page, each with its assumption in Swedish
    assert "(exklusionsrestriktionen)" in late and "delar marknadens spridningseffekt med de icke lottade" in late
    assert "justerat p" in late or "inte statistiskt säkerställt" in late
    written = sorted(p.stem for p in (tmp_path / "tables").glob("*.csv") if p.name != "columns.csv")
    assert written and all(name.endswith("_synthetic") for name in written)
    assert "experiment_reduced_form_synthetic" in written and not (tmp_path / "tables" / "experiment_reduced_form.csv").exists()
    for name in written:
        assert f'href="../tables/{name}.csv"' in page_html and f'href="../tables/excel/{name}.csv"' in page_html, name
    contract = pd.read_csv(tmp_path / "tables" / "experiment_reduced_form_synthetic.csv")
    assert (contract["data_source"] == "synthetic").all()


def test_clusters_are_named_after_their_variable():
    assert text.clusters_text(47, "noq", "anonale") == "47 kvintetter"
    assert text.clusters_text(235, "anonale", "anonale") == "235 marknader"
    assert text.clusters_text(9, "diplome", "anonale") == "9 kluster (variabel diplome)"
    page = ExperimentPage(cluster="noq", waves="1", outcomes="emploidur", draws=99)
    words = page.show_summary().data + page.show_multiple_testing().data + page.show_header().data
    assert "kvintetter" in words and "Rademachervikter per kvintett" in words
    assert not re.search(r"\d+ marknader\)|per marknad\b", page.show_summary().data + page.show_multiple_testing().data)


def test_a_covariate_that_is_the_heterogeneity_variable_is_dropped_there_with_a_note():
    page = ExperimentPage(covariates="homme,age", waves="1", outcomes="emploidur", draws=99)
    het = page.show_heterogeneity().data
    assert "män" in het and "kvinnor" in het and "Varaktigt arbete efter kön (homme)" in het
    assert "tas därför bort bland kovariaterna" in het
    assert estimands.heterogeneity_spec(page.spec, "homme").covariates == ("age",)


# -- the Crépon file -------------------------------------------------------------------------

def test_the_issues_two_lates_on_the_crepon_file(crepon):
    design = estimands.prepare(crepon, spec.resolve({"preset": "crepon2013"}, list(crepon.columns)))
    late = estimands.late(design, "emploidur").estimate(estimands.D)
    shared = estimands.late_shared_spillover(design, "emploidur").estimate(estimands.D)
    assert round(100 * late.estimate, 1) == 1.3 and round(100 * late.std_error, 1) == 2.6
    assert round(100 * shared.estimate, 1) == 6.5 and round(100 * shared.std_error, 1) == 2.8
    ref_data = _reference(crepon[(crepon["emploiav"] != 1) & (crepon["session"] <= 11)])
    ref = pf.feols("emploidur ~ treated | noq^session | signopp ~ assigned", data=ref_data, vcov={"CRV1": "anonale"})
    assert shared.estimate == pytest.approx(ref.coef()["signopp"], rel=1e-9)
    assert shared.std_error == pytest.approx(ref.se()["signopp"], rel=1e-8)


def test_wage_and_the_covariates_of_the_issue_on_the_crepon_file(crepon):
    page = ExperimentPage(str(CREPON), preset="crepon2013", outcomes="salaire,emploi", waves="1",
                          covariates="homme,age,couple", cluster="noq", draws=99)
    summary = page.show_summary().data
    assert "euro" in summary and "procentenheter" not in summary.split("Icke lottade")[0]
    assert "47 kvintetter" in summary and page.analysis.kinds["salaire"] == "amount"
