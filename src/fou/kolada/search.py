"""Ranked text search over Kolada's catalogues (KPIs, units, groups).

Matching ignores case and accents (``forsorjningshinder`` finds
``försörjningshinder``); every word of the query must occur. A KPI scores most
for its id, then for words in its title (more at the start of a word, more again
for the whole phrase), least for words only in its description. Ties go to the
shorter title, then the id.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd


def fold(text: object) -> str:
    """Lower case without accents: ``"Försörjningshinder"`` → ``"forsorjningshinder"``."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms(query: str | None) -> list[str]:
    """The words of a query, folded."""
    return [t for t in re.split(r"[\s,;]+", fold(query or "")) if t]


def _score_text(words: list[str], phrase: str, title: str, description: str, ident: str) -> float:
    score = 0.0
    for w in words:
        if w == ident:
            score += 100
        elif re.search(rf"(^|\W){re.escape(w)}", title):
            score += 4
        elif w in title:
            score += 3
        elif w in description:
            score += 1
        else:
            return 0.0
    if len(words) > 1 and phrase in title:
        score += 5
    if title.startswith(phrase):
        score += 2
    return score


def search_kpis(catalogue: pd.DataFrame, query: str | None, *, area: str | None = None,
                municipality_type: str | None = None) -> pd.DataFrame:
    """KPIs matching ``query`` in id, title or description, best first, with a ``score``.

    ``area``: words of Kolada's ``operating_area``; ``municipality_type``: ``K`` or
    ``L`` keeps KPIs of that type and those for both (``A``)."""
    df = catalogue.copy()
    if area:
        wanted = terms(area)
        df = df[[all(w in fold(a) for w in wanted) for a in df["operating_area"]]]
    if municipality_type:
        df = df[df["municipality_type"].isin([municipality_type.upper(), "A"])]
    words = terms(query)
    if not words:
        return df.assign(score=0.0).sort_values("id").reset_index(drop=True)
    phrase = " ".join(words)
    df["score"] = [_score_text(words, phrase, fold(t), fold(d), fold(i))
                   for t, d, i in zip(df["title"], df["description"], df["id"])]
    df = df[df["score"] > 0].assign(_len=lambda d: d["title"].map(lambda t: len(str(t))))
    return df.sort_values(["score", "_len", "id"], ascending=[False, True, True]).drop(columns="_len").reset_index(drop=True)


def _matches(words: list[str], *fields: object) -> bool:
    text = " ".join(fold(f) for f in fields)
    return all(w in text for w in words)


def search_units(units: pd.DataFrame, query: str | None = None, unit_type: str | None = None) -> pd.DataFrame:
    """Municipalities and regions whose id or name contains every word, exact names first."""
    df = units
    if unit_type:
        df = df[df["type"] == unit_type.upper()]
    words = terms(query)
    if words:
        df = df[[_matches(words, i, t) for i, t in zip(df["id"], df["title"])]]
        exact = [fold(t) == " ".join(words) or i == (query or "").strip() for i, t in zip(df["id"], df["title"])]
        df = df.assign(_exact=exact).sort_values(["_exact", "id"], ascending=[False, True]).drop(columns="_exact")
    else:
        df = df.sort_values("id")
    return df[["id", "title", "type"]].reset_index(drop=True)


def search_groups(groups: pd.DataFrame, query: str | None = None, member: str | None = None) -> pd.DataFrame:
    """Groups (one row each: ``id, title, members``) whose id or title contains every word;
    ``member`` keeps groups with that member (id or exact name)."""
    df = groups
    if member:
        m = fold(member.strip())
        hit = df[(df["member_id"] == member.strip()) | (df["member_title"].map(fold) == m)]["group_id"]
        df = df[df["group_id"].isin(set(hit))]
    summary = (df.groupby("group_id", sort=False)
               .agg(title=("group_title", "first"), members=("member_id", "size")).reset_index()
               .rename(columns={"group_id": "id"}))
    words = terms(query)
    if words:
        summary = summary[[_matches(words, i, t) for i, t in zip(summary["id"], summary["title"])]]
        exact = [fold(t) == " ".join(words) or i == (query or "").strip() for i, t in zip(summary["id"], summary["title"])]
        summary = summary.assign(_exact=exact).sort_values(["_exact", "title"], ascending=[False, True]).drop(columns="_exact")
    else:
        summary = summary.sort_values("title")
    return summary.reset_index(drop=True)


def members(groups: pd.DataFrame, group_id: str) -> pd.DataFrame:
    """The members of one group: ``id, title``."""
    rows = groups[groups["group_id"] == group_id]
    return rows.rename(columns={"member_id": "id", "member_title": "title"})[["id", "title"]].reset_index(drop=True)
