"""``fou fetch``: write an extract from the Kolada API."""

from __future__ import annotations

import contextlib
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
    requested = src["queries"]["years"] if isinstance(src["queries"]["years"], list) else gaps.get("years_with_values") or []
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


@contextlib.contextmanager
def stop_on_signals():
    """SIGINT/SIGTERM raise ``Interrupted`` (exit 130/143, as in ``fou run``) while the block runs;
    the previous handlers come back afterwards (the command may run inside another program)."""
    import signal
    import threading

    from fou.run import procs

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.getsignal(sig) for sig in procs.STOP_SIGNALS}
    procs.install_stop_handlers()
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def client_options(f):
    """The options every command that talks to Kolada's data API shares."""
    for decorator in reversed([
        click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3)."),
        click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request."),
        click.option("--deadline", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Give up after this many seconds in total, every retry and wait (Retry-After too) included."),
        click.option("--max-wait", type=click.FloatRange(min=0), default=60.0, show_default=True,
                     help="Without --deadline: stop when Kolada asks to wait longer than this (Retry-After)."),
        click.option("--verbose", "-v", is_flag=True, help="Print every request URL and where its answer came from."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or progress messages."),
    ]):
        f = decorator(f)
    return f


def make_client(base_url, timeout, deadline, max_wait, verbose, quiet, *, cache: bool = True, refresh: bool = False):
    """A Kolada client that reports on stderr: retries and notices (unless ``quiet``), every URL
    (``verbose``), a live bar on a terminal, plain lines otherwise, nothing with ``quiet``."""
    from fou.extracts.paths import default_cache_dir
    from fou.kolada.client import KoladaClient

    def say(text: str) -> None:
        if not quiet:
            click.echo(f"fou: {text}", err=True)

    if cache and (problem := _cache_problem(default_cache_dir())):
        click.echo(f"fou: warning: cannot use the cache folder ({problem}); fetching without it "
                   "(set FOU_CACHE_DIR to a writable folder)", err=True)
        cache = False
    progress = None if quiet or verbose else ("bar" if sys.stderr.isatty() else "lines")
    log = (lambda text: click.echo(f"fou: {text}", err=True)) if verbose else None
    return KoladaClient(base_url, timeout=timeout, cache=cache, refresh=refresh, progress=progress,
                        deadline=deadline, max_wait=max_wait, say=say, log=log)


@main.command("fetch")
@click.option("--kpi", "kpi", default=None, help="Comma-separated KPI ids, e.g. N01951,N31858.")
@click.option("--kpi-group", default=None, help="Every KPI of a Kolada KPI group (id such as GK1, or its exact title).")
@click.option("--municipality", default=None, help="Ids, names, a group (name or G-id), or 'all' (every unit incl. Riket).")
@click.option("--study", "study_id", default=None, help="Fetch every KPI of a study (gr-2023) for --region plus Riket.")
@click.option("--region", default=None, help="With --study: region name, group id or municipalities.")
@click.option("--group-values", is_flag=True,
              help="Also fetch the group itself as Kolada computes it (unweighted mean of the members, with count).")
@click.option("--ou", default=None, help="Organisational units (schools, care units): ids, or 'all' in --municipality.")
@click.option("--years", default=None, help="Years, e.g. 2010-2022 or 2019,2021 (default: every year Kolada has).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Extract folder to write (a new folder; see --overwrite).")
@click.option("--overwrite", is_flag=True, help="Replace an extract that fou fetch wrote earlier at --out.")
@client_options
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk HTTP cache.")
@click.option("--refresh", is_flag=True, help="Ask Kolada again for everything (the cache is bypassed, then updated).")
@click.option("--dry-run", is_flag=True, help="Print the requests the fetch would make, fetch no values, write nothing.")
def fetch_cmd(kpi, kpi_group, municipality, study_id, region, group_values, ou, years, out, overwrite, base_url,
              timeout, deadline, max_wait, verbose, quiet, no_cache, refresh, dry_run) -> None:
    """Fetch values from Kolada into an extract folder (values.csv + manifest.json), atomically."""
    from fou.cli.run_cmd import os_error
    from fou.extracts.params import parse_years
    from fou.kolada.client import KoladaError
    from fou.kolada.fetch import check_target, fetch_extract, parse_kpis
    from fou.run import procs
    from fou.study.definition import DEFAULT_REGION, RIKET_ID, study_kpis

    try:
        with stop_on_signals():
            try:
                ys = parse_years(years) if years is not None else None
                extra: tuple[str, ...] = ()
                if out is None and not dry_run:
                    raise ParameterError("out", None, "the extract folder to write is needed, e.g. --out data/extracts/NAME")
                if kpi is not None and kpi_group is not None:
                    raise ParameterError("kpi-group", kpi_group, "use either --kpi or --kpi-group")
                if study_id:
                    if kpi is not None or kpi_group is not None or municipality:
                        raise ParameterError("study", study_id, "use either --study with --region, or --kpi with --municipality")
                    kpis = study_kpis(study_id)
                    municipality, extra = region or DEFAULT_REGION, (RIKET_ID,)
                elif kpi is None and kpi_group is None:
                    raise ParameterError("kpi", None, "--kpi (KPI ids) or --kpi-group is needed, or --study with --region")
                elif ou:
                    if group_values:
                        raise ParameterError("ou", ou, "--ou fetches organisational units; --group-values is for municipality groups")
                    kpis = parse_kpis(kpi) if kpi is not None else None
                else:
                    kpis = parse_kpis(kpi) if kpi is not None else None
                    if not municipality:
                        raise ParameterError("municipality", municipality, "the units to fetch are needed: ids, names, a "
                                             "group or 'all' (or --study with --region)")
                if years is None and not ou and not municipality:
                    raise ParameterError("years", None, "needed unless --municipality names the units")
                if out is not None:
                    check_target(out, overwrite)
                client = make_client(base_url, timeout, deadline, max_wait, verbose, quiet, cache=not no_cache,
                                     refresh=refresh)
                if kpis is None:
                    kpis = _group_kpis(client, kpi_group)
                if dry_run:
                    _print_plan(client, kpis, ou, municipality, ys, extra, study_id, group_values)
                    return
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
    except procs.Interrupted as stop:
        click.echo(f"fou: interrupted by {stop.name}: fetch stopped, nothing written to {out}", err=True)
        sys.exit(stop.code)
    _report(ex, group_values)


def _group_kpis(client, group: str) -> list[str]:
    """The member KPIs of a Kolada KPI group named by id or exact title."""
    groups = client.kpi_groups()
    want = group.strip().lower()
    hit = groups[(groups["group_id"].str.lower() == want) | (groups["group_title"].str.lower() == want)]
    if hit.empty:
        raise ParameterError("kpi-group", group, "Kolada has no KPI group with that id or title; "
                             "find groups with `fou kpi groups TEXT`")
    return sorted(hit["member_id"].unique())


def _print_plan(client, kpis, ou, municipality, years, extra, study_id, group_values) -> None:
    """``--dry-run``: the requests a fetch would make (metadata is asked for, values are not)."""
    from fou.kolada.fetch import plan_fetch

    if ou:
        from fou.kolada.oufetch import find_ous, parse_ou_ids

        table, _ = find_ous(client, parse_ou_ids(ou), municipality)
        paths = client.plan_requests(kpis, table["id"].tolist(), years, ou=True)
    else:
        *_, plan, warnings = plan_fetch(kpis, municipality, years, client, extra_units=extra,
                                        units_parameter="region" if study_id else "municipality",
                                        group_values=group_values)
        paths = [p for k, u in plan for p in client.plan_requests(k, u, years)]
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
    click.echo(f"{len(paths)} request set(s) (each one request of up to {client.per_page} items, more pages if needed) "
               f"to {client.base_url}:")
    for path in paths:
        click.echo(f"  {client.base_url}/{path}?per_page={client.per_page}")


def _report(ex, group_values: bool) -> None:
    src = ex.manifest["source"]
    missing = (src.get("not_returned") or {}).get("kpis_without_values", [])
    got = len(src["queries"]["kpis"]) - len(missing)
    req = src["requests"]
    cached = f", {req['cached']} from cache, values as of {src['fetched_at']}" if req["cached"] else ""
    click.echo(f"wrote {ex.path}: {len(ex.values)} values, {got} of {len(src['queries']['kpis'])} KPIs with values, "
               f"years {ex.years[0]}–{ex.years[-1]} ({req['network']} requests{cached})")
    if src.get("not_returned"):
        _report_gaps(ex)
    for warning in src.get("warnings") or []:
        click.echo(f"warning: {warning}", err=True)
    if group_values:
        from fou.cli.output import echo_group_values

        echo_group_values(ex.values)
