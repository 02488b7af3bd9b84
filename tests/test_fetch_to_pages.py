"""End to end: fetch the shared Kolada values for all units, then render the study for Fyrbodal."""

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


def test_study_pages_for_fyrbodal_from_a_fetched_extract(national, tmp_path):
    out = tmp_path / "out"
    only = [a for n in ("01_population_socioeconomics", "02_organisation_participants", "03_referrals", "04_checks",
                        "05_municipal_panel") for a in ("--only", n)]
    proc = fou("run", "--out", str(out), "--extract", str(national), "--region", "Fyrbodal", "--jobs", "2", *only)
    assert proc.returncode == 0, proc.stdout + proc.stderr
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
    run = json.loads((out / "run.json").read_text())
    assert {n["source"]["kind"] for n in run["notebooks"]} == {"fetched"}
    panel = (out / "html" / "05_municipal_panel.html").read_text(encoding="utf-8")
    assert "U40806 (Anvisningar från Arbetsförmedlingen) saknas i extraktet" in panel
    comparison = pd.read_csv(out / "tables" / "comparison_with_report.csv", dtype={"municipality_id": str})
    same = comparison[(comparison["kpi"] == "N01951") & (comparison["status"] == "samma")]
    assert len(same) == 13  # Kolada's 2022 population equals the report's Table 1


def test_national_pilot_page_from_a_fetched_extract(national, tmp_path):
    pilots = KOLADA_DIR.parent / "krom_pilot_municipalities.csv"
    out = tmp_path / "out"
    proc = fou("run", "--out", str(out), "--only", "08_national_pilot", "--extract", str(national),
               "--param", f"pilots={pilots}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
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


def test_experiment_page_on_the_crepon_file(tmp_path):
    crepon = KOLADA_DIR.parent / "microdata" / "crepon2013_jd.dta"
    needs_shared(crepon)
    out = tmp_path / "out"
    proc = fou("run", "--out", str(out), "--only", "07_experiment", "--param", f"microdata={crepon}",
               "--param", "preset=crepon2013")
    assert proc.returncode == 0, proc.stdout + proc.stderr
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
