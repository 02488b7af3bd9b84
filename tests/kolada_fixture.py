"""A small, always-available Kolada data set with known values (no ../shared needed)."""

from __future__ import annotations

import pandas as pd

from fou.kolada.server import KoladaData

SMALL_KPIS = ["N01951", "N31858", "U40806"]
SMALL_UNITS = ["0000"] + [f"{1000 + i}" for i in range(1, 61)]  # Riket + 60 municipalities
SMALL_YEARS = list(range(2018, 2023))


def small_value(kpi: str, unit: str, year: int, gender: str) -> float | None:
    """The known truth the server serves."""
    if kpi == "U40806" and unit == "1007" and year == 2020:
        return None  # a missing value (status "Missing")
    base = {"N01951": 10000.0, "N31858": 30.0, "U40806": 10.0}[kpi]
    g = {"T": 0, "K": 0.25, "M": 0.5}[gender]
    return base + int(unit) % 97 + (year - 2018) / 8 + g


def small_data() -> KoladaData:
    rows = []
    for kpi in SMALL_KPIS:
        genders = ["T", "K", "M"] if kpi == "N01951" else ["T"]
        for unit in SMALL_UNITS:
            for year in SMALL_YEARS:
                for gender in genders:
                    v = small_value(kpi, unit, year, gender)
                    rows.append({"kpi": kpi, "municipality_id": unit, "year": year, "gender": gender,
                                 "value": v, "status": "Missing" if v is None else ""})
    units = pd.DataFrame({"id": SMALL_UNITS, "title": ["Riket"] + [f"Kommun {u}" for u in SMALL_UNITS[1:]],
                          "type": ["L"] + ["K"] * 60})
    groups = pd.DataFrame({"group_id": "G1", "group_title": "Testregionen (ovägt medel)",
                           "member_id": ["1001", "1002", "1003"], "member_title": ["Kommun 1001", "Kommun 1002", "Kommun 1003"]})
    kpis = pd.DataFrame({"id": SMALL_KPIS, "title": ["Invånare totalt, antal", "Försörjningshinder arbetslösa", "Anvisningar AF"],
                         "is_divided_by_gender": ["True", "False", "False"]})
    return KoladaData(pd.DataFrame(rows), kpis, units, groups)
