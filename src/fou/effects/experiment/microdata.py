"""Experiment data files and the page's parameters, checked without loading the data.

Kept light (pandas, the specification and the synthetic generator's column list; no
scipy or estimators) because ``fou run`` validates every page before any kernel starts,
also on an unchanged re-run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from fou.effects.experiment import synth
from fou.effects.experiment.spec import Spec, resolve
from fou.extracts.params import ParameterError

FORMATS = (".dta", ".csv", ".parquet")
MAX_DRAWS = 9999
DEFAULT_DRAWS = 1999  # Romano–Wolf: Monte Carlo error at p = 0,05 is sqrt(0,05·0,95/1 999) ≈ 0,0049 ≤ 0,005


def read_microdata(path: str | Path) -> pd.DataFrame:
    """Stata, CSV or parquet, by file ending."""
    path = _existing(path)
    suffix = path.suffix.lower()
    if suffix == ".dta":
        return pd.read_stata(path, convert_categoricals=False)
    if suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


def microdata_columns(path: str | Path) -> list[str]:
    """Column names without loading the data (for validation before a kernel starts)."""
    path = _existing(path)
    suffix = path.suffix.lower()
    if suffix == ".dta":
        with pd.read_stata(path, iterator=True) as reader:
            return list(reader.variable_labels())
    if suffix == ".csv":
        return list(pd.read_csv(path, nrows=0).columns)
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise ParameterError("microdata", str(path), f"no such file; expected a {', '.join(FORMATS)} file, or empty for synthetic data")
    if path.suffix.lower() not in FORMATS:
        raise ParameterError("microdata", str(path), f"unsupported file type; expected one of {', '.join(FORMATS)}")
    return path


def check_params(params: Mapping[str, object]) -> Spec:
    """Validate every parameter of the experiment page against the data's columns
    (the file's, or the synthetic experiment's) without loading the data."""
    draws = params.get("draws", DEFAULT_DRAWS)
    if not isinstance(draws, int) or isinstance(draws, bool) or not 99 <= draws <= MAX_DRAWS:
        raise ParameterError("draws", draws, f"expected a whole number of bootstrap draws between 99 and {MAX_DRAWS}")
    microdata = str(params.get("microdata", "") or "")
    columns = microdata_columns(microdata) if microdata else synth.columns()
    return resolve(params, columns, Path(microdata).name if microdata else "the synthetic experiment")
