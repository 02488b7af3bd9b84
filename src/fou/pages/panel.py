"""The municipal panel page's blocks (notebook 05)."""

from __future__ import annotations

from fou.effects import figures as effect_plots
from fou.effects import panel
from fou.pages import blocks as nb
from fou.study.inputs import open_extract, resolve_inputs
from fou.pages.html import HTML

PERIOD_NAMES = {"omställning": "Omställning (2019–20)", "fristående": "Fristående aktörer (2021–22)"}
DOF_NOTE = ("Medelfelen är klusterrobusta per kommun (CR1) med samma småstickprovskorrektion som fixest och reghdfe: "
            "G/(G − 1)·(N − 1)/(N − K), där K räknar periodeffekterna och en för kommunernas fixa effekter (de ligger "
            "inom klustren och räknas inte var för sig). p-värden och 95 % konfidensintervall kommer båda från den vilda "
            "klusterbootstrapen (WCR, Webbs vikter); intervallet är de nollvärden som bootstrapen inte förkastar, så "
            "intervall och p-värde säger alltid samma sak. p (kluster-t) visas bara som jämförelse.")


class PanelPage:
    """Validated inputs, the panel, and the estimates shown on the page."""

    def __init__(self, extract: str, region: str, years: str, draws: int, output_dir: str | None = None,
                 population: str = "kolada-national"):
        self.inputs = resolve_inputs(extract, region, year=None, years=years)
        self.output_dir = output_dir or None
        self.population = open_extract(population) if population else None
        national = self.population.values if self.population is not None else None
        self.data, self.notes = panel.build_panel(self.inputs.values, self.inputs.region, self.inputs.years, national)
        self.effects = panel.effects_frame([e for outcome in panel.OUTCOMES for e in panel.period_effects(self.data, outcome, draws)])

    def show_header(self) -> HTML:
        rows = [("Metod", "OLS med kommunfixa effekter; klusterrobusta fel (CR1, fixests konvention) och vild "
                          "klusterbootstrap för p-värden och intervall")]
        if self.population is not None and (self.data["population_source"] == "national").any():
            rows.append(("Befolkning", f"{self.population.path.name}: {self.population.provenance()}"))
        head = nb.extract_header(self.inputs, rows)
        return HTML(head.data + nb.show_notes(self.notes).data)

    def show_panel(self, outcome: str) -> HTML:
        fig = effect_plots.panel_figure(self.data, outcome, panel.OUTCOMES[outcome], self.inputs.region.name)
        return nb.show_figure(fig, f"{panel.OUTCOMES[outcome]} per kommun och år", self.output_dir, f"05_panel_{outcome}")

    def show_period_effects(self) -> HTML:
        fig = effect_plots.coefficient_figure(self.effects, {**panel.OUTCOMES, **PERIOD_NAMES},
                                              "Skillnad mot 2017–18, 95 % konfidensintervall (vild klusterbootstrap)")
        table = nb.show_table(
            self.effects.replace({"outcome": panel.OUTCOMES}),
            {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_cluster": 3, "p_wild": 3},
            {"outcome": "Utfall", "period": "Period", "estimate": "Skattning", "std_error": "Medelfel (CR1)",
             "ci_low": "KI nedre (bootstrap)", "ci_high": "KI övre (bootstrap)", "p_cluster": "p (kluster-t)",
             "p_wild": "p (vild bootstrap)", "nobs": "n", "n_clusters": "Kommuner"},
            output_dir=self.output_dir, csv_name="05_period_effects")
        return HTML(nb.show_figure(fig, "Periodeffekter med konfidensintervall", self.output_dir, "05_period_effects").data
                    + table.data + nb.show_notes([DOF_NOTE], title="Så är osäkerheten beräknad").data)

    def show_group_comparisons(self, outcome: str = "af_share") -> HTML:
        groups = panel.group_comparisons(self.data, panel.load_facts(), outcome)
        return nb.show_table(
            groups.drop(columns=["definition"]),
            {"mean_group": 1, "mean_other": 1, "difference": 1, "p_exact": 3, "p_holm": 3},
            {"grouping": "Indelning", "n_group": "n i gruppen", "n_other": "n övriga", "mean_group": "Förändring, gruppen",
             "mean_other": "Förändring, övriga", "difference": "Skillnad", "p_exact": "p (exakt)",
             "p_holm": "p (Holm, fyra indelningar)", "permutations": "Permutationer", "members": "Kommuner i gruppen"},
            output_dir=self.output_dir, csv_name="05_group_comparisons")
