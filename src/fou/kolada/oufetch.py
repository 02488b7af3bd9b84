"""``fou fetch --ou``: organisational units (schools, preschools, care units) into an extract.

Kolada's ``/ou`` lists the units (``id, title, municipality``) and ``/oudata``
their values. They land in the ordinary extract format: the unit's id in
``municipality_id`` (e.g. ``V15E144001101``), its name in ``municipality``, and a
``unit_type`` column with the kind of unit: Kolada's ``type`` field when it sends
one, else the id's first three characters (``V15``), the prefix Kolada's ids
share per kind of unit. ``ou.csv`` beside the values says which municipality
each unit belongs to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from fou.extracts.format import Extract, write_extract
from fou.extracts.params import ParameterError
from fou.extracts.regions import Catalogue
from fou.kolada.client import KoladaClient, KoladaError
from fou.kolada.fetch import answer_times
from fou.kolada.kpimeta import clean, kpi_metadata, kpi_table, truthy

_OU_RE = re.compile(r"^[A-Z]\d{2}[A-Z][0-9A-Z]+$")
OU_COLUMNS = ["id", "title", "municipality_id", "municipality", "unit_type"]


def parse_ou_ids(text: str) -> list[str]:
    """``"V15E144001101,V11E148000301"`` → ids; ``all`` stays ``["all"]``."""
    if text.strip().lower() == "all":
        return ["all"]
    ids = [t.strip().upper() for t in text.split(",") if t.strip()]
    bad = [t for t in ids if not _OU_RE.match(t)]
    if not ids or bad:
        raise ParameterError("ou", text, "expected comma-separated Kolada organisational-unit ids such as "
                             "'V15E144001101', or 'all' with --municipality; find ids with `fou ou TEXT`")
    return ids


def ou_unit_type(row: dict[str, Any]) -> str:
    """The kind of unit: Kolada's ``type`` when present, else the id's prefix (``V15``)."""
    kind = clean(row.get("type")) or clean(row.get("ou_type"))
    return str(kind) if kind else str(row["id"])[:3]


def ou_table(ous: pd.DataFrame, municipality_names: dict[str, str]) -> pd.DataFrame:
    """Kolada's ``/ou`` rows as ``id, title, municipality_id, municipality, unit_type``."""
    rows = []
    for r in ous.to_dict("records"):
        muni = r.get("municipality")
        mid = str(muni.get("id")) if isinstance(muni, dict) else str(clean(muni) or "")
        rows.append({"id": str(r["id"]), "title": str(clean(r.get("title")) or r["id"]), "municipality_id": mid,
                     "municipality": municipality_names.get(mid, mid), "unit_type": ou_unit_type(r)})
    return pd.DataFrame(rows, columns=OU_COLUMNS).sort_values("id").reset_index(drop=True)


def find_ous(client: KoladaClient, ids: list[str], municipality_spec: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units asked for (ids, or ``all`` in the municipalities), and Kolada's municipality list."""
    units = client.municipalities()
    names = dict(zip(units["id"], units["title"]))
    if ids == ["all"]:
        if not municipality_spec:
            raise ParameterError("ou", "all", "needs --municipality: the municipalities whose units to fetch")
        spec = municipality_spec.strip()
        munis = list(Catalogue(units, client.groups()).resolve(spec, "municipality").ids)
        table = ou_table(client.ous(municipalities=munis), names)
        if table.empty:
            raise ParameterError("municipality", spec, "Kolada lists no organisational units there")
        return table, units
    table = ou_table(client.ous(ids=ids), names)
    unknown = sorted(set(ids) - set(table["id"]))
    if unknown:
        raise ParameterError("ou", ",".join(unknown), "Kolada does not know these organisational-unit ids; "
                             "find ids with `fou ou TEXT`")
    return table, units


def fetch_ou_extract(out: str | Path, kpis: list[str], ou_spec: str, municipality_spec: str | None,
                     years: tuple[int, ...] | None, client: KoladaClient) -> Extract:
    """Fetch ``kpis`` for organisational units and write an extract at ``out`` (atomically)."""
    table, _ = find_ous(client, parse_ou_ids(ou_spec), municipality_spec)
    meta = client.kpis(kpis)
    unknown = [k for k in kpis if k not in set(meta.get("id", []))]
    if unknown:
        raise ParameterError("kpi", ",".join(unknown), "Kolada does not know these KPI ids; find ids with `fou kpi search TEXT`")
    no_ou = [str(r["id"]) for r in meta.to_dict("records") if truthy(r.get("has_ou_data")) is False]
    warnings = [f"{k} has no organisational-unit data in Kolada (has_ou_data false)" for k in no_ou]
    ids = table["id"].tolist()
    values = client.values(kpis, ids, years, dict(zip(table["id"], table["title"])), ou=True)
    values["unit_type"] = values["municipality_id"].map(dict(zip(table["id"], table["unit_type"]))).fillna("")
    if values.empty:
        raise KoladaError(f"Kolada returned no organisational-unit values for {', '.join(kpis)} × {len(ids)} units × "
                          + (f"{years[0]}–{years[-1]}" if years else "any year"))
    times = answer_times(client)
    fetched_at = times["fetched_at"]
    source: dict[str, Any] = {
        "kind": "fetched", "fetched": True, "base_url": client.base_url, "api_version": "v3",
        **{k: times[k] for k in ("fetched_at", "answered_until", "run_at")},
        "description": "organisational-unit values fetched from the Kolada v3 API (/oudata) by fou fetch --ou; "
                       "source of the figures: Kolada (RKA)",
        "queries": {"kpis": list(kpis), "unit_kind": "ou", "ou": ou_spec, "municipality_spec": municipality_spec,
                    "years": list(years) if years else "all", "genders": ["K", "M", "T"], "unit_ids": ids, "paths": len(client.plan_requests(kpis, ids, years, ou=True))},
        "warnings": warnings,
        "requests": {"network": client.network_requests, "cached": client.cached_requests,
                     "answers": times["answers"]},
        "kpi_titles": dict(zip(meta["id"], meta["title"])),
    }
    counts = values.groupby("kpi").size().reindex(kpis, fill_value=0).astype(int).to_dict()
    extra = {"ou.csv": table.to_csv(index=False, lineterminator="\n"), "kpis.csv": kpi_table(meta)}
    return write_extract(values, out, source, extra_files=extra, counts_by_kpi=counts,
                         kpi_metadata=kpi_metadata(meta, values, fetched_at), name=Path(out).name,
                         title=f"Kolada (organisational units) {', '.join(kpis[:4])}{'…' if len(kpis) > 4 else ''}")
