"""The KROM pilot list: reference data shipped in ``data/reference`` (Arbetsförmedlingen's
announcement of 2019-11-06), read and checked without the estimators' heavy imports so
parameters can be validated before any kernel starts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.extracts.params import ParameterError
from fou.extracts.paths import data_dir


def pilots_file() -> Path:
    """The shipped pilot list (Arbetsförmedlingen 2019-11-06, see ``data/reference/README.md``)."""
    return data_dir() / "reference" / "krom_pilot_municipalities.csv"


def load_pilots(path: str | Path | None = None) -> pd.DataFrame:
    """Pilot municipalities: a CSV with ``municipality_id`` (default: the shipped KROM list)."""
    path = Path(path) if path else pilots_file()
    if not path.is_file():
        raise ParameterError("pilots", str(path), "no such file; expected a CSV with a municipality_id column "
                             "(empty: the shipped list of Arbetsförmedlingen's 32 KROM pilot municipalities)")
    df = pd.read_csv(path, dtype={"municipality_id": str})
    if "municipality_id" not in df:
        raise ParameterError("pilots", str(path), "the CSV has no municipality_id column")
    ids = df["municipality_id"].fillna("")
    bad = ids[~ids.str.fullmatch(r"\d{4}") | ids.str.startswith("00")]
    if len(bad) or len(df) < 2 or ids.duplicated().any():
        raise ParameterError("pilots", str(path), "expected at least two distinct four-digit municipality ids such as "
                             f"'1480' (found {bad.iloc[0]!r})" if len(bad) else "expected at least two distinct municipality ids")
    return df


def rollout_file() -> Path:
    """The 2021 stages of Rusta och matcha after the pilot (see ``data/reference/README.md``)."""
    return data_dir() / "reference" / "rusta_och_matcha_2021_stages.csv"


def load_rollout(path: str | Path | None = None) -> pd.DataFrame:
    """Stage, start date, number of municipalities and delivery areas, source and URL of each
    2021 stage of the national roll-out (the lists of municipalities were not found)."""
    df = pd.read_csv(path or rollout_file(), dtype={"start": str})
    df["start"] = pd.to_datetime(df["start"])
    return df.sort_values("start").reset_index(drop=True)
