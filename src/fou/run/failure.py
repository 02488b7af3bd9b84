"""A failed notebook: the full log for developers, a short Swedish message for readers.

The log (``logs/<name>.log`` in ``--out``) holds the parameters, the error and its
traceback and every stderr stream of the run. The reader's page gets none of that:
papermill's banners and the error outputs are removed and replaced by a box saying
what failed, which parameter (when the error names one) and where the log is.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fou.extracts.atomic import atomic_write_text

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PARAMETER = re.compile(r"parameter '([\w.]+)'")
_PATH = re.compile(r"(?<![\w.])(/[^\s'\"():,;]+)+")
PAPERMILL_TAG = "papermill-error-cell-tag"


def log_path(name: str) -> str:
    """Where a page's log lives, relative to ``--out``."""
    return f"logs/{name}.log"


def _error_outputs(nb) -> list[dict]:
    return [o for cell in (nb.cells if nb is not None else []) for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


def _stderr(nb) -> list[str]:
    return ["".join(o.get("text", "")) for cell in (nb.cells if nb is not None else []) for o in cell.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stderr"]


def write_log(out: Path, name: str, parameters: dict[str, Any], error: dict[str, Any], nb=None,
              trace: str = "") -> str:
    """Write the failure's full log under ``out``; returns its path relative to ``out``."""
    lines = [f"fou: notebook {name} failed at {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"error: {error.get('ename')}: {error.get('evalue')}", f"cell: {error.get('cell')}", "", "parameters:"]
    lines += [f"  {k} = {v!r}" for k, v in parameters.items()]
    for err in _error_outputs(nb):
        lines += ["", "traceback:", _ANSI.sub("", "\n".join(err.get("traceback", [])))]
    if trace:
        lines += ["", "traceback:", trace]
    for text in _stderr(nb):
        lines += ["", "stderr:", _ANSI.sub("", text).rstrip()]
    rel = log_path(name)
    atomic_write_text(out / rel, "\n".join(lines) + "\n")
    return rel


def remove_log(out: Path, name: str) -> None:
    """A page that succeeded has no log left from an earlier failure."""
    (out / log_path(name)).unlink(missing_ok=True)


def strip_for_readers(nb):
    """The notebook up to the cell that failed, without papermill's error banners and without
    error outputs (tracebacks): nothing after the failure is presented as content."""
    cells = []
    for cell in nb.cells:
        if PAPERMILL_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        failed_here = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
        cells.append(cell)
        if failed_here:
            break
    nb.cells = cells
    return nb


def short_message(text: str, limit: int = 300) -> str:
    """The error's message without local paths (``/home/x/data/a.csv`` becomes ``a.csv``), shortened."""
    text = _ANSI.sub("", str(text)).strip().splitlines()[0] if str(text).strip() else ""
    text = _PATH.sub(lambda m: Path(m.group(0)).name or m.group(0), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_DATA_FILE = re.compile(r"data file (?P<file>\S+?): (?:row (?P<row>\d+), )?column '(?P<column>[^']*)'"
                        r"(?:: invalid value (?P<value>.*?); expected| is missing)")
_INVALID = re.compile(r"invalid value (?P<value>'[^']*'|\S+)")


def swedish_message(ename: str, evalue: str, parameter: str = "") -> str:
    """The reader's box message in Swedish for the errors fou raises itself (the English
    original is in the log); other errors are named as unexpected."""
    evalue = _ANSI.sub("", str(evalue))
    if ename == "DataFileError" and (m := _DATA_FILE.search(evalue)):
        where = Path(m["file"]).name
        if m["value"] is None:
            return f"Datafilen {where} saknar kolumnen {m['column']}."
        row = f"rad {m['row']}, " if m["row"] else ""
        return f"Datafilen {where} har ett ogiltigt värde i {row}kolumnen {m['column']}: {short_message(m['value'], 60)}."
    if ename == "ParameterError":
        value = _INVALID.search(evalue)
        name = parameter.split(" = ")[0] if parameter else "en parameter"
        shown = f" ({short_message(value['value'], 60)})" if value else ""
        return f"Parametern {name} har ett värde{shown} som sidan inte kan använda; vad som är giltigt står i loggen."
    if ename == "ExtractError":
        return "Extraktet (datauttaget) kunde inte läsas eller stämmer inte med sitt manifest; detaljerna står i loggen."
    if ename in ("OutputConflict",):
        return "Sidans filer skulle ha skrivit över en annan sidas filer; ge posterna olika utdata."
    if ename in ("DeadKernelError", "CellTimeoutError", "RuntimeError") and "kernel" in evalue.lower():
        return "Python-kärnan som körde sidan avslutades oväntat; detaljerna står i loggen."
    original = short_message(evalue, 200)  # not fou's own words: shown as they are, without local paths
    return f"Ett oväntat fel ({ename or 'okänt'}) stoppade sidan" + (f": {original}" if original else "") + \
        "; hela felet står i loggen."


def reader_message(error: dict[str, Any] | None, parameters: dict[str, Any] | None = None,
                   log: str | None = None) -> dict[str, str]:
    """What a reader needs, in Swedish: the step, the kind of error, the parameter it names, the
    message and the log (the English original stays in the log)."""
    error = error or {}
    parameters = parameters or {}
    found = _PARAMETER.search(str(error.get("evalue", "")))
    parameter = ""
    if found:
        name = found.group(1).split(".")[-1]
        value = parameters.get(name, "")
        parameter = f"{name} = {short_message(value, 80)}" if value != "" else name
    message = swedish_message(str(error.get("ename") or ""), str(error.get("evalue", "")), parameter)
    step = f"steg {error['cell']}" if error.get("cell") is not None else "start av sidan"
    return {"step": step, "kind": str(error.get("ename") or "fel"), "parameter": parameter, "message": message,
            "log": log or ""}
