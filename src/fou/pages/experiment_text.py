"""Swedish words of the experiment page: labels, what each estimate compares, and the
plain-language summary of the main outcome."""

from __future__ import annotations

import re

import pandas as pd

from fou.extracts.swedish import MINUS, format_number, format_p, is_missing

OUTCOME_LABELS = {"emploidur": "Varaktigt arbete", "cdd6m": "Visstidsanställning minst 6 mån", "cdi": "Fast anställning",
                  "emploi": "I arbete", "tempsc": "Heltid", "salaire": "Lön"}
SHORT = {"direct": "Lottade", "spillover": "Icke lottade i behandlade marknader", "within_market": "Inom marknad",
         "late": "Deltagande (LATE)", "market": "Hela marknaden"}
TERM_LABELS = {
    "direct": "Lottade mot marknader utan behandling",
    "spillover": "Icke lottade i behandlade marknader mot marknader utan behandling",
    "within_market": "Lottade mot icke lottade i samma marknad",
    "late": "Effekt av att delta (LATE) mot marknader utan behandling",
    "market": "Alla i marknaden mot marknader utan behandling",
}
ESTIMANDS = [
    ("Lottade (direct)", "Arbetssökande som lottades till coachning (alla i behandlade marknader) jämförda med "
                         "arbetssökande i marknader där ingen behandlades (andel 0). Effekten av att lottas, inklusive "
                         "det som händer i den egna marknaden."),
    ("Icke lottade i behandlade marknader (spillover)", "Arbetssökande som inte lottades men bor i en marknad där andra "
                         "fick coachning, jämförda med marknader utan behandling. Ett negativt värde är undanträngning: "
                         "de coachade tar jobb som andra annars hade fått."),
    ("Per andel behandlade (direct_25 … direct_100, spillover_25 … spillover_75)", "Samma två jämförelser för varje "
                         "andel behandlade i marknaden (25, 50, 75, 100 %). Vid 100 % finns inga icke lottade."),
    ("Inom marknad (within_market)", "Lottade mot icke lottade i samma marknad (marknadsfixa effekter, marknader med "
                         "både lottade och icke lottade). Enligt designen är det ungefär den direkta effekten minus "
                         "spridningseffekten, inte effekten av att lottas: om de icke lottade trängs undan ser coachningen "
                         "bättre ut här än den är."),
    ("Effekt av att delta (late)", "Deltagande (take-up) instrumenterat med lottningen (2SLS), med spridningstermen som "
                         "kontroll: effekten för dem som deltog för att de lottades, mot marknader utan behandling. "
                         "Förutsätter att lottning utan deltagande inte påverkar utfallet."),
    ("Hela marknaden (market_25 … market_100)", "Alla arbetssökande i marknader med en viss andel behandlade mot "
                         "marknader utan behandling: vad en hel marknad vinner, när både de coachade och de andra räknas."),
]


def se_note(cluster: str, market: str) -> str:
    """The small-sample convention of every standard error on the page, stated once."""
    which = f"{cluster}, marknaden" if cluster == market else cluster
    return (f"Medelfelen är klusterrobusta (CRV1, kluster: {which}) med samma småstickprovskorrektion som fixest och "
            "pyfixest: G/(G − 1)·(N − 1)/(N − K), där G är antalet kluster, N antalet observationer och K "
            "regressorerna plus nivåerna i de strata-fixa effekter som inte ligger inom klustren (fixa effekter som "
            "ligger inom klustren räknas som en). Konfidensintervall och p-värden använder t-fördelningen med G − 1 "
            "frihetsgrader. Personer ensamma i en nivå av de fixa effekterna (singletons) tas bort först, som i pyfixest.")


def term_label(term: str) -> str:
    """Swedish label of a term such as ``direct_25``."""
    m = re.fullmatch(r"(direct|spillover|market)_(\d+)", term)
    if m:
        return f"{TERM_LABELS[m.group(1)]}, andel {m.group(2)} %"
    return TERM_LABELS.get(term, term)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def pp(value: float, signed: bool = True) -> str:
    """Percentage points with one decimal, ``+0,6`` / ``−2,2``; i.u. for missing."""
    if is_missing(value):
        return "i.u."
    text = format_number(100 * value, 1)
    return "+" + text if signed and not text.startswith(MINUS) and text != "0,0" else text


def p_text(p: float, name: str = "p") -> str:
    """``p = 0,172`` or ``p < 0,001``."""
    if is_missing(p):
        return f"{name} i.u."
    shown = format_p(p)
    return f"{name} {shown}" if shown.startswith("<") else f"{name} = {shown}"


def interval(row: pd.Series) -> str:
    return f"95 % KI {pp(row['ci_low'], False)} till {pp(row['ci_high'], False)}"


def _significance(row: pd.Series) -> str:
    raw, adj = row["p_value"], row["p_adjusted"]
    if raw >= 0.05:
        return f"inte statistiskt säkerställt, {p_text(raw)}"
    if adj >= 0.05:
        return f"{p_text(raw)}, men inte efter justering för många test ({p_text(adj, 'justerat p')})"
    return f"statistiskt säkerställt, {p_text(raw)}, {p_text(adj, 'justerat p')}"


def summary(main: pd.DataFrame, outcome: str, wave: int, n: int, clusters: int, control_mean: float) -> list[str]:
    """Paragraphs on the main outcome at one wave: direct effect, displacement, and why
    the within-market contrast is not the effect of assignment. ``main`` is indexed by term."""
    label = outcome_label(outcome).lower()
    d, s = main.loc["direct"], main.loc["spillover"]
    out = [f"Huvudutfallet är {label} ({outcome}) vid enkätomgång {wave}; i marknader där ingen behandlades hade "
           f"{format_number(100 * control_mean, 1)} % av de svarande det. Lottade arbetssökande hade en andel i "
           f"{label} som var {pp(d['estimate'])} procentenheter jämfört med arbetssökande i marknader där ingen "
           f"behandlades ({interval(d)}; {_significance(d)}; n = {format_number(n)} personer i {clusters} marknader)."]
    if s["estimate"] < 0:
        verdict = ("Det är undanträngning: de icke lottade fick det sämre för att andra i deras marknad coachades"
                   if s["p_value"] < 0.05 else
                   "Det pekar mot undanträngning (de coachade tar jobb som andra annars hade fått), men skillnaden "
                   "är osäker")
    else:
        verdict = "Här syns ingen undanträngning"
    out.append(f"Icke lottade i behandlade marknader hade {pp(s['estimate'])} procentenheter mot marknader utan "
               f"behandling ({interval(s)}; {_significance(s)}). {verdict}.")
    if "within_market" in main.index:
        w = main.loc["within_market"]
        out.append(f"Den vanliga jämförelsen inom marknader, lottade mot icke lottade i samma marknad, ger "
                   f"{pp(w['estimate'])} procentenheter. Enligt designen motsvarar den direkt effekt minus "
                   f"spridningseffekt, inte effekten av att lottas: med alla marknader sammanvägda är skillnaden "
                   f"{pp(d['estimate'])} − ({pp(s['estimate'])}) = {pp(d['estimate'] - s['estimate'])}; jämförelsen "
                   f"inom marknad använder bara marknader med både lottade och icke lottade och väger dem annorlunda. "
                   f"När de icke lottade trängs undan ser coachningen bättre ut i den jämförelsen än den är.")
    return out


def waves_sentence(table: pd.DataFrame, outcome: str) -> str:
    """Range of the direct and spillover effects over the waves."""
    t = table[table["outcome"] == outcome]
    parts = []
    for term in ("direct", "spillover"):
        v = t[t["term"] == term]["estimate"]
        if len(v):
            parts.append(f"{SHORT[term].lower()} {pp(v.min())} till {pp(v.max())}")
    return f"Över omgångarna {', '.join(str(w) for w in sorted(t['wave'].unique()))} ligger effekterna på " \
           f"{outcome_label(outcome).lower()} i procentenheter mellan: {'; '.join(parts)}."
