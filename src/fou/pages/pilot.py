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
from fou.extracts.swedish import format_number, plural, year_span
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH
from fou.extracts.paths import data_dir
from fou.pages import blocks as nb
from fou.pages import pilot_text as text
from fou.pages.html import HTML
from fou.study.inputs import open_extract

PERIODS = {"placebo": "Förperiod (placebo)", "clean": "Ren jämförelse", "contaminated": "Kontaminerad"}
SAMPLES = {"unbalanced": f"Obalanserad (uppgift {pilot.DESIGN.base} och året)",
           "balanced": f"Balanserad (uppgift alla år {pilot.DESIGN.first_year}–{pilot.DESIGN.last_year})"}
WEIGHTINGS = {"unweighted": "Ovägd", "population_2019": "Vägd med invånare 2019"}
ATT_COLUMNS = {"outcome": "Utfall", "year": "År", "period": "Jämförelse", "estimate": "ATT (procentenheter)",
               "std_error": "Medelfel (CR1)", "ci_low": "KI nedre", "ci_high": "KI övre", "p_value": "p",
               "n_treated": "Piloter", "n_control": "Jämförelse­kommuner", "sample": "Urval", "weighting": "Vägning"}
DEC2 = {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_value": 3}
SE_NOTE = ("Medelfel: klusterrobusta per kommun (en lång differens per kommun, CR1 = G/(G − 1)·(N − 1)/(N − K) med "
           "K = 2, t med G − 1 frihetsgrader; samma konvention som statsmodels och fixest). "
           "TWFE-jämförelsen använder fixests standard: kommunernas fixa effekter ligger inom klustren och räknas som en.")
RI_NOTE = ("Randomiseringsinferens: pilotstatus lottas om {draws} gånger inom län (lika många piloter per län som i "
           "verkligheten; bara {counties} där en del men inte alla kommuner är piloter varierar) och, som jämförelse, fritt bland alla kommuner. "
           "Antagande: inom ett län var det som slumpen vilka kommuner som blev piloter. Det stämmer inte helt: "
           "Arbetsförmedlingen valde sex sammanhängande områden efter samverkan med facken (pressmeddelande "
           "2019-11-06), så testet är ett känslighetstest, inte designens egen lottning. Statistikan är studentiserad "
           "(skillnaden delad med sitt medelfel).")
WEIGHT_NOTE = ("Vägning: med kommunens invånarantal 2019 (N01951). Antalet deltagare i de kommunala insatserna "
               "(KAS, U40800) finns inte för alla kommuner i Koladas nationella data, så det kan inte användas som vikt.")


class PilotPage:
    """Inputs and results of the pilot comparison."""

    def __init__(self, extract: str = pilot.NATIONAL_EXTRACT, pilots: str = "", draws: int = 4999,
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
        self.facts = pilot.design_facts(self.extract.values, self.pilots) if self.ready else {}
        self.stages = pilot.load_rollout()
        if self.ready:
            nb.save_csv(self.att[pilot_att_columns()], self.output_dir, "pilot_att")

    def _text(self, paragraphs: list[str]) -> HTML:
        return HTML('<div class="fou-text">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>")

    def show_intro(self) -> HTML:
        """The first paragraph: pilots, counties and the 2021 roll-out, from the list and the data."""
        if not self.ready:
            return HTML("")
        groups = pd.read_csv(data_dir() / "reference" / "groups.csv", dtype={"member_id": str})
        region = groups[groups["group_id"] == "G96190"]
        names = region.loc[region["member_id"].isin(set(self.pilots["municipality_id"])), "member_title"].tolist()
        return self._text([text.intro(self.facts, self.stages, self.pilots_source, names, len(region))])

    def show_design(self) -> HTML:
        """Which years can be compared and how many municipalities have the outcome."""
        return self._text(text.design(self.facts, self.stages)) if self.ready else HTML("")

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
                ("Metod", "ATT(g = 2020, t): långa differenser mot 2019, jämförelse = övriga kommuner (2020 ännu utan Rusta och matcha)")]
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
        rows = rows.assign(period=[f"{p}: {text.comparison_label(c)}" if c != "not_yet_treated" else p
                                   for p, c in zip(rows["period"], rows["comparison"])])
        fig = self._figure(lambda w: effect_plots.att_event_figure(
            self._headline(), pilot.DESIGN.base, "Pilotkommuner mot övriga kommuner, ATT per år (95 % KI)",
            "Skillnad i förändring mot 2019, procentenheter", width=w),
            "Händelsestudie: ATT per år, ren och kontaminerad jämförelse", "08_event_study")
        shown = rows.drop(columns=["outcome", "sample", "weighting", "comparison"]).assign(year=lambda d: d["year"].astype(str))
        columns = {**ATT_COLUMNS, "n_control": "Övriga kommuner"}
        return HTML(fig.data
                    + nb.show_table(shown, DEC2, columns,
                                    caption=f"{pilot.OUTCOME}: ATT({pilot.START}, t), obalanserat urval, ovägt").data
                    + nb.downloads(self.output_dir, csv=["pilot_att"])
                    + nb.show_notes([SE_NOTE], "Så är osäkerheten beräknad").data)

    def show_pre_trends(self) -> HTML:
        if not self.ready:
            return HTML("")
        pre = pilot.pre_trends(self.extract.values, self.pilots)
        pre = pre.assign(outcome=pre["outcome"].map(pilot.OUTCOMES), sample=pre["sample"].map(SAMPLES))
        placebo = [y for y in pilot.DESIGN.years if pilot.DESIGN.period(y) == "placebo"]
        return nb.show_table(pre.drop(columns=["q"]), {"F": 2, "p_value": 3},
                             {"outcome": "Utfall", "sample": "Urval", "F": f"F ({len(placebo)} förperioder)", "p_value": "p",
                              "n_units": "Kommuner"},
                             caption=f"Gemensamt test av placeboeffekterna {year_span(placebo)} (mot {pilot.DESIGN.base})",
                             output_dir=self.output_dir, csv_name="pilot_pre_trends")

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
        """ATT 2020 per outcome and weighting with CR1, wild bootstrap and randomisation p-values (the
        simulated ones only to the precision their draws support) in two tables that fit the page."""
        if not self.ready:
            return HTML("")
        inf = pilot.inference_table(self.extract.values, self.pilots, draws=self.draws)
        nb.save_csv(inf, self.output_dir, "pilot_inference")
        shown = inf.assign(outcome=inf["outcome"].map(lambda k: f"{k} {pilot.OUTCOMES[k]}"),
                           weighting=inf["weighting"].map(WEIGHTINGS))
        for col in ("p_wild", "p_ri_county", "p_ri_free", "p_ri_county_holm"):  # each to the precision of its own MC error
            shown[col] = [text.format_simulated_p(p, se) for p, se in zip(inf[col], inf[f"{col}_mc_se"])]
        shown["wild_ci"] = [f"{format_number(lo, 2)} till {format_number(hi, 2)}"
                            for lo, hi in zip(inf["wild_ci_low"], inf["wild_ci_high"])]
        names = {"outcome": "Utfall", "weighting": "Vägning", "estimate": f"ATT {pilot.START}", "p_value": "p (CR1)",
                 "p_wild": "p (vild bootstrap)", "wild_ci": "95 % KI (bootstrap)", "p_ri_county": "p (randomisering inom län)",
                 "p_ri_free": "p (randomisering fritt)", "p_value_holm": "p (CR1, Holm)", "p_ri_county_holm": "p (inom län, Holm)"}
        main = nb.show_table(shown[["outcome", "weighting", "estimate", "p_value", "p_wild", "wild_ci", "p_ri_county", "p_ri_free"]],
                             {"estimate": 2, "p_value": 3}, names,
                             caption=f"{pilot.START} (ren jämförelse), obalanserat urval: tre sätt att bedöma osäkerheten")
        adjusted = nb.show_table(shown[["outcome", "weighting", "p_value_holm", "p_ri_county_holm"]], {"p_value_holm": 3}, names,
                                 caption=f"Holm-justerade p-värden ({plural(inf['outcome'].nunique(), 'utfall', 'utfall')})")
        counties = int(inf["ri_counties"].max()) if len(inf) else 0
        mc_at = float(pilot.monte_carlo_se(0.05, self.draws))
        notes = [RI_NOTE.format(draws=format_number(self.draws),
                                counties="det län" if counties == 1 else f"de {format_number(counties)} län"),
                 f"Vild bootstrap: WCR med Webbs vikter ({format_number(self.draws)} dragningar) på de långa differenserna; "
                 "intervallet är de nollvärden bootstrapen inte förkastar (testinvertering), så det stämmer med dess p-värde.",
                 text.precision_note(self.draws, mc_at),
                 f"Holm: justering för att {plural(inf['outcome'].nunique(), 'utfall', 'utfall')} prövas (familjevis "
                 "felrisk), separat för ovägd och vägd skattning."]
        return HTML(main.data + adjusted.data + nb.downloads(self.output_dir, csv=["pilot_inference"])
                    + nb.show_notes(notes, "Om p-värdena").data)

    def show_covariates(self) -> HTML:
        """The doubly robust ATT with pre-2020 covariates beside the unadjusted one, and the MDE."""
        if not self.ready:
            return HTML("")
        table = pilot.covariate_adjusted(self.extract.values, self.pilots)
        nb.save_csv(table, self.output_dir, "pilot_covariate_adjusted")
        labels = {"att_2x2": "Ojusterad 2×2 (huvudskattningen, CR1)",
                  "att_2x2_covariate_sample": "Ojusterad 2×2, kommuner med alla kovariater (CR1)",
                  "dr_did": "Dubbelt robust DiD med kovariater (Sant'Anna & Zhao 2020)"}
        shown = table.assign(method=table["method"].map(labels))[
            ["method", "estimate", "std_error", "ci_low", "ci_high", "p_value", "mde", "n_treated", "n_control"]]
        dr_row = table.set_index("method").loc["dr_did"]
        head = table.set_index("method").loc["att_2x2"]
        notes = [f"Kovariater mätta {pilot.DESIGN.base}, före starten: arbetslöshet 18–65 år (N03920), invånare med "
                 "ekonomiskt bistånd (N31807) och invånare i logaritm (N01951). Skattningen är konsistent om "
                 "antingen modellen för sannolikheten att vara pilot (logit) eller modellen för jämförelsekommunernas "
                 "förändring (linjär regression) är rätt; medelfelet kommer från skattningens influensfunktion, "
                 "intervall och p-värde från normalfördelningen.",
                 f"Minsta detekterbara effekt (MDE): den minsta sanna effekt som ett tvåsidigt test på 5 % nivå "
                 f"upptäcker med 80 % sannolikhet, (t₀,₉₇₅ + t₀,₈₀) · medelfel. För huvudskattningen "
                 f"är den {format_number(head['mde'], 1)} procentenheter: effekter mindre än så kan designen inte "
                 f"skilja från noll. Den dubbelt robusta skattningen har MDE {format_number(dr_row['mde'], 1)}."]
        return HTML(nb.show_table(shown, {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_value": 3, "mde": 1},
                                  {**ATT_COLUMNS, "method": "Skattning", "mde": "MDE (80 %)", "n_control": "Övriga kommuner"},
                                  caption=f"{pilot.OUTCOME}, {pilot.START}: med och utan justering för kovariater (ovägt)",
                                  output_dir=self.output_dir, csv_name="pilot_covariate_adjusted").data
                    + nb.show_notes(notes, "Om skattningen").data)

    def show_secondary(self) -> HTML:
        if not self.ready:
            return HTML("")
        a = self.att
        balanced = a[(a["sample"] == "balanced") & (a["weighting"] == "unweighted") & a["outcome"].isin(list(pilot.SECONDARY))]
        if balanced.empty:
            return HTML("")
        units = (balanced["n_treated"] + balanced["n_control"]).dropna()
        span = (format_number(units.min()) if units.min() == units.max()
                else f"{format_number(units.min())}–{format_number(units.max())}")
        intro = self._text([f"Balanserade paneler ({span} av {self.facts['municipalities']} kommuner), ovägda. Samma "
                            f"färger som ovan: {year_span(y for y in pilot.DESIGN.years if pilot.DESIGN.period(y) == 'contaminated')} "
                            "är kontaminerade."])
        return intro + self._figure(lambda w: effect_plots.att_event_grid(balanced, pilot.SECONDARY, pilot.DESIGN.base, width=w),
                            "Sekundära utfall: ATT per år, balanserade paneler", "08_secondary")

    def show_twfe(self) -> HTML:
        if not self.ready:
            return HTML("")
        comp = pilot.twfe_comparison(self.extract.values, self.pilots)
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
               "som fick Rusta och matcha under 2021 som kontroller (förbjudna jämförelser).")
        return HTML(nb.show_table(shown, {"estimate": 2, "std_error": 2, "p_value": 3},
                                  {"method": "Skattning", "estimate": "2020-effekt", "std_error": "Medelfel", "p_value": "p",
                                   "units": "Kommuner"}, caption=f"{pilot.OUTCOME}: ATT mot TWFE (bara som jämförelse)",
                                  output_dir=self.output_dir, csv_name="pilot_twfe_comparison").data
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
