"""Grouping of comparable estimates and the reasons given for rows not pooled."""

import numpy as np
import pandas as pd
import pytest

from fou.effects.evidence import pool as ep
from fou.effects.evidence import meta
CSV = "data/evidence/private_vs_public.csv"


@pytest.fixture(scope="module")
def studies():
    from pathlib import Path
    return pd.read_csv(Path(__file__).resolve().parents[1] / CSV)


def _row(study, estimate, se=None, ci=None, **kw):
    base = {"study": study, "estimate": estimate, "std_error": se, "ci_low": ci[0] if ci else None,
            "ci_high": ci[1] if ci else None, "unit": "percentage points", "contrast": "private_vs_public",
            "outcome_family": "employment", "randomised": 1, "checked": "verified (abstract)", "se_reason_sv": "",
            "population": "long_term_unemployed", "target_group_sv": "långtidsarbetslösa", "horizon_months": 12}
    base.update(kw)
    return base


def test_shipped_table_pools_nothing_and_says_why(studies):
    plan = ep.pooling_plan(studies)
    assert (plan["reason"] != "").all()
    by = plan.set_index("study")["reason"]
    assert by["Laun & Skogman Thoursie (as read in the report)"].startswith("rapportens läsning")
    assert by["Krug & Stephan"].startswith("publicerat bara som intervall")
    assert by["Bennmarker, Grönqvist & Öckert"].startswith("ingen punktskattning")
    assert "inget medelfel" in by["Cottier, Kempeneers, Flückiger & Lalive"]
    behaghel = plan[plan["study"].str.startswith("Behaghel")].set_index("contrast")["reason"]
    assert behaghel["public_intensive_vs_standard"] == "jämför inte privat mot offentlig"
    assert ep.pool_groups(plan) == []


def test_groups_pool_only_comparable_estimates():
    df = pd.DataFrame([
        _row("A", -1.0, se=0.9), _row("B", 0.4, ci=(-1.2, 2.0)), _row("C", 2.0, se=1.1),
        _row("D", 3.0, se=1.0, outcome_family="stable_employment", contrast="private_vs_standard_public"),
        _row("E", 30.0, se=5.0, unit="days"), _row("F", 1.0, se=0.5, randomised=0),
        _row("A", -0.5, se=0.7, study_note="second estimate of the same study")])
    plan = ep.pooling_plan(df)
    reasons = plan["reason"].tolist()
    assert reasons[:3] == ["", "", ""]
    assert reasons[3].startswith("ensam i sin grupp") and reasons[4].startswith("ensam i sin grupp")
    assert reasons[5] == "inte randomiserad" and reasons[6] == "samma studie finns redan i gruppen"
    assert plan.loc[1, "se_used"] == pytest.approx(3.2 / (2 * 1.959964)) and plan.loc[1, "se_how"].startswith("härlett")
    pooled = ep.pool_groups(plan)
    assert len(pooled) == 1 and pooled[0]["result"].k == 3
    direct = meta.random_effects([-1.0, 0.4, 2.0], [0.9, 3.2 / (2 * 1.959964), 1.1])
    assert pooled[0]["result"].estimate == pytest.approx(direct.estimate)
    assert list(pooled[0]["leave_one_out"]["left_out"]) == ["A", "B", "C"]


def test_computed_row_replaces_the_published_one_of_the_same_study():
    df = pd.DataFrame([
        _row("Crépon, Duflo, Gurgand, Rathelot & Zamora", 2.4, contrast="private_vs_standard_public"),
        _row("Crépon, Duflo, Gurgand, Rathelot & Zamora (beräknad från data)", 0.74, se=1.16,
             contrast="private_vs_standard_public", checked="computed from the public-use data")])
    plan = ep.pooling_plan(df)
    assert plan.loc[0, "reason"].startswith("inget publicerat medelfel")
    assert plan.loc[1, "reason"].startswith("ensam i sin grupp")
    assert plan.loc[1, "se_how"] == "beräknat från data" and np.isnan(plan.loc[0, "se_used"])


def test_pooling_requires_the_same_population_and_horizon():
    """The issue's case: given standard errors, sick-listed workers in year 2, long-term unemployed
    in year 1 and young graduates' job finding are not pooled, and each says why."""
    df = pd.DataFrame([
        _row("Laun", 1.0, se=0.8, population="long_term_sick", target_group_sv="långtidssjukskrivna", horizon_months=24),
        _row("Cottier", 4.0, se=1.5, population="long_term_unemployed", target_group_sv="långtidsarbetslösa", horizon_months=12),
        _row("Rehwald", 2.0, se=1.0, population="unemployed_graduates", target_group_sv="arbetslösa akademiker",
             horizon_months=None, horizon_sv="studiens uppföljningstid")])
    plan = ep.pooling_plan(df).set_index("study")
    assert ep.pool_groups(plan.reset_index()) == []
    assert plan.loc["Laun", "reason"] == ("de andra skattningarna av samma utfall gäller en annan population "
                                          "(långtidssjukskrivna mot långtidsarbetslösa; arbetslösa akademiker) och en annan "
                                          "uppföljningstid "
                                          "(24 mot 12 månader)")
    assert "en annan population (långtidsarbetslösa mot långtidssjukskrivna; arbetslösa akademiker)" in plan.loc["Cottier", "reason"]
    assert plan.loc["Rehwald", "reason"].startswith("uppföljningstiden (studiens uppföljningstid) anges inte som en tidpunkt")
    same = pd.DataFrame([_row("A", 1.0, se=0.8), _row("B", 2.0, se=0.9), _row("C", 3.0, se=1.0, horizon_months=24)])
    plan = ep.pooling_plan(same)
    assert plan["reason"].tolist()[:2] == ["", ""] and "(24 mot 12 månader)" in plan.loc[2, "reason"]
    assert len(ep.pool_groups(plan)) == 1 and ep.pool_groups(plan)[0]["result"].k == 2


def test_shipped_rows_carry_population_and_horizon_and_an_incomparable_row_says_both_reasons(studies):
    assert studies["population"].notna().all()
    months = studies.set_index("study")["horizon_months"]
    assert months["Crépon, Duflo, Gurgand, Rathelot & Zamora"] == 8 and months["Krug & Stephan"] == 18
    given = studies.assign(estimate=studies["estimate"].fillna(1.0), std_error=1.0,  # as if every study published both
                           unit=studies["unit"].fillna("percentage points"))
    plan = ep.pooling_plan(given).set_index("study")
    assert ep.pool_groups(plan.reset_index()) == []
    laun, cottier = plan.loc["Laun & Skogman Thoursie", "reason"], plan.loc["Cottier, Kempeneers, Flückiger & Lalive", "reason"]
    assert "en annan population (långtidssjukskrivna i behov av arbetslivsinriktad rehabilitering mot" in laun
    assert "(24 mot 12 månader)" in laun and "långtidsarbetslösa med ersättning (Genève)" in laun
    assert cottier.startswith("de andra skattningarna av samma utfall gäller en annan population (långtidsarbetslösa med "
                              "ersättning (Genève) mot långtidssjukskrivna")
    assert plan.loc["Rehwald, Rosholm & Svarer", "reason"].startswith("uppföljningstiden (studiens uppföljningstid)")
