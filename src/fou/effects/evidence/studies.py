"""The published evidence on private versus public providers: the table of studies
and the report's vote count. Pooling lives in :mod:`fou.effects.evidence.pool`,
the random-effects model in :mod:`fou.effects.evidence.meta`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.extracts.paths import data_dir

DIRECTIONS = {"private_better": "Bättre med privata", "no_difference": "Ingen skillnad", "private_worse": "Sämre med privata",
              "mixed": "Blandat (bättre först, sämre sedan)", "not_checked": "Ej kontrollerad"}
NUMERIC = ("estimate", "std_error", "ci_low", "ci_high")
REQUIRED = ("study", "year", "country", "design", "estimate", "unit", "std_error", "ci_low", "ci_high",
            "direction_report", "direction_source", "checked", "source", "locator")
OPTIONAL = ("randomised", "contrast", "outcome_family", "se_reason_sv", "report_says_sv", "source_says_sv", "arm_sv",
            "population", "horizon_months")


def default_path() -> Path:
    return data_dir() / "evidence" / "private_vs_public.csv"


def load_evidence(path: str | Path | None = None) -> pd.DataFrame:
    """The evidence table (see ``data/evidence/README.md``); years as integers,
    estimates as floats (missing stays NaN), ``in_report`` defaulting to 1."""
    df = pd.read_csv(path or default_path(), dtype={"year": "Int64"})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"evidence table {path or default_path()} lacks column(s) {', '.join(missing)}")
    for col in NUMERIC:
        df[col] = pd.to_numeric(df[col], errors="coerce")
    for col in OPTIONAL:
        if col not in df.columns:
            df[col] = pd.NA
    if "in_report" not in df.columns:
        df["in_report"] = 1
    df["in_report"] = df["in_report"].fillna(1).astype(int)
    return df


def study_key(study: pd.Series) -> pd.Series:
    """A study's name without the markers of its readings (the report's, or computed from data)."""
    return study.str.replace(r"\s*\((as read in the report|beräknad från data)\)", "", regex=True)


def one_row_per_study(df: pd.DataFrame) -> pd.DataFrame:
    """The first row of each of the report's studies (a study's reading in the report is not a separate study;
    studies outside the report do not vote)."""
    inside = df[df["in_report"] == 1]
    return inside.assign(study_key=study_key(inside["study"])).drop_duplicates("study_key")


def vote_count(df: pd.DataFrame, column: str = "direction_report") -> pd.DataFrame:
    """Studies per direction (one vote per study, the report's studies only)."""
    studies = one_row_per_study(df)
    direction = studies[column].fillna("not_checked").replace("", "not_checked")
    counts = direction.value_counts()
    order = [d for d in DIRECTIONS if d in counts.index]
    return pd.DataFrame({"direction": order, "label": [DIRECTIONS[d] for d in order],
                         "studies": [int(counts[d]) for d in order],
                         "which": [", ".join(studies.loc[direction == d, "study_key"]) for d in order]})


def disagreements(df: pd.DataFrame) -> pd.DataFrame:
    """The report's studies where the report's direction differs from the sources' (or the
    report prints its own figure for a study)."""
    studies = one_row_per_study(df)
    differ = studies["direction_source"].notna() & (studies["direction_report"] != studies["direction_source"])
    readings = df[df["checked"] == "as printed in the report"]
    keys = set(studies.loc[differ, "study_key"]) | set(study_key(readings["study"]))
    return studies[studies["study_key"].isin(keys)]
