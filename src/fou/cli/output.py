"""Console output of the finding commands: tables that fit the terminal (rich), or JSON for
scripts, and the options they share (where Kolada's catalogues come from, --json, --limit)."""

from __future__ import annotations

import functools
import io
import json
import shutil
import sys
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


def echo_table(df: pd.DataFrame, columns: dict[str, str], *, flexible: str = "title", width: int | None = None,
               wrap: bool = False) -> None:
    """Print ``df``'s ``columns`` (name → heading) as an aligned table (rich); the ``flexible``
    column is cut with "…" so that lines fit the terminal (``COLUMNS``, else 120 off a terminal),
    or wrapped onto more lines with ``wrap`` (text that must be read whole, such as a problem)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    width = width or shutil.get_terminal_size((120, 24)).columns
    if wrap and not sys.stdout.isatty():
        width = max(width, 400)  # off a terminal (a pipe, a log) text that must be read whole stays on one line
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1))
    for c, heading in columns.items():
        table.add_column(heading, no_wrap=c != flexible, min_width=20 if c == flexible else None,
                         overflow="fold" if wrap and c == flexible else "ellipsis")
    folds = [wrap and c == flexible for c in columns]
    for row in df[list(columns)].itertuples(index=False):
        table.add_row(*[Text("" if _missing(v) else str(v), no_wrap=not fold, overflow="fold" if fold else "ellipsis")
                        for v, fold in zip(row, folds)])
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, emoji=False)
    with console.capture() as captured:
        console.print(table)
    for line in captured.get().splitlines():
        click.echo(line.rstrip())


def echo_listing(rows: pd.DataFrame, *, as_json: bool, columns: dict[str, str], empty: str, footer: str,
                 json_rows: list[dict[str, Any]] | None = None) -> None:
    """What every finding command prints: JSON (``json_rows``, else ``rows``), or a table of
    ``rows`` with ``footer`` below, or ``empty`` when nothing matched."""
    if as_json:
        echo_json(records(rows) if json_rows is None else json_rows)
    elif rows.empty:
        click.echo(empty)
    else:
        echo_table(rows, columns)
        click.echo(footer)


def limit_option(default: int) -> Callable:
    """``--limit``: rows to show (0: all)."""
    return click.option("--limit", type=click.IntRange(0), default=default, show_default=True, help="Rows to show (0: all).")


def more_hint(shown: pd.DataFrame, hits: pd.DataFrame) -> str:
    return "; --limit 0 shows all" if len(hits) > len(shown) else ""


def yes_no(value: Any) -> str:
    return "" if _missing(value) else ("yes" if value else "no")


JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table.")
API_OPTIONS = [
    click.option("--base-url", default=None, help="Kolada v3 base URL (default $FOU_KOLADA_URL or https://api.kolada.se/v3)."),
    click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request."),
]


def api_options(func: Callable) -> Callable:
    """``--json``, ``--base-url`` and ``--timeout``: the options of a command that asks Kolada directly."""
    for option in reversed([JSON_OPTION, *API_OPTIONS]):
        func = option(func)
    return func


def metadata_options(func: Callable) -> Callable:
    """Options of the finding commands: where the catalogues come from, and --json."""
    options = [
        JSON_OPTION,
        click.option("--extract", type=click.Path(file_okay=False), default=None,
                     help="Search an extract's own metadata (kpis.csv, units.csv, groups.csv), offline."),
        click.option("--metadata", "folder", type=click.Path(file_okay=False), default=None, envvar="FOU_KOLADA_METADATA",
                     help="Folder of Kolada CSVs (kpi_catalogue.csv, municipalities.csv, ...), offline."),
        API_OPTIONS[0],
        click.option("--refresh", is_flag=True, help="Ask Kolada again even if the cached catalogue is fresh (< 24 h)."),
        API_OPTIONS[1],
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


def group_records(hits: pd.DataFrame, groups: pd.DataFrame) -> list[dict[str, Any]]:
    """Groups with their members, for JSON."""
    from fou.kolada.search import members as group_members

    return [{**g, "members": records(group_members(groups, g["id"]))} for g in records(hits)]


def echo_groups(hits: pd.DataFrame, groups: pd.DataFrame, members: bool | None, what: str) -> None:
    """A table of groups; their members too when asked, or when at most three groups match."""
    echo_table(hits, {"id": "id", "title": "title", "members": what})
    if members or (members is None and len(hits) <= 3):
        for g in group_records(hits, groups):
            click.echo(f"\n{g['id']}  {g['title']}")
            for m in g["members"]:
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
