"""The experiment analysis: the data (a file, or a synthetic experiment with known
truth), the specification, and every table the page shows, computed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fou.effects import attrition, estimands, linear, synth
from fou.effects.estimands import D, Z, Design, Results
from fou.effects.spec import Spec, resolve
from fou.extracts.params import ParameterError

FORMATS = (".dta", ".csv", ".parquet")
MAX_DRAWS = 9999
TRUTH_TERMS = ("direct", "spillover", "within_market", "late")


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
    draws = params.get("draws", 499)
    if not isinstance(draws, int) or isinstance(draws, bool) or not 99 <= draws <= MAX_DRAWS:
        raise ParameterError("draws", draws, f"expected a whole number of bootstrap draws between 99 and {MAX_DRAWS}")
    microdata = str(params.get("microdata", "") or "")
    columns = microdata_columns(microdata) if microdata else synth.columns()
    return resolve(params, columns, Path(microdata).name if microdata else "the synthetic experiment")


def load(microdata: str, seed: int) -> tuple[pd.DataFrame, str, synth.Truth | None]:
    """The data, its kind (``microdata`` from a file or ``synthetic`` from fou.effects.synth)
    and, for synthetic data, the truth (None for real data)."""
    if microdata:
        return read_microdata(microdata), "microdata", None
    df, truth = synth.two_stage_experiment(seed=seed)
    return df, "synthetic", truth


@dataclass(frozen=True)
class Analysis:
    """Everything the experiment page shows."""

    design: Design
    results: Results
    first_stage: linear.Estimate
    takeup: pd.DataFrame
    control_means: pd.DataFrame
    heterogeneity: pd.DataFrame | None
    response: pd.DataFrame
    lee: pd.DataFrame
    truth: pd.DataFrame | None

    @property
    def spec(self) -> Spec:
        return self.design.spec

    def main(self, wave: int | None = None) -> pd.DataFrame:
        """Rows of the main outcome (at one wave, or all), indexed by term."""
        t = self.results.table
        t = t[t["outcome"] == self.spec.main_outcome]
        return t if wave is None else t[t["wave"] == wave].set_index("term")


def analyse(df: pd.DataFrame, spec: Spec, truth: synth.Truth | None = None, draws: int = 499,
            seed: int = 2013) -> Analysis:
    """Prepare the design and compute every estimand, attrition, heterogeneity and, for
    synthetic data, the check against the truth."""
    design = estimands.prepare(df, spec)
    results = estimands.reduced_form(design, draws=draws, seed=seed)
    main = [c for o, w, c in design.outcome_columns() if o == spec.main_outcome]
    het = None
    if spec.heterogeneity and main:
        het = pd.concat([estimands.heterogeneity(design, c, spec.heterogeneity).assign(wave=w)
                         for o, w, c in design.outcome_columns() if o == spec.main_outcome], ignore_index=True)
    check = truth_table(design, results, truth) if truth is not None else None
    return Analysis(design, results, estimands.first_stage(design), takeup_table(design),
                    estimands.control_means(design), het, attrition.response_by_arm(design),
                    attrition.lee_bounds(design, draws=min(draws, 250)), check)


def takeup_table(design: Design) -> pd.DataFrame:
    """Share taking the programme up by treated share and assignment."""
    d = design.data
    t = d.groupby([design.spec.share, Z])[D].agg(["mean", "size"]).reset_index()
    return t.rename(columns={design.spec.share: "share", Z: "assigned", "mean": "takeup", "size": "n"}).astype(
        {"assigned": int})


def truth_table(design: Design, results: Results, truth: synth.Truth) -> pd.DataFrame:
    """For synthetic data, main outcome: each estimate beside its truth and whether the
    95 % interval covers it. The truth of an estimand is the same estimator applied to
    everyone's true effect (respondents only): the estimand's own weighting of the
    individual effects in the realised design."""
    spec = design.spec
    rows = []
    table = results.table.set_index(["outcome", "wave", "term"])
    for outcome, wave, col in design.outcome_columns():
        if outcome != spec.main_outcome:
            continue
        expected = np.where(design.data[col].notna(), truth.effect[col][design.data.index.to_numpy()], np.nan)
        sub = design.with_data(design.data.assign(_expected=expected))
        for term, fit, coef in estimands.term_fits(sub, "_expected"):
            if term not in TRUTH_TERMS and not term.startswith(("direct_", "spillover_")):
                continue
            r = table.loc[(outcome, wave, term)]
            true = float(fit.params[coef])
            rows.append({"outcome": outcome, "wave": wave, "term": term, "truth": true, "estimate": r["estimate"],
                         "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                         "covered": "ja" if r["ci_low"] <= true <= r["ci_high"] else "nej"})
    return pd.DataFrame(rows)
