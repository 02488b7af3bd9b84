"""``make lab``: JupyterLab on a git-ignored working copy of the notebooks.

The committed notebooks in ``notebooks/`` are the sources ``fou run`` executes;
JupyterLab never opens them, so its autosave, kernel metadata and outputs can
never leak into them (``git status`` stays clean) or into published pages. Lab
opens on ``work/`` instead, which holds

- a copy of every notebook of ``notebooks/`` (made when missing; refreshed when
  the source changed *and* the copy's cells are still as copied, so a researcher's
  edits are never overwritten: outputs and metadata Lab saved do not count as edits);
- ``outputs`` → ``../outputs``: the pages of the last ``make run`` (``outputs/html``).

``work/.fou-copies.json`` records, per notebook, the cells' hash of the source it was
copied from. Notebooks a researcher adds to ``work/`` are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from fou.extracts.atomic import atomic_write_text
from fou.extracts.paths import REPO_ROOT, notebooks_dir
from fou.run.sources import content_hash

MANIFEST = ".fou-copies.json"


def work_dir() -> Path:
    """The researchers' working copy: ``FOU_WORK`` or ``work/`` at the repository root."""
    return Path(os.environ.get("FOU_WORK") or REPO_ROOT / "work")


def _hash_of(path: Path) -> str | None:
    try:
        return content_hash(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def sync(source: Path, work: Path) -> list[str]:
    """Bring ``work`` up to date with the notebooks in ``source``; returns one line per thing done or kept."""
    work.mkdir(parents=True, exist_ok=True)
    try:
        copied = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        copied = {}
    said = []
    for src in sorted(source.glob("*.ipynb")):
        dst, now = work / src.name, _hash_of(src)
        if now is None:
            continue
        mine = _hash_of(dst) if dst.exists() else None
        if not dst.exists():
            said.append(f"copied {src.name}")
        elif mine == copied.get(src.name):
            if now == mine:
                continue  # unchanged (whatever outputs Lab saved in it)
            said.append(f"refreshed {src.name}: notebooks/{src.name} changed and your copy had no edits")
        else:
            if now == mine:
                copied[src.name] = now  # the copy's edits are what the source now holds
            elif now != copied.get(src.name):
                said.append(f"kept your edits in {dst.name}; notebooks/{src.name} has changed since it was copied "
                            f"(delete {dst.name} and run make lab again for the new version)")
            continue
        shutil.copyfile(src, dst)
        copied[src.name] = now
    atomic_write_text(work / MANIFEST, json.dumps(copied, indent=1, sort_keys=True) + "\n")
    return said


def link_outputs(work: Path, outputs: Path) -> None:
    """``work/outputs`` → the outputs folder (relative when possible), so Lab reaches the rendered pages."""
    link = work / "outputs"
    outputs.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        return
    try:
        target = Path(os.path.relpath(outputs, work))
    except ValueError:
        target = outputs
    link.symlink_to(target, target_is_directory=True)


def command(work: Path, extra: list[str]) -> list[str]:
    """``jupyter lab`` on ``work`` from this environment; ``--allow-root`` only when running as root."""
    lab = Path(sys.executable).with_name("jupyter-lab")
    argv = [str(lab) if lab.exists() else sys.executable, *([] if lab.exists() else ["-m", "jupyterlab"]),
            f"--ServerApp.root_dir={work}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    return argv + list(extra)


def main(argv: list[str] | None = None) -> None:
    """Sync the working copy, install the kernel and Lab settings, and replace this process with Lab."""
    from fou.run.kernel import ensure_kernel, ensure_lab_settings

    work = work_dir()
    for line in sync(notebooks_dir(), work):
        print(f"fou lab: {line}", file=sys.stderr)
    link_outputs(work, REPO_ROOT / "outputs")
    ensure_kernel()
    ensure_lab_settings()
    args = command(work, list(sys.argv[1:] if argv is None else argv))
    print(f"fou lab: JupyterLab on {work} (your copies of the notebooks; outputs/ holds the rendered pages)",
          file=sys.stderr)
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
