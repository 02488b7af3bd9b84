"""Page 06's presentation: the vote chart at desktop and phone width (legend under the bars, text of
at least 9 pt, labels clear of the legend), every CSV the page writes linked from it, and the
strata of the computed estimate named as they are (quintuplets × cohort)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from fou.effects.evidence import figures as evidence_figures
from fou.effects.evidence import studies as evidence
from fou.pages.evidence import EvidencePage
from fou.study import figures
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH

MICRODATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "microdata" / "crepon2013_jd.dta"


def _votes() -> tuple[pd.DataFrame, list[str]]:
    s = evidence.load_evidence()
    both = pd.concat([evidence.vote_count(s, "direction_report").assign(läsning="Rapportens räkning"),
                      evidence.vote_count(s, "direction_source").assign(läsning="Källornas sammanfattningar")])
    return both, [evidence.DIRECTIONS[d] for d in evidence.DIRECTIONS if d in set(both["direction"])]


@pytest.mark.parametrize("width", [DESKTOP_WIDTH, PHONE_WIDTH], ids=["desktop", "phone"])
def test_vote_chart_keeps_its_text_legible_and_the_legend_off_the_bars(width):
    votes, order = _votes()
    fig = evidence_figures.votes_figure(votes, order, width)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend, axes_box = fig.legends[0].get_window_extent(renderer), ax.get_window_extent(renderer)
    assert legend.y1 < axes_box.y0  # under the axes, never over the bottom bar
    counts = [t for t in ax.texts if t.get_text().isdigit()]
    assert len(counts) == len(order) * 2
    assert all(t.get_window_extent(renderer).x1 <= axes_box.x1 + 1 for t in counts)  # no count runs out of the axes
    svg = figures.svg_bytes(fig).decode()
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    width_pt = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    assert min(sizes) >= 9 and width_pt <= width * 72 + 8


def test_every_csv_the_page_writes_is_linked(tmp_path):
    page = EvidencePage(output_dir=str(tmp_path))
    html = "".join(getattr(page, m)().data for m in ("show_header", "show_studies", "show_readings", "show_votes",
                                                    "show_meta_analysis", "show_computed"))
    written = {p.stem for p in (tmp_path / "tables").glob("*.csv")}
    assert {"06_studies", "06_readings", "06_vote_count", "06_not_pooled"} <= written
    for name in written:
        assert f"../tables/{name}.csv" in html and f"../tables/excel/{name}.csv" in html, name
    not_pooled = pd.read_csv(tmp_path / "tables" / "06_not_pooled.csv")
    assert {"population", "horizon_months", "reason"} <= set(not_pooled.columns)


@pytest.mark.skipif(not MICRODATA.is_file(), reason="../shared/data/microdata/crepon2013_jd.dta is absent")
def test_the_computed_row_names_the_strata_as_quintuplets(tmp_path):
    page = EvidencePage(microdata=str(MICRODATA), output_dir=str(tmp_path))
    row = page.studies[page.studies["checked"] == "computed from the public-use data"].iloc[0]
    assert "kvintett (noq) × kohort" in row["se_derivation"] and "kvartil" not in row["se_derivation"]
    assert row["population"] == "young_graduates" and row["horizon_months"] == 8
    html = page.show_computed().data + page.show_studies().data
    assert "kvartil" not in html
    assert "../tables/06_computed.csv" in html
