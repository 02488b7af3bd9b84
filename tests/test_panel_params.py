"""Page 05 under other parameters: a region with KROM pilots and other years, three municipalities,
a single municipality, Riket, and an extract that already asked Kolada for what is missing."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pandas as pd
import pytest

from fou.effects.panel import analysis as panel
from fou.pages.panel import PanelPage, few_clusters_text
from fou.study.inputs import resolve_inputs

from .conftest import make_extract


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def fyrbodal(tmp_path_factory):
    """Fyrbodal's 14 municipalities, 2015–2022, generated values (8 of them were KROM pilots)."""
    region = resolve_inputs("kolada-national", "Fyrbodal", None, "2017-2022").region
    rng = np.random.default_rng(3)
    rows = [{"kpi": kpi, "municipality_id": m, "municipality": region.names[m], "year": y, "value": float(v)}
            for m in region.ids for y in range(2015, 2023)
            for kpi, v in (("U40806", rng.uniform(0, 60)), ("U40800", rng.integers(50, 500)),
                           ("N01951", rng.integers(5000, 60000)))]
    return make_extract(tmp_path_factory.mktemp("fyrbodal") / "x", rows), region


def test_inference_rule_by_number_of_clusters():
    assert [panel.inference_rule(g) for g in (1, 3, 5, 6, 9, 10, 13)] == [
        "none", "none", "none", "caveat", "caveat", "bootstrap", "bootstrap"]
    three = few_clusters_text(3)
    assert "ingen metod som ger pålitliga" in three and "håller med få kluster" not in three
    assert "Regel: med färre än 6 kommuner visas inga" in three
    assert "grova" in few_clusters_text(8) and "grova" not in few_clusters_text(13)


def test_region_with_pilots_and_other_years_says_so(fyrbodal):
    path, region = fyrbodal
    page = PanelPage(str(path), ",".join(region.ids), "2015-2022", 99, population="")
    intro = _text(page.show_intro().data)
    assert "före reformen (2015–18)" in intro and "2017–18" not in intro
    assert "(8 av regionens 14 kommuner) var KROM-pilotkommuner" in intro and "Trollhättan" in intro
    assert "för dem räknas 2020 till perioden med fristående aktörer (2020–22)" in intro
    data = page.data.set_index(["municipality", "year"])
    assert data.loc[("Trollhättan", 2020), "period"] == "fristående" and data.loc[("Trollhättan", 2020), "krom_pilot"]
    assert data.loc[("Åmål", 2020), "period"] == "omställning" and not data.loc[("Åmål", 2020), "krom_pilot"]
    effects = _text(page.show_period_effects().data)
    assert "Fristående aktörer (2021–22; KROM-piloter 2020–22)" in effects
    assert "Omställning (2019–20; KROM-piloter 2019)" in effects
    assert page._labels()["före"] == "Före reformen (2015–18)"  # the figure title follows it
    assert "Med bara 14 kommuner (kluster)" in effects and "grova" not in effects


def test_three_municipalities_show_no_p_values(tmp_path):
    page = PanelPage("report-2023", "Ale, Kungälv, Tjörn", "2017-2022", 199, output_dir=str(tmp_path))
    assert (page.effects["n_clusters"] == 3).all() and set(page.effects["inference"]) == {"none"}
    text = _text(page.show_period_effects().data)
    assert "Med bara 3 kommuner (kluster) finns ingen metod" in text and "håller med få kluster" not in text
    assert "0,1312" not in text and "0,131" not in text
    assert "p-värden och intervall visas inte (i.u.): färre än 6 kommuner" in text
    saved = pd.read_csv(tmp_path / "tables" / "05_period_effects.csv")
    assert saved["p_wild"].isna().all() and saved["ci_low"].isna().all() and saved["estimate"].notna().all()
    assert set(saved["inference"]) == {"none"}
    gr = PanelPage("report-2023", "Göteborgsregionen", "2017-2022", 199)
    assert set(gr.effects["inference"]) == {"bootstrap"} and gr.effects["p_wild"].notna().all()


def test_single_municipality_and_riket_say_why_and_draw_nothing_empty(tmp_path):
    ale = PanelPage("report-2023", "ale", "2017-2022", 99, output_dir=str(tmp_path / "ale"))
    text = _text(ale.show_period_effects().data)
    assert "i.u.: med en enda kommun med uppgifter finns bara ett kluster" in text
    assert "svg" not in ale.show_period_effects().data and "Ladda ner" not in text
    assert not (tmp_path / "ale" / "tables" / "05_period_effects.csv").exists()
    riket = PanelPage("kolada-national", "Riket", "2017-2022", 99, output_dir=str(tmp_path / "riket"))
    header = _text(riket.show_header().data)
    assert "1 kommun" not in header and "Riket: hela landet" in header
    for html in (riket.show_panel("af_share").data, riket.show_period_effects().data, riket.show_group_comparisons().data):
        assert "svg" not in html and "Ladda ner" not in html
    assert "Riket är ett enda värde per år" in _text(riket.show_period_effects().data)
    assert not (tmp_path / "riket" / "figures").exists()


def test_missing_data_hint_does_not_repeat_the_fetch_that_built_the_extract(tmp_path):
    region = resolve_inputs("report-2023", "Ale, Kungälv", None, "2019-2021").region
    rows = [{"kpi": "N01951", "municipality_id": m, "municipality": region.names[m], "year": y, "value": 30000.0}
            for m in region.ids for y in (2019, 2020, 2021)]
    rows += [{"kpi": kpi, "municipality_id": m, "municipality": region.names[m], "year": y, "value": np.nan}
             for kpi in ("U40806", "U40800") for m in region.ids for y in (2019, 2020, 2021)]
    path = make_extract(tmp_path / "asked", rows, kind="fetched")
    manifest = json.loads((path / "manifest.json").read_text())
    assert {"U40806", "U40800"} <= set(manifest["coverage"]["kpis"])
    page = PanelPage(str(path), "Ale, Kungälv", "2019-2021", 99, population="")
    notes = " ".join(page.notes)
    assert "Hämta med" not in notes and "hämtades redan med det nyckeltalet" in notes
    other = PanelPage("kolada-national", "Ale, Kungälv", "2019-2021", 99, population="")
    assert "Hämta med: fou fetch --study gr-2023" in " ".join(other.notes)
