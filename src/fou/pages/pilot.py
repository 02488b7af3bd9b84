"""The national pilot page: checks its inputs and shows each block, or says what is missing.

Every ``show_*`` returns HTML; when the inputs are not there (no national extract, no
pilot list, a needed KPI missing) the first block explains what to fetch and the others
are empty, so the notebook ends cleanly instead of failing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.effects import figures as effect_plots
from fou.effects import pilot
from fou.pages import blocks as nb
from fou.extracts.format import Extract
from fou.study.inputs import open_extract
from fou.extracts.params import ParameterError
from fou.pages.html import HTML
from fou.extracts.swedish import format_number


class PilotPage:
    """Inputs and results of the pilot comparison."""

    def __init__(self, extract: str, pilots: str, post_years: tuple[int, ...] = (2020, 2021),
                 output_dir: str | None = None):
        self.output_dir = output_dir or None
        self.post_years = post_years
        self.problems: list[str] = []
        self.extract: Extract | None = None
        self.pilots: pd.DataFrame | None = None
        if not extract:
            self.problems.append("Inget nationellt extrakt angivet (parametern extract). Hämta ett med: " + pilot.FETCH_HINT)
        else:
            try:
                self.extract = open_extract(extract)
            except ParameterError as exc:
                self.problems.append(str(exc))
        if not pilots:
            self.problems.append("Ingen lista över pilotkommuner angiven (parametern pilots): en CSV med kolumnen "
                                 "municipality_id för de 32 kommunerna i Arbetsförmedlingens KROM-pilot från april 2020.")
        else:
            try:
                self.pilots = pilot.load_pilots(pilots)
            except ParameterError as exc:
                self.problems.append(str(exc))
        if self.extract is not None:
            absent = pilot.missing_kpis(self.extract.values, [pilot.OUTCOME])
            if absent:
                self.problems.append(f"Extraktet saknar {', '.join(absent)} ({pilot.OUTCOME_LABEL}). Hämta det med: {pilot.FETCH_HINT}")
        self.panel = None
        if self.ready:
            self.panel = pilot.municipal_panel(self.extract.values, self.pilots)

    @property
    def ready(self) -> bool:
        return not self.problems

    def show_header(self) -> HTML:
        if self.extract is None:
            return nb.header_html("saknas", [("Data", "inget nationellt extrakt")])
        rows = [("Källa", self.extract.provenance()), ("Extrakt", str(Path(self.extract.path).name)),
                ("Pilotkommuner", str(len(self.pilots)) if self.pilots is not None else "saknas")]
        return nb.header_html(self.extract.source_kind, rows)

    def show_problems(self) -> HTML:
        return nb.show_notes(self.problems, title="Analysen kan inte köras än") if self.problems else HTML("")

    def show_trends(self) -> HTML:
        if not self.ready:
            return HTML("")
        means = self.panel.groupby(["year", "pilot"])["y"].agg(["mean", "count"]).reset_index()
        means["grupp"] = means["pilot"].map({1: "Pilotkommuner (KROM från april 2020)", 0: "Övriga kommuner"})
        fig = effect_plots.group_means_figure(means, pilot.START, pilot.OUTCOME_LABEL)
        return nb.show_figure(fig, "Medelvärden per år för pilotkommuner och övriga", self.output_dir, "08_trends")

    def show_did(self) -> HTML:
        if not self.ready:
            return HTML("")
        est = pilot.difference_in_differences(self.panel, self.post_years)
        frame = pd.DataFrame([{**est.as_dict(), "post": ", ".join(map(str, self.post_years))}]).drop(columns=["label"])
        return nb.show_table(frame, {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_value": 3},
                             {"estimate": "Skattning (procentenheter)", "std_error": "Medelfel", "ci_low": "KI nedre",
                              "ci_high": "KI övre", "p_value": "p", "nobs": "n (kommun-år)", "n_clusters": "Kommuner",
                              "post": "Efterperiod"}, output_dir=self.output_dir, csv_name="08_did")

    def show_event_study(self) -> HTML:
        if not self.ready:
            return HTML("")
        coefs, pre = pilot.event_study(self.panel)
        fig = effect_plots.event_study_figure(coefs, -1, "Pilotkommuner mot övriga, år för år (95 % KI)", "Skillnad, procentenheter")
        note = (f"Test av parallella trender före starten: F = {format_number(pre['F'], 2)}, "
                f"p = {format_number(pre['p_value'], 3)} ({pre['leads']} förperioder, {format_number(pre['nobs'])} kommun-år, "
                f"{pre['n_clusters']} kommuner).")
        return HTML(nb.show_figure(fig, "Händelsestudie", self.output_dir, "08_event_study").data
                    + nb.show_notes([note], title="Förtrender").data)

    def show_cross_section(self) -> HTML:
        if self.extract is None:
            return HTML("")
        table, facts = pilot.cross_section(self.extract.values)
        notes = []
        if facts.get("missing"):
            notes.append(f"Saknas i extraktet och ingår inte: {', '.join(facts['missing'])}. Hämta med: {pilot.FETCH_HINT}")
        if table.empty:
            return nb.show_notes(notes or ["Inga data för tvärsnittet."])
        notes.append(f"n = {facts['nobs']} kommuner, R² = {format_number(facts['r2'], 2)}")
        return HTML(nb.show_table(table, {"estimate": 3, "std_error": 3, "ci_low": 3, "ci_high": 3, "p_value": 3},
                                  {"kpi": "KPI", "label": "Förklaringsvariabel", "estimate": "Skattning", "std_error": "Medelfel (HC3)",
                                   "ci_low": "KI nedre", "ci_high": "KI övre", "p_value": "p"},
                                  output_dir=self.output_dir, csv_name="08_cross_section").data + nb.show_notes(notes, "Om skattningen").data)
