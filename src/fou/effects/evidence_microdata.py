"""One estimate for the evidence table computed from data: the effect of assignment to
private operators' counselling on stable employment at 8 months in the two-stage
experiment of Crépon, Duflo, Gurgand, Rathelot & Zamora (2013, QJE 128(2):531–580).

Estimand ``direct``: job seekers assigned to the programme in treated labour markets
(``pct0`` > 0, ``assigned`` = 1) against all job seekers in pure-control markets
(``pct0`` = 0). Sample as in the paper's survey analysis: not employed at baseline
(``emploiav`` ≠ 1) and cohorts ``session`` ≤ 11. Outcome ``emploidur`` (stable
employment: permanent contract or fixed-term of 6 months or more) at the first survey
wave, 8 months after assignment. Strata fixed effects quartile (``noq``) × cohort
(``session``); standard errors clustered by labour market (``anonale``, CRV1 with
the small-sample factor G/(G − 1) · (N − 1)/(N − K), K counting the cells, as Stata's
``areg`` and pyfixest do when the cells are not nested in the clusters). No weights. The microdata never ship; the path
is a parameter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ("assigned", "pct0", "emploiav", "session", "noq", "anonale")
ESTIMAND = ("direkt effekt av anvisning: anvisade i behandlade arbetsmarknader mot alla i rena kontrollmarknader "
            "(pct0 = 0); urval ej i arbete vid start och kohort ≤ 11; fixa effekter kvartil × kohort; "
            "medelfel klustrade på arbetsmarknad")


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


def direct_sample(frame: pd.DataFrame, outcome: str = "emploidur") -> pd.DataFrame:
    """The analysis sample and the comparison groups of the ``direct`` estimand."""
    sample = frame[(frame["emploiav"] != 1) & (frame["session"] <= 11)]
    treated_market = sample["pct0"] > 0
    keep = (~treated_market) | (sample["assigned"] == 1)
    out = sample.loc[keep, ["noq", "session", "anonale", outcome]].copy()
    out["direct"] = (treated_market[keep] & (sample.loc[keep, "assigned"] == 1)).astype(float)
    out["cell"] = out["noq"].astype(int).astype(str) + "_" + out["session"].astype(int).astype(str)
    return out.dropna(subset=[outcome])


def _demean(values: pd.Series, groups: pd.Series) -> np.ndarray:
    return (values - values.groupby(groups).transform("mean")).to_numpy(dtype=float)


def direct_effect(frame: pd.DataFrame, outcome: str = "emploidur", level: float = 0.95) -> dict:
    """OLS of ``outcome`` on the direct-assignment dummy with cell fixed effects,
    standard error clustered by labour market. Shares (0–1), not percentage points."""
    n_sample = int(((frame["emploiav"] != 1) & (frame["session"] <= 11)).sum())
    data = direct_sample(frame, outcome)
    y = _demean(data[outcome].astype(float), data["cell"])
    d = _demean(data["direct"], data["cell"])
    beta = float(d @ y / (d @ d))
    resid = y - beta * d
    scores = pd.Series(d * resid).groupby(data["anonale"].to_numpy()).sum().to_numpy()
    g, n, k = len(scores), len(data), data["cell"].nunique() + 1
    var = g / (g - 1) * (n - 1) / (n - k) * float(scores @ scores) / float(d @ d) ** 2
    se = var**0.5
    crit = float(stats.t.ppf(0.5 + level / 2, g - 1))
    control = data.loc[data["direct"] == 0, outcome].mean()
    return {"estimate": beta, "std_error": se, "ci_low": beta - crit * se, "ci_high": beta + crit * se,
            "n": int(len(data)), "n_sample": n_sample, "clusters": g, "control_mean": float(control),
            "outcome": outcome, "level": level}


def evidence_row(result: dict, source: str) -> dict:
    """The result as a row of the evidence table (percentage points)."""
    return {"study": "Crépon, Duflo, Gurgand, Rathelot & Zamora (beräknad från data)", "year": 2013, "country": "France",
            "design": "randomised experiment (two-stage)", "randomised": 1, "in_report": 0,
            "target_group": "young graduates unemployed 6+ months", "target_group_sv": "unga högskoleutbildade arbetslösa minst 6 månader",
            "comparison": "private operators' counselling vs standard public services",
            "comparison_sv": "privata aktörers coachning mot ordinarie offentlig service",
            "contrast": "private_vs_standard_public", "outcome": "stable employment", "outcome_sv": "stadigvarande anställning",
            "outcome_family": "stable_employment", "horizon": "8 months", "horizon_sv": "8 månader",
            "estimate": 100 * result["estimate"], "unit": "percentage points", "std_error": 100 * result["std_error"],
            "ci_low": 100 * result["ci_low"], "ci_high": 100 * result["ci_high"],
            "se_derivation": (f"beräknad: MK med fixa effekter kvartil × kohort, klustrade medelfel (CRV1, "
                              f"{result['clusters']} arbetsmarknader), n = {result['n']} av {result['n_sample']}"),
            "direction_report": None, "direction_source": None, "checked": "computed from the public-use data",
            "source": f"computed from {source} (public-use data of Crépon et al. 2013)",
            "source_sv": f"beräknat från {source} (offentlig version av data till Crépon m.fl. 2013)",
            "locator": "outcome emploidur (survey wave 1), estimand direct",
            "locator_sv": "utfallet emploidur (enkätomgång 1), storheten direct", "note": ESTIMAND}
