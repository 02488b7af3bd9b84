"""Every page under other parameters than the defaults: the words, counts, year spans and links
follow the data it ran on (issue 18). One ``fou run`` of a configuration with one entry per
parameter set; each page is checked for what must hold on any data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from fou.extracts.paths import REPO_ROOT

pytestmark = pytest.mark.slow

THREE = "Ale, Kungälv, Tjörn"
#: entry name → (notebook, parameters, municipalities in the region or None, years shown or None)
SETS = {
    "01-three-2021": ("01_population_socioeconomics", {"region": THREE, "year": 2021}, 3, None),
    "03-kungalv": ("03_referrals", {"region": "Kungälv", "years": "2019-2022"}, 1, "2019–2022"),
    "04-later-years": ("04_checks", {"years": "2019-2022"}, 13, None),
    "05-three": ("05_municipal_panel", {"region": THREE, "years": "2018-2022"}, 3, "2018–2022"),
    "06-dl": ("06_evidence", {"tau2": "dl"}, None, None),
    "07-few-draws": ("07_experiment", {"draws": 199}, None, None),
    "08-small-list": ("08_national_pilot", {"extract": "kolada-national", "pilots": "{pilots}"}, None, None),
    "09-skane-2019": ("09_national_context", {"extract": "kolada-national", "questions": "13,15", "kpis": "N03920",
                                              "year": 2019, "highlight": "Skåne", "draws": 999}, None, None),
}
# The profile of a pilot municipality (Bjurholm) is in the session's default run: tests/test_run.py checks
# every page of that run for the same leaks and links (test_no_leaks_and_every_link_resolves_on_default_pages).
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


def _toml_value(value) -> str:
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    pilots = pd.read_csv(REPO_ROOT / "data" / "reference" / "krom_pilot_municipalities.csv", dtype=str)
    small = pilots[pilots["pilot_area"].isin(["Västerbotten", "Västmanland"])].head(13)
    assert len(small) == 13 and small["pilot_area"].nunique() == 2
    small.to_csv(tmp / "pilots13.csv", index=False)
    lines = ['[defaults]\nextract = "report-2023"\nregion = "Göteborgsregionen"\nyear = 2022\nyears = "2017-2022"\n']
    for name, (notebook, params, _, _) in SETS.items():
        params = {k: (str(tmp / "pilots13.csv") if v == "{pilots}" else v) for k, v in params.items()}
        inline = ", ".join(f"{k} = {_toml_value(v)}" for k, v in params.items())
        lines.append(f'[[entry]]\nname = "{name}"\nnotebook = "{notebook}.ipynb"\ntitle = "{name}"\n'
                     f"parameters = {{ {inline} }}\n")
    (tmp / "run.toml").write_text("\n".join(lines), encoding="utf-8")
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-m", "fou", "run", "--config", str(tmp / "run.toml"), "--out", str(out),
                           "--jobs", "2", "--quiet"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, small


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
