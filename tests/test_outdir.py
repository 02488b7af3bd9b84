"""``--out`` never overwrites the sources a run reads (issue 18, case 3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fou.extracts.params import ParameterError
from fou.extracts.paths import REPO_ROOT
from fou.run.outdir import check_out_folder


@pytest.mark.parametrize("rel", [".", "notebooks", "notebooks/x", "src", "src/fou/out", "data", "data/extracts/new",
                                 "tests", "scripts", ".git"])
def test_source_folders_are_refused(rel):
    with pytest.raises(ParameterError) as err:
        check_out_folder(REPO_ROOT / rel)
    assert err.value.parameter == "out"
    assert "outputs" in err.value.valid  # says what would do


@pytest.mark.parametrize("rel", ["outputs", "outputs/fyrbodal", "../fou-out"])
def test_output_folders_are_allowed(rel):
    assert check_out_folder(REPO_ROOT / rel) == (REPO_ROOT / rel).resolve()


def test_fou_run_out_dot_from_the_repository_changes_nothing(tmp_path):
    before = (REPO_ROOT / "notebooks" / "01_population_socioeconomics.ipynb").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "fou", "run", "--out", ".", "--only", "01_population_socioeconomics"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "parameter 'out'" in lines[0] and "repository root" in lines[0]
    assert (REPO_ROOT / "notebooks" / "01_population_socioeconomics.ipynb").read_bytes() == before
    assert not (REPO_ROOT / "html").exists() and not (REPO_ROOT / "run.json").exists()
