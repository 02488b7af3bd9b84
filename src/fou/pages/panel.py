"""The municipal panel page's blocks (notebook 05)."""

from __future__ import annotations

import pandas as pd

from fou.effects.panel import analysis as panel
from fou.effects.panel import figures as effect_plots
from fou.extracts.pilots import load_pilots
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


RULE = (f"Regel: med färre än {panel.MIN_CLUSTERS_P} kommuner visas inga <em>p</em>-värden eller intervall, med "
        f"{panel.MIN_CLUSTERS_P}–{panel.RELIABLE_CLUSTERS - 1} visas de med en varning, med {panel.RELIABLE_CLUSTERS} "
        "eller fler är den vilda klusterbootstrapen sidans metod (MacKinnon & Webb 2017; Webb 2023).")


def few_clusters_text(clusters: int) -> str:
    """What the uncertainty of the period effects rests on, by the number of municipalities
    (clusters) the estimates have (HTML: 2<sup>G</sup>), with the page's rule (:func:`inference_rule`)."""
    rule = panel.inference_rule(clusters)
    n = plural(clusters, "kommun", "kommuner")
    if rule == "none":
        return (f"Med bara {n} (kluster) finns ingen metod som ger pålitliga <em>p</em>-värden eller intervall: vanliga "
                "klusterrobusta <em>t</em>-test blir för optimistiska och den vilda klusterbootstrapen har för få kluster "
                f"att lotta om. Sidan visar därför bara skattningarna och medelfelen, inte <em>p</em>-värden. {RULE}")
    text = (f"Med bara {n} (kluster) blir vanliga klusterrobusta <em>t</em>-test för optimistiska. Därför kommer "
            "<em>p</em>-värden och konfidensintervall från en <strong>vild klusterbootstrap</strong> med restriktion "
            "(WCR) och Webbs sexpunktsvikter (Rademacher-vikter ger bara "
            f"2<sup>{clusters}</sup> = {format_number(2 ** clusters)} olika dragningar); intervallet fås genom att "
            "invertera samma test, så intervall och <em>p</em>-värde stämmer alltid överens. ")
    if rule == "caveat":
        text += (f"Men även bootstrapen är osäker med under {panel.RELIABLE_CLUSTERS} kluster: <em>p</em>-värdena är "
                 "grova och kan vara för stora eller för små. ")
    return text + ("Medelfelen följer fixests konvention för småstickprovskorrektion. <em>n</em> är antalet kommun-år "
                   f"med uppgift. {RULE}")


class PanelPage:
    """Validated inputs, the panel, and the estimates shown on the page."""

    def __init__(self, extract: str, region: str, years: str, draws: int, output_dir: str | None = None,
                 population: str = "kolada-national"):
        self.inputs = resolve_inputs(extract, region, year=None, years=years)
        self.output_dir = output_dir or None
        self.population = open_extract(population) if population else None
        national = self.population.values if self.population is not None else None
        self.krom = load_pilots()
        self.data, self.notes = panel.build_panel(self.inputs.values, self.inputs.region, self.inputs.years, national,
                                                  self.krom["municipality_id"], self.inputs.extract.manifest.get("coverage"))
        self.pilots = [self.inputs.region.names.get(m, m) for m in self.inputs.region.ids
                       if m in set(self.krom["municipality_id"])]
        self.effects = panel.effects_frame([e for outcome in panel.OUTCOMES for e in panel.period_effects(self.data, outcome, draws)])
        self.period_notes = panel.missing_periods(self.data, self.inputs.years)
        self._apply_inference_rule()

    def _apply_inference_rule(self) -> None:
        """Suppress p-values and intervals below :data:`panel.MIN_CLUSTERS_P` clusters (column ``inference``
        in the CSV says which rule applied), and give the reason when nothing could be estimated."""
        g = self.effects["n_clusters"]
        rules = [panel.inference_rule(int(n)) if pd.notna(n) else "not_estimated" for n in g]
        self.effects["inference"] = rules
        none = self.effects["inference"] == "none"
        self.effects.loc[none, ["ci_low", "ci_high", "p_cluster", "p_wild"]] = float("nan")
        if self.effects["estimate"].isna().all():
            have = {o: int(self.data.dropna(subset=[o])["municipality_id"].nunique()) for o in panel.OUTCOMES}
            if self.inputs.region.is_riket:
                self.period_notes.append("Periodeffekterna jämför kommuner med sig själva och skattas för kommunerna i en "
                                         "region; Riket är ett enda värde per år, inte kommuner, så de är i.u.")
            elif max(have.values()) == 1:
                self.period_notes.append("Periodeffekterna är i.u.: med en enda kommun med uppgifter finns bara ett kluster, "
                                         "och då går varken medelfel, p-värden eller intervall att beräkna. Välj en region "
                                         "med flera kommuner.")
            elif max(have.values()) == 0:
                self.period_notes.append("Periodeffekterna är i.u.: extraktet har inga uppgifter om utfallen för regionen.")
        self.inference_notes = [DOF_NOTE if not none.any() else DOF_NOTE.split(" p-värden och 95 %")[0]]
        if none.any():
            self.inference_notes.append(f"p-värden och intervall visas inte (i.u.): färre än {panel.MIN_CLUSTERS_P} "
                                        "kommuner (kluster), se regeln ovan.")

    def _labels(self) -> dict[str, str]:
        return {p: panel.period_label(p, self.years, bool(self.pilots)) for p in panel.PERIOD_NAMES}

    def show_intro(self) -> HTML:
        """The question and the three periods, with the years chosen and the region's KROM pilots."""
        spans = {p: panel.short_span(panel.period_years(p, self.years)) or "inget av de valda åren"
                 for p in panel.PERIOD_NAMES}
        text = ("Hur förändrades andelen anvisningar från Arbetsförmedlingen och antalet deltagare per 1 000 invånare i "
                f"regionens kommuner när Arbetsförmedlingen reformerades? Tre perioder jämförs: <strong>före reformen"
                f"</strong> ({spans['före']}), <strong>omställning</strong> ({spans['omställning']}) och <strong>fristående "
                f"aktörer</strong> i hela landet ({spans['fristående']}).")
        if self.pilots:
            own = panel.short_span(panel.period_years("fristående", self.years, pilot=True)) or "inget av de valda åren"
            which = (f"{self.pilots[0]} var en av de {len(self.krom)} KROM-pilotkommunerna" if len(self.pilots) == 1 else
                     f"{', '.join(self.pilots[:-1])} och {self.pilots[-1]} ({len(self.pilots)} av regionens "
                     f"{len(self.inputs.region.ids)} kommuner) var KROM-pilotkommuner")
            text += (f" {which}: där kom de fristående aktörerna redan i april {panel.PILOT_START}, så för "
                     f"{'den' if len(self.pilots) == 1 else 'dem'} räknas {panel.PILOT_START} till perioden med fristående "
                     f"aktörer ({own}) och omställningen är kortare.")
        text += (" Sidan visar de år som valts (rutan nedan), och en period utan år eller uppgifter redovisas som "
                 "<em>i.u.</em> Analysen är beskrivande: kommunerna genomgick reformen samtidigt"
                 + (" (piloterna ett år tidigare)" if self.pilots else "")
                 + ", så periodeffekterna fångar allt som förändrades mellan perioderna, inte reformen ensam.")
        return HTML(f'<div class="fou-text"><p>{text}</p></div>')

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
        if self.data[outcome].notna().sum() == 0:
            return nb.show_notes([f"Inga uppgifter om {label[0].lower()}{label[1:]} för regionen {span} i extraktet, "
                                  "så ingen figur ritas (se rutan överst)."])
        return self._figure(lambda w: effect_plots.panel_figure(self.data, outcome, f"{label}, {span}",
                                                                self.inputs.region.name, width=w,
                                                                pilots=self.krom["municipality_id"]),
                            f"{label} per kommun och år", f"05_panel_{outcome}")

    def show_period_effects(self) -> HTML:
        labels = self._labels()
        base = labels["före"]
        title = f"Skillnad mot {base[0].lower()}{base[1:]}, 95 % konfidensintervall (vild klusterbootstrap)"
        estimated = self.effects["estimate"].notna().any()
        if not estimated:
            return nb.show_notes(self.period_notes or ["Periodeffekterna är i.u.: inga uppgifter att skatta dem på."],
                                 "Periodeffekterna kan inte skattas")
        intro = HTML(f'<div class="fou-text"><p>{few_clusters_text(self.clusters)}</p></div>')
        fig = self._figure(lambda w: effect_plots.coefficient_figure(self.effects, {**panel.OUTCOMES, **labels}, title, width=w),
                           "Periodeffekter med konfidensintervall", "05_period_effects")
        shown = self.effects.replace({"outcome": panel.OUTCOMES}).assign(period=self.effects["period"].map(labels)).drop(
            columns=["inference", "p_wild_mc_se"])  # the MC error is in the CSV; p is printed to 2 decimals
        table = nb.show_table(
            shown,
            {"estimate": 2, "std_error": 2, "ci_low": 2, "ci_high": 2, "p_cluster": 3, "p_wild": 2},
            {"outcome": "Utfall", "period": "Period", "estimate": "Skattning", "std_error": "Medelfel (CR1)",
             "ci_low": "KI nedre (bootstrap)", "ci_high": "KI övre (bootstrap)", "p_cluster": "p (kluster-t)",
             "p_wild": "p (vild bootstrap)", "nobs": "n", "n_clusters": "Kommuner"})
        nb.save_csv(self.effects.replace({"outcome": panel.OUTCOMES}), self.output_dir, "05_period_effects")
        links = nb.downloads(self.output_dir, csv=["05_period_effects"])
        return HTML(intro.data + fig.data + table.data + links + nb.show_notes(self.period_notes, "Perioder utan uppgifter").data
                    + nb.show_notes(self.inference_notes, title="Så är osäkerheten beräknad").data)

    def show_group_comparisons(self, outcome: str = "af_share") -> HTML:
        groups = panel.group_comparisons(self.data, panel.load_facts(), outcome)
        if groups.empty:
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
