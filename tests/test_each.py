"""Batch parameters (``fou run --each NAME=VALUES``, ``each = {…}`` in run.toml): expansion into one
entry per value, stable names, errors before any kernel, and the index listing a batch's pages."""

from __future__ import annotations

import json

import pytest

from fou.extracts.params import ParameterError
from fou.run import runner
from fou.run.each import parse_each, slug, unit_slugs
from fou.run.render import index_page

from .conftest import GR_IDS, cli
from .run_helpers import COLD, write_notebooks

PROFILE = "10_municipality_profile"


def _plan(tmp_path, each=None, only=(PROFILE,), overrides=None):
    defaults, entries = runner.load_config()
    return runner.plan(entries, defaults, overrides or {}, tmp_path, only=list(only), each=each)


def test_a_list_expands_into_one_named_entry_per_municipality(tmp_path):
    jobs = _plan(tmp_path, {"municipality": "Öckerö, 1480,ale"})
    assert [j.name for j in jobs] == [f"{PROFILE}-ale", f"{PROFILE}-goteborg", f"{PROFILE}-ockero"]  # Swedish order
    assert [j.parameters["municipality"] for j in jobs] == ["1440", "1480", "1407"]
    assert [j.subdir for j in jobs] == [j.name for j in jobs] and {j.group for j in jobs} == {PROFILE}
    assert [j.label for j in jobs] == ["Ale", "Göteborg", "Öckerö"] and jobs[1].title == "Kommunprofil: Göteborg"
    assert all(j.parameters["extract"].endswith("kolada-national") for j in jobs)
    assert len({j.key for j in jobs}) == 3


def test_the_default_configuration_runs_the_13_municipalities_of_goteborgsregionen(tmp_path):
    jobs = _plan(tmp_path)
    assert sorted(j.parameters["municipality"] for j in jobs) == sorted(GR_IDS.values())
    assert jobs[0].batch == {"title": "Kommunprofil", "each": "municipality=Göteborgsregionen"}


@pytest.mark.parametrize(("spec", "count", "member"), [
    ("Göteborgsregionen", 13, "kungalv"),         # a region (Kolada group by name)
    ("G92787", 3, "malmo"),                       # a group by id: SKR's Storstäder
    ("Region Halland", 6, "laholm"),              # a county's region unit: its municipalities
    ("all", 290, "habo-0643"),                    # every municipality of the extract
])
def test_regions_groups_counties_and_all_expand_to_their_members(tmp_path, spec, count, member):
    names = [j.name for j in _plan(tmp_path, {"municipality": spec})]
    assert len(names) == len(set(names)) == count and f"{PROFILE}-{member}" in names


def test_names_are_ascii_and_stable_and_only_collisions_carry_the_id():
    assert slug("Upplands Väsby") == "upplands-vasby" and slug("Malung-Sälen") == "malung-salen"
    assert unit_slugs({"0643": "Habo", "0305": "Håbo", "1480": "Göteborg"}) == \
        {"0643": "habo-0643", "0305": "habo-0305", "1480": "goteborg"}


def test_only_selects_one_page_of_a_batch(tmp_path):
    jobs = _plan(tmp_path, {"municipality": "all"}, only=[f"{PROFILE}-vasteras"])
    assert [(j.name, j.parameters["municipality"]) for j in jobs] == [(f"{PROFILE}-vasteras", "1980")]


@pytest.mark.parametrize(("each", "overrides", "parameter", "hint"), [
    ({"municipality": "Göteborgg"}, None, f"{PROFILE}.municipality", "did you mean: Göteborg (1480)"),
    ({"municipality": "Riket"}, None, f"{PROFILE}.municipality", "use 'all'"),
    ({"municipality": "Ale"}, {"municipality": "Lerum"}, "municipality", "either as --param or as --each"),
    ({"nonsense": "a,b"}, None, "nonsense", "no notebook in this run declares it"),
])
def test_bad_batch_values_are_one_line_errors_before_any_kernel(tmp_path, each, overrides, parameter, hint):
    with pytest.raises(ParameterError) as err:
        _plan(tmp_path, each, overrides=overrides)
    assert err.value.parameter == parameter and hint in str(err.value) and "\n" not in str(err.value)


def test_parse_each_wants_name_equals_values():
    assert parse_each(["municipality=Ale,Lerum"]) == {"municipality": "Ale,Lerum"}
    for bad in (["municipality"], ["=Ale"], ["municipality="], ["a=1", "b=2"]):
        with pytest.raises(ParameterError):
            parse_each(bad)


def test_command_line_error_is_one_line_and_nothing_runs(tmp_path):
    out = tmp_path / "out"
    proc = cli("run", "--each", "municipality=Göteborgg", "--only", PROFILE, "--out", str(out))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Göteborg (1480)" in proc.stderr and not (out / "run.json").exists()


def test_a_batch_runs_one_page_per_value_with_own_tables_and_one_index_line(tmp_path):
    """Tiny notebooks (no fou imports): ``each`` in run.toml for a plain parameter, run for real."""
    nbdir = write_notebooks(tmp_path / "nb", '[[entry]]\nname = "fast"\nnotebook = "fast.ipynb"\ntitle = "Snabb"\n'
                            'each = { label = "Ett, två" }\n\n[[entry]]\nname = "slow"\nnotebook = "slow.ipynb"\ntitle = "Långsam"\n')
    out = tmp_path / "out"
    proc = cli("run", "--config", str(nbdir / "run.toml"), "--out", str(out), "--jobs", "2",
               env={"FOU_NOTEBOOKS": str(nbdir), **COLD})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name, label in (("fast-ett", "Ett"), ("fast-tva", "två")):
        assert (out / "html" / f"{name}.html").is_file()
        assert (out / "tables" / name / "t.csv").read_text(encoding="utf-8") == f"label\n{label}\n"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [(n["name"], n.get("group")) for n in run["notebooks"]] == [("fast-ett", "fast"), ("fast-tva", "fast"), ("slow", None)]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="fou-entry fou-batch"') == 1 and index.count('class="fou-entry"') == 1
    assert '<a href="html/fast-ett.html">Ett</a>' in index and '<a href="html/fast-tva.html">två</a>' in index
    assert "2 sidor: 2 klara" in index and "label=Ett, två" in index and "<script" not in index


def test_index_groups_a_batch_and_marks_its_failed_page():
    base = {"title": "Kommunprofil", "summary": "s", "source": {"kind": "fetched", "line": "Kolada"},
            "finished_at": "2026-11-30T10:00:00", "seconds": 1.0, "parameters": {"extract": "kolada-national"}}
    batch = {"title": "Kommunprofil", "each": "municipality=Ale,Lerum"}
    run = {"finished_at": "2026-11-30T10:00:00", "fou_version": "0", "notebooks": [
        {**base, "name": "01", "title": "Ett", "status": "ok", "html": "html/01.html"},
        {**base, "name": "p-ale", "group": "p", "label": "Ale", "batch": batch, "status": "ok", "html": "html/p-ale.html"},
        {**base, "name": "p-lerum", "group": "p", "label": "Lerum", "batch": batch, "status": "failed",
         "error": {"cell": 2, "ename": "ValueError", "evalue": "x"}, "html": None,
         "failure": {"html": "failed/p-lerum.html", "parameters": {}, "log": None}}]}
    page = index_page(run)
    assert page.count("<h2>") == 2 and "<h2>Kommunprofil</h2>" in page
    assert "2 sidor: 1 klar, 0 oförändrade, 1 misslyckad" in page
    assert '<a href="failed/p-lerum.html">Lerum</a> <span class="badge failed">misslyckades</span>' in page
