"""The experiment analysis: the data (a file, or a synthetic experiment with known
truth), the specification, and every table the page shows, computed once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from fou.effects.experiment import attrition, estimands
from fou.effects import linear
from fou.effects.experiment import synth
from fou.effects.experiment.estimands import D, Z, Design, Results
from fou.effects.experiment.microdata import DEFAULT_DRAWS, MAX_DRAWS, check_params, read_microdata  # noqa: F401 (the page's API)
from fou.effects.experiment.spec import Spec

TRUTH_TERMS = ("direct", "spillover", "within_market", "late", "late_shared_spillover")
MDE_TERMS = ("direct", "spillover", "late", "late_shared_spillover")
#: Minimum detectable effect per standard error: 80 % power, 5 % two-sided (normal approximation, ≈ 2,80).
MDE_FACTOR = float(stats.norm.ppf(0.975) + stats.norm.ppf(0.80))


def load(microdata: str, seed: int) -> tuple[pd.DataFrame, str, synth.Truth | None]:
    """The data, its kind (``microdata`` from a file or ``synthetic`` from fou.effects.experiment.synth)
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
    mde: pd.DataFrame
    kinds: dict[str, str]  # outcome → "share" (0/1) or "amount"

    @property
    def spec(self) -> Spec:
        return self.design.spec

    def main(self, wave: int | None = None) -> pd.DataFrame:
        """Rows of the main outcome (at one wave, or all), indexed by term."""
        t = self.results.table
        t = t[t["outcome"] == self.spec.main_outcome]
        return t if wave is None else t[t["wave"] == wave].set_index("term")


def analyse(df: pd.DataFrame, spec: Spec, truth: synth.Truth | None = None, draws: int = DEFAULT_DRAWS,
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
                    attrition.lee_bounds(design, draws=min(draws, 250)), check, mde_table(results.table, spec.main_outcome),
                    design.outcome_kinds())


def mde_table(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Minimum detectable effects of the main estimands for ``outcome``: the true effect a
    two-sided 5 % test would detect with 80 % power, ``(z₀.₉₇₅ + z₀.₈₀) · SE`` (the design's
    standard error taken as known)."""
    t = table[(table["outcome"] == outcome) & table["term"].isin(MDE_TERMS)]
    t = t.assign(_o=t["term"].map(MDE_TERMS.index)).sort_values(["wave", "_o"])
    return t.assign(mde=MDE_FACTOR * t["std_error"], power=0.8, alpha=0.05)[
        ["outcome", "wave", "term", "estimate", "std_error", "mde", "power", "alpha", "nobs", "clusters"]].reset_index(drop=True)


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
