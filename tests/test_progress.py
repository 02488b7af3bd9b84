"""``fou run``'s progress display: a live bar on a terminal, plain lines in logs and pipes, nothing with --quiet."""

from __future__ import annotations

import io

from fou.cli.progress import RunDisplay


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _events(display: RunDisplay) -> None:
    display("a", "skipped", 0.0)
    display("b", "running", None, ["--force"])
    display("c", "running", None, ["parameter region changed"])
    display("b", "ok", 1.5)
    display("c", "failed", 2.0)
    display.close()


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    _events(RunDisplay(3, stream=out))
    lines = out.getvalue().splitlines()
    assert [ln.split()[:3] for ln in lines] == [["=", "a", "skipped"], ["…", "b", "running"], ["…", "c", "running"],
                                              ["✓", "b", "ok"], ["✗", "c", "failed"]]
    assert "(--force)" in lines[1] and lines[3].endswith("1.5 s")
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_live_bar_on_a_terminal_counts_every_entry():
    out = Terminal()
    _events(RunDisplay(3, stream=out))
    text = out.getvalue()
    assert "\r" in text  # redrawn in place
    assert "3/3" in text and "1/3" in text
    finished = [ln for ln in text.replace("\r", "\n").splitlines() if ln.startswith(("✓", "✗"))]
    assert [ln.split()[1] for ln in finished] == ["b", "c"]  # finished entries get a line above the bar
    assert "running" not in text.replace("\r", "\n").split("\n")[0]


def test_quiet_shows_only_failures_even_on_a_terminal():
    out = Terminal()
    _events(RunDisplay(3, quiet=True, stream=out))
    assert out.getvalue().splitlines() == [ln for ln in out.getvalue().splitlines() if ln.startswith("✗")]
    assert len(out.getvalue().splitlines()) == 1 and "\r" not in out.getvalue()
