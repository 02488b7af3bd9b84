"""Builders for the study's tables 1–5 and Diagram 1, as plain DataFrames of numbers.

Tables 1–3 have ``municipality_id``, ``municipality`` and one column per KPI id;
tables 4–5 one column per year (``"2017"`` …). Missing values are NaN, never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from fou.study import definition as study
from fou.extracts.regions import Region
from fou.study.definition import RIKET_ID, RIKET_NAME, Kpi


def _select(values: pd.DataFrame, kpis: Sequence[str], ids: Sequence[str], years: Sequence[int],
            gender: str = "T") -> pd.DataFrame:
    mask = (
        values["kpi"].isin(kpis)
        & values["municipality_id"].isin(ids)
        & values["year"].isin(years)
        & (values["gender"] == gender)
    )
    return values.loc[mask]


def _frame(region: Region, ids: Sequence[str], columns: list[str], data: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"municipality_id": list(ids)})
    out["municipality"] = [RIKET_NAME if i == RIKET_ID else region.names.get(i, i) for i in ids]
    data = data.reindex(index=list(ids), columns=columns)
    for col in columns:
        out[col] = data[col].to_numpy(dtype="float64")
    return out


def kpi_table(values: pd.DataFrame, region: Region, kpis: Sequence[Kpi], year: int,
              with_riket: bool = False) -> pd.DataFrame:
    """One row per municipality (plus Riket if asked and present), one column per KPI, for ``year``."""
    ids = list(region.ids)
    kpi_ids = [k.id for k in kpis]
    if with_riket and (_select(values, kpi_ids, [RIKET_ID], [year])["value"].notna().any()):
        ids.append(RIKET_ID)
    sel = _select(values, kpi_ids, ids, [year])
    wide = sel.pivot(index="municipality_id", columns="kpi", values="value")
    return _frame(region, ids, kpi_ids, wide)


def year_table(values: pd.DataFrame, region: Region, kpi: Kpi, years: Sequence[int]) -> pd.DataFrame:
    """One row per municipality, one column per year (``"2017"`` …) of a single KPI."""
    sel = _select(values, [kpi.id], region.ids, years)
    wide = sel.pivot(index="municipality_id", columns="year", values="value")
    wide.columns = [str(c) for c in wide.columns]
    return _frame(region, region.ids, [str(y) for y in years], wide)


def table1(values: pd.DataFrame, region: Region, year: int = study.DEFAULT_YEAR) -> pd.DataFrame:
    """Tabell 1: population on 31 December of ``year`` (N01951)."""
    return kpi_table(values, region, study.TABLE1, year)


def table2(values: pd.DataFrame, region: Region, year: int = study.DEFAULT_YEAR) -> pd.DataFrame:
    """Tabell 2: socioeconomic indicators, with a Riket row (``0000``) when the extract has it."""
    return kpi_table(values, region, study.TABLE2, year, with_riket=True)


def table3(values: pd.DataFrame, region: Region, year: int = study.DEFAULT_YEAR) -> pd.DataFrame:
    """Tabell 3: activities in the same administration as the labour-market unit (1 = yes)."""
    return kpi_table(values, region, study.TABLE3, year)


def table4(values: pd.DataFrame, region: Region, years: Sequence[int] = study.DEFAULT_YEARS) -> pd.DataFrame:
    """Tabell 4: participants in municipal labour-market programmes (U40800) per year."""
    return year_table(values, region, study.PARTICIPANTS, years)


def table5(values: pd.DataFrame, region: Region, years: Sequence[int] = study.DEFAULT_YEARS) -> pd.DataFrame:
    """Tabell 5: share of referrals initiated by Arbetsförmedlingen (U40806) per year."""
    return year_table(values, region, study.REFERRALS_AF, years)


def region_mean(values: pd.DataFrame, region: Region, kpi: Kpi, years: Sequence[int]) -> pd.DataFrame:
    """Unweighted mean over the region's municipalities with a value, per year, with ``n``.

    This is how Kolada computes group values (``G…``) and how the report draws Diagram 1.
    """
    sel = _select(values, [kpi.id], region.ids, years).dropna(subset=["value"])
    agg = sel.groupby("year")["value"].agg(value="mean", n="count")
    return agg.reindex(list(years)).rename_axis("year").reset_index().assign(n=lambda d: d["n"].fillna(0).astype(int))


def diagram1(values: pd.DataFrame, region: Region, years: Sequence[int] = study.DEFAULT_YEARS) -> pd.DataFrame:
    """Diagram 1 in long form: ``year, series, value, kpi, area, n``.

    For each of U40806 (Arbetsförmedlingen) and U40809 (socialtjänsten): the region's
    unweighted mean over municipalities with data, and Riket when the extract has it.
    Series the extract lacks are left out here and named by :func:`diagram1_notes`.
    """
    frames = []
    for kpi, source in ((study.REFERRALS_AF, "Arbetsförmedlingen"), (study.REFERRALS_SOCIAL, "Socialtjänsten")):
        mean = region_mean(values, region, kpi, years)
        if mean["value"].notna().any():
            frames.append(mean.assign(kpi=kpi.id, area=region.name, series=f"{source}, {region.name}"))
        riket = _select(values, [kpi.id], [RIKET_ID], years)[["year", "value"]]
        if riket["value"].notna().any():
            riket = riket.set_index("year").reindex(list(years)).reset_index()
            riket["n"] = riket["value"].notna().astype(int)
            frames.append(riket.assign(kpi=kpi.id, area=RIKET_NAME, series=f"{source}, {RIKET_NAME}"))
    if not frames:
        return pd.DataFrame(columns=["year", "series", "value", "kpi", "area", "n"])
    out = pd.concat(frames, ignore_index=True)
    return out[["year", "series", "value", "kpi", "area", "n"]]


def diagram1_notes(values: pd.DataFrame, region: Region, years: Sequence[int] = study.DEFAULT_YEARS) -> list[str]:
    """Swedish notes naming each Diagram 1 series the extract cannot draw, and thin years."""
    notes = []
    for kpi, source in ((study.REFERRALS_AF, "Arbetsförmedlingen"), (study.REFERRALS_SOCIAL, "socialtjänsten")):
        if not _select(values, [kpi.id], region.ids, years)["value"].notna().any():
            notes.append(f"Anvisningar från {source} ({kpi.id}), {region.name}: saknas i extraktet och visas inte.")
        if not _select(values, [kpi.id], [RIKET_ID], years)["value"].notna().any():
            notes.append(f"Anvisningar från {source} ({kpi.id}), Riket: saknas i extraktet och visas inte.")
    for kpi in (study.REFERRALS_AF, study.REFERRALS_SOCIAL):
        mean = region_mean(values, region, kpi, years)
        thin = mean[(mean["n"] > 0) & (mean["n"] < len(region.ids))]
        if len(thin):
            parts = ", ".join(f"{int(r.year)}: {r.n} av {len(region.ids)}" for r in thin.itertuples())
            notes.append(f"{kpi.id}: medelvärdet bygger på färre kommuner vissa år ({parts}).")
    return notes


def missing_kpis(values: pd.DataFrame, kpis: Sequence[Kpi], ids: Sequence[str]) -> list[Kpi]:
    """KPIs of ``kpis`` without a single value for ``ids`` in the extract."""
    have = set(values.loc[values["municipality_id"].isin(ids) & values["value"].notna(), "kpi"])
    return [k for k in kpis if k.id not in have]


def study_tables(values: pd.DataFrame, region: Region, year: int = study.DEFAULT_YEAR,
                 years: Sequence[int] = study.DEFAULT_YEARS) -> dict[str, pd.DataFrame]:
    """All study tables keyed as in :data:`fou.study.TABLE_FILES`."""
    return {
        "table1": table1(values, region, year),
        "table2": table2(values, region, year),
        "table3": table3(values, region, year),
        "table4": table4(values, region, years),
        "table5": table5(values, region, years),
        "diagram1": diagram1(values, region, years),
    }


def numeric_columns(table: pd.DataFrame) -> list[str]:
    """The value columns of a study table (everything but id and name)."""
    return [c for c in table.columns if c not in ("municipality_id", "municipality")]


