"""The ``fou`` command line (click: nested commands, typed options, clear usage errors).

The commands live in one module each (``run``, ``fetch``, ``extracts``; ``kpi``, ``units``/``groups``/``ou``
for finding things in Kolada) and register on :data:`main`."""

from __future__ import annotations

import sys

import click

from fou import __version__


def fail(message: str, code: int = 2) -> None:
    click.echo(f"fou: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fou")
def main() -> None:
    """Research workbench for Kolada labour-market statistics (FoU i Väst study)."""


from fou.cli import extracts_cmd, fetch_cmd, run_cmd  # noqa: E402,F401  (register the commands)
from fou.cli import extracts_manage_cmd, kpi_cmd, units_cmd  # noqa: E402,F401  (register the finding commands)

from fou.cli import cache_cmd  # noqa: E402,F401  (fou cache)
