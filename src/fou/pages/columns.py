"""Swedish names and units of the columns in the tables pages save.

The plain CSVs keep their column ids (``municipality_id``, ``estimate``) for scripts;
the Excel versions get the Swedish names below, and ``fou run`` writes the column
dictionary ``tables/columns.csv`` (table, id, Swedish name, unit) for every published table. A KPI id as a column is named by
its Kolada title when the study knows it; a year stays a year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from fou.study import definition as study

#: id → (Swedish name, unit). The unit is empty where the column is text or an id.
LABELS: dict[str, tuple[str, str]] = {
    # units and places
    "municipality_id": ("Kommunkod", ""), "municipality": ("Kommun", ""), "area": ("Område", ""),
    "region_id": ("Regionkod", ""), "county": ("Län", ""), "county_id": ("Länskod", ""), "year": ("År", "år"),
    "kpi": ("Nyckeltal (Kolada-id)", ""), "label": ("Benämning", ""), "series": ("Serie", ""),
    "value": ("Värde", "nyckeltalets enhet"), "n": ("Antal", "antal"), "units": ("Enheter", "antal"),
    "members": ("Kommuner i gruppen", ""), "group": ("Grupp", ""), "grouping": ("Indelning", ""),
    # estimates and inference
    "outcome": ("Utfall", ""), "term": ("Skattning (estimand)", ""), "period": ("Period", ""),
    "estimate": ("Skattning", "utfallets enhet (se sidan)"), "std_error": ("Medelfel", "som skattningen"),
    "ci_low": ("95 % KI, nedre", "som skattningen"), "ci_high": ("95 % KI, övre", "som skattningen"),
    "wild_ci_low": ("95 % KI (vild bootstrap), nedre", "som skattningen"),
    "wild_ci_high": ("95 % KI (vild bootstrap), övre", "som skattningen"),
    "p_value": ("p-värde", "sannolikhet"), "p_adjusted": ("p-värde, justerat (Romano–Wolf)", "sannolikhet"),
    "p_cluster": ("p-värde (klusterrobust, CR1)", "sannolikhet"), "p_wild": ("p-värde (vild klusterbootstrap)", "sannolikhet"),
    "p_exact": ("p-värde (exakt permutationstest)", "sannolikhet"), "p_holm": ("p-värde, Holm-justerat", "sannolikhet"),
    "p_value_holm": ("p-värde (CR1), Holm-justerat", "sannolikhet"),
    "p_ri_county": ("p-värde (randomisering inom län)", "sannolikhet"),
    "p_ri_free": ("p-värde (randomisering i hela landet)", "sannolikhet"),
    "p_ri_county_holm": ("p-värde (randomisering inom län), Holm-justerat", "sannolikhet"),
    "p_mc_se": ("Monte Carlo-medelfel för p-värdet", "sannolikhet"),
    "nobs": ("Observationer", "antal"), "clusters": ("Kluster", "antal"), "n_clusters": ("Kluster", "antal"),
    "n_treated": ("Behandlade enheter", "antal"), "n_control": ("Jämförelseenheter", "antal"),
    "n_units": ("Enheter", "antal"), "n_group": ("Kommuner i gruppen", "antal"), "n_other": ("Övriga kommuner", "antal"),
    "mean_group": ("Medelvärde i gruppen", "utfallets enhet"), "mean_other": ("Medelvärde övriga", "utfallets enhet"),
    "difference": ("Skillnad", "utfallets enhet"), "permutations": ("Permutationer", "antal"), "draws": ("Dragningar", "antal"),
    "ri_counties": ("Län i randomiseringen", "antal"), "sample": ("Urval", ""), "weighting": ("Vägning", ""),
    "comparison": ("Jämförelsegrupp", ""), "method": ("Metod", ""), "q": ("Antal restriktioner", "antal"),
    "F": ("F-statistika", ""), "f_stat": ("F-statistika", ""), "wave": ("Uppföljningsomgång", ""), "by": ("Uppdelat efter", ""),
    "truth": ("Sant värde (syntetiska data)", "andel"), "covered": ("Intervallet täcker det sanna värdet", "1 = ja"),
    "trimmed_share": ("Trimmad andel", "andel"), "respondents_difference": ("Skillnad i svarsandel", "andel"),
    "lower": ("Nedre gräns", "utfallets enhet"), "upper": ("Övre gräns", "utfallets enhet"),
    "se_lower": ("Medelfel, nedre gräns", "utfallets enhet"), "se_upper": ("Medelfel, övre gräns", "utfallets enhet"),
    "people": ("Personer", "antal"), "respondents": ("Svarande", "antal"), "rate_assigned": ("Svarsandel, lottade", "andel"),
    "rate_nonassigned": ("Svarsandel, ej lottade i behandlade marknader", "andel"),
    "rate_control": ("Svarsandel, marknader utan behandling", "andel"), "share": ("Andel behandlade i marknaden", "andel"),
    "assigned": ("Lottade", "antal"), "takeup": ("Deltagande bland lottade", "andel"),
    # the report's statements
    "nr": ("Nr", ""), "statement": ("Påstående", ""), "report": ("Rapporten", ""), "computed": ("Beräknat", ""),
    "holds": ("Stämmer", "1 = ja, 0 = nej, tomt = kan inte avgöras"), "comment": ("Kommentar", ""),
    # the evidence table
    "study": ("Studie", ""), "cited_in_report_as": ("Citerad i rapporten som", ""), "country": ("Land", ""),
    "design": ("Design", ""), "randomised": ("Randomiserad", "1 = ja"), "in_report": ("I rapportens bilaga 1", "1 = ja"),
    "target_group": ("Målgrupp (källans term)", ""), "target_group_sv": ("Målgrupp", ""),
    "contrast": ("Jämförelse (källans term)", ""), "outcome_sv": ("Utfall (svenska)", ""),
    "comparison_sv": ("Jämförelsegrupp (svenska)", ""), "outcome_family": ("Utfallstyp", ""),
    "horizon": ("Tidshorisont (källans term)", ""), "horizon_sv": ("Tidshorisont", ""), "unit": ("Enhet", ""),
    "se_derivation": ("Medelfelets härledning", ""), "se_searched": ("Var medelfel söktes", ""),
    "se_reason_sv": ("Varför medelfel saknas", ""), "direction_report": ("Riktning enligt rapporten", ""),
    "direction_source": ("Riktning enligt källan", ""), "report_says_sv": ("Rapporten skriver", ""),
    "source_says_sv": ("Källan skriver", ""), "arm_sv": ("Jämförda grupper", ""), "checked": ("Kontrollerad", ""),
    "source": ("Källa", ""), "source_sv": ("Källa (svenska)", ""), "locator": ("Plats i källan", ""),
    "locator_sv": ("Plats i källan (svenska)", ""), "note": ("Anmärkning", ""), "reason": ("Skäl", ""),
    "studies": ("Studier", "antal"), "which": ("Vilka", ""), "läsning": ("Läsning", ""),
    # the experiment (page 07)
    "assumption": ("Identifierande antagande", ""), "data_source": ("Datakälla", ""),
    "mde": ("Minsta detekterbara effekt (80 % styrka, 5 % tvåsidigt)", "som skattningen"),
    "power": ("Styrka", "sannolikhet"), "alpha": ("Signifikansnivå", "sannolikhet"),
    # the national context (09): SKR's county survey, Dua's county shares, checks and correlations
    "figure": ("Figur i SKR:s rapport", ""), "question": ("Fråga", ""), "response": ("Svar (som i rapporten)", ""),
    "percent": ("Andel", "procent"), "municipalities": ("Kommuner i Kolada", "antal"),
    "respondents_max": ("Svarande, högst", "antal"), "response_rate": ("Svarsfrekvens", "procent"),
    "counts": ("Antal per svar (minsta antal svarande)", "antal"), "applicants": ("Sökande kommuner", "antal"),
    "share_sum": ("Summa av andelarna", "procent"), "sum_ok": ("Summan 100 inom avrundningen", "1 = ja"),
    "positiv_printed": ("Positiv, tryckt", "procent"), "positiv_parts": ("Positiv, summa av delarna", "procent"),
    "positiv_ok": ("Positiv stämmer", "1 = ja"), "negativ_printed": ("Negativ, tryckt", "procent"),
    "negativ_parts": ("Negativ, summa av delarna", "procent"), "negativ_ok": ("Negativ stämmer", "1 = ja"),
    "fits": ("Ett antal svarande återger raden", "1 = ja"), "check": ("Kontroll", ""), "stated": ("Uppgift", ""),
    "measure": ("Mått", ""), "variable": ("Variabel", ""), "variable_label": ("Variabelns benämning", ""),
    "n_areas": ("Län eller områden", "antal"), "rho": ("Spearmans rangkorrelation", ""),
    "exact": ("Exakt p-värde", "1 = ja"), "survey_year": ("Enkätens eller rapportens år", "år"),
    "kolada_year": ("Kolada-år", "år"),
    # the municipality profile (notebook 10)
    "role": ("Enhetens roll (kommun, län, riket)", ""), "unit_id": ("Enhetens kod", ""),
    "kommun": ("Kommunen", "nyckeltalets enhet"), "län": ("Länet", "nyckeltalets enhet"),
    "riket": ("Riket", "nyckeltalets enhet"), "rank": ("Plats i jämförelsegruppen (1 = högst värde)", "plats"),
    "group_n": ("Kommuner i jämförelsegruppen med uppgift", "antal"),
    "group_median": ("Median i jämförelsegruppen (egen beräkning)", "nyckeltalets enhet"),
    "county_mean": ("Länets kommuner, ovägt medel (egen beräkning)", "procent"),
    "county_n": ("Länets kommuner med uppgift", "antal"),
    "all_mean": ("Alla kommuner, ovägt medel (egen beräkning)", "procent"), "all_n": ("Kommuner med uppgift", "antal"),
    # pages 05, 06 and 08 (issue 19)
    "inference": ("Inferensregel (antal kluster)", "none = inga p-värden, caveat = med varning, bootstrap"),
    "krom_pilot": ("KROM-pilotkommun", "1 = ja"), "population": ("Population (kod)", ""),
    "horizon_months": ("Uppföljningstid", "månader efter anvisning"),
    "covariates": ("Kovariater (Kolada-id_år)", ""),
    "p_wild_mc_se": ("Monte Carlo-medelfel, p (vild bootstrap)", "sannolikhet"),
    "p_ri_county_mc_se": ("Monte Carlo-medelfel, p (randomisering inom län)", "sannolikhet"),
    "p_ri_free_mc_se": ("Monte Carlo-medelfel, p (randomisering i hela landet)", "sannolikhet"),
    "p_ri_county_holm_mc_se": ("Monte Carlo-medelfel, p (inom län, Holm), ungefärligt", "sannolikhet"),
}


#: Units that differ from :data:`LABELS` in one table (the table's name → id → unit).
TABLE_UNITS: dict[str, dict[str, str]] = {
    "experiment_reduced_form": {"estimate": "andel (0,01 = en procentenhet) för 0/1-utfall, annars utfallets enhet (kolumnen unit)"},
    "experiment_reduced_form_synthetic": {"estimate": "andel (0,01 = en procentenhet) för 0/1-utfall, annars utfallets enhet (kolumnen unit)"},
    "pilot_att": {"estimate": "procentenheter"}, "pilot_inference": {"estimate": "procentenheter"},
    "diagram1_referrals": {"value": "procent"},
}


_YEAR = re.compile(r"^(19|20)\d\d$")


def label(column: object) -> str:
    """The Swedish name of a column id (a KPI by its title, a year as itself, else the id)."""
    text = str(column)
    if text in LABELS:
        return LABELS[text][0]
    kpi = study.ALL_KPIS.get(text)
    return f"{kpi.label} ({text})" if kpi else text


def unit(column: object, table: str = "") -> str:
    """The unit of a column in ``table`` (empty when it is text or unknown)."""
    text = str(column)
    if text in TABLE_UNITS.get(table, {}):
        return TABLE_UNITS[table][text]
    if text in study.ALL_KPIS:
        return study.ALL_KPIS[text].unit
    if _YEAR.match(text):
        return "nyckeltalets enhet"
    return LABELS.get(text, ("", ""))[1]


def is_labelled(column: object) -> bool:
    """True when the column has a Swedish name (or is a year, or already Swedish text)."""
    text = str(column)
    return text in LABELS or label(text) != text or bool(_YEAR.match(text)) or not re.fullmatch(r"[a-z0-9_]+", text)


def swedish_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its columns renamed to their Swedish names."""
    return frame.rename(columns={c: label(c) for c in frame.columns})


DICTIONARY_COLUMNS = ("table", "column", "label", "unit")


def dictionary_rows(table: str, columns: Iterable[object]) -> list[tuple[str, str, str, str]]:
    """Rows ``table, column, label, unit`` of the column dictionary for one saved table
    (``table`` is its path under ``tables/`` without ``.csv``; units are looked up by its name)."""
    name = table.rsplit("/", 1)[-1]
    return [(table, str(c), label(c), unit(c, name)) for c in columns]
