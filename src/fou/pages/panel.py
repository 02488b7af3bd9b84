"""The municipal panel page's blocks (notebook 05)."""

from __future__ import annotations

from fou.effects.panel import analysis as panel
from fou.effects.panel import figures as effect_plots
from fou.extracts.swedish import format_number, plural, year_span
from fou.pages import blocks as nb
from fou.pages.html import HTML
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH
from fou.study.inputs import open_extract, resolve_inputs

DOF_NOTE = ("Medelfelen är klusterrobusta per kommun (CR1) med samma småstickprovskorrektion som fixest och reghdfe: "
            "G/(G − 1)·(N − 1)/(N − K), där K räknar periodeffekterna och en för kommunernas fixa effekter (de ligger "
            "inom klustren och räknas inte var för sig). p-värden och 95 % konfidensintervall kommer båda från den vilda "
            "klusterbootstrapen (WCR, Webbs vikter); intervallet är de nollvärden som bootstrapen inte förkastar, så "
            "intervall och p-värde säger alltid samma sak. p (kluster-t) visas bara som jämförelse.")


def few_clusters_text(clusters: int) -> str:
    """Why the page uses the wild cluster bootstrap, with the number of municipalities (clusters)
    the estimates actually have (HTML: 2<sup>G</sup>)."""
    return (f"Med bara {plural(clusters, 'kommun', 'kommuner')} (kluster) blir vanliga klusterrobusta <em>t</em>-test "
            "för optimistiska. Därför kommer <em>p</em>-värden och konfidensintervall från en <strong>vild "
            "klusterbootstrap</strong> med restriktion (WCR) och Webbs sexpunktsvikter, som håller med få kluster "
            f"(Rademacher-vikter ger bara 2<sup>{clusters}</sup> = {format_number(2 ** clusters)} olika dragningar); "
            "intervallet fås genom att invertera samma test, så intervall och <em>p</em>-värde stämmer alltid överens. "
            "Medelfelen följer fixests konvention för småstickprovskorrektion. <em>n</em> är antalet kommun-år med uppgift.")


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
        self.period_notes = panel.missing_periods(self.data, self.inputs.years)

    @property
    def years(self) -> list[int]:
        return list(self.inputs.years)

    @property
    def clusters(self) -> int:
        """Municipalities in the estimates (the most any outcome has), else in the region."""
        n = self.effects["n_clusters"].dropna()
        return int(n.max()) if len(n) else len(self.inputs.region.ids)

    def show_header(self) -> HTML:
        rows = [("Metod", "OLS med kommunfixa effekter; klusterrobusta fel (CR1, fixests konvention) och vild "
                          "klusterbootstrap för p-värden och intervall")]
        if self.population is not None and (self.data["population_source"] == "national").any():
            rows.append(("Befolkning", f"{self.population.path.name}: {self.population.provenance()}"))
        head = nb.extract_header(self.inputs, rows)
        return HTML(head.data + nb.show_notes(self.notes).data)

    def _figure(self, draw, alt: str, name: str) -> HTML:
        """A figure drawn for the desktop and for phones."""
        return nb.show_figure(draw(DESKTOP_WIDTH), alt, self.output_dir, name,
                              phone=draw(PHONE_WIDTH))

    def show_panel(self, outcome: str) -> HTML:
        label, span = panel.OUTCOMES[outcome], year_span(self.years)
        return self._figure(lambda w: effect_plots.panel_figure(self.data, outcome, f"{label}, {span}",
                                                                self.inputs.region.name, width=w),
                            f"{label} per kommun och år", f"05_panel_{outcome}")

    def show_period_effects(self) -> HTML:
        labels = {p: panel.period_label(p, self.years) for p in panel.PERIOD_NAMES}
        base = labels["före"]
        title = f"Skillnad mot {base[0].lower()}{base[1:]}, 95 % konfidensintervall (vild klusterbootstrap)"
        estimated = self.effects["estimate"].notna().any()
        intro = HTML(f'<div class="fou-text"><p>{few_clusters_text(self.clusters)}</p></div>' if estimated else "")
        fig = self._figure(lambda w: effect_plots.coefficient_figure(self.effects, {**panel.OUTCOMES, **labels}, title, width=w),
                           "Periodeffekter med konfidensintervall", "05_period_effects")
        shown = self.effects.replace({"outcome": panel.OUTCOMES}).assign(period=self.effects["period"].map(labels))
        table = nb.show_table(
            shown,
            {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_cluster": 3, "p_wild": 3},
            {"outcome": "Utfall", "period": "Period", "estimate": "Skattning", "std_error": "Medelfel (CR1)",
             "ci_low": "KI nedre (bootstrap)", "ci_high": "KI övre (bootstrap)", "p_cluster": "p (kluster-t)",
             "p_wild": "p (vild bootstrap)", "nobs": "n", "n_clusters": "Kommuner"})
        nb.save_csv(self.effects.replace({"outcome": panel.OUTCOMES}), self.output_dir, "05_period_effects")
        links = nb.downloads(self.output_dir, csv=["05_period_effects"])
        return HTML(intro.data + fig.data + table.data + links + nb.show_notes(self.period_notes, "Perioder utan uppgifter").data
                    + nb.show_notes([DOF_NOTE], title="Så är osäkerheten beräknad").data)

    def show_group_comparisons(self, outcome: str = "af_share") -> HTML:
        groups = panel.group_comparisons(self.data, panel.load_facts(), outcome)
        if groups.empty:
            nb.save_csv(groups, self.output_dir, "05_group_comparisons")
            before, after = (panel.period_label(p, self.years) for p in ("före", "fristående"))
            return nb.show_notes([
                f"Ingen kommun har uppgifter både {before[0].lower()}{before[1:]} och för {after[0].lower()}{after[1:]} "
                f"bland de valda åren ({year_span(self.years)}), så grupperna kan inte jämföras."])
        return nb.show_table(
            groups.drop(columns=["definition"]),
            {"mean_group": 1, "mean_other": 1, "difference": 1, "p_exact": 3, "p_holm": 3},
            {"grouping": "Indelning", "n_group": "n i gruppen", "n_other": "n övriga", "mean_group": "Förändring, gruppen",
             "mean_other": "Förändring, övriga", "difference": "Skillnad", "p_exact": "p (exakt)",
             "p_holm": "p (Holm, fyra indelningar)", "permutations": "Permutationer", "members": "Kommuner i gruppen"},
            output_dir=self.output_dir, csv_name="05_group_comparisons")
