"""The rendered pages in a real browser (Debian's chromium driven by Playwright), served from 127.0.0.1."""

from __future__ import annotations

import functools
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


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def served(default_run):
    out, _ = default_run

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
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, url
    return page, problems


def test_index_and_every_page_load_cleanly(browser, served):
    out, base = served
    page, problems = _visit(browser, f"{base}/index.html")
    links = page.eval_on_selector_all("a[href^='html/']", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 8
    assert "avskrivet ur rapporten" in page.inner_text("body")
    shots = out / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "index.png"), full_page=True)
    page.close()
    assert problems == []
    for link in links:
        page, problems = _visit(browser, f"{base}/{link}")
        text = page.inner_text("body")
        assert "Traceback" not in text and "Körningen misslyckades" not in text, link
        sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
        assert all(w > 0 and h > 0 for w, h in sizes), link
        assert page.query_selector(".jp-InputArea, .input_area, pre code.language-python") is None  # no code cells
        page.screenshot(path=str(shots / f"{Path(link).stem}.png"), full_page=True)
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


def test_pages_read_at_phone_width(browser, served):
    out, base = served
    for name in ("index", "html/03_referrals", "html/05_municipal_panel"):
        page, problems = _visit(browser, f"{base}/{name}.html", PHONE)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at phone width"
        page.screenshot(path=str(out / "screenshots" / f"phone-{Path(name).stem}.png"), full_page=True)
        page.close()
        assert problems == []


def test_evidence_tables_fit_desktop_and_a4(browser, served):
    """Every table of the evidence page fits its column at 1 280 px and when printed on A4 (718 px of text)."""
    _, base = served
    for media, width in (("screen", 1280), ("print", 718)):
        page, problems = _visit(browser, f"{base}/html/06_evidence.html", {"width": width, "height": 900})
        page.emulate_media(media=media)
        widths = page.eval_on_selector_all(".fou-scroll", "els => els.map(e => e.scrollWidth - e.clientWidth)")
        assert len(widths) >= 5 and max(widths) <= 1, (media, width, widths)
        text = page.inner_text("body")
        assert " nan " not in f" {text} " and "2 014" not in text and "2\u00a0014" not in text
        page.close()
        assert problems == []
