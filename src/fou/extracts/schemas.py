"""Declared schemas of the data files pages read (evidence, municipality facts, pilot lists,
the 2021 roll-out of Rusta och matcha, reference units and groups), checked with pandera before any kernel starts.

A bad cell is one line naming the file, the row (as a spreadsheet counts it: the header is
row 1), the column and the value. pandera takes about 1,5 s to import, more than an
unchanged re-run may cost, so a file whose sha256 already passed its schema is not checked
again (the record lives in the cache folder; a cache that cannot be written only costs time).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fou.extracts.paths import default_cache_dir

DIRECTIONS = ("private_better", "no_difference", "private_worse", "mixed", "not_checked")
VERSION = 2  # bump when a schema changes, so files are checked again


class DataFileError(ValueError):
    """A data file that does not match its schema: names the file, row, column and value."""

    def __init__(self, path: Path, row: int | None, column: str, value: object, expected: str):
        self.path, self.row, self.column, self.value, self.expected = Path(path), row, column, value, expected
        if value is MISSING_COLUMN:
            text = f"data file {self.path}: column {column!r} is missing; expected {expected}"
        else:
            where = f"row {row}, " if row is not None else ""
            text = f"data file {self.path}: {where}column {column!r}: invalid value {value!r}; expected {expected}"
        super().__init__(text)


MISSING_COLUMN = object()


def _schemas() -> dict:
    """The schemas by name (built on first use: importing pandera is slow)."""
    import pandera.pandas as pa

    def text(required: bool = True, **kw) -> pa.Column:
        return pa.Column(str, nullable=not required, required=required, coerce=True, **kw)

    def number(required: bool = True, **kw) -> pa.Column:
        return pa.Column(float, nullable=True, required=required, coerce=True, **kw)

    flag = pa.Column(int, pa.Check.isin([0, 1]), nullable=False, coerce=True)
    optional_flag = pa.Column(int, pa.Check.isin([0, 1]), nullable=True, required=False, coerce=True)
    municipality_id = pa.Column(str, pa.Check.str_matches(r"^\d{4}$"), nullable=False, unique=True, coerce=True)
    direction = pa.Column(str, pa.Check.isin(DIRECTIONS), nullable=True, coerce=True)
    return {
        "evidence": pa.DataFrameSchema({
            "study": text(), "year": pa.Column(int, pa.Check.in_range(1950, 2100), coerce=True),
            "country": text(), "design": text(), "randomised": optional_flag, "in_report": optional_flag,
            "estimate": number(), "std_error": number(checks=pa.Check.gt(0)), "ci_low": number(), "ci_high": number(),
            "unit": text(required=False), "direction_report": direction, "direction_source": direction,
            "checked": text(), "source": text(), "locator": text(),
            "population": text(required=False), "horizon_months": number(required=False, checks=pa.Check.in_range(0, 600)),
        }, strict=False),
        "facts": pa.DataFrameSchema({
            "municipality_id": municipality_id, "municipality": text(),
            "trelleborg_model": flag, "own_agreement": flag, "state_present": flag,
            "took_over_samordningsforbund_2022": flag, "clearly_affected": flag,
        }, strict=False),
        "pilots": pa.DataFrameSchema({
            "municipality_id": pa.Column(str, [pa.Check.str_matches(r"^\d{4}$"),
                                               pa.Check(lambda s: ~s.str.startswith("00"), element_wise=False,
                                                        error="a municipality, not a region (00..)")],
                                         nullable=False, unique=True, coerce=True),
            "start": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}$"), nullable=True, required=False, coerce=True),
        }, strict=False),
        "rollout": pa.DataFrameSchema({
            "stage": pa.Column(int, pa.Check.gt(0), unique=True, coerce=True),
            "start": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$"), coerce=True),
            "municipalities": pa.Column(int, pa.Check.in_range(1, 290), coerce=True),
            "source": text(), "url": text(checks=pa.Check.str_matches(r"^https://")),
        }, strict=False),
        "units": pa.DataFrameSchema({
            "id": pa.Column(str, pa.Check.str_matches(r"^\d{4}$"), unique=True, coerce=True),
            "title": text(), "type": pa.Column(str, pa.Check.isin(["K", "L"]), coerce=True),
        }, strict=False),
        "groups": pa.DataFrameSchema({
            "group_id": text(checks=pa.Check.str_matches(r"^G\d+$")), "group_title": text(),
            "member_id": pa.Column(str, pa.Check.str_matches(r"^\d{4}$"), coerce=True), "member_title": text(),
        }, strict=False),
    }


SCHEMAS = ("evidence", "facts", "pilots", "rollout", "units", "groups")


def _cache_file() -> Path:
    return default_cache_dir() / "validated-data.json"


def _passed() -> dict[str, str]:
    try:
        return json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember(key: str, schema: str) -> None:
    try:
        record = _passed()
        record[key] = schema
        _cache_file().parent.mkdir(parents=True, exist_ok=True)
        _cache_file().write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        pass


def check_file(path: str | Path, schema: str) -> None:
    """Check the CSV at ``path`` against the named schema; raise :class:`DataFileError` on the first bad cell."""
    path = Path(path)
    data = path.read_bytes()
    key = f"{VERSION}:{schema}:{hashlib.sha256(data).hexdigest()}"
    if _passed().get(key) == schema:
        return
    _validate(path, schema)
    _remember(key, schema)


def _validate(path: Path, schema: str) -> None:
    import pandas as pd
    import pandera.errors as pe

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataFileError(path, None, "", "", f"a readable CSV ({exc})") from None
    try:
        _schemas()[schema].validate(frame, lazy=True)
    except pe.SchemaErrors as errors:
        raise _first(path, errors.failure_cases, schema) from None


def _first(path: Path, cases, schema: str) -> DataFileError:
    """The first failure, as a spreadsheet user finds it."""
    cases = cases.copy()
    cases["row"] = pd_row(cases["index"])
    cases = cases.sort_values(["row", "column"], na_position="first", kind="stable")
    case = cases.iloc[0]
    column = str(case["column"]) if case["column"] is not None and str(case["column"]) != "None" else str(case["failure_case"])
    if case["check"] == "column_in_dataframe":
        return DataFileError(path, None, column, MISSING_COLUMN, f"the columns of the '{schema}' schema in fou.extracts.schemas")
    row = None if case["row"] != case["row"] else int(case["row"])
    return DataFileError(path, row, column, case["failure_case"], _expected(str(case["check"])))


def pd_row(index):
    """Spreadsheet rows from frame positions (header = row 1)."""
    import pandas as pd

    return pd.to_numeric(index, errors="coerce") + 2


def _expected(check: str) -> str:
    """The schema's check in words."""
    if check.startswith("isin("):
        return "one of " + check[len("isin("):-1]
    if check.startswith("in_range("):
        return "a number in " + check[len("in_range("):-1].replace(", ", "–")
    if check.startswith("str_matches("):
        return "text matching " + check[len("str_matches("):-1]
    if check.startswith("coerce_dtype("):
        return "a " + {"'float64'": "number", "'int64'": "whole number"}.get(check[len("coerce_dtype("):-1], check)
    if check.startswith("greater_than("):
        return "a number > " + check[len("greater_than("):-1]
    if check == "not_nullable":
        return "a value (the cell is empty)"
    if check == "field_uniqueness":
        return "a value that occurs once"
    return check
