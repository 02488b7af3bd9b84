"""``fou fetch``: live extracts from Kolada, written atomically in the shipped format."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fou.extracts.format import Extract, write_extract
from fou.kolada.client import KoladaClient, KoladaError
from fou.kolada.kpimeta import kpi_metadata, kpi_table
from fou.kolada.plan import all_units_plan, fetch_planned, group_ids, group_names, plan_units
from fou.extracts.params import ParameterError
from fou.extracts.regions import Catalogue


def written_by_fetch(manifest: dict[str, Any]) -> bool:
    """True for an extract ``fou fetch`` wrote (the only kind it may replace)."""
    src = manifest.get("source") if isinstance(manifest, dict) else None
    return isinstance(src, dict) and src.get("kind") == "fetched" and isinstance(src.get("queries"), dict)


def check_target(out: str | Path, overwrite: bool = False) -> None:
    """Refuse a target folder ``fou fetch`` must not replace (before anything is fetched).

    A new or empty folder is fine; an extract ``fou fetch`` wrote is replaced only
    with ``overwrite``; shipped, transcribed or synthetic extracts, folders inside
    an extract and folders holding anything else are never replaced.
    """
    import json

    out = Path(out)
    for parent in out.resolve().parents:
        if (parent / "manifest.json").is_file() and (parent / "values.csv").is_file():
            raise ParameterError("out", str(out), f"lies inside the extract {parent}; choose a folder of its own")
    if not out.exists():
        _probe_writable(out.parent)
        return
    if not out.is_dir():
        raise ParameterError("out", str(out), "is a file; expected a new folder for the extract")
    if not any(out.iterdir()):
        _probe_writable(out.parent)
        return
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ParameterError("out", str(out), "is a folder holding other files, not an extract, and fou fetch would "
                                              "replace the whole folder; choose a new folder such as data/extracts/NAME") from None
    if not written_by_fetch(manifest):
        kind = (manifest.get("source") or {}).get("kind", "unknown") if isinstance(manifest, dict) else "unknown"
        raise ParameterError("out", str(out), f"holds a {kind} extract that fou fetch did not write (shipped data is never "
                                              "replaced); choose a new folder such as data/extracts/NAME")
    if not overwrite:
        when = str(manifest["source"].get("fetched_at", "earlier"))[:10]
        raise ParameterError("out", str(out), f"already holds an extract fetched {when}; add --overwrite to replace it, "
                                              "or choose a new folder")
    _probe_writable(out.parent)


def _probe_writable(folder: Path) -> None:
    """Raise the ``OSError`` writing the extract would meet (read-only, no permission), before fetching."""
    import tempfile

    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".fou-probe-", dir=folder))
    except OSError as exc:
        exc.filename = str(folder)
        raise


def span(years: list[int]) -> str:
    """``1990–2009, 2023–2050``: runs of consecutive years."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def gaps(values, kpis: list[str], years: tuple[int, ...]) -> dict[str, Any]:
    """What a fetch did not get: KPIs without any value, years without any value, and per KPI
    the requested years it has no value for (a value is a non-missing number for any unit)."""
    present = values[values["value"].notna()]
    have = {k: sorted({int(y) for y in g}) for k, g in present.groupby("kpi")["year"]}
    got_years = sorted({y for ys in have.values() for y in ys})
    empty_years = [y for y in years if y not in got_years]
    per_kpi = {k: [y for y in years if y not in have[k] and y not in empty_years] for k in kpis if k in have}
    return {"kpis_without_values": [k for k in kpis if k not in have], "years_without_values": empty_years,
            "kpi_years_without_values": {k: ys for k, ys in per_kpi.items() if ys},
            "years_with_values": got_years}

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
    if is_all(spec):
        return sorted(catalogue.units["id"].tolist())
    return list(catalogue.resolve(spec, parameter).ids)


def is_all(spec: str | None) -> bool:
    return (spec or "").strip().lower() == "all"


def answer_times(client: KoladaClient) -> dict[str, Any]:
    """When the values were true: ``fetched_at`` is the oldest answer the server gave to a data
    request (a response served from the cache keeps the time it was fetched), ``answered_until``
    the newest, ``run_at`` when fou ran; ``answers`` lists every request with its time."""
    run_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data = [a for a in client.answers if a["path"].startswith(("data/", "oudata/"))] or client.answers
    times = sorted(a["answered_at"] for a in data)
    return {"fetched_at": times[0] if times else run_at, "answered_until": times[-1] if times else run_at,
            "run_at": run_at, "answers": list(client.answers)}


def plan_fetch(kpis: list[str], units_spec: str | None, years: tuple[int, ...] | None, client: KoladaClient, *,
               extra_units: tuple[str, ...] = (), units_parameter: str = "municipality", group_values: bool = False):
    """Metadata and the request plan of a fetch: ``(units, groups, meta, ids, plan, warnings)``."""
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
    if is_all(units_spec):
        plan, warnings = all_units_plan(kpis, ids, years), []
    else:
        plan, warnings = plan_units(meta, kpis, ids, units, groups)
    return units, groups, meta, ids, plan, warnings


def fetch_extract(out: str | Path, kpis: list[str], units_spec: str | None, years: tuple[int, ...] | None,
                  client: KoladaClient, *, extra_units: tuple[str, ...] = (), study_id: str | None = None,
                  units_parameter: str = "municipality", group_values: bool = False,
                  overwrite: bool = True) -> Extract:
    """Fetch ``kpis`` for the units and years and write an extract at ``out``.

    ``units_spec`` is resolved with Kolada's own municipality list and groups
    (``all``: every unit, asked without a municipality segment); ``years=None``
    asks for every year Kolada has. ``extra_units`` (e.g. Riket) are added.
    ``study_id`` is only recorded in the manifest. ``group_values`` also asks for
    the group ``units_spec`` names, as Kolada computes it (unweighted mean of the
    members, ``count``), stored under the group id. Units a KPI's
    ``municipality_type`` does not fit are not asked for unless sharing batches
    costs nothing (warnings in ``source.warnings``). Nothing is written unless every
    request succeeded; an existing extract at ``out`` is replaced only by a complete
    new one, only when ``fou fetch`` wrote it and ``overwrite`` allows
    (:func:`check_target`). The manifest's ``source.not_returned`` lists what
    Kolada had no values for; ``fetched_at`` is when the server gave the oldest
    answer (:func:`answer_times`).
    """
    check_target(out, overwrite)
    units, groups, meta, ids, plan, warnings = plan_fetch(
        kpis, units_spec, years, client, extra_units=extra_units, units_parameter=units_parameter,
        group_values=group_values)
    names = dict(zip(units["id"], units["title"])) | group_names(groups)
    values = fetch_planned(client, plan, years, names)
    if is_all(units_spec):
        values = values[values["municipality_id"].isin(ids)].reset_index(drop=True)
    if values.empty:
        span_text = f"{years[0]}–{years[-1]}" if years else "any year"
        raise KoladaError(f"Kolada returned no values for {', '.join(kpis)} × {len(ids)} units × {span_text}")
    asked_years = tuple(years) if years else tuple(sorted(int(y) for y in values["year"].unique()))
    titles = dict(zip(meta["id"], meta["title"]))
    times = answer_times(client)
    source: dict[str, Any] = {
        "kind": "fetched",
        "fetched": True,
        "base_url": client.base_url,
        "api_version": "v3",
        **{k: times[k] for k in ("fetched_at", "answered_until", "run_at")},
        "description": "fetched from the Kolada v3 API by fou fetch; source of the figures: Kolada (RKA)",
        "queries": {"kpis": list(kpis), "municipalities": ids if len(ids) <= 30 else f"{len(ids)} units",
                    "municipality_spec": units_spec, "years": list(years) if years else "all",
                    "genders": ["K", "M", "T"], "study": study_id,
                    "paths": sum(len(client.plan_requests(k, u, years)) for k, u in plan),
                    "unit_ids": ids, "group_values": group_values},
        "warnings": warnings,
        "requests": {"network": client.network_requests, "cached": client.cached_requests,
                     "answers": times["answers"]},
        "kpi_titles": titles,
    }
    source["not_returned"] = gaps(values, list(kpis), asked_years)
    counts = values.groupby("kpi").size().reindex(kpis, fill_value=0).astype(int).to_dict()
    extra = {"units.csv": units.to_csv(index=False, lineterminator="\n"),
             "groups.csv": groups.to_csv(index=False, lineterminator="\n"), "kpis.csv": kpi_table(meta)}
    return write_extract(values, out, source, extra_files=extra, counts_by_kpi=counts,
                         kpi_metadata=kpi_metadata(meta, values, source["fetched_at"]),
                         name=Path(out).name, title=f"Kolada {', '.join(kpis[:4])}{'…' if len(kpis) > 4 else ''}")
