"""``fou units``, ``fou groups``, ``fou ou``: find municipalities, regions, groups and
organisational units (schools, preschools, care units) with their Kolada ids."""

from __future__ import annotations

import click

from fou.cli import fail, main
from fou.cli.output import (api_options, catalogue_errors, echo_groups, echo_json, echo_listing, group_records,
                            limit_option, metadata_options, more_hint, notes, open_metadata)

_KIND = {"K": "municipalities", "L": "regions"}


@main.command("units")
@click.argument("text", nargs=-1)
@click.option("--type", "utype", type=click.Choice(["K", "L"], case_sensitive=False), default=None,
              help="K: municipalities, L: regions and 0000 Riket.")
@metadata_options
@catalogue_errors
def units_cmd(text, utype, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Municipalities and regions whose name or id matches TEXT (all without TEXT).

    Words start words of the name (å, ä, ö are letters; 'malmo' still finds Malmö, after
    names spelt so); ids match by their start (14 → 1401, 1402, ...).

    Example: fou units göteborg
    """
    from fou.kolada.search import search_units

    md = open_metadata(extract, folder, base_url, refresh, timeout)
    units = md.units()
    among = units[units["type"] == utype.upper()] if utype else units
    what = _KIND[utype.upper()] if utype else "units"
    hits = search_units(units, " ".join(text), utype)
    notes(md)
    echo_listing(hits, as_json=as_json, columns={"id": "id", "title": "title", "type": "type"},
                 empty=f"no unit matches {' '.join(text)!r} among {len(among)} {what} ({md.origin}); "
                       "groups: fou groups TEXT",
                 footer=f"{len(hits)} of {len(among)} {what} ({md.origin})")


@main.command("groups")
@click.argument("text", nargs=-1)
@click.option("--member", default=None, help="Only groups with this member (id or name), e.g. 1480 or Göteborg.")
@click.option("--members/--no-members", default=None, help="List each group's members (default: when at most 3 groups match).")
@limit_option(50)
@metadata_options
@catalogue_errors
def groups_cmd(text, member, members, limit, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Kolada's municipality groups (regions, "Liknande kommuner", ...) whose title matches TEXT.

    Example: fou groups liknande arbetsmarknad --member Göteborg
    """
    from fou.kolada.search import member_ids, search_groups

    md = open_metadata(extract, folder, base_url, refresh, timeout)
    groups = md.groups()
    if member is not None and not member_ids(groups, member):
        fail(f"parameter 'member': invalid value {member!r}; no group among {groups['group_id'].nunique()} "
             f"({md.origin}) has it as a member; give a municipality id such as 1480 or a name such as Göteborg")
    hits = search_groups(groups, " ".join(text), member)
    shown = hits if limit == 0 else hits.head(limit)
    notes(md)
    if as_json:
        echo_json(group_records(shown, groups))
        return
    if hits.empty:
        click.echo(f"no group{' with member ' + repr(member) if member else ''} matches {' '.join(text)!r} "
                   f"among {groups['group_id'].nunique()} groups ({md.origin})")
        return
    echo_groups(shown, groups, members, "members")
    click.echo(f"\n{len(shown)} of {len(hits)} matching groups ({md.origin}){more_hint(shown, hits)}. "
               "Kolada's own group values: fou fetch --municipality ID --group-values")


@main.command("ou")
@click.argument("text", nargs=-1)
@click.option("--municipality", default=None, help="Only units in these municipalities (ids, names or a group).")
@click.option("--type", "ou_type", default=None, help="Only this kind of unit (id prefix such as V15).")
@limit_option(50)
@api_options
@catalogue_errors
def ou_cmd(text, municipality, ou_type, limit, as_json, base_url, timeout) -> None:
    """Organisational units (schools, preschools, care units) whose name matches TEXT; asks Kolada's /ou.

    Example: fou ou skola --municipality Ale
    """
    from fou.extracts.names import has_swedish_letters, words
    from fou.extracts.regions import Catalogue
    from fou.kolada.client import KoladaClient
    from fou.kolada.oufetch import ou_table
    from fou.kolada.search import filter_titles

    client = KoladaClient(base_url, timeout=timeout)
    units = client.municipalities()
    munis = list(Catalogue(units, client.groups()).resolve(municipality, "municipality").ids) if municipality else None
    query = " ".join(text)
    longest = max(words(query), key=len, default=None)
    ous = client.ous(title=longest, municipalities=munis)  # Kolada filters by the longest word
    if ous.empty and longest and munis and not has_swedish_letters(longest):
        ous = client.ous(municipalities=munis)  # 'forskola' for Förskolan: å, ä, ö folded, as a fallback
    table = filter_titles(ou_table(ous, dict(zip(units["id"], units["title"]))), query)
    if ou_type:
        table = table[table["unit_type"].str.upper() == ou_type.upper()]
    shown = table if limit == 0 else table.head(limit)
    where = f" in {municipality}" if municipality else ""
    kind = f" of type {ou_type}" if ou_type else ""
    echo_listing(shown, as_json=as_json, columns={"id": "id", "title": "title", "unit_type": "type",
                                                  "municipality_id": "municipality id", "municipality": "municipality"},
                 empty=f"no organisational unit{kind}{where} matches {query!r} ({client.base_url})",
                 footer=f"{len(shown)} of {len(table)} units ({client.base_url}){more_hint(shown, table)}. "
                        "Values: fou fetch --ou ID,ID --kpi ...")
