"""The national context (page 09): transcriptions, area mapping, inferred respondents, checks,
rank correlations and the page's outputs."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fou.effects.survey import checks, pairing, respondents, tables
from fou.extracts.params import ParameterError
from fou.extracts.paths import REPO_ROOT, data_dir

from .conftest import SHARED, needs_shared

NATIONAL = data_dir() / "extracts" / "kolada-national"


@pytest.fixture(scope="module")
def per_county():
    return tables.municipalities_per_county(tables.load_units(NATIONAL))


@pytest.fixture(scope="module")
def survey():
    return tables.load_survey()


@pytest.fixture(scope="module")
def inferred(survey, per_county):
    return respondents.infer(survey, per_county)


def _script():
    spec = importlib.util.spec_from_file_location("transcribe_skr_dua", REPO_ROOT / "scripts" / "transcribe_skr_dua.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the transcriptions -------------------------------------------------------------------

def test_shipped_tables_equal_the_documents_text():
    seeds = SHARED / "seeds"
    needs_shared(seeds)
    script = _script()
    for name, frame in script.tables(seeds).items():
        assert (tables.transcribed_dir() / name).read_text(encoding="utf-8") == script.csv_text(frame), name


def test_manifest_names_documents_places_and_checksums():
    m = tables.manifest()
    assert m["kind"] == "transcribed" and m["transcribed_at"] and m["transcribed_by"] == "scripts/transcribe_skr_dua.py"
    assert "figur 12–15" in m["files"][tables.SURVEY_FILE]["place"] and "3.4.1" in m["files"][tables.DUA_FILE]["place"]
    for name, entry in m["files"].items():
        data = (tables.transcribed_dir() / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
    assert set(m["documents"]) == {tables.SKR_SEED, tables.DUA_SEED, "003_bd0897d0f562142a.txt"}


def test_survey_has_four_figures_of_21_rows_of_eight_printed_shares(survey):
    assert sorted(survey["figure"].unique()) == [12, 13, 14, 15]
    assert survey.groupby("figure").size().tolist() == [21 * 8] * 4
    vg = tables.wide(survey, 12).set_index("area").loc["Västra Götaland"]
    assert vg[list(tables.SCALE)].tolist() == [3, 18, 8, 40, 25, 8] and (vg["Positiv"], vg["Negativ"]) == (20, 65)
    assert tables.load_stated()["skr_respondents"] == 244 and tables.load_stated()["dua_applicants"] == 191


# --- mapping ------------------------------------------------------------------------------

@pytest.mark.parametrize("area, expected", [
    ("Norrbottn", "0025"), ("Norrbottnen", "0025"), ("Norrbottnens län", "0025"), ("Västra Götalands län", "0014"),
    ("Västra Götaland", "0014"), ("Stockholm samt Gotland", "0001+0009"), ("Skåne län", "0012"), ("Örebro län", "0018"),
    ("Gotlands län", "0009"), ("Samtliga kommuner 2023", "0000")])
def test_area_names_map_to_kolada_counties(area, expected):
    assert tables.region_id(area) == expected


def test_every_county_of_kolada_is_named_once_and_unknown_areas_fail(survey):
    units = tables.load_units(NATIONAL)
    regions = units[(units["type"] == "L") & (units["id"] != "0000")]
    assert sorted(f"00{c}" for c in tables.COUNTIES) == sorted(regions["id"])
    dua = tables.load_dua()
    assert sorted(dua["region_id"]) == sorted(regions["id"])  # Dua's 21 counties, each once
    areas = tables.wide(survey, 15)
    covered = sorted(i for r in areas["region_id"] if r != "0000" for i in r.split("+"))
    assert covered == sorted(regions["id"])  # SKR's 20 rows cover the 21 counties once
    with pytest.raises(ValueError, match="Atlantis"):
        tables.region_id("Atlantis län")
    assert tables.county_region_id("14") == tables.county_region_id("Västra Götaland") == "0014"
    with pytest.raises(ValueError):
        tables.county_region_id("Stockholm samt Gotland")


def test_municipalities_per_county_come_from_kolada(per_county):
    assert per_county.sum() == 290 and len(per_county) == 21
    assert per_county["14"] == 49 and per_county["09"] == 1
    assert tables.municipalities_of("Stockholm samt Gotland", per_county) == 27


# --- respondents --------------------------------------------------------------------------

def test_smallest_n_reproduces_every_share():
    # Kronoberg, figure 12: 2 and 5 of 7 (28,6 and 71,4 %); no smaller n gives 29 and 71
    shares, sums = [0, 0, 0, 29, 71, 0], {"Negativ": ([3, 4], 100)}
    assert respondents.fitting_n(shares, 8, sums) == [7]
    assert respondents.fitting_counts(shares, 7, sums) == [(0, 0, 0, 2, 5, 0)]
    assert respondents.fitting_n([50, 50, 0, 0, 0, 0], 8) == [2, 4, 6, 8]
    assert respondents.fitting_n([33, 33, 33, 0, 0, 0], 5) == [3]
    assert respondents.fitting_n([30, 30, 30, 0, 0, 0], 10) == []  # sums to 90: no n fits


def test_inferred_counts_recover_the_truth_on_generated_rows():
    rng = np.random.default_rng(4)
    for _ in range(200):
        n = int(rng.integers(3, 50))
        counts = rng.multinomial(n, rng.dirichlet(np.ones(6)))
        shares = [math.floor(100 * k / n + 0.5) for k in counts]
        fits = respondents.fitting_n(shares, 60)
        assert n in fits and fits[0] <= n
        assert tuple(counts) in respondents.fitting_counts(shares, n)


def test_inferred_respondents_per_county(inferred):
    r = inferred.set_index(["figure", "area"])
    assert r.loc[(12, "Västra Götaland"), "respondents"] == 40 and r.loc[(12, "Kronoberg"), "respondents"] == 7
    assert r.loc[(12, "Västra Götaland"), "counts"] == "1;7;3;16;10;3"
    assert r.loc[(13, "Örebro"), ["respondents", "respondents_max"]].tolist() == [5, 10]
    assert (inferred["respondents"] <= inferred["municipalities"]).all()
    counties = inferred[inferred["region_id"] != "0000"]
    sums = counties.groupby("figure")["respondents"].sum().to_dict()
    assert sums == {12: 244, 13: 238, 14: 244, 15: 230}  # figures 12 and 14 add up to the stated N exactly
    assert counties.groupby("figure")["respondents_max"].sum().to_dict() == {12: 244, 13: 243, 14: 244, 15: 241}


def test_dua_shares_give_191_applicants(per_county):
    dua = respondents.dua_applicants(tables.load_dua(), per_county)
    assert dua["applicants"].sum() == 191 and dua["municipalities"].sum() == 290
    assert dua.set_index("region_id").loc["0014", "applicants"] == 45


# --- checks -------------------------------------------------------------------------------

def _summary(survey, per_county, dua=None):
    inferred = respondents.infer(survey, per_county)
    rows = checks.row_checks(survey, inferred)
    dua = respondents.dua_applicants(dua if dua is not None else tables.load_dua(), per_county)
    return checks.summary(survey, rows, inferred, dua, tables.load_stated())


def test_checks_on_the_documents(survey, per_county):
    s = _summary(survey, per_county)
    verdict = dict(zip(s["check"] + " | " + s["source"], s["holds"]))
    assert all(v is True for k, v in verdict.items() if "summerar till 100" in k or "Positiv" in k or "Negativ" in k)
    n244 = s[s["check"].str.startswith("Summan av svarande")].set_index("source")["holds"].to_dict()
    assert n244 == {"SKR 2023, figur 12": True, "SKR 2023, figur 13": False, "SKR 2023, figur 14": True,
                    "SKR 2023, figur 15": False}
    national13 = s[(s["source"] == "SKR 2023, figur 13") & s["check"].str.startswith("N = 244")].iloc[0]
    assert national13["holds"] is False and "243" in national13["comment"]
    dua = s[s["source"].str.startswith("Dua")]
    assert dua["holds"].tolist() == [True] * len(dua) and len(dua) == 5


def test_a_row_altered_on_purpose_fails_its_checks(survey, per_county):
    bad = survey.copy()
    at = (bad["figure"] == 12) & (bad["area"] == "Uppsala") & (bad["response"] == "I ganska låg utsträckning")
    bad.loc[at, "percent"] = 73  # printed 63: the row now sums to 112
    pos = (bad["figure"] == 14) & (bad["area"] == "Skåne") & (bad["response"] == "Positiv")
    bad.loc[pos, "percent"] = 80  # printed 86 = 29 + 57
    s = _summary(bad, per_county).set_index(["source", "check"])
    fig12 = s.loc["SKR 2023, figur 12"]
    row = fig12.loc["Andelarna i varje rad summerar till 100 inom avrundningen (±3)"]
    assert row["holds"] is False and "Uppsala: summa 112" in row["comment"]
    assert fig12.loc["Ett antal svarande kommuner (högst länets kommuner i Kolada) återger varje rad", "holds"] is False
    missing = fig12.loc["Summan av svarande per län stämmer med N = 244"]
    assert missing["holds"] is None and "Uppsala" in missing["comment"]  # three-valued: no verdict from nothing
    positiv = s.loc[("SKR 2023, figur 14", "Positiv = summan av sina två svar inom avrundningen (±1)")]
    assert positiv["holds"] is False and "Skåne: 80 mot 86" in positiv["comment"]
    dua = tables.load_dua()
    dua.loc[dua["area"] == "Västra Götalands län", "percent"] = 80
    d = _summary(survey, per_county, dua).set_index("check")
    assert d.loc["Andel × kommuner summerat = 191 kommuner", "holds"] is False
    assert d.loc["Andel × kommuner summerat = 191 kommuner", "computed"] == "185"


# --- pairing ------------------------------------------------------------------------------

def test_spearman_equals_scipy_and_exact_p_equals_enumeration():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=20), rng.normal(size=20)
    r = pairing.spearman(x, y, draws=999)
    assert r["rho"] == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12) and not r["exact"]
    x6, y6 = np.array([3.0, 1, 4, 1, 5, 9]), np.array([2.0, 7, 1, 8, 2, 8])
    rx, ry = stats.rankdata(x6), stats.rankdata(y6)
    observed = stats.spearmanr(x6, y6).statistic
    rhos = np.array([stats.pearsonr(rx, ry[list(p)]).statistic for p in itertools.permutations(range(6))])
    one_sided = min((rhos >= observed - 1e-12).mean(), (rhos <= observed + 1e-12).mean())
    exact = pairing.spearman(x6, y6, draws=9999)
    assert exact["exact"] and exact["p_value"] == pytest.approx(min(1.0, 2 * one_sided), abs=1e-12)


def test_area_values_are_unweighted_means_of_the_municipalities():
    from fou.extracts.format import load_extract
    from fou.extracts.pilots import load_pilots

    ex = load_extract(NATIONAL)
    units = tables.load_units(NATIONAL)
    v = pairing.area_values(["Västra Götaland", "Stockholm samt Gotland"], ex.values, ["N03920"], 2022, units, load_pilots())
    vals = ex.values
    vg = vals[(vals["kpi"] == "N03920") & (vals["year"] == 2022) & vals["municipality_id"].str.startswith("14")]
    assert v.loc[0, "N03920"] == pytest.approx(vg["value"].mean()) and v.loc[0, "N03920_n"] == len(vg) == 49
    pilots = load_pilots()["municipality_id"].astype(str)
    assert v.loc[1, "municipalities"] == 27
    assert v.loc[0, pairing.PILOT_SHARE] == pytest.approx(100 * pilots.str.startswith("14").sum() / 49)
    assert v.loc[1, pairing.PILOT_SHARE] == pytest.approx(100 * pilots.str[:2].isin(["01", "09"]).sum() / 27)


# --- the page -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def page_outputs(tmp_path_factory):
    from fou.pages.national import NationalContextPage

    out = tmp_path_factory.mktemp("national")
    page = NationalContextPage(draws=999, output_dir=str(out))
    html = {m: getattr(page, m)().data for m in ("show_header", "show_summary", "show_survey", "show_respondents",
                                                   "show_dua", "show_pairing", "show_checks")}
    return out, html


def test_page_writes_the_contract_tables(page_outputs):
    out, html = page_outputs
    survey = pd.read_csv(out / "tables" / "skr_survey_2023.csv", dtype={"region_id": str})
    assert list(survey.columns[:5]) == ["figure", "area", "region_id", "response", "percent"] and len(survey) == 4 * 21 * 8
    assert "Norrbottn" in set(survey["area"]) and "Norrbottnen" in set(survey["area"])  # as printed
    resp = pd.read_csv(out / "tables" / "skr_survey_respondents.csv", dtype={"region_id": str})
    assert list(resp.columns[:5]) == ["figure", "area", "region_id", "respondents", "municipalities"]
    assert resp.set_index(["figure", "region_id"]).loc[(12, "0001+0009"), "municipalities"] == 27
    dua = pd.read_csv(out / "tables" / "dua_2019_applications.csv", dtype={"region_id": str})
    assert list(dua.columns) == ["area", "region_id", "percent", "municipalities", "applicants"] and dua["applicants"].sum() == 191
    for name in ("skr_survey_2023", "skr_survey_respondents", "dua_2019_applications", "national_context_checks"):
        assert f"../tables/{name}.csv" in "".join(html.values()) and (out / "tables" / "excel" / f"{name}.csv").is_file()
    assert "Avskrivna siffror" in html["show_header"] and "Västra Götaland" in html["show_header"]
    assert "45 av 49 kommuner i Västra Götaland" in html["show_summary"]
    assert "ekologiskt" in html["show_pairing"] and "Kolada 2022" in html["show_pairing"] and "2023" in html["show_pairing"]
    assert html["show_checks"].count("verdict-nej") == 3 and "verdict-ja" in html["show_checks"]
    assert html["show_survey"].count("<figure") == 4


def test_page_follows_its_parameters(tmp_path):
    from fou.pages.national import NationalContextPage

    page = NationalContextPage(questions="13", kpis="N03920", year=2019, highlight="Skåne", draws=99, output_dir=str(tmp_path))
    assert page.show_survey().data.count("<figure") == 1
    summary = page.show_summary().data
    assert "Skåne" in summary and "Figur 13" in summary and "Figur 12" not in summary
    assert "Kolada 2019" in page.show_pairing().data
    page.show_checks()
    corr = pd.read_csv(tmp_path / "tables" / "national_context_correlations.csv")
    assert set(corr["measure"]) == {"fig13", "dua"} and set(corr["variable"]) == {"N03920", pairing.PILOT_SHARE}
    assert (corr["kolada_year"] == 2019).all() and set(corr["n_areas"]) == {20, 21}
    checks_csv = pd.read_csv(tmp_path / "tables" / "national_context_checks.csv")
    assert not checks_csv["source"].str.contains("figur 12").any()


@pytest.mark.parametrize("param, value, message", [
    ("questions", "11", "12, 13, 14, 15"), ("kpis", "X1", "U40455"), ("year", 2030, "2010–2022"),
    ("highlight", "Stockholm samt Gotland", "Västra Götaland"), ("extract", "report-2023", "kolada-national")])
def test_parameters_are_validated_before_any_kernel(param, value, message):
    from fou.run import validate

    params = {"extract": "kolada-national", "questions": "12,13,14,15", "kpis": "U40455,N03920,N31807,N31816",
              "year": 2022, "highlight": "Västra Götaland", "draws": 9999, param: value}
    declared = set(params) | {"output_dir"}
    with pytest.raises(ParameterError) as err:
        validate.check(params, declared)
    assert err.value.parameter == param and message in str(err.value) and "\n" not in str(err.value)
    ok = validate.check({**params, param: {"questions": "13", "kpis": "N03920", "year": 2019, "highlight": "0014",
                                           "extract": "kolada-national"}[param]}, declared)
    assert ok.source["kind"] == "transcribed" and any("transcribed" in f for f in ok.files)


def test_notebook_09_is_thin_and_without_outputs():
    nb = json.loads((REPO_ROOT / "notebooks" / "09_national_context.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    body = "".join("".join(c["source"]) for c in code[1:])
    assert "NationalContextPage" in body and body.count("\n") < 10
