"""Console output of the finding commands: tables that fit the terminal, or JSON for scripts,
and the options they share (where Kolada's catalogues come from)."""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from fou.cli import fail


def echo_json(obj: Any) -> None:
    """JSON on stdout (UTF-8, missing values as null)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as ``None``."""
    return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in df.to_dict("records")]


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def echo_table(df: pd.DataFrame, columns: dict[str, str], *, flexible: str = "title", width: int | None = None) -> None:
    """Print ``df``'s ``columns`` (name → heading) as an aligned table; the ``flexible``
    column is cut with "…" so that lines fit the terminal."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = {c: ["" if _missing(v) else str(v) for v in df[c]] for c in columns}
    widths = {c: max([len(h)] + [len(v) for v in cells[c]]) for c, h in columns.items()}
    if flexible in widths:
        others = sum(w + 2 for c, w in widths.items() if c != flexible)
        widths[flexible] = max(20, min(widths[flexible], width - others))
    line = "  ".join(h.ljust(widths[c]) for c, h in columns.items())
    click.echo(line.rstrip())
    for i in range(len(df)):
        parts = []
        for c in columns:
            v = cells[c][i]
            if len(v) > widths[c]:
                v = v[: widths[c] - 1] + "…"
            parts.append(v.ljust(widths[c]))
        click.echo("  ".join(parts).rstrip())


def yes_no(value: Any) -> str:
    return "" if _missing(value) else ("yes" if value else "no")


def metadata_options(func: Callable) -> Callable:
    """Options of the finding commands: where the catalogues come from, and --json."""
    options = [
        click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table."),
        click.option("--extract", type=click.Path(file_okay=False), default=None,
                     help="Search an extract's own metadata (kpis.csv, units.csv, groups.csv), offline."),
        click.option("--metadata", "folder", type=click.Path(file_okay=False), default=None, envvar="FOU_KOLADA_METADATA",
                     help="Folder of Kolada CSVs (kpi_catalogue.csv, municipalities.csv, ...), offline."),
        click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3)."),
        click.option("--refresh", is_flag=True, help="Ask Kolada again even if the cached catalogue is fresh (< 24 h)."),
        click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def open_metadata(extract: str | None, folder: str | None, base_url: str | None, refresh: bool, timeout: float):
    """The catalogues from the options (see :mod:`fou.kolada.metadata`)."""
    from fou.kolada.metadata import Metadata

    if extract and folder:
        fail("use either --extract or --metadata, not both")
    if extract:
        from fou.study.inputs import resolve_extract_path

        extract = str(resolve_extract_path(extract))
    return Metadata(base_url, extract=extract, folder=folder, refresh=refresh, timeout=timeout)


def catalogue_errors(func: Callable) -> Callable:
    """Turn Kolada and file problems into one-line errors (exit 1 and 2)."""
    from fou.extracts.params import ParameterError
    from fou.kolada.client import KoladaError

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KoladaError as exc:
            fail(str(exc), 1)
        except (FileNotFoundError, ParameterError) as exc:
            fail(str(exc), 2)

    return wrapper


def notes(md: Any) -> None:
    """Notes about where the catalogue came from, on stderr."""
    for note in getattr(md, "notes", []):
        click.echo(f"note: {note}", err=True)


def echo_groups(hits: pd.DataFrame, groups: pd.DataFrame, members: bool | None, what: str) -> None:
    """A table of groups; their members too when asked, or when at most three groups match."""
    from fou.kolada.search import members as group_members

    echo_table(hits, {"id": "id", "title": "title", "members": what})
    if members or (members is None and len(hits) <= 3):
        for g in records(hits):
            click.echo(f"\n{g['id']}  {g['title']}")
            for m in records(group_members(groups, g["id"])):
                click.echo(f"  {m['id']}  {m['title']}")


def echo_group_values(values: pd.DataFrame, rows: int = 30) -> None:
    """The group rows of freshly fetched values: Kolada's own group means with their counts."""
    g = values[values["municipality_id"].str.startswith("G")]
    click.echo("Kolada's group values (unweighted mean of the members with a value; count = how many):")
    echo_table(g.head(rows).assign(value=g["value"].head(rows).round(2)),
               {"kpi": "kpi", "municipality_id": "group", "municipality": "title", "year": "year", "gender": "gender",
                "value": "value", "count": "count"}, flexible="municipality")
    if len(g) > rows:
        click.echo(f"… {len(g) - rows} more group rows in values.csv")
