"""The published evidence on private versus public providers: vote counts and a
random-effects meta-analysis of comparable estimates that have standard errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fou.extracts.paths import data_dir

DIRECTIONS = {"private_better": "Bättre med privata", "no_difference": "Ingen skillnad", "private_worse": "Sämre med privata",
              "mixed": "Blandat (bättre först, sämre sedan)", "not_checked": "Ej kontrollerad"}


def load_evidence(path: str | Path | None = None) -> pd.DataFrame:
    """The evidence table (see ``data/evidence/README.md``)."""
    df = pd.read_csv(path or data_dir() / "evidence" / "private_vs_public.csv")
    for col in ("estimate", "std_error", "ci_low", "ci_high"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def one_row_per_study(df: pd.DataFrame) -> pd.DataFrame:
    """The first row of each study (a study's reading in the report is not a separate study)."""
    base = df["study"].str.replace(r"\s*\(as read in the report\)", "", regex=True)
    return df.assign(study_key=base).drop_duplicates("study_key")


def vote_count(df: pd.DataFrame, column: str = "direction_report") -> pd.DataFrame:
    """Studies per direction (one vote per study)."""
    studies = one_row_per_study(df)
    counts = studies[column].fillna("not_checked").value_counts()
    order = [d for d in DIRECTIONS if d in counts.index]
    return pd.DataFrame({"direction": order, "label": [DIRECTIONS[d] for d in order],
                         "studies": [int(counts[d]) for d in order],
                         "which": [", ".join(studies.loc[studies[column].fillna("not_checked") == d, "study_key"]) for d in order]})


def poolable(df: pd.DataFrame, outcome_unit: str = "percentage points") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into those that can be pooled (same unit, a published standard error
    or interval) and the rest with the reason."""
    se = df["std_error"].copy()
    from_ci = se.isna() & df["ci_low"].notna() & df["ci_high"].notna()
    se[from_ci] = (df.loc[from_ci, "ci_high"] - df.loc[from_ci, "ci_low"]) / (2 * 1.959964)
    reasons = []
    for i, row in df.iterrows():
        if pd.isna(row["estimate"]):
            reasons.append("ingen punktskattning publicerad (bara riktning eller intervall i text)")
        elif row["unit"] != outcome_unit:
            reasons.append(f"annan enhet ({row['unit']})")
        elif pd.isna(se[i]):
            reasons.append("inget publicerat medelfel eller konfidensintervall i de källor som nåtts")
        elif "public intensive programme vs standard" in str(row["comparison"]):
            reasons.append("jämför inte privat mot offentlig")
        else:
            reasons.append("")
    out = df.assign(se_used=se, reason=reasons)
    return out[out["reason"] == ""].copy(), out[out["reason"] != ""].copy()


def random_effects(estimates: np.ndarray, std_errors: np.ndarray, method: str = "dl") -> dict:
    """Random-effects pooled estimate with statsmodels' ``combine_effects``
    (DerSimonian–Laird by default), with τ², I² and Cochran's Q."""
    from statsmodels.stats.meta_analysis import combine_effects

    if len(estimates) < 2:
        raise ValueError("pooling needs at least two estimates with standard errors")
    res = combine_effects(np.asarray(estimates, float), np.asarray(std_errors, float) ** 2, method_re=method)
    frame = res.summary_frame()
    row = frame.loc["random effect"]
    return {"estimate": float(row["eff"]), "std_error": float(row["sd_eff"]), "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_upp"]), "tau2": float(res.tau2), "i2": float(res.i2), "q": float(res.q),
            "k": int(len(estimates)), "label": f"Poolad skattning (slumpeffekter, {method.upper()})"}
