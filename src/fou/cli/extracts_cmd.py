"""``fou extracts``: inspect and compare extracts."""

from __future__ import annotations

from pathlib import Path

import click

from fou.cli import fail, main
from fou.extracts.params import ParameterError


@main.group("extracts")
def extracts_group() -> None:
    """Inspect and compare extracts."""


@extracts_group.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every added, removed and revised value to this CSV file.")
def diff_cmd(a, b, csv_path) -> None:
    """Values added, removed and revised from extract A to extract B."""
    from fou.extracts.atomic import atomic_write_text
    from fou.extracts.diff import diff_summary, diff_values
    from fou.study.definition import rounding_tolerances
    from fou.study.inputs import open_extract

    try:
        ea, eb = open_extract(a), open_extract(b)
    except ParameterError as exc:
        fail(str(exc), 2)
    tolerance: float | dict[str, float] = 1e-9
    if "transcribed" in (ea.source_kind, eb.source_kind):
        tolerance = rounding_tolerances(sorted(set(ea.kpis) | set(eb.kpis)))
        click.echo("A transcribed extract is involved: differences within the report's rounding are not revisions.")
    diff = diff_values(ea.values, eb.values, tolerance)
    summary = diff_summary(diff)
    click.echo(f"A: {ea.path} ({ea.source_kind}, {len(ea.values)} rows)\nB: {eb.path} ({eb.source_kind}, {len(eb.values)} rows)")
    click.echo(summary.to_string(index=False) if len(summary) else "no differences")
    shown = diff.head(40)
    if len(shown):
        click.echo(shown.to_string(index=False))
        if len(diff) > len(shown):
            click.echo(f"… {len(diff) - len(shown)} more rows" + (f" in {csv_path}" if csv_path else
                                                                  "; --csv FILE writes them all"))
    if csv_path is not None:
        atomic_write_text(csv_path, diff.to_csv(index=False, lineterminator="\n"))
        click.echo(f"wrote {csv_path} ({len(diff)} rows)")
