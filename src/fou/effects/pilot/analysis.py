"""The KROM pilot ("Kundval Rusta och matcha"): 32 municipalities got private providers
from April 2020; the others during 2021 in three stages (53 from 18 May, 101 from
1 October, 104 from 7 December; ``data/reference/rusta_och_matcha_2021_stages.csv``, whose
lists of municipalities were not found, so the 2021 cohorts cannot be told apart). Group-time ATTs against 2019 (see :mod:`fou.effects.pilot.staggered`) for the
KAS outcome U40455 and for outcomes Kolada has for every municipality and year, their
inference (cluster-robust, wild bootstrap, randomisation of pilot status within county,
Holm over outcomes), the TWFE comparison and a descriptive cross-section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from fou.effects.pilot import dr, staggered, twfe
from fou.effects.inference import wild_bootstrap_ci
from fou.effects.multiple import holm
from fou.effects.randomisation import randomisation_test
from fou.extracts.params import ParameterError
from fou.extracts.pilots import load_pilots, load_rollout, pilots_file  # noqa: F401 (re-exported for the pages)

OUTCOME = "U40455"
OUTCOME_LABEL = "Avslutade deltagare som börjat arbeta eller studera, andel (%)"
SECONDARY = {"N03920": "Arbetslösa 18–65 år, andel (%)", "N03926": "Långtidsarbetslösa 25–65 år, andel (%)",
             "N31807": "Invånare med ekonomiskt bistånd, andel (%)",
             "N31816": "Långvarigt ekonomiskt bistånd, andel (%) av vuxna invånare"}
OUTCOMES = {OUTCOME: OUTCOME_LABEL, **SECONDARY}
PREDICTORS = {"N03920": "Arbetslösa 18–65 år, andel", "N31807": "Invånare med ekonomiskt bistånd, andel",
              "N31858": "Biståndsmottagare med försörjningshinder arbetslöshet, andel", "N01951": "Invånare (log)"}
DESIGN = staggered.KROM
START = DESIGN.cohort
NATIONAL_EXTRACT = "kolada-national"
FETCH_HINT = ("fou fetch --kpi U40455,N01951,N03920,N03926,N31807,N31816,N31858 --municipality all "
              "--years 2016-2022 --out data/extracts/national")


def check_pilots(pilots: pd.DataFrame, values: pd.DataFrame, source: str = "") -> None:
    """Every pilot must be a municipality of the extract (else a ParameterError names it)."""
    known = set(staggered.municipalities_only(values)["municipality_id"])
    unknown = sorted(set(pilots["municipality_id"]) - known)
    if unknown:
        raise ParameterError("pilots", source or ", ".join(unknown[:3]),
                             f"municipality id(s) {', '.join(unknown[:5])} have no values in the extract; "
                             "expected Kolada municipality ids such as '1480'")


def missing_kpis(values: pd.DataFrame, kpis: Sequence[str]) -> list[str]:
    """KPIs without any value in the extract."""
    have = set(values.loc[values["value"].notna(), "kpi"].unique())
    return [k for k in kpis if k not in have]


def county(ids: Iterable[str]) -> np.ndarray:
    """County (län) code of municipality ids: their first two digits."""
    return np.array([str(i)[:2] for i in ids])


def att_results(values: pd.DataFrame, pilots: pd.DataFrame, outcomes: Iterable[str] = OUTCOMES) -> pd.DataFrame:
    """ATT(2020, t) for every outcome, year, sample and weighting (``tables/pilot_att.csv``)."""
    present = [o for o in outcomes if o not in missing_kpis(values, [o])]
    table = staggered.att_table(values, pilots["municipality_id"], present, DESIGN)
    table["comparison"] = table["year"].map(comparison_group)
    return table.drop(columns=["t_stat"])


def comparison_group(year: int, design: staggered.Design = DESIGN) -> str:
    """What the comparison municipalities are in ``year``: ``not_yet_treated`` before the roll-out,
    ``treated_during_2021`` in its year (stages from May, October and December 2021: the cohorts
    cannot be told apart, see :func:`load_rollout`), ``treated_since_2021`` after."""
    start = design.comparison_treated_from
    if year < start:
        return "not_yet_treated"
    return f"treated_during_{start}" if year == start else f"treated_since_{start}"


def monte_carlo_se(p: np.ndarray | float, draws: int) -> np.ndarray:
    """Monte Carlo standard error of a simulated p-value, √(p(1 − p)/B) with B draws."""
    p = np.asarray(p, float)
    return np.sqrt(p * (1 - p) / draws)


def design_facts(values: pd.DataFrame, pilots: pd.DataFrame, outcome: str = OUTCOME,
                 design: staggered.Design = DESIGN) -> dict:
    """The design's counts from the pilot list and the data, for the page's prose: pilots,
    municipalities, counties with pilots, units with the outcome in the base and first year
    (per group) and in every year, and the shipped KROM pilots among the comparison."""
    ids = set(pilots["municipality_id"])
    municipalities = sorted(set(staggered.municipalities_only(values)["municipality_id"]))
    wide = staggered.wide_panel(values, outcome, design.years)
    both = wide[[design.base, design.cohort]].notna().all(axis=1)
    balanced = wide.notna().all(axis=1)
    is_pilot = wide.index.isin(ids)
    shipped = set(load_pilots()["municipality_id"])
    return {"pilots": len(ids), "municipalities": len(municipalities), "comparison": len(set(municipalities) - ids),
            "counties": len(set(county(ids))), "with_outcome": int(wide.notna().any(axis=1).sum()),
            "pilots_both": int((both & is_pilot).sum()), "comparison_both": int((both & ~is_pilot).sum()),
            "balanced": int(balanced.sum()), "balanced_pilots": int((balanced & is_pilot).sum()),
            "shipped_pilots_in_comparison": len((shipped - ids) & set(municipalities)),
            "first_year": design.first_year, "last_year": design.last_year, "base": design.base, "cohort": design.cohort}


def covariate_adjusted(values: pd.DataFrame, pilots: pd.DataFrame, outcome: str = OUTCOME,
                       design: staggered.Design = DESIGN) -> pd.DataFrame:
    """ATT(cohort) of ``outcome``, unweighted: the unadjusted 2×2 (CR1) on every municipality with
    the outcome in both years, the same on the municipalities that also have the covariates,
    and the doubly robust DR-DiD (Sant'Anna & Zhao 2020) on those; each with its minimum
    detectable effect (80 % power, 5 % two-sided) and the sample."""
    ids = pilots["municipality_id"]
    wide = staggered.wide_panel(values, outcome, design.years)
    covs = dr.covariate_frame(values, year=design.base).dropna()
    rows = []
    for method, panel in (("att_2x2", wide), ("att_2x2_covariate_sample", wide[wide.index.isin(covs.index)])):
        res = staggered.att(staggered.long_difference(panel, ids, design.cohort, design, "unbalanced"))
        df = res.n_treated + res.n_control - 1
        rows.append({"method": method, "estimate": res.estimate, "std_error": res.std_error, "ci_low": res.ci_low,
                     "ci_high": res.ci_high, "p_value": res.p_value, "mde": dr.minimum_detectable_effect(res.std_error, df),
                     "n_treated": res.n_treated, "n_control": res.n_control, "covariates": ""})
    res = dr.dr_att(values, ids, outcome, design)
    rows.append({"method": "dr_did", "estimate": res.estimate, "std_error": res.std_error, "ci_low": res.ci_low,
                 "ci_high": res.ci_high, "p_value": res.p_value, "mde": dr.minimum_detectable_effect(res.std_error),
                 "n_treated": res.n_treated, "n_control": res.n_control,
                 "covariates": " ".join(f"{k}_{res.covariate_year}" for k in res.covariates)})
    return pd.DataFrame(rows).assign(outcome=outcome, year=design.cohort)


def inference_table(values: pd.DataFrame, pilots: pd.DataFrame, year: int = START, draws: int = 1999,
                    seed: int = 2020, outcomes: Iterable[str] = OUTCOMES) -> pd.DataFrame:
    """ATT(2020, ``year``) in the unbalanced sample, per outcome and weighting, with
    cluster-robust (CR1), wild bootstrap (WCR, Webb weights; interval by test inversion)
    and randomisation p-values (pilot status re-drawn within county, and freely), and
    Holm-adjusted p-values over the outcomes (per weighting, for CR1 and for the
    within-county randomisation). Each simulated p-value column ``p_x`` has its Monte Carlo
    standard error beside it (``p_x_mc_se``; for the Holm-adjusted one, the raw value's
    error times the Holm multiplier)."""
    ids = pilots["municipality_id"]
    weights = staggered.population_weights(values, DESIGN.base)
    rows = []
    for outcome in [o for o in outcomes if o not in missing_kpis(values, [o])]:
        wide = staggered.wide_panel(values, outcome, DESIGN.years)
        for weighting in staggered.WEIGHTINGS:
            ld = staggered.long_difference(wide, ids, year, DESIGN, "unbalanced",
                                           None if weighting == "unweighted" else weights)
            res = staggered.att(ld)
            root = np.sqrt(ld.weights)
            X, y, clusters = np.column_stack([root, root * ld.treated]), root * ld.delta, np.arange(len(ld.delta))
            wild = wild_bootstrap_ci(X, y, clusters, 1, draws=draws, seed=seed)
            within = randomisation_test(ld.delta, ld.treated, ld.weights, county(ld.units), draws, seed)
            free = randomisation_test(ld.delta, ld.treated, ld.weights, None, draws, seed)
            rows.append({"outcome": outcome, "year": year, "weighting": weighting, "estimate": res.estimate,
                         "std_error": res.std_error, "ci_low": res.ci_low, "ci_high": res.ci_high,
                         "p_value": res.p_value, "p_wild": wild.p_value, "wild_ci_low": wild.ci_low, "wild_ci_high": wild.ci_high,
                         "p_ri_county": within.p_value, "p_ri_free": free.p_value,
                         **{f"{c}_mc_se": float(monte_carlo_se(p, draws)) for c, p in
                            (("p_wild", wild.p_value), ("p_ri_county", within.p_value), ("p_ri_free", free.p_value))},
                         "n_treated": res.n_treated,
                         "n_control": res.n_control, "ri_counties": within.strata, "draws": draws})
    out = pd.DataFrame(rows)
    if len(out):
        for col in ("p_value", "p_ri_county"):
            out[f"{col}_holm"] = out.groupby("weighting")[col].transform(lambda p: holm(p.to_numpy(float)))
        ratio = out["p_ri_county_holm"] / out["p_ri_county"]
        out["p_ri_county_holm_mc_se"] = ratio * out["p_ri_county_mc_se"]
    return out


def pre_trends(values: pd.DataFrame, pilots: pd.DataFrame, outcomes: Iterable[str] = OUTCOMES) -> pd.DataFrame:
    """Joint test of the placebo ATTs (2016–18 against 2019) per outcome and sample, unweighted."""
    rows = []
    for outcome in [o for o in outcomes if o not in missing_kpis(values, [o])]:
        wide = staggered.wide_panel(values, outcome, DESIGN.years)
        for sample in staggered.SAMPLES:
            rows.append({"outcome": outcome, "sample": sample,
                         **staggered.placebo_wald(wide, pilots["municipality_id"], DESIGN, sample)})
    return pd.DataFrame(rows)


def twfe_comparison(values: pd.DataFrame, pilots: pd.DataFrame, outcome: str = OUTCOME) -> pd.DataFrame:
    """The 2020 effect by the ATT and by the TWFE regressions it replaces, unweighted."""
    ids = pilots["municipality_id"]
    wide = staggered.wide_panel(values, outcome, DESIGN.years)
    att = staggered.att(staggered.long_difference(wide, ids, START, DESIGN, "unbalanced"))
    balanced = wide.dropna()
    rows = [{"method": "att_2x2", "estimate": att.estimate, "std_error": att.std_error, "p_value": att.p_value,
             "units": att.n_treated + att.n_control}]
    for method, panel in (("twfe_event_study", wide), ("twfe_event_study_balanced", balanced)):
        es = twfe.twfe_event_study(panel, ids, DESIGN).set_index("year").loc[START]
        rows.append({"method": method, "estimate": es["estimate"], "std_error": es["std_error"],
                     "p_value": es["p_value"], "units": int((panel.notna().sum(axis=1) > 1).sum())})
    for method, post in (("twfe_did_2020_2021", (2020, 2021)), ("twfe_did_2020_2022", (2020, 2021, 2022))):
        did = twfe.twfe_did(wide, ids, post, DESIGN)
        rows.append({"method": method, "estimate": did["estimate"], "std_error": did["std_error"],
                     "p_value": did["p_value"], "units": did["n_clusters"]})
    return pd.DataFrame(rows)


def cross_section(values: pd.DataFrame, outcome: str = OUTCOME, predictors: Sequence[str] = tuple(PREDICTORS),
                  years: Sequence[int] = (2019, 2020, 2021, 2022)) -> tuple[pd.DataFrame, dict]:
    """OLS of the municipality's mean outcome over ``years`` on the mean of each available
    predictor (population in logs), HC3 errors. Returns coefficients and facts (n, R², missing)."""
    v = values[(values["gender"] == "T") & values["year"].isin(list(years)) & values["value"].notna()]
    v = v[v["municipality_id"].str.fullmatch(r"\d{4}") & ~v["municipality_id"].str.startswith("00")]
    wide = v.pivot_table(index="municipality_id", columns="kpi", values="value", aggfunc="mean")
    available = [p for p in predictors if p in wide.columns]
    absent = [p for p in predictors if p not in wide.columns]
    if outcome not in wide.columns or not available:
        return pd.DataFrame(), {"nobs": 0, "missing": absent + ([outcome] if outcome not in wide.columns else [])}
    d = wide[[outcome, *available]].dropna()
    if "N01951" in d:
        d["N01951"] = np.log(d["N01951"])
    res = smf.ols(f"{outcome} ~ " + " + ".join(available), data=d).fit(cov_type="HC3")
    ci = res.conf_int()
    table = pd.DataFrame({"kpi": available, "label": [PREDICTORS.get(p, p) for p in available],
                          "estimate": res.params[available].to_numpy(), "std_error": res.bse[available].to_numpy(),
                          "ci_low": ci.loc[available, 0].to_numpy(), "ci_high": ci.loc[available, 1].to_numpy(),
                          "p_value": res.pvalues[available].to_numpy()})
    return table, {"nobs": int(res.nobs), "r2": float(res.rsquared), "missing": absent}
