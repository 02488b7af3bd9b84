"""``fou fetch``: live extracts from Kolada, written atomically in the shipped format."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fou.extracts.format import Extract, write_extract
from fou.kolada.client import KoladaClient, KoladaError
from fou.kolada.kpimeta import kpi_metadata, kpi_table
from fou.kolada.plan import fetch_planned, group_ids, group_names, plan_units
from fou.extracts.params import ParameterError
from fou.extracts.regions import Catalogue

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
                  client: KoladaClient, *, extra_units: tuple[str, ...] = (), study_id: str | None = None,
                  units_parameter: str = "municipality", group_values: bool = False) -> Extract:
    """Fetch ``kpis`` for the units and years and write an extract at ``out``.

    ``units_spec`` is resolved with Kolada's own municipality list and groups;
    ``extra_units`` (e.g. Riket) are added. ``study_id`` is only recorded in the
    manifest. ``group_values`` also asks for the group ``units_spec`` names, as
    Kolada computes it (unweighted mean of the members, ``count``), stored under
    the group id. Units a KPI's ``municipality_type`` does not fit are not asked
    for (warnings in ``source.warnings``). Nothing is written unless every request succeeded; an existing
    extract at ``out`` is replaced only by a complete new one.
    """
    units = client.municipalities()
    groups = client.groups()
    catalogue = Catalogue(units, groups)
    ids = sorted(set(resolve_units(units_spec or "", catalogue, units_parameter)) | set(extra_units))
    ids += group_ids(units_spec, catalogue) if group_values else []
    meta = client.kpis(kpis)
    known = set(meta["id"]) if "id" in meta else set()
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise ParameterError("kpi", ",".join(unknown), "Kolada does not know these KPI ids; find ids with `fou kpi search TEXT`")
    names = dict(zip(units["id"], units["title"])) | group_names(groups)
    plan, warnings = plan_units(meta, kpis, ids, units, groups, warn=(units_spec or "").strip().lower() != "all")
    values = fetch_planned(client, plan, years, names)
    titles = dict(zip(meta["id"], meta["title"]))
    source: dict[str, Any] = {
        "kind": "fetched",
        "fetched": True,
        "base_url": client.base_url,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "description": "fetched from the Kolada v3 API by fou fetch; source of the figures: Kolada (RKA)",
        "queries": {"kpis": list(kpis), "municipalities": ids if len(ids) <= 30 else f"{len(ids)} units",
                    "municipality_spec": units_spec, "years": list(years),
                    "study": study_id, "paths": sum(len(client.plan_requests(k, u, years)) for k, u in plan),
                    "unit_ids": ids, "group_values": group_values},
        "warnings": warnings,
        "requests": {"network": client.network_requests, "cached": client.cached_requests},
        "kpi_titles": titles,
    }
    counts = values.groupby("kpi").size().reindex(kpis, fill_value=0).astype(int).to_dict()
    extra = {"units.csv": units.to_csv(index=False, lineterminator="\n"),
             "groups.csv": groups.to_csv(index=False, lineterminator="\n"), "kpis.csv": kpi_table(meta)}
    if values.empty:
        raise KoladaError(f"Kolada returned no values for {', '.join(kpis)} × {len(ids)} units × {years[0]}–{years[-1]}")
    return write_extract(values, out, source, extra_files=extra, counts_by_kpi=counts,
                         kpi_metadata=kpi_metadata(meta, values, source["fetched_at"]),
                         name=Path(out).name, title=f"Kolada {', '.join(kpis[:4])}{'…' if len(kpis) > 4 else ''}")
