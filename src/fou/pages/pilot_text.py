"""Swedish words of the pilot page (notebook 08), computed from the pilot list, the data and the
shipped reference data: the design's counts, the 2021 roll-out, and simulated p-values printed
only to the precision their draws support."""

from __future__ import annotations

import pandas as pd

from fou.extracts.swedish import format_number, format_p, p_decimals, plural, year_span

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december"]
COMPARISONS = {"not_yet_treated": "kommuner utan Rusta och matcha ännu",
               "treated_during_2021": "fick Rusta och matcha under 2021",
               "treated_since_2021": "har Rusta och matcha sedan 2021"}


def comparison_label(value: str) -> str:
    """The Swedish name of a ``comparison`` value of ``pilot_att.csv``."""
    if value in COMPARISONS:
        return COMPARISONS[value]
    kind, _, year = value.rpartition("_")
    return {"treated_during": f"fick Rusta och matcha under {year}",
            "treated_since": f"har Rusta och matcha sedan {year}"}.get(kind, value)


def date_sv(day: pd.Timestamp) -> str:
    """``18 maj 2021``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_simulated_p(p: float, mc_se: float) -> str:
    """A simulated p-value to the precision its draws support (:func:`fou.extracts.swedish.p_decimals`:
    no finer than twice its Monte Carlo standard error); ``< 0,01`` below the last digit."""
    return format_p(p, p_decimals(mc_se))


def rollout_sentence(stages: pd.DataFrame) -> str:
    """The 2021 stages as one clause: ``53 kommuner från 18 maj, 101 från 1 oktober och 104 från 7 december 2021``."""
    parts = [f"{format_number(int(r.municipalities))}{' kommuner' if i == 0 else ''} från {date_sv(r.start)[:-5]}"
             for i, r in enumerate(stages.itertuples())]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]
    return f"{text} {stages['start'].iloc[-1].year}"


def intro(facts: dict, stages: pd.DataFrame, source: str, region_pilots: list[str], region_size: int) -> str:
    """The page's first paragraph, from the pilot list, the data and the roll-out's reference data."""
    total = int(stages["municipalities"].sum())
    own = f" (pilotlistan {source})" if source else ""
    text = (f"Från april {facts['cohort']} prövades <em>Kundval Rusta och matcha</em> (KROM), tjänster hos fristående "
            f"aktörer, i {plural(facts['pilots'], 'kommun', 'kommuner')}{own} i "
            f"{plural(facts['counties'], 'län', 'län')}. Resten av landet fick tjänsten under {stages['start'].iloc[0].year} "
            f"i {plural(len(stages), 'etapp', 'etapper')}: {rollout_sentence(stages)}, sammanlagt "
            f"{format_number(total)} kommuner (Arbetsförmedlingen; källorna i <code>data/reference/</code>). ")
    if region_pilots:
        text += (f"{len(region_pilots)} av Göteborgsregionens {region_size} kommuner var piloter: "
                 f"{', '.join(region_pilots)}. ")
    else:
        text += f"Ingen av Göteborgsregionens {region_size} kommuner var pilot. "
    return text + ("Om fristående aktörer påverkade kommunernas arbetsmarknadsverksamhet borde det synas först i "
                   "pilotkommunerna.")


def design(facts: dict, stages: pd.DataFrame) -> list[str]:
    """The design paragraphs: the clean year, the contaminated years, the placebo years and the data's coverage."""
    first = stages.iloc[0]
    placebo = year_span(range(facts["first_year"], facts["base"]))
    n_years = facts["last_year"] - facts["first_year"] + 1
    paras = [
        f"Med årsdata är <strong>{facts['cohort']} det enda rena efteråret</strong>: då hade pilotkommunerna KROM och "
        f"övriga ännu inte. Redan från {date_sv(first.start)} fick {format_number(int(first.municipalities))} "
        f"kommuner Rusta och matcha, sedan resten i {plural(len(stages) - 1, 'etapp', 'etapper')} till och med "
        f"{date_sv(stages['start'].iloc[-1])}, och {facts['last_year']} hade alla den. Jämförelsegruppen "
        f"{year_span(range(first.start.year, facts['last_year'] + 1))} är alltså kommuner som <em>fick Rusta och "
        "matcha under 2021</em> (kolumnen <code>comparison</code> i <code>pilot_att.csv</code>): skillnaderna de åren "
        "jämför piloterna med kommuner som också hade fristående aktörer och redovisas, tydligt markerade, som "
        "<em>kontaminerade</em>. Arbetsförmedlingens listor över vilka kommuner som ingick i varje etapp har inte gått "
        "att hitta i det offentliga material som nåtts, så kohorterna 2021 kan inte skiljas åt och en skattning med "
        "alla kohorter (med decemberkohorten som ännu inte behandlad 2021) går inte att göra.",
        f"Skattningen följer Callaway och Sant'Anna (2021): för varje år <em>t</em> jämförs förändringen från "
        f"{facts['base']} (året före starten) till <em>t</em> i pilotkommunerna med samma förändring i övriga kommuner, "
        f"ATT({facts['cohort']}, <em>t</em>). För {placebo} ger samma jämförelse <em>placeboeffekter</em>: om piloterna "
        "redan före starten utvecklades annorlunda syns det där.",
        f"U40455 är tunt: {plural(facts['balanced'], 'kommun', 'kommuner')} av {facts['with_outcome']} med uppgift har "
        f"uppgift alla {n_years} år ({facts['first_year']}–{facts['last_year']}), bland dem "
        f"{plural(facts['balanced_pilots'], 'pilot', 'piloter')}; {facts['pilots_both']} av {facts['pilots']} piloter "
        f"och {facts['comparison_both']} av {facts['comparison']} övriga kommuner har uppgift både {facts['base']} och "
        f"{facts['cohort']}. Figuren och tabellen nedan visar hur många kommuner som har uppgift varje år."]
    if facts["shipped_pilots_in_comparison"]:
        paras.append(f"Observera: {plural(facts['shipped_pilots_in_comparison'], 'kommun', 'kommuner')} bland "
                     "jämförelsekommunerna var KROM-piloter enligt Arbetsförmedlingens lista, så med den här "
                     f"pilotlistan är jämförelsen {facts['cohort']} inte ren.")
    return paras


def precision_note(draws: int, mc_se_at_005: float) -> str:
    """How the simulated p-values are printed."""
    return (f"p-värden från simulering (vild bootstrap, randomisering) har ett slumpfel eftersom de bygger på "
            f"{format_number(draws)} dragningar: Monte Carlo-medelfelet √(p(1 − p)/B) är "
            f"{format_number(mc_se_at_005, 4)} vid p = 0,05. De visas bara med så många decimaler som medelfelet "
            "tillåter (sista siffran inte finare än två medelfel); medelfelen står i <code>pilot_inference.csv</code> "
            "(kolumnerna <code>…_mc_se</code>).")
