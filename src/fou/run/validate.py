"""Validators of notebook parameters, run before any kernel starts.

Each rule is registered for the parameter names it checks (``@rule("draws")``);
:func:`check` runs every rule whose first name the notebook declares. A rule may
normalise values (paths made absolute), describe the page's data source, and
record the files it read so the skip decision covers them. Errors are
:class:`ParameterError` naming the parameter, the value and what is valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fou.extracts.params import ParameterError
from fou.extracts.paths import REPO_ROOT


@dataclass
class Checked:
    """One notebook's parameters as validation leaves them."""

    params: dict[str, Any]
    declared: set[str]
    source: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of every data file the page reads

    def read(self, path: Path) -> str:
        """Record a data file the notebook will read; returns its sha256."""
        digest = file_sha(path)
        self.files[str(path)] = digest
        return digest


Rule = Callable[[Checked], None]
RULES: list[tuple[tuple[str, ...], Rule]] = []


def rule(*names: str) -> Callable[[Rule], Rule]:
    """Register a validator for parameters ``names`` (it runs when the notebook declares the first)."""
    def register(fn: Rule) -> Rule:
        RULES.append((names, fn))
        return fn
    return register


def check(params: dict[str, Any], declared: set[str]) -> Checked:
    """Run every applicable rule; raises :class:`ParameterError` on the first bad value."""
    checked = Checked(dict(params), set(declared))
    for names, fn in RULES:
        if names[0] in declared:
            fn(checked)
    return checked


def file_sha(path: Path) -> str:
    """sha256 of a file's bytes (memoised within the run)."""
    from fou.run.inputs import file_sha as sha

    return sha(path)


def repo_path(value: Any) -> Path:
    """A parameter's path, relative paths taken from the repository root."""
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _record_extract(c: Checked, ex) -> None:
    c.params["extract"] = str(ex.path)
    c.source = {"kind": ex.source_kind, "line": ex.provenance(), "sha256": ex.checksum, "path": str(ex.path)}
    for name in ("values.csv", "manifest.json", "units.csv", "groups.csv"):
        if (ex.path / name).is_file():
            c.read(ex.path / name)


@rule("extract", "region", "year", "years", "metadata")
def _extract(c: Checked) -> None:
    """A study extract with region and years, or (pages without a region) any extract."""
    from fou.study.inputs import open_extract, resolve_inputs

    p = c.params
    if "region" not in c.declared:
        if not p.get("extract"):
            c.source = {"kind": "none", "line": "Kräver ett nationellt extrakt; sidan förklarar hur"}
            return
        _record_extract(c, open_extract(p.get("extract"), base=REPO_ROOT))
        return
    if p.get("metadata"):
        p["metadata"] = str(repo_path(p["metadata"]).resolve())
        for name in ("municipalities.csv", "municipality_groups.csv", "units.csv", "groups.csv"):
            if (Path(p["metadata"]) / name).is_file():
                c.read(Path(p["metadata"]) / name)
    inputs = resolve_inputs(p.get("extract"), p.get("region", "Göteborgsregionen"), p.get("year"),
                            p.get("years", "2017-2022"), p.get("metadata") or None, base=REPO_ROOT)
    _record_extract(c, inputs.extract)


@rule("microdata", "treatment", "takeup", "market", "share", "outcomes", "waves")
def _microdata(c: Checked) -> None:
    """The experiment's file (or synthetic data) and its variable mapping."""
    p = c.params
    if not p.get("microdata"):
        c.source = {"kind": "synthetic", "line": "Syntetiskt experiment med kända sanna effekter"}
        return
    from fou.effects.experiment import microdata_columns, parse_variables  # scipy: only when there is a file

    full = repo_path(p["microdata"])
    columns = microdata_columns(full)
    parse_variables(*(str(p.get(k, "")) for k in ("treatment", "takeup", "market", "share", "outcomes", "waves")), columns)
    p["microdata"] = str(full.resolve())
    c.source = {"kind": "microdata", "line": f"Individdata: {full.name}", "sha256": c.read(full), "path": p["microdata"]}


def _data_file(c: Checked, name: str, expected: str) -> None:
    if not c.params.get(name):
        return
    full = repo_path(c.params[name])
    if not full.is_file():
        raise ParameterError(name, c.params[name], f"no such file; expected {expected}")
    c.params[name] = str(full.resolve())
    c.read(full)


@rule("pilots")
def _pilots(c: Checked) -> None:
    _data_file(c, "pilots", "a CSV with a municipality_id column")


@rule("evidence")
def _evidence(c: Checked) -> None:
    _data_file(c, "evidence", "a CSV of studies in the format of data/evidence/private_vs_public.csv")
    if not c.source:
        c.source = {"kind": "published", "line": "Publicerade skattningar ur forskningen (data/evidence)"}


@rule("draws")
def _draws(c: Checked) -> None:
    draws = c.params.get("draws")
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 99:
        raise ParameterError("draws", draws, "expected a whole number of bootstrap draws ≥ 99 (e.g. 9999)")
