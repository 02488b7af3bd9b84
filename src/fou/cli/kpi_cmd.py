"""``fou kpi``: find Kolada KPIs (search, show, groups) in Kolada's catalogue."""

from __future__ import annotations

import textwrap

import click

from fou.cli import fail, main
from fou.cli.output import (catalogue_errors, echo_groups, echo_json, echo_listing, group_records, limit_option,
                            metadata_options, more_hint, notes, open_metadata, records, yes_no)

_TYPE = {"K": "municipalities", "L": "regions", "A": "municipalities and regions"}


@main.group("kpi")
def kpi_group() -> None:
    """Find Kolada KPIs: search the catalogue, show one, list thematic KPI groups.

    The catalogue comes from Kolada (cached on disk for 24 h; an older copy is used
    offline), from an extract (--extract) or from a folder of Kolada CSVs (--metadata).
    """


@kpi_group.command("search")
@click.argument("text", nargs=-1)
@click.option("--area", default=None, help="Words of Kolada's operating area, e.g. 'Arbetsmarknad'.")
@click.option("--type", "mtype", type=click.Choice(["K", "L"], case_sensitive=False), default=None,
              help="K: KPIs for municipalities, L: for regions (KPIs for both are kept).")
@limit_option(20)
@metadata_options
@catalogue_errors
def search_cmd(text, area, mtype, limit, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Search titles and descriptions of Kolada's KPIs, best match first.

    Example: fou kpi search försörjningshinder --type K
    """
    from fou.extracts.names import words
    from fou.kolada.search import search_kpis

    query = " ".join(text)
    if not words(query) and not words(area):
        fail(f"parameter 'text': invalid value {query!r}; nothing to search for; give words such as "
             "'försörjningshinder' or --area")
    md = open_metadata(extract, folder, base_url, refresh, timeout)
    catalogue = md.kpis()
    hits = search_kpis(catalogue, query, area=area, municipality_type=mtype)
    shown = hits if limit == 0 else hits.head(limit)
    notes(md)
    echo_listing(shown.assign(gender=shown["is_divided_by_gender"].map(yes_no)), as_json=as_json,
                 json_rows=records(shown.drop(columns="score")),
                 columns={"id": "id", "title": "title", "municipality_type": "type", "gender": "K/M",
                          "publ_period": "period", "prel_publication_date": "preliminary", "publication_date": "published"},
                 empty=f"no KPI matches {query!r} among {len(catalogue)} KPIs ({md.origin})",
                 footer=f"{len(shown)} of {len(hits)} matching KPIs ({len(catalogue)} in {md.origin})"
                        f"{more_hint(shown, hits)}. Details: fou kpi show ID")


@kpi_group.command("show")
@click.argument("ids", nargs=-1, required=True)
@metadata_options
@catalogue_errors
def show_cmd(ids, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Everything Kolada says about KPIs: description, unit type, gender split, publication dates."""
    wanted = [i.strip().upper() for raw in ids for i in raw.split(",") if i.strip()]
    if not wanted:
        fail(f"parameter 'id': invalid value {' '.join(ids)!r}; expected KPI ids such as N31858 (comma-separated); "
             "find ids with `fou kpi search TEXT`")
    md = open_metadata(extract, folder, base_url, refresh, timeout)
    catalogue = md.kpis()
    found = catalogue[catalogue["id"].isin(wanted)].set_index("id")
    missing = [i for i in wanted if i not in found.index]
    notes(md)
    if missing:
        known = sorted(catalogue["id"].astype(str))
        starts = (missing[0][:n] for n in range(len(missing[0]), 2, -1))  # the longest start some ids share
        close = next((ids[:5] for s in starts if (ids := [i for i in known if i.startswith(s)])), [])
        hint = f"; ids starting alike: {', '.join(close)}" if close else ""
        fail(f"parameter 'id': invalid value {', '.join(missing)!r}; not in Kolada's catalogue ({md.origin}){hint}; "
             "find ids with `fou kpi search TEXT`")
    rows = found.loc[wanted].reset_index()
    if as_json:
        echo_json(records(rows))
        return
    for r in records(rows):
        click.echo(f"{r['id']}  {r['title'] or '(no title in ' + md.origin + ')'}")
        for line in textwrap.wrap(str(r.get("description") or f"(no description in {md.origin})"), 88):
            click.echo(f"    {line}")
        mt = r.get("municipality_type")
        gender = {True: "yes (T, K and M)", False: "no (T only: missing K/M rows are not missing values)"}
        fields = [
            ("municipality_type", f"{mt} ({_TYPE.get(mt, 'unknown')})" if mt else None),
            ("is_divided_by_gender", gender.get(r.get("is_divided_by_gender"))),
            ("has_ou_data", yes_no(r.get("has_ou_data")) + (" (fou fetch --ou)" if r.get("has_ou_data") else "")),
            ("operating_area", r.get("operating_area")), ("perspective", r.get("perspective")),
            ("auspice", r.get("auspice")), ("publ_period", r.get("publ_period")),
            ("prel_publication_date", r.get("prel_publication_date")), ("publication_date", r.get("publication_date")),
        ]
        for name, value in fields:
            click.echo(f"  {name:<22} {value if value not in (None, '') else '–'}")
        click.echo("")


@kpi_group.command("groups")
@click.argument("text", nargs=-1)
@click.option("--members/--no-members", default=None, help="List each group's KPIs (default: when at most 3 groups match).")
@metadata_options
@catalogue_errors
def groups_cmd(text, members, as_json, extract, folder, base_url, refresh, timeout) -> None:
    """Kolada's thematic KPI groups whose title matches TEXT, with their KPIs."""
    from fou.kolada.search import search_groups

    md = open_metadata(extract, folder, base_url, refresh, timeout)
    groups = md.kpi_groups()
    hits = search_groups(groups, " ".join(text))
    notes(md)
    if as_json:
        echo_json(group_records(hits, groups))
    elif groups.empty:
        click.echo(f"no KPI groups in {md.origin}")
    elif hits.empty:
        click.echo(f"no KPI group matches {' '.join(text)!r} among {groups['group_id'].nunique()} groups ({md.origin})")
    else:
        echo_groups(hits, groups, members, "KPIs")
