"""Publishing pages into the output folder: all of a page's files or none, and a record
(``run.json``, ``index.html``) that always describes what the folder holds.

A notebook runs in ``OUT/.staging/<entry>.<random>.tmp/`` (same file system as
``OUT``, so publishing is a series of renames). To publish, the main process
writes a journal (``publish.json``: the renames, the stale files to remove and
the new ``run.json`` entry) into the staging folder, performs it, rewrites
``run.json`` and ``index.html``, and removes the staging folder. A run killed in
the middle leaves the journal behind; the next run (holding the lock) finishes
it before doing anything else, and discards staging folders without a journal.

A failed notebook publishes nothing into ``html/``, ``notebooks/``, ``tables/``
or ``figures/``: its page goes to ``failed/<entry>.html`` and the last good
page, if any, stays with the record that describes it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fou import __version__
from fou.extracts.atomic import atomic_write_text, make_dir
from fou.extracts.swedish import sort_key
from fou.run.failure import log_path as failure_log
from fou.run.inputs import file_sha
from fou.run.plan import Job

STAGING = ".staging"
JOURNAL = "publish.json"
DICTIONARY = "tables/columns.csv"  # the column dictionary of every published table, rewritten with run.json
RESERVED = {"html", "notebooks", "failed", "logs", "index.html", "run.json", STAGING, ".fou.lock"}
PUBLISHED_FIELDS = ("html", "notebook", "files", "parameters", "source", "extract_sha256", "key", "inputs",
                    "finished_at", "ran_seconds")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_record(out: Path) -> dict[str, Any]:
    """The folder's ``run.json`` (an empty record when there is none or it is unreadable)."""
    try:
        data = json.loads((out / "run.json").read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("notebooks"), list):
            return data
    except (OSError, ValueError):
        pass
    return {"notebooks": []}


def column_dictionary(out: Path, entries: list[dict[str, Any]], headers: dict[tuple[str, str], list[str]] | None = None) -> str:
    """``tables/columns.csv``: every published table's columns with Swedish name and unit.

    ``headers`` caches each table's header by (path, sha256) across calls: a batch of 290 pages
    rewrites the dictionary after every page and then reads only the new page's tables."""
    import csv
    import io

    from fou.pages.columns import DICTIONARY_COLUMNS, dictionary_rows

    headers = {} if headers is None else headers
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DICTIONARY_COLUMNS)
    tables = sorted({(f, str(sha)) for e in entries for f, sha in (e.get("files") or {}).items()
                     if f.startswith("tables/") and f.endswith(".csv") and "/excel/" not in f and f != DICTIONARY})
    for rel, sha in tables:
        if (rel, sha) not in headers:
            try:
                with (out / rel).open(encoding="utf-8", newline="") as handle:
                    headers[(rel, sha)] = next(csv.reader(handle), [])
            except OSError:
                continue
        writer.writerows(dictionary_rows(rel[len("tables/"):-len(".csv")], headers[(rel, sha)]))
    return buffer.getvalue()


def published_path(rel: str, subdir: str) -> str:
    """Where a file the notebook wrote as ``rel`` (``tables/x.csv``) is published for its entry."""
    if not subdir:
        return rel
    parts = rel.split("/")
    return "/".join([parts[0], subdir, *parts[1:]] if len(parts) > 1 else [subdir, parts[0]])


class Outputs:
    """The output folder of one run: staging, publishing, recovery and the record."""

    def __init__(self, out: Path, order: list[str], started_at: str | None = None):
        self.out = out
        self.order = order  # entry names in configuration order (the index lists them so)
        self.started_at = started_at or now()
        self.record = load_record(out)
        self.entries: dict[str, dict[str, Any]] = {e["name"]: e for e in self.record["notebooks"]
                                                   if isinstance(e, dict) and "name" in e}
        self._headers: dict[tuple[str, str], list[str]] = {}  # published tables' headers (column_dictionary)

    # -- staging --------------------------------------------------------------------
    def new_stage(self, name: str) -> Path:
        (self.out / STAGING).mkdir(exist_ok=True)
        return make_dir(self.out / STAGING, f"{name}.")

    def recover(self) -> tuple[list[str], int]:
        """Finish interrupted publications; discard unfinished runs. Returns (finished names, discarded)."""
        finished, discarded = [], 0
        root = self.out / STAGING
        for stage in sorted(root.iterdir()) if root.is_dir() else []:
            journal = stage / JOURNAL
            if journal.is_file():
                try:
                    plan = json.loads(journal.read_text(encoding="utf-8"))
                except ValueError:
                    plan = None
                if plan:
                    self._apply(stage, plan)
                    finished.append(plan["entry"]["name"])
                    continue
            shutil.rmtree(stage, ignore_errors=True)
            discarded += 1
        for sub in ("", "html", "notebooks", "failed"):
            for tmp in (self.out / sub).glob(".*.tmp") if (self.out / sub).is_dir() else []:
                if tmp.is_file():
                    tmp.unlink(missing_ok=True)
        return finished, discarded

    def discard(self, stage: Path) -> None:
        shutil.rmtree(stage, ignore_errors=True)

    def tidy(self) -> None:
        """Remove the staging folder once nothing is staged."""
        try:
            (self.out / STAGING).rmdir()
        except OSError:
            pass

    # -- publishing -----------------------------------------------------------------
    def _owners(self, name: str) -> dict[str, str]:
        return {rel: e["name"] for e in self.entries.values() if e["name"] != name for rel in (e.get("files") or {})}

    def _check(self, job: Job, files: list[str]) -> str | None:
        owners = self._owners(job.name)
        for rel in files:
            dst = published_path(rel, job.subdir)
            if dst.split("/")[0] in RESERVED or dst == DICTIONARY:
                return f"the notebook wrote {rel} into output_dir, which would replace the run's own {dst.split('/')[0]}"
            if dst in owners:
                return (f"the notebook wrote {dst}, which entry {owners[dst]} already published; "
                        "give the two entries different outputs")
        return None

    def publish(self, job: Job, stage: Path, result: dict[str, Any]) -> dict[str, Any]:
        """Publish a finished run from ``stage``; returns the entry now in ``run.json``."""
        files = result.get("files") or []
        problem = self._check(job, files) if result["status"] == "ok" else None
        if problem:
            result = {**result, "status": "failed", "error": {"cell": None, "ename": "OutputConflict", "evalue": problem}}
        prev = self.entries.get(job.name) or {}
        has = {n: (stage / n).is_file() for n in ("notebook.ipynb", "page.html")}
        base = {"name": job.name, "title": job.title, "summary": job.summary, "status": result["status"],
                "seconds": result.get("seconds", 0.0), "error": result.get("error"), "subdir": job.subdir,
                **({"group": job.group, "label": job.label, "batch": job.batch} if job.group else {})}
        moves: list[tuple[str, str]] = []
        remove: list[str] = []
        if result["status"] == "ok" and has["page.html"]:
            new_files = {published_path(rel, job.subdir): file_sha(stage / "out" / rel) for rel in files}
            moves = [(f"out/{rel}", published_path(rel, job.subdir)) for rel in files]
            moves += [("notebook.ipynb", f"notebooks/{job.name}.ipynb"), ("page.html", f"html/{job.name}.html")]
            remove = [rel for rel in (prev.get("files") or {}) if rel not in new_files]
            remove += [f"failed/{job.name}.html", f"failed/{job.name}.ipynb", failure_log(job.name)]
            entry = {**base, "html": f"html/{job.name}.html", "notebook": f"notebooks/{job.name}.ipynb",
                     "files": new_files, "parameters": job.parameters, "source": job.source,
                     "extract_sha256": job.source.get("sha256"), "key": job.key, "inputs": job.inputs,
                     "finished_at": result.get("finished_at"), "ran_seconds": result.get("seconds"), "failure": None}
        else:
            if base["status"] == "ok":  # ran, but rendered no page
                base.update(status="failed", error={"cell": None, "ename": "NoPage", "evalue": "no page was rendered"})
            log = failure_log(job.name)
            failure = {"parameters": job.parameters, "finished_at": result.get("finished_at"),
                       "html": f"failed/{job.name}.html" if has["page.html"] else None,
                       "notebook": f"failed/{job.name}.ipynb" if has["notebook.ipynb"] else None,
                       "log": log if (stage / log).is_file() else None}
            moves = [(src, failure[kind]) for src, kind in (("page.html", "html"), ("notebook.ipynb", "notebook"),
                                                            (log, "log")) if failure[kind]]
            entry = {**base, **{k: prev.get(k) for k in PUBLISHED_FIELDS}, "failure": failure}
            if not entry.get("parameters"):
                entry["parameters"], entry["source"] = job.parameters, job.source
        plan = {"entry": entry, "moves": moves, "remove": remove}
        atomic_write_text(stage / JOURNAL, json.dumps(plan, ensure_ascii=False, default=str))
        self._apply(stage, plan)
        return entry

    def _apply(self, stage: Path, plan: dict[str, Any]) -> None:
        """Perform a journal (again, if a previous attempt was cut short): renames, removals, record."""
        for src, dst in plan["moves"]:
            source, target = stage / src, self.out / dst
            if source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        for rel in plan["remove"]:
            (self.out / rel).unlink(missing_ok=True)
            parent = (self.out / rel).parent
            while parent != self.out and parent.is_dir() and not any(parent.iterdir()) \
                    and parent.name not in ("html", "notebooks", "tables", "figures"):
                parent.rmdir()
                parent = parent.parent
        self.entries[plan["entry"]["name"]] = plan["entry"]
        self.write()
        shutil.rmtree(stage, ignore_errors=True)

    def mark(self, entry: dict[str, Any]) -> None:
        """Record a page that did not run this time (skipped) without touching its files."""
        self.entries[entry["name"]] = entry

    # -- the record -----------------------------------------------------------------
    def _position(self, name: str) -> tuple[int, tuple[int, ...]]:
        """Configuration order; a batch's pages at their entry's place, by their label in Swedish order."""
        entry = self.entries[name]
        key = entry.get("group") or name
        return (self.order.index(key) if key in self.order else len(self.order), sort_key(entry.get("label") or ""))

    def write(self) -> dict[str, Any]:
        """Rewrite ``run.json`` and ``index.html`` from the entries (configuration order first)."""
        from fou.run.render import index_page

        names = sorted(self.entries, key=self._position)
        notebooks = [self.entries[n] for n in names]
        extracts = sorted({(e["source"].get("path"), e["source"].get("sha256")) for e in notebooks
                           if isinstance(e.get("source"), dict) and e["source"].get("sha256")})
        self.record = {"fou_version": __version__, "python": sys.version.split()[0], "started_at": self.started_at,
                       "finished_at": now(), "extracts": [{"path": p, "sha256": s} for p, s in extracts],
                       "notebooks": notebooks}
        atomic_write_text(self.out / "run.json", json.dumps(self.record, ensure_ascii=False, indent=2, default=str) + "\n")
        atomic_write_text(self.out / DICTIONARY, column_dictionary(self.out, notebooks, self._headers))
        atomic_write_text(self.out / "index.html", index_page(self.record))
        return self.record
