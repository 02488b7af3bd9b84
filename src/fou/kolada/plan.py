"""Which units to ask Kolada for, per KPI: its ``municipality_type`` decides.

A KPI of type ``K`` has values for municipalities (and ``0000`` Riket), one of type
``L`` for regions (and Riket), ``A`` for both. Asking a ``K`` KPI for regions only
costs batches and returns nothing, so those units are left out, with a warning
when the user named them. Municipality groups (``G…``) count as the type of their
members; with ``--group-values`` the group id itself is asked for, and Kolada
answers with the unweighted mean of the members that have a value (``count``).

The plan is kept at its floor: KPIs are asked together when that costs no more
requests than asking them by the units they cover (a region KPI asked for
municipalities too costs nothing when the batches are shared), and every unit
(``all``) leaves the municipality segment out (:func:`all_units_plan`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from fou.extracts.params import ParameterError
from fou.extracts.regions import RIKET_ID, Catalogue
from fou.kolada.client import MAX_SEGMENT, KoladaClient
from fou.kolada.kpimeta import clean

_TYPE_LABEL = {"K": "municipality", "L": "region", "A": "municipality and region"}


def unit_types(units: pd.DataFrame, groups: pd.DataFrame) -> dict[str, set[str]]:
    """Kolada's region type of each unit id; a group has the types of its members."""
    types = {str(i): {str(t)} for i, t in zip(units["id"], units["type"])}
    for gid, members in groups.groupby("group_id")["member_id"]:
        types[str(gid)] = set().union(*(types.get(m, set()) for m in members)) or {"K"}
    return types


def fits(municipality_type: str | None, unit: str, types: dict[str, set[str]]) -> bool:
    """Whether Kolada can have values of a KPI of ``municipality_type`` for ``unit``."""
    mt = clean(municipality_type)
    if mt not in ("K", "L") or unit == RIKET_ID or unit not in types:
        return True
    return mt in types[unit]


def plan_units(meta: pd.DataFrame, kpis: Sequence[str], ids: Sequence[str], units: pd.DataFrame,
               groups: pd.DataFrame, *, warn: bool = True) -> tuple[list[tuple[list[str], list[str]]], list[str]]:
    """``[(kpis, unit ids), ...]`` to request (KPIs sharing one unit list share requests)
    and warnings for units left out because the KPI's type does not fit them."""
    mtype = dict(zip(meta["id"], meta["municipality_type"])) if "municipality_type" in meta else {}
    types = unit_types(units, groups)
    by_units: dict[tuple[str, ...], list[str]] = {}
    warnings: list[str] = []
    for kpi in kpis:
        keep = tuple(i for i in ids if fits(mtype.get(kpi), i, types))
        left_out = [i for i in ids if i not in keep]
        if left_out and warn:
            mt = clean(mtype.get(kpi))
            shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
            what = "none of the units asked for" if not keep else f"{len(left_out)} of the units asked for ({shown})"
            warnings.append(f"{kpi} is a {_TYPE_LABEL.get(mt, mt)} KPI (municipality_type {mt}): Kolada has no "
                            f"values for {what}")
        if keep:
            by_units.setdefault(keep, []).append(kpi)
    split = [(sorted(k), list(u)) for u, k in by_units.items()]
    asked = [k for k in kpis if any(k in ks for ks, _ in split)]
    together = [(sorted(asked), sorted({u for _, us in split for u in us}))] if asked else []
    return (together if together and cost(together) <= cost(split) else split), warnings


def cost(plan: Sequence[tuple[Sequence[str], Sequence[str] | None]]) -> int:
    """Request sets of a plan (KPI batches × unit batches, per year batch)."""
    return sum(math.ceil(len(k) / MAX_SEGMENT) * (1 if u is None else math.ceil(len(u) / MAX_SEGMENT))
               for k, u in plan)


def all_units_plan(kpis: Sequence[str], ids: Sequence[str], years: Sequence[int] | None) -> list[tuple[list[str], list[str] | None]]:
    """Every unit: the municipality segment is left out (Kolada answers for all units), unless
    the years are left out too (two segments are needed), then the units are listed."""
    return [(sorted(kpis), None if years is not None else sorted(ids))]


def fetch_planned(client: KoladaClient, plan: list[tuple[list[str], list[str] | None]], years: Sequence[int] | None,
                  names: dict[str, str]) -> pd.DataFrame:
    """Values for each ``(kpis, units)`` of a plan, in one frame."""
    frames = [client.values(k, u, years, names) for k, u in plan]
    if not frames:
        return client.values([], [], years, names)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return df.sort_values(["kpi", "municipality_id", "year", "gender"]).reset_index(drop=True)


def group_ids(spec: str | None, catalogue: Catalogue) -> list[str]:
    """The Kolada group ``spec`` names (for ``--group-values``), or a ParameterError."""
    region = catalogue.resolve(spec or "", "municipality") if (spec or "").strip().lower() != "all" else None
    if region is None or not region.group_id:
        raise ParameterError("group-values", spec, "needs --municipality (or --region) to name a Kolada municipality "
                             "group, such as 'G96190' or 'Göteborgsregionen'; find groups with `fou groups TEXT`")
    return [region.group_id]


def group_names(groups: pd.DataFrame) -> dict[str, str]:
    """Kolada's title of each group id (e.g. 'Göteborgsregionen (ovägt medel)')."""
    first = groups.drop_duplicates("group_id")
    return dict(zip(first["group_id"], first["group_title"]))
