"""The rendered pages in a real browser (Debian's chromium driven by Playwright), served from 127.0.0.1."""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STUDY_TABLES = {"table1": 13, "table2": 14, "table3": 13, "table4": 13, "table5": 13}
PHONE = {"width": 390, "height": 844}


#: Screenshots of every page (phone, desktop, full length) for a human to look at: only when
#: FOU_SCREENSHOTS names a folder (nothing asserts on them, and they cost ~0.5 s a page).
SCREENSHOTS = os.environ.get("FOU_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def served(default_run):
    out = default_run[0]  # served read-only: the tests write nothing into the shared run

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _visit(browser, url: str, viewport: dict | None = None):
    page = browser.new_page(viewport=viewport or {"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))

    def outside(request):
        host = urlparse(request.url).hostname
        if request.url.startswith("data:") or host == "127.0.0.1":
            return
        problems.append(f"request leaving 127.0.0.1: {request.url}")

    page.on("request", outside)
    response = page.goto(url, wait_until="load")  # every image and stylesheet requested by the page is in
    assert response is not None and response.ok, url
    if page.evaluate("document.scripts.length"):  # a script may ask for more after load: wait until it is quiet
        page.wait_for_load_state("networkidle")
    return page, problems


def test_index_and_every_page_load_cleanly(browser, served):
    _, base = served
    page, problems = _visit(browser, f"{base}/index.html")
    links = page.eval_on_selector_all("a[href^='html/']", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 11  # 01–09 and two profiles (default_run)
    assert "avskrivet ur rapporten" in page.inner_text("body")
    _shot(page, "index")
    page.close()
    assert problems == []
    for link in links:
        page, problems = _visit(browser, f"{base}/{link}")
        text = page.inner_text("body")
        assert "Traceback" not in text and "Körningen misslyckades" not in text, link
        sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
        assert all(w > 0 and h > 0 for w, h in sizes), link
        assert page.query_selector(".jp-InputArea, .input_area, pre code.language-python") is None  # no code cells
        _shot(page, Path(link).stem)
        page.close()
        assert problems == [], (link, problems)


def test_study_tables_have_their_rows(browser, served):
    _, base = served
    found = {}
    for name in ("01_population_socioeconomics", "02_organisation_participants", "03_referrals"):
        page, problems = _visit(browser, f"{base}/html/{name}.html")
        for kind in STUDY_TABLES:
            rows = page.eval_on_selector_all(f"table[data-table='{kind}'] tbody tr", "els => els.length")
            if rows:
                found[kind] = rows
        page.close()
        assert problems == []
    assert found == STUDY_TABLES


PAGES = ("index", "html/01_population_socioeconomics", "html/02_organisation_participants", "html/03_referrals",
         "html/04_checks", "html/05_municipal_panel", "html/06_evidence", "html/07_experiment", "html/08_national_pilot",
         "html/09_national_context", "html/10_municipality_profile-ale")
#: Smallest rendered size (CSS px) of any text in a figure, at phone and desktop width.
MIN_FIGURE_TEXT_PX = 9.0
#: Figures not yet redrawn for phones by their page's owner: a lower floor, with the reason.
SMALL_FIGURES: dict[str, tuple[float, str]] = {}
FIGURE_TEXT = """() => [...document.querySelectorAll('figure img')]
  .filter(img => img.getBoundingClientRect().width > 0)
  .map(img => {
    const src = img.currentSrc || img.src;
    if (!src.startsWith('data:image/svg+xml;base64,')) return {alt: img.alt, svg: false, px: 0};
    const svg = atob(src.slice(src.indexOf(',') + 1));
    const width = Number(svg.match(/viewBox="([^"]+)"/)[1].trim().split(/\\s+/)[2]);
    const sizes = [...svg.matchAll(/font-size:\\s*([\\d.]+)px/g)].map(m => Number(m[1]));
    return {alt: img.alt, svg: true, texts: sizes.length,
            px: Math.min(...sizes) * img.getBoundingClientRect().width / width};
  })"""


def _figure_text(page) -> list[dict]:
    return page.evaluate(FIGURE_TEXT)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_pages_fit_the_screen_and_figure_text_is_legible(browser, served, viewport):
    _, base = served
    width = viewport["width"]
    for name in PAGES:
        page, problems = _visit(browser, f"{base}/{name}.html", viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {width}px"
        for fig in _figure_text(page):
            assert fig["svg"] and fig["texts"] > 0, (name, fig["alt"], "figures are SVG with real text")
            floor = SMALL_FIGURES.get(fig["alt"], (MIN_FIGURE_TEXT_PX, ""))[0]
            assert fig["px"] >= floor, f"{name}: text in '{fig['alt']}' is {fig['px']:.1f}px at {width}px"
        _shot(page, f"{'phone' if width < 500 else 'desktop'}-{Path(name).stem}")
        page.close()
        assert problems == [], (name, problems)


def test_study_figures_are_drawn_for_the_phone(browser, served):
    """On a phone the study pages show their phone variant: at least 10 px text, as wide as the screen allows."""
    _, base = served
    for name in ("02_organisation_participants", "03_referrals"):
        page, _ = _visit(browser, f"{base}/html/{name}.html", PHONE)
        figs = _figure_text(page)
        assert figs and all(f["px"] >= 10 for f in figs), (name, figs)
        page.close()


def test_statement_verdicts_stay_in_view_on_a_phone(browser, served):
    _, base = served
    page, _ = _visit(browser, f"{base}/html/04_checks.html", PHONE)
    boxes = page.eval_on_selector_all("table.fou-statements td.verdict-ja, table.fou-statements td.verdict-nej, "
                                      "table.fou-statements td.verdict-none",
                                      "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                      "return [e.innerText, r.left, r.right, r.width]; })")
    assert len(boxes) == 9
    assert all(w > 0 and left >= 0 and right <= PHONE["width"] for _, left, right, w in boxes), boxes
    assert [b[0] for b in boxes] == ["Ja"] * 8 + ["Nej"]
    page.close()


def test_wide_tables_scroll_inside_their_box_with_the_municipality_in_view(browser, served):
    _, base = served
    page, _ = _visit(browser, f"{base}/html/02_organisation_participants.html", PHONE)
    box = page.eval_on_selector("table[data-table='table3']", "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert box[0] > box[1]  # Table 3 is wider than the phone: it scrolls in its box, not the page
    page.eval_on_selector("table[data-table='table3']", "t => { t.parentElement.scrollLeft = 200; }")
    left = page.eval_on_selector("table[data-table='table3'] tbody td:first-child",
                                 "td => [td.innerText, td.getBoundingClientRect().left]")
    assert left[0] == "Ale" and 0 <= left[1] < 20  # the first column stays put while the rest scrolls
    page.close()


def test_pages_link_their_downloads(browser, served):
    out, base = served
    page, _ = _visit(browser, f"{base}/html/03_referrals.html")
    links = page.eval_on_selector_all(".fou-downloads a", "els => els.map(e => e.getAttribute('href'))")
    assert "../tables/table5_referrals_af.csv" in links and "../tables/excel/table5_referrals_af.csv" in links
    assert "../figures/03_referrals-diagram1.png" in links
    for href in links:
        assert (out / "html" / href).resolve().is_file(), href
    page.close()


def test_evidence_tables_fit_desktop_and_a4(browser, served):
    """Every table of the evidence page fits its column at 1 280 px and when printed on A4 (718 px of text)."""
    _, base = served
    for media, width in (("screen", 1280), ("print", 718)):
        page, problems = _visit(browser, f"{base}/html/06_evidence.html", {"width": width, "height": 900})
        page.emulate_media(media=media)
        widths = page.eval_on_selector_all(".fou-scroll", "els => els.map(e => e.scrollWidth - e.clientWidth)")
        assert len(widths) >= 5 and max(widths) <= 1, (media, width, widths)
        text = page.inner_text("body")
        assert " nan " not in f" {text} " and "2 014" not in text and "2\u00a0014" not in text and "2\u202f014" not in text
        page.close()
        assert problems == []


def test_pilot_tables_fit_desktop_and_link_every_table(browser, served):
    """Page 08's tables (the inference table had 11 columns) fit their column at 1 280 px, and the
    page links every CSV it wrote (pilot_att.csv, pilot_inference.csv, …) with its Excel version."""
    out, base = served
    page, problems = _visit(browser, f"{base}/html/08_national_pilot.html", {"width": 1280, "height": 900})
    widths = page.eval_on_selector_all(".fou-scroll", "els => els.map(e => e.scrollWidth - e.clientWidth)")
    assert len(widths) >= 6 and max(widths) <= 1, widths
    links = set(page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))"))
    page.close()
    assert problems == []
    for name in ("pilot_att", "pilot_inference", "pilot_pre_trends", "pilot_twfe_comparison", "pilot_covariate_adjusted",
                 "08_cross_section"):
        assert f"../tables/{name}.csv" in links and f"../tables/excel/{name}.csv" in links, name
        assert (out / "tables" / f"{name}.csv").is_file()


def test_profile_prints_on_two_a4_pages(browser, served):
    """The municipality profile is meant for paper too: its printout (print stylesheet) is at most two A4 pages."""
    _, base = served
    for name in ("ale", "bjurholm"):
        page, problems = _visit(browser, f"{base}/html/10_municipality_profile-{name}.html")
        pdf = page.pdf(prefer_css_page_size=True)  # the stylesheet says A4 and its margins
        page.close()
        assert problems == []
        assert 1 <= len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2, name


def test_pages_print_on_a4_without_orphan_headings(browser, served):
    """Printing a page gives A4 (not US Letter), white paper, and no heading as the last line of a sheet."""
    _, base = served
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/html/03_referrals.html")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    breaks = page.evaluate("[...document.querySelectorAll('h1, h2, h3')].map(h => getComputedStyle(h).breakAfter)")
    assert breaks and set(breaks) == {"avoid"}
    pdf = page.pdf(prefer_css_page_size=True)
    page.close()
    import re

    boxes = {tuple(round(float(v)) for v in m) for m in re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert boxes == {(595, 842)}  # A4 in points


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_national_context_page_at_phone_and_desktop_width(browser, served, viewport):
    """Page 09: five figures (four questions and Dua) drawn for the screen, the checks' verdicts in view,
    the contract CSVs linked, nothing wider than the screen."""
    out, base = served
    page, problems = _visit(browser, f"{base}/html/09_national_context.html", viewport)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    figs = _figure_text(page)
    assert len(figs) == 5 and all(f["svg"] and f["px"] >= MIN_FIGURE_TEXT_PX for f in figs), figs
    widths = page.eval_on_selector_all("figure img", "els => els.filter(e => e.getBoundingClientRect().width > 0)"
                                       ".map(e => e.getBoundingClientRect().right)")
    assert widths and max(widths) <= viewport["width"]
    verdicts = page.eval_on_selector_all("table.fou-statements td.verdict-ja, table.fou-statements td.verdict-nej, "
                                         "table.fou-statements td.verdict-none",
                                         "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                         "return [e.innerText, r.left, r.right]; })")
    assert len(verdicts) >= 20 and {v[0] for v in verdicts} <= {"Ja", "Nej", "–"}
    assert all(0 <= left and right <= viewport["width"] for _, left, right in verdicts)
    links = page.eval_on_selector_all(".fou-downloads a", "els => els.map(e => e.getAttribute('href'))")
    for name in ("skr_survey_2023", "skr_survey_respondents", "dua_2019_applications"):
        assert f"../tables/{name}.csv" in links and f"../tables/excel/{name}.csv" in links, name
    for href in links:
        assert (out / "html" / href).resolve().is_file(), href
    text = page.inner_text("body")
    assert "Västra Götaland" in text and "ekologiskt" in text and " nan " not in f" {text} "
    _shot(page, f"09-{viewport['width']}")
    page.close()
    assert problems == []
