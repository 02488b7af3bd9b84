"""Every link on a page resolves to a file its own entry published, and every file an entry
published is linked from its page (issue 18, cases 1 and 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from fou.run import failure, links

from .variants import LINKS, entries_ok

HREF = re.compile(r'href="([^"#]+)"')


@pytest.fixture(scope="module")
def multi_run(variant_run):
    """The session's run of the notebooks under other parameters (tests/variants.py): two entries of
    03_referrals (``referrals-gr``, ``referrals-north``) among entries of every notebook."""
    out, _ = entries_ok(variant_run, *LINKS)
    return out


def _hrefs(page: Path) -> list[str]:
    return [h for h in HREF.findall(page.read_text(encoding="utf-8")) if not h.startswith(("data:", "http"))]


@pytest.mark.slow
def test_every_link_of_every_page_resolves(multi_run):
    record = json.loads((multi_run / "run.json").read_text(encoding="utf-8"))
    pages = [multi_run / "index.html", *sorted((multi_run / "html").glob("*.html"))]
    assert len(pages) == 1 + len(record["notebooks"]) >= 1 + len(LINKS)
    broken = [(p.name, h) for p in pages for h in _hrefs(p) if not (p.parent / h).resolve().is_file()]
    assert broken == []


@pytest.mark.slow
def test_two_entries_of_one_notebook_link_their_own_tables(multi_run):
    gr = _hrefs(multi_run / "html" / "referrals-gr.html")
    north = _hrefs(multi_run / "html" / "referrals-north.html")
    assert "../tables/referrals-gr/diagram1_referrals.csv" in gr
    assert "../tables/referrals-north/diagram1_referrals.csv" in north
    assert not any("referrals-gr" in h for h in north) and not any("/tables/diagram1" in h for h in gr + north)
    table = pd.read_csv(multi_run / "tables" / "referrals-north" / "table5_referrals_af.csv")
    assert len(table) == 6  # the six northern municipalities, not GR's 13


@pytest.mark.slow
def test_every_published_file_is_linked_from_its_page(multi_run):
    record = json.loads((multi_run / "run.json").read_text(encoding="utf-8"))
    for entry in record["notebooks"]:
        page = multi_run / entry["html"]
        targets = {(page.parent / h).resolve() for h in _hrefs(page)}
        files = [f for f in entry["files"] if f.startswith(("tables/", "figures/"))]
        assert files, entry["name"]
        assert [f for f in files if (multi_run / f).resolve() not in targets] == [], entry["name"]


@pytest.mark.slow
def test_excel_tables_have_swedish_headers_and_a_dictionary(multi_run):
    tables = multi_run / "tables" / "01-three-2021"  # one of the entries of 01 (tests/variants.py)
    excel = (tables / "excel" / "table1_population.csv").read_text(encoding="utf-8-sig")
    assert excel.splitlines()[0] == "Kommunkod;Kommun;Befolkningsmängd (N01951)"
    plain = pd.read_csv(tables / "table1_population.csv")
    assert list(plain.columns) == ["municipality_id", "municipality", "N01951"]  # the plain CSV keeps its ids
    dictionary = pd.read_csv(multi_run / "tables" / "columns.csv", dtype=str, keep_default_na=False)
    row = dictionary.set_index(["table", "column"]).loc[("01-three-2021/table1_population", "N01951")]
    assert (row["label"], row["unit"]) == ("Befolkningsmängd (N01951)", "antal")


def test_relink_points_only_the_entrys_own_files_at_its_folder():
    page = ('<a href="../tables/a.csv">a</a> <a href="../tables/excel/a.csv">x</a> '
            '<a href="../figures/f.png">f</a> <a href="../tables/other.csv">o</a>')
    out = links.relink(page, ["tables/a.csv", "tables/excel/a.csv", "figures/f.png"], "e2")
    assert links.linked(out) == {"tables/e2/a.csv", "tables/e2/excel/a.csv", "figures/e2/f.png", "tables/other.csv"}
    assert links.relink(page, ["tables/a.csv"], "") == page
    missing = links.unlinked(out, ["tables/a.csv", "tables/b.csv", "tables/columns.csv"], "e2")
    assert [m[0] for m in missing] == ["tables/e2/b.csv", "tables/e2/columns.csv"]


def test_a_failed_page_shows_nothing_after_the_failing_cell():
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("1")
    ok.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<h2>Före</h2>"})]
    bad = nbformat.v4.new_code_cell("raise ValueError")
    bad.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])]
    later = nbformat.v4.new_markdown_cell("## Efter felet")
    after = nbformat.v4.new_code_cell("2")
    nb.cells = [ok, bad, later, after]
    kept = failure.strip_for_readers(nb).cells
    assert [c.source for c in kept] == ["1", "raise ValueError"]
    assert kept[1].outputs == []


@pytest.mark.slow
def test_every_column_of_the_default_run_has_a_swedish_name(default_run):
    out = default_run[0]
    from fou.pages.columns import is_labelled

    dictionary = pd.read_csv(out / "tables" / "columns.csv", dtype=str, keep_default_na=False)
    assert len(dictionary) > 100
    assert dictionary.loc[~dictionary["column"].map(is_labelled), ["table", "column"]].values.tolist() == []
    for excel in (out / "tables" / "excel").rglob("*.csv"):
        header = excel.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
        assert not {"municipality_id", "estimate", "std_error", "p_value"} & set(header), excel.name


def test_the_column_dictionary_rereads_a_table_only_when_its_checksum_changes(tmp_path):
    from fou.run.publish import column_dictionary

    (tmp_path / "tables").mkdir()
    table = tmp_path / "tables" / "t.csv"
    table.write_text("year,estimate\n2020,1\n", encoding="utf-8")
    cache: dict = {}
    first = column_dictionary(tmp_path, [{"files": {"tables/t.csv": "sha-1"}}], cache)
    assert ",year," in first and ",estimate," in first and list(cache) == [("tables/t.csv", "sha-1")]
    table.write_text("year,p_value\n2020,0.5\n", encoding="utf-8")
    same = column_dictionary(tmp_path, [{"files": {"tables/t.csv": "sha-1"}}], cache)
    assert same == first  # same checksum in the record: the cached header, the file is not read again
    new = column_dictionary(tmp_path, [{"files": {"tables/t.csv": "sha-2"}}], cache)
    assert ",p_value," in new and ",estimate," not in new
