"""Ranked text search over Kolada's catalogues (KPIs, units, groups).

Matching is Swedish (:mod:`fou.extracts.names`): å, ä, ö are letters of their own,
every word of the query must start a word of the text (or, from six letters on,
stand inside a compound), inflected query words are stemmed, ids match by their
start (``N0195`` finds ``N01951``), and a word typed without å, ä, ö may match with
them folded as a lower-ranked fallback (``Malmo`` finds Malmö). A KPI scores most
for its id, then for words in its title, least for words only in its description;
ties go to the shorter title, then the id.
"""

from __future__ import annotations

import pandas as pd

from fou.extracts.names import name_matches, rank, words

#: Columns of a group listing (one row per group).
GROUP_SUMMARY = ["id", "title", "members"]


def search_kpis(catalogue: pd.DataFrame, query: str | None, *, area: str | None = None,
                municipality_type: str | None = None) -> pd.DataFrame:
    """KPIs matching ``query`` in id, title or description, best first, with a ``score``.

    ``area``: words of Kolada's ``operating_area`` (each starting a word of it);
    ``municipality_type``: ``K`` or ``L`` keeps KPIs of that type and those for both (``A``)."""
    df = catalogue
    if area:
        df = rank(df, area, id_col=None, title_col="operating_area").drop(columns="score")
    if municipality_type:
        df = df[df["municipality_type"].isin([municipality_type.upper(), "A"])]
    return rank(df, query, description_col="description", tiebreak=("_len", "id"))


def search_units(units: pd.DataFrame, query: str | None = None, unit_type: str | None = None) -> pd.DataFrame:
    """Municipalities and regions whose id or name matches every word, best (an exact name) first."""
    df = units[units["type"] == unit_type.upper()] if unit_type else units
    return rank(df, query)[["id", "title", "type"]]


def search_groups(groups: pd.DataFrame, query: str | None = None, member: str | None = None) -> pd.DataFrame:
    """Groups (one row each: ``id, title, members``) whose id or title matches every word;
    ``member`` keeps groups with that member (id or exact name)."""
    df = groups
    if member:
        df = df[df["group_id"].isin(set(df.loc[df["member_id"].isin(member_ids(df, member)), "group_id"]))]
    summary = (df.groupby("group_id", sort=False)
               .agg(title=("group_title", "first"), members=("member_id", "size")).reset_index()
               .rename(columns={"group_id": "id"}))
    summary = summary.reindex(columns=GROUP_SUMMARY)
    return rank(summary, query, tiebreak=("title",))[GROUP_SUMMARY]


def member_ids(groups: pd.DataFrame, member: str) -> list[str]:
    """The member ids ``member`` names: an id, or a name as :func:`~fou.extracts.names.name_matches` resolves it."""
    m = member.strip()
    if m in set(groups["member_id"]):
        return [m]
    pairs = groups[["member_id", "member_title"]].drop_duplicates("member_id")
    return name_matches(m, zip(pairs["member_id"], pairs["member_title"]))


def members(groups: pd.DataFrame, group_id: str) -> pd.DataFrame:
    """The members of one group: ``id, title``."""
    rows = groups[groups["group_id"] == group_id]
    return rows.rename(columns={"member_id": "id", "member_title": "title"})[["id", "title"]].reset_index(drop=True)


def filter_titles(table: pd.DataFrame, query: str | None, column: str = "title") -> pd.DataFrame:
    """Rows of ``table`` whose ``column`` matches every word of ``query`` (same rules), in their order."""
    if not words(query) or table.empty:
        return table
    hits = rank(table.assign(_row=range(len(table))), query, id_col=None, title_col=column, tiebreak=("_row",))
    return hits.sort_values("_row").drop(columns=["_row", "score"]).reset_index(drop=True)
