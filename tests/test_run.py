"""End to end: `fou run` into a temporary folder, on the shipped and on hand-made extracts."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pandas as pd
import pytest

from fou.extracts.format import load_extract
from fou.extracts.paths import data_dir, notebooks_dir

from .conftest import GR_ORDER, KOLADA_DIR, fou, needs_shared
from .run_helpers import COLD
from .variants import entries_ok

pytestmark = pytest.mark.slow
TABLES = ["table1_population", "table2_socioeconomics", "table3_organisation", "table4_participants",
          "table5_referrals_af", "diagram1_referrals"]




def test_run_writes_every_output(default_run):
    out, proc = default_run
    names = ["01_population_socioeconomics", "02_organisation_participants", "03_referrals", "04_checks",
             "05_municipal_panel", "06_evidence", "07_experiment", "08_national_pilot", "09_national_context"]
    for name in names:
        assert (out / "html" / f"{name}.html").is_file()
        nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    for stem in TABLES:
        assert (out / "tables" / f"{stem}.csv").is_file(), stem
    assert (out / "figures" / "03_referrals-diagram1.png").stat().st_size > 10_000
    assert "11 of 11 notebooks ok" in proc.stdout
    for name in ("ale", "bjurholm"):  # the profile's batch: own page and tables, one line in the index
        assert (out / "html" / f"10_municipality_profile-{name}.html").is_file()
        assert (out / "tables" / f"10_municipality_profile-{name}" / "profile_key_figures.csv").is_file()
    assert (out / "index.html").read_text(encoding="utf-8").count('class="fou-entry fou-batch"') == 1


def test_run_json_records_parameters_status_checksum_version(default_run, report_extract):
    out, _ = default_run
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    import fou

    assert run["fou_version"] == fou.__version__
    national = load_extract(data_dir() / "extracts" / "kolada-national")
    assert sorted(run["extracts"], key=lambda e: e["path"]) == [
        {"path": str(national.path), "sha256": national.checksum},
        {"path": str(report_extract.path), "sha256": report_extract.checksum}]
    nb = {n["name"]: n for n in run["notebooks"]}
    assert nb["03_referrals"]["parameters"]["region"] == "Göteborgsregionen"
    assert nb["03_referrals"]["parameters"]["years"] == "2017-2022"
    assert all(n["status"] == "ok" and n["seconds"] > 0 for n in run["notebooks"])
    study = [n for n in run["notebooks"] if n["name"][:2] in ("01", "02", "03", "04", "05")]
    assert all(n["extract_sha256"] == report_extract.checksum for n in study)
    kinds = {n["name"]: n["source"]["kind"] for n in run["notebooks"]}
    assert kinds["06_evidence"] == "published" and kinds["07_experiment"] == "synthetic" and kinds["08_national_pilot"] == "fetched"
    assert kinds["09_national_context"] == "transcribed"


def test_csv_tables_hold_the_published_figures(default_run, report_extract):
    out, _ = default_run
    t1 = pd.read_csv(out / "tables" / "table1_population.csv", dtype={"municipality_id": str})
    assert t1.columns.tolist() == ["municipality_id", "municipality", "N01951"]
    assert t1["municipality"].tolist() == GR_ORDER
    t2 = pd.read_csv(out / "tables" / "table2_socioeconomics.csv", dtype={"municipality_id": str})
    assert t2.columns.tolist() == ["municipality_id", "municipality", "N03932", "N31825", "N31858", "N31814", "U31900"]
    assert t2.iloc[-1]["municipality_id"] == "0000" and t2.iloc[-1]["N31814"] == 47.3
    t4 = pd.read_csv(out / "tables" / "table4_participants.csv", dtype={"municipality_id": str})
    assert t4.columns.tolist() == ["municipality_id", "municipality", "2017", "2018", "2019", "2020", "2021", "2022"]
    t3 = pd.read_csv(out / "tables" / "table3_organisation.csv", dtype={"municipality_id": str})
    d1 = pd.read_csv(out / "tables" / "diagram1_referrals.csv")
    assert d1.columns.tolist()[:3] == ["year", "series", "value"]
    # every published cell (the transcription) is in the CSVs, missing cells empty
    long = []
    for frame in (t1, t2, t3):
        m = frame.melt(id_vars=["municipality_id", "municipality"], var_name="kpi")
        long.append(m.assign(year=2022))
    for frame, kpi in ((t4, "U40800"), (pd.read_csv(out / "tables" / "table5_referrals_af.csv", dtype={"municipality_id": str}), "U40806")):
        m = frame.melt(id_vars=["municipality_id", "municipality"], var_name="year")
        long.append(m.assign(kpi=kpi, year=m["year"].astype(int)))
    csv_cells = pd.concat(long).set_index(["kpi", "municipality_id", "year"])["value"]
    pub = report_extract.values.set_index(["kpi", "municipality_id", "year"])["value"]
    assert len(pub) == 304
    pd.testing.assert_series_equal(csv_cells.reindex(pub.index).astype(float), pub, check_names=False)
    raw = (out / "tables" / "table4_participants.csv").read_text(encoding="utf-8")
    assert "1419,Tjörn,,141,81,70,113,\n" in raw  # i.u. is an empty cell, not 0


def test_pages_are_for_readers(default_run):
    out, _ = default_run
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in ("01_population_socioeconomics", "03_referrals"):
        assert f'href="html/{name}.html"' in index
    assert "avskrivet ur rapporten" in index and "Göteborgsregionen" in index
    page = (out / "html" / "03_referrals.html").read_text(encoding="utf-8")
    assert "StudyPage" not in page and "Traceback" not in page  # no code, no errors
    assert "data:image/svg+xml;base64," in page  # embedded figure (SVG with a phone variant)
    assert "<script" not in page and "https://" not in page.split("</head>")[0]  # nothing from the network
    assert "Avskrivna siffror" in page  # provenance badge: transcribed, not fetched
    assert "socialtjänsten (U40809) saknas i extraktet: linjen för Göteborgsregionen visas inte" in page
    checks = (out / "html" / "04_checks.html").read_text(encoding="utf-8")
    assert "motsägelse" in checks and "Ingen jämförelse" in checks


def test_analysis_pages_on_shipped_and_generated_data(default_run):
    out, _ = default_run
    panel = (out / "html" / "05_municipal_panel.html").read_text(encoding="utf-8")
    assert "vild klusterbootstrap" in panel and "Trelleborgsmodellen" in panel
    effects = pd.read_csv(out / "tables" / "05_period_effects.csv")
    assert set(effects["period"]) == {"omställning", "fristående"} and (effects["n_clusters"] == 13).all()
    experiment = (out / "html" / "07_experiment.html").read_text(encoding="utf-8")
    assert experiment.count("Syntetiska data") >= 2 and "syntetiska data" in experiment  # badge, note, figure titles
    assert not (out / "tables" / "experiment_reduced_form.csv").exists()  # the contract name is for real data only
    rf = pd.read_csv(out / "tables" / "experiment_reduced_form_synthetic.csv")
    assert (rf["data_source"] == "synthetic").all()
    assert {"direct", "spillover", "within_market", "late", "direct_100", "spillover_75", "market_50"} <= set(rf["term"])
    assert set(rf["wave"]) == {1, 2, 3, 4} and rf["p_adjusted"].notna().all()
    truth = pd.read_csv(out / "tables" / "07_truth_check_synthetic.csv")
    assert (truth["covered"] == "ja").mean() > 0.8
    pilot = (out / "html" / "08_national_pilot.html").read_text(encoding="utf-8")
    assert "Analysen kan inte köras än" not in pilot and "Ren jämförelse" in pilot and "Kontaminerad" in pilot
    assert "open-numbers" in pilot and pilot.count("<figure class=\"fou-figure\">") >= 3  # trends, event study, secondary
    att = pd.read_csv(out / "tables" / "pilot_att.csv")
    head = att[(att["outcome"] == "U40455") & (att["year"] == 2020) & (att["sample"] == "unbalanced")
               & (att["weighting"] == "unweighted")]
    assert len(head) == 1 and head["estimate"].iloc[0] == pytest.approx(-1.1955, abs=5e-4)
    assert (out / "figures" / "08_event_study.png").is_file()
    votes = pd.read_csv(out / "tables" / "06_vote_count.csv")
    assert votes[votes["läsning"] == "Rapportens räkning"]["studies"].tolist() == [1, 2, 4]
    evidence = (out / "html" / "06_evidence.html").read_text(encoding="utf-8")
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", evidence))
    assert "nan" not in visible.split() and "2\u00a0014" not in visible and "2\u202f014" not in visible and "Frankrike" in visible
    assert "Hartung–Knapp" in visible and "Varför den inte poolas" in visible and "Ingen skattning från data" in visible


@pytest.mark.parametrize("name", ["01_population_socioeconomics", "02_organisation_participants", "03_referrals",
                                  "04_checks", "05_municipal_panel", "06_evidence", "07_experiment", "08_national_pilot",
                                  "09_national_context", "10_municipality_profile-ale", "10_municipality_profile-bjurholm"])
def test_no_leaks_and_every_link_resolves_on_default_pages(default_run, name):
    """tests/test_sweep.py's checks on the default run's pages (the profiles of a pilot, Bjurholm, and of Ale)."""
    from .test_sweep import LEAKS, _page

    out = default_run[0]
    page = _page(out, name)
    assert LEAKS.findall(" ".join(page.text)) == []
    assert [h for h in page.headers if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", h)] == []
    assert [h for h in page.hrefs if not (out / "html" / h).resolve().is_file()] == []


def test_notebook_parameter_cells_parse_completely():
    """papermill must see every assignment of each tagged parameters cell (comments can break its parser)."""
    import ast

    import papermill

    for nb_path in sorted(notebooks_dir().glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, nb_path.name
        assigned = [n.target.id for n in ast.parse(cells[0].source).body if isinstance(n, ast.AnnAssign)]
        assert list(papermill.inspect_notebook(str(nb_path))) == assigned, nb_path.name
        assert all(c.get("outputs") in (None, []) and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


def test_unchanged_rerun_is_skipped_and_force_reruns(default_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(default_run[0], out)  # the shared run stays as it was for the other tests
    again = fou("run", "--out", str(out), "--only", "04_checks")
    assert again.returncode == 0 and "04_checks" in again.stdout and "skipped" in again.stdout
    # an ordinary kernel: the kernel kind is not in the skip key, and one notebook gains nothing from a zygote
    forced = fou("run", "--out", str(out), "--only", "04_checks", "--force", "--quiet", env=COLD)
    assert forced.returncode == 0 and "skipped" not in forced.stdout and "1 of 1 notebooks ok" in forced.stdout


def test_run_on_a_hand_made_extract_for_three_other_municipalities(variant_run):
    """Entries three-01 and three-03 of the session's run under other parameters (tests/variants.py):
    a hand-made extract, its region, year 2023 and years 2019–2023."""
    out, _ = entries_ok(variant_run, "three-01", "three-03")
    t1 = pd.read_csv(out / "tables" / "three-01" / "table1_population.csv", dtype={"municipality_id": str})
    assert t1["municipality"].tolist() == ["Trollhättan", "Uddevalla", "Vänersborg"]
    assert t1["N01951"].tolist() == [50002, 50000, 50001]
    t5 = pd.read_csv(out / "tables" / "three-03" / "table5_referrals_af.csv", dtype={"municipality_id": str})
    assert t5.columns.tolist()[2:] == ["2019", "2020", "2021", "2022", "2023"]
    d1 = pd.read_csv(out / "tables" / "three-03" / "diagram1_referrals.csv").set_index(["series", "year"])
    region = "Trollhättan, Uddevalla, Vänersborg"
    assert d1.loc[(f"Arbetsförmedlingen, {region}", 2023), "value"] == 20.0
    assert d1.loc[(f"Socialtjänsten, {region}", 2023), "value"] == 50.5  # Uddevalla 50, Vänersborg 51
    assert d1.loc[(f"Socialtjänsten, {region}", 2023), "n"] == 2
    assert d1.loc[("Arbetsförmedlingen, Riket", 2023), "value"] == 22.0
    page = (out / "html" / "three-01.html").read_text(encoding="utf-8")
    assert "Syntetiska data" in page and "Avskrivna siffror" not in page
    assert "ej tillämpligt" in page


def test_bad_parameters_fail_before_any_kernel_starts(tmp_path):
    out = tmp_path / "out"
    proc = fou("run", "--out", str(out), "--region", "Mölnadal")
    assert proc.returncode == 2
    assert "parameter '01_population_socioeconomics.region': invalid value 'Mölnadal'" in proc.stderr
    assert "Mölndal (1481)" in proc.stderr
    assert not out.exists()
    proc = fou("run", "--out", str(out), "--years", "2030-2031")
    assert proc.returncode == 2 and "the extract has no values for 2030, 2031; years in the extract: 2017–2022" in proc.stderr
    proc = fou("run", "--out", str(out), "--only", "07_experiment", "--param", "strata=noq^sesion")
    assert proc.returncode == 2 and "parameter '07_experiment.strata': invalid value 'noq^sesion'" in proc.stderr
    proc = fou("run", "--out", str(out), "--only", "07_experiment", "--param", "preset=crepon2031")
    assert proc.returncode == 2 and "expected one of crepon2013" in proc.stderr
    proc = fou("run", "--out", str(out), "--only", "05_nothing")
    assert proc.returncode == 2 and "valid: 01_population_socioeconomics" in proc.stderr
    assert not out.exists()


def test_corrupted_extract_is_refused_before_running(tmp_path, report_extract):
    bad = tmp_path / "bad"
    shutil.copytree(report_extract.path, bad)
    (bad / "values.csv").write_text((bad / "values.csv").read_text().replace("12800", "12801"))
    proc = fou("run", "--out", str(tmp_path / "out"), "--extract", str(bad))
    assert proc.returncode == 2 and "checksum mismatch" in proc.stderr and str(bad / "values.csv") in proc.stderr


def test_one_failing_notebook_does_not_stop_the_others(tmp_path):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    shutil.copy(notebooks_dir() / "04_checks.ipynb", nbdir / "04_checks.ipynb")
    bad = nbformat.v4.new_notebook()
    bad.metadata["kernelspec"] = {"name": "fou", "display_name": "Python (fou)", "language": "python"}
    bad.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise RuntimeError('planted failure')")]
    nbformat.write(bad, nbdir / "broken.ipynb")
    (nbdir / "run.toml").write_text(
        '[defaults]\nextract = "report-2023"\n\n[[entry]]\nname = "broken"\nnotebook = "broken.ipynb"\ntitle = "Broken"\n\n'
        '[[entry]]\nname = "04_checks"\nnotebook = "04_checks.ipynb"\ntitle = "Checks"\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = fou("run", "--out", str(out), "--jobs", "1", env={"FOU_NOTEBOOKS": str(nbdir), **COLD})
    assert proc.returncode == 1
    assert "notebook broken failed in cell 2: RuntimeError: planted failure" in proc.stderr
    run = {n["name"]: n for n in json.loads((out / "run.json").read_text())["notebooks"]}
    assert run["broken"]["status"] == "failed" and run["04_checks"]["status"] == "ok"
    # a failed run publishes nothing into html/: its page is under failed/, linked from the index
    assert not (out / "html" / "broken.html").exists() and (out / "html" / "04_checks.html").is_file()
    assert run["broken"]["failure"]["html"] == "failed/broken.html" and run["broken"]["html"] is None
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="failed/broken.html"' in index
    # readers get a short Swedish box, the log holds the traceback
    page = (out / "failed" / "broken.html").read_text(encoding="utf-8")
    assert "Körningen misslyckades" in page and "steg 2 (RuntimeError)" in page and "planted failure" in page
    assert "Traceback" not in page and "An Exception was encountered" not in page and "raise RuntimeError" not in page
    assert 'href="../logs/broken.log"' in page
    log = (out / "logs" / "broken.log").read_text(encoding="utf-8")
    assert "raise RuntimeError('planted failure')" in log and "Traceback" in log
    assert not (out / "logs" / "04_checks.log").exists()
    assert run["broken"]["failure"]["log"] == "logs/broken.log" and 'href="logs/broken.log"' in index
    assert "1 of 2 notebooks ok" in proc.stdout


def test_years_where_a_municipality_has_no_value_render_table5(variant_run):
    """Issue 13, case 1: Table 5's shading crashed (KeyError: nan) when a row had no value in the years
    (entry table5-two-years of the session's run under other parameters, tests/variants.py)."""
    out, _ = entries_ok(variant_run, "table5-two-years")
    page = (out / "html" / "table5-two-years.html").read_text(encoding="utf-8")
    assert "Tabell 5. Anvisningar från Arbetsförmedlingen 2017, 2022, procent" in page
    t5 = pd.read_csv(out / "tables" / "table5-two-years" / "table5_referrals_af.csv",
                     dtype={"municipality_id": str}).set_index("municipality")
    assert t5.loc["Tjörn"].drop("municipality_id").isna().all()  # the row that crashed the shading
    assert "7a" in page and "Körningen misslyckades" not in page


def test_a_region_partly_outside_the_extract_gets_no_verdicts_and_named_notes(variant_run):
    """Issue 13, cases 1, 2 and 5 with Kolada's metadata: Göteborg and Borås (absent from the extract);
    entries outside-01 and outside-04 of the session's run under other parameters (tests/variants.py)."""
    needs_shared(KOLADA_DIR)
    out, _ = entries_ok(variant_run, "outside-01", "outside-04")
    st = pd.read_csv(out / "tables" / "outside-04" / "statements.csv", dtype={"nr": str}).set_index("nr")
    assert st["holds"].isna().all() and st.loc["2", "comment"].startswith("ej tillämpligt")
    page = (out / "html" / "outside-01.html").read_text(encoding="utf-8")
    assert "Borås finns inte i extraktet: raden visar i.u." in page
    assert "Borås, Göteborg: 2 kommuner" in page  # Swedish order, Swedish plural
