"""``fou fetch``: write an extract from the Kolada API."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fou.cli import fail, main
from fou.extracts.format import ExtractError
from fou.extracts.params import ParameterError


@main.command("fetch")
@click.option("--kpi", "kpi", default=None, help="Comma-separated KPI ids, e.g. N01951,N31858.")
@click.option("--municipality", default=None, help="Ids, names, a group (name or G-id), or 'all' (every unit incl. Riket).")
@click.option("--study", "study_id", default=None, help="Fetch every KPI of a study (gr-2023) for --region plus Riket.")
@click.option("--region", default=None, help="With --study: region name, group id or municipalities.")
@click.option("--group-values", is_flag=True,
              help="Also fetch the group itself as Kolada computes it (unweighted mean of the members, with count).")
@click.option("--ou", default=None, help="Organisational units (schools, care units): ids, or 'all' in --municipality.")
@click.option("--years", required=True, help="Years, e.g. 2010-2022 or 2019,2021.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Extract folder to write.")
@click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3).")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("--no-cache", is_flag=True, help="Do not use the on-disk HTTP cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def fetch_cmd(kpi, municipality, study_id, region, group_values, ou, years, out, base_url, timeout, no_cache, quiet) -> None:
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
        elif ou:
            if group_values:
                raise ParameterError("ou", ou, "--ou fetches organisational units; --group-values is for municipality groups")
            kpis = parse_kpis(kpi or "")
        else:
            if not kpi or not municipality:
                raise ParameterError("kpi" if not kpi else "municipality", kpi or municipality,
                                     "both --kpi and --municipality are needed (or --study with --region)")
            kpis = parse_kpis(kpi)
        client = KoladaClient(base_url, timeout=timeout, cache=not no_cache, progress=not quiet and sys.stderr.isatty())
        if ou:
            from fou.kolada.oufetch import fetch_ou_extract

            ex = fetch_ou_extract(out, kpis, ou, municipality, ys, client)
        else:
            ex = fetch_extract(out, kpis, municipality, ys, client, extra_units=extra, study_id=study_id,
                               units_parameter="region" if study_id else "municipality", group_values=group_values)
    except ParameterError as exc:
        fail(str(exc), 2)
    except (KoladaError, ExtractError) as exc:
        fail(f"fetch failed, nothing written to {out}: {exc}", 1)
    src = ex.manifest["source"]
    click.echo(f"wrote {ex.path}: {len(ex.values)} values, {len(ex.kpis)} KPIs, years {ex.years[0]}–{ex.years[-1]} "
               f"({src['requests']['network']} requests, {src['requests']['cached']} from cache)")
    for warning in src.get("warnings") or []:
        click.echo(f"warning: {warning}", err=True)
    if group_values:
        from fou.cli.output import echo_group_values

        echo_group_values(ex.values)
