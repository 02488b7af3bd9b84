"""Build the shipped national extract ``data/extracts/kolada-national`` from the shared Kolada dump.

Input: ``../shared/data/kolada/`` (``values_2010_2022.csv``, ``municipalities.csv``,
``municipality_groups.csv``, ``kpi_catalogue.csv``). The values are real Kolada
figures that the open-numbers project scraped from Kolada's API **v2** (raw
folder dated 2024-08-30; the ``ddf--kolada--dump`` dataset was created
2024-08-31); this script only selects and reformats them. It fetches nothing.

Where Kolada answered ``null``, open-numbers' ETL dropped the row, so the values
hold no missing cells; the absent unit-years are inferred here
(:func:`absent_unit_years`) and listed in ``absent.csv``, with the count per KPI
and the method in the manifest. The unit list and groups (``units.csv``,
``groups.csv``) are Kolada's 2026 metadata as stored in the R package rKolada,
not part of the 2024 dump.

Selection: the KPIs the pages use (``KPIS``), every unit (290 municipalities, 21
regions, ``0000`` Riket), 2010–2022, gender ``T`` (no page needs K/M). Beside
``values.csv``: Kolada's unit list (``units.csv``) and the named municipality
groups with unweighted means (``groups.csv``: counties' municipalities, regional
associations such as Göteborgsregionen and Fyrbodal), so regions resolve offline.

Run: ``python scripts/build_national_extract.py [--shared ../shared] [--out data/extracts/kolada-national]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from fou.extracts.format import sha256_file, write_extract

ROOT = Path(__file__).resolve().parents[1]
KPIS = ["U40455", "N01951", "N03920", "N03926", "N31807", "N31816", "N31858", "N31814"]
YEARS = range(2010, 2023)
GENDER = "T"
MAX_BYTES = 2_000_000
LICENCE = {
    "name": "Kolada's terms of use (Användarvillkor)",
    "url": "https://www.kolada.se/om-oss/api",
    "terms": "free of charge, no agreement needed, commercial use allowed; state the source as "
             "'Källa: Kolada'; figures you process yourself must not be attributed to Kolada",
    "dataset_licence": "none stated: the open-numbers repository (ddf--kolada--dump) states no licence of its own, "
                       "so Kolada's terms above are the ones that apply to these values",
}
METADATA_SOURCE = {
    "files": ["units.csv", "groups.csv"],
    "origin": "Kolada's metadata (v3 API) as stored in the R package rKolada (2026), from "
              "../shared/data/kolada/municipalities.csv and municipality_groups.csv",
    "note": "not part of the 2024 open-numbers dump: units and groups are Kolada's as of 2026",
}
SOURCE = {
    "kind": "fetched",
    "fetched": True,
    "fetched_by": "the open-numbers project (ddf--kolada--dump), not by fou",
    "fetched_at": "2024-08-30",
    "fetched_at_note": "the date of open-numbers' raw folder of the scrape; the values were fetched on or before it, "
                       "and the dataset was created 2024-08-31",
    "api_version": "v2",
    "base_url": "https://api.kolada.se/v2",
    "origin": "Kolada (RKA, Rådet för främjande av kommunala analyser); the figures' primary sources "
              "are named in each KPI's description (SCB, Arbetsförmedlingen, Socialstyrelsen, SKR's KAS survey)",
    "dataset": "open-numbers/ddf--kolada--dump (raw scrape of Kolada's API v2 dated 2024-08-30, dataset created "
               "2024-08-31), as stored in ../shared/data/kolada/values_2010_2022.csv",
    "description": "Kolada's open data scraped from Kolada's API v2 by the open-numbers project "
                   "(ddf--kolada--dump, raw folder 2024-08-30); selected and converted to the fou extract format by "
                   "scripts/build_national_extract.py (values unchanged; unit-years Kolada answered null for were "
                   "dropped by open-numbers and are listed in absent.csv)",
    "licence": LICENCE,
    "provenance_sv": "Koladas öppna data (källa: Kolada, RKA), hämtade från Koladas API (v2) av open-numbers-projektet "
                     "(ddf--kolada--dump) 2024-08-30; urval och format: scripts/build_national_extract.py, inget hämtat av fou",
}


def select_values(values: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The shipped rows: ``KPIS`` × every unit × ``YEARS``, gender T, with Kolada's unit names."""
    v = values[values["kpi"].isin(KPIS) & values["year"].isin(list(YEARS)) & (values["gender"] == GENDER)].copy()
    names = dict(zip(units["id"], units["title"]))
    unknown = sorted(set(v["municipality_id"]) - set(names))
    if unknown:
        raise SystemExit(f"values hold unit ids missing from municipalities.csv: {unknown[:5]}")
    v["municipality"] = v["municipality_id"].map(names)
    v["status"] = ""
    return v[["kpi", "municipality_id", "municipality", "year", "gender", "value", "status"]]


def absent_unit_years(values: pd.DataFrame, units: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The unit-years each KPI lacks in the dump: ``kpi, municipality_id, municipality, year``.

    The grid per KPI is the units Kolada defines it for (``municipality_type`` K: the 290
    municipalities and Riket; L: the regions and Riket; A: every unit) × the years in which
    the KPI has any value; what the grid has and ``values`` (the selected rows) lack is absent.
    Kolada answers such unit-years with ``null`` or not at all; the dump cannot tell which.
    """
    types = dict(zip(units["id"], units["type"]))
    names = dict(zip(units["id"], units["title"]))
    rows = []
    for kpi in KPIS:
        own = values[values["kpi"] == kpi]
        mt = str(catalogue.loc[kpi, "municipality_type"]) if kpi in catalogue.index else "A"
        grid_units = [u for u in units["id"] if u == "0000" or mt not in ("K", "L") or types.get(u) == mt]
        have = set(zip(own["municipality_id"], own["year"].astype(int)))
        for year in sorted(own["year"].astype(int).unique()):
            rows += [(kpi, u, names.get(u, u), int(year)) for u in grid_units if (u, int(year)) not in have]
    return pd.DataFrame(rows, columns=["kpi", "municipality_id", "municipality", "year"])


ABSENT_METHOD = (
    "inferred from the dump, not observed: per KPI, the units Kolada defines it for (municipality_type K: 290 "
    "municipalities and Riket; A: all 312 units) x the years in which the KPI has any value, minus the unit-years "
    "present. Reported from open-numbers' raw v2 scrape (not in ../shared, so not re-checked here): 706 unit-years "
    "that Kolada returned as null (U40455 465, N31816 87, N31814 87, N31807 45, N31858 22). This grid gives the "
    "same count for every KPI except N31816, where it also lists Riket 2010 and 2014 (absent from the dump; whether "
    "Kolada sent null or nothing for them is not known)")


def select_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """Kolada's named groups with unweighted means (counties, regional associations), not the
    'similar municipalities' comparison groups."""
    keep = groups["group_title"].str.endswith("(ovägt medel)")
    return groups[keep].sort_values(["group_id", "member_id"]).reset_index(drop=True)


def with_county(units: pd.DataFrame) -> pd.DataFrame:
    """Kolada's unit list with each unit's county code (län): the first two digits of a
    municipality's id, a region's own code; empty for Riket. The pilot page's
    randomisation inference permutes within counties."""
    county = units["id"].str[:2].where(units["type"] == "K", units["id"].str[2:])
    return units.assign(county=county.where(units["id"] != "0000", ""))


def build(shared: Path, out: Path) -> None:
    kolada = shared / "data" / "kolada"
    source_csv = kolada / "values_2010_2022.csv"
    if not source_csv.is_file():
        raise SystemExit(f"{source_csv}: not found; pass --shared pointing at the shared folder")
    values = pd.read_csv(source_csv, dtype={"kpi": str, "municipality_id": str, "gender": str})
    units = pd.read_csv(kolada / "municipalities.csv", dtype=str, keep_default_na=False)[["id", "title", "type"]]
    groups = pd.read_csv(kolada / "municipality_groups.csv", dtype=str, keep_default_na=False)
    catalogue = pd.read_csv(kolada / "kpi_catalogue.csv", dtype=str, keep_default_na=False).set_index("id")
    selected = select_values(values, units)
    missing = [k for k in KPIS if k not in set(selected["kpi"])]
    if missing:
        raise SystemExit(f"{source_csv}: no values for {missing}")
    source = {**SOURCE, "input": {"file": "values_2010_2022.csv", "sha256": sha256_file(source_csv),
                                  "rows": int(len(values))},
              "kpi_titles": {k: catalogue.loc[k, "title"] for k in KPIS}}
    counts = selected.groupby("kpi").size().reindex(KPIS).astype(int).to_dict()
    absent = absent_unit_years(selected, units, catalogue)
    by_kpi = absent.groupby("kpi").size().reindex(KPIS, fill_value=0).astype(int).to_dict()
    extra = {"units.csv": with_county(units).to_csv(index=False, lineterminator="\n"),
             "groups.csv": select_groups(groups).to_csv(index=False, lineterminator="\n"),
             "absent.csv": absent.to_csv(index=False, lineterminator="\n")}
    absent_note = {"file": "absent.csv", "total": int(len(absent)), "count_by_kpi": by_kpi, "method": ABSENT_METHOD,
                   "why": "open-numbers' ETL dropped the rows Kolada returned with value null, so values.csv has no "
                          "missing cells (coverage rows_missing 0) although Kolada has gaps"}
    extract = write_extract(selected, out, source, extra_files=extra, counts_by_kpi=counts, name=out.name,
                            absent_unit_years=absent_note, metadata_source=METADATA_SOURCE,
                            title="Kolada, alla kommuner och regioner 2010–2022 (open-numbers, 2024-08-30)")
    too_big = [(p.name, p.stat().st_size) for p in out.iterdir() if p.stat().st_size >= MAX_BYTES]
    if too_big:
        raise SystemExit(f"files of 2 MB or more in {out}: {too_big}")
    print(f"{out}: {len(extract.values)} values, {len(absent)} absent unit-years {by_kpi}, {len(units)} units, "
          f"{select_groups(groups)['group_id'].nunique()} groups, sha256 {extract.checksum[:12]}…")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "extracts" / "kolada-national")
    args = parser.parse_args(argv)
    build(args.shared, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
