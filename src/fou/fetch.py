"""``fou fetch``: live extracts from Kolada, written atomically in the shipped format."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from . import study
from .extract import Extract, write_extract
from .kolada import KoladaClient, KoladaError
from .params import ParameterError
from .regions import Catalogue

STUDIES = {study.STUDY_ID: [k.id for k in study.ALL_KPIS.values()]}


def parse_kpis(text: str) -> list[str]:
    """``"N01951,N31858"`` → ids; checks the shape of each."""
    import re

    ids = [t.strip().upper() for t in text.split(",") if t.strip()]
    bad = [t for t in ids if not re.fullmatch(r"[A-Z]\d{5}", t)]
    if not ids or bad:
        raise ParameterError("kpi", text, "expected comma-separated Kolada KPI ids such as 'N01951,N31858'")
    return ids


def resolve_units(spec: str, catalogue: Catalogue, parameter: str = "municipality") -> list[str]:
    """``all`` (every unit in Kolada's municipality list) or a region/list resolved by the catalogue."""
    if spec.strip().lower() == "all":
        return sorted(catalogue.units["id"].tolist())
    return list(catalogue.resolve(spec, parameter).ids)


def fetch_extract(out: str | Path, kpis: list[str], units_spec: str | None, years: tuple[int, ...],
                  client: KoladaClient, *, study_id: str | None = None, region: str | None = None) -> Extract:
    """Fetch ``kpis`` for the units and years and write an extract at ``out``.

    With ``study_id``, the study's KPIs are fetched for ``region`` plus Riket.
    Nothing is written unless every request succeeded; an existing extract at
    ``out`` is replaced only by a complete new one.
    """
    units = client.municipalities()
    groups = client.groups()
    catalogue = Catalogue(units, groups)
    if study_id:
        if study_id not in STUDIES:
            raise ParameterError("study", study_id, f"known studies: {', '.join(STUDIES)}")
        kpis = STUDIES[study_id]
        ids = sorted(set(resolve_units(region or study.DEFAULT_REGION, catalogue, "region")) | {study.RIKET_ID})
    else:
        ids = resolve_units(units_spec or "", catalogue)
    meta = client.kpis(kpis)
    known = set(meta["id"]) if "id" in meta else set()
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise ParameterError("kpi", ",".join(unknown), "Kolada does not know these KPI ids; search titles with Kolada's catalogue")
    names = dict(zip(units["id"], units["title"]))
    values = client.values(kpis, ids, years, names)
    titles = dict(zip(meta["id"], meta["title"]))
    source: dict[str, Any] = {
        "kind": "fetched",
        "fetched": True,
        "base_url": client.base_url,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "description": "fetched from the Kolada v3 API by fou fetch; source of the figures: Kolada (RKA)",
        "queries": {"kpis": list(kpis), "municipalities": ids if len(ids) <= 30 else f"{len(ids)} units",
                    "municipality_spec": region if study_id else units_spec, "years": list(years),
                    "study": study_id, "paths": len(client.plan_requests(kpis, ids, years))},
        "requests": {"network": client.network_requests, "cached": client.cached_requests},
        "kpi_titles": titles,
    }
    counts = values.groupby("kpi").size().reindex(kpis, fill_value=0).astype(int).to_dict()
    extra = {"units.csv": units.to_csv(index=False, lineterminator="\n"),
             "groups.csv": groups.to_csv(index=False, lineterminator="\n")}
    if values.empty:
        raise KoladaError(f"Kolada returned no values for {', '.join(kpis)} × {len(ids)} units × {years[0]}–{years[-1]}")
    return write_extract(values, out, source, extra_files=extra, counts_by_kpi=counts,
                         name=Path(out).name, title=f"Kolada {', '.join(kpis[:4])}{'…' if len(kpis) > 4 else ''}")


def rounding_tolerances(kpis: list[str]) -> dict[str, float]:
    """Per KPI, half a unit of the report's last printed decimal (for transcribed extracts)."""
    return {k: study.ALL_KPIS[k].tolerance if k in study.ALL_KPIS else 1e-9 for k in kpis}


def diff_values(a: pd.DataFrame, b: pd.DataFrame, tolerance: float | dict[str, float] = 1e-9) -> pd.DataFrame:
    """Values added, removed and revised from extract ``a`` to extract ``b``.

    Keys are ``kpi, municipality_id, year, gender``. A value turning missing counts
    as removed, a missing one gaining a value as added. ``tolerance`` may be one
    number or a mapping per KPI (see :func:`rounding_tolerances`).
    """
    key = ["kpi", "municipality_id", "year", "gender"]
    left = a[key + ["municipality", "value"]].rename(columns={"value": "value_a", "municipality": "name_a"})
    right = b[key + ["municipality", "value"]].rename(columns={"value": "value_b", "municipality": "name_b"})
    m = left.merge(right, on=key, how="outer")
    has_a, has_b = m["value_a"].notna(), m["value_b"].notna()
    change = pd.Series("", index=m.index, dtype=object)
    change[has_b & ~has_a] = "added"
    change[has_a & ~has_b] = "removed"
    tol = m["kpi"].map(tolerance).fillna(1e-9) if isinstance(tolerance, dict) else tolerance
    change[has_a & has_b & ((m["value_b"] - m["value_a"]).abs() > tol)] = "revised"
    m["change"] = change
    m["difference"] = m["value_b"] - m["value_a"]
    m["municipality"] = m["name_b"].fillna(m["name_a"])
    out = m[m["change"] != ""][key[:2] + ["municipality", "year", "gender", "value_a", "value_b", "difference", "change"]]
    return out.sort_values(key).reset_index(drop=True)


def diff_summary(diff: pd.DataFrame) -> pd.DataFrame:
    """Counts of added, removed and revised values per KPI."""
    if diff.empty:
        return pd.DataFrame(columns=["kpi", "added", "removed", "revised"])
    t = diff.pivot_table(index="kpi", columns="change", values="year", aggfunc="count", fill_value=0)
    return t.reindex(columns=["added", "removed", "revised"], fill_value=0).reset_index()
