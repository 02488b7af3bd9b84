"""``fou run``: execute the notebooks of the run configuration."""

from __future__ import annotations

import sys
import os
from pathlib import Path

import click

from fou.cli import fail, main
from fou.extracts.format import ExtractError
from fou.extracts.params import ParameterError


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
            fail(f"parameter 'param': invalid value {item!r}; expected NAME=VALUE, e.g. microdata=data.dta")
        overrides[name.strip()] = value
    try:
        defaults, entries = runner.load_config(config)
        jobs_list = runner.plan(entries, defaults, overrides, out.resolve(), list(only) or None)
    except (ParameterError, ExtractError) as exc:
        fail(str(exc))

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
