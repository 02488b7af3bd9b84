"""Write the shipped extract ``data/extracts/report-2023`` from the report's tables.

The tables below are copied by hand from Bergström & Bothén (2023), *Kommunernas
vägval i arbetsmarknadspolitiken*, FoU i Väst, section "Kommunerna i
Göteborgsregionen", tables 1–5 (tab-separated, as printed; Mölndal spelled as in
Kolada). "i.u." (ingen uppgift) and "-" are missing values; in Table 3 an "X" is 1
and an empty cell 0 (the Kolada KPIs are "Ja = 1, Nej = 0").

Run: ``python scripts/transcribe_report_2023.py`` (rewrites the extract and its manifest).
"""

from __future__ import annotations

import io
import sys

import pandas as pd

from fou.extracts.format import write_extract
from fou.extracts.paths import report_extract_dir
from fou.extracts.swedish import parse_number

REFERENCE = "Bergström & Bothén (2023), Kommunernas vägval i arbetsmarknadspolitiken, FoU i Väst/GR"

IDS = {
    "Ale": "1440", "Alingsås": "1489", "Göteborg": "1480", "Härryda": "1401",
    "Kungsbacka": "1384", "Kungälv": "1482", "Lerum": "1441", "Lilla Edet": "1462",
    "Mölndal": "1481", "Partille": "1402", "Stenungsund": "1415", "Tjörn": "1419",
    "Öckerö": "1407", "Riket": "0000",
}

TABLE1 = """Kommun\tN01951
Ale\t32 394
Alingsås\t42 199
Göteborg\t596 841
Härryda\t39 762
Kungsbacka\t85 801
Kungälv\t49 068
Lerum\t43 536
Lilla Edet\t14 428
Mölndal\t70 109
Partille\t39 852
Stenungsund\t27 870
Tjörn\t16 275
Öckerö\t12 800
"""

TABLE2 = """Kommun\tN03932\tN31825\tN31858\tN31814\tU31900
Ale\t3,9\t1,8\t40,6\t46,6\t2
Alingsås\t4,6\t1,6\t40,3\t37,2\t2
Göteborg\t7,4\t2,9\t44,9\t56,5\t-
Härryda\t3,3\t1,5\t34,9\t42,6\t1
Kungsbacka\t2,7\t1,2\t32,5\t35,6\t1
Kungälv\t3,7\t1,5\t26,1\t43,2\t1
Lerum\t3,5\t1,6\t27,9\t39,9\t1
Lilla Edet\t5,4\t2,1\t39,9\t37,7\t4
Mölndal\t3,7\t1,8\t39,2\t44,6\t2
Partille\t4,8\t1,7\t40,7\t43,4\t2
Stenungsund\t3,6\t1,9\t33,1\t44,9\t1
Tjörn\t2,8\t1,7\t28,1\t46,7\t1
Öckerö\t2,8\t1,6\t23,8\t41,1\t1
Riket\t6,8\t2,4\t46,4\t47,3\t-
"""

# Columns: Ekonomiskt bistånd, Integration och mottagande, Vuxenutbildning, KAA, Gymnasieskolan
TABLE3 = """Kommun\tU40826\tU40829\tU40828\tU40831\tU40830
Ale\tX\tX\t\t\t
Alingsås\tX\tX\tX\t\t
Göteborg\t\t\tX\t\t
Härryda\tX\tX\tX\t\t
Kungsbacka\tX\tX\tX\tX\tX
Kungälv\t\tX\t\tX\tX
Lerum\tX\tX\t\t\t
Lilla Edet\tX\t\t\t\t
Mölndal\tX\tX\t\tX\t
Partille\t\tX\t\t\tX
Stenungsund\t\tX\tX\tX\tX
Tjörn\tX\tX\t\t\t
Öckerö\tX\tX\t\t\t
"""

TABLE4 = """Kommun\t2017\t2018\t2019\t2020\t2021\t2022
Ale\ti.u.\t245\t255\t245\t235\t229
Alingsås\t362\t365\t413\t385\t291\t236
Göteborg\ti.u.\t4 558\t2 769\t2 497\t2 235\t2 499
Härryda\t106\t129\t262\t248\t254\t182
Kungsbacka\t392\t546\t934\t913\t749\t652
Kungälv\t184\t482\t248\t237\t219\t105
Lerum\t214\t177\t214\t168\t122\t118
Lilla Edet\t54\t36\t50\t68\t72\t72
Mölndal\t365\t264\t308\t304\t339\t335
Partille\t210\t193\t214\t270\t237\t227
Stenungsund\t123\t151\t163\t81\t48\t72
Tjörn\ti.u.\t141\t81\t70\t113\ti.u.
Öckerö\t18\t59\t105\t77\t127\t135
"""

TABLE5 = """Kommun\t2017\t2018\t2019\t2020\t2021\t2022
Ale\ti.u.\t50\t39\t6\t2\t5
Alingsås\t46\t63\t47\t53\t29\t29
Göteborg\ti.u.\ti.u.\t25\t34\t32\t33
Härryda\ti.u.\ti.u.\t1\t0\t0\t0
Kungsbacka\t68\t30\t7\t2\t0\t0
Kungälv\t6\t21\t15\t3\t0\t0
Lerum\t60\t58\t51\t64\t51\t72
Lilla Edet\t47\t8\t0\t1\t11\t0
Mölndal\t11\t0\t11\t9\t2\t4
Partille\t47\t32\t15\t13\t3\t10
Stenungsund\t75\t71\t56\t36\t18\t30
Tjörn\ti.u.\t19\t5\t7\t6\ti.u.
Öckerö\t50\t10\t5\t8\t5\t5
"""


def _read(table: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(table), sep="\t", dtype=str, keep_default_na=False)


def _rows_wide_kpis(table: str, year: int, flags: bool = False) -> list[dict]:
    df = _read(table)
    rows = []
    for _, r in df.iterrows():
        for kpi in df.columns[1:]:
            cell = r[kpi].strip()
            if flags:
                value, status = (1.0 if cell == "X" else 0.0), ""
            else:
                value = parse_number(cell)
                status = cell if pd.isna(value) else ""
            rows.append(_row(kpi, r["Kommun"], year, value, status))
    return rows


def _rows_wide_years(table: str, kpi: str) -> list[dict]:
    df = _read(table)
    rows = []
    for _, r in df.iterrows():
        for year in df.columns[1:]:
            cell = r[year].strip()
            value = parse_number(cell)
            rows.append(_row(kpi, r["Kommun"], int(year), value, cell if pd.isna(value) else ""))
    return rows


def _row(kpi: str, name: str, year: int, value: float, status: str) -> dict:
    return {"kpi": kpi, "municipality_id": IDS[name], "municipality": name, "year": year,
            "gender": "T", "value": value, "status": status}


def build() -> pd.DataFrame:
    """All transcribed figures of tables 1–5 in the extract's tidy shape."""
    rows = (
        _rows_wide_kpis(TABLE1, 2022)
        + _rows_wide_kpis(TABLE2, 2022)
        + _rows_wide_kpis(TABLE3, 2022, flags=True)
        + _rows_wide_years(TABLE4, "U40800")
        + _rows_wide_years(TABLE5, "U40806")
    )
    return pd.DataFrame(rows)


def main() -> int:
    values = build()
    source = {
        "kind": "transcribed",
        "study": "gr-2023",
        "description": "transcribed from Bergström & Bothén 2023, tables 1–5; figures originally from Kolada",
        "reference": REFERENCE,
        "tables": {
            "1": "N01951, 2022", "2": "N03932 N31825 N31858 N31814 U31900, 2022 (incl. Riket 0000)",
            "3": "U40826 U40829 U40828 U40831 U40830, 2022 (X = 1, empty = 0)",
            "4": "U40800, 2017–2022", "5": "U40806, 2017–2022",
        },
        "missing": "cells printed 'i.u.' or '-' are empty values with that text in 'status'",
        "transcribed_by": "scripts/transcribe_report_2023.py",
        "fetched": False,
    }
    ex = write_extract(values, report_extract_dir(), source, name="report-2023",
                       title="Göteborgsregionen, tabell 1–5 ur rapporten (2023)")
    print(f"wrote {ex.path} ({len(ex.values)} rows, sha256 {ex.checksum})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
