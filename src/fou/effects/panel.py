"""The region's municipalities over the reform: a panel of referral shares and
participants per 1 000 inhabitants, period effects with municipality fixed
effects, and group comparisons of the municipalities the report describes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from fou.study import definition as study
from fou.effects.inference import exact_permutation_test, wild_cluster_bootstrap
from fou.extracts.paths import data_dir
from fou.extracts.regions import Region

PERIODS = {2017: "före", 2018: "före", 2019: "omställning", 2020: "omställning", 2021: "fristående", 2022: "fristående"}
PERIOD_LABELS = {"före": "Före reformen (2017–18)", "omställning": "Omställning (2019–20)",
                 "fristående": "Fristående aktörer (2021–22)"}
OUTCOMES = {"af_share": "Anvisningar från Arbetsförmedlingen, procent",
            "participants_per_1000": "Deltagare per 1 000 invånare"}
GROUPINGS = {
    "trelleborg_model": ("Trelleborgsmodellen", "1 = inspirerad av Trelleborgsmodellen"),
    "state_present": ("Statlig närvaro", "1 = Arbetsförmedlingskontor eller Statens servicecenter i kommunen"),
    "dua_cluster": ("Norra mot södra klustret", "norra klustret mot södra (Göteborg utanför)"),
    "own_agreement": ("Egen överenskommelse", "1 = egen, separat överenskommelse med Arbetsförmedlingen"),
}


def period_of(year: int) -> str | None:
    """The reform period of a year (years outside 2017–2022 follow the nearest rule)."""
    if year in PERIODS:
        return PERIODS[year]
    return "före" if year < 2017 else "fristående"


def load_facts(path: str | Path | None = None) -> pd.DataFrame:
    """Coded municipality facts (see ``data/facts/README.md``)."""
    return pd.read_csv(path or data_dir() / "facts" / "municipality_facts.csv", dtype={"municipality_id": str})


def build_panel(values: pd.DataFrame, region: Region, years: Sequence[int]) -> tuple[pd.DataFrame, list[str]]:
    """One row per municipality and year: ``af_share`` (U40806), ``participants``
    (U40800), ``population`` (N01951, same year, else the nearest year the extract
    has, recorded in ``population_year``) and ``participants_per_1000``. Returns the
    panel and Swedish notes on what was approximated."""
    sel = values[(values["gender"] == "T") & values["municipality_id"].isin(region.ids)]
    grid = pd.MultiIndex.from_product([list(region.ids), list(years)], names=["municipality_id", "year"]).to_frame(index=False)

    def series(kpi: str) -> pd.DataFrame:
        return sel[sel["kpi"] == kpi][["municipality_id", "year", "value"]]

    panel = grid.merge(series(study.REFERRALS_AF.id).rename(columns={"value": "af_share"}), how="left")
    panel = panel.merge(series(study.PARTICIPANTS.id).rename(columns={"value": "participants"}), how="left")
    pop = series(study.POPULATION.id).dropna()
    notes = []
    pops, pop_years = [], []
    for mid, year in zip(panel["municipality_id"], panel["year"]):
        own = pop[pop["municipality_id"] == mid]
        if own.empty:
            pops.append(np.nan)
            pop_years.append(np.nan)
            continue
        nearest = own.iloc[(own["year"] - year).abs().argsort().iloc[0]]
        pops.append(nearest["value"])
        pop_years.append(nearest["year"])
    panel["population"] = pops
    panel["population_year"] = pop_years
    panel["participants_per_1000"] = 1000 * panel["participants"] / panel["population"]
    approx = panel[panel["population_year"].notna() & (panel["population_year"] != panel["year"])]
    if len(approx):
        used = sorted({int(y) for y in approx["population_year"]})
        notes.append(f"Befolkning (N01951) saknas i extraktet för vissa år; deltagare per 1 000 invånare använder då "
                     f"befolkningen närmaste år som finns ({', '.join(map(str, used))}) för {len(approx)} av {len(panel)} observationer.")
    for kpi in (study.REFERRALS_AF, study.PARTICIPANTS, study.POPULATION):
        if series(kpi.id)["value"].notna().sum() == 0:
            notes.append(f"{kpi.id} ({kpi.label}) saknas i extraktet för regionen; de analyser som behöver det visar inget. "
                         f"Hämta med: fou fetch --study gr-2023 --region \"{region.name}\" --years {min(years)}-{max(years)} --out DIR")
    panel["municipality"] = panel["municipality_id"].map(region.names)
    panel["period"] = panel["year"].map(period_of)
    return panel[["municipality_id", "municipality", "year", "period", "af_share", "participants", "population",
                  "population_year", "participants_per_1000"]], notes


@dataclass(frozen=True)
class PeriodEffect:
    outcome: str
    period: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_cluster: float
    p_wild: float
    nobs: int
    n_clusters: int


def period_effects(panel: pd.DataFrame, outcome: str, draws: int = 9999, seed: int = 2023) -> list[PeriodEffect]:
    """Transition and private-provider periods against 2017–18, with municipality fixed
    effects; CR1 cluster-robust errors (t with G − 1 df) and wild cluster restricted
    bootstrap p-values (Webb weights). Missing years stay missing (dropped, n shown)."""
    d = panel.dropna(subset=[outcome]).copy()
    if d["municipality_id"].nunique() < 2 or d["period"].nunique() < 2 or "före" not in set(d["period"]):
        return []  # nothing to estimate (the page notes the missing KPI)
    X = pd.DataFrame({"omställning": (d["period"] == "omställning").astype(float),
                      "fristående": (d["period"] == "fristående").astype(float)}, index=d.index)
    fe = pd.get_dummies(d["municipality_id"], prefix="m", drop_first=True, dtype=float)
    X = sm.add_constant(pd.concat([X, fe], axis=1))
    groups = pd.factorize(d["municipality_id"])[0]
    res = sm.OLS(d[outcome].astype(float), X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    out = []
    for name in ("omställning", "fristående"):
        wild = wild_cluster_bootstrap(X.to_numpy(), d[outcome].to_numpy(float), groups, X.columns.get_loc(name),
                                      draws=draws, seed=seed)
        ci = res.conf_int().loc[name]
        out.append(PeriodEffect(outcome, name, float(res.params[name]), float(res.bse[name]), float(ci.iloc[0]),
                                float(ci.iloc[1]), float(res.pvalues[name]), wild.p_value, int(len(d)),
                                int(d["municipality_id"].nunique())))
    return out


def municipality_change(panel: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per municipality: mean in 2021–22 minus mean in 2017–18 (municipalities lacking
    either period are left out)."""
    means = panel.dropna(subset=[outcome]).groupby(["municipality_id", "municipality", "period"])[outcome].mean().unstack()
    for col in ("före", "fristående"):
        if col not in means:
            means[col] = np.nan
    means["change"] = means["fristående"] - means["före"]
    return means.dropna(subset=["change"]).reset_index()[["municipality_id", "municipality", "före", "fristående", "change"]]


def group_comparisons(panel: pd.DataFrame, facts: pd.DataFrame, outcome: str = "af_share") -> pd.DataFrame:
    """Exact permutation tests of the change in ``outcome`` between the report's groups."""
    change = municipality_change(panel, outcome).merge(facts, on=["municipality_id"], how="left", suffixes=("", "_f"))
    if change.empty:
        return pd.DataFrame(columns=["grouping", "definition", "n_group", "n_other", "mean_group", "mean_other",
                                     "difference", "p_exact", "permutations", "members"])
    rows = []
    for column, (label, definition) in GROUPINGS.items():
        d = change.dropna(subset=[column])
        if column == "dua_cluster":
            d = d[d[column].isin(["north", "south"])]
            in_group = (d[column] == "north").to_numpy()
        else:
            in_group = d[column].astype(int).to_numpy() == 1
        if in_group.sum() == 0 or in_group.sum() == len(d):
            rows.append({"grouping": label, "definition": definition, "n_group": int(in_group.sum()),
                         "n_other": int((~in_group).sum()), "mean_group": np.nan, "mean_other": np.nan,
                         "difference": np.nan, "p_exact": np.nan, "permutations": 0,
                         "members": ", ".join(d.loc[in_group, "municipality"])})
            continue
        res = exact_permutation_test(d["change"].to_numpy(), in_group)
        rows.append({"grouping": label, "definition": definition, "n_group": res.n1, "n_other": res.n0,
                     "mean_group": float(d.loc[in_group, "change"].mean()), "mean_other": float(d.loc[~in_group, "change"].mean()),
                     "difference": res.statistic, "p_exact": res.p_value, "permutations": res.permutations,
                     "members": ", ".join(d.loc[in_group, "municipality"])})
    return pd.DataFrame(rows)


def effects_frame(effects: Sequence[PeriodEffect]) -> pd.DataFrame:
    columns = list(PeriodEffect.__dataclass_fields__)
    return pd.DataFrame([e.__dict__ for e in effects], columns=columns)
