"""``fou run`` and notebooks that differ from their committed source (fou.run.sources).

Each test builds a small git repository holding the tiny notebooks of ``run_helpers``
(a real kernel, nothing heavy), changes a notebook the way JupyterLab or a researcher
would, and runs ``fou`` as a user does. The suite itself runs with FOU_ALLOW_MODIFIED=1
(conftest) so a developer's uncommitted notebook edits do not stop it; these tests unset it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from fou.run import sources

from .conftest import fou
from .run_helpers import COLD, write_notebooks

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")
STRICT = {"FOU_ALLOW_MODIFIED": ""}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, text=True).stdout


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write_notebooks(repo / "notebooks")
    _git(repo.parent, "init", "-q", str(repo))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "notebooks")
    return repo


def _env(nbdir: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"FOU_NOTEBOOKS": str(nbdir), "FOU_CACHE_DIR": str(tmp_path / "cache"), **COLD, **STRICT, **extra}


def _set_default(nb_path: Path, old: str, new: str) -> None:
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace(old, new)
    nbformat.write(nb, nb_path)


def _lab_save(nb_path: Path) -> None:
    """What JupyterLab does to a notebook it opens, runs and saves: outputs, counts, its metadata, its layout."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    for i, cell in enumerate(nb["cells"]):
        cell["execution_count"] = i + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["a\n"]}]
        cell["metadata"]["execution"] = {"iopub.status.idle": "2026-11-30T10:00:00Z"}
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@needs_git
def test_states_committed_lab_saved_modified_uncommitted(tmp_path):
    repo = _repo(tmp_path)
    fast, slow = repo / "notebooks" / "fast.ipynb", repo / "notebooks" / "slow.ipynb"
    states = sources.check([fast, slow])
    assert [s.state for s in states.values()] == ["committed", "committed"]
    _lab_save(slow)  # outputs and metadata only: what runs is as committed
    assert sources.check([slow])[slow.resolve()].state == "committed"
    _set_default(fast, 'label: str = "a"', 'label: str = "b"')
    state = sources.check([fast])[fast.resolve()]
    assert (state.state, state.defaults, state.cells) == ("modified", {"label": ("a", "b")}, 0)
    assert state.line().startswith("notebook notebooks/fast.ipynb differs from its committed source "
                                   "(parameter defaults: label 'a' → 'b'); pass --allow-modified")
    new = repo / "notebooks" / "new.ipynb"
    shutil.copyfile(slow, new)
    assert sources.check([new])[new.resolve()].state == "uncommitted"


def test_compare_names_added_removed_and_other_cells():
    def nb(params: str, *cells: str) -> dict:
        out = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell(params)
        p.metadata["tags"] = ["parameters"]
        out.cells = [p, *(nbformat.v4.new_code_cell(c) for c in cells)]
        return out

    defaults, cells = sources.compare(nb("draws: int = 999\nx = 1", "a()", "b()"), nb("draws: int = 199\ny = 2", "a()"))
    assert {k: tuple(None if v is sources._ABSENT else v for v in pair) for k, pair in defaults.items()} == {
        "draws": (999, 199), "x": (1, None), "y": (None, 2)}
    assert cells == 1
    assert sources.compare(nb("a = 1", "c()"), nb("a = 1", "d()")) == ({}, 1)
    assert sources.compare(nb("a = 1  # one"), nb("a = 1  # two")) == ({}, 1)  # a comment: still a change


@needs_git
def test_run_refuses_a_modified_notebook_in_one_line_and_publishes_nothing(tmp_path):
    repo = _repo(tmp_path)
    _set_default(repo / "notebooks" / "fast.ipynb", 'label: str = "a"', 'label: str = "b"')
    out = tmp_path / "out"
    proc = fou("run", "--out", str(out), "--only", "fast", env=_env(repo / "notebooks", tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "notebooks/fast.ipynb differs from its committed source" in lines[0]
    assert "label 'a' → 'b'" in lines[0] and "--allow-modified" in lines[0]
    assert not (out / "run.json").exists() and not (out / "html").exists()
    explain = fou("run", "--out", str(out), "--explain", env=_env(repo / "notebooks", tmp_path))
    assert explain.returncode == 0, explain.stderr
    assert "stop  fast" in explain.stdout and "refuses it without --allow-modified" in explain.stdout
    assert "run   slow" in explain.stdout


@needs_git
def test_allow_modified_marks_page_run_json_and_index_until_committed(tmp_path):
    repo = _repo(tmp_path)
    nb_path = repo / "notebooks" / "fast.ipynb"
    _set_default(nb_path, 'label: str = "a"', 'label: str = "b"')
    out, env = tmp_path / "out", _env(repo / "notebooks", tmp_path)
    proc = fou("run", "--out", str(out), "--only", "fast", "--allow-modified", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    entry = json.loads((out / "run.json").read_text())["notebooks"][0]
    assert entry["source"]["notebook"] == {"path": "notebooks/fast.ipynb", "state": "modified",
                                           "defaults": {"label": {"committed": "a", "now": "b"}}}
    page = (out / "html" / "fast.html").read_text()
    assert "Byggd från en ändrad notebook" in page and "label ”a” → ”b”" in page
    index = (out / "index.html").read_text()
    assert "ändrad notebook" in index and "notebooks/fast.ipynb skiljer sig från den incheckade versionen" in index
    assert (out / "tables" / "t.csv").read_text() == "label\nb\n"
    # FOU_ALLOW_MODIFIED=1 is the same as the flag: nothing changed, so the marked page is up to date
    again = fou("run", "--out", str(out), "--only", "fast", env={**env, "FOU_ALLOW_MODIFIED": "1"})
    assert again.returncode == 0 and "skipped" in again.stdout
    # committed: a plain run is allowed, runs again (the mark would be stale) and drops the mark
    _git(repo, "commit", "-qam", "label b")
    proc = fou("run", "--out", str(out), "--only", "fast", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the notebook is as committed now" in proc.stdout
    assert "ändrad notebook" not in (out / "html" / "fast.html").read_text()
    entry = json.loads((out / "run.json").read_text())["notebooks"][0]
    assert entry["source"]["notebook"] == {"path": "notebooks/fast.ipynb", "state": "committed"}


@needs_git
def test_lab_saved_notebook_runs_as_committed(tmp_path):
    repo = _repo(tmp_path)
    _lab_save(repo / "notebooks" / "fast.ipynb")
    proc = fou("run", "--out", str(tmp_path / "out"), "--only", "fast", env=_env(repo / "notebooks", tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "ändrad" not in (tmp_path / "out" / "html" / "fast.html").read_text()


@needs_git
def test_shallow_clone_and_tarball_without_git(tmp_path):
    repo = _repo(tmp_path)
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    states = sources.check([clone / "notebooks" / "fast.ipynb"])
    assert [s.state for s in states.values()] == ["committed"]
    # a tarball (git archive) has no .git: the notebooks are taken as they are, and run.json says so
    tarball = tmp_path / "unpacked"
    shutil.copytree(clone, tarball, ignore=shutil.ignore_patterns(".git"))
    _set_default(tarball / "notebooks" / "fast.ipynb", 'label: str = "a"', 'label: str = "c"')
    out = tmp_path / "out"
    proc = fou("run", "--out", str(out), "--only", "fast", env=_env(tarball / "notebooks", tmp_path))
    assert proc.returncode == 0, proc.stderr
    entry = json.loads((out / "run.json").read_text())["notebooks"][0]
    assert entry["source"]["notebook"]["state"] == "unversioned"
    assert entry["source"]["notebook"]["reason"] == "not in a git work tree"
    assert "ändrad" not in (out / "html" / "fast.html").read_text()


def test_without_git_installed(tmp_path, monkeypatch):
    write_notebooks(tmp_path / "nb")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    states = sources.check([tmp_path / "nb" / "fast.ipynb"])
    assert [(s.state, s.reason) for s in states.values()] == [("unversioned", "git is not installed")]


@needs_git
def test_repository_without_commits_is_unversioned(tmp_path):
    write_notebooks(tmp_path / "repo" / "notebooks")
    _git(tmp_path, "init", "-q", str(tmp_path / "repo"))
    states = sources.check([tmp_path / "repo" / "notebooks" / "fast.ipynb"])
    assert [(s.state, s.reason) for s in states.values()] == [("unversioned", "the repository has no commits")]
