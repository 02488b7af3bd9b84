"""The experiment page: load individual-level data (or a synthetic experiment), map its
variables, and compute take-up, effects per outcome and survey wave, and displacement."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fou.effects import rct
from fou.effects import synth
from fou.extracts.params import ParameterError

FORMATS = (".dta", ".csv", ".parquet")
OUTCOME_LABELS = {"emploi": "I arbete", "cdi": "Fast anställning (CDI)", "emploidur": "Varaktigt arbete",
                  "cdd6m": "Visstid ≥ 6 mån", "tempsc": "Heltid"}


def wave_suffix(wave: int) -> str:
    """Column suffix of a survey wave in the Crépon data: wave 1 none, then 2, 3, 4."""
    return "" if wave == 1 else str(wave)


def read_microdata(path: str | Path) -> pd.DataFrame:
    """Stata, CSV or parquet, by file ending."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError("microdata", str(path), f"no such file; expected a {', '.join(FORMATS)} file, or empty for synthetic data")
    suffix = path.suffix.lower()
    if suffix == ".dta":
        return pd.read_stata(path, convert_categoricals=False)
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise ParameterError("microdata", str(path), f"unsupported file type; expected one of {', '.join(FORMATS)}")


def microdata_columns(path: str | Path) -> list[str]:
    """Column names without loading the data (for validation before a kernel starts)."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError("microdata", str(path), f"no such file; expected a {', '.join(FORMATS)} file, or empty for synthetic data")
    suffix = path.suffix.lower()
    if suffix == ".dta":
        with pd.read_stata(path, iterator=True) as reader:
            return list(reader.variable_labels())
    if suffix == ".csv":
        return list(pd.read_csv(path, nrows=0).columns)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    raise ParameterError("microdata", str(path), f"unsupported file type; expected one of {', '.join(FORMATS)}")


@dataclass(frozen=True)
class Variables:
    """Which column is which (the variable mapping)."""

    treatment: str
    takeup: str
    market: str
    share: str
    outcomes: tuple[str, ...]
    waves: tuple[int, ...]

    def column(self, outcome: str, wave: int) -> str:
        return f"{outcome}{wave_suffix(wave)}"


def parse_variables(treatment: str, takeup: str, market: str, share: str, outcomes: str, waves: str,
                    columns: list[str]) -> Variables:
    """Validate the mapping against the data's columns; errors name the parameter."""
    for name, value in (("treatment", treatment), ("takeup", takeup), ("market", market), ("share", share)):
        if value not in columns:
            raise ParameterError(name, value, f"no such column in the data; columns include: {', '.join(columns[:25])}")
    outs = tuple(o.strip() for o in outcomes.split(",") if o.strip())
    try:
        ws = tuple(int(w) for w in str(waves).split(",") if w.strip())
    except ValueError:
        raise ParameterError("waves", waves, "expected survey wave numbers such as '1,2,3,4'") from None
    if not outs:
        raise ParameterError("outcomes", outcomes, "expected outcome names such as 'emploi,cdi,emploidur'")
    found = [o for o in outs if any(f"{o}{wave_suffix(w)}" in columns for w in ws)]
    missing = [o for o in outs if o not in found]
    if missing:
        raise ParameterError("outcomes", ",".join(missing), f"no column for any wave {list(ws)} (wave 1 has no suffix, then 2, 3, 4)")
    return Variables(treatment, takeup, market, share, outs, ws)


def load(microdata: str, seed: int) -> tuple[pd.DataFrame, str, synth.Truth | None]:
    """The data, its kind (``microdata`` from a file or ``synthetic`` from fou.synth) and,
    for synthetic data, the true effects (None for real data)."""
    if microdata:
        return read_microdata(microdata), "microdata", None
    df, truth = synth.two_stage_experiment(seed=seed)
    return df, "synthetic", truth


def takeup_table(df: pd.DataFrame, v: Variables) -> pd.DataFrame:
    """Take-up by assignment and treated share; and the first stage."""
    t = df.groupby([v.share, v.treatment])[v.takeup].agg(["mean", "size"]).reset_index()
    return t.rename(columns={v.share: "share", v.treatment: "assigned", "mean": "takeup", "size": "n"})


def effects_by_wave(df: pd.DataFrame, v: Variables) -> pd.DataFrame:
    """ITT (within markets, clustered by market) and LATE for every outcome and wave present."""
    rows = []
    for outcome in v.outcomes:
        for wave in v.waves:
            col = v.column(outcome, wave)
            if col not in df.columns:
                continue
            itt = rct.intention_to_treat(df, col, v.treatment, cluster=v.market, strata=v.market)
            late = rct.local_average_treatment_effect(df, col, v.takeup, v.treatment, cluster=v.market, strata=v.market)
            control_mean = df.loc[df[v.treatment] == 0, col].mean()
            for kind, est in (("ITT", itt), ("LATE", late)):
                rows.append({"outcome": outcome, "wave": wave, "effect": kind, "control_mean": control_mean, **est.as_dict()})
    return pd.DataFrame(rows).drop(columns=["label"])


def displacement(df: pd.DataFrame, v: Variables, outcome: str | None = None) -> pd.DataFrame:
    """Effect of the treated share on the non-assigned, per wave, for one outcome."""
    outcome = outcome or v.outcomes[0]
    frames = []
    for wave in v.waves:
        col = v.column(outcome, wave)
        if col in df.columns:
            frames.append(rct.spillover(df, col, v.share, v.treatment, cluster=v.market).assign(outcome=outcome, wave=wave))
    return pd.concat(frames, ignore_index=True).drop(columns=["label"])


def truth_check(effects: pd.DataFrame, spill: pd.DataFrame, truth: synth.Truth) -> pd.DataFrame:
    """For synthetic data: does each interval (wave 1, first outcome) cover the known truth?"""
    first = effects[(effects["wave"] == effects["wave"].min()) & (effects["outcome"] == effects["outcome"].iloc[0])]
    rows = []
    for kind, true in (("ITT", truth.itt), ("LATE", truth.tau)):
        r = first[first["effect"] == kind].iloc[0]
        rows.append({"quantity": kind, "truth": true, "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]})
    s = spill[spill["wave"] == spill["wave"].min()]
    for r in s.itertuples():
        rows.append({"quantity": f"undanträngning, andel {r.share:g}", "truth": truth.spillover(r.share),
                     "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high})
    out = pd.DataFrame(rows)
    out["covered"] = ["ja" if lo <= t <= hi else "nej" for t, lo, hi in zip(out["truth"], out["ci_low"], out["ci_high"])]
    return out

