"""``fou extracts update``: bring a fetched extract up to date with ``from_date``.

Kolada is asked for the extract's KPIs × units × years again, but only for values
changed since the extract was fetched (or last updated): ``from_date`` is that
day. Changed values replace the old ones, new ones are added, values Kolada marks
``isdeleted`` are dropped. The update is recorded in the manifest (``updates``:
when, from which date, how many changed, added and deleted) and the extract is
rewritten atomically. When nothing changed, nothing is written: the extract stays
byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from fou.extracts.format import Extract, load_extract, write_extract
from fou.extracts.params import ParameterError
from fou.kolada.client import KoladaClient
from fou.kolada.kpimeta import kpi_metadata

KEY = ["kpi", "municipality_id", "year", "gender"]
_MANIFEST_OWN = ("format", "source", "created_at", "created_by", "coverage", "files")


@dataclass
class UpdateResult:
    """What an update found and did."""

    path: Path
    from_date: str
    changed: int = 0
    added: int = 0
    deleted: int = 0
    written: bool = False
    details: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def unchanged(self) -> bool:
        return not (self.changed or self.added or self.deleted)


def update_scope(ex: Extract) -> tuple[list[str], list[str], list[int], bool]:
    """KPIs, unit ids, years and whether the units are organisational units, from the manifest.

    Extracts fetched before ``unit_ids`` was recorded fall back to the units present
    in their values."""
    src = ex.manifest["source"]
    if src.get("kind") != "fetched":
        raise ParameterError("extract", str(ex.path), f"only extracts fetched from Kolada can be updated; this one is "
                             f"{src.get('kind')} (re-fetch with `fou fetch` instead)")
    q = src.get("queries") or {}
    kpis = list(q.get("kpis") or ex.kpis)
    units = list(q.get("unit_ids") or ex.manifest["coverage"]["municipality_ids"])
    years = [int(y) for y in (q.get("years") or ex.years)]
    return kpis, units, years, q.get("unit_kind") == "ou"


def since(ex: Extract) -> str:
    """The day the extract was last brought up to date (last update, else ``fetched_at``)."""
    updates = ex.manifest.get("updates") or []
    stamp = updates[-1]["at"] if updates else ex.manifest["source"].get("fetched_at")
    if not stamp:
        raise ParameterError("extract", str(ex.path), "the manifest has no fetched_at to update from")
    return str(stamp)[:10]


def apply_changes(old: pd.DataFrame, changes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old values with ``changes`` applied, and one row per effective change
    (``change`` = changed, added or deleted). Values that come back equal change nothing."""
    cols = list(old.columns)
    fields = [c for c in cols if c not in KEY and c in changes.columns and c not in ("municipality", "unit_type")]
    cur = old.set_index(KEY)
    ch = changes.drop_duplicates(KEY, keep="last").set_index(KEY)
    gone = ch.index[ch["isdeleted"].astype(bool)].intersection(cur.index)
    upd = ch[~ch["isdeleted"].astype(bool)]
    common = upd.index.intersection(cur.index)
    differs = pd.Series(False, index=common)
    for c in fields:
        same = [_same(x, y) for x, y in zip(cur.loc[common, c], upd.loc[common, c])]
        differs |= ~pd.Series(same, index=common, dtype=bool)
    changed = common[differs.to_numpy()]
    added = upd.index.difference(cur.index)
    out = cur.drop(index=gone)
    for c in fields:
        out.loc[changed, c] = upd.loc[changed, c].to_numpy()
    if len(added):
        new = upd.loc[added].reindex(columns=[c for c in cols if c not in KEY])
        out = pd.concat([out, new])
    log = pd.DataFrame([(*k, "deleted") for k in gone] + [(*k, "changed") for k in changed]
                       + [(*k, "added") for k in added], columns=KEY + ["change"])
    return out.reset_index()[cols], log


def _same(a: Any, b: Any) -> bool:
    """Equal values, or both missing (NaN, NA, None)."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b)


def update_extract(path: str | Path, client: KoladaClient, *, dry_run: bool = False) -> UpdateResult:
    """Ask Kolada for what changed since the extract was fetched and apply it (see module doc)."""
    ex = load_extract(path)
    kpis, units, years, ou = update_scope(ex)
    from_date = since(ex)
    names = dict(zip(ex.values["municipality_id"], ex.values["municipality"]))
    changes = client.values(kpis, units, years, names, from_date=from_date, keep_deleted=True, ou=ou)
    if "count" not in ex.values:
        changes = changes.drop(columns="count")
    if "unit_type" in ex.values:
        types = dict(zip(ex.values["municipality_id"], ex.values["unit_type"]))
        changes["unit_type"] = changes["municipality_id"].map(types).fillna("")
    values, log = apply_changes(ex.values, changes)
    counts = log["change"].value_counts().to_dict() if len(log) else {}
    result = UpdateResult(Path(path), from_date, counts.get("changed", 0), counts.get("added", 0),
                          counts.get("deleted", 0), details=log)
    if result.unchanged or dry_run:
        return result
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest = {k: v for k, v in ex.manifest.items() if k not in _MANIFEST_OWN}
    manifest["updates"] = list(manifest.get("updates") or []) + [{
        "at": now, "from_date": from_date, "base_url": client.base_url, "changed": result.changed,
        "added": result.added, "deleted": result.deleted,
        "requests": {"network": client.network_requests, "cached": client.cached_requests}}]
    if "counts_by_kpi" in manifest:
        manifest["counts_by_kpi"] = values.groupby("kpi").size().reindex(kpis, fill_value=0).astype(int).to_dict()
    if manifest.get("kpi_metadata"):
        meta = client.kpis(kpis)
        if len(meta):
            manifest["kpi_metadata"] = kpi_metadata(meta, values, now)
    extra = {name: (ex.path / name).read_text(encoding="utf-8") for name in ex.manifest["files"]
             if name != "values.csv" and (ex.path / name).is_file()}
    write_extract(values, ex.path, ex.manifest["source"], extra_files=extra, **manifest)
    result.written = True
    return result
