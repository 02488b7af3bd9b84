"""Reader-facing rendering: failure boxes, downloads, the index's numbers and paths."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from fou.extracts.paths import REPO_ROOT
from fou.pages.blocks import excel_csv, save_csv
from fou.run import failure, render


def test_excel_csv_has_bom_semicolons_and_decimal_commas(tmp_path):
    frame = pd.DataFrame({"municipality": ["Ale; norra", "Öckerö"], "value": [12.5, float("nan")], "n": [3, 4]})
    text = excel_csv(frame)
    assert text.startswith("\ufeffKommun;Värde;Antal\r\n")  # Swedish column names for Excel readers
    assert '"Ale; norra";12,5;3\r\n' in text and "Öckerö;;4\r\n" in text
    save_csv(frame, tmp_path, "t")
    assert (tmp_path / "tables" / "excel" / "t.csv").read_bytes().startswith("\ufeffKommun;".encode())
    assert (tmp_path / "tables" / "t.csv").read_text(encoding="utf-8").startswith("municipality,value,n\n")


def test_failure_message_names_the_parameter_and_hides_local_paths():
    error = {"cell": 4, "ename": "ParameterError",
             "evalue": "parameter 'waves': invalid value '9'; waves in /home/anna/data/crepon2013_jd.dta: 1, 2, 3, 4"}
    msg = failure.reader_message(error, {"waves": "9"}, "logs/07_experiment.log")
    assert msg == {"step": "steg 4", "kind": "ParameterError", "parameter": "waves = 9",
                   "message": "Parametern waves har ett värde ('9') som sidan inte kan använda; vad som är giltigt "
                              "står i loggen.", "log": "logs/07_experiment.log"}
    assert "/home/anna" not in str(msg)
    dead = failure.reader_message({"cell": None, "ename": "DeadKernelError", "evalue": "kernel died"})
    assert dead["step"] == "start av sidan" and dead["message"].startswith("Python-kärnan")


@pytest.mark.parametrize(("ename", "evalue", "swedish"), [
    ("DataFileError", "data file /home/a/data/evidence/x.csv: row 4, column 'estimate': invalid value 'abc'; expected a number",
     "Datafilen x.csv har ett ogiltigt värde i rad 4, kolumnen estimate: 'abc'."),
    ("DataFileError", "data file /srv/x.csv: column 'study' is missing; expected the columns of the 'evidence' schema",
     "Datafilen x.csv saknar kolumnen study."),
    ("ValueError", "table /home/a/x.csv lacks column(s) study",
     "Ett oväntat fel (ValueError) stoppade sidan: table x.csv lacks column(s) study; hela felet står i loggen."),
])
def test_failure_messages_are_swedish_and_the_english_stays_in_the_log(ename, evalue, swedish):
    assert failure.reader_message({"cell": 3, "ename": ename, "evalue": evalue})["message"] == swedish


def test_failed_page_has_a_swedish_box_and_no_traceback():
    nb = nbformat.v4.new_notebook()
    banner = nbformat.v4.new_markdown_cell('<span style="color:red">An Exception was encountered at In [2]</span>')
    banner.metadata["tags"] = [failure.PAPERMILL_TAG]
    code = nbformat.v4.new_code_cell("raise ValueError('x')")
    code.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="x",
                                           traceback=["\x1b[0;31mTraceback (most recent call last)\x1b[0m", "File /home/a/b.py"])]
    nb.cells = [banner, nbformat.v4.new_markdown_cell("# Sidan"), code]
    page = render.notebook_page(nb, "Sidan", {"status": "failed", "error": {"cell": 2, "ename": "ValueError", "evalue": "x"},
                                              "log": "logs/sidan.log"})
    assert "Körningen misslyckades" in page and "steg 2 (ValueError)" in page and 'href="../logs/sidan.log"' in page
    assert "Traceback" not in page and "An Exception was encountered" not in page and "/home/a" not in page
    assert "<h1" in page  # what ran before the error is still shown


def _run(*notebooks):
    return {"fou_version": "0", "finished_at": "2026-01-01T10:00:00+00:00", "notebooks": list(notebooks)}


def _nb(name, status="ok", kind="transcribed", seconds=2.6, **params):
    return {"name": name, "title": name, "status": status, "seconds": seconds, "parameters": params,
            "source": {"kind": kind, "line": "x"}, "html": f"html/{name}.html"}


def test_index_counts_numbers_paths_and_sources_in_swedish():
    page = render.index_page(_run(_nb("a", pilots="/home/anna/krom.csv", extract=str(REPO_ROOT / "data/extracts/report-2023")),
                                  _nb("b", status="skipped", kind="synthetic"), _nb("c", status="skipped", kind="none")))
    assert "1 klar, 2 oförändrade, 0 misslyckade" in page
    assert "2,6\u00a0s" in page and "2.6 s" not in page
    assert "/home/anna" not in page and "…/krom.csv" in page and ">data/extracts/report-2023<" in page
    assert ">none<" not in page and "inga data ännu" in page
    assert "i den här körningen: avskrivet ur rapporten, syntetiska data." in page and "Källa för alla nyckeltal" not in page


def test_every_column_id_has_one_swedish_name():
    """The label table is one literal: an id written twice would silently take the later name."""
    import ast
    import inspect

    from fou.pages import columns

    tree = ast.parse(inspect.getsource(columns))
    keys = [k.value for node in ast.walk(tree) if isinstance(node, ast.Dict)
            for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and isinstance(v, ast.Tuple)]
    assert len(keys) > 150
    assert sorted({k for k in keys if keys.count(k) > 1}) == []
    assert "LABELS.update" not in inspect.getsource(columns)
