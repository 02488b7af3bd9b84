"""Is a notebook its committed source? ``fou run`` never publishes a page from a changed
notebook without saying so.

"Committed source" is the notebook as ``HEAD`` of the git repository holding it.
Only what a run executes is compared: each cell's type, source and tags (the
``parameters`` tag steers papermill). Saved outputs, execution counts and metadata
(what JupyterLab adds when it saves) do not change the page, so they do not count.
The states:

- ``committed``: the cells are as committed;
- ``modified``: the cells differ; the changed parameter defaults are named;
- ``uncommitted``: the repository has commits but not this notebook (a new notebook);
- ``unversioned``: no committed source to compare with (not in a git work tree with
  commits, e.g. a tarball without ``.git``, or git not installed): the notebook is
  taken as it is, and ``run.json`` says so.

A run refuses ``modified`` and ``uncommitted`` notebooks (one line each) unless the
user passes ``--allow-modified`` or sets ``FOU_ALLOW_MODIFIED=1``; the page,
``run.json`` and the index then mark them.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_ALLOW = "FOU_ALLOW_MODIFIED"
REFUSED = ("modified", "uncommitted")


class NotebookChanged(Exception):
    """Notebooks that differ from their committed source, in a run that does not allow them."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


@dataclass
class SourceState:
    """How one notebook compares with its committed source."""

    notebook: str  # path as shown (relative to the repository when inside one)
    state: str  # committed | modified | uncommitted | unversioned
    defaults: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (committed, now); absent = None
    cells: int = 0  # cells changed other than the parameter defaults
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.state in REFUSED

    def changes(self) -> str:
        """``draws 999 → 199; 2 other cells changed`` (English, for the terminal)."""
        parts = [f"{k} {_show(a)} → {_show(b)}" for k, (a, b) in self.defaults.items()]
        if self.cells:
            parts.append(f"{self.cells} {'cell' if self.cells == 1 else 'cells'} changed")
        return "; ".join(parts)

    def line(self) -> str:
        """The one-line refusal."""
        if self.state == "uncommitted":
            what = "is not committed (no committed source to compare with)"
        else:
            what = "differs from its committed source" + (f" (parameter defaults: {self.changes()})" if self.defaults
                                                          else f" ({self.changes() or 'cells changed'})")
        return (f"notebook {self.notebook} {what}; pass --allow-modified to publish its page marked as modified, "
                f"or restore it with: git checkout -- {self.notebook}")

    def record(self) -> dict[str, Any]:
        """What ``run.json`` keeps (under the entry's ``source.notebook``); an absent default is ``null``."""
        out: dict[str, Any] = {"path": self.notebook, "state": self.state}
        if self.defaults:
            out["defaults"] = {k: {"committed": None if a is _ABSENT else a, "now": None if b is _ABSENT else b}
                               for k, (a, b) in self.defaults.items()}
        if self.cells:
            out["cells_changed"] = self.cells
        if self.reason:
            out["reason"] = self.reason
        return out


def _show(value: Any) -> str:
    return "(none)" if value is _ABSENT else repr(value)


_ABSENT = object()


def allowed_by_env() -> bool:
    """``FOU_ALLOW_MODIFIED=1`` (developers with uncommitted notebook edits; the test suite)."""
    return os.environ.get(ENV_ALLOW, "").strip().lower() in ("1", "true", "yes")


def cells(nb: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a run executes: each cell's type, source and tags."""
    out = []
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        tags = tuple(sorted((cell.get("metadata") or {}).get("tags") or []))
        out.append((str(cell.get("cell_type", "")), src, tags))
    return out


def content_hash(nb: dict[str, Any]) -> str:
    """sha256 over :func:`cells` (outputs, counts and metadata left out)."""
    return hashlib.sha256(json.dumps(cells(nb), ensure_ascii=False).encode("utf-8")).hexdigest()


def parameter_defaults(nb: dict[str, Any]) -> dict[str, Any]:
    """Literal assignments of the ``parameters`` cell (name -> value, or its source text when not a literal)."""
    out: dict[str, Any] = {}
    for kind, src, tags in cells(nb):
        if kind != "code" or "parameters" not in tags:
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            return {"(parameters cell)": src}
        for node in tree.body:
            target = node.target if isinstance(node, ast.AnnAssign) else (
                node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
            if isinstance(target, ast.Name) and getattr(node, "value", None) is not None:
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except (ValueError, SyntaxError):
                    out[target.id] = ast.get_source_segment(src, node.value)
        break
    return out


def compare(committed: dict[str, Any], now: dict[str, Any]) -> tuple[dict[str, tuple[Any, Any]], int]:
    """Changed parameter defaults, and how many other cells differ (added or removed count too)."""
    a, b = parameter_defaults(committed), parameter_defaults(now)
    defaults = {k: (a.get(k, _ABSENT), b.get(k, _ABSENT)) for k in [*a, *[k for k in b if k not in a]]
                if a.get(k, _ABSENT) != b.get(k, _ABSENT)}
    old = [c for c in cells(committed) if "parameters" not in c[2]]
    new = [c for c in cells(now) if "parameters" not in c[2]]
    changed = sum(x != y for x, y in zip(old, new)) + abs(len(old) - len(new))
    if not defaults and not changed and cells(committed) != cells(now):
        changed = 1  # the parameters cell changed in something other than a default (a comment, its tag)
    return defaults, changed


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None


def _blob_sha1(data: bytes) -> str:
    """git's object id of a file's bytes (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check(notebooks: list[Path]) -> dict[Path, SourceState]:
    """Each notebook's :class:`SourceState` (one ``git ls-tree`` for all; ``git cat-file`` only for changed ones)."""
    notebooks = [Path(p).resolve() for p in notebooks]
    if not notebooks:
        return {}
    folder = notebooks[0].parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return {p: SourceState(str(p), "unversioned", reason="git is not installed") for p in notebooks}
    if top.returncode != 0:
        return {p: SourceState(str(p), "unversioned", reason="not in a git work tree") for p in notebooks}
    root = Path(top.stdout.decode().strip()).resolve()
    rel = {p: p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in notebooks}
    listed = _git(root, "ls-tree", "-z", "HEAD", "--", *[r for r in rel.values()])
    if listed is None or listed.returncode != 0:
        return {p: SourceState(rel[p], "unversioned", reason="the repository has no commits") for p in notebooks}
    blobs = {}
    for item in listed.stdout.decode().split("\0"):
        meta, _, path = item.partition("\t")
        if path:
            blobs[path] = meta.split()[2]
    out = {}
    for p in notebooks:
        r = rel[p]
        if r not in blobs:
            out[p] = SourceState(r, "uncommitted")
            continue
        data = p.read_bytes()
        if _blob_sha1(data) == blobs[r]:
            out[p] = SourceState(r, "committed")
            continue
        shown = _git(root, "cat-file", "blob", blobs[r])
        try:
            committed, now = json.loads(shown.stdout), json.loads(data)
        except (AttributeError, ValueError):
            out[p] = SourceState(r, "modified", cells=1, reason="not readable as a notebook")
            continue
        if cells(committed) == cells(now):
            out[p] = SourceState(r, "committed", reason="outputs or metadata differ, cells as committed")
            continue
        defaults, changed = compare(committed, now)
        out[p] = SourceState(r, "modified", defaults, changed)
    return out
