"""Resolve and validate a study's inputs (extract, region, years) before any kernel starts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fou.study import definition as study
from fou.extracts.format import Extract, ExtractError, load_extract
from fou.extracts.params import ParameterError, check_years_available, parse_year, parse_years
from fou.extracts.paths import data_dir
from fou.extracts.regions import Catalogue, Region


def shipped_extracts() -> list[str]:
    """Names of the extracts shipped under ``data/extracts``."""
    root = data_dir() / "extracts"
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []


def resolve_extract_path(value: str | Path | None, base: Path | None = None) -> Path:
    """A folder path, or the name of a shipped extract (``report-2023``); empty means the latter."""
    if value is None or str(value).strip() == "":
        value = "report-2023"
    path = Path(str(value)).expanduser()
    candidates = [path] if path.is_absolute() else [(base or Path.cwd()) / path, data_dir() / "extracts" / path]
    for cand in candidates:
        if cand.is_dir() or cand.is_file():
            return cand.resolve()
    raise ParameterError("extract", str(value),
                         f"no such folder; expected a folder with values.csv and manifest.json, "
                         f"or a shipped extract name: {', '.join(shipped_extracts()) or '(none)'}")


def open_extract(value: str | Path | None, base: Path | None = None) -> Extract:
    """Load the extract named by a parameter value, turning extract problems into parameter errors.

    Loaded extracts are reused within the process while their files are unchanged."""
    path = resolve_extract_path(value, base)
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None
                  for p in (path / "values.csv", path / "manifest.json")) if path.is_dir() else None
    try:
        return _load_cached(str(path), stamp)
    except ExtractError as exc:
        raise ParameterError("extract", str(value), f"the extract is not usable: {exc}") from exc


@lru_cache(maxsize=8)
def _load_cached(path: str, stamp: object) -> Extract:
    return load_extract(path)


@dataclass
class StudyInputs:
    """Validated inputs of a study notebook."""

    extract: Extract
    catalogue: Catalogue
    region: Region
    year: int
    years: tuple[int, ...]

    @property
    def values(self):
        return self.extract.values


def resolve_inputs(extract: str | Path | None = None, region: str | Sequence[str] = study.DEFAULT_REGION,
                   year: int | str | None = study.DEFAULT_YEAR, years: object = study.DEFAULT_YEARS,
                   metadata: str | Path | None = None, base: Path | None = None) -> StudyInputs:
    """Validate every input; raise :class:`ParameterError` naming the first bad one.

    ``year`` None means the last of ``years``."""
    ex = open_extract(extract, base)
    if metadata:
        meta = Path(str(metadata)).expanduser()
        if not meta.is_dir():
            raise ParameterError("metadata", str(metadata), "no such folder; expected a folder with Kolada's municipalities.csv and municipality_groups.csv, or empty")
    catalogue = Catalogue.build(extract_dir=ex.path, extract_units=ex.units(), metadata_dir=metadata or None)
    reg = catalogue.resolve(region, "region")
    absent = [i for i in reg.ids if i not in set(ex.values["municipality_id"])]
    if len(absent) == len(reg.ids):
        raise ParameterError("region", region, f"none of its municipalities ({', '.join(reg.ids[:6])}…) is in the extract {ex.path}; "
                             f"the extract covers {len(ex.units())} units, e.g. {', '.join(ex.units()['municipality'].head(5))}")
    ys = parse_years(years, "years")
    y = ys[-1] if year is None else parse_year(year, "year")
    check_years_available([y], ex.years, "year")
    check_years_available(ys, ex.years, "years")
    return StudyInputs(ex, catalogue, reg, y, ys)
