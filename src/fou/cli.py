"""The ``fou`` command line (click: nested commands, typed options, clear usage errors)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from fou import __version__
from fou.extracts.format import ExtractError
from fou.extracts.params import ParameterError


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"fou: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fou")
def main() -> None:
    """Research workbench for Kolada labour-market statistics (FoU i Väst study)."""


@main.command("run")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"), show_default=True,
              help="Folder for index.html, html/, notebooks/, figures/, tables/ and run.json.")
@click.option("--extract", default=None, help="Extract folder (or shipped extract name) for every notebook that takes one.")
@click.option("--region", default=None, help="Region name, Kolada group id or comma-separated municipalities.")
@click.option("--year", default=None, help="Year of tables 1–3.")
@click.option("--years", default=None, help="Years of tables 4–5 and Diagram 1, e.g. 2017-2022.")
@click.option("--metadata", default=None, help="Folder with Kolada municipalities.csv and municipality_groups.csv.")
@click.option("--param", "extra", multiple=True, metavar="NAME=VALUE",
              help="Set a notebook parameter wherever a notebook declares it (repeatable), e.g. microdata=FILE.")
@click.option("--only", "only", multiple=True, metavar="NAME", help="Run only this notebook (repeatable).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Run configuration (default notebooks/run.toml).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Parallel workers (default: number of CPUs).")
@click.option("--force", is_flag=True, help="Re-run notebooks even when their inputs did not change.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the final line.")
def run_cmd(out, extract, region, year, years, metadata, extra, only, config, jobs, force, quiet) -> None:
    """Execute the study notebooks and render them to HTML in OUT."""
    from fou.run import runner

    overrides = {"extract": extract, "region": region, "year": year, "years": years, "metadata": metadata}
    for item in extra:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            _fail(f"parameter 'param': invalid value {item!r}; expected NAME=VALUE, e.g. microdata=data.dta")
        overrides[name.strip()] = value
    try:
        defaults, entries = runner.load_config(config)
        jobs_list = runner.plan(entries, defaults, overrides, out.resolve(), list(only) or None)
    except (ParameterError, ExtractError) as exc:
        _fail(str(exc))

    def report(name: str, state: str, secs: float | None) -> None:
        if quiet and state not in ("failed",):
            return
        mark = {"running": "…", "ok": "✓", "failed": "✗", "skipped": "="}.get(state, "?")
        extra = f"{secs:6.1f} s" if secs is not None else ""
        click.echo(f"{mark} {name:<40} {state:<8} {extra}", err=False)

    workers = jobs or os.cpu_count() or 1
    record = runner.run(jobs_list, out.resolve(), workers=workers, force=force, report=report)
    failed = [n for n in record["notebooks"] if n["status"] == "failed"]
    for n in failed:
        e = n.get("error") or {}
        click.echo(f"fou: notebook {n['name']} failed in cell {e.get('cell')}: {e.get('ename')}: {e.get('evalue')}", err=True)
    total = sum(n["seconds"] for n in record["notebooks"])
    click.echo(f"{len(record['notebooks']) - len(failed)} of {len(record['notebooks'])} notebooks ok "
               f"({total:.1f} s notebook time); open {out / 'index.html'}")
    sys.exit(1 if failed else 0)


@main.command("fetch")
@click.option("--kpi", "kpi", default=None, help="Comma-separated KPI ids, e.g. N01951,N31858.")
@click.option("--municipality", default=None, help="Ids, names, a group (name or G-id), or 'all' (every unit incl. Riket).")
@click.option("--study", "study_id", default=None, help="Fetch every KPI of a study (gr-2023) for --region plus Riket.")
@click.option("--region", default=None, help="With --study: region name, group id or municipalities.")
@click.option("--years", required=True, help="Years, e.g. 2010-2022 or 2019,2021.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Extract folder to write.")
@click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3).")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk HTTP cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def fetch_cmd(kpi, municipality, study_id, region, years, out, base_url, timeout, no_cache, quiet) -> None:
    """Fetch values from Kolada into an extract folder (values.csv + manifest.json), atomically."""
    from fou.kolada.fetch import fetch_extract, parse_kpis
    from fou.kolada.client import KoladaClient, KoladaError
    from fou.extracts.params import parse_years
    from fou.study.definition import DEFAULT_REGION, RIKET_ID, study_kpis

    try:
        ys = parse_years(years)
        extra: tuple[str, ...] = ()
        if study_id:
            if kpi or municipality:
                raise ParameterError("study", study_id, "use either --study with --region, or --kpi with --municipality")
            kpis = study_kpis(study_id)
            municipality, extra = region or DEFAULT_REGION, (RIKET_ID,)
        else:
            if not kpi or not municipality:
                raise ParameterError("kpi" if not kpi else "municipality", kpi or municipality,
                                     "both --kpi and --municipality are needed (or --study with --region)")
            kpis = parse_kpis(kpi)
        client = KoladaClient(base_url, timeout=timeout, cache=not no_cache, progress=not quiet and sys.stderr.isatty())
        ex = fetch_extract(out, kpis, municipality, ys, client, extra_units=extra, study_id=study_id,
                           units_parameter="region" if study_id else "municipality")
    except ParameterError as exc:
        _fail(str(exc), 2)
    except (KoladaError, ExtractError) as exc:
        _fail(f"fetch failed, nothing written to {out}: {exc}", 1)
    src = ex.manifest["source"]
    click.echo(f"wrote {ex.path}: {len(ex.values)} values, {len(ex.kpis)} KPIs, years {ex.years[0]}–{ex.years[-1]} "
               f"({src['requests']['network']} requests, {src['requests']['cached']} from cache)")


@main.group("extracts")
def extracts_group() -> None:
    """Inspect and compare extracts."""


@extracts_group.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("extracts-diff.csv"),
              show_default=True, help="Where to write every added, removed and revised value.")
def diff_cmd(a, b, csv_path) -> None:
    """Values added, removed and revised from extract A to extract B."""
    from fou.extracts.atomic import atomic_write_text
    from fou.extracts.diff import diff_summary, diff_values
    from fou.study.definition import rounding_tolerances
    from fou.study.inputs import open_extract

    try:
        ea, eb = open_extract(a), open_extract(b)
    except ParameterError as exc:
        _fail(str(exc), 2)
    tolerance: float | dict[str, float] = 1e-9
    if "transcribed" in (ea.source_kind, eb.source_kind):
        tolerance = rounding_tolerances(sorted(set(ea.kpis) | set(eb.kpis)))
        click.echo("A transcribed extract is involved: differences within the report's rounding are not revisions.")
    diff = diff_values(ea.values, eb.values, tolerance)
    summary = diff_summary(diff)
    click.echo(f"A: {ea.path} ({ea.source_kind}, {len(ea.values)} rows)\nB: {eb.path} ({eb.source_kind}, {len(eb.values)} rows)")
    click.echo(summary.to_string(index=False) if len(summary) else "no differences")
    shown = diff.head(40)
    if len(shown):
        click.echo(shown.to_string(index=False))
        if len(diff) > len(shown):
            click.echo(f"… {len(diff) - len(shown)} more rows in {csv_path}")
    atomic_write_text(csv_path, diff.to_csv(index=False, lineterminator="\n"))
    click.echo(f"wrote {csv_path} ({len(diff)} rows)")


if __name__ == "__main__":
    main()
