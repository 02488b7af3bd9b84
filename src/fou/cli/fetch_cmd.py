"""``fou fetch``: write an extract from the Kolada API."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from fou.cli import fail, main
from fou.extracts.format import ExtractError
from fou.extracts.params import ParameterError


def _cache_problem(folder: Path) -> str | None:
    """Why the HTTP cache cannot be used (None when it can)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as exc:
        return f"{exc.filename or folder}: {exc.strerror or exc}"
    return None


def _report_gaps(ex) -> None:
    """Warn, per KPI and year, about what Kolada returned no values for."""
    from fou.kolada.fetch import span

    src = ex.manifest["source"]
    gaps = src.get("not_returned") or {}
    titles = src.get("kpi_titles") or {}
    requested = src["queries"]["years"]
    empty = gaps.get("kpis_without_values") or []
    if empty:
        click.echo(f"fou: warning: Kolada returned no values for {len(empty)} of {len(src['queries']['kpis'])} KPIs:",
                   err=True)
        for k in empty:
            click.echo(f"  {k} {titles.get(k, '')}", err=True)
    got = gaps.get("years_with_values") or []
    if gaps.get("years_without_values"):
        click.echo(f"fou: warning: no values at all for {span(gaps['years_without_values'])} (requested "
                   f"{span(requested)}; Kolada returned values for {span(got) if got else 'no year'})", err=True)
    for kpi, years in (gaps.get("kpi_years_without_values") or {}).items():
        click.echo(f"fou: warning: {kpi} ({titles.get(kpi, '?')}) has no values for {span(years)}", err=True)


@main.command("fetch")
@click.option("--kpi", "kpi", default=None, help="Comma-separated KPI ids, e.g. N01951,N31858.")
@click.option("--municipality", default=None, help="Ids, names, a group (name or G-id), or 'all' (every unit incl. Riket).")
@click.option("--study", "study_id", default=None, help="Fetch every KPI of a study (gr-2023) for --region plus Riket.")
@click.option("--region", default=None, help="With --study: region name, group id or municipalities.")
@click.option("--group-values", is_flag=True,
              help="Also fetch the group itself as Kolada computes it (unweighted mean of the members, with count).")
@click.option("--ou", default=None, help="Organisational units (schools, care units): ids, or 'all' in --municipality.")
@click.option("--years", required=True, help="Years, e.g. 2010-2022 or 2019,2021.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Extract folder to write (a new folder; see --overwrite).")
@click.option("--overwrite", is_flag=True, help="Replace an extract that fou fetch wrote earlier at --out.")
@click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3).")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Give up after this many seconds in total, retries included (default: no limit).")
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk HTTP cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or progress messages.")
def fetch_cmd(kpi, municipality, study_id, region, group_values, ou, years, out, overwrite, base_url, timeout, deadline,
              no_cache, quiet) -> None:
    """Fetch values from Kolada into an extract folder (values.csv + manifest.json), atomically."""
    from fou.cli.run_cmd import os_error
    from fou.extracts.params import parse_years
    from fou.extracts.paths import default_cache_dir
    from fou.kolada.client import KoladaError
    from fou.kolada.fetch import check_target, fetch_extract, parse_kpis
    from fou.kolada.watch import WatchedClient
    from fou.study.definition import DEFAULT_REGION, RIKET_ID, study_kpis

    def say(text: str) -> None:
        if not quiet:
            click.echo(f"fou: {text}", err=True)

    try:
        ys = parse_years(years)
        extra: tuple[str, ...] = ()
        if study_id:
            if kpi or municipality:
                raise ParameterError("study", study_id, "use either --study with --region, or --kpi with --municipality")
            kpis = study_kpis(study_id)
            municipality, extra = region or DEFAULT_REGION, (RIKET_ID,)
        elif ou:
            if group_values:
                raise ParameterError("ou", ou, "--ou fetches organisational units; --group-values is for municipality groups")
            kpis = parse_kpis(kpi or "")
        else:
            if not kpi or not municipality:
                raise ParameterError("kpi" if not kpi else "municipality", kpi or municipality,
                                     "both --kpi and --municipality are needed (or --study with --region)")
            kpis = parse_kpis(kpi)
        check_target(out, overwrite)
        cache = not no_cache
        if cache and (problem := _cache_problem(default_cache_dir())):
            click.echo(f"fou: warning: cannot use the cache folder ({problem}); fetching without it "
                       "(set FOU_CACHE_DIR to a writable folder)", err=True)
            cache = False
        client = WatchedClient(base_url, timeout=timeout, cache=cache, progress=not quiet and sys.stderr.isatty(),
                               deadline=deadline, say=say)
        if ou:
            from fou.kolada.oufetch import fetch_ou_extract

            ex = fetch_ou_extract(out, kpis, ou, municipality, ys, client)
        else:
            ex = fetch_extract(out, kpis, municipality, ys, client, extra_units=extra, study_id=study_id,
                               units_parameter="region" if study_id else "municipality", group_values=group_values,
                               overwrite=overwrite)
    except ParameterError as exc:
        fail(str(exc), 2)
    except (KoladaError, ExtractError) as exc:
        fail(f"fetch failed, nothing written to {out}: {exc}", 1)
    except OSError as exc:
        fail(f"fetch failed, nothing written to {out}: {os_error(exc)}", 1)
    src = ex.manifest["source"]
    missing = (src.get("not_returned") or {}).get("kpis_without_values", [])
    got = len(src["queries"]["kpis"]) - len(missing)
    click.echo(f"wrote {ex.path}: {len(ex.values)} values, {got} of {len(src['queries']['kpis'])} KPIs with values, "
               f"years {ex.years[0]}–{ex.years[-1]} ({src['requests']['network']} requests, "
               f"{src['requests']['cached']} from cache)")
    if src.get("not_returned"):
        _report_gaps(ex)
    for warning in src.get("warnings") or []:
        click.echo(f"warning: {warning}", err=True)
    if group_values:
        from fou.cli.output import echo_group_values

        echo_group_values(ex.values)
