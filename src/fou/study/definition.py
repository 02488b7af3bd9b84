"""The study's definitions: key figures (KPIs), table layouts and Swedish labels.

Source: ``study-spec.md`` and Bergström & Bothén (2023), *Kommunernas vägval i
arbetsmarknadspolitiken*, FoU i Väst, Göteborgsregionen.
"""

from __future__ import annotations

from dataclasses import dataclass

from fou.extracts.regions import RIKET_ID, RIKET_NAME  # noqa: F401  (Kolada's id and name for Sweden)
DEFAULT_REGION = "Göteborgsregionen"
DEFAULT_YEAR = 2022
DEFAULT_YEARS = (2017, 2018, 2019, 2020, 2021, 2022)
STUDY_ID = "gr-2023"


@dataclass(frozen=True)
class Kpi:
    """One Kolada key figure as the study uses it."""

    id: str
    label: str  # Swedish column label as in the report
    unit: str  # "antal", "procent", "skala", "ja/nej"
    decimals: int  # rounding in the report

    @property
    def tolerance(self) -> float:
        """Largest difference that still agrees with the report's rounding."""
        return 0.5 * 10 ** (-self.decimals) + 1e-9


POPULATION = Kpi("N01951", "Befolkningsmängd", "antal", 0)
UNEMPLOYMENT = Kpi(
    "N03932", "Arbetslöshetstal, årsmedelvärde registerbaserade arbetskraften", "procent", 1
)
ASSISTANCE = Kpi("N31825", "Andel biståndsmottagare i befolkningen, +18 år", "procent", 1)
ASSISTANCE_UNEMPLOYED = Kpi(
    "N31858", "Andel biståndsmottagare +18 år med försörjningshinder arbetslöshet", "procent", 1
)
ASSISTANCE_LONGTERM = Kpi(
    "N31814", "Andel långvarigt mottagande av biståndsmottagare + 18 år", "procent", 1
)
SORTING_KEY = Kpi("U31900", "Socioekonomisk sorteringsnyckel", "skala 1–8", 0)
ORG_ASSISTANCE = Kpi("U40826", "Ekonomiskt bistånd", "ja/nej", 0)
ORG_INTEGRATION = Kpi("U40829", "Integration och mottagande", "ja/nej", 0)
ORG_ADULT_EDUCATION = Kpi("U40828", "Vuxenutbildning", "ja/nej", 0)
ORG_KAA = Kpi("U40831", "Kommunala aktivitetsansvaret (KAA)", "ja/nej", 0)
ORG_UPPER_SECONDARY = Kpi("U40830", "Gymnasieskolan", "ja/nej", 0)
PARTICIPANTS = Kpi("U40800", "Deltagare i kommunala arbetsmarknadsinsatser", "antal", 0)
REFERRALS_AF = Kpi("U40806", "Anvisningar från Arbetsförmedlingen", "procent", 0)
REFERRALS_SOCIAL = Kpi("U40809", "Anvisningar från socialtjänsten", "procent", 0)

TABLE1 = (POPULATION,)
TABLE2 = (UNEMPLOYMENT, ASSISTANCE, ASSISTANCE_UNEMPLOYED, ASSISTANCE_LONGTERM, SORTING_KEY)
TABLE3 = (ORG_ASSISTANCE, ORG_INTEGRATION, ORG_ADULT_EDUCATION, ORG_KAA, ORG_UPPER_SECONDARY)
DIAGRAM1 = (REFERRALS_AF, REFERRALS_SOCIAL)

ALL_KPIS: dict[str, Kpi] = {
    k.id: k for k in (*TABLE1, *TABLE2, *TABLE3, PARTICIPANTS, REFERRALS_AF, REFERRALS_SOCIAL)
}

#: Swedish titles of the report's tables and diagram (``{year}``/``{years}`` filled in).
TITLES = {
    "table1": "Tabell 1. Befolkningsmängd per {year}-12-31",
    "table2": "Tabell 2. Socioekonomiska förutsättningar, år {year}, procent",
    "table3": "Tabell 3. Verksamheter som ingår i samma förvaltning som arbetsmarknadsenheten, år {year}",
    "table4": "Tabell 4. Deltagare i kommunala arbetsmarknadsinsatser {years}, antal",
    "table5": "Tabell 5. Anvisningar från Arbetsförmedlingen {years}, procent",
    "diagram1": "Diagram 1. Anvisningar från Arbetsförmedlingen respektive Socialtjänsten {years}, procent",
}

#: Report's source lines under each table.
SOURCES = {
    "table1": "Källa: Kolada/SCB",
    "table2": "Källa: Kolada (Arbetsförmedlingen, SCB, Socialstyrelsen)",
    "table3": "Källa: Kolada, Kommunal arbetsmarknadsstatistik",
    "table4": "Källa: Kolada, Kommunal arbetsmarknadsstatistik",
    "table5": "Källa: Kolada, Kommunal arbetsmarknadsstatistik",
    "diagram1": "Källa: Kolada, Kommunal arbetsmarknadsstatistik",
}

#: File stems of the exported CSV tables.
TABLE_FILES = {
    "table1": "table1_population",
    "table2": "table2_socioeconomics",
    "table3": "table3_organisation",
    "table4": "table4_participants",
    "table5": "table5_referrals_af",
    "diagram1": "diagram1_referrals",
}


def year_span(years: tuple[int, ...] | list[int]) -> str:
    """``2017–2022`` for a run of years, ``2017, 2019`` otherwise."""
    ys = sorted(years)
    if ys and ys == list(range(ys[0], ys[-1] + 1)) and len(ys) > 1:
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys)


#: Studies ``fou fetch --study`` knows: their KPIs.
STUDIES = {STUDY_ID: [k.id for k in ALL_KPIS.values()]}


def study_kpis(study_id: str) -> list[str]:
    """The KPIs of a study (``gr-2023``), or a ParameterError naming the known studies."""
    from fou.extracts.params import ParameterError

    if study_id not in STUDIES:
        raise ParameterError("study", study_id, f"known studies: {', '.join(STUDIES)}")
    return STUDIES[study_id]


def rounding_tolerances(kpis: list[str]) -> dict[str, float]:
    """Per KPI, half a unit of the report's last printed decimal (for transcribed extracts)."""
    return {k: ALL_KPIS[k].tolerance if k in ALL_KPIS else 1e-9 for k in kpis}
