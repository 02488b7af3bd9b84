"""Which units to ask Kolada for, per KPI: its ``municipality_type`` decides.

A KPI of type ``K`` has values for municipalities (and ``0000`` Riket), one of type
``L`` for regions (and Riket), ``A`` for both. Asking a ``K`` KPI for regions only
costs batches and returns nothing, so those units are left out, with a warning
when the user named them. Municipality groups (``G…``) count as the type of their
members; with ``--group-values`` the group id itself is asked for, and Kolada
answers with the unweighted mean of the members that have a value (``count``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from fou.extracts.params import ParameterError
from fou.extracts.regions import RIKET_ID, Catalogue
from fou.kolada.client import KoladaClient
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
                            f"values for {what}; not requested")
        if keep:
            by_units.setdefault(keep, []).append(kpi)
    return [(sorted(k), list(u)) for u, k in by_units.items()], warnings


def fetch_planned(client: KoladaClient, plan: list[tuple[list[str], list[str]]], years: Sequence[int],
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
