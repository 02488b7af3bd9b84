"""JupyterLab in a real browser (Debian's chromium driven by Playwright), as a researcher uses it.

``make lab``'s working copy is built in a temporary folder, JupyterLab is started on it the
way ``fou.run.lab`` starts it (fresh user settings, 127.0.0.1), notebook 03 is run and saved
there, and the computed styles of the data-source badge, the verdict cells, Table 5's three
greens with their legend squares and the "Observera" box are compared with the reader's page
of the same notebook from ``fou run``. Skips when chromium or Playwright is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from fou.extracts.paths import notebooks_dir
from fou.run import kernel, lab


pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "fou-lab-test"
NOTEBOOK = "03_referrals"
#: what a reader sees of each element: compared between Lab and the reader's page
PROPS = ("backgroundColor", "color", "textAlign", "fontWeight", "borderLeftColor", "borderTopWidth", "display")
ELEMENTS = {
    "badge": ".fou-provenance .badge",
    "verdict_ja": "td.verdict-ja", "verdict_nej": "td.verdict-nej", "verdict_header": "th.verdict",
    "shade_high": "td.shade-high", "shade_middle": "td.shade-middle", "shade_low": "td.shade-low",
    "swatch_high": ".fou-swatch.shade-high", "swatch_middle": ".fou-swatch.shade-middle",
    "swatch_low": ".fou-swatch.shade-low",
    "number": "table.fou-table5 td.num", "name": "table.fou-table5 tbody td:first-child",
    "header": "table.fou-table5 th", "note": ".fou-note", "provenance": ".fou-provenance",
}
LAB_LOOK = """() => [document.body, document.querySelector('.jp-Notebook'),
  document.querySelector('.jp-RenderedMarkdown h2'), document.querySelector('.jp-InputArea-editor')]
  .map(e => { const s = getComputedStyle(e); return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.margin]; })"""
STYLES = """(spec) => { const out = {};
  for (const [key, sel] of Object.entries(spec.elements)) {
    const el = document.querySelector(sel);
    if (!el) { out[key] = null; continue; }
    const s = getComputedStyle(el); out[key] = Object.fromEntries(spec.props.map(p => [p, s[p]]));
  }
  return out; }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read()
    except OSError as exc:
        return getattr(exc, "code", 0) or 0, b""


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory, default_run):
    """JupyterLab on a fresh working copy, with the reader's pages (the session's default run, only read)
    in ``outputs``."""
    base = tmp_path_factory.mktemp("lab")
    work, outputs = base / "work", default_run[0]
    lab.sync(notebooks_dir(), work)
    lab.link_outputs(work, outputs)
    kernel.ensure_kernel()
    kernel.ensure_lab_settings()
    port = _free_port()
    env = {**os.environ, **{k: str(base / k.lower()) for k in (
        "JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_RUNTIME_DIR")}}
    argv = lab.command(work, ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                              "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
                              "--LabApp.expose_app_in_browser=True"])
    log = (base / "lab.log").open("w")
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 180  # generous: a loaded machine is slow, not broken
        while _get(f"{url}/api/status?token={TOKEN}")[0] != 200:
            assert server.poll() is None, (base / "lab.log").read_text()
            assert time.monotonic() < end, "JupyterLab did not start in 180 s"
            time.sleep(0.5)
        yield {"url": url, "work": work, "outputs": outputs, "base": base}
    finally:
        server.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _shas(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_lab_settings_and_pages_are_reachable(lab_server):
    url = lab_server["url"]
    status, body = _get(f"{url}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={TOKEN}")
    assert status == 200
    found = json.loads(body)  # overrides.json becomes the schema's defaults (Lab's own: "none" = ask, true)
    defaults = {k: v.get("default") for k, v in found["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
    assert "fetchNews" not in found["settings"]  # a fresh profile: nothing the user chose
    status, _ = _get(f"{url}/api/contents/outputs/html/{NOTEBOOK}.html?token={TOKEN}&content=0")
    assert status == 200  # the rendered pages are reachable from inside Lab
    status, body = _get(f"{url}/api/contents?token={TOKEN}&content=1")
    names = {item["name"] for item in json.loads(body)["content"]}
    assert {f"{NOTEBOOK}.ipynb", "outputs"} <= names


def test_notebook_in_lab_looks_like_the_reader_page(browser, lab_server):
    url, work = lab_server["url"], lab_server["work"]
    sources_before = _shas(notebooks_dir())
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab/tree/{NOTEBOOK}.ipynb?token={TOKEN}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=180_000)
    page.wait_for_selector(".jp-RenderedMarkdown h2", timeout=120_000)
    lab_look = page.evaluate(LAB_LOOK)
    kernel_name = page.evaluate("""async () => { const w = window.jupyterapp.shell.currentWidget;
        await w.context.ready; await w.sessionContext.ready;
        return w.sessionContext.session && w.sessionContext.session.kernel.name; }""")
    assert kernel_name == "fou"  # "Python (fou)" chosen from the notebook, no kernel dialog
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".jp-OutputArea-output td.verdict-nej", timeout=300_000)
    page.wait_for_selector(".jp-OutputArea-output td.shade-high", timeout=120_000)
    in_lab = page.evaluate(STYLES, {"elements": {k: f".jp-OutputArea-output {v}" for k, v in ELEMENTS.items()},
                                    "props": list(PROPS)})
    # Lab itself is not restyled by the stylesheet the outputs carry
    assert page.evaluate(LAB_LOOK) == lab_look
    assert page.locator("text=Jupyter news").count() == 0
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
    assert errors == 0
    empty = page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea-child')]"
                          ".filter(c => !c.innerText.trim() && !c.querySelector('img, svg')).length")
    assert empty == 0
    shots = lab_server["base"] / "screenshots"
    shots.mkdir(exist_ok=True)
    page.locator("table.fou-table5").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "lab-03.png"))
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    end = time.monotonic() + 120
    while "fou-output" not in (work / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"):
        assert time.monotonic() < end, "Lab did not save the working copy"
        time.sleep(0.3)
    page.close()

    reader = browser.new_page(viewport={"width": 1400, "height": 1000})
    reader.goto((lab_server["outputs"] / "html" / f"{NOTEBOOK}.html").as_uri())
    on_page = reader.evaluate(STYLES, {"elements": ELEMENTS, "props": list(PROPS)})
    reader.close()
    for key in ("badge", "verdict_ja", "verdict_nej", "shade_high", "shade_middle", "shade_low", "swatch_high"):
        assert on_page[key] is not None and in_lab[key] is not None, key
    assert in_lab == on_page
    assert in_lab["shade_high"]["backgroundColor"] == "rgb(46, 125, 50)"  # the report's darkest green
    assert in_lab["badge"]["color"] == "rgb(255, 255, 255)"

    # the committed sources were never touched: only the working copy holds Lab's save
    assert _shas(notebooks_dir()) == sources_before
    saved = (work / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
    assert " at 0x" not in saved
    assert lab.sync(notebooks_dir(), work) == []  # outputs are not edits: nothing refreshed or reported
