"""Extracts: a tidy ``values.csv`` of Kolada figures plus a ``manifest.json``.

The manifest says where the values came from (``fetched`` from Kolada,
``transcribed`` from a report, or ``synthetic``), when, what they cover, and the
sha256 of ``values.csv``. Loading validates all of it.

Units are municipalities and regions (``1480``, ``0000``), Kolada municipality
groups (``G96190``, values as Kolada computes them) or organisational units
(``V15E144001101``, schools and care units); the optional ``unit_type`` column
says which kind of organisational unit a row is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fou import __version__
from fou.extracts.atomic import atomic_directory

COLUMNS = ["kpi", "municipality_id", "municipality", "year", "gender", "value", "status"]
OPTIONAL_COLUMNS = ["count", "unit_type"]
SOURCE_KINDS = ("fetched", "transcribed", "synthetic")
GENDERS = ("T", "K", "M")
FORMAT = "fou-extract/1"
_ID_RE = re.compile(r"^(\d{4}|G\d+|[A-Z]\d{2}[A-Z][0-9A-Z]+)$")  # municipality, group, organisational unit
_UNIT_TYPE_RE = re.compile(r"^([A-Z][0-9A-Z]{0,7})?$")
_KPI_RE = re.compile(r"^[A-Z]\d{5}$")


class ExtractError(ValueError):
    """An extract that cannot be used; the message names the file and the problem."""


@dataclass
class Extract:
    """A validated extract: its values, its manifest and where it lies."""

    path: Path
    values: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def source_kind(self) -> str:
        return self.manifest["source"]["kind"]

    @property
    def checksum(self) -> str:
        return self.manifest["files"]["values.csv"]["sha256"]

    @property
    def is_report_transcription(self) -> bool:
        """True when this extract is the report's own transcribed tables."""
        return self.source_kind == "transcribed" and self.manifest["source"].get("study") == "gr-2023"

    @property
    def kpis(self) -> list[str]:
        return sorted(self.values["kpi"].unique())

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.values["year"].unique())

    def kpi_metadata(self, kpi: str) -> dict[str, Any]:
        """Kolada's metadata of ``kpi`` as recorded at fetch time (empty when not recorded)."""
        return dict((self.manifest.get("kpi_metadata") or {}).get(kpi) or {})

    def divided_by_gender(self, kpi: str) -> bool | None:
        """Whether Kolada splits ``kpi`` by gender: ``False`` means K/M rows cannot
        exist ("not split"), ``True`` that missing K/M rows are missing values;
        ``None`` when the extract does not say."""
        flag = self.kpi_metadata(kpi).get("is_divided_by_gender")
        return None if flag is None else bool(flag)

    def preliminary_years(self, kpi: str | None = None) -> dict[str, list[int]] | list[int]:
        """Years whose values were preliminary when fetched (Kolada's
        ``prel_publication_date`` ≤ fetch date < ``publication_date``).

        Hook for pages that mark preliminary figures: per KPI as a dict, or the list
        for one ``kpi``. Empty when the manifest records no such years.
        """
        meta = self.manifest.get("kpi_metadata") or {}
        years = {k: sorted(int(y) for y in (m or {}).get("preliminary_years") or []) for k, m in meta.items()}
        years = {k: v for k, v in years.items() if v}
        return years.get(kpi, []) if kpi is not None else years

    def is_preliminary(self, kpi: str, year: int) -> bool:
        """True when ``kpi``'s value for ``year`` was preliminary when fetched."""
        return int(year) in self.preliminary_years(kpi)

    def provenance(self) -> str:
        """One line for readers: where the values came from and when."""
        src = self.manifest["source"]
        kind = src["kind"]
        if src.get("provenance_sv"):  # who fetched it, when, from where, in the manifest's own words
            return str(src["provenance_sv"])
        if kind == "fetched":
            return f"Hämtat från Kolada ({src.get('base_url', 'api.kolada.se')}) {src.get('fetched_at', '')[:10]}"
        if kind == "transcribed":
            return f"Avskrivet ur {src.get('reference', 'rapporten')} (ursprungligen från Kolada); inget hämtat"
        return "Syntetiska data (genererade), inte verkliga uppgifter"

    def units(self) -> pd.DataFrame:
        """Ids and names of the units present in the values."""
        return (
            self.values[["municipality_id", "municipality"]]
            .drop_duplicates("municipality_id")
            .reset_index(drop=True)
        )


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fail(path: Path, problem: str) -> ExtractError:
    return ExtractError(f"{path}: {problem}")


def read_values_csv(path: str | Path) -> pd.DataFrame:
    """Read a ``values.csv`` with the extract dtypes (ids stay strings, ``0000`` too)."""
    path = Path(path)
    try:
        df = pd.read_csv(
            path,
            dtype={"kpi": str, "municipality_id": str, "municipality": str, "gender": str, "status": str},
            keep_default_na=False,
            na_values={"value": [""], "year": [""], "count": [""]},
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise _fail(path, f"not a readable CSV ({exc})") from exc
    return df


def validate_values(df: pd.DataFrame, path: str | Path = "values.csv") -> pd.DataFrame:
    """Check columns, types and keys of extract values; return them with clean dtypes."""
    path = Path(path)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise _fail(path, f"missing column(s) {missing}; expected columns {COLUMNS} (optionally {OPTIONAL_COLUMNS})")
    extra = [c for c in df.columns if c not in COLUMNS + OPTIONAL_COLUMNS]
    if extra:
        raise _fail(path, f"unexpected column(s) {extra}; expected {COLUMNS} (optionally {OPTIONAL_COLUMNS})")
    df = df[[c for c in COLUMNS + OPTIONAL_COLUMNS if c in df.columns]].copy()

    def bad_rows(mask: pd.Series) -> str:
        rows = [int(i) + 2 for i in np.flatnonzero(mask.to_numpy())[:5]]  # +2: header, 1-based
        return f"line(s) {rows}"

    for col in ("kpi", "municipality_id", "municipality", "gender"):
        df[col] = df[col].astype("string").fillna("")
    df["status"] = df["status"].astype("string").fillna("")

    bad = ~df["kpi"].str.match(_KPI_RE)
    if bad.any():
        raise _fail(path, f"column 'kpi' has invalid ids at {bad_rows(bad)} (e.g. {df['kpi'][bad].iloc[0]!r}); a Kolada KPI id looks like 'N01951'")
    bad = ~df["municipality_id"].str.match(_ID_RE)
    if bad.any():
        raise _fail(path, f"column 'municipality_id' has invalid ids at {bad_rows(bad)} (e.g. {df['municipality_id'][bad].iloc[0]!r}); expected four digits such as '1480' or '0000', a group id such as 'G96190' or an organisational-unit id such as 'V15E144001101'")
    bad = ~df["gender"].isin(GENDERS)
    if bad.any():
        raise _fail(path, f"column 'gender' has {df['gender'][bad].iloc[0]!r} at {bad_rows(bad)}; valid: {list(GENDERS)}")

    year = pd.to_numeric(df["year"], errors="coerce")
    bad = year.isna() | (year != year.round()) | (year < 1900) | (year > 2100)
    if bad.any():
        raise _fail(path, f"column 'year' must hold whole years, found {df['year'][bad].iloc[0]!r} at {bad_rows(bad)}")
    df["year"] = year.astype("int64")

    value = pd.to_numeric(df["value"], errors="coerce")
    bad = value.isna() & df["value"].notna()
    if bad.any():
        raise _fail(path, f"column 'value' must be numeric or empty (missing), found {df['value'][bad].iloc[0]!r} at {bad_rows(bad)}")
    df["value"] = value.astype("float64")
    if "count" in df.columns:
        df["count"] = pd.to_numeric(df["count"], errors="coerce").astype("Int64")
    if "unit_type" in df.columns:
        df["unit_type"] = df["unit_type"].astype("string").fillna("")
        bad = ~df["unit_type"].str.match(_UNIT_TYPE_RE)
        if bad.any():
            raise _fail(path, f"column 'unit_type' has {df['unit_type'][bad].iloc[0]!r} at {bad_rows(bad)}; expected a short code such as 'V15' or empty")

    dup = df.duplicated(["kpi", "municipality_id", "year", "gender"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise _fail(path, f"duplicate rows for kpi={first['kpi']}, municipality_id={first['municipality_id']}, year={first['year']}, gender={first['gender']} at {bad_rows(dup)}")
    return df.reset_index(drop=True)


def _validate_manifest(manifest: Any, path: Path) -> dict[str, Any]:
    if not isinstance(manifest, dict):
        raise _fail(path, "manifest must be a JSON object")
    for key in ("format", "source", "coverage", "files"):
        if key not in manifest:
            raise _fail(path, f"manifest lacks the key {key!r}")
    if manifest["format"] != FORMAT:
        raise _fail(path, f"manifest format {manifest['format']!r} is not {FORMAT!r}")
    kind = manifest["source"].get("kind") if isinstance(manifest["source"], dict) else None
    if kind not in SOURCE_KINDS:
        raise _fail(path, f"manifest source.kind is {kind!r}; valid: {list(SOURCE_KINDS)}")
    if kind != "fetched" and manifest["source"].get("fetched") is not False:
        raise _fail(path, f"manifest of a {kind} extract must say fetched: false")
    entry = manifest["files"].get("values.csv") if isinstance(manifest["files"], dict) else None
    if not isinstance(entry, dict) or not re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256", ""))):
        raise _fail(path, "manifest files['values.csv'].sha256 is missing or not a sha256 hex digest")
    return manifest


def load_extract(path: str | Path) -> Extract:
    """Load and validate an extract directory (or its ``values.csv``/``manifest.json``)."""
    path = Path(path)
    if path.is_file():
        path = path.parent
    if not path.is_dir():
        raise ExtractError(f"{path}: no such extract directory; an extract is a folder with values.csv and manifest.json")
    manifest_path = path / "manifest.json"
    values_path = path / "values.csv"
    for p in (manifest_path, values_path):
        if not p.is_file():
            raise _fail(p, "missing; an extract is a folder with values.csv and manifest.json")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _fail(manifest_path, f"not valid JSON ({exc})") from exc
    manifest = _validate_manifest(manifest, manifest_path)
    expected = manifest["files"]["values.csv"]["sha256"]
    actual = sha256_file(values_path)
    if actual != expected:
        raise _fail(
            values_path,
            f"checksum mismatch: sha256 is {actual} but manifest.json records {expected}; "
            "the file was edited or corrupted after the extract was written (re-fetch or restore it)",
        )
    values = validate_values(read_values_csv(values_path), values_path)
    return Extract(path=path, values=values, manifest=manifest)


def coverage(values: pd.DataFrame) -> dict[str, Any]:
    """What an extract covers: KPIs, units, years, genders and counts."""
    present = values["value"].notna()
    return {
        "kpis": sorted(values["kpi"].unique().tolist()),
        "municipality_ids": sorted(values["municipality_id"].unique().tolist()),
        "years": sorted(int(y) for y in values["year"].unique()),
        "genders": sorted(values["gender"].unique().tolist()),
        "rows": int(len(values)),
        "rows_with_value": int(present.sum()),
        "rows_missing": int((~present).sum()),
    }


def format_csv_value(value: float) -> str:
    """Shortest round-tripping text of a value; whole numbers without ``.0``; missing empty."""
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def values_to_csv(values: pd.DataFrame) -> str:
    """Serialise values in the canonical order, missing values as empty cells."""
    cols = [c for c in COLUMNS + OPTIONAL_COLUMNS if c in values.columns]
    out = values[cols].sort_values(["kpi", "municipality_id", "year", "gender"]).copy()
    out["value"] = out["value"].map(format_csv_value)
    return out.to_csv(index=False, lineterminator="\n")


def write_extract(
    values: pd.DataFrame,
    path: str | Path,
    source: dict[str, Any],
    extra_files: dict[str, str] | None = None,
    **manifest_extra: Any,
) -> Extract:
    """Validate ``values`` and write them with a manifest to ``path`` atomically.

    ``source`` must carry ``kind`` (``fetched``, ``transcribed`` or ``synthetic``).
    ``extra_files`` maps file names to text written beside ``values.csv`` (metadata).
    An existing extract at ``path`` is replaced only once the new one is complete.
    """
    path = Path(path)
    values = validate_values(values, path / "values.csv")
    source = dict(source)
    if source.get("kind") not in SOURCE_KINDS:
        raise ExtractError(f"{path}: source.kind {source.get('kind')!r} invalid; valid: {list(SOURCE_KINDS)}")
    if source["kind"] != "fetched":
        source["fetched"] = False
    csv_text = values_to_csv(values)
    digest = hashlib.sha256(csv_text.encode("utf-8")).hexdigest()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "source": source,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "created_by": f"fou {__version__}",
        "coverage": coverage(values),
        "files": {"values.csv": {"sha256": digest, "rows": int(len(values))}},
        **manifest_extra,
    }
    for name, text in (extra_files or {}).items():
        manifest["files"][name] = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    with atomic_directory(path) as tmp:
        (tmp / "values.csv").write_text(csv_text, encoding="utf-8")
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return load_extract(path)
