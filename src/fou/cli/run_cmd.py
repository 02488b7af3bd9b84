"""``fou run``: execute the notebooks of the run configuration."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fou.cli import fail, main
from fou.extracts.format import ExtractError
from fou.extracts.params import ParameterError
from fou.extracts.schemas import DataFileError
from fou.run.sources import REFUSED, NotebookChanged, allowed_by_env

EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the output folder


def os_error(exc: OSError) -> str:
    """One line for a file-system error, naming the path (read-only folder, full disk, permissions)."""
    path = exc.filename if exc.filename is not None else "the output folder"
    return f"cannot write {path}: {exc.strerror or exc}"


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
@click.option("--each", "each", multiple=True, metavar="NAME=VALUES",
              help="One page per value of a parameter: a comma list, a region or group (its municipalities) or all, "
                   "e.g. municipality=Göteborgsregionen; pages are named <notebook>-<value>.")
@click.option("--only", "only", multiple=True, metavar="NAME", help="Run only this notebook (repeatable).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Run configuration (default notebooks/run.toml).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Parallel workers (default: number of CPUs + 1).")
@click.option("--force", is_flag=True, help="Re-run notebooks even when their inputs did not change.")
@click.option("--explain", is_flag=True, help="Say which notebooks would run and why, and run nothing.")
@click.option("--wait", is_flag=True, help="When another run is writing to OUT, wait for it instead of exiting.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the final line.")
@click.option("--allow-modified", is_flag=True,
              help="Run notebooks that differ from their committed source; their pages, run.json and index say so.")
def run_cmd(out, extract, region, year, years, metadata, extra, each, only, config, jobs, force, explain, wait, quiet,
            allow_modified) -> None:
    """Execute the study notebooks and render them to HTML in OUT."""
    from fou.run import procs, runner
    from fou.run.workers import default_size
    from fou.run.lock import OutputBusy

    procs.install_stop_handlers()
    progress = None
    try:
        overrides = {"extract": extract, "region": region, "year": year, "years": years, "metadata": metadata}
        for item in extra:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                fail(f"parameter 'param': invalid value {item!r}; expected NAME=VALUE, e.g. microdata=data.dta")
            overrides[name.strip()] = value
        try:
            from fou.run.each import parse_each

            defaults, entries = runner.load_config(config)
            jobs_list = runner.plan(entries, defaults, overrides, out.resolve(), list(only) or None, parse_each(each),
                                    allow_modified=allow_modified or explain)
        except (ParameterError, ExtractError, DataFileError) as exc:
            fail(str(exc))
        except NotebookChanged as exc:
            for line in exc.lines[:-1]:
                click.echo(f"fou: error: {line}", err=True)
            fail(exc.lines[-1])
        if explain:
            _explain(jobs_list, out, force, allow_modified or allowed_by_env())
            return

        from fou.cli.progress import RunDisplay

        display = RunDisplay(len(jobs_list), quiet=quiet)

        def notice(text: str) -> None:
            click.echo(f"fou: {text}", err=True)

        progress = runner.Progress(jobs_list)
        try:
            runner.run(jobs_list, out.resolve(), workers=jobs or default_size(), force=force, report=display,
                       order=[e.name for e in entries], wait=wait, notice=notice, progress=progress)
        finally:
            display.close()
    except procs.Interrupted as stop:
        done = progress.count("ok", "failed") if progress else 0
        left = progress.count("pending", "running") if progress else 0
        click.echo(f"fou: interrupted by {stop.name}: {done} notebook(s) finished and published, {left} stopped and "
                   f"discarded; {out} holds only complete pages", err=True)
        sys.exit(stop.code)
    except OutputBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except OSError as exc:
        fail(os_error(exc), 1)
    failed = [n for n, s in progress.status.items() if s == "failed"]
    for name in failed:
        e = progress.errors.get(name) or {}
        click.echo(f"fou: notebook {name} failed in cell {e.get('cell')}: {e.get('ename')}: {e.get('evalue')}", err=True)
    total = sum(progress.seconds.values())
    click.echo(f"{len(progress.status) - len(failed)} of {len(progress.status)} notebooks ok "
               f"({total:.1f} s notebook time); open {out / 'index.html'}")
    sys.exit(1 if failed else 0)


def _explain(jobs_list, out: Path, force: bool, allow_modified: bool = False) -> None:
    """Print, per notebook, whether it would run and why."""
    from fou.run import runner

    for job, why in runner.decide(jobs_list, out.resolve(), force):
        state = (job.source.get("notebook") or {}).get("state")
        if state in REFUSED and not allow_modified:  # fou.run.sources
            click.echo(f"stop  {job.name:<32} the notebook is {state}: fou run refuses it without --allow-modified")
        elif why:
            click.echo(f"run   {job.name:<32} " + "; ".join(why))
        else:
            click.echo(f"skip  {job.name:<32} up to date: nothing it reads changed since its last run")
