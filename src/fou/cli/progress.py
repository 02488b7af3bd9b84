"""What ``fou run`` shows while it works: a live bar on a terminal, plain lines otherwise.

- On a terminal (stdout is a TTY): one tqdm bar over the entries to run (done/total,
  elapsed, estimated time left, the entries running now); a line above the bar for
  each entry that finished or failed. Skipped entries only count.
- Not a terminal (CI logs, pipes, files): one plain line per event, as before
  (``… name running (why)``, ``✓ name ok 12.3 s``, ``= name skipped``), no control
  characters.
- ``--quiet``: nothing but failures (the final summary line is printed by the command).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import click

MARKS = {"running": "…", "ok": "✓", "failed": "✗", "skipped": "="}


def line(name: str, state: str, secs: float | None, why: list[str] | None = None) -> str:
    """``✓ 03_referrals                             ok         19.1 s``."""
    tail = f"{secs:6.1f} s" if secs is not None else ("  (" + "; ".join(why) + ")" if why else "")
    return f"{MARKS.get(state, '?')} {name:<40} {state:<8} {tail}"


class RunDisplay:
    """A ``report(name, state, seconds[, reasons])`` callback for :func:`fou.run.runner.run`."""

    def __init__(self, total: int, quiet: bool = False, stream: TextIO | None = None, live: bool | None = None):
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.live = (not quiet and self.stream.isatty()) if live is None else (live and not quiet)
        self.total = total
        self.running: list[str] = []
        self.bar: Any = None

    def _bar(self):
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, file=self.stream, unit="page", dynamic_ncols=True, leave=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}")
        return self.bar

    def __call__(self, name: str, state: str, secs: float | None, why: list[str] | None = None) -> None:
        if self.quiet:
            if state == "failed":
                click.echo(line(name, state, secs, why), file=self.stream)
            return
        if not self.live:
            click.echo(line(name, state, secs, why), file=self.stream)
            return
        bar = self._bar()
        if state == "running":
            self.running.append(name)
        else:
            if name in self.running:
                self.running.remove(name)
            if state != "skipped":
                bar.write(line(name, state, secs), file=self.stream)
            bar.update(1)
        shown = ", ".join(self.running[:3]) + (f" +{len(self.running) - 3}" if len(self.running) > 3 else "")
        bar.set_postfix_str(shown, refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str("", refresh=False)
            self.bar.close()
            self.bar = None
