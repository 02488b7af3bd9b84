"""End to end: fetch the shared Kolada values for all units, then render the study for Fyrbodal and the
national pilot page from that extract, and the experiment page from the Crépon et al. file: one
``fou run`` of the three (its entries' tables keep their plain names: one entry per notebook)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fou.kolada.fetch import fetch_extract
from fou.kolada.client import KoladaClient
from fou.kolada.server import KoladaData, LocalKolada

from .conftest import KOLADA_DIR, fou, needs_shared

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    needs_shared(KOLADA_DIR)
    path = tmp_path_factory.mktemp("national") / "kolada-all"
    with LocalKolada(KoladaData.from_folder(KOLADA_DIR)) as srv:
        client = KoladaClient(srv.base_url, cache=False, backoff=0.01)
        kpis = sorted(srv.state.data.values["kpi"].unique())
        ex = fetch_extract(path, kpis, "all", tuple(range(2010, 2023)), client)
        assert len(ex.values) == len(srv.state.data.values)
    return path


STUDY = ("01_population_socioeconomics", "02_organisation_participants", "03_referrals", "04_checks", "05_municipal_panel")
PILOTS = KOLADA_DIR.parent / "krom_pilot_municipalities.csv"
CREPON = KOLADA_DIR.parent / "microdata" / "crepon2013_jd.dta"


def _entry(notebook: str, **parameters: str) -> str:
    inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in parameters.items())
    return f'[[entry]]\nname = "{notebook}"\nnotebook = "{notebook}.ipynb"\ntitle = "{notebook}"\nparameters = {{ {inline} }}\n'


@pytest.fixture(scope="module")
def pages(national, tmp_path_factory):
    """One run: the study for Fyrbodal and the national pilot page on the fetched extract, and the
    experiment page on the Crépon et al. file when it is in ../shared."""
    tmp = tmp_path_factory.mktemp("fetched-pages")
    entries = [_entry(n, extract=str(national), region="Fyrbodal") for n in STUDY]
    entries.append(_entry("08_national_pilot", extract=str(national), pilots=str(PILOTS)))
    if CREPON.exists():
        entries.append(_entry("07_experiment", microdata=str(CREPON), preset="crepon2013"))
    (tmp / "run.toml").write_text("\n".join(entries), encoding="utf-8")
    out = tmp / "out"
    proc = fou("run", "--config", str(tmp / "run.toml"), "--out", str(out), "--jobs", "2")
    return out, proc


def _ok(pages, *names: str):
    """The run's folder, after checking that ``names`` ran (their failure is this test's failure)."""
    out, proc = pages
    assert (out / "run.json").is_file(), proc.stdout + proc.stderr
    run = {n["name"]: n for n in json.loads((out / "run.json").read_text())["notebooks"]}
    assert all(run[name]["status"] == "ok" for name in names), proc.stdout + proc.stderr
    return out, run


def test_study_pages_for_fyrbodal_from_a_fetched_extract(pages):
    out, run = _ok(pages, *STUDY)
    t1 = pd.read_csv(out / "tables" / "table1_population.csv", dtype={"municipality_id": str})
    assert len(t1) == 14 and t1["N01951"].notna().all()
    assert t1.set_index("municipality").loc["Trollhättan", "N01951"] > 50000
    t2 = pd.read_csv(out / "tables" / "table2_socioeconomics.csv", dtype={"municipality_id": str})
    assert t2["N31814"].notna().sum() >= 13 and t2["N03932"].isna().all()  # N03932 is not in the shared values
    assert t2.iloc[-1]["municipality_id"] == "0000"
    t5 = pd.read_csv(out / "tables" / "table5_referrals_af.csv", dtype={"municipality_id": str})
    assert len(t5) == 14 and t5.iloc[:, 2:].isna().all().all()
    page1 = (out / "html" / "01_population_socioeconomics.html").read_text(encoding="utf-8")
    assert "Hämtat från Kolada" in page1 and "Fyrbodal (G96180): 14 kommuner" in page1
    statements = pd.read_csv(out / "tables" / "statements.csv", dtype={"nr": str})
    assert statements["holds"].isna().all()  # statements about Göteborgsregionen: – for Fyrbodal, never Ja/Nej
    for kpi in ("N03932", "N31825", "U31900"):
        assert f"{kpi} (" in page1 and "saknas i extraktet" in page1
    page3 = (out / "html" / "03_referrals.html").read_text(encoding="utf-8")
    assert "Anvisningar från Arbetsförmedlingen (U40806) saknas i extraktet: linjen för Fyrbodal visas inte." in page3
    assert "U40806 (Anvisningar från Arbetsförmedlingen) saknas i extraktet" in page3
    checks = (out / "html" / "04_checks.html").read_text(encoding="utf-8")
    assert "Celler som skiljer sig" in checks or "Alla celler" in checks
    assert "KPI finns inte i extraktet" in checks
    assert {run[n]["source"]["kind"] for n in STUDY} == {"fetched"}
    panel = (out / "html" / "05_municipal_panel.html").read_text(encoding="utf-8")
    assert "U40806 (Anvisningar från Arbetsförmedlingen) saknas i extraktet" in panel
    comparison = pd.read_csv(out / "tables" / "comparison_with_report.csv", dtype={"municipality_id": str})
    same = comparison[(comparison["kpi"] == "N01951") & (comparison["status"] == "samma")]
    assert len(same) == 13  # Kolada's 2022 population equals the report's Table 1


def test_national_pilot_page_from_a_fetched_extract(pages):
    out, _ = _ok(pages, "08_national_pilot")
    att = pd.read_csv(out / "tables" / "pilot_att.csv")
    head = att[(att["outcome"] == "U40455") & (att["year"] == 2020) & (att["sample"] == "unbalanced")
               & (att["weighting"] == "unweighted")].iloc[0]
    # the fetched values are the shipped national extract's: the same headline
    assert head["estimate"] == pytest.approx(-1.1955, abs=5e-4) and head["n_treated"] == 24
    page = (out / "html" / "08_national_pilot.html").read_text(encoding="utf-8")
    assert "Händelsestudie" in page and "Ren jämförelse" in page and "Hämtat från Kolada" in page
    assert (out / "figures" / "08_event_study.png").stat().st_size > 10_000
    cross = pd.read_csv(out / "tables" / "08_cross_section.csv")
    assert set(cross["kpi"]) == {"N03920", "N31807", "N31858", "N01951"}


def test_experiment_page_on_the_crepon_file(pages):
    needs_shared(CREPON)
    crepon = CREPON
    out, _ = _ok(pages, "07_experiment")
    page = (out / "html" / "07_experiment.html").read_text(encoding="utf-8")
    assert "Individdata från experiment" in page and "Syntetiska data" not in page
    assert "Huvudutfallet är varaktigt arbete (emploidur)" in page and "11\u202f806 personer" in page  # format_number
    assert "crepon2013_jd.dta" in page and str(crepon.parent) not in page  # the file's name, never its local path
    takeup = pd.read_csv(out / "tables" / "07_takeup.csv")
    assert takeup[takeup["assigned"] == 0]["takeup"].max() == 0
    rf = pd.read_csv(out / "tables" / "experiment_reduced_form.csv")
    assert list(rf.columns) == ["outcome", "wave", "term", "estimate", "std_error", "p_value", "p_adjusted", "p_mc_se", "nobs",
                                "clusters", "unit", "weighting", "assumption", "data_source"]
    assert (rf["data_source"] == "crepon2013_jd.dta").all() and (rf["p_mc_se"] <= 0.0112).all()
    assert set(rf["outcome"]) == {"emploidur", "cdd6m", "cdi", "emploi"} and set(rf["wave"]) == {1, 2, 3, 4}
    main = rf[(rf["outcome"] == "emploidur") & (rf["wave"] == 1)].set_index("term")
    assert main.loc["direct", "nobs"] == 11_806 and main.loc["direct", "clusters"] == 235
    assert main.loc["direct", "estimate"] == pytest.approx(0.00565, abs=5e-5)
    assert main.loc["spillover", "estimate"] == pytest.approx(-0.02243, abs=5e-5)
    assert (rf["p_adjusted"] >= rf["p_value"]).all()
