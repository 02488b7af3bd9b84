"""Swedish words of the experiment page: labels, what each estimate compares, and the
plain-language summary of the main outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from fou.effects.experiment.estimands import AMOUNT_UNITS
from fou.extracts.swedish import MINUS, format_number, format_p, is_missing, p_decimals, plural

OUTCOME_LABELS = {"emploidur": "Varaktigt arbete", "cdd6m": "Visstidsanställning minst 6 mån", "cdi": "Fast anställning",
                  "emploi": "I arbete", "tempsc": "Heltid", "salaire": "Lön"}
SHORT = {"direct": "Lottade", "spillover": "Icke lottade i behandlade marknader", "within_market": "Inom marknad",
         "late": "Deltagande (LATE)", "late_shared_spillover": "Deltagande (LATE, delad spridning)",
         "market": "Hela marknaden"}
TERM_LABELS = {
    "direct": "Lottade mot marknader utan behandling",
    "spillover": "Icke lottade i behandlade marknader mot marknader utan behandling",
    "within_market": "Lottade mot icke lottade i samma marknad",
    "late": "Effekt av att delta (LATE) mot marknader utan behandling",
    "late_shared_spillover": "Effekt av att delta (LATE) mot icke deltagande i samma marknad (delad spridning)",
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
                         "Antagande (exklusionsrestriktion): lottningen verkar bara genom deltagandet, och lottade som "
                         "inte deltog påverkas inte av att andra i deras marknad coachades; de klarar sig som i en "
                         "marknad utan behandling."),
    ("Effekt av att delta, delad spridning (late_shared_spillover)", "Samma 2SLS men med ”behandlad marknad” som "
                         "kontroll i stället för spridningstermen. Antagande: lottningen verkar bara genom deltagandet, "
                         "och lottade som inte deltog delar marknadens spridningseffekt med de icke lottade. Då är "
                         "skattningen effekten av att delta jämfört med att inte delta i samma behandlade marknad (en "
                         "gemensam spridningseffekt för alla andelar behandlade)."),
    ("Hela marknaden (market_25 … market_100)", "Alla arbetssökande i marknader med en viss andel behandlade mot "
                         "marknader utan behandling: vad en hel marknad vinner, när både de coachade och de andra räknas."),
]


#: Swedish names of known variables of the Crépon file (the page shows the name and the variable).
VARIABLE_LABELS = {"homme": "kön", "couple": "sammanboende", "age": "ålder", "diplome": "utbildningsnivå",
                   "anonale": "lokal arbetsmarknad", "noq": "kvintett av marknader",
                   "anonreg": "region", "session": "kohort", "pct0": "andel behandlade i marknaden",
                   "assigned": "lottad", "signopp": "deltog", "emploiav": "i arbete vid lottningen"}
#: Labels of the two groups of known binary variables.
GROUP_LABELS = {"homme": ("kvinnor", "män"), "couple": ("ej sammanboende", "sammanboende")}
#: Known cluster variables: the cluster's name in singular and plural (the market variable is always "marknad").
CLUSTER_WORDS = {"anonale": ("marknad", "marknader"), "noq": ("kvintett", "kvintetter"),
                 "anonreg": ("region", "regioner"), "session": ("kohort", "kohorter")}


def variable_label(name: str) -> str:
    """``kön (homme)`` for a known variable, else the variable's name."""
    return f"{VARIABLE_LABELS[name]} ({name})" if name in VARIABLE_LABELS else name


def group_label(name: str, value: int) -> str:
    """``män`` for homme = 1, else ``x = 1``."""
    return GROUP_LABELS[name][value] if name in GROUP_LABELS else f"{name} = {value}"


def cluster_words(cluster: str, market: str) -> tuple[str, str]:
    """Singular and plural of what a cluster is: ``marknad``/``marknader`` for the market
    variable, a known variable's word, else ``kluster (variabel X)``."""
    if cluster == market:
        return CLUSTER_WORDS["anonale"]
    if cluster in CLUSTER_WORDS:
        return CLUSTER_WORDS[cluster]
    return f"kluster (variabel {cluster})", f"kluster (variabel {cluster})"


def clusters_text(n: int, cluster: str, market: str) -> str:
    """``235 marknader``, ``47 kvintetter``, ``10 kluster (variabel x)``."""
    one, many = cluster_words(cluster, market)
    return plural(n, one, many)


@dataclass(frozen=True)
class Unit:
    """How an outcome's effects are shown: a 0/1 outcome as a share (differences in
    percentage points), any other in its own unit (``salaire`` in euro)."""

    share: bool
    name: str  # the unit of a difference: "procentenheter", "euro", "enheter av x"

    @property
    def scale(self) -> float:
        return 100.0 if self.share else 1.0

    @property
    def decimals(self) -> int:
        return 1 if self.share else 0

    def diff(self, value: float, signed: bool = True) -> str:
        """``+0,6`` / ``−81`` in the unit (without the unit's name); i.u. for missing."""
        if is_missing(value):
            return "i.u."
        text = format_number(self.scale * value, self.decimals)
        zero = format_number(0, self.decimals)
        return "+" + text if signed and not text.startswith(MINUS) and text != zero else text

    def level(self, value: float) -> str:
        """A level: ``47,3 %`` of people, or ``1 310 euro`` on average."""
        if self.share:
            return f"{format_number(100 * value, 1)} %"
        return f"{format_number(value, self.decimals)} {self.name}"


def unit_for(outcome: str, kind: str) -> Unit:
    """The :class:`Unit` of an outcome of kind ``share`` or ``amount`` (see :func:`~fou.effects.experiment.estimands.outcome_kind`)."""
    if kind == "share":
        return Unit(True, "procentenheter")
    return Unit(False, AMOUNT_UNITS.get(outcome, f"enheter av {outcome}"))  # euro is the same word in Swedish


def p_adjusted_text(p: float, mc_se: float) -> str:
    """A Romano–Wolf p-value printed to the precision its Monte Carlo error supports."""
    return format_p(p, p_decimals(mc_se))


def se_note(cluster: str, market: str) -> str:
    """The small-sample convention of every standard error on the page, stated once."""
    which = f"{cluster}, marknaden" if cluster == market else f"{variable_label(cluster)}, {cluster_words(cluster, market)[1]}"
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
    return Unit(True, "procentenheter").diff(value, signed)


def p_text(p: float, name: str = "p", mc_se: float | None = None) -> str:
    """``p = 0,172`` or ``p < 0,001``; a simulated p-value (``mc_se``) only to the precision its draws support."""
    if is_missing(p):
        return f"{name} i.u."
    shown = format_p(p) if mc_se is None else p_adjusted_text(p, mc_se)
    return f"{name} {shown}" if shown.startswith("<") else f"{name} = {shown}"


def interval(row: pd.Series, unit: Unit | None = None) -> str:
    unit = unit or Unit(True, "procentenheter")
    return f"95 % KI {unit.diff(row['ci_low'], False)} till {unit.diff(row['ci_high'], False)}"


def _significance(row: pd.Series) -> str:
    raw, adj = row["p_value"], row["p_adjusted"]
    adj_text = p_text(adj, "justerat p", row.get("p_mc_se"))
    if raw >= 0.05:
        return f"inte statistiskt säkerställt, {p_text(raw)}"
    if adj >= 0.05:
        return f"{p_text(raw)}, men inte efter justering för många test ({adj_text})"
    return f"statistiskt säkerställt, {p_text(raw)}, {adj_text}"


def summary(main: pd.DataFrame, outcome: str, wave: int, n: int, clusters: str, control_mean: float,
            unit: Unit | None = None) -> list[str]:
    """Paragraphs on the main outcome at one wave: direct effect, displacement, and why
    the within-market contrast is not the effect of assignment. ``main`` is indexed by term;
    ``clusters`` is the count of clusters in words (``235 marknader``)."""
    unit = unit or Unit(True, "procentenheter")
    label = outcome_label(outcome).lower()
    d, s = main.loc["direct"], main.loc["spillover"]
    u = unit.name
    if unit.share:
        first = (f"Huvudutfallet är {label} ({outcome}) vid enkätomgång {wave}; i marknader där ingen behandlades hade "
                 f"{unit.level(control_mean)} av de svarande det. Lottade arbetssökande hade en andel i {label} som var "
                 f"{unit.diff(d['estimate'])} {u} jämfört med arbetssökande i marknader där ingen behandlades")
    else:
        first = (f"Huvudutfallet är {label} ({outcome}) vid enkätomgång {wave}, i {u}; i marknader där ingen behandlades "
                 f"var medelvärdet {unit.level(control_mean)} bland dem med ett värde. Lottade arbetssökande hade i genomsnitt "
                 f"{unit.diff(d['estimate'])} {u} jämfört med arbetssökande i marknader där ingen behandlades")
    out = [f"{first} ({interval(d, unit)}; {_significance(d)}; n = {format_number(n)} personer i {clusters})."]
    if s["estimate"] < 0:
        verdict = ("Det är undanträngning: de icke lottade fick det sämre för att andra i deras marknad coachades"
                   if s["p_value"] < 0.05 else
                   "Det pekar mot undanträngning (de coachade tar jobb som andra annars hade fått), men skillnaden "
                   "är osäker")
    else:
        verdict = "Här syns ingen undanträngning"
    out.append(f"Icke lottade i behandlade marknader hade {unit.diff(s['estimate'])} {u} mot marknader utan "
               f"behandling ({interval(s, unit)}; {_significance(s)}). {verdict}.")
    if "within_market" in main.index:
        w = main.loc["within_market"]
        out.append(f"Den vanliga jämförelsen inom marknader, lottade mot icke lottade i samma marknad, ger "
                   f"{unit.diff(w['estimate'])} {u}. Enligt designen motsvarar den direkt effekt minus "
                   f"spridningseffekt, inte effekten av att lottas: med alla marknader sammanvägda är skillnaden "
                   f"{unit.diff(d['estimate'])} − ({unit.diff(s['estimate'])}) = {unit.diff(d['estimate'] - s['estimate'])}; "
                   f"jämförelsen inom marknad använder bara marknader med både lottade och icke lottade och väger dem "
                   f"annorlunda. När de icke lottade trängs undan ser coachningen bättre ut i den jämförelsen än den är.")
    return out


def late_paragraphs(main: pd.DataFrame, unit: Unit, displacement: float) -> list[str]:
    """The two LATEs of the main outcome at one wave, each with its exclusion restriction."""
    if "late" not in main.index or "late_shared_spillover" not in main.index:
        return []
    a, b = main.loc["late"], main.loc["late_shared_spillover"]
    u = unit.name
    return [
        f"Effekten av att delta (LATE) är {unit.diff(a['estimate'])} {u} (medelfel {unit.diff(a['std_error'], False)}; "
        f"{interval(a, unit)}; {_significance(a)}). Den förutsätter att lottningen bara verkar genom deltagandet och att lottade som inte "
        f"deltog inte påverkas av att andra i deras marknad coachades, de räknas som i en marknad utan behandling "
        f"(exklusionsrestriktionen). Sidan visar själv en spridningseffekt på de icke lottade på "
        f"{unit.diff(displacement)} {u}; delar de lottade som avstod den, håller inte antagandet.",
        f"Om de lottade som inte deltog i stället delar marknadens spridningseffekt med de icke lottade (kontroll för "
        f"behandlad marknad i stället för spridningstermen) är effekten av att delta {unit.diff(b['estimate'])} {u} "
        f"(medelfel {unit.diff(b['std_error'], False)}; {interval(b, unit)}; {_significance(b)}): effekten av att delta jämfört med att inte "
        f"delta i samma behandlade marknad. Vilken av de två som gäller avgörs inte av data; skillnaden mellan dem visar "
        f"hur mycket slutsatsen hänger på antagandet."]


def waves_sentence(table: pd.DataFrame, outcome: str, unit: Unit | None = None) -> str:
    """Range of the direct and spillover effects over the waves."""
    unit = unit or Unit(True, "procentenheter")
    t = table[table["outcome"] == outcome]
    parts = []
    for term in ("direct", "spillover"):
        v = t[t["term"] == term]["estimate"]
        if len(v):
            parts.append(f"{SHORT[term].lower()} {unit.diff(v.min())} till {unit.diff(v.max())}")
    return f"Över omgångarna {', '.join(str(w) for w in sorted(t['wave'].unique()))} ligger effekterna på " \
           f"{outcome_label(outcome).lower()} i {unit.name} mellan: {'; '.join(parts)}."


def weighting_text(weighting: str, column: str | None) -> str:
    """Which weighting the page uses (the header's "Vikter" row)."""
    if weighting == "design":
        return ("designvikter (weights=design): varje person med inversen av sannolikheten för sin egen lottning givet "
                "marknadens andel behandlade (lottade 1/andel, icke lottade 1/(1 − andel), marknader utan behandling 1), "
                "som i Crépon m.fl. 2013")
    if weighting == "column":
        return f"kolumnen {column}"
    return "inga (alla väger lika; designvikter med weights=design)"


def amount_caveat(outcome: str, unit: Unit) -> str:
    """Why an amount's effect among those with a value is not a causal effect by itself."""
    return (f"{outcome_label(outcome)} är ett belopp i {unit.name}, inte en andel: skattningarna är skillnader i "
            f"{unit.name} bland dem som har ett värde. Saknas värdet för dem utan arbete (som för lön), blandar "
            f"skillnaden effekten med vilka som får ett värde; Lee-gränserna nedan avgränsar effekten för dem som skulle "
            f"ha ett värde oavsett grupp.")


def mde_note(unit: Unit) -> str:
    """How the minimum detectable effects are computed."""
    return (f"Minsta upptäckbara effekt (MDE): den sanna effekt som ett tvåsidigt test på 5 % nivå upptäcker med 80 % "
            f"sannolikhet, (1,96 + 0,84) × medelfelet ≈ 2,8 × medelfelet, i {unit.name}. Effekter mindre än så kan "
            f"experimentet inte skilja från noll med rimlig säkerhet; en icke signifikant skattning betyder inte att "
            f"effekten är noll.")


def collision_note(by: str) -> str:
    """A covariate that is also the heterogeneity variable."""
    return (f"{variable_label(by)} är både kovariat och variabeln effekterna delas upp efter. I regressionen per grupp "
            f"ingår den som gruppens egen nivå (huvudeffekt) och tas därför bort bland kovariaterna; i övriga "
            f"skattningar är den kovariat som angivet.")


def lee_notes(complete_waves: list[int], outcome: str, unit: Unit, clusters: str) -> list[str]:
    """Where Lee bounds apply, and where and why not."""
    notes = [f"Omgång {w}: alla i urvalet har ett värde, så inget bortfall finns att avgränsa och Lee-gränser behövs "
             f"inte (de vore lika med skillnaden); omgången visas inte i tabellen." for w in complete_waves]
    notes.append("Lee-gränserna gäller under antagandet att lottningen bara ändrar vem som svarar i en riktning "
                 "(monotonicitet) och avgränsar effekten för dem som skulle ha svarat oavsett grupp. Medelfelen kommer "
                 f"från en klusterbootstrap över {clusters}.")
    if not unit.share:
        notes.append(f"{outcome_label(outcome)} är ett belopp som bara finns för en del av de svarande; gränserna "
                     f"behandlar saknat värde som urval (Lee 2009:s lönefall) och gäller dem som skulle ha ett värde "
                     f"oavsett grupp.")
    return notes


def multiple_testing(outcomes: int, waves: int, family: int, draws: int, cluster: str) -> list[str]:
    """The note on Romano–Wolf p-values, with their Monte Carlo precision."""
    se = (0.05 * 0.95 / draws) ** 0.5
    return [f"Sidan prövar många hypoteser: {outcomes} utfall × {waves} omgångar för varje jämförelse. Kolumnen "
            f"”p justerat” är Romano–Wolfs stegvisa justering inom en familj = en jämförelse (till exempel ”lottade”) "
            f"över alla utfall och omgångar ({family} test), med {format_number(draws)} dragningar av en vild "
            f"klusterbootstrap (Rademachervikter per {cluster}). Den kontrollerar risken för minst ett falskt fynd i "
            f"familjen och är aldrig lägre än det ojusterade p-värdet.",
            f"De justerade p-värdena är simulerade: deras Monte Carlo-medelfel är √(p(1 − p)/B), "
            f"{format_number(se, 4)} vid p = 0,05 med B = {format_number(draws)} dragningar, och de visas bara med så "
            f"många decimaler som dragningarna bär (kolumnen p_mc_se i resultattabellen)."]
