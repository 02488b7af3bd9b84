"""What a page depends on, and why it must run again.

A page's inputs are the notebook file, its parameters, every data file it reads
(the ones its parameters name, recorded by the validators, and the shipped
reference data every page may read: ``data/evidence``, ``data/facts``,
``data/reference``, ``data/transcribed`` and the report's transcription), the installed ``fou``
sources (one hash over ``src/fou/**/*.py`` and the templates, computed once per
run) and the package version. :func:`reasons` compares them with what the last
run into the same folder recorded and says what changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fou import __version__
from fou.extracts.paths import REPO_ROOT, data_dir, report_extract_dir

_SHA: dict[tuple[str, int, int], str] = {}


def file_sha(path: str | Path) -> str:
    """sha256 of a file's bytes (memoised by path, size and mtime within this process)."""
    path = Path(path)
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA:
        _SHA[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _SHA[key]


_SOURCE: dict[str, str] = {}


def source_digest(root: Path | None = None) -> str:
    """One sha256 over a package's sources (``*.py`` and ``templates/``), by relative path.

    Without ``root``: the installed ``fou`` package, hashed once per process."""
    if root is None:
        if "fou" not in _SOURCE:
            import fou

            _SOURCE["fou"] = source_digest(Path(fou.__file__).resolve().parent)
        return _SOURCE["fou"]
    digest = hashlib.sha256()
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and (p.suffix == ".py" or "templates" in p.relative_to(root).parts)]
    for p in sorted(files):
        digest.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()


def shared_data_files() -> list[Path]:
    """Shipped reference data any page may read without a parameter naming it."""
    base = data_dir()
    found = [p for sub in ("evidence", "facts", "reference", "transcribed") for p in sorted((base / sub).glob("*"))
             if p.is_file() and p.suffix in (".csv", ".json")]
    found += [p for p in (report_extract_dir() / "values.csv", report_extract_dir() / "manifest.json") if p.is_file()]
    return found


def job_inputs(notebook: Path, params: dict[str, Any], files: dict[str, str]) -> dict[str, Any]:
    """Everything a page depends on, as recorded in ``run.json``."""
    read = dict(files)
    for p in shared_data_files():
        read.setdefault(str(p), file_sha(p))
    return {"notebook": file_sha(notebook), "parameters": {k: v for k, v in params.items() if k != "output_dir"},
            "files": dict(sorted(read.items())), "fou_source": source_digest(), "version": __version__}


def key_of(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def short(path: str) -> str:
    """Paths inside the repository relative to it."""
    root = str(REPO_ROOT) + "/"
    return path[len(root):] if path.startswith(root) else path


def _value(v: Any) -> str:
    text = short(v) if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return repr(text) if isinstance(v, str) else text


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two recorded input sets, one phrase per change."""
    out = []
    if old.get("notebook") != new.get("notebook"):
        out.append("the notebook changed")
    if old.get("notebook_source") != new.get("notebook_source"):  # committed, or edited since (fou.run.sources)
        state = (new.get("notebook_source") or {}).get("state", "committed")
        out.append(f"the notebook is {state} now" if state != "committed" else "the notebook is as committed now")
    op, np_ = old.get("parameters", {}), new.get("parameters", {})
    for k in sorted(set(op) | set(np_)):
        if op.get(k) != np_.get(k):
            out.append(f"parameter {k} changed: {_value(op.get(k))} → {_value(np_.get(k))}")
    of, nf = old.get("files", {}), new.get("files", {})
    for p in sorted(set(of) | set(nf)):
        if p not in of:
            out.append(f"reads {short(p)} now")
        elif p not in nf:
            out.append(f"no longer reads {short(p)}")
        elif of[p] != nf[p]:
            out.append(f"data file {short(p)} changed")
    if old.get("fou_source") != new.get("fou_source"):
        out.append("the fou source code changed")
    if old.get("version") != new.get("version"):
        out.append(f"fou version changed: {old.get('version')} → {new.get('version')}")
    return out


def reasons(key: str, inputs: dict[str, Any], prev: dict[str, Any] | None, out: Path,
            force: bool = False) -> list[str]:
    """Why a page must run (empty when the published one is up to date)."""
    if force:
        return ["--force"]
    if not prev:
        return ["not run into this folder before"]
    if prev.get("status") == "failed":
        return ["the last run failed"]
    if not prev.get("inputs"):
        return ["the last run did not record its inputs"]
    found = changes(prev["inputs"], inputs) if prev.get("key") != key else []
    if prev.get("key") != key and not found:
        found = ["its inputs changed"]
    published = [p for p in (prev.get("html"), prev.get("notebook"), *(prev.get("files") or {})) if p]
    missing = [p for p in published if not (out / p).is_file()]
    if not prev.get("html"):
        missing.insert(0, f"html/{prev.get('name')}.html")
    found += [f"{p} is missing from the output folder" for p in missing[:3]]
    return found
