"""Where a run may write: never over the sources it runs from.

``fou run`` writes ``notebooks/<entry>.ipynb``, ``html/``, ``tables/`` … into ``--out``;
with ``--out .`` in the repository those would replace the committed notebooks. The
repository root itself and every folder of sources (notebooks, package, data, tests,
scripts, benchmarks, git's own) are refused before anything runs.
"""

from __future__ import annotations

from pathlib import Path

from fou.extracts.params import ParameterError
from fou.extracts.paths import REPO_ROOT, data_dir, notebooks_dir

SOURCE_FOLDERS = ("src", "tests", "scripts", "benchmarks", ".git")


def protected_folders() -> list[Path]:
    """Folders ``--out`` may not be, nor lie inside (the repository root only as itself)."""
    folders = [notebooks_dir(), data_dir(), *(REPO_ROOT / name for name in SOURCE_FOLDERS)]
    return [f.resolve() for f in folders]


def check_out_folder(out: Path) -> Path:
    """``out`` resolved, or a :class:`ParameterError` when it would overwrite sources."""
    target = out.expanduser().resolve()
    if target == REPO_ROOT.resolve():
        raise ParameterError("out", str(out), "the repository root holds the committed notebooks; "
                             "use a folder of its own, e.g. outputs or /tmp/fou")
    for folder in protected_folders():
        if target == folder or folder in target.parents:
            raise ParameterError("out", str(out), f"{folder.name}/ holds sources; use a folder of its own, "
                                 "e.g. outputs or /tmp/fou")
    return target
