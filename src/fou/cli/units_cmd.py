"""``fou units``, ``fou groups``, ``fou ou``: find municipalities, regions, groups and
organisational units (schools, preschools, care units) with their Kolada ids."""

from __future__ import annotations

import click

from fou.cli import main
from fou.cli.output import (catalogue_errors, echo_groups, echo_json, echo_table, metadata_options, notes,
                            open_metadata, records)


@main.command("units")
@click.argument("text", nargs=-1)
@click.option("--type", "utype", type=click.Choice(["K", "L"], case_sensitive=False), default=None,
              help="K: municipalities, L: regions and 0000 Riket.")
@metadata_options
@catalogue_errors
def units_cmd(text, utype, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Municipalities and regions whose name or id contains TEXT (all without TEXT).

    Example: fou units göteborg
    """
    from fou.kolada.search import search_units

    md = open_metadata(extract, folder, base_url, refresh, timeout)
    units = md.units()
    hits = search_units(units, " ".join(text), utype)
    notes(md)
    if as_json:
        echo_json(records(hits))
        return
    if hits.empty:
        click.echo(f"no unit matches {' '.join(text)!r} among {len(units)} units ({md.origin}); groups: fou groups TEXT")
        return
    echo_table(hits, {"id": "id", "title": "title", "type": "type"})
    click.echo(f"{len(hits)} of {len(units)} units ({md.origin})")


@main.command("groups")
@click.argument("text", nargs=-1)
@click.option("--member", default=None, help="Only groups with this member (id or name), e.g. 1480 or Göteborg.")
@click.option("--members/--no-members", default=None, help="List each group's members (default: when at most 3 groups match).")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="Groups to show (0: all).")
@metadata_options
@catalogue_errors
def groups_cmd(text, member, members, limit, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Kolada's municipality groups (regions, "Liknande kommuner", ...) whose title contains TEXT.

    Example: fou groups liknande arbetsmarknad --member Göteborg
    """
    from fou.kolada.search import members as group_members, search_groups

    md = open_metadata(extract, folder, base_url, refresh, timeout)
    groups = md.groups()
    hits = search_groups(groups, " ".join(text), member)
    shown = hits if limit == 0 else hits.head(limit)
    notes(md)
    if as_json:
        echo_json([{**g, "members": records(group_members(groups, g["id"]))} for g in records(shown)])
        return
    if hits.empty:
        click.echo(f"no group matches {' '.join(text)!r} among {groups['group_id'].nunique()} groups ({md.origin})")
        return
    echo_groups(shown, groups, members, "members")
    more = "; --limit 0 shows all" if len(hits) > len(shown) else ""
    click.echo(f"\n{len(shown)} of {len(hits)} matching groups ({md.origin}){more}. "
               "Kolada's own group values: fou fetch --municipality ID --group-values")


@main.command("ou")
@click.argument("text", nargs=-1)
@click.option("--municipality", default=None, help="Only units in these municipalities (ids, names or a group).")
@click.option("--type", "ou_type", default=None, help="Only this kind of unit (id prefix such as V15).")
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="Rows to show (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table.")
@click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3).")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@catalogue_errors
def ou_cmd(text, municipality, ou_type, limit, as_json, base_url, timeout) -> None:
    """Organisational units (schools, preschools, care units) whose name contains TEXT; asks Kolada's /ou.

    Example: fou ou skola --municipality Ale
    """
    from fou.extracts.regions import Catalogue
    from fou.kolada.client import KoladaClient
    from fou.kolada.oufetch import ou_table
    from fou.kolada.search import fold, terms

    client = KoladaClient(base_url, timeout=timeout)
    units = client.municipalities()
    munis = list(Catalogue(units, client.groups()).resolve(municipality, "municipality").ids) if municipality else None
    words = terms(" ".join(text))
    table = ou_table(client.ous(title=max(words, key=len) if words else None, municipalities=munis),
                     dict(zip(units["id"], units["title"])))
    table = table[[all(w in fold(t) for w in words) for t in table["title"]]]
    if ou_type:
        table = table[table["unit_type"].str.upper() == ou_type.upper()]
    shown = table if limit == 0 else table.head(limit)
    if as_json:
        echo_json(records(shown))
        return
    if table.empty:
        click.echo(f"no organisational unit matches {' '.join(text)!r} ({client.base_url})")
        return
    echo_table(shown, {"id": "id", "title": "title", "unit_type": "type", "municipality_id": "municipality id",
                       "municipality": "municipality"})
    click.echo(f"{len(shown)} of {len(table)} units ({client.base_url}). Values: fou fetch --ou ID,ID --kpi ...")
