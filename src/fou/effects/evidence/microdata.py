"""One estimate for the evidence table computed from data: the effect of assignment to
private operators' counselling on stable employment at 8 months in the two-stage
experiment of Crépon, Duflo, Gurgand, Rathelot & Zamora (2013, QJE 128(2):531–580).

The number is the experiment page's ``direct`` term under the preset ``crepon2013``
(:mod:`fou.effects.experiment.estimands`, pooled reduced form): assigned job seekers in treated
labour markets against job seekers in pure-control markets (``pct0`` = 0), with the
non-assigned in treated markets as their own (spillover) term; sample not employed at
baseline (``emploiav`` ≠ 1) and cohorts ``session`` ≤ 11; strata fixed effects
quintuplet × cohort (``noq^session``: ``noq`` numbers the quintuplets, groups of five
similar labour markets within which the treated shares were drawn); errors clustered by
labour market (``anonale``, CRV1); outcome ``emploidur`` at the first survey wave. The microdata never ship; the
path is a parameter.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.effects.experiment import estimands
from fou.effects.experiment.spec import resolve

COLUMNS = ("assigned", "signopp", "pct0", "emploiav", "session", "noq", "anonale")
ESTIMAND = ("direkt effekt av anvisning (termen direct, som på experimentsidan): anvisade i behandlade arbetsmarknader "
            "mot alla i rena kontrollmarknader (pct0 = 0), med icke anvisade i behandlade marknader som egen term; "
            "urval ej i arbete vid start och kohort ≤ 11; fixa effekter kvintett (noq, grupper om fem likartade arbetsmarknader) × kohort; medelfel klustrade på "
            "arbetsmarknad")


def load_microdata(path: str | Path, outcome: str = "emploidur") -> pd.DataFrame:
    """Read the public-use Stata file; a clear error if it is missing or lacks a column."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"microdata: no file at {path} (give the path to crepon2013_jd.dta or leave it empty)")
    frame = pd.read_stata(path, convert_categoricals=False)
    missing = [c for c in (*COLUMNS, outcome) if c not in frame.columns]
    if missing:
        raise ValueError(f"microdata: {path} lacks the column(s) {', '.join(missing)} needed for the direct effect")
    return frame


def direct_effect(frame: pd.DataFrame, outcome: str = "emploidur") -> dict:
    """The ``direct`` term of the preset ``crepon2013`` at wave 1, in shares (0–1), 95 % interval."""
    spec = resolve({"preset": "crepon2013", "outcomes": outcome, "waves": "1", "heterogeneity": "none"},
                   list(frame.columns))
    design = estimands.prepare(frame, spec)
    est = estimands.pooled(design, outcome).estimate(estimands.Z)
    control = design.data.loc[design.arm() == "control", outcome].mean()
    return {"estimate": est.estimate, "std_error": est.std_error, "ci_low": est.ci_low, "ci_high": est.ci_high,
            "n": est.nobs, "n_sample": len(design.data), "clusters": est.clusters, "control_mean": float(control),
            "outcome": outcome, "level": 0.95}


def evidence_row(result: dict, source: str) -> dict:
    """The result as a row of the evidence table (percentage points)."""
    return {"study": "Crépon, Duflo, Gurgand, Rathelot & Zamora (beräknad från data)", "year": 2013, "country": "France",
            "design": "randomised experiment (two-stage)", "randomised": 1, "in_report": 0,
            "target_group": "young graduates unemployed 6+ months", "target_group_sv": "unga högskoleutbildade arbetslösa minst 6 månader",
            "population": "young_graduates", "comparison": "private operators' counselling vs standard public services",
            "comparison_sv": "privata aktörers coachning mot ordinarie offentlig service",
            "contrast": "private_vs_standard_public", "outcome": "stable employment", "outcome_sv": "stadigvarande anställning",
            "outcome_family": "stable_employment", "horizon": "8 months", "horizon_sv": "8 månader",
            "horizon_months": 8, "estimate": 100 * result["estimate"], "unit": "percentage points", "std_error": 100 * result["std_error"],
            "ci_low": 100 * result["ci_low"], "ci_high": 100 * result["ci_high"],
            "se_derivation": (f"beräknad: MK med fixa effekter kvintett (noq) × kohort, klustrade medelfel (CRV1, "
                              f"{result['clusters']} arbetsmarknader), n = {result['n']} med utfall av {result['n_sample']}"),
            "direction_report": None, "direction_source": None, "checked": "computed from the public-use data",
            "source": f"computed from {source} (public-use data of Crépon et al. 2013)",
            "source_sv": f"beräknat från {source} (offentlig version av data till Crépon m.fl. 2013)",
            "locator": "outcome emploidur (survey wave 1), estimand direct",
            "locator_sv": "utfallet emploidur (enkätomgång 1), storheten direct", "note": ESTIMAND}
