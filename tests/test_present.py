import re

import numpy as np
import pandas as pd
import pytest

from fou.study import present
from fou.study import tables
from fou.extracts.swedish import NBSP


def _row(*values):
    return pd.DataFrame([{"municipality_id": "1", "municipality": "X", **{str(2017 + i): v for i, v in enumerate(values)}}])


@pytest.mark.parametrize(
    ("value", "level"),
    [(50, "high"), (49.5, "high"), (49.4, "middle"), (15, "middle"), (14.6, "middle"), (14.4, "low"), (0, "low"), (np.nan, None)],
)
def test_shade_level_thresholds_on_printed_value(value, level):
    assert present.shade_level(value) == level


def test_fill_rule_prefers_following_year_then_preceding():
    levels = present.shade_levels(_row(np.nan, 60, np.nan, 5, np.nan, np.nan)).iloc[0].tolist()
    # 2017 takes 2018 (high); 2019 takes 2020 (low, following beats preceding); 2021-22 take 2020 (preceding)
    assert levels == ["high", "high", "low", "low", "low", "low"]
    assert present.shade_levels(_row(np.nan, np.nan)).iloc[0].isna().all()


def test_table5_shading_matches_report_rows(report_extract, gr):
    levels = present.shade_levels(tables.table5(report_extract.values, gr))
    levels.index = tables.table5(report_extract.values, gr)["municipality"]
    assert levels.loc["Ale"].tolist() == ["high", "high", "middle", "low", "low", "low"]  # 2017 i.u. -> 2018's green
    assert levels.loc["Göteborg"].tolist() == ["middle"] * 6  # 2017-18 i.u. -> 2019
    assert levels.loc["Tjörn"].tolist() == ["middle", "middle", "low", "low", "low", "low"]  # 2022 i.u. -> 2021
    assert levels.loc["Lerum"].tolist() == ["high"] * 6


def test_format_table_swedish_style(report_extract, gr):
    t1 = present.format_table(tables.table1(report_extract.values, gr), "table1")
    assert list(t1.columns) == ["Kommun", "Befolkningsmängd"]
    assert t1.set_index("Kommun").loc["Göteborg", "Befolkningsmängd"] == f"596{NBSP}841"
    t2 = present.format_table(tables.table2(report_extract.values, gr), "table2").set_index("Kommun")
    assert t2.loc["Riket"].tolist() == ["6,8", "2,4", "46,4", "47,3", "i.u."]
    assert t2.loc["Lilla Edet", "Socioekonomisk sorteringsnyckel"] == "4"
    t3 = present.format_table(tables.table3(report_extract.values, gr), "table3").set_index("Kommun")
    assert t3.loc["Kungsbacka"].tolist() == ["X"] * 5
    assert t3.loc["Göteborg"].tolist() == ["", "", "X", "", ""]
    t4 = present.format_table(tables.table4(report_extract.values, gr), "table4").set_index("Kommun")
    assert t4.loc["Göteborg"].tolist() == ["i.u.", f"4{NBSP}558", f"2{NBSP}769", f"2{NBSP}497", f"2{NBSP}235", f"2{NBSP}499"]


def test_table3_missing_flag_is_iu_not_blank():
    t = pd.DataFrame([{"municipality_id": "1", "municipality": "A", "U40826": np.nan, "U40829": 0.0,
                       "U40828": 1.0, "U40831": 1.0, "U40830": 0.0}])
    assert present.format_table(t, "table3").iloc[0].tolist() == ["A", "i.u.", "", "X", "X", ""]


def test_table5_html_carries_the_greens_and_legend(report_extract, gr):
    from fou.pages.study import study_table_html

    html = study_table_html(tables.table5(report_extract.values, gr), "table5", years=range(2017, 2023))
    assert "Tabell 5. Anvisningar från Arbetsförmedlingen 2017–2022, procent" in html
    cells = _cells_with_class(html, "shade-high")
    assert len(cells) == 15  # hand count of high (>= 50 %) cells incl. Ale 2017 filled from 2018
    assert (0, 1) in cells  # Ale 2017 (row 0, column 1 after Kommun)
    assert len(_cells_with_class(html, "shade-middle")) == 23  # hand count
    assert len(_cells_with_class(html, "shade-low")) == 40
    assert "Hög andel: 50 procent eller mer" in html and "i.u." in html
    assert "style=" not in html  # colours come from the stylesheet


def _cells_with_class(html: str, css_class: str) -> set[tuple[int, int]]:
    """(row, col) of every body cell carrying ``css_class``."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = set()
    for r, row in enumerate(re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)):
        for c, attrs in enumerate(re.findall(r"<td([^>]*)>", row)):
            if re.search(rf'class="[^"]*\b{css_class}\b', attrs):
                cells.add((r, c))
    return cells
