"""Every page under other parameters than the defaults: the words, counts, year spans and links
follow the data it ran on (issue 18). One entry per parameter set in the session's run of the
notebooks under other parameters (tests/variants.py); each page is checked for what must hold on any data."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from .variants import SWEEP, entries_ok

pytestmark = pytest.mark.slow

SETS = SWEEP  # entry name → (notebook, parameters, municipalities in the region or None, years shown or None)
LEAKS = re.compile(r"\b(nan|NaN|None|<NA>|NaT|Traceback|Exception)\b")


class _Text(HTMLParser):
    """Visible text, table headers and links of a page."""

    def __init__(self):
        super().__init__()
        self.text, self.headers, self.hrefs, self._skip, self._th = [], [], [], 0, False

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self._th = self._th or tag == "th"
        href = dict(attrs).get("href")
        if href and not href.startswith(("data:", "http", "#")):
            self.hrefs.append(href)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "th":
            self._th = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
            if self._th and data.strip():
                self.headers.append(data.strip())


@pytest.fixture(scope="module")
def sweep(variant_run):
    """The sweep's pages in the session's run of the notebooks under other parameters (tests/variants.py)."""
    out, _ = entries_ok(variant_run, *SETS)
    return out, pd.read_csv(out.parent / "pilots13.csv", dtype=str)


def _page(out: Path, name: str) -> _Text:
    parsed = _Text()
    parsed.feed((out / "html" / f"{name}.html").read_text(encoding="utf-8"))
    return parsed


@pytest.mark.parametrize("name", list(SETS))
def test_no_missing_marker_or_english_leaks_into_the_page(sweep, name):
    page = _page(sweep[0], name)
    text = " ".join(page.text)
    assert LEAKS.findall(text) == []
    raw_ids = [h for h in page.headers if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", h)]
    assert raw_ids == []  # column ids such as std_error never reach a reader


@pytest.mark.parametrize("name", list(SETS))
def test_every_link_resolves(sweep, name):
    out = sweep[0]
    page = _page(out, name)
    assert [h for h in page.hrefs if not (out / "html" / h).resolve().is_file()] == []


@pytest.mark.parametrize("name", [n for n, s in SETS.items() if s[2] is not None])
def test_region_counts_and_years_in_the_header_follow_the_parameters(sweep, name):
    _, params, count, years = SETS[name]
    text = re.sub(r"\s+", " ", " ".join(_page(sweep[0], name).text))
    word = "kommun" if count == 1 else "kommuner"
    assert f": {count} {word}" in text
    if years:
        assert years in text
    assert "Göteborgsregionen: 13 kommuner" not in text or count == 13


def test_the_pilot_page_counts_the_list_it_was_given(sweep):
    out, small = sweep
    text = re.sub(r"\s+", " ", " ".join(_page(out, "08-small-list").text))
    assert "32 kommuner" not in text and "32 pilot" not in text
    assert re.search(r"\b13\b", text)
