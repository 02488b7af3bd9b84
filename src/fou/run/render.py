"""Rendering executed notebooks and the run's index as self-contained HTML pages.

Pages load nothing from the network: nbconvert's ``basic`` template gives the
body only (no require.js or MathJax from a CDN), which is wrapped in our own page
with inline CSS; figures are embedded as data URIs. Code cells and stderr
streams are left out.
"""

from __future__ import annotations

import html
from datetime import datetime
from importlib import resources
from typing import Any

from fou import __version__
from fou.extracts.paths import REPO_ROOT

SOURCE_LABELS = {"transcribed": "avskrivet ur rapporten", "fetched": "hämtat från Kolada", "synthetic": "syntetiska data",
                 "microdata": "individdata från experiment", "published": "publicerade forskningsresultat"}
STATUS_LABELS = {"ok": "klar", "failed": "misslyckades", "skipped": "oförändrad, ej omkörd"}


def _css() -> str:
    return resources.files("fou").joinpath("templates/style.css").read_text(encoding="utf-8")


def page(title: str, body: str, nav: str = "") -> str:
    """A complete, self-contained HTML page."""
    return (
        "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_css()}\n</style>\n</head>\n<body>\n"
        f'<header class="fou-top">{nav or html.escape(title)}</header>\n<main>\n{body}\n</main>\n</body>\n</html>\n'
    )


def clean_for_readers(nb):
    """Drop stderr streams and empty code cells (parameters) from an executed notebook."""
    import nbformat

    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def notebook_body(nb) -> str:
    """The notebook's markdown and outputs as HTML, without code or prompts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(clean_for_readers(nb))
    return body


def notebook_page(nb, title: str, meta: dict[str, Any]) -> str:
    """A reader's page for one executed notebook, with a link back to the index."""
    failed = ""
    if meta.get("status") == "failed":
        err = meta.get("error") or {}
        failed = (f'<div class="fou-failed"><strong>Körningen misslyckades</strong> i cell {err.get("cell", "?")}: '
                  f'{html.escape(str(err.get("ename", "")))}: {html.escape(str(err.get("evalue", "")))}. '
                  "Sidan visar det som hann köras.</div>")
    info = (f'<p class="fou-meta">Körd {html.escape(str(meta.get("finished_at", ""))[:16].replace("T", " "))} '
            f'med fou {html.escape(__version__)}; data: {html.escape(str(meta.get("source", "")))}.</p>')
    nav = f'<a href="../index.html">← Alla sidor</a> · {html.escape(title)}'
    return page(title, failed + notebook_body(nb) + info, nav)


def _short(value: Any) -> str:
    """Paths inside the repository are shown relative to it."""
    text = str(value)
    root = str(REPO_ROOT) + "/"
    return text[len(root):] if text.startswith(root) else text


def _params_html(params: dict[str, Any]) -> str:
    shown = {k: _short(v) for k, v in params.items() if k != "output_dir"}
    items = "".join(f"<dt>{html.escape(k)}</dt><dd><code>{html.escape(str(v))}</code></dd>" for k, v in shown.items())
    return f'<dl class="params">{items}</dl>'


def index_page(run: dict[str, Any]) -> str:
    """The front door: what the workbench reproduces and one entry per page."""
    entries = []
    for nb in run["notebooks"]:
        src = nb.get("source") or {}
        kind = src.get("kind", "")
        status = nb["status"]
        err, href, params = "", nb.get("html"), nb.get("parameters") or {}
        failure = nb.get("failure") or {}
        if status == "failed":
            e = nb.get("error") or {}
            err = f'<p class="fou-failed">Fel i cell {e.get("cell")}: {html.escape(str(e.get("ename")))}: {html.escape(str(e.get("evalue")))}</p>'
            if nb.get("html"):
                err += (f'<p class="fou-meta">Den senast lyckade sidan, körd {html.escape(str(nb.get("finished_at", ""))[:16].replace("T", " "))}, '
                        f'finns kvar: <a href="{html.escape(nb["html"])}">{html.escape(nb["html"])}</a>.</p>')
            href, params = failure.get("html") or href, failure.get("parameters") or params
        ran = failure.get("finished_at") if status == "failed" and failure else nb.get("finished_at")
        link = f'<a href="{html.escape(href)}">{html.escape(nb["title"])}</a>' if href else html.escape(nb["title"])
        entries.append(
            f'<section class="fou-entry" data-name="{html.escape(nb["name"])}">'
            f"<h2>{link}</h2><p>{html.escape(nb.get('summary', ''))}</p>"
            f'<p><span class="badge {html.escape(status)}">{STATUS_LABELS.get(status, status)}</span> '
            f'<span class="badge {html.escape(kind)}">{html.escape(SOURCE_LABELS.get(kind, kind or "okänd källa"))}</span> '
            f'<span class="fou-meta">{html.escape(src.get("line", ""))}</span></p>'
            f"{_params_html(params)}"
            f'<p class="fou-meta">Körd {html.escape(str(ran or "")[:16].replace("T", " "))}, '
            f'{nb.get("seconds", 0):.1f} s</p>{err}</section>'
        )
    when = datetime.fromisoformat(run["finished_at"]).strftime("%Y-%m-%d %H:%M")
    body = (
        "<h1>Kommunernas vägval i arbetsmarknadspolitiken – statistiken</h1>"
        "<p>Den här arbetsbänken återskapar statistikdelen i Bergström &amp; Bothén (2023), <em>Kommunernas vägval i "
        "arbetsmarknadspolitiken</em>, FoU i Väst, Göteborgsregionen: befolkning, socioekonomiska förutsättningar, "
        "arbetsmarknadsenheternas organisation, deltagare och anvisningar från Arbetsförmedlingen och socialtjänsten "
        "(tabell 1–5 och diagram 1), ur Kolada-extrakt. Varje sida anger var siffrorna kommer ifrån: avskrivna ur "
        "rapporten, hämtade från Kolada (med datum) eller syntetiska.</p>"
        f'<p class="fou-meta">Körning {when}, fou {html.escape(run["fou_version"])}. '
        f'{sum(n["status"] == "ok" for n in run["notebooks"])} klara, '
        f'{sum(n["status"] == "skipped" for n in run["notebooks"])} oförändrade, '
        f'{sum(n["status"] == "failed" for n in run["notebooks"])} misslyckade.</p>'
        + "\n".join(entries)
        + '<p class="fou-meta">Tabellerna finns också som CSV i mappen <code>tables/</code>, figurerna i '
        "<code>figures/</code>. Källa för alla nyckeltal: Kolada (RKA).</p>"
    )
    return page("FoU i Väst – arbetsmarknadsstatistik", body)
