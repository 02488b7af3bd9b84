"""Regions: resolve a name, a Kolada group id or a list of municipalities to unit ids."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fou.extracts.params import ParameterError
from fou.extracts.names import name_matches, rank
from fou.extracts.paths import data_dir

from fou.extracts.swedish import plural, sort_key

#: Kolada's id and name for the whole of Sweden.
RIKET_ID = "0000"
RIKET_NAME = "Riket"

UNIT_COLUMNS = ["id", "title", "type"]
GROUP_COLUMNS = ["group_id", "group_title", "member_id", "member_title"]
_GROUP_SUFFIX = re.compile(r"\s*\((ovägt|vägt) medel\)\s*$", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(_GROUP_SUFFIX.sub("", str(text)).lower().split())


@dataclass(frozen=True)
class Region:
    """A set of municipalities, in Swedish alphabetical order, with their names."""

    name: str
    ids: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict, compare=False)
    group_id: str | None = None

    def label(self) -> str:
        return f"{self.name} ({self.group_id})" if self.group_id else self.name

    @property
    def is_riket(self) -> bool:
        """The region is Sweden as a whole (Kolada's unit 0000)."""
        return self.ids == (RIKET_ID,)


def read_units(path: str | Path) -> pd.DataFrame:
    """Units (id, title, type) from a CSV with Kolada's municipality fields."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df[UNIT_COLUMNS]


def read_groups(path: str | Path) -> pd.DataFrame:
    """Group memberships, one row per member (accepts ``id/title`` member columns too)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.rename(columns={"id": "group_id", "title": "group_title"})
    return df[GROUP_COLUMNS]


class Catalogue:
    """Known units and groups, merged from Kolada metadata, an extract and shipped reference."""

    def __init__(self, units: pd.DataFrame, groups: pd.DataFrame):
        self.units = units.drop_duplicates("id").reset_index(drop=True)
        self.groups = groups.drop_duplicates(["group_id", "member_id"]).reset_index(drop=True)
        self._names = dict(zip(self.units["id"], self.units["title"]))

    @classmethod
    def build(cls, extract_dir: str | Path | None = None, extract_units: pd.DataFrame | None = None,
              metadata_dir: str | Path | None = None) -> Catalogue:
        """Merge, first hit wins: ``metadata_dir`` (or ``FOU_KOLADA_METADATA``), the
        extract's own ``units.csv``/``groups.csv``, the shipped reference, and the
        unit names in the extract's values."""
        unit_frames, group_frames = [], []
        metadata_dir = metadata_dir or os.environ.get("FOU_KOLADA_METADATA") or None
        folders = [Path(p) for p in (metadata_dir, extract_dir) if p] + [data_dir() / "reference"]
        for folder in folders:
            for name in ("units.csv", "municipalities.csv"):
                if (folder / name).is_file():
                    unit_frames.append(read_units(folder / name))
                    break
            for name in ("groups.csv", "municipality_groups.csv"):
                if (folder / name).is_file():
                    group_frames.append(read_groups(folder / name))
                    break
        if extract_units is not None and len(extract_units):
            u = extract_units.rename(columns={"municipality_id": "id", "municipality": "title"})[["id", "title"]]
            unit_frames.append(u.assign(type=lambda d: d["id"].map(lambda i: "L" if i == RIKET_ID else "K")))
        units = pd.concat(unit_frames, ignore_index=True) if unit_frames else pd.DataFrame(columns=UNIT_COLUMNS)
        groups = pd.concat(group_frames, ignore_index=True) if group_frames else pd.DataFrame(columns=GROUP_COLUMNS)
        return cls(units.astype(str), groups.astype(str))

    def name(self, unit_id: str) -> str:
        """Kolada's name of a unit (the id itself when unknown)."""
        return self._names.get(unit_id, unit_id)

    def _group(self, group_id: str) -> Region:
        rows = self.groups[self.groups["group_id"] == group_id]
        names = {r.member_id: r.member_title for r in rows.itertuples()}
        names = {i: self._names.get(i, n) for i, n in names.items()}
        ids = tuple(sorted(names, key=lambda i: sort_key(names[i])))
        return Region(_GROUP_SUFFIX.sub("", rows["group_title"].iloc[0]).strip(), ids, names, group_id)

    def _unit_id(self, token: str) -> str | None:
        """A unit's id from its id or name (:func:`~fou.extracts.names.name_matches`: case
        aside, ``Malmo`` for Malmö when no name is spelt so); a municipality before a region."""
        token = token.strip()
        if token in self._names:
            return token
        ids = name_matches(token, zip(self.units["id"], self.units["title"]))
        hits = self.units[self.units["id"].isin(ids)]
        hits = hits[hits["type"] == "K"] if (hits["type"] == "K").any() else hits
        return hits["id"].iloc[0] if len(hits) else None

    def _suggest(self, token: str) -> list[str]:
        titles = self.groups.drop_duplicates("group_id")
        named = pd.concat([self.units[["id", "title"]], pd.DataFrame(
            {"id": titles["group_id"], "title": titles["group_title"].map(lambda t: _GROUP_SUFFIX.sub("", t).strip())})])
        ranked = rank(named, token, tiebreak=("_len", "id")).head(5)
        if len(ranked):
            return [f"{t} ({i})" for i, t in zip(ranked["id"], ranked["title"])]
        labels = {f"{t} ({i})": _norm(t) for i, t in zip(self.units["id"], self.units["title"])}
        group_titles = self.groups.drop_duplicates("group_id")
        labels.update({f"{_GROUP_SUFFIX.sub('', t).strip()} ({g})": _norm(t)
                       for g, t in zip(group_titles["group_id"], group_titles["group_title"])})
        close = difflib.get_close_matches(_norm(token), list(dict.fromkeys(labels.values())), n=5, cutoff=0.6)
        return [label for c in close for label, n in labels.items() if n == c][:5]

    def resolve(self, spec: str | list[str] | tuple[str, ...], parameter: str = "region") -> Region:
        """Resolve a region name, group id, or list (or comma-separated string) of unit ids/names."""
        if isinstance(spec, str):
            text = spec.strip()
            if not text:
                raise ParameterError(parameter, spec, "expected a region name such as 'Göteborgsregionen', a Kolada group id such as 'G96190', or municipality ids or names")
            if re.fullmatch(r"G\d+", text, re.IGNORECASE):
                if text.upper() not in set(self.groups["group_id"]):
                    raise ParameterError(parameter, spec, f"unknown Kolada group id; known groups: {self._known_groups()}")
                return self._group(text.upper())
            titles = self.groups.drop_duplicates("group_id")
            named = name_matches(_GROUP_SUFFIX.sub("", text), zip(titles["group_id"], titles["group_title"].map(lambda t: _GROUP_SUFFIX.sub("", t))))
            matches = self.groups[self.groups["group_id"].isin(named)]
            if len(matches):
                unweighted = matches[matches["group_title"].str.contains("ovägt", case=False)]
                return self._group((unweighted if len(unweighted) else matches)["group_id"].iloc[0])
            tokens = [t for t in re.split(r"[,;]", text) if t.strip()]
        else:
            tokens = [str(t) for t in spec]
        if not tokens:
            raise ParameterError(parameter, spec, "expected at least one municipality")
        ids: list[str] = []
        for token in tokens:
            unit = self._unit_id(token)
            if unit is None:
                close = self._suggest(token)
                hint = f"did you mean: {', '.join(close)}?" if close else f"known groups: {self._known_groups()}"
                raise ParameterError(parameter, token.strip(), f"unknown municipality or group; {hint}")
            if unit not in ids:
                ids.append(unit)
        if RIKET_ID in ids and len(ids) > 1:
            raise ParameterError(parameter, spec, f"{RIKET_NAME} ({RIKET_ID}) can only be chosen on its own; "
                                 "it is already the comparison row of Table 2 and Diagram 1")
        names = {i: self.name(i) for i in ids}
        ids_sorted = tuple(sorted(ids, key=lambda i: sort_key(names[i])))
        label = ", ".join(names[i] for i in ids_sorted) if len(ids) <= 4 else plural(len(ids), "kommun", "kommuner")
        return Region(label, ids_sorted, names)

    def _known_groups(self) -> str:
        titles = self.groups.drop_duplicates("group_id")
        shown = [f"{_GROUP_SUFFIX.sub('', t).strip()} ({g})" for g, t in zip(titles["group_id"], titles["group_title"])][:8]
        more = len(titles) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
