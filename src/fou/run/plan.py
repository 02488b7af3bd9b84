"""The run configuration (``notebooks/run.toml``) and the plan: every entry's parameters
validated before any kernel starts, with the inputs its skip key covers.

An entry whose notebook is also run by another entry of the configuration writes
its tables and figures under a folder of its own (``tables/<entry>/``,
``figures/<entry>/``); a notebook run once keeps the plain names
(``tables/table1_population.csv``) that other tools read.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fou.extracts.atomic import atomic_write_text
from fou.extracts.params import ParameterError
from fou.extracts.paths import default_cache_dir, notebooks_dir
from fou.run import sources, validate
from fou.run.inputs import job_inputs, key_of
from fou.run.outdir import check_out_folder


_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}")


@dataclass
class Entry:
    """One line of the run configuration."""

    name: str
    notebook: str
    title: str
    summary: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    each: dict[str, str] = field(default_factory=dict)  # batch parameter: one entry per value (run/each.py)
    group: str = ""  # for an entry expanded from a batch: the configuration entry it came from
    label: str = ""  # ... and its value as readers see it (the municipality's name)
    fixed: dict[str, Any] = field(default_factory=dict)  # ... and the value itself (wins over --param)
    batch: dict[str, str] = field(default_factory=dict)  # ... and the batch as given: title, NAME=VALUES


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
    inputs: dict[str, Any] = field(default_factory=dict)  # what the key covers (recorded in run.json)
    subdir: str = ""  # tables/<subdir>/, figures/<subdir>/ when the notebook is shared with other entries
    group: str = ""  # the configuration entry a batch entry was expanded from (the index lists them together)
    label: str = ""  # the batch value as readers see it
    batch: dict[str, str] = field(default_factory=dict)  # the batch's title and NAME=VALUES (for the index)


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
        known = {"name", "notebook", "title", "summary", "parameters", "each"}
        unknown = set(raw) - known
        if unknown or "name" not in raw or "notebook" not in raw:
            raise ParameterError("config", str(path), f"each [[entry]] needs name and notebook and may have {sorted(known)}; got {sorted(raw)}")
        each = raw.get("each", {})
        if not isinstance(each, dict) or len(each) > 1 or not all(isinstance(v, str) and v.strip() for v in each.values()):
            raise ParameterError(f"{raw['name']}.each", each, "expected one batch parameter and its values, e.g. "
                                                             "each = { municipality = \"Göteborgsregionen\" }")
        entries.append(Entry(raw["name"], raw["notebook"], raw.get("title", raw["name"]), raw.get("summary", ""),
                             dict(raw.get("parameters", {})), dict(each)))
    names = [e.name for e in entries]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ParameterError("config", str(path), f"entry names must be unique; repeated: {sorted(dupes)}")
    bad = [n for n in names if not _NAME_RE.fullmatch(n)]
    if bad:
        raise ParameterError("config", str(path), f"entry names become file names: use letters, digits, '_', '-' and '.'"
                                                  f" (not starting with '.'); got {bad[0]!r}")
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
    from fou.run.inputs import file_sha

    return file_sha(path)


def plan(entries: list[Entry], defaults: dict[str, Any], overrides: dict[str, Any], out: Path,
         only: list[str] | None = None, each: dict[str, str] | None = None,
         allow_modified: bool = False) -> list[Job]:
    """Validate every entry's parameters (before any kernel starts) and return jobs; an entry with a
    batch parameter (its ``each``, or ``each`` given here for a parameter its notebook declares)
    becomes one job per value (:mod:`fou.run.each`).

    Raises :class:`fou.run.sources.NotebookChanged` when a notebook differs from its committed
    source, unless ``allow_modified`` (or ``FOU_ALLOW_MODIFIED=1``): its page is then marked."""
    check_out_folder(out)
    names = [e.name for e in entries]
    for name in only or []:
        if name not in names and not any(name.startswith(f"{n}-") for n in names):
            raise ParameterError("only", name, f"no such notebook in the run configuration; valid: {', '.join(names)}")
    selected = [e for e in entries if not only or any(o == e.name or o.startswith(f"{e.name}-") for o in only)]
    per_notebook = [e.notebook for e in entries]
    declared_anywhere = set().union(*(_declared(notebooks_dir() / e.notebook) for e in selected
                                      if (notebooks_dir() / e.notebook).is_file()))
    for key, value in {**overrides, **(each or {})}.items():
        if value is not None and key not in declared_anywhere:
            raise ParameterError(key, value, f"no notebook in this run declares it; parameters: {', '.join(sorted(declared_anywhere))}")
    selected = _expand(selected, defaults, overrides, each or {})
    if only:
        selected = [e for e in selected if e.name in only or e.group in only]
        missing = [o for o in only if not any(o in (e.name, e.group) for e in selected)]
        if missing:
            raise ParameterError("only", missing[0], "no such page in the run configuration; valid: "
                                 f"{', '.join(names)} (a batch entry's pages: <entry>-<value>)")
    states = sources.check([p for p in dict.fromkeys(notebooks_dir() / e.notebook for e in selected) if p.is_file()])
    refused = [s.line() for s in states.values() if s.refused]
    if refused and not (allow_modified or sources.allowed_by_env()):
        raise sources.NotebookChanged(refused)
    jobs = []
    for entry in selected:
        nb_path = notebooks_dir() / entry.notebook
        declared = _declared(nb_path)
        params = _params(entry, declared, defaults, overrides)
        try:
            checked = validate.check(params, set(declared))
        except ParameterError as exc:
            raise ParameterError(f"{entry.name}.{exc.parameter}", exc.value, exc.valid) from None
        params, source = checked.params, checked.source
        if "output_dir" in declared:
            params["output_dir"] = str(out)
        inputs = job_inputs(nb_path, params, checked.files)
        state = states[nb_path.resolve()]
        source = {**source, "notebook": state.record()}
        if state.refused:  # the mark on the page depends on it: committing the notebook re-runs it
            inputs["notebook_source"] = state.record()
        subdir = entry.name if entry.group or per_notebook.count(entry.notebook) > 1 else ""
        jobs.append(Job(entry.name, str(nb_path), entry.title, entry.summary, params, source, key_of(inputs),
                        str(out), inputs, subdir, entry.group, entry.label, entry.batch))
    return jobs


def _params(entry: Entry, declared: dict[str, dict[str, Any]], defaults: dict[str, Any],
            overrides: dict[str, Any]) -> dict[str, Any]:
    """An entry's parameters: the notebook's defaults, then [defaults], the entry's, --param, its batch value."""
    unknown = [k for k in entry.parameters if k not in declared]
    if unknown:
        raise ParameterError(f"{entry.name}.{unknown[0]}", entry.parameters[unknown[0]],
                             f"the notebook has no such parameter; its parameters: {', '.join(declared)}")
    params = {**_notebook_defaults(declared),
              **{k: v for k, v in {**defaults, **entry.parameters}.items() if k in declared}}
    params.update({k: _coerce(k, v, declared[k]) for k, v in overrides.items() if v is not None and k in declared})
    params.update({k: _coerce(k, v, declared[k]) for k, v in entry.fixed.items()})
    return params


def _expand(entries: list[Entry], defaults: dict[str, Any], overrides: dict[str, Any], each: dict[str, str]) -> list[Entry]:
    """Entries with a batch parameter replaced by one entry per value, named ``<entry>-<value>``."""
    from fou.run.each import values_for

    out = []
    for entry in entries:
        nb_path = notebooks_dir() / entry.notebook
        if not nb_path.is_file():
            raise ParameterError(f"{entry.name}.notebook", entry.notebook, f"no such notebook in {notebooks_dir()}")
        declared = _declared(nb_path)
        batch = {k: v for k, v in each.items() if k in declared} or entry.each
        if not batch:
            out.append(entry)
            continue
        (name, spec), = batch.items()
        if name not in declared:
            raise ParameterError(f"{entry.name}.each", name, f"the notebook has no such parameter; its parameters: {', '.join(declared)}")
        if overrides.get(name) is not None:
            raise ParameterError(name, overrides[name], f"give {name} either as --param or as --each, not both")
        params = _params(entry, declared, defaults, overrides)
        try:
            values = values_for(name, spec, params.get("extract"))
        except ParameterError as exc:
            raise ParameterError(f"{entry.name}.{exc.parameter}", exc.value, exc.valid) from None
        batch = {"title": entry.title, "each": f"{name}={spec}"}
        out += [Entry(f"{entry.name}-{v.slug}", entry.notebook, f"{entry.title}: {v.label}", entry.summary,
                      dict(entry.parameters), group=entry.name, label=v.label, fixed={name: v.value}, batch=batch)
                for v in values]
    return out
