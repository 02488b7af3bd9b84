"""What the local Kolada server serves, and the queries it answers (no HTTP here).

:class:`KoladaData` holds values and metadata as frames and answers the v3
queries: data rows for KPIs × units × years (municipality-group ids as the
unweighted mean of their members, with ``count``), ``from_date`` with
``isdeleted``, and the metadata listings with ``title=`` filters. Missing
metadata is served as ``null``. Organisational units (``/ou``, ``/oudata``) and
KPI groups (``/kpi_groups``) come from optional CSV fixtures, because
``../shared/data/kolada`` has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: Date the values without an ``updated`` column count as last changed: the day of
#: the open-numbers Kolada dump the shared values come from.
DUMP_DATE = "2024-08-31"
_BOOL_FIELDS = ("is_divided_by_gender", "has_ou_data")
_GROUP_COLUMNS = ["group_id", "group_title", "member_id", "member_title"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _csv(path: Path, **kw: Any) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def _json_value(key: str, value: Any) -> Any:
    """Metadata cell as Kolada sends it: ``null`` for missing, booleans as booleans."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    if key in _BOOL_FIELDS and isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json_value(k, v) for k, v in r.items()} for r in df.to_dict("records")]


def _title_filter(df: pd.DataFrame, title: str | None, column: str = "title") -> pd.DataFrame:
    if not title:
        return df
    return df[df[column].astype(str).str.contains(title, case=False, regex=False)]


@dataclass
class KoladaData:
    """Values (``kpi, municipality_id, year, gender, value`` plus optional ``status``,
    ``count``, ``updated`` (YYYY-MM-DD), ``isdeleted``) and metadata frames.

    ``ous`` (``id, title, municipality`` and optional ``type``) and ``ou_values``
    (``kpi, ou_id, year, gender, value``...) feed ``/ou`` and ``/oudata``;
    ``kpi_groups`` (``group_id, group_title, member_id, member_title``) feeds
    ``/kpi_groups``.
    """

    values: pd.DataFrame
    kpis: pd.DataFrame
    municipalities: pd.DataFrame
    groups: pd.DataFrame
    kpi_groups: pd.DataFrame = field(default_factory=lambda: _empty(_GROUP_COLUMNS))
    ous: pd.DataFrame = field(default_factory=lambda: _empty(["id", "title", "municipality"]))
    ou_values: pd.DataFrame = field(default_factory=lambda: _empty(["kpi", "ou_id", "year", "gender", "value"]))
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_folder(cls, folder: str | Path, kpis: list[str] | None = None) -> KoladaData:
        """Load Kolada CSVs as stored in ``../shared/data/kolada``, plus the optional
        fixtures ``kpi_groups.csv``, ``ou.csv`` and ``ou_values.csv`` when present."""
        folder = Path(folder)
        files = sorted(folder.glob("values*.csv"))
        if not files:
            raise FileNotFoundError(f"{folder}: no values*.csv (Kolada values: kpi, municipality_id, year, gender, value)")
        values = pd.concat([pd.read_csv(f, dtype={"kpi": str, "municipality_id": str, "gender": str}) for f in files],
                           ignore_index=True)
        if kpis is not None:
            values = values[values["kpi"].isin(kpis)]
        optional: dict[str, pd.DataFrame] = {}
        if (folder / "kpi_groups.csv").is_file():
            optional["kpi_groups"] = _csv(folder / "kpi_groups.csv")
        if (folder / "ou.csv").is_file():
            optional["ous"] = _csv(folder / "ou.csv")
        if (folder / "ou_values.csv").is_file():
            optional["ou_values"] = pd.read_csv(folder / "ou_values.csv", dtype={"kpi": str, "ou_id": str, "gender": str})
        return cls(values, _csv(folder / "kpi_catalogue.csv"), _csv(folder / "municipalities.csv"),
                   _csv(folder / "municipality_groups.csv"), **optional)

    # -- changes (tests use them to stand in for Kolada revising its figures) ----------------
    def revise(self, kpi: str, unit: str, year: int, gender: str, value: float | None, updated: str,
               *, deleted: bool = False) -> None:
        """Set (or add) one value, marked as changed on ``updated``; ``deleted`` marks it removed."""
        df = self.values.copy()
        for col, default in (("updated", DUMP_DATE), ("isdeleted", False), ("status", "")):
            if col not in df:
                df[col] = default
        key = (df["kpi"] == kpi) & (df["municipality_id"] == unit) & (df["year"] == year) & (df["gender"] == gender)
        row = {"kpi": kpi, "municipality_id": unit, "year": year, "gender": gender, "value": value,
               "status": "" if value is not None or deleted else "Missing", "updated": updated, "isdeleted": deleted}
        if key.any():
            for col, v in row.items():
                df.loc[key, col] = v
        else:
            df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
        self.values = df
        self._index.clear()

    def delete(self, kpi: str, unit: str, year: int, gender: str, updated: str) -> None:
        """Mark one value deleted on ``updated`` (served with ``isdeleted: true`` to ``from_date`` queries)."""
        self.revise(kpi, unit, year, gender, None, updated, deleted=True)

    # -- data ----------------------------------------------------------------------------------
    def _rows(self, ou: bool) -> dict[tuple[str, str, int], list[dict]]:
        key = "ou" if ou else "municipality"
        if key not in self._index:
            frame = self.ou_values.rename(columns={"ou_id": "municipality_id"}) if ou else self.values
            self._index[key] = _build_rows(frame)
        return self._index[key]

    def _group_rows(self, gids: set[str], kset: set[str] | None, yset: set[int] | None):
        """Group values as Kolada computes them: per KPI, year and gender the unweighted
        mean of the members that have a value, ``count`` = how many did."""
        rows = self._rows(False)
        out: dict[tuple[str, str, int], list[dict]] = {}
        for gid in gids:
            members = set(self.groups.loc[self.groups["group_id"] == gid, "member_id"])
            acc: dict[tuple[str, int, str], list[dict]] = {}
            for (k, m, y), vals in rows.items():
                if m in members and (kset is None or k in kset) and (yset is None or y in yset):
                    for v in vals:  # deleted members count for when the mean changed, not in it
                        acc.setdefault((k, y, v["gender"]), []).append(v)
            for (k, y, g), vals in sorted(acc.items()):
                present = [v["value"] for v in vals if v["value"] is not None and not v["isdeleted"]]
                mean = sum(present) / len(present) if present else None
                out.setdefault((k, gid, y), []).append(
                    {"gender": g, "count": len(present), "status": "" if present else "Missing", "value": mean,
                     "isdeleted": False, "_updated": max(v["_updated"] for v in vals)})
        return out

    def data(self, kpis: list[str] | None, units: list[str] | None, years: list[int] | None,
             from_date: str | None = None, ou: bool = False) -> list[dict[str, Any]]:
        """Data items for the segments given (``None`` = all); unknown ids simply match nothing."""
        kset = set(kpis) if kpis else None
        mset = set(units) if units else None
        yset = set(years) if years else None
        rows = self._rows(ou)
        selected = {key: vals for key, vals in rows.items()
                    if (kset is None or key[0] in kset) and (mset is None or key[1] in mset)
                    and (yset is None or key[2] in yset)}
        if not ou and mset:
            selected.update(self._group_rows({m for m in mset if m.startswith("G")}, kset, yset))
        unit_key = "ou" if ou else "municipality"
        items = []
        for (k, m, y), vals in sorted(selected.items()):
            if from_date:
                kept = [v for v in vals if v["_updated"] >= from_date]
            else:
                kept = [v for v in vals if not v["isdeleted"]]
            if kept:
                items.append({"kpi": k, unit_key: m, "period": y,
                              "values": [{key: v[key] for key in ("gender", "count", "status", "value", "isdeleted")}
                                         for v in kept]})
        return items

    # -- metadata ------------------------------------------------------------------------------
    def kpi_list(self, ids: list[str] | None = None, title: str | None = None) -> list[dict[str, Any]]:
        cat = self.kpis if ids is None else self.kpis[self.kpis["id"].isin(ids)]
        return _records(_title_filter(cat, title))

    def municipality_list(self, ids: list[str] | None = None, region_type: str | None = None,
                          title: str | None = None) -> list[dict[str, Any]]:
        m = self.municipalities if ids is None else self.municipalities[self.municipalities["id"].isin(ids)]
        if region_type:
            m = m[m["type"] == region_type]
        return _records(_title_filter(m[["id", "title", "type"]], title))

    def ou_list(self, ids: list[str] | None = None, title: str | None = None,
                municipality: list[str] | None = None) -> list[dict[str, Any]]:
        o = self.ous if ids is None else self.ous[self.ous["id"].isin(ids)]
        if municipality:
            o = o[o["municipality"].isin(municipality)]
        return _records(_title_filter(o, title))

    @staticmethod
    def group_list(groups: pd.DataFrame, ids: list[str] | None, title: str | None,
                   member_keys: tuple[str, str] = ("member_id", "member_title")) -> list[dict[str, Any]]:
        """Groups with their members (municipality groups or KPI groups)."""
        g = groups if ids is None else groups[groups["group_id"].isin(ids)]
        g = _title_filter(g, title, "group_title")
        mid, mtitle = member_keys
        out: dict[str, dict[str, Any]] = {}
        for gid, title, member, name in zip(g["group_id"], g["group_title"], g["member_id"], g["member_title"]):
            entry = out.get(gid)
            if entry is None:
                entry = out[gid] = {"id": gid, "title": title, "members": []}
            entry["members"].append({mid: member, mtitle: _json_value("title", name)})
        return [out[gid] for gid in sorted(out)]


def _build_rows(values: pd.DataFrame) -> dict[tuple[str, str, int], list[dict]]:
    n = len(values)
    status = values["status"] if "status" in values else pd.Series([""] * n, index=values.index)
    count = values["count"] if "count" in values else pd.Series([1] * n, index=values.index)
    updated = values["updated"] if "updated" in values else pd.Series([DUMP_DATE] * n, index=values.index)
    deleted = values["isdeleted"] if "isdeleted" in values else pd.Series([False] * n, index=values.index)
    rows: dict[tuple[str, str, int], list[dict]] = {}
    for kpi, mid, year, gender, value, st, cnt, upd, dele in zip(
            values["kpi"], values["municipality_id"], values["year"], values["gender"], values["value"],
            status, count, updated, deleted):
        v = None if pd.isna(value) else float(value)
        rows.setdefault((str(kpi), str(mid), int(year)), []).append(
            {"gender": gender, "count": int(cnt) if v is not None and not pd.isna(cnt) else 0,
             "status": "" if pd.isna(st) else str(st), "value": v, "isdeleted": _truthy(dele),
             "_updated": str(upd) if not pd.isna(upd) else DUMP_DATE})
    return rows


def _truthy(value: Any) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return False
    return str(value).strip().lower() in ("true", "1")
