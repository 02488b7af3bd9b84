"""Rendering executed notebooks and the run's index as self-contained HTML pages.

Pages load nothing from the network: nbconvert's ``basic`` template gives the
body only (no require.js or MathJax from a CDN), which is wrapped in our own page
template with the stylesheet inlined; figures are embedded as data URIs. Code
cells and stderr streams are left out.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

from fou import __version__
from fou.extracts.paths import REPO_ROOT
from fou.extracts.swedish import decimals_for, format_number, plural
from fou.pages.html import render, stylesheet, unwrap
from fou.run import failure, links

SOURCE_LABELS = {"transcribed": "avskrivet ur rapporten", "fetched": "hämtat från Kolada", "synthetic": "syntetiska data",
                 "microdata": "individdata från experiment", "published": "publicerade forskningsresultat",
                 "none": "inga data ännu"}
STATUS_LABELS = {"ok": "klar", "failed": "misslyckades", "skipped": "oförändrad, ej omkörd"}


def clean_for_readers(nb):
    """Drop stderr streams and empty code cells (parameters) from an executed notebook; unwrap fou's outputs."""
    import nbformat

    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            for o in cell.outputs:  # the page carries the stylesheet once: outputs lose their Lab wrapper
                if "text/html" in o.get("data", {}):
                    text = o.data["text/html"]
                    o.data["text/html"] = unwrap("".join(text) if isinstance(text, list) else text)
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


@functools.cache
def _exporter():
    """nbconvert's HTML exporter with its templates, loaded once per process (a worker renders many pages)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, anchor_link_text="")


def notebook_body(nb) -> str:
    """The notebook's markdown and outputs as HTML, without code or prompts."""
    body, _ = _exporter().from_notebook_node(clean_for_readers(nb))
    return body


def _when(stamp: Any) -> str:
    return str(stamp or "")[:16].replace("T", " ")


def _default(value: Any) -> str:
    if value is None:
        return "(saknas)"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, 0 if float(value).is_integer() else decimals_for([value]))
    return f"”{value}”" if isinstance(value, str) else str(value)


def modified_note(record: dict[str, Any] | None) -> str:
    """Swedish: how the notebook differs from its committed source (empty when it does not; fou.run.sources)."""
    state = (record or {}).get("state")
    if state == "uncommitted":
        return f"{record['path']} är inte incheckad i git"
    if state != "modified":
        return ""
    parts = [f"{k} {_default(v['committed'])} → {_default(v['now'])}" for k, v in (record.get("defaults") or {}).items()]
    if record.get("cells_changed"):
        parts.append(plural(record["cells_changed"], "cell till ändrad", "celler till ändrade"))
    return f"{record['path']} skiljer sig från den incheckade versionen" + (f": {'; '.join(parts)}" if parts else "")


def notebook_page(nb, title: str, meta: dict[str, Any]) -> str:
    """A reader's page for one executed notebook, with a link back to the index.

    A failed run shows a short Swedish box (step, parameter, message, where the log
    is) instead of papermill's banners and the traceback."""
    failed = None
    if meta.get("status") == "failed":
        import nbformat

        nb = failure.strip_for_readers(nbformat.from_dict(nb))
        failed = failure.reader_message(meta.get("error"), meta.get("parameters"), meta.get("log"))
    files, subdir = meta.get("files") or [], str(meta.get("subdir") or "")
    body = links.relink(notebook_body(nb), files, subdir)
    more = [] if failed else links.unlinked(body, files, subdir)
    return render("reader_page.html.j2", css=stylesheet(), title=title, failed=failed, body=body, files=more,
                  tables=not failed and any(f.startswith("tables/") for f in files),
                  modified=modified_note(meta.get("notebook")),
                  finished=_when(meta.get("finished_at")), version=__version__, source=str(meta.get("source", "")))


def _short(value: Any) -> str:
    """Paths inside the repository relative to it; other local paths by their last part only."""
    text = str(value)
    root = str(REPO_ROOT) + "/"
    if text.startswith(root):
        return text[len(root):]
    if text.startswith("/") or text.startswith("~"):
        return f"…/{Path(text).name}"
    return text


def _entry(nb: dict[str, Any]) -> dict[str, Any]:
    """One index entry. A failed run links its own page (``failed/…``) and names the last good page, if any."""
    src = nb.get("source") or {}
    kind = src.get("kind", "")
    failed = nb["status"] == "failed"
    fail = (nb.get("failure") or {}) if failed else {}
    params = fail.get("parameters") or nb.get("parameters") or {}
    log = fail.get("log") or nb.get("log")
    return {"name": nb["name"], "title": nb["title"], "summary": nb.get("summary", ""),
            "group": nb.get("group") or "", "label": nb.get("label") or nb["name"], "batch": nb.get("batch") or {},
            "href": fail.get("html") or nb.get("html"), "last_good": nb.get("html") if failed else None,
            "last_good_when": _when(nb.get("finished_at")) if failed else "",
            "status": nb["status"], "status_label": STATUS_LABELS.get(nb["status"], nb["status"]),
            "kind": kind or "none", "kind_label": SOURCE_LABELS.get(kind, kind or "okänd källa"),
            "source_line": failure.short_message(src.get("line", ""), 200),
            "params": [(k, _short(v)) for k, v in params.items() if k != "output_dir"],
            "finished": _when(fail.get("finished_at") or nb.get("finished_at")),
            "seconds": f"{format_number(nb.get('seconds') or 0, 1)}\u00a0s",
            "error": failure.reader_message(nb.get("error"), params, log) if failed else None,
            "modified": modified_note(src.get("notebook"))}


def _counts(states: list[str]) -> str:
    """``1 klar, 2 oförändrade, 0 misslyckade``."""
    return ", ".join(plural(states.count(s), one, many) for s, one, many in
                     (("ok", "klar", "klara"), ("skipped", "oförändrad", "oförändrade"),
                      ("failed", "misslyckad", "misslyckade")))


def _sources(entries: list[dict[str, Any]]) -> str:
    """The footer's source line: the kinds of data the pages of this run are built on."""
    kinds = list(dict.fromkeys(e["kind"] for e in entries if e["kind"] in SOURCE_LABELS and e["kind"] != "none"))
    return ", ".join(SOURCE_LABELS[k] for k in kinds)


def _blocks(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The index's lines: one per entry, and one per batch (a notebook run once per value) listing its pages."""
    blocks: list[dict[str, Any]] = []
    batches: dict[str, dict[str, Any]] = {}
    for e in entries:
        if not e["group"]:
            blocks.append({"entry": e, "pages": []})
            continue
        if e["group"] not in batches:
            batches[e["group"]] = {"entry": e, "pages": []}
            blocks.append(batches[e["group"]])
        batches[e["group"]]["pages"].append(e)
    for b in batches.values():
        pages = b["pages"]
        states = [p["status"] for p in pages]
        common = [(k, v) for k, v in pages[0]["params"] if all((k, v) in p["params"] for p in pages)]
        spec = max(pages, key=lambda p: p["finished"])["batch"]  # the latest batch (earlier pages stay listed)
        if spec.get("each"):
            common.insert(0, ("--each", spec["each"]))
        b["batch"] = {"count": plural(len(pages), "sida", "sidor"), "states": _counts(states), "params": common,
                      "title": spec.get("title") or b["entry"]["title"],
                      "failed": states.count("failed"), "finished": max(p["finished"] for p in pages)}
    return blocks


def index_page(run: dict[str, Any]) -> str:
    """The front door: what the workbench reproduces and one line per page, or per batch of pages."""
    states = [n["status"] for n in run["notebooks"]]
    when = datetime.fromisoformat(run["finished_at"]).strftime("%Y-%m-%d %H:%M")
    entries = [_entry(n) for n in run["notebooks"]]
    return render("index.html.j2", css=stylesheet(), title="FoU i Väst – arbetsmarknadsstatistik", when=when,
                  version=run["fou_version"], counts=_counts(states), blocks=_blocks(entries), sources=_sources(entries))
