"""``fou run``: validate every notebook's parameters, execute with papermill, render HTML.

Layout of ``--out``: ``index.html``, ``html/<name>.html``, ``notebooks/<name>.ipynb``,
``figures/*.png``, ``tables/*.csv`` and ``run.json``. Notebooks run in parallel
worker processes; one whose inputs (notebook, parameters, extract checksum,
package version) did not change since the last run into the same folder is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from fou import __version__
from fou.extracts.atomic import atomic_write_text
from fou.extracts.params import ParameterError
from fou.run import validate
from fou.extracts.paths import default_cache_dir, notebooks_dir

@dataclass
class Entry:
    """One line of the run configuration."""

    name: str
    notebook: str
    title: str
    summary: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """A validated entry, ready to execute."""

    name: str
    notebook: str  # absolute path
    title: str
    summary: str
    parameters: dict[str, Any]
    source: dict[str, Any]
    key: str
    out: str


def config_path() -> Path:
    return notebooks_dir() / "run.toml"


def load_config(path: str | Path | None = None) -> tuple[dict[str, Any], list[Entry]]:
    """Read the run configuration: defaults and entries."""
    path = Path(path) if path else config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ParameterError("config", str(path), f"cannot read the run configuration ({exc})") from exc
    entries = []
    for raw in data.get("entry", []):
        known = {"name", "notebook", "title", "summary", "parameters"}
        unknown = set(raw) - known
        if unknown or "name" not in raw or "notebook" not in raw:
            raise ParameterError("config", str(path), f"each [[entry]] needs name and notebook and may have {sorted(known)}; got {sorted(raw)}")
        entries.append(Entry(raw["name"], raw["notebook"], raw.get("title", raw["name"]), raw.get("summary", ""),
                             dict(raw.get("parameters", {}))))
    names = [e.name for e in entries]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ParameterError("config", str(path), f"entry names must be unique; repeated: {sorted(dupes)}")
    return dict(data.get("defaults", {})), entries


def _declared(notebook: Path) -> dict[str, dict[str, Any]]:
    """The notebook's parameters (papermill's reading of the tagged cell), cached on disk by
    the notebook's sha256 so an unchanged re-run does not even import papermill."""
    digest = _file_sha(Path(notebook))
    if digest in _DECLARED:
        return _DECLARED[digest]
    cache = default_cache_dir() / "notebook-parameters" / f"{digest}.json"
    try:
        found = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        import papermill

        found = papermill.inspect_notebook(str(notebook))
        try:
            atomic_write_text(cache, json.dumps(found, ensure_ascii=False))
        except OSError:
            pass  # a read-only cache only costs time
    _DECLARED[digest] = found
    return found


_DECLARED: dict[str, dict[str, dict[str, Any]]] = {}


def _notebook_defaults(declared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The literal defaults of a notebook's parameters cell (so they are validated and recorded)."""
    import ast

    out = {}
    for name, spec in declared.items():
        try:
            out[name] = ast.literal_eval(spec.get("default", ""))
        except (ValueError, SyntaxError):
            continue
    return out


def _coerce(name: str, value: Any, spec: dict[str, Any]) -> Any:
    """Command-line strings to the type the notebook's parameters cell declares."""
    kind = spec.get("inferred_type_name", "")
    if not isinstance(value, str) or kind in ("str", "None", ""):
        return value
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return value.lower() in ("true", "1", "yes")
    except ValueError:
        raise ParameterError(name, value, f"expected a value of type {kind}") from None
    return value


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plan(entries: list[Entry], defaults: dict[str, Any], overrides: dict[str, Any], out: Path,
         only: list[str] | None = None) -> list[Job]:
    """Validate every entry's parameters (before any kernel starts) and return jobs."""
    names = [e.name for e in entries]
    for name in only or []:
        if name not in names:
            raise ParameterError("only", name, f"no such notebook in the run configuration; valid: {', '.join(names)}")
    selected = [e for e in entries if not only or e.name in only]
    declared_anywhere = set().union(*(_declared(notebooks_dir() / e.notebook) for e in selected
                                      if (notebooks_dir() / e.notebook).is_file()))
    for key, value in overrides.items():
        if value is not None and key not in declared_anywhere:
            raise ParameterError(key, value, f"no notebook in this run declares it; parameters: {', '.join(sorted(declared_anywhere))}")
    jobs = []
    for entry in selected:
        nb_path = notebooks_dir() / entry.notebook
        if not nb_path.is_file():
            raise ParameterError(f"{entry.name}.notebook", entry.notebook, f"no such notebook in {notebooks_dir()}")
        declared = _declared(nb_path)
        unknown = [k for k in entry.parameters if k not in declared]
        if unknown:
            raise ParameterError(f"{entry.name}.{unknown[0]}", entry.parameters[unknown[0]],
                                 f"the notebook has no such parameter; its parameters: {', '.join(declared)}")
        params = {**_notebook_defaults(declared),
                  **{k: v for k, v in {**defaults, **entry.parameters}.items() if k in declared}}
        params.update({k: _coerce(k, v, declared[k]) for k, v in overrides.items() if v is not None and k in declared})
        try:
            checked = validate.check(params, set(declared))
        except ParameterError as exc:
            raise ParameterError(f"{entry.name}.{exc.parameter}", exc.value, exc.valid) from None
        params, source = checked.params, checked.source
        if "output_dir" in declared:
            params["output_dir"] = str(out)
        key_data = json.dumps({"nb": _file_sha(nb_path), "params": {k: v for k, v in params.items() if k != "output_dir"},
                               "files": checked.files, "version": __version__}, sort_keys=True, default=str)
        jobs.append(Job(entry.name, str(nb_path), entry.title, entry.summary, params, source,
                        hashlib.sha256(key_data.encode()).hexdigest(), str(out)))
    return jobs


def execute(job: Job) -> dict[str, Any]:
    """Run one notebook with papermill and render its HTML page (in a worker process)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from fou.run.kernel import ensure_kernel
    from fou.run.render import notebook_page

    out = Path(job.out)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "html").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp_nb = out / "notebooks" / f".{job.name}.{os.getpid()}.tmp.ipynb"
    result: dict[str, Any] = {"status": "ok", "error": None}
    try:
        papermill.execute_notebook(job.notebook, str(tmp_nb), parameters=job.parameters, kernel_name=ensure_kernel(),
                                   cwd=str(Path(job.notebook).parent), progress_bar=False, log_output=False,
                                   request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        result = {"status": "failed", "error": {"cell": exc.exec_count, "cell_index": exc.cell_index,
                                                "ename": exc.ename, "evalue": str(exc.evalue)[:500]}}
    except Exception as exc:  # kernel died, could not start, …
        result = {"status": "failed", "error": {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)[:500]}}
    finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
    result.update(seconds=round(time.perf_counter() - started, 2), finished_at=finished)
    if tmp_nb.exists():
        nb = nbformat.read(tmp_nb, as_version=4)
        os.replace(tmp_nb, out / "notebooks" / f"{job.name}.ipynb")
        meta = {**result, "source": job.source.get("line", "")}
        atomic_write_text(out / "html" / f"{job.name}.html", notebook_page(nb, job.title, meta))
        result["html"] = f"html/{job.name}.html"
        result["notebook"] = f"notebooks/{job.name}.ipynb"
    return result


def _previous(out: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out / "run.json").read_text(encoding="utf-8"))
        return {n["name"]: n for n in data.get("notebooks", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _unchanged(job: Job, prev: dict[str, Any] | None, out: Path) -> bool:
    return bool(prev and prev.get("key") == job.key and prev.get("status") in ("ok", "skipped")
                and (out / "html" / f"{job.name}.html").is_file() and (out / "notebooks" / f"{job.name}.ipynb").is_file())


Reporter = Callable[[str, str, float | None], None]


def run(jobs: list[Job], out: Path, workers: int = 1, force: bool = False,
        report: Reporter | None = None) -> dict[str, Any]:
    """Execute ``jobs`` (skipping unchanged ones unless ``force``); write index and run.json."""
    from fou.run.kernel import ensure_kernel
    from fou.run.render import index_page

    report = report or (lambda name, state, secs: None)
    out.mkdir(parents=True, exist_ok=True)
    ensure_kernel()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    previous = _previous(out)
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for job in jobs:
        prev = previous.get(job.name)
        if not force and _unchanged(job, prev, out):
            results[job.name] = {**prev, "status": "skipped", "seconds": 0.0,
                                 "ran_seconds": prev.get("ran_seconds", prev.get("seconds"))}
            report(job.name, "skipped", 0.0)
        else:
            todo.append(job)
    # longest first (by the last run's seconds) keeps both workers busy to the end
    todo.sort(key=lambda j: -float((previous.get(j.name) or {}).get("ran_seconds") or 1e9))
    if todo:
        for job in todo:
            report(job.name, "running", None)
        if workers > 1 and len(todo) > 1:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(execute, job): job for job in todo}
                for fut in as_completed(futures):
                    job = futures[fut]
                    results[job.name] = fut.result()
                    report(job.name, results[job.name]["status"], results[job.name]["seconds"])
        else:
            for job in todo:
                results[job.name] = execute(job)
                report(job.name, results[job.name]["status"], results[job.name]["seconds"])
    record = {
        "fou_version": __version__,
        "python": sys.version.split()[0],
        "started_at": started,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "extracts": sorted({(j.source.get("path"), j.source.get("sha256")) for j in jobs if j.source.get("sha256")}),
        "notebooks": [],
    }
    record["extracts"] = [{"path": p, "sha256": s} for p, s in record["extracts"]]
    for job in jobs:
        res = results[job.name]
        record["notebooks"].append({
            "name": job.name, "title": job.title, "summary": job.summary,
            "notebook": res.get("notebook"), "html": res.get("html"),
            "parameters": {k: v for k, v in job.parameters.items()}, "source": job.source,
            "extract_sha256": job.source.get("sha256"), "status": res["status"], "seconds": res["seconds"],
            "ran_seconds": res.get("ran_seconds", res["seconds"]),
            "finished_at": res.get("finished_at"), "error": res.get("error"), "key": job.key,
        })
    atomic_write_text(out / "index.html", index_page(record))
    atomic_write_text(out / "run.json", json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n")
    return record


