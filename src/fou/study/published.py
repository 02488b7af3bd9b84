"""Cell-by-cell comparison of an extract with the report's published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fou.study import definition as study
from fou.extracts.format import Extract, load_extract
from fou.extracts.paths import report_extract_dir
from fou.extracts.swedish import format_number

STATUS_SAME = "samma"
STATUS_REVISED = "avviker"
STATUS_ONLY_REPORT = "saknas i extraktet"
STATUS_ONLY_EXTRACT = "i.u. i rapporten, värde i extraktet"
STATUS_BOTH_MISSING = "saknas i båda"
STATUS_NOT_FETCHED = "KPI finns inte i extraktet"


def load_published() -> Extract:
    """The shipped transcription of the report's tables 1–5."""
    return load_extract(report_extract_dir())


def compare(values: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every published cell (gender T) against the extract's value.

    Agreement allows for the report's rounding (half a unit of its last decimal).
    Columns: ``kpi, municipality_id, municipality, year, published, value,
    difference, status``. A KPI wholly absent from the extract is flagged as such.
    """
    if published is None:
        published = load_published().values
    pub = published[published["gender"] == "T"][["kpi", "municipality_id", "municipality", "year", "value"]]
    pub = pub.rename(columns={"value": "published"})
    ext = values[values["gender"] == "T"][["kpi", "municipality_id", "year", "value"]]
    merged = pub.merge(ext, on=["kpi", "municipality_id", "year"], how="left")
    present_kpis = set(values["kpi"])
    tol = merged["kpi"].map(lambda k: study.ALL_KPIS[k].tolerance if k in study.ALL_KPIS else 0.5)
    merged["difference"] = merged["value"] - merged["published"]
    conditions = [
        ~merged["kpi"].isin(present_kpis),
        merged["published"].isna() & merged["value"].isna(),
        merged["published"].isna(),
        merged["value"].isna(),
        merged["difference"].abs() <= tol,
    ]
    status = np.select(
        [np.asarray(pd.array(c, dtype="boolean").fillna(False), dtype=bool) for c in conditions],
        [STATUS_NOT_FETCHED, STATUS_BOTH_MISSING, STATUS_ONLY_EXTRACT, STATUS_ONLY_REPORT, STATUS_SAME],
        default=STATUS_REVISED,
    )
    merged["status"] = status
    return merged.sort_values(["kpi", "municipality_id", "year"]).reset_index(drop=True)


def summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Counts of each status per KPI (Swedish labels)."""
    counts = comparison.pivot_table(index="kpi", columns="status", values="year", aggfunc="count", fill_value=0)
    counts.insert(0, "Nyckeltal", [study.ALL_KPIS[k].label if k in study.ALL_KPIS else k for k in counts.index])
    return counts.reset_index().rename(columns={"kpi": "KPI"})


def format_differences(comparison: pd.DataFrame) -> pd.DataFrame:
    """The cells that do not agree, formatted for readers."""
    diff = comparison[~comparison["status"].isin([STATUS_SAME, STATUS_BOTH_MISSING, STATUS_NOT_FETCHED])]
    out = pd.DataFrame({
        "KPI": diff["kpi"],
        "Kommun": diff["municipality"],
        "År": diff["year"].astype(str),
        "Rapporten": [format_number(v, study.ALL_KPIS[k].decimals) for k, v in zip(diff["kpi"], diff["published"])],
        "Extraktet": [format_number(v, study.ALL_KPIS[k].decimals + 1) for k, v in zip(diff["kpi"], diff["value"])],
        "Status": diff["status"],
    })
    return out.reset_index(drop=True)
