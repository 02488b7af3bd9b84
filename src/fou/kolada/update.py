"""``fou extracts update``: bring a fetched extract up to date with ``from_date``, into a new extract.

Kolada is asked for the extract's scope again (its KPIs, units, genders and years;
``add_years`` extends the years), but only for values changed since the values
were true: ``from_date`` is the day of the oldest answer the extract's values came
from (``fetched_at``, or the last update's ``values_as_of``). Changed values
replace the old ones, new ones are added, values Kolada marks ``isdeleted`` are
dropped; rows outside the scope (another gender, another unit) are never added.

An update never writes into an extract fou did not fetch itself (the shipped
ones, one fetched by someone else): it writes a new extract (``out``, by default
``NAME-updated-YYYY-MM-DD`` beside it) whose manifest says what it was derived
from. The user's own extract is rewritten in place only with ``overwrite``.
The update is recorded in the manifest (``updates``: when, the values' date,
from which date, how many changed, added and deleted). When nothing changed,
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from fou.extracts.format import Extract, load_extract, write_extract
from fou.extracts.params import ParameterError
from fou.kolada.client import KoladaClient
from fou.kolada.fetch import answer_times, check_target, written_by_fetch
from fou.kolada.kpimeta import kpi_metadata

KEY = ["kpi", "municipality_id", "year", "gender"]
_MANIFEST_OWN = ("format", "source", "created_at", "created_by", "coverage", "files")


@dataclass
class UpdateResult:
    """What an update found and did."""

    path: Path
    from_date: str
    target: Path | None = None
    changed: int = 0
    added: int = 0
    deleted: int = 0
    written: bool = False
    details: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def unchanged(self) -> bool:
        return not (self.changed or self.added or self.deleted)


@dataclass
class Scope:
    """What an extract covers, to be asked again: KPIs, units (``all_units``: every unit,
    asked without a municipality segment), years, genders, organisational units or not."""

    kpis: list[str]
    units: list[str]
    years: list[int]
    genders: list[str]
    ou: bool = False
    all_units: bool = False


def own_extract(manifest: dict[str, Any]) -> bool:
    """True for an extract the user's ``fou fetch`` wrote (not shipped, not fetched by someone else)."""
    return written_by_fetch(manifest) and not manifest["source"].get("fetched_by")


def update_scope(ex: Extract) -> Scope:
    """The extract's scope from its manifest (queries, else coverage)."""
    src = ex.manifest["source"]
    if src.get("kind") != "fetched":
        raise ParameterError("extract", str(ex.path), f"only extracts fetched from Kolada can be updated; this one is "
                             f"{src.get('kind')} (re-fetch with `fou fetch` instead)")
    q, cov = src.get("queries") or {}, ex.manifest["coverage"]
    units = list(q.get("unit_ids") or cov["municipality_ids"])
    years = q.get("years") if isinstance(q.get("years"), list) else cov["years"]
    listed = _unit_list(ex)
    all_units = str(q.get("municipality_spec") or "").strip().lower() == "all" or (
        not q and listed is not None and set(listed) == set(units))
    return Scope(list(q.get("kpis") or ex.kpis), units, [int(y) for y in years],
                 list(q.get("genders") or cov["genders"]), q.get("unit_kind") == "ou", all_units)


def _unit_list(ex: Extract) -> list[str] | None:
    path = ex.path / "units.csv"
    return pd.read_csv(path, dtype=str)["id"].tolist() if path.is_file() else None


def since(ex: Extract) -> str:
    """The day the extract's values were last known true: the last update's ``values_as_of``,
    else ``fetched_at``. Old manifests without per-request times whose fetch used the
    cache go back one cache lifetime (24 h), as their values may have been that old."""
    updates = ex.manifest.get("updates") or []
    src = ex.manifest["source"]
    stamp = (updates[-1].get("values_as_of") or updates[-1]["at"]) if updates else src.get("fetched_at")
    if not stamp:
        raise ParameterError("extract", str(ex.path), "the manifest has no fetched_at to update from")
    requests = src.get("requests") or {}
    if not updates and "answers" not in requests and requests.get("cached"):
        return (date.fromisoformat(str(stamp)[:10]) - timedelta(days=1)).isoformat()
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


def default_target(path: Path) -> Path:
    """Where an update goes without ``--out``: ``NAME-updated-YYYY-MM-DD`` beside the extract."""
    return path.with_name(f"{path.name}-updated-{datetime.now(timezone.utc).date().isoformat()}")


def update_extract(path: str | Path, client: KoladaClient, *, out: str | Path | None = None, overwrite: bool = False,
                   add_years: tuple[int, ...] = (), dry_run: bool = False) -> UpdateResult:
    """Ask Kolada for what changed since the extract's values were true and write the result (see module doc)."""
    ex = load_extract(path)
    scope = update_scope(ex)
    own = own_extract(ex.manifest)
    if overwrite and out is not None:
        raise ParameterError("out", str(out), "use either --out (a new extract) or --overwrite (in place), not both")
    if overwrite and not own:
        who = ex.manifest["source"].get("fetched_by") or "not by your fou fetch"
        raise ParameterError("overwrite", str(ex.path), f"this extract was fetched {who}, so fou never writes into it; "
                             "leave out --overwrite and the update goes to a new extract (--out)")
    target = ex.path if overwrite else Path(out) if out is not None else default_target(ex.path)
    if not overwrite and not dry_run:
        try:
            check_target(target, overwrite=False)
        except ParameterError as exc:
            hint = "" if own else "; this extract is never written into"
            raise ParameterError("out", str(target), f"{exc.valid.split('; ')[0]}: choose a new folder with --out"
                                 + (" (or --overwrite to update your own extract in place)" if own else hint)) from None
    from_date = since(ex)
    names = dict(zip(ex.values["municipality_id"], ex.values["municipality"]))
    units = None if scope.all_units else scope.units
    changes = client.values(scope.kpis, units, scope.years, names, from_date=from_date, keep_deleted=True, ou=scope.ou)
    new_years = sorted({int(y) for y in add_years} - set(scope.years))
    if new_years:
        extra = client.values(scope.kpis, units, new_years, names, ou=scope.ou).assign(isdeleted=False)
        changes = pd.concat([changes, extra], ignore_index=True)
    changes = changes[changes["kpi"].isin(scope.kpis) & changes["municipality_id"].isin(scope.units)
                      & changes["gender"].isin(scope.genders)]
    if "count" not in ex.values:
        changes = changes.drop(columns="count")
    if "unit_type" in ex.values:
        types = dict(zip(ex.values["municipality_id"], ex.values["unit_type"]))
        changes = changes.assign(unit_type=changes["municipality_id"].map(types).fillna(""))
    values, log = apply_changes(ex.values, changes)
    counts = log["change"].value_counts().to_dict() if len(log) else {}
    result = UpdateResult(Path(path), from_date, target, counts.get("changed", 0), counts.get("added", 0),
                          counts.get("deleted", 0), details=log)
    if result.unchanged or dry_run:
        return result
    times = answer_times(client)
    manifest = {k: v for k, v in ex.manifest.items() if k not in _MANIFEST_OWN}
    manifest["updates"] = list(manifest.get("updates") or []) + [{
        "at": times["run_at"], "values_as_of": times["fetched_at"], "answered_until": times["answered_until"],
        "from_date": from_date, "base_url": client.base_url, "api_version": "v3", "changed": result.changed,
        "added": result.added, "deleted": result.deleted, "added_years": new_years,
        "requests": {"network": client.network_requests, "cached": client.cached_requests}}]
    if "counts_by_kpi" in manifest:
        manifest["counts_by_kpi"] = values.groupby("kpi").size().reindex(scope.kpis, fill_value=0).astype(int).to_dict()
    if manifest.get("kpi_metadata"):
        meta = client.kpis(scope.kpis)
        if len(meta):
            manifest["kpi_metadata"] = kpi_metadata(meta, values, times["run_at"])
    source = dict(ex.manifest["source"])
    if new_years and isinstance(source.get("queries"), dict) and isinstance(source["queries"].get("years"), list):
        source["queries"] = {**source["queries"], "years": sorted(set(source["queries"]["years"]) | set(new_years))}
    if target != ex.path:
        manifest["derived_from"] = {"path": str(ex.path), "name": ex.manifest.get("name", ex.path.name),
                                    "sha256": ex.checksum, "note": "values of that extract with the update applied"}
        manifest["name"] = target.name
    if source.get("provenance_sv"):
        source["provenance_sv"] = (str(source["provenance_sv"]).replace(", inget hämtat av fou", "")
                                   + f"; uppdaterat av fou från Kolada ({client.base_url}) {times['run_at'][:10]}: "
                                   f"{result.changed} ändrade, {result.added} tillagda, {result.deleted} borttagna värden")
    extra = {name: (ex.path / name).read_text(encoding="utf-8") for name in ex.manifest["files"]
             if name != "values.csv" and (ex.path / name).is_file()}
    write_extract(values, target, source, extra_files=extra, **manifest)
    result.written = True
    return result
