"""National comparison: municipalities where private providers (KROM, "Kundval Rusta och
matcha") were piloted from April 2020 against all others, before the national roll-out
(October and December 2021). Difference-in-differences and an event study with
municipality and year fixed effects and errors clustered by municipality, plus a
cross-sectional regression of outcomes on socioeconomic indicators."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from fou.extracts.params import ParameterError
from fou.effects.rct import Estimate

OUTCOME = "U40455"
OUTCOME_LABEL = "Avslutade deltagare som börjat arbeta eller studera, andel (%)"
PREDICTORS = {"N03920": "Arbetslösa 18–65 år, andel", "N31807": "Invånare med ekonomiskt bistånd, andel",
              "N31858": "Biståndsmottagare med försörjningshinder arbetslöshet, andel", "N01951": "Invånare (log)"}
START = 2020
FETCH_HINT = ("fou fetch --kpi U40455,N03920,N31807,N31858,N01951 --municipality all --years 2016-2022 "
              "--out data/extracts/national")


def load_pilots(path: str | Path) -> pd.DataFrame:
    """Pilot municipalities: a CSV with ``municipality_id`` (and optionally name, start)."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError("pilots", str(path), "no such file; expected a CSV with a municipality_id column "
                             "(Arbetsförmedlingen's 32 KROM pilot municipalities)")
    df = pd.read_csv(path, dtype={"municipality_id": str})
    if "municipality_id" not in df:
        raise ParameterError("pilots", str(path), "the CSV has no municipality_id column")
    return df


def missing_kpis(values: pd.DataFrame, kpis: Sequence[str]) -> list[str]:
    """KPIs without any value in the extract."""
    have = set(values.loc[values["value"].notna(), "kpi"])
    return [k for k in kpis if k not in have]


def municipal_panel(values: pd.DataFrame, pilots: pd.DataFrame, outcome: str = OUTCOME,
                    years: Sequence[int] | None = None) -> pd.DataFrame:
    """Outcome per municipality (type K: four digits, not 00xx) and year, with pilot flags."""
    v = values[(values["kpi"] == outcome) & (values["gender"] == "T") & values["value"].notna()]
    v = v[v["municipality_id"].str.fullmatch(r"\d{4}") & ~v["municipality_id"].str.startswith("00")]
    if years is not None:
        v = v[v["year"].isin(list(years))]
    d = v[["municipality_id", "municipality", "year", "value"]].rename(columns={"value": "y"}).copy()
    d["pilot"] = d["municipality_id"].isin(set(pilots["municipality_id"])).astype(int)
    d["post"] = (d["year"] >= START).astype(int)
    d["treated"] = d["pilot"] * d["post"]
    d["event_time"] = d["year"] - START
    return d.reset_index(drop=True)


def _fit(formula: str, d: pd.DataFrame):
    return smf.ols(formula, data=d).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d["municipality_id"])[0]},
                                        use_t=True)


def difference_in_differences(panel: pd.DataFrame, post_years: Sequence[int] = (2020, 2021)) -> Estimate:
    """Two-way fixed effects DiD: pilots × post with municipality and year effects,
    over the pre-period and ``post_years`` (before everyone had private providers)."""
    d = panel[(panel["year"] < START) | panel["year"].isin(list(post_years))]
    res = _fit("y ~ treated + C(municipality_id) + C(year)", d)
    ci = res.conf_int().loc["treated"]
    return Estimate(float(res.params["treated"]), float(res.bse["treated"]), float(ci.iloc[0]), float(ci.iloc[1]),
                    float(res.pvalues["treated"]), int(res.nobs), int(d["municipality_id"].nunique()), "DiD")


def event_study(panel: pd.DataFrame, reference: int = -1) -> tuple[pd.DataFrame, dict]:
    """Pilot × event-time coefficients (reference year omitted) and a joint test that
    all pre-period coefficients are zero (pre-trends)."""
    d = panel.copy()
    times = sorted(t for t in d["event_time"].unique() if t != reference)
    names = {}
    for t in times:
        name = f"ev_m{abs(t)}" if t < 0 else f"ev_p{t}"
        d[name] = ((d["event_time"] == t) & (d["pilot"] == 1)).astype(float)
        names[t] = name
    res = _fit("y ~ " + " + ".join(names.values()) + " + C(municipality_id) + C(year)", d)
    rows = []
    for t, name in names.items():
        ci = res.conf_int().loc[name]
        rows.append({"event_time": t, "year": START + t, "estimate": float(res.params[name]), "std_error": float(res.bse[name]),
                     "ci_low": float(ci.iloc[0]), "ci_high": float(ci.iloc[1]), "p_value": float(res.pvalues[name])})
    leads = [names[t] for t in times if t < reference]
    pre = {"leads": len(leads), "F": np.nan, "p_value": np.nan, "nobs": int(res.nobs),
           "n_clusters": int(d["municipality_id"].nunique())}
    if leads:
        test = res.f_test(", ".join(f"{n} = 0" for n in leads))
        pre.update(F=float(np.asarray(test.fvalue).ravel()[0]), p_value=float(np.asarray(test.pvalue).ravel()[0]))
    return pd.DataFrame(rows), pre


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
