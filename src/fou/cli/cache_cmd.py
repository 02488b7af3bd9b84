"""``fou cache``: where fou keeps cached Kolada answers and notebook metadata, and emptying it."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from fou.cli import fail, main


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@main.group("cache", invoke_without_command=True)
@click.pass_context
def cache_group(ctx: click.Context) -> None:
    """Show the cache folder (FOU_CACHE_DIR or the platform's user cache folder) and what it holds."""
    if ctx.invoked_subcommand is not None:
        return
    from fou.extracts.paths import default_cache_dir

    folder = default_cache_dir()
    entries = sorted(folder.iterdir()) if folder.is_dir() else []
    click.echo(f"{folder}" + ("" if entries else " (empty)"))
    for entry in entries:
        click.echo(f"  {entry.name:<28} {_size(entry) / 1e6:8.1f} MB")


@cache_group.command("clear")
def clear_cmd() -> None:
    """Empty the cache: Kolada's HTTP answers, the catalogues, notebook metadata. The next fetch asks Kolada."""
    from fou.extracts.paths import default_cache_dir

    folder = default_cache_dir()
    if not folder.is_dir():
        click.echo(f"{folder}: no cache folder; nothing to clear")
        return
    removed = 0
    try:
        for entry in sorted(folder.iterdir()):
            removed += _size(entry)
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    except OSError as exc:
        fail(f"cannot clear the cache: {exc.filename or folder}: {exc.strerror or exc}", 1)
    click.echo(f"cleared {folder} ({removed / 1e6:.1f} MB)")
