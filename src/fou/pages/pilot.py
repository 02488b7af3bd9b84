"""The national pilot page (notebook 08): the KROM pilot as a staggered-adoption DiD.

Runs by default on the shipped national extract and pilot list. When an extract lacks
the outcome, the first block says what to fetch and the others are empty, so the
notebook ends cleanly instead of failing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.effects.pilot import analysis as pilot
from fou.effects.pilot import staggered
from fou.effects.pilot import figures as effect_plots
from fou.extracts.format import Extract
from fou.extracts.params import ParameterError
from fou.extracts.swedish import format_number, plural
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH
from fou.pages import blocks as nb
from fou.pages.html import HTML
from fou.study.inputs import open_extract

PERIODS = {"placebo": "Förperiod (placebo)", "clean": "Ren jämförelse", "contaminated": "Kontaminerad"}
SAMPLES = {"unbalanced": "Obalanserad (uppgift 2019 och året)", "balanced": "Balanserad (uppgift alla år 2016–2022)"}
WEIGHTINGS = {"unweighted": "Ovägd", "population_2019": "Vägd med invånare 2019"}
ATT_COLUMNS = {"outcome": "Utfall", "year": "År", "period": "Jämförelse", "estimate": "ATT (procentenheter)",
               "std_error": "Medelfel (CR1)", "ci_low": "KI nedre", "ci_high": "KI övre", "p_value": "p",
               "n_treated": "Piloter", "n_control": "Jämförelse­kommuner", "sample": "Urval", "weighting": "Vägning"}
DEC2 = {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_value": 3}
SE_NOTE = ("Medelfel: klusterrobusta per kommun (en lång differens per kommun, CR1 = G/(G − 1)·(N − 1)/(N − K) med "
           "K = 2, t med G − 1 frihetsgrader; samma konvention som statsmodels och fixest). "
           "TWFE-jämförelsen använder fixests standard: kommunernas fixa effekter ligger inom klustren och räknas som en.")
RI_NOTE = ("Randomiseringsinferens: pilotstatus lottas om {draws} gånger inom län (lika många piloter per län som i "
           "verkligheten; bara de fem län som har piloter varierar) och, som jämförelse, fritt bland alla kommuner. "
           "Antagande: inom ett län var det som slumpen vilka kommuner som blev piloter. Det stämmer inte helt: "
           "Arbetsförmedlingen valde sex sammanhängande områden efter samverkan med facken (pressmeddelande "
           "2019-11-06), så testet är ett känslighetstest, inte designens egen lottning. Statistikan är studentiserad "
           "(skillnaden delad med sitt medelfel).")
WEIGHT_NOTE = ("Vägning: med kommunens invånarantal 2019 (N01951). Antalet deltagare i de kommunala insatserna "
               "(KAS, U40800) finns inte för alla kommuner i Koladas nationella data, så det kan inte användas som vikt.")


class PilotPage:
    """Inputs and results of the pilot comparison."""

    def __init__(self, extract: str = pilot.NATIONAL_EXTRACT, pilots: str = "", draws: int = 999,
                 output_dir: str | None = None):
        self.output_dir = output_dir or None
        self.pilots_source = Path(pilots).name if pilots else ""
        self.draws = int(draws)
        self.problems: list[str] = []
        self.extract: Extract | None = None
        self.pilots: pd.DataFrame | None = None
        try:
            self.extract = open_extract(extract or pilot.NATIONAL_EXTRACT)
            self.pilots = pilot.load_pilots(pilots or None)
        except ParameterError as exc:
            self.problems.append(str(exc))
        if self.extract is not None and self.pilots is not None:
            try:
                pilot.check_pilots(self.pilots, self.extract.values, pilots)
            except ParameterError:
                self.problems.append(f"Extraktet {self.extract.path.name} har inga värden för pilotkommunerna: det är inte "
                                     f"ett nationellt extrakt. Kör med standardextraktet ({pilot.NATIONAL_EXTRACT}) "
                                     f"eller hämta ett med: {pilot.FETCH_HINT}")
        if self.extract is not None and not self.problems:
            absent = pilot.missing_kpis(self.extract.values, [pilot.OUTCOME])
            if absent:
                self.problems.append(f"Extraktet saknar {pilot.OUTCOME} ({pilot.OUTCOME_LABEL}). Hämta det med: {pilot.FETCH_HINT}")
        self.att = pilot.att_results(self.extract.values, self.pilots) if self.ready else pd.DataFrame()
        if self.ready:
            nb.save_csv(self.att[pilot_att_columns()], self.output_dir, "pilot_att")

    def _figure(self, draw, alt: str, name: str) -> HTML:
        """A figure drawn for the desktop and for phones."""
        return nb.show_figure(draw(DESKTOP_WIDTH), alt, self.output_dir, name, phone=draw(PHONE_WIDTH))

    @property
    def ready(self) -> bool:
        return not self.problems

    def _headline(self, outcome: str = pilot.OUTCOME, sample: str = "unbalanced", weighting: str = "unweighted") -> pd.DataFrame:
        a = self.att
        return a[(a["outcome"] == outcome) & (a["sample"] == sample) & (a["weighting"] == weighting)]

    def show_header(self) -> HTML:
        if self.extract is None:
            return nb.header_html("saknas", [("Data", "inget nationellt extrakt")])
        n = len(self.pilots) if self.pilots is not None else 0
        source = self.pilots_source or "Arbetsförmedlingen 2019-11-06"
        rows = [("Källa", self.extract.provenance()),
                ("Extrakt", f"{self.extract.manifest.get('name', self.extract.path.name)} (sha256 {self.extract.checksum[:12]}…)"),
                ("Pilotkommuner", f"{plural(n, 'kommun', 'kommuner')} ({source})" if n else "saknas"),
                ("Metod", "ATT(g = 2020, t): långa differenser mot 2019, jämförelse = kommuner utan KROM ännu")]
        return nb.header_html(self.extract.source_kind, rows)

    def show_problems(self) -> HTML:
        return nb.show_notes(self.problems, title="Analysen kan inte köras än") if self.problems else HTML("")

    def show_trends(self) -> HTML:
        if not self.ready:
            return HTML("")
        wide = staggered.wide_panel(self.extract.values, pilot.OUTCOME, pilot.DESIGN.years)
        long = wide.stack().dropna().rename("y").reset_index()
        long.columns = ["municipality_id", "year", "y"]
        long["grupp"] = long["municipality_id"].isin(set(self.pilots["municipality_id"])).map(
            {True: "Pilotkommuner (KROM från april 2020)", False: "Övriga kommuner"})
        means = long.groupby(["year", "grupp"])["y"].agg(["mean", "count"]).reset_index()
        counts = means.pivot(index="grupp", columns="year", values="count").reset_index()
        counts.columns = [str(c) for c in counts.columns]
        fig = self._figure(lambda w: effect_plots.group_means_figure(means, pilot.START, pilot.OUTCOME_LABEL, width=w),
                           "Medelvärden per år för pilotkommuner och övriga", "08_trends")
        return HTML(fig.data
                    + nb.show_table(counts, columns={"grupp": "Kommuner med uppgift"}, caption="Antal kommuner med uppgift per år").data)

    def show_att(self) -> HTML:
        """The headline: U40455 year by year, unbalanced sample, unweighted."""
        if not self.ready:
            return HTML("")
        rows = self._headline().assign(period=lambda d: d["period"].map(PERIODS))
        fig = self._figure(lambda w: effect_plots.att_event_figure(
            self._headline(), pilot.DESIGN.base, "Pilotkommuner mot kommuner utan KROM ännu, ATT per år (95 % KI)",
            "Skillnad i förändring mot 2019, procentenheter", width=w),
            "Händelsestudie: ATT per år, ren och kontaminerad jämförelse", "08_event_study")
        shown = rows.drop(columns=["outcome", "sample", "weighting", "comparison"]).assign(year=lambda d: d["year"].astype(str))
        return HTML(fig.data
                    + nb.show_table(shown, DEC2, ATT_COLUMNS, caption=f"{pilot.OUTCOME}: ATT(2020, t), obalanserat urval, ovägt").data
                    + nb.show_notes([SE_NOTE], "Så är osäkerheten beräknad").data)

    def show_pre_trends(self) -> HTML:
        if not self.ready:
            return HTML("")
        pre = pilot.pre_trends(self.extract.values, self.pilots)
        pre = pre.assign(outcome=pre["outcome"].map(pilot.OUTCOMES), sample=pre["sample"].map(SAMPLES))
        nb.save_csv(pre, self.output_dir, "pilot_pre_trends")
        return nb.show_table(pre.drop(columns=["q"]), {"F": 2, "p_value": 3},
                             {"outcome": "Utfall", "sample": "Urval", "F": "F (3 förperioder)", "p_value": "p",
                              "n_units": "Kommuner"}, caption="Gemensamt test av placeboeffekterna 2016–2018 (mot 2019)")

    def show_variants(self) -> HTML:
        if not self.ready:
            return HTML("")
        a = self.att
        rows = a[(a["outcome"] == pilot.OUTCOME) & (a["year"] == pilot.START)].copy()
        rows = rows.assign(sample=rows["sample"].map(SAMPLES), weighting=rows["weighting"].map(WEIGHTINGS))
        shown = rows[["sample", "weighting", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated", "n_control"]]
        return HTML(nb.show_table(shown, DEC2, ATT_COLUMNS, caption=f"{pilot.OUTCOME}, 2020: urval och vägning").data
                    + nb.show_notes([WEIGHT_NOTE], "Om vägningen").data)

    def show_inference(self) -> HTML:
        if not self.ready:
            return HTML("")
        inf = pilot.inference_table(self.extract.values, self.pilots, draws=self.draws)
        nb.save_csv(inf, self.output_dir, "pilot_inference")
        shown = inf.assign(outcome=inf["outcome"].map(lambda k: f"{k} {pilot.OUTCOMES[k]}"),
                           weighting=inf["weighting"].map(WEIGHTINGS))
        shown = shown[["outcome", "weighting", "estimate", "p_value", "p_wild", "wild_ci_low", "wild_ci_high",
                       "p_ri_county", "p_ri_free", "p_value_holm", "p_ri_county_holm"]]
        table = nb.show_table(
            shown, {"estimate": 2, "wild_ci_low": 2, "wild_ci_high": 2, **{c: 3 for c in shown.columns if c.startswith("p_")}},
            {"outcome": "Utfall", "weighting": "Vägning", "estimate": "ATT 2020", "p_value": "p (CR1)",
             "p_wild": "p (vild bootstrap)", "wild_ci_low": "KI nedre (bootstrap)", "wild_ci_high": "KI övre (bootstrap)",
             "p_ri_county": "p (randomisering inom län)", "p_ri_free": "p (randomisering fritt)",
             "p_value_holm": "p (CR1, Holm)", "p_ri_county_holm": "p (inom län, Holm)"},
            caption="2020 (ren jämförelse), obalanserat urval: tre sätt att bedöma osäkerheten")
        notes = [RI_NOTE.format(draws=format_number(self.draws)),
                 f"Vild bootstrap: WCR med Webbs vikter ({format_number(self.draws)} dragningar) på de långa differenserna; "
                 "intervallet är de nollvärden bootstrapen inte förkastar (testinvertering), så det stämmer med dess p-värde.",
                 "Holm: justering för att fem utfall prövas (familjevis felrisk), separat för ovägd och vägd skattning."]
        return HTML(table.data + nb.show_notes(notes, "Om p-värdena").data)

    def show_secondary(self) -> HTML:
        if not self.ready:
            return HTML("")
        a = self.att
        balanced = a[(a["sample"] == "balanced") & (a["weighting"] == "unweighted") & a["outcome"].isin(list(pilot.SECONDARY))]
        return self._figure(lambda w: effect_plots.att_event_grid(balanced, pilot.SECONDARY, pilot.DESIGN.base, width=w),
                            "Sekundära utfall: ATT per år, balanserade paneler", "08_secondary")

    def show_twfe(self) -> HTML:
        if not self.ready:
            return HTML("")
        comp = pilot.twfe_comparison(self.extract.values, self.pilots)
        nb.save_csv(comp, self.output_dir, "pilot_twfe_comparison")
        labels = {"att_2x2": "ATT 2×2: 2020 mot 2019, kommuner med uppgift båda åren (huvudskattningen)",
                  "twfe_event_study": "TWFE-händelsestudie, obalanserad panel 2016–2022",
                  "twfe_event_study_balanced": "TWFE-händelsestudie, balanserad panel",
                  "twfe_did_2020_2021": "TWFE-DiD, efterperiod 2020–21 (sidans tidigare skattning)",
                  "twfe_did_2020_2022": "TWFE-DiD, efterperiod 2020–22"}
        shown = comp.assign(method=comp["method"].map(labels))
        why = ("Varför TWFE skiljer sig: på en obalanserad panel jämför TWFE-händelsestudien inte 2020 med 2019 för samma "
               "kommuner. Kommunernas nivåer skattas från alla år de rapporterat, så kommuner som saknar 2019 eller 2020 "
               "påverkar ändå 2020-koefficienten. På den balanserade panelen är TWFE-händelsestudien exakt lika med "
               "ATT-skattningen på samma urval. TWFE-DiD med efterperiod 2020–21 eller 2020–22 använder dessutom kommuner "
               "som fick KROM hösten 2021 som kontroller (förbjudna jämförelser).")
        return HTML(nb.show_table(shown, {"estimate": 2, "std_error": 2, "p_value": 3},
                                  {"method": "Skattning", "estimate": "2020-effekt", "std_error": "Medelfel", "p_value": "p",
                                   "units": "Kommuner"}, caption=f"{pilot.OUTCOME}: ATT mot TWFE (bara som jämförelse)").data
                    + nb.show_notes([why], "Om skillnaden").data)

    def show_cross_section(self) -> HTML:
        if self.extract is None:
            return HTML("")
        table, facts = pilot.cross_section(self.extract.values)
        notes = []
        if facts.get("missing"):
            notes.append(f"Saknas i extraktet och ingår inte: {', '.join(facts['missing'])}. Hämta med: {pilot.FETCH_HINT}")
        if table.empty:
            return nb.show_notes(notes or ["Inga data för tvärsnittet."])
        notes.append(f"n = {plural(facts['nobs'], 'kommun', 'kommuner')}, R² = {format_number(facts['r2'], 2)}")
        return HTML(nb.show_table(table, {"estimate": 3, "std_error": 3, "ci_low": 3, "ci_high": 3, "p_value": 3},
                                  {"kpi": "KPI", "label": "Förklaringsvariabel", "estimate": "Skattning", "std_error": "Medelfel (HC3)",
                                   "ci_low": "KI nedre", "ci_high": "KI övre", "p_value": "p"},
                                  output_dir=self.output_dir, csv_name="08_cross_section").data + nb.show_notes(notes, "Om skattningen").data)


def pilot_att_columns() -> list[str]:
    """Columns of ``tables/pilot_att.csv``: the output contract, then period and comparison group."""
    return staggered.COLUMNS + ["period", "comparison"]
