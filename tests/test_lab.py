"""JupyterLab as a workplace: the working copy (``make lab``), the settings installed with the
kernel, fou's outputs in a real kernel (styled, never empty, no memory addresses) and short
parameter errors. The browser test of Lab itself is tests/test_lab_browser.py."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import tinycss2

from fou.extracts.paths import REPO_ROOT
from fou.pages.html import HTML, SCOPE, scoped_stylesheet, stylesheet, unwrap
from fou.run import kernel, lab
from fou.run.sources import content_hash

ADDRESS = re.compile(r" at 0x[0-9a-f]{6,}")


def _notebook(path: Path, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)


def _edit(path: Path, code: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = code
    nbformat.write(nb, path)


def _lab_save(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    nb.cells[0].execution_count = 3
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}
    nbformat.write(nb, path)


def test_working_copy_is_made_refreshed_and_never_clobbers_edits(tmp_path):
    src, work = tmp_path / "notebooks", tmp_path / "work"
    src.mkdir()
    _notebook(src / "a.ipynb", "x = 1")
    _notebook(src / "b.ipynb", "y = 1")
    assert lab.sync(src, work) == ["copied a.ipynb", "copied b.ipynb"]
    assert (work / "a.ipynb").read_bytes() == (src / "a.ipynb").read_bytes()
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    _lab_save(work / "a.ipynb")  # Lab ran and saved the copy: outputs are not edits
    _edit(work / "b.ipynb", "y = 2  # the researcher's edit")
    _notebook(work / "mine.ipynb", "z = 1")  # the researcher's own notebook
    assert lab.sync(src, work) == []
    assert nbformat.read(work / "a.ipynb", as_version=4).cells[0].outputs  # Lab's outputs kept
    # the sources change (a developer commits new cells): the copy without edits follows, the edited one stays
    _edit(src / "a.ipynb", "x = 10")
    _edit(src / "b.ipynb", "y = 10")
    said = lab.sync(src, work)
    assert said[0] == "refreshed a.ipynb: notebooks/a.ipynb changed and your copy had no edits"
    assert said[1].startswith("kept your edits in b.ipynb; notebooks/b.ipynb has changed since it was copied")
    assert nbformat.read(work / "a.ipynb", as_version=4).cells[0].source == "x = 10"
    assert nbformat.read(work / "b.ipynb", as_version=4).cells[0].source == "y = 2  # the researcher's edit"
    assert nbformat.read(work / "mine.ipynb", as_version=4).cells[0].source == "z = 1"
    manifest = json.loads((work / lab.MANIFEST).read_text())
    assert manifest["a.ipynb"] == content_hash(json.loads((src / "a.ipynb").read_text()))
    # deleting the edited copy brings the new version; the sources were only ever read
    (work / "b.ipynb").unlink()
    assert lab.sync(src, work) == ["copied b.ipynb"]
    assert nbformat.read(work / "b.ipynb", as_version=4).cells[0].source == "y = 10"
    assert before.keys() == {p.name for p in src.iterdir()}


def test_working_copy_is_git_ignored_and_reaches_the_pages(tmp_path):
    assert "work/" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    outputs = tmp_path / "outputs"
    lab.link_outputs(tmp_path / "work", outputs)
    (outputs / "html").mkdir()
    (outputs / "html" / "p.html").write_text("<p>sida</p>")
    assert (tmp_path / "work" / "outputs").is_symlink()
    assert (tmp_path / "work" / "outputs" / "html" / "p.html").read_text() == "<p>sida</p>"
    lab.link_outputs(tmp_path / "work", outputs)  # a second time: left as it is


@pytest.mark.parametrize("uid, root", [(0, True), (1000, False)])
def test_lab_command_allows_root_only_as_root(monkeypatch, tmp_path, uid, root):
    monkeypatch.setattr(lab.os, "geteuid", lambda: uid)
    argv = lab.command(tmp_path, ["--no-browser"])
    assert ("--allow-root" in argv) is root
    assert f"--ServerApp.root_dir={tmp_path}" in argv and argv[-1] == "--no-browser"
    assert Path(argv[0]).parent == Path(sys.executable).parent


def test_makefile_lab_target_uses_the_working_copy():
    make = (REPO_ROOT / "Makefile").read_text()
    assert "$(BIN)/python -m fou.run.lab $(LAB_ARGS)" in make
    assert "jupyter lab notebooks" not in make


def test_news_popup_is_switched_off_beside_the_kernel(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel.sys, "prefix", str(tmp_path))
    path = kernel.lab_overrides_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                                "@jupyterlab/apputils-extension:notification": {"doNotDisturbMode": True}}))
    assert kernel.ensure_lab_settings() == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(path.read_text()) == {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "@jupyterlab/apputils-extension:notification": {"doNotDisturbMode": True, "fetchNews": "false",
                                                        "checkForUpdates": False}}


def test_scoped_stylesheet_styles_only_fou_outputs():
    css = scoped_stylesheet()
    selectors = []

    def walk(rules):
        for r in rules:
            if r.type == "qualified-rule":
                selectors.extend(s.strip() for s in tinycss2.serialize(r.prelude).split(","))
            elif r.type == "at-rule":
                walk(tinycss2.parse_rule_list(r.content, skip_comments=True, skip_whitespace=True))

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    inside = re.compile(rf"^\.{SCOPE}(\.{SCOPE})?( |$)")
    assert selectors and all(inside.match(s) for s in selectors), [s for s in selectors if not inside.match(s)]
    assert not any(re.search(r"\b(main|header)\b", s) for s in selectors)
    for cls in ("badge.transcribed", "td.shade-high", "td.verdict-ja", "tr.fou-total", ".fou-note", "td.num"):
        assert f".{SCOPE} " in css and cls in css
    # reader pages keep the stylesheet as it is
    assert "body {" in stylesheet() and f".{SCOPE}" not in stylesheet()


def test_html_block_wraps_for_lab_and_unwraps_for_pages():
    block = HTML('<table class="fou-table"><tr><td class="num">1 234</td></tr></table>')
    shown = block._repr_html_()
    assert shown.startswith(f'<div class="{SCOPE}"><style data-fou="scoped">') and shown.endswith("</div>")
    assert unwrap(shown) == block.data
    assert HTML("")._repr_html_() is None and HTML("  \n")._repr_html_() is None
    assert repr(block) == "1 234" and not ADDRESS.search(repr(block))


@pytest.fixture(scope="module")
def fou_kernel():
    jupyter_client = pytest.importorskip("jupyter_client")
    kernel.ensure_kernel()
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=kernel.KERNEL_NAME)

    def run(code: str) -> list[tuple[str, dict]]:
        kc.execute(code)
        found = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return found
            if kind in ("error", "execute_result", "display_data", "stream"):
                found.append((kind, msg["content"]))

    yield run
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_kernel_shows_nothing_for_an_empty_block_and_no_address(fou_kernel):
    assert fou_kernel("from fou.pages.html import HTML\nHTML('')") == []
    [(kind, content)] = fou_kernel("HTML('<p>Tabell 5</p>')")
    assert kind == "display_data" and content["data"]["text/plain"] == "Tabell 5"
    assert content["data"]["text/html"].startswith(f'<div class="{SCOPE}">')


def test_parameter_error_is_one_line_with_the_suggestion_and_tb_on_request(fou_kernel):
    code = ("from fou.pages.study import StudyPage\n"
            "page = StudyPage('report-2023', 'Tjön', 2022, '2017-2022', '', '', name='03_referrals')")
    [(kind, content)] = fou_kernel(code)
    assert kind == "error" and content["ename"] == "ParameterError"
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(content["traceback"]))
    assert text.splitlines() == ["ParameterError: parameter 'region': invalid value 'Tjön'; unknown municipality "
                                 "or group; did you mean: Tjörn (1419)?", "(%tb shows the full traceback)"]
    [(kind, content)] = fou_kernel("%tb")
    full = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(content["traceback"]))
    assert "Traceback (most recent call last)" in full and "study.py" in full and "did you mean: Tjörn" in full


@pytest.mark.slow
def test_executed_notebooks_have_no_empty_outputs_and_no_addresses(default_run):
    out, _ = default_run
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                data = o.get("data", {})
                assert not ADDRESS.search(str(data.get("text/plain", ""))), (path.name, data.get("text/plain"))
                if "text/html" in data:
                    assert data["text/html"].strip() and data["text/html"].startswith(f'<div class="{SCOPE}">')
                    assert data.get("text/plain", "").strip(), path.name
    page = (out / "html" / "08_national_pilot.html").read_text()
    assert SCOPE not in page and "data-fou" not in page


def test_fou_run_log_keeps_the_full_traceback_of_a_parameter_error(tmp_path):
    from .conftest import fou
    from .run_helpers import _notebook

    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    nbformat.write(_notebook('label: str = "a"  # a label\noutput_dir: str = ""  # unused',
                             ["from fou.extracts.params import ParameterError\n"
                              "raise ParameterError('label', label, 'expected b')"]), nbdir / "bad.ipynb")
    (nbdir / "run.toml").write_text('[[entry]]\nname = "bad"\nnotebook = "bad.ipynb"\ntitle = "Bad"\n')
    out = tmp_path / "out"
    # warm kernels (the default): the worker's FOU_TRACEBACKS must reach a kernel forked by its zygote
    proc = fou("run", "--out", str(out), env={"FOU_NOTEBOOKS": str(nbdir), "FOU_CACHE_DIR": str(tmp_path / "c")})
    assert proc.returncode == 1
    log = (out / "logs" / "bad.log").read_text()
    assert "Traceback (most recent call last)" in log and "ParameterError: parameter 'label'" in log
    assert "%tb shows" not in log
