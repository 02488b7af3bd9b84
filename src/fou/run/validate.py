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
from fou.extracts.paths import REPO_ROOT, data_dir
from fou.extracts.schemas import check_file


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
    _check_reference(ex.path)
    _check_reference(data_dir() / "reference")


def _check_reference(folder: Path) -> None:
    """Kolada's unit list and groups beside an extract, and the shipped reference copies."""
    for name in ("units", "groups"):
        if (folder / f"{name}.csv").is_file():
            check_file(folder / f"{name}.csv", name)


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


@rule("microdata", "preset", "treatment", "takeup", "market", "share", "cluster", "strata", "weights", "covariates",
      "sample", "outcomes", "waves", "heterogeneity")
def _microdata(c: Checked) -> None:
    """The experiment's file (or synthetic data) and its specification: every column the
    preset or the parameters name, the sample condition, strata, waves and draws."""
    from fou.effects.experiment.microdata import check_params

    p = c.params
    if "treatment" not in c.declared:  # the evidence page: an optional file for one computed estimate
        _evidence_microdata(c)
        return
    if p.get("microdata"):
        p["microdata"] = str(repo_path(p["microdata"]).resolve())
    check_params(p)
    if not p.get("microdata"):
        c.source = {"kind": "synthetic", "line": "Syntetiskt experiment med kända sanna effekter"}
        return
    full = Path(p["microdata"])
    c.source = {"kind": "microdata", "line": f"Individdata: {full.name}", "sha256": c.read(full), "path": p["microdata"]}


def _evidence_microdata(c: Checked) -> None:
    """The evidence page's optional microdata: empty, or a file with the experiment's columns."""
    if not c.params.get("microdata"):
        return  # before the imports: the evidence analysis imports scipy, which an unchanged re-run need not
    from fou.effects.evidence.microdata import COLUMNS
    from fou.effects.experiment.microdata import microdata_columns

    full = repo_path(c.params["microdata"])
    if not full.is_file():
        raise ParameterError("microdata", c.params["microdata"], "no such file; expected the public-use file crepon2013_jd.dta, or empty")
    lacking = [v for v in (*COLUMNS, "emploidur") if v not in microdata_columns(full)]
    if lacking:
        raise ParameterError("microdata", c.params["microdata"],
                             f"the file lacks {', '.join(lacking)}; expected the public-use file crepon2013_jd.dta, or empty")
    c.params["microdata"] = str(full.resolve())
    c.read(full)


@rule("tau2", "interval")
def _meta_methods(c: Checked) -> None:
    """The meta-analysis' between-study variance and interval."""
    from fou.effects.evidence.meta import CI_METHODS, TAU2_METHODS

    if c.params.get("tau2", "reml") not in TAU2_METHODS:
        raise ParameterError("tau2", c.params.get("tau2"), f"expected one of {', '.join(TAU2_METHODS)}")
    if c.params.get("interval", "hk") not in CI_METHODS:
        raise ParameterError("interval", c.params.get("interval"), f"expected one of {', '.join(CI_METHODS)}")


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
    """The pilot list (empty: the shipped KROM list): readable, with well-formed municipality ids.
    (Whether the extract covers them is the page's to explain: another extract may lack them.)"""
    from fou.extracts.pilots import load_pilots, pilots_file, rollout_file

    check_file(rollout_file(), "rollout")  # the 2021 stages the pilot page's prose is computed from
    if c.params.get("pilots"):
        _data_file(c, "pilots", "a CSV with a municipality_id column")
        load_pilots(c.params["pilots"])
    else:
        c.read(pilots_file())
        load_pilots(pilots_file())
    check_file(c.params.get("pilots") or pilots_file(), "pilots")


@rule("population")
def _population(c: Checked) -> None:
    """The extract that supplies each year's population (N01951) where the study extract lacks it."""
    from fou.study.inputs import open_extract

    value = c.params.get("population")
    if not value:
        return
    try:
        ex = open_extract(value, base=REPO_ROOT)
    except ParameterError as exc:
        raise ParameterError("population", value, exc.valid) from None
    if "N01951" not in set(ex.values["kpi"]):
        raise ParameterError("population", value, "the extract has no population (N01951); expected a national "
                             "extract such as 'kolada-national'")
    c.params["population"] = str(ex.path)
    for name in ("values.csv", "manifest.json"):
        c.read(ex.path / name)


@rule("population")
def _facts(c: Checked) -> None:
    """The municipality facts coded from the report, read by the panel page (the page that
    declares ``population``) for its group comparisons."""
    c.read(data_dir() / "facts" / "municipality_facts.csv")
    check_file(data_dir() / "facts" / "municipality_facts.csv", "facts")


@rule("evidence")
def _evidence(c: Checked) -> None:
    """The table of studies (empty: the shipped data/evidence/private_vs_public.csv), checked
    cell by cell against its schema."""
    _data_file(c, "evidence", "a CSV of studies in the format of data/evidence/private_vs_public.csv")
    check_file(c.params.get("evidence") or data_dir() / "evidence" / "private_vs_public.csv", "evidence")
    if not c.source:
        c.source = {"kind": "published", "line": "Publicerade skattningar ur forskningen (data/evidence)"}


@rule("draws")
def _draws(c: Checked) -> None:
    draws = c.params.get("draws")
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 99:
        raise ParameterError("draws", draws, "expected a whole number of bootstrap draws ≥ 99 (e.g. 9999)")


@rule("questions", "kpis", "year", "highlight")
def _national_context(c: Checked) -> None:
    """The national context page: survey figures, Kolada KPIs and year in the extract, the highlighted county,
    and an extract with Kolada's unit list (counties)."""
    import json

    from fou.effects.survey.tables import COUNTIES, FIGURES, county_region_id

    p = c.params
    figures = ", ".join(map(str, FIGURES))
    try:
        chosen = [int(q) for q in str(p.get("questions", "")).replace(";", ",").split(",") if q.strip()]
    except ValueError:
        chosen = []
    if not chosen or any(q not in FIGURES for q in chosen):
        raise ParameterError("questions", p.get("questions"), f"expected figure numbers of SKR 2023's county tables, "
                             f"comma-separated, from {figures}")
    folder = Path(str(p.get("extract", "")))
    if not (folder / "units.csv").is_file() or "county" not in (folder / "units.csv").read_text(encoding="utf-8").split("\n", 1)[0]:
        raise ParameterError("extract", p.get("extract"), "the extract has no Kolada unit list with counties (units.csv "
                             "with a county column); expected a national extract such as 'kolada-national'")
    coverage = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("coverage", {})
    have = [str(k) for k in coverage.get("kpis", [])]
    kpis = [k.strip().upper() for k in str(p.get("kpis", "")).split(",") if k.strip()]
    unknown = [k for k in kpis if k not in have]
    if not kpis or unknown:
        raise ParameterError("kpis", p.get("kpis"), f"expected comma-separated KPIs of the extract: {', '.join(have)}")
    years = [int(y) for y in coverage.get("years", [])]
    year = p.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or year not in years:
        span = f"{years[0]}–{years[-1]}" if years else "none"
        raise ParameterError("year", year, f"expected a year in the extract: {span}")
    highlight = str(p.get("highlight", "") or "")
    try:
        county_region_id(highlight)
    except ValueError:
        raise ParameterError("highlight", highlight, "expected one county, e.g. 'Västra Götaland' or '0014' "
                                 f"({', '.join(COUNTIES.values())}), or empty for none") from None
    c.read(folder / "units.csv")
    c.source = {**c.source, "kind": "transcribed",
                "line": f"Avskrivet ur SKR 2023 (enkät, tabellbilaga) och Dua 2019 (årsrapport); Kolada: {c.source.get('line', '')}"}
    from fou.effects.survey.tables import transcribed_dir

    for f in sorted(transcribed_dir().glob("*")):
        if f.suffix in (".csv", ".json"):
            c.read(f)


@rule("municipality")
def _municipality(c: Checked) -> None:
    """One municipality of the extract, by name or Kolada id; normalised to its id so 'Ale', 'ale'
    and '1440' are the same page (the profile, notebook 10)."""
    from fou.study.inputs import open_extract
    from fou.study.profile import find_municipality

    ex = open_extract(c.params.get("extract") or "kolada-national", base=REPO_ROOT)
    c.params["municipality"] = find_municipality(ex, c.params.get("municipality")).id
