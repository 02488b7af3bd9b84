"""A municipality's profile (notebook 10), computed from a national extract.

Descriptive only: the municipality's KPIs year by year beside Kolada's own values for its
county (region) and Riket, the reason for every missing value (derived from the extract:
nobody has the KPI that year, or only this unit lacks it), its rank in a Kolada group of
similar municipalities (SKR's kommungrupp when the extract's ``groups.csv`` has it) and
whether it was one of the KROM pilots. Ranks, medians and means are fou's own calculations
on Kolada's values and are labelled so; nothing here is attributed to Kolada.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from fou.extracts.format import Extract
from fou.extracts.params import ParameterError
from fou.extracts.regions import RIKET_ID, Catalogue, Region
from fou.extracts.swedish import format_number, plural, year_span

#: The profile's KPIs in page order: id -> (Swedish label, primary source as Kolada names it, decimals).
KPIS: dict[str, tuple[str, str, int]] = {
    "N01951": ("Invånare", "SCB", 0),
    "N03920": ("Arbetslösa 18–64 år, andel (%) av befolkningen", "Arbetsförmedlingen och SCB", 1),
    "N03926": ("Långtidsarbetslösa 25–64 år, andel (%) av befolkningen", "Arbetsförmedlingen", 1),
    "N31807": ("Invånare med ekonomiskt bistånd under året, andel (%)", "Socialstyrelsen och SCB", 1),
    "N31816": ("Vuxna med långvarigt ekonomiskt bistånd, andel (%) av vuxna invånare", "Socialstyrelsen", 1),
    "N31814": ("Vuxna med långvarigt ekonomiskt bistånd, andel (%) av vuxna biståndsmottagare", "Socialstyrelsen", 1),
    "N31858": ("Biståndsmottagare med arbetslöshet som försörjningshinder, andel (%)", "Socialstyrelsen", 1),
    "U40455": ("Avslutade deltagare i kommunens arbetsmarknadsinsatser som börjat arbeta eller studera, andel (%)",
               "kommunernas egna uppgifter (insamlingen Kommunal arbetsmarknadsstatistik, KAS)", 1),
}
#: Short labels for the key-figure table and the figure's panels (the full ones are in the CSVs and sources).
SHORT: dict[str, str] = {
    "N01951": "Invånare", "N03920": "Arbetslösa 18–64 år, %", "N03926": "Långtidsarbetslösa 25–64 år, %",
    "N31807": "Ekonomiskt bistånd, % av invånarna", "N31816": "Långvarigt bistånd, % av vuxna",
    "N31814": "Långvarigt bistånd, % av vuxna mottagare", "N31858": "Arbetslöshet som försörjningshinder, % av mottagare",
    "U40455": "Avslutade deltagare till arbete eller studier, %",
}
OUTCOME = "U40455"
#: SKR's municipality groups (kommungruppsindelning 2017) as Kolada names its groups.
SKR_GROUPS = ("Storstäder", "Pendlingskommun nära storstad", "Större stad", "Pendlingskommun nära större stad",
              "Lågpendlingskommun nära större stad", "Mindre stad/tätort", "Pendlingskommun nära mindre tätort",
              "Landsbygdskommun, ej nära större stad", "Landsbygdskommun med besöksnäring")
_SIZE_GROUP = re.compile(r"^Kommuner med .*invånare$")
_SUFFIX = re.compile(r"\s*\((ovägt|vägt) medel\)\s*$")
ROLES = ("kommun", "län", "riket")


@dataclass(frozen=True)
class Municipality:
    """One municipality with its county (Kolada's region unit ``00`` + county code)."""

    id: str
    name: str
    county_id: str
    county_name: str


@dataclass(frozen=True)
class Group:
    """The group the municipality is ranked in, and what kind of group it is."""

    region: Region
    kind: str  # "SKR:s kommungrupp (2017)" or "storleksklass efter invånare"


@lru_cache(maxsize=4)
def _catalogue(path: str, checksum: str) -> Catalogue:
    return Catalogue.build(path)


def catalogue(extract: Extract) -> Catalogue:
    """Units and groups of the extract (its ``units.csv``/``groups.csv``, then the shipped reference);
    built once per extract and process (a batch of 290 pages validates 290 parameters)."""
    return _catalogue(str(extract.path), extract.checksum)


_KINDS: dict[tuple[str, str], tuple[dict[str, str], frozenset[str]]] = {}


def _kinds(extract: Extract) -> tuple[dict[str, str], frozenset[str]]:
    """Each known unit's Kolada type (K/L) and the ids with values, once per extract (290 pages ask)."""
    key = (str(extract.path), extract.checksum)
    if key not in _KINDS:
        cat = catalogue(extract)
        _KINDS.clear()
        _KINDS[key] = (dict(zip(cat.units["id"].tolist(), cat.units["type"].tolist())),
                       frozenset(cube(extract).index.get_level_values(1).tolist()))
    return _KINDS[key]


def municipalities(extract: Extract) -> list[str]:
    """Ids of every municipality with values in the extract (Kolada's municipality type K), in Kolada's order."""
    kinds, present = _kinds(extract)
    ids = sorted(present)
    return [i for i in ids if i != RIKET_ID and kinds.get(i, "K" if not i.startswith("00") else "L") == "K"]


@lru_cache(maxsize=4)
def _counties(path: str, checksum: str) -> dict[str, str]:
    units = Path(path) / "units.csv"
    if not units.is_file():
        return {}
    table = pd.read_csv(units, dtype=str, keep_default_na=False)
    return dict(zip(table["id"], table["county"])) if "county" in table else {}


def county_code(extract: Extract, unit_id: str) -> str:
    """The county (län) code of a unit: the extract's ``units.csv`` says, else the id's first two
    digits (a Swedish municipality code starts with its county code)."""
    return _counties(str(extract.path), extract.checksum).get(unit_id) or unit_id[:2]


def find_municipality(extract: Extract, value: object, parameter: str = "municipality") -> Municipality:
    """The one municipality ``value`` (a name or Kolada id) names; a :class:`ParameterError`
    naming the parameter, the value and what is valid otherwise."""
    text = str(value or "").strip()
    if not text:
        raise ParameterError(parameter, value, "expected a municipality name such as 'Göteborg' or its Kolada id such as '1480'")
    cat = catalogue(extract)
    kinds, present = _kinds(extract)
    # a Kolada id (what a batch passes) needs no search through the names and groups
    region = Region(cat.name(text), (text,)) if text in kinds else cat.resolve(text, parameter)
    if len(region.ids) != 1:
        raise ParameterError(parameter, value, f"expected one municipality, not {region.label()} "
                             f"({plural(len(region.ids), 'kommun', 'kommuner')}); for one page each use "
                             f"fou run --each {parameter}={text!r}")
    unit = region.ids[0]
    if unit == RIKET_ID or kinds.get(unit) == "L":
        raise ParameterError(parameter, value, f"{cat.name(unit)} ({unit}) is not a municipality; "
                             "expected a municipality name such as 'Göteborg' or its Kolada id such as '1480'")
    if unit not in present:
        raise ParameterError(parameter, value, f"the extract {extract.path.name} has no values for {cat.name(unit)} ({unit}); "
                             "expected a national extract such as 'kolada-national'")
    county = "00" + county_code(extract, unit)
    return Municipality(unit, cat.name(unit), county, cat.name(county))


def comparison_group(extract: Extract, unit_id: str) -> Group | None:
    """The municipality's SKR kommungrupp, else its size class, from the extract's groups; ``None`` if neither."""
    cat = catalogue(extract)
    mine = cat.groups[cat.groups["member_id"] == unit_id]
    titles = mine.assign(bare=mine["group_title"].map(lambda t: _SUFFIX.sub("", t).strip()))
    for kind, test in (("SKR:s kommungrupp (2017)", lambda t: t in SKR_GROUPS),
                       ("storleksklass efter invånare", lambda t: bool(_SIZE_GROUP.match(t)))):
        hits = titles[titles["bare"].map(test)]
        if len(hits):
            return Group(cat.resolve(hits["group_id"].iloc[0], "group"), kind)
    return None


_CUBES: dict[tuple[str, str], pd.DataFrame] = {}


def cube(extract: Extract) -> pd.DataFrame:
    """The extract's values as one frame: index (kpi, unit id), a column per year of the extract,
    NaN where Kolada has no value; built once per extract and process (a page asks many times)."""
    key = (str(extract.path), extract.checksum)
    if key not in _CUBES:
        v = extract.values
        frame = pd.DataFrame({"kpi": v["kpi"].astype(str).to_numpy(), "id": v["municipality_id"].astype(str).to_numpy(),
                              "year": v["year"].astype(int).to_numpy(), "value": v["value"].astype(float).to_numpy()})
        wide = frame.pivot_table(index=["kpi", "id"], columns="year", values="value", aggfunc="first")
        _CUBES.clear()
        _CUBES[key] = wide.sort_index().reindex(columns=extract.years)
    return _CUBES[key]


def kpis_in(extract: Extract) -> list[str]:
    """The profile's KPIs the extract has, in page order."""
    have = set(cube(extract).index.get_level_values(0))
    return [k for k in KPIS if k in have]


def _rows(extract: Extract, kpi: str) -> pd.DataFrame:
    c = cube(extract)
    return c.loc[kpi] if kpi in c.index.get_level_values(0) else c.iloc[0:0].droplevel(0)


def series(extract: Extract, m: Municipality) -> pd.DataFrame:
    """One row per KPI and year of the extract: the municipality's, its county's and Riket's values
    (NaN where Kolada has none) and the reason for each missing value."""
    every = municipalities(extract)
    rows = []
    for kpi in kpis_in(extract):
        k = _rows(extract, kpi)
        reported = k.reindex(every).notna().sum()
        regions = bool(k[k.index.str.startswith("00") & (k.index != RIKET_ID)].notna().any().any())
        riket = bool(RIKET_ID in k.index and k.loc[RIKET_ID].notna().any())
        for role, unit in zip(ROLES, (m.id, m.county_id, RIKET_ID)):
            got = k.loc[unit] if unit in k.index else pd.Series(float("nan"), index=k.columns)
            for year, value in got.items():
                reason = "" if pd.notna(value) else missing_reason(
                    role, int(year), int(reported[year]), len(every), regions, riket)
                rows.append({"kpi": kpi, "year": int(year), "role": role, "unit_id": unit, "value": float(value),
                             "reason": reason})
    return pd.DataFrame(rows, columns=["kpi", "year", "role", "unit_id", "value", "reason"])


def missing_reason(role: str, year: int, reported: int, n_municipalities: int, has_regions: bool, has_riket: bool) -> str:
    """Why one value is missing, in Swedish, from what the extract holds for the KPI: ``reported``
    municipalities have it in ``year``; ``has_regions``/``has_riket``: any county/Riket value in any year."""
    if role == "kommun":
        if reported == 0:
            return f"ingen kommun har uppgift för {year} i Kolada (nyckeltalet redovisas inte det året)"
        return (f"kommunen har ingen uppgift för {year} i Kolada ({format_number(reported)} av "
                f"{format_number(n_municipalities)} kommuner har)")
    if role == "län":
        return f"länet har ingen uppgift för {year} i Kolada" if has_regions else \
            "Kolada redovisar inte nyckeltalet för län (regioner) i extraktet"
    return f"riket har ingen uppgift för {year} i Kolada" if has_riket else \
        "Kolada redovisar inget värde för riket för nyckeltalet i extraktet"


def missing_notes(table: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """One line per KPI, unit and reason: which years are i.u. and why (years named by span)."""
    notes = []
    gone = table[table["value"].isna()].copy()
    gone["generic"] = gone["reason"].str.replace(r"\d{4}", "{year}", regex=True, n=1)
    gone["generic"] = gone["generic"].str.replace(r" \([\d\u202f]+ av [\d\u202f]+ kommuner har\)", "", regex=True)
    for (kpi, role), part in gone.groupby(["kpi", "role"], sort=False):
        for generic, rows in part.groupby("generic", sort=False):
            years = year_span(rows["year"])
            text = generic.replace("för {year} ", "").replace("{year}", years)
            notes.append(f"{kpi}, {names[role]}: i.u. {years}: {text}.")
    return notes


def year_notes(table: pd.DataFrame, names: dict[str, str], year: int) -> list[str]:
    """The reasons for the i.u. cells of one year, one line per unit and reason, naming the KPIs."""
    gone = table[(table["year"] == year) & table["value"].isna()]
    notes = []
    for role in ROLES:
        part = gone[gone["role"] == role]
        for reason, rows in part.groupby(part["reason"].str.replace(f"för {year} ", "", regex=False), sort=False):
            notes.append(f"{names[role]}, {', '.join(rows['kpi'])}: {reason}.")
    return notes


def ranks(extract: Extract, group: Group | None, m: Municipality, year: int, kpis: list[str] | None = None) -> pd.DataFrame:
    """Per KPI in ``year``: the municipality's rank in ``group`` (1 = highest value, ties share the
    best rank), how many members have a value, and the members' median (fou's own calculation)."""
    rows = []
    for kpi in kpis or kpis_in(extract):
        row = {"kpi": kpi, "year": year, "rank": float("nan"), "n": 0, "median": float("nan")}
        if group is not None:
            k = _rows(extract, kpi)
            vals = k.reindex(list(group.region.ids))[year].dropna() if year in k.columns else pd.Series(dtype=float)
            row.update(n=len(vals), median=float(vals.median()) if len(vals) else float("nan"))
            if m.id in vals.index:
                row["rank"] = float(vals.rank(ascending=False, method="min")[m.id])
        rows.append(row)
    return pd.DataFrame(rows, columns=["kpi", "year", "rank", "n", "median"])


def outcome_means(extract: Extract, m: Municipality) -> pd.DataFrame:
    """U40455 per year: unweighted means over the county's municipalities and over all municipalities
    that report it (Kolada has no county or Riket value for it), with how many report."""
    every = municipalities(extract)
    county = [i for i in every if "00" + county_code(extract, i) == m.county_id]
    k = _rows(extract, OUTCOME)
    rows = []
    for year in extract.years:
        allv = k.reindex(every)[year].dropna() if year in k.columns else pd.Series(dtype=float)
        c = allv.reindex(county).dropna()
        rows.append({"year": year, "county_mean": c.mean() if len(c) else float("nan"), "county_n": len(c),
                     "county_members": len(county), "all_mean": allv.mean() if len(allv) else float("nan"),
                     "all_n": len(allv)})
    return pd.DataFrame(rows)


def krom(pilots: pd.DataFrame, unit_id: str) -> dict[str, str] | None:
    """The municipality's row of the KROM pilot list (start, pilot area, source), or ``None``."""
    hit = pilots[pilots["municipality_id"].astype(str) == unit_id]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return {k: str(row[k]) for k in ("start", "pilot_area", "source") if k in row.index}

