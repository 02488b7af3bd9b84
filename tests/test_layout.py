"""The package's folders are the pipeline's stages, and imports only point down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "fou"

#: Stage of each subpackage: a module may import its own stage or a lower one, never a higher.
RANK = {"extracts": 0, "kolada": 1, "study": 1, "effects": 2, "pages": 3, "run": 4, "cli": 5, "__main__": 6}
#: Stages of equal rank that must not know each other.
SIBLINGS = {("kolada", "study"), ("study", "kolada")}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("fou"):
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("fou")]
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_lives_in_a_stage_folder():
    loose = sorted(p.name for p in SRC.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py"]
    assert sorted(p.name for p in SRC.iterdir() if p.is_dir() and p.name not in ("__pycache__", "templates")) == sorted(
        k for k in RANK if k != "__main__")


def test_no_relative_imports_and_no_upward_imports():
    problems = []
    for path in _modules():
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts)
        own = _stage(module) if len(rel.parts) > 2 else rel.parts[-1]
        if own == "__init__":
            continue
        text = path.read_text(encoding="utf-8")
        if "\nfrom . " in text or "\nfrom .." in text:
            problems.append(f"{module}: relative import")
        for imported in _imports(path):
            target = _stage(imported)
            if not target or target == "__version__" or target == own:
                continue
            if RANK.get(target, 99) > RANK[own] or (own, target) in SIBLINGS:
                problems.append(f"{module} imports {imported} ({own} may not import {target})")
    assert problems == []


#: The shared modules at the top of ``effects/``; everything else lives in one folder per analysis.
EFFECTS_SHARED = {"__init__", "linear", "inference", "randomisation", "multiple", "plotting"}
#: Analyses that may use another analysis' estimators: the evidence page's one estimate computed
#: from microdata is the experiment's own ``direct`` estimator (one number on both pages).
EFFECTS_USES = {"evidence": {"experiment"}}


def test_effects_has_one_folder_per_analysis_and_few_shared_modules():
    effects = SRC / "effects"
    assert {p.stem for p in effects.glob("*.py")} == EFFECTS_SHARED
    folders = {p.name for p in effects.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {"panel", "pilot", "experiment", "evidence"} <= folders
    for folder in folders:
        assert (effects / folder / "__init__.py").exists(), f"effects/{folder} lacks __init__.py"


def test_analyses_import_only_shared_effects_modules():
    """An analysis folder imports the shared modules and itself, not another analysis (except
    where :data:`EFFECTS_USES` says so); the shared modules import no analysis."""
    problems = []
    for path in sorted((SRC / "effects").rglob("*.py")):
        rel = path.relative_to(SRC / "effects").parts
        own = rel[0] if len(rel) > 1 else None
        for imported in _imports(path):
            parts = imported.split(".")
            if parts[:2] != ["fou", "effects"] or len(parts) < 3 or parts[2] in EFFECTS_SHARED:
                continue
            if parts[2] != own and parts[2] not in EFFECTS_USES.get(own, set()):
                problems.append(f"effects/{'/'.join(rel)} imports {imported}")
    assert problems == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 350
