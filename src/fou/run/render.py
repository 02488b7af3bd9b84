"""Rendering executed notebooks and the run's index as self-contained HTML pages.

Pages load nothing from the network: nbconvert's ``basic`` template gives the
body only (no require.js or MathJax from a CDN), which is wrapped in our own page
template with the stylesheet inlined; figures are embedded as data URIs. Code
cells and stderr streams are left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fou import __version__
from fou.extracts.paths import REPO_ROOT
from fou.extracts.swedish import format_number
from fou.pages.html import render, stylesheet

SOURCE_LABELS = {"transcribed": "avskrivet ur rapporten", "fetched": "hämtat från Kolada", "synthetic": "syntetiska data",
                 "microdata": "individdata från experiment", "published": "publicerade forskningsresultat"}
STATUS_LABELS = {"ok": "klar", "failed": "misslyckades", "skipped": "oförändrad, ej omkörd"}


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


def _when(stamp: Any) -> str:
    return str(stamp or "")[:16].replace("T", " ")


def notebook_page(nb, title: str, meta: dict[str, Any]) -> str:
    """A reader's page for one executed notebook, with a link back to the index."""
    failed = (meta.get("error") or {}) if meta.get("status") == "failed" else None
    return render("reader_page.html.j2", css=stylesheet(), title=title, failed=failed, body=notebook_body(nb),
                  finished=_when(meta.get("finished_at")), version=__version__, source=str(meta.get("source", "")))


def _short(value: Any) -> str:
    """Paths inside the repository are shown relative to it."""
    text = str(value)
    root = str(REPO_ROOT) + "/"
    return text[len(root):] if text.startswith(root) else text


def _entry(nb: dict[str, Any]) -> dict[str, Any]:
    src = nb.get("source") or {}
    kind = src.get("kind", "")
    return {"name": nb["name"], "title": nb["title"], "summary": nb.get("summary", ""), "html": nb.get("html"),
            "status": nb["status"], "status_label": STATUS_LABELS.get(nb["status"], nb["status"]),
            "kind": kind, "kind_label": SOURCE_LABELS.get(kind, kind or "okänd källa"), "source_line": src.get("line", ""),
            "params": [(k, _short(v)) for k, v in nb["parameters"].items() if k != "output_dir"],
            "finished": _when(nb.get("finished_at")), "seconds": f"{format_number(nb.get('seconds') or 0, 1)} s",
            "error": nb.get("error") if nb["status"] == "failed" else None}


def index_page(run: dict[str, Any]) -> str:
    """The front door: what the workbench reproduces and one entry per page."""
    states = [n["status"] for n in run["notebooks"]]
    counts = (f"{states.count('ok')} klara, {states.count('skipped')} oförändrade, "
              f"{states.count('failed')} misslyckade")
    when = datetime.fromisoformat(run["finished_at"]).strftime("%Y-%m-%d %H:%M")
    return render("index.html.j2", css=stylesheet(), title="FoU i Väst – arbetsmarknadsstatistik", when=when,
                  version=run["fou_version"], counts=counts, entries=[_entry(n) for n in run["notebooks"]])
