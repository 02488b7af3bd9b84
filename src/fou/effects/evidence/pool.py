"""Which published estimates can be pooled, and the pooled estimate of each group.

Estimates are pooled only within a group of comparable ones: the same contrast
(private against an equivalent public programme, or against ordinary public
services), the same outcome family and unit, the same population (``population``, coded
from the study's target group) and the same horizon (``horizon_months``, the month after
assignment the outcome is measured at; a horizon not given as a time is not comparable),
from randomised studies, one estimate per study, each with a published (or computed)
standard error. Every row that is not pooled gets its reason, in Swedish, for the page:
for an estimate that differs from the others of its outcome, which of population and
horizon differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fou.effects.evidence import studies as evidence
from fou.effects.evidence import meta
GROUP_KEYS = ("contrast", "outcome_family", "unit", "population", "horizon_months")
OUTCOME_KEYS = GROUP_KEYS[:3]  # the same outcome; population and horizon must match too
POOLABLE_CONTRASTS = ("private_vs_public", "private_vs_standard_public")
REPORT_READING = "as printed in the report"


def with_standard_errors(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``se_used`` and ``se_how``: the published standard error, or one derived from
    a published 95 % interval; NaN when neither is there."""
    out = df.copy()
    se = pd.to_numeric(out.get("std_error"), errors="coerce")
    lo, hi = pd.to_numeric(out.get("ci_low"), errors="coerce"), pd.to_numeric(out.get("ci_high"), errors="coerce")
    how = pd.Series(np.where(se.notna(), "publicerat medelfel", ""), index=out.index, dtype=object)
    from_ci = se.isna() & lo.notna() & hi.notna()
    se = se.where(~from_ci, (hi - lo) / (2 * 1.959964))
    how[from_ci] = "härlett ur publicerat 95 %-intervall: (övre − nedre) / (2 · 1,96)"
    computed = out.get("checked", pd.Series("", index=out.index)).eq("computed from the public-use data") & se.notna()
    how[computed] = "beräknat från data"
    return out.assign(se_used=se, se_how=how)


def _reason(row: pd.Series) -> str:
    own = row.get("se_reason_sv")
    own = own if isinstance(own, str) and own.strip() else ""
    if row.get("checked") == REPORT_READING:
        return "rapportens läsning av studien, inte en skattning ur studien"
    if pd.isna(row.get("estimate")):
        return own or "ingen punktskattning publicerad (bara riktning eller intervall i text)"
    if not row.get("randomised", 1):
        return "inte randomiserad"
    if row.get("contrast") not in POOLABLE_CONTRASTS:
        return "jämför inte privat mot offentlig"
    if pd.isna(row["se_used"]):
        return own or "inget publicerat medelfel eller konfidensintervall i de källor som nåtts"
    return ""


def _months(value: object) -> str:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return "" if pd.isna(number) else f"{number:g}"


def _comparability(plan: pd.DataFrame) -> pd.Series:
    """Why a row's estimate is not comparable with the others of the same outcome (contrast,
    family, unit) from other studies: its horizon is not a time, or every such estimate
    differs in population or horizon (named, in Swedish). Empty when comparable or alone."""
    out = pd.Series("", index=plan.index, dtype=object)
    eligible = plan["estimate"].notna() & plan["contrast"].isin(POOLABLE_CONTRASTS) & (plan["checked"] != REPORT_READING)
    if "randomised" in plan:
        eligible &= pd.to_numeric(plan["randomised"], errors="coerce").fillna(0).astype(bool)
    outcome = plan[list(OUTCOME_KEYS)].fillna("").astype(str).agg(" | ".join, axis=1)
    for i in plan.index[eligible]:
        row = plan.loc[i]
        if row["horizon_key"] == "":
            out[i] = (f"uppföljningstiden ({row.get('horizon_sv') or 'inte angiven'}) anges inte som en tidpunkt, så "
                      "skattningen kan inte jämföras med andras")
            continue
        peers = plan[eligible & (outcome == outcome[i]) & (plan["study_key"] != row["study_key"])]
        if peers.empty or ((peers["population"] == row["population"]) & (peers["horizon_key"] == row["horizon_key"])).any():
            continue
        differ = []
        others = [p for p in dict.fromkeys(peers["target_group_sv"].fillna(peers["population"])) if p]
        if (peers["population"] != row["population"]).all():
            differ.append(f"en annan population ({row.get('target_group_sv') or row['population']} mot {'; '.join(others)})")
        if (peers["horizon_key"] != row["horizon_key"]).all():
            months = " och ".join(dict.fromkeys(m for m in peers["horizon_key"] if m)) or "ej angiven"
            differ.append(f"en annan uppföljningstid ({row['horizon_key']} mot {months} månader)")
        if not differ:
            differ.append("en annan kombination av population och uppföljningstid")
        out[i] = "de andra skattningarna av samma utfall gäller " + " och ".join(differ)
    return out


def pooling_plan(df: pd.DataFrame, min_k: int = 2) -> pd.DataFrame:
    """Every row with its group and, when it is not pooled, the reason (``reason`` empty = pooled):
    the first that applies of no estimate, not randomised, not private against public, and no
    standard error, followed by why it is not comparable (population, horizon) when that holds too."""
    plan = with_standard_errors(df)
    for col in ("population", "horizon_months", "target_group_sv", "horizon_sv"):
        if col not in plan:
            plan[col] = ""
    plan["population"] = plan["population"].fillna("").astype(str)
    plan["horizon_key"] = plan["horizon_months"].map(_months)
    plan["study_key"] = evidence.study_key(plan["study"])
    plan["group"] = plan[list(OUTCOME_KEYS) + ["population", "horizon_key"]].fillna("").astype(str).agg(" | ".join, axis=1)
    plan["reason"] = plan.apply(_reason, axis=1)
    comparable = _comparability(plan)
    alone_reason = plan["reason"] == ""
    plan.loc[alone_reason & (comparable != ""), "reason"] = comparable
    both = ~alone_reason & (comparable != "")
    plan.loc[both, "reason"] = plan.loc[both, "reason"] + "; dessutom: " + comparable[both]
    # one estimate per study: a study with an estimate that has a standard error keeps that one
    candidates = plan[plan["reason"] == ""]
    twice = candidates.duplicated(["study_key", "group"], keep="first")
    plan.loc[candidates.index[twice], "reason"] = "samma studie finns redan i gruppen"
    sizes = plan[plan["reason"] == ""].groupby("group").size()
    alone = (plan["reason"] == "") & plan["group"].map(sizes).fillna(0).lt(min_k)
    plan.loc[alone, "reason"] = ("ensam i sin grupp av jämförbara skattningar (samma jämförelse, utfall, enhet, "
                                 "population och uppföljningstid): inget att poola med")
    return plan


def pool_groups(plan: pd.DataFrame, **kwargs) -> list[dict]:
    """The pooled estimate of each group with at least two poolable rows, with a
    leave-one-out table when the group has three or more."""
    out = []
    for group, rows in plan[plan["reason"] == ""].groupby("group", sort=False):
        result = meta.random_effects(rows["estimate"], rows["se_used"], **kwargs)
        loo = meta.leave_one_out(rows["estimate"], rows["se_used"], list(rows["study"]), **kwargs) if len(rows) >= 3 else None
        out.append({"group": group, "rows": rows, "result": result, "leave_one_out": loo})
    return out
