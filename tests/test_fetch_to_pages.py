"""End to end: fetch the shared Kolada values for all units, then render the study for Fyrbodal."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fou.fetch import fetch_extract
from fou.kolada import KoladaClient
from fou.localkolada import KoladaData, LocalKolada

from .conftest import KOLADA_DIR, needs_shared
from .test_run import fou

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
    proc = fou("run", "--out", str(out), "--extract", str(national), "--region", "Fyrbodal", "--jobs", "2")
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
    assert "Hämtat från Kolada" in page1 and "Fyrbodal (G96180)" in page1
    for kpi in ("N03932", "N31825", "U31900"):
        assert f"{kpi} (" in page1 and "saknas i extraktet" in page1
    page3 = (out / "html" / "03_referrals.html").read_text(encoding="utf-8")
    assert "Anvisningar från Arbetsförmedlingen (U40806), Fyrbodal: saknas i extraktet" in page3
    assert "U40806 (Anvisningar från Arbetsförmedlingen) saknas i extraktet" in page3
    checks = (out / "html" / "04_checks.html").read_text(encoding="utf-8")
    assert "Celler som skiljer sig" in checks or "Alla celler" in checks
    assert "KPI finns inte i extraktet" in checks
    run = json.loads((out / "run.json").read_text())
    assert {n["source"]["kind"] for n in run["notebooks"]} == {"fetched"}
    comparison = pd.read_csv(out / "tables" / "comparison_with_report.csv", dtype={"municipality_id": str})
    same = comparison[(comparison["kpi"] == "N01951") & (comparison["status"] == "samma")]
    assert len(same) == 13  # Kolada's 2022 population equals the report's Table 1
