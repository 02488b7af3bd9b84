"""The region's municipalities over the reform: a panel of referral shares and
participants per 1 000 inhabitants, period effects with municipality fixed
effects, and group comparisons of the municipalities the report describes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from fou.study import definition as study
from fou.effects.inference import cluster_robust_se, exact_permutation_test, wild_bootstrap_ci
from fou.effects.multiple import holm
from fou.extracts.paths import data_dir
from fou.extracts.regions import Region

PERIODS = {2017: "före", 2018: "före", 2019: "omställning", 2020: "omställning", 2021: "fristående", 2022: "fristående"}
PILOT_START = 2020  # KROM pilots had private providers from April 2020: their "fristående" period starts here
MIN_CLUSTERS_P = 6  # fewer municipalities: no p-values or intervals (no method is reliable)
RELIABLE_CLUSTERS = 10  # from here the wild cluster bootstrap is the page's method without a caveat
PERIOD_NAMES = {"före": "Före reformen", "omställning": "Omställning", "fristående": "Fristående aktörer"}
EFFECT_PERIODS = ("omställning", "fristående")  # compared with "före"
OUTCOMES = {"af_share": "Anvisningar från Arbetsförmedlingen, procent",
            "participants_per_1000": "Deltagare per 1 000 invånare"}
GROUPINGS = {
    "trelleborg_model": ("Trelleborgsmodellen", "1 = inspirerad av Trelleborgsmodellen"),
    "state_present": ("Statlig närvaro", "1 = Arbetsförmedlingskontor eller Statens servicecenter i kommunen"),
    "dua_cluster": ("Norra mot södra klustret", "norra klustret mot södra (Göteborg utanför)"),
    "own_agreement": ("Egen överenskommelse", "1 = egen, separat överenskommelse med Arbetsförmedlingen"),
}


def period_of(year: int, pilot: bool = False) -> str | None:
    """The reform period of a year (years outside 2017–2022 follow the nearest rule); for a KROM
    pilot municipality private providers came in April 2020, so its ``fristående`` period starts then."""
    if pilot and year >= PILOT_START:
        return "fristående"
    if year in PERIODS:
        return PERIODS[year]
    return "före" if year < 2017 else "fristående"


def period_years(period: str, years: Sequence[int] | None = None, pilot: bool = False) -> list[int]:
    """The years of ``years`` (default: the reform's own 2017–2022) that fall in ``period``."""
    return sorted(int(y) for y in (PERIODS if years is None else years) if period_of(int(y), pilot) == period)


def inference_rule(clusters: int) -> str:
    """How the page may use p-values with ``clusters`` municipalities: ``none`` (fewer than
    :data:`MIN_CLUSTERS_P`: suppressed), ``caveat`` (below :data:`RELIABLE_CLUSTERS`) or ``bootstrap``."""
    if clusters < MIN_CLUSTERS_P:
        return "none"
    return "caveat" if clusters < RELIABLE_CLUSTERS else "bootstrap"


def short_span(years: Sequence[int]) -> str:
    """``2017–18`` for a run of years, ``2017`` for one, ``2017, 2019`` otherwise."""
    ys = sorted(set(int(y) for y in years))
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        end = str(ys[-1])[2:] if str(ys[0])[:2] == str(ys[-1])[:2] else str(ys[-1])
        return f"{ys[0]}\u2013{end}"
    return ", ".join(map(str, ys))


def period_label(period: str, years: Sequence[int] | None = None, pilots: bool = False) -> str:
    """``Omställning (2019–20)``: the period's name and the years of ``years`` in it (its own years
    when ``years`` has none of them); with ``pilots`` (the region has KROM pilots) also the pilots'
    years when they differ: ``Fristående aktörer (2021–22; KROM-piloter 2020–22)``."""
    ys = period_years(period, years) or period_years(period)
    label = f"{PERIOD_NAMES[period]} ({short_span(ys)}"
    if pilots:
        own = period_years(period, years, pilot=True) or period_years(period, pilot=True)
        if own != ys:
            label += f"; KROM-piloter {short_span(own)}"
    return label + ")"


def load_facts(path: str | Path | None = None) -> pd.DataFrame:
    """Coded municipality facts (see ``data/facts/README.md``)."""
    return pd.read_csv(path or data_dir() / "facts" / "municipality_facts.csv", dtype={"municipality_id": str})


def _population(own: pd.DataFrame, other: pd.DataFrame | None, grid: pd.DataFrame) -> pd.DataFrame:
    """Population per municipality and year: the extract's own N01951 for that year, else
    ``other``'s (the national extract) for that year, else the nearest year either has."""
    def keyed(v: pd.DataFrame | None) -> pd.DataFrame:
        if v is None:
            return pd.DataFrame({"municipality_id": pd.Series(dtype=str), "year": pd.Series(dtype="int64"),
                                 "value": pd.Series(dtype=float)})
        v = v[(v["kpi"] == study.POPULATION.id) & (v["gender"] == "T") & v["value"].notna()]
        return v[["municipality_id", "year", "value"]]

    mine, national = keyed(own), keyed(other)
    out = grid.merge(mine.rename(columns={"value": "population"}), how="left")
    out["population_source"] = pd.Series(np.where(out["population"].notna(), "extract", ""), index=out.index, dtype=object)
    out["population_year"] = np.where(out["population"].notna(), out["year"], np.nan).astype(float)
    fill = out["population"].isna()
    from_national = out[fill].merge(national.rename(columns={"value": "pop_n"}), how="left")["pop_n"].to_numpy(float)
    out.loc[fill, "population"] = from_national
    got = fill & out["population"].notna()
    out.loc[got, "population_source"] = "national"
    out.loc[got, "population_year"] = out.loc[got, "year"]
    both = pd.concat([mine, national]).drop_duplicates(["municipality_id", "year"])
    for i in out.index[out["population"].isna()]:
        cand = both[both["municipality_id"] == out.at[i, "municipality_id"]]
        if len(cand):
            nearest = cand.iloc[(cand["year"] - out.at[i, "year"]).abs().argsort().iloc[0]]
            out.loc[i, "population"] = float(nearest["value"])
            out.loc[i, "population_year"] = float(nearest["year"])
            out.loc[i, "population_source"] = "nearest"
    return out


def build_panel(values: pd.DataFrame, region: Region, years: Sequence[int],
                population: pd.DataFrame | None = None, pilots: Sequence[str] = (),
                coverage: dict | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per municipality and year: ``af_share`` (U40806), ``participants``
    (U40800), ``population`` (N01951 of that year: from the extract, else from
    ``population`` — the values of the national extract — else the nearest year,
    recorded in ``population_year`` and ``population_source``) and
    ``participants_per_1000``, ``krom_pilot`` (the municipality is in ``pilots``) and its
    ``period`` (per municipality: a pilot's private-provider period starts in 2020). Returns
    the panel and Swedish notes on the sources; a missing KPI's note proposes a fetch only
    when the extract's ``coverage`` (its manifest's) did not already ask for it."""
    sel = values[(values["gender"] == "T") & values["municipality_id"].isin(region.ids)]
    grid = pd.MultiIndex.from_product([list(region.ids), list(years)], names=["municipality_id", "year"]).to_frame(index=False)

    def series(kpi: str) -> pd.DataFrame:
        return sel[sel["kpi"] == kpi][["municipality_id", "year", "value"]]

    panel = grid.merge(series(study.REFERRALS_AF.id).rename(columns={"value": "af_share"}), how="left")
    panel = panel.merge(series(study.PARTICIPANTS.id).rename(columns={"value": "participants"}), how="left")
    other = population[population["municipality_id"].isin(region.ids)] if population is not None else None
    panel = panel.merge(_population(sel, other, grid), how="left")
    panel["participants_per_1000"] = 1000 * panel["participants"] / panel["population"]
    notes = []
    national = panel[panel["population_source"] == "national"]
    if len(national):
        notes.append(f"Befolkning (N01951) för {len(national)} av {len(panel)} kommun-år "
                     f"({study.year_span(sorted(int(y) for y in national['year'].unique()))}) kommer från det nationella "
                     "extraktet (Koladas öppna data), eftersom extraktet saknar dem; varje år har sin egen befolkning.")
    approx = panel[panel["population_source"] == "nearest"]
    if len(approx):
        used = sorted({int(y) for y in approx["population_year"]})
        notes.append(f"Befolkning (N01951) saknas för vissa år; deltagare per 1 000 invånare använder då "
                     f"befolkningen närmaste år som finns ({', '.join(map(str, used))}) för {len(approx)} av {len(panel)} observationer.")
    for kpi in (study.REFERRALS_AF, study.PARTICIPANTS, study.POPULATION):
        if series(kpi.id)["value"].notna().sum() == 0 and not (kpi is study.POPULATION and len(national)):
            notes.append(f"{kpi.id} ({kpi.label}) saknas i extraktet för regionen; de analyser som behöver det visar inget. "
                         + fetch_advice(kpi.id, region, years, coverage))
    panel["municipality"] = panel["municipality_id"].map(region.names)
    panel["krom_pilot"] = panel["municipality_id"].isin(set(pilots))
    panel["period"] = [period_of(int(y), bool(p)) for y, p in zip(panel["year"], panel["krom_pilot"])]
    return panel[["municipality_id", "municipality", "year", "krom_pilot", "period", "af_share", "participants", "population",
                  "population_year", "population_source", "participants_per_1000"]], notes


def fetch_advice(kpi: str, region: Region, years: Sequence[int], coverage: dict | None) -> str:
    """What to do about a KPI the extract lacks: the fetch command, unless the extract's
    manifest says it already asked Kolada for that KPI, every municipality and year."""
    if coverage and kpi in set(coverage.get("kpis", ())) and set(region.ids) <= set(coverage.get("municipality_ids", ())) \
            and set(int(y) for y in years) <= set(int(y) for y in coverage.get("years", ())):
        return ("Extraktet hämtades redan med det nyckeltalet för regionens kommuner och åren, men Kolada har inga värden "
                "för dem; en ny hämtning ger inget annat.")
    return (f"Hämta med: fou fetch --study gr-2023 --region \"{region.name}\" --years {min(years)}-{max(years)} "
            "--out DIR")


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
    nobs: int | None
    n_clusters: int | None
    p_wild_mc_se: float = float("nan")  # Monte Carlo SE of p_wild: 0 under full enumeration


def _not_estimated(outcome: str, period: str) -> PeriodEffect:
    nan = float("nan")
    return PeriodEffect(outcome, period, nan, nan, nan, nan, nan, nan, None, None)


def period_effects(panel: pd.DataFrame, outcome: str, draws: int = 9999, seed: int = 2023) -> list[PeriodEffect]:
    """Transition and private-provider periods against the years before the reform, with
    municipality fixed effects (absorbed by demeaning within municipality). Standard errors
    CR1 with fixest's convention (K = the estimated period effects + 1 for the municipality
    effects, which are nested in the clusters); p-values and 95 % intervals from the wild
    cluster restricted bootstrap (Webb weights), the interval by inverting the same test,
    so the two agree; ``p_cluster`` is the cluster-t p-value (t with G − 1 df) for
    comparison. Missing years stay missing (dropped, n shown); a municipality with a single
    year says nothing about a change and is dropped (a singleton, as pyfixest and reghdfe
    drop them), so n and G count what the estimate rests on.

    A period that no municipality has together with the years before the reform (not in
    the chosen years, or no values) is not identified: its row is NaN (i.u.), never 0."""
    d = panel.dropna(subset=[outcome])
    d = d[d.groupby("municipality_id")["year"].transform("size") > 1]
    names = list(EFFECT_PERIODS)
    if d["municipality_id"].nunique() < 2 or "före" not in set(d["period"]):
        return [_not_estimated(outcome, n) for n in names]  # the page says which years are missing
    raw = pd.DataFrame({n: (d["period"] == n).astype(float) for n in names}, index=d.index)
    raw["y"] = d[outcome].astype(float)
    demeaned = raw - raw.groupby(d["municipality_id"].to_numpy()).transform("mean")
    keep = [n for n in names if np.abs(demeaned[n].to_numpy()).max() > 1e-12]
    if keep and np.linalg.matrix_rank(demeaned[keep].to_numpy()) < len(keep):
        keep = []  # the periods' effects are not separately identified from the years before
    if not keep:
        return [_not_estimated(outcome, n) for n in names]
    X, y = demeaned[keep].to_numpy(), demeaned["y"].to_numpy()
    groups = pd.factorize(d["municipality_id"])[0]
    g = int(groups.max() + 1)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    se = cluster_robust_se(X, y - X @ beta, groups, df_k=len(keep) + 1)
    out = []
    for name in names:
        if name not in keep:
            out.append(_not_estimated(outcome, name))
            continue
        j = keep.index(name)
        wild = wild_bootstrap_ci(X, y, groups, j, draws=draws, seed=seed)
        p_cluster = float(2 * stats.t.sf(abs(beta[j] / se[j]), g - 1))
        mc_se = 0.0 if "full enumeration" in wild.weights else float(np.sqrt(wild.p_value * (1 - wild.p_value) / wild.draws))
        out.append(PeriodEffect(outcome, name, float(beta[j]), float(se[j]), wild.ci_low, wild.ci_high, p_cluster, wild.p_value,
                                int(len(d)), g, mc_se))
    return out


def missing_periods(panel: pd.DataFrame, years: Sequence[int]) -> list[str]:
    """Swedish notes on the periods whose effects are i.u.: the chosen ``years`` have no year
    in them, or an outcome has values in other periods but none in them (an outcome with no
    values at all is noted where the panel is built). Nothing when every period has data."""
    span = study.year_span(list(years))
    present = [o for o in OUTCOMES if panel[o].notna().any()]
    notes = []
    for period in ("före", *EFFECT_PERIODS):
        own = short_span(period_years(period))
        if not period_years(period, years):
            why = f"de valda åren ({span}) har inget år i perioden ({own})"
        else:
            empty = [o for o in present if panel.loc[panel["period"] == period, o].isna().all()]
            if not empty:
                continue
            names = " och ".join(OUTCOMES[o].split(",")[0] for o in empty)
            why = f"extraktet har inga uppgifter om {names[0].lower()}{names[1:]} för periodens år ({own})"
        if period == "före":
            advice = (f" Välj år som börjar senast {max(period_years(period))}, till exempel --years 2017-2022."
                      if not period_years(period, years) else "")
            notes.append(f"Perioden före reformen saknas: {why}. Periodeffekterna jämförs med den perioden, så de "
                         f"är i.u.{advice}")
        else:
            notes.append(f"{PERIOD_NAMES[period]}: {why}, så periodens effekt är i.u.")
    return notes


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
    """Exact, studentised permutation tests of the change in ``outcome`` between the
    report's groups, with Holm-adjusted p-values over the groupings (``p_holm``)."""
    change = municipality_change(panel, outcome).merge(facts, on=["municipality_id"], how="left", suffixes=("", "_f"))
    if change.empty:
        return pd.DataFrame(columns=["grouping", "definition", "n_group", "n_other", "mean_group", "mean_other",
                                     "difference", "p_exact", "p_holm", "permutations", "members"])
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
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p_exact") + 1, "p_holm", holm(out["p_exact"].to_numpy(float)))
    return out


def effects_frame(effects: Sequence[PeriodEffect]) -> pd.DataFrame:
    """One row per effect; n and clusters are missing (not 0) where nothing was estimated."""
    columns = list(PeriodEffect.__dataclass_fields__)
    frame = pd.DataFrame([e.__dict__ for e in effects], columns=columns)
    return frame.astype({"nobs": "Int64", "n_clusters": "Int64"})
