"""The evidence page's blocks: the study table, vote counts and the meta-analysis (or why none)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from fou.effects import evidence
from fou.pages import blocks as nb
from fou.pages.html import HTML
from fou.extracts.swedish import format_number

STUDY_COLUMNS = {"study": "Studie", "year": "År", "country": "Land", "design": "Design", "target_group": "Målgrupp",
                 "outcome": "Utfall", "horizon": "Tidshorisont", "estimate": "Skattning", "unit": "Enhet",
                 "direction_report": "Rapportens läsning", "direction_source": "Enligt källans sammanfattning",
                 "checked": "Kontrollerad", "source": "Källa"}


def show_studies(df: pd.DataFrame, output_dir: str | None) -> HTML:
    shown = df[list(STUDY_COLUMNS)].copy()
    for col in ("direction_report", "direction_source"):
        shown[col] = shown[col].map(evidence.DIRECTIONS).fillna("–")
    return nb.show_table(shown, {"estimate": 1, "year": 0}, STUDY_COLUMNS, output_dir=output_dir, csv_name="06_studies")


def show_votes(df: pd.DataFrame, output_dir: str | None) -> HTML:
    report = evidence.vote_count(df, "direction_report").assign(läsning="Rapportens räkning")
    source = evidence.vote_count(df, "direction_source").assign(läsning="Källornas sammanfattningar")
    both = pd.concat([report, source], ignore_index=True)
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    sns.barplot(data=both, y="label", x="studies", hue="läsning", ax=ax, palette=["#2e7d32", "#1f5fa8"],
                order=[evidence.DIRECTIONS[d] for d in evidence.DIRECTIONS if d in set(both["direction"])])
    ax.set_xlabel("Antal studier")
    ax.set_ylabel("")
    ax.legend(title="", fontsize=8)
    fig.tight_layout()
    table = both[["läsning", "label", "studies", "which"]]
    return HTML(nb.show_figure(fig, "Antal studier per riktning", output_dir, "06_votes").data
                + nb.show_table(table, {}, {"läsning": "Läsning", "label": "Riktning", "studies": "Studier", "which": "Vilka"},
                                output_dir=output_dir, csv_name="06_vote_count").data)


def show_meta_analysis(df: pd.DataFrame, output_dir: str | None) -> HTML:
    pool, rest = evidence.poolable(df)
    parts = []
    if len(pool) >= 2:
        res = evidence.random_effects(pool["estimate"].to_numpy(), pool["se_used"].to_numpy())
        rows = pool.assign(label=pool["study"] + " (" + pool["horizon"].astype(str) + ")",
                           ci_low=pool["estimate"] - 1.959964 * pool["se_used"], ci_high=pool["estimate"] + 1.959964 * pool["se_used"])
        from fou.effects.figures import forest_figure

        fig = forest_figure(rows[["label", "estimate", "ci_low", "ci_high"]], res, "Skillnad privat mot offentlig, procentenheter")
        parts.append(nb.show_figure(fig, "Skogsdiagram", output_dir, "06_forest").data)
        parts.append(nb.show_notes([f"Poolad skattning {format_number(res['estimate'], 2)} "
                                    f"(95 % KI {format_number(res['ci_low'], 2)} till {format_number(res['ci_high'], 2)}), "
                                    f"k = {res['k']}, τ² = {format_number(res['tau2'], 3)}, I² = {format_number(100 * res['i2'], 0)} %, "
                                    f"Q = {format_number(res['q'], 2)}"], "Metaanalys").data)
    else:
        parts.append(nb.show_notes([f"Ingen metaanalys: {len(pool)} skattning(ar) har ett publicerat medelfel eller "
                                    "konfidensintervall i de källor som nåtts, minst två behövs. Inga medelfel hittas på. "
                                    "Lägg till publicerade medelfel i data/evidence/private_vs_public.csv (med källa) så poolas de här."],
                                   "Poolning inte möjlig").data)
    parts.append(nb.show_table(rest[["study", "outcome", "estimate", "unit", "reason"]], {"estimate": 1},
                               {"study": "Studie", "outcome": "Utfall", "estimate": "Skattning", "unit": "Enhet",
                                "reason": "Varför den inte poolas"}, caption="Skattningar som inte kan poolas").data)
    return HTML("\n".join(parts))
