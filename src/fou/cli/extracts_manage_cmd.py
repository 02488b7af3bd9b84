"""``fou extracts list|show|verify|update``: see, check and update extracts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fou.cli import fail
from fou.cli.extracts_cmd import extracts_group
from fou.cli.fetch_cmd import client_options
from fou.cli.output import echo_json, echo_table
from fou.extracts.format import ExtractError
from fou.extracts.params import ParameterError


def _path(value: str) -> Path:
    from fou.study.inputs import resolve_extract_path

    try:
        return resolve_extract_path(value)
    except ParameterError as exc:
        fail(str(exc), 2)
        raise  # unreachable


def _summary(path: Path) -> dict:
    """One line's worth about the extract at ``path`` (``error`` when it does not load)."""
    from fou.extracts.format import load_extract

    try:
        ex = load_extract(path)
    except ExtractError as exc:
        return {"name": path.name, "path": str(path), "error": str(exc).replace(f"{path}/", "").replace(str(path), "")}
    src, cov = ex.manifest["source"], ex.manifest["coverage"]
    updates = ex.manifest.get("updates") or []
    years = cov["years"]
    return {"name": path.name, "path": str(path), "kind": src["kind"], "rows": cov["rows"], "kpis": len(cov["kpis"]),
            "units": len(cov["municipality_ids"]), "years": f"{years[0]}–{years[-1]}" if years else "",
            "fetched_at": src.get("fetched_at"), "updated_at": updates[-1]["at"] if updates else None,
            "sha256": ex.checksum[:12]}


@extracts_group.command("list")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_cmd(folder, as_json) -> None:
    """Extracts in FOLDER (default: the shipped data/extracts), one line each."""
    from fou.extracts.paths import data_dir

    root = folder or data_dir() / "extracts"
    if not Path(root).is_dir():
        fail(f"parameter 'folder': invalid value '{root}'; no such folder; expected a folder of extracts "
             f"(each a folder with values.csv and manifest.json), such as {data_dir() / 'extracts'}")
    paths = sorted(p.parent for p in Path(root).glob("*/manifest.json"))
    rows = [_summary(p) for p in paths]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(f"no extracts in {root}")
        return
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in ("kind", "rows", "kpis", "units", "years", "fetched_at", "updated_at", "error"):
        if col not in df:
            df[col] = None
    df["kind"] = df["kind"].fillna("BROKEN")
    df["when"] = df["updated_at"].fillna(df["fetched_at"]).fillna("").astype(str).str[:10]
    df["title"] = df["error"].fillna("")
    echo_table(df, {"name": "name", "kind": "kind", "rows": "rows", "kpis": "KPIs", "units": "units",
                    "years": "years", "when": "fetched/updated", "title": "problem"}, wrap=True)


@extracts_group.command("show")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def show_cmd(path, as_json) -> None:
    """Where an extract's values came from, what they cover, KPI metadata and updates."""
    from fou.extracts.format import load_extract
    from fou.kolada.kpimeta import gender_note

    try:
        ex = load_extract(_path(path))
    except ExtractError as exc:
        fail(str(exc), 1)
    if as_json:
        echo_json(ex.manifest)
        return
    m, src, cov = ex.manifest, ex.manifest["source"], ex.manifest["coverage"]
    click.echo(f"{ex.path}\n  {ex.provenance()}")
    for key in ("kind", "base_url", "api_version", "fetched_at", "answered_until", "run_at", "fetched_by", "description",
                "reference"):
        if src.get(key):
            click.echo(f"  {key:<12} {src[key]}")
    q = src.get("queries") or {}
    if q:
        click.echo(f"  queries      {json.dumps({k: v for k, v in q.items() if k != 'unit_ids'}, ensure_ascii=False)}")
    click.echo(f"  coverage     {cov['rows']} rows ({cov['rows_with_value']} with a value, {cov['rows_missing']} missing), "
               f"{len(cov['kpis'])} KPIs, {len(cov['municipality_ids'])} units, years {cov['years']}")
    click.echo(f"  sha256       {ex.checksum}")
    for w in src.get("warnings") or []:
        click.echo(f"  warning      {w}")
    meta = m.get("kpi_metadata") or {}
    titles = src.get("kpi_titles") or {}
    for kpi in ex.kpis:
        rec = meta.get(kpi) or {}
        click.echo(f"  {kpi}  {rec.get('title') or titles.get(kpi, '')}")
        if rec:
            prel = ex.preliminary_years(kpi)
            click.echo(f"          type {rec.get('municipality_type') or '–'}; {gender_note(rec)}; published "
                       f"{rec.get('publication_date') or '–'} (preliminary {rec.get('prel_publication_date') or '–'})"
                       + (f"; preliminary when fetched: {', '.join(map(str, prel))}" if prel else ""))
    for u in m.get("updates") or []:
        click.echo(f"  update       {u['at']}: from_date {u['from_date']}, {u['changed']} changed, {u['added']} added, "
                   f"{u['deleted']} deleted")


@extracts_group.command("verify")
@click.argument("paths", nargs=-1, required=True)
def verify_cmd(paths) -> None:
    """Check extracts: manifest, values, and the sha256 of every file the manifest lists. Exit 1 if any fails."""
    from fou.extracts.format import load_extract, sha256_file

    bad = 0
    for value in paths:
        path = _path(value)
        problems = []
        try:
            ex = load_extract(path)
            for name, entry in ex.manifest["files"].items():
                f = path / name
                if name != "values.csv" and "sha256" in entry:
                    if not f.is_file():
                        problems.append(f"{name} is listed in the manifest but missing")
                    elif sha256_file(f) != entry["sha256"]:
                        problems.append(f"{name}: checksum mismatch (edited or corrupted after it was written)")
        except ExtractError as exc:
            problems.append(str(exc))
        bad += bool(problems)
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {path}" + "".join(f"\n     {p}" for p in problems))
    raise SystemExit(1 if bad else 0)


@extracts_group.command("update")
@click.argument("path")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="New extract to write (default: NAME-updated-YYYY-MM-DD beside the extract).")
@click.option("--overwrite", is_flag=True, help="Rewrite the extract in place (only one your own fou fetch wrote).")
@click.option("--add-years", default=None, help="Also fetch these years for the extract's KPIs and units, e.g. 2023-2024.")
@click.option("--dry-run", is_flag=True, help="Say what changed, write nothing.")
@client_options
def update_cmd(path, out, overwrite, add_years, dry_run, base_url, timeout, deadline, max_wait, verbose, quiet) -> None:
    """Apply what Kolada changed since the extract's values were true (from_date), into a new extract.

    The extract's scope is kept (KPIs, units, genders, years; --add-years extends
    the years). Shipped extracts and extracts fetched by someone else are never
    written into; your own is rewritten in place with --overwrite. Changed values
    replace old ones, values Kolada deleted are dropped, and the manifest records
    the update. When nothing changed, nothing is written.
    """
    from fou.cli.fetch_cmd import make_client, stop_on_signals
    from fou.cli.run_cmd import os_error
    from fou.extracts.format import load_extract
    from fou.extracts.params import parse_years
    from fou.kolada.client import KoladaError, base_url_from_env
    from fou.kolada.update import update_extract
    from fou.run import procs

    target = _path(path)
    try:
        with stop_on_signals():
            try:
                more = parse_years(add_years, "add-years") if add_years else ()
                manifest_url = str(load_extract(target).manifest["source"].get("base_url") or "")
                url = base_url or (manifest_url if manifest_url.rstrip("/").endswith("/v3") else base_url_from_env())
                client = make_client(url, timeout, deadline, max_wait, verbose, quiet, cache=False)
                result = update_extract(target, client, out=out, overwrite=overwrite, add_years=more, dry_run=dry_run)
            except ParameterError as exc:
                fail(str(exc), 2)
            except (KoladaError, ExtractError) as exc:
                fail(f"update failed, {target} left as it was and nothing written: {exc}", 1)
            except OSError as exc:
                fail(f"update failed, {target} left as it was: {os_error(exc)}", 1)
    except procs.Interrupted as stop:
        click.echo(f"fou: interrupted by {stop.name}: update stopped, {target} left as it was", err=True)
        raise SystemExit(stop.code) from None
    counts = f"{result.changed} changed, {result.added} added, {result.deleted} deleted"
    if result.unchanged:
        click.echo(f"{target}: nothing changed in Kolada since {result.from_date} ({client.base_url}); nothing written")
    elif dry_run:
        click.echo(f"{target}: since {result.from_date}: {counts} (dry run, nothing written)")
        click.echo(result.details.head(40).to_string(index=False))
    elif result.target == target:
        click.echo(f"{target}: since {result.from_date}: {counts}; extract rewritten in place, update recorded in "
                   "manifest.json")
    else:
        click.echo(f"{target}: since {result.from_date}: {counts}; wrote the updated extract to {result.target} "
                   f"({target} unchanged)")
