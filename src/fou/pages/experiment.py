"""The experiment page: estimands named by the two-stage design, the main outcome and
displacement first, the two LATEs with their assumptions, minimum detectable effects,
attrition, heterogeneity and adjusted p-values. Every block states when the data are
synthetic; every number is in its outcome's unit (percentage points for 0/1 outcomes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.effects.experiment import analysis as experiment
from fou.effects.experiment import figures, synth
from fou.effects.experiment.spec import PRESET_SOURCES
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH
from fou.extracts.swedish import format_number
from fou.pages import blocks as nb
from fou.pages import experiment_text as text
from fou.pages import html
from fou.pages.html import HTML

CONTRACT_CSV = "experiment_reduced_form"
SYNTHETIC_SUFFIX = "_synthetic"  # every file of a synthetic run says so in its name
POOLED_TERMS = ("direct", "spillover", "within_market", "late", "late_shared_spillover")
EST_COLUMNS = {"estimate": "Skattning", "std_error": "Medelfel", "ci_low": "KI nedre", "ci_high": "KI övre",
               "p_value": "p", "p_adjusted": "p justerat", "nobs": "n", "clusters": "Kluster"}
EST_DECIMALS = {"estimate": 1, "std_error": 1, "ci_low": 1, "ci_high": 1, "p_value": 3}
SCALED = ("estimate", "std_error", "ci_low", "ci_high", "mde", "lower", "upper", "respondents_difference", "truth")


class ExperimentPage:
    """Checks the parameters, loads the data once (file or synthetic), computes every
    estimand and writes the output contract ``tables/experiment_reduced_form.csv``
    (``…_synthetic.csv`` for synthetic data)."""

    def __init__(self, microdata: str = "", preset: str = "", treatment: str = "", takeup: str = "", market: str = "",
                 share: str = "", cluster: str = "", strata: str = "", weights: str = "", covariates: str = "",
                 sample: str = "", outcomes: str = "", waves: str = "", heterogeneity: str = "",
                 draws: int = experiment.DEFAULT_DRAWS, seed: int = 2023, output_dir: str | None = None):
        params = dict(microdata=microdata, preset=preset, treatment=treatment, takeup=takeup, market=market, share=share,
                      cluster=cluster, strata=strata, weights=weights, covariates=covariates, sample=sample,
                      outcomes=outcomes, waves=waves, heterogeneity=heterogeneity, draws=draws)
        self.spec = experiment.check_params(params)
        self.data, self.kind, self.truth = experiment.load(microdata, seed)
        # the file's name only: a reader's page never shows a local absolute path
        self.source = Path(microdata).name if microdata else f"fou.effects.experiment.synth.two_stage_experiment(seed={seed})"
        self.data_source = Path(microdata).name if microdata else "synthetic"
        self.draws = draws
        self.output_dir = Path(output_dir) if output_dir else None
        self.analysis = experiment.analyse(self.data, self.spec, self.truth, draws)
        self.table = self.analysis.results.table
        self.units = {o: text.unit_for(o, k) for o, k in self.analysis.kinds.items()}
        self.contract_name = self._name(CONTRACT_CSV)
        nb.save_csv(self.analysis.results.contract(self.data_source), self.output_dir, self.contract_name)

    # -- helpers ----------------------------------------------------------------------
    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"

    def _name(self, name: str) -> str:
        """A file's name: with ``_synthetic`` for synthetic data, so its numbers never pass for real ones."""
        return name + (SYNTHETIC_SUFFIX if self.synthetic else "")

    def _title(self, words: str) -> str:
        return words + (" (syntetiska data)" if self.synthetic else "")

    def _save(self, name: str, frame: pd.DataFrame) -> str:
        """Save ``tables/<name>.csv`` (and its Excel version); the download links to them."""
        name = self._name(name)
        nb.save_csv(frame, self.output_dir, name)
        return nb.downloads(self.output_dir, csv=[name])

    def unit(self, outcome: str | None = None) -> text.Unit:
        """The display unit of an outcome (a share when the chosen waves hold none of its values)."""
        outcome = outcome or self._main
        return self.units.get(outcome) or text.unit_for(outcome, "share")

    @property
    def _clusters(self) -> tuple[str, str]:
        return text.cluster_words(self.spec.cluster, self.spec.market)

    @property
    def _labels(self) -> dict[str, str]:
        return {"wave": "Omgång", "term": "Jämförelse", "outcome": "Utfall", "unit": "Enhet",
                **EST_COLUMNS, "clusters": f"Kluster ({self._clusters[1]})"}

    def _shown(self, rows: pd.DataFrame, keep: list[str]) -> pd.DataFrame:
        """Rows in their outcome's unit (percentage points for 0/1 outcomes) with Swedish labels,
        Romano–Wolf p-values to the precision their draws support, for display."""
        out = rows.copy()
        outcome = out["outcome"] if "outcome" in out else pd.Series(self._main, index=out.index)
        scale = outcome.map(lambda o: self.unit(o).scale)
        for c in SCALED:
            if c in out:
                out[c] = scale * out[c]
        if "p_adjusted" in out and "p_mc_se" in out:
            out["p_adjusted"] = [text.p_adjusted_text(p, se) for p, se in zip(out["p_adjusted"], out["p_mc_se"])]
        out["unit"] = outcome.map(lambda o: self.unit(o).name)
        if "term" in out:
            out["term"] = out["term"].map(text.term_label)
        if "outcome" in out:
            out["outcome"] = out["outcome"].map(text.outcome_label)
        return out[keep]

    def _figure(self, draw, alt: str, name: str) -> HTML:
        """A figure drawn for the desktop and for phones."""
        return nb.show_figure(draw(DESKTOP_WIDTH), alt, self.output_dir, self._name(name), phone=draw(PHONE_WIDTH))

    @property
    def _main(self) -> str:
        return self.spec.main_outcome

    def _axis(self, outcome: str) -> tuple[float, str]:
        u = self.unit(outcome)
        return u.scale, u.name.capitalize()

    # -- blocks -----------------------------------------------------------------------
    def show_header(self) -> HTML:
        s, d = self.spec, self.analysis.design
        preset = f"{s.preset}: {PRESET_SOURCES[s.preset]}" if s.preset else "ingen (parametrarna nedan)"
        rows = [("Data", self.source), ("Specifikation", preset),
                ("Urval", f"{s.sample or 'alla'}: {format_number(len(d.data))} personer av {format_number(len(self.data))}, "
                          f"{d.data[s.market].nunique()} marknader"),
                ("Strata (fixa effekter)", "inga" if not s.strata else
                 " + ".join(" × ".join(text.variable_label(c) for c in g) for g in s.strata)),
                ("Vikter", text.weighting_text(s.weighting, s.weights)),
                ("Kovariater", ", ".join(map(text.variable_label, s.covariates)) or "inga"),
                ("Kluster", f"{text.variable_label(s.cluster)}: "
                            f"{text.clusters_text(d.data[s.cluster].nunique(), s.cluster, s.market)} "
                            "(klusterrobusta fel, CRV1)"),
                ("Utfall", ", ".join(f"{text.outcome_label(o)} ({o}, {self.unit(o).name})" for o in self.units)
                 + "; det första är huvudutfallet"),
                ("Enkätomgångar", ", ".join(map(str, s.waves))),
                ("Jämförelsegrupp", "arbetssökande i marknader där ingen behandlades (andel 0)")]
        return HTML(nb.header_html(self.kind, rows).data
                    + (nb.show_notes([synth.SYNTHETIC_NOTE], "Syntetiska data").data if self.synthetic else "")
                    + html.render("paragraphs.html.j2", paragraphs=[f"Resultattabellen ({self.contract_name}.csv) med "
                                  "alla skattningar, deras antaganden och datakällan:"], css_class="fou-text")
                    + nb.downloads(self.output_dir, csv=[self.contract_name]))

    def show_summary(self) -> HTML:
        wave = min(self.spec.waves)
        main = self.analysis.main(wave)
        cm = self.analysis.control_means.set_index(["outcome", "wave"]).loc[(self._main, wave), "control_mean"]
        clusters = text.clusters_text(int(main.loc["direct", "clusters"]), self.spec.cluster, self.spec.market)
        paragraphs = text.summary(main, self._main, wave, int(main.loc["direct", "nobs"]), clusters, float(cm), self.unit())
        paragraphs.append(text.waves_sentence(self.table, self._main, self.unit()))
        if not self.unit().share:
            paragraphs.append(text.amount_caveat(self._main, self.unit()))
        if self.synthetic:
            paragraphs.insert(0, "Siffrorna nedan kommer från syntetiska data, inte från verkliga personer.")
        return HTML(html.render("paragraphs.html.j2", paragraphs=paragraphs, css_class="fou-summary"))

    def show_estimands(self) -> HTML:
        return HTML(html.render("definitions.html.j2", items=text.ESTIMANDS, css_class="fou-estimands"))

    def show_takeup(self) -> HTML:
        t = self.analysis.takeup
        links = self._save("07_takeup", t)
        fs = self.analysis.first_stage
        note = (f"Första steget: lottningen höjde deltagandet med {format_number(100 * fs.estimate, 1)} procentenheter "
                f"(medelfel {format_number(100 * fs.std_error, 1)}) mot marknader utan behandling.")
        shown = t.assign(share=100 * t["share"], takeup=100 * t["takeup"], assigned=t["assigned"].map({0: "nej", 1: "ja"}))
        return HTML(nb.show_table(shown, {"share": 0, "takeup": 1},
                                  {"share": "Andel behandlade i marknaden, %", "assigned": "Lottad",
                                   "takeup": "Andel som deltog, %", "n": "n"}).data + links
                    + html.render("paragraphs.html.j2", paragraphs=[note], css_class="fou-text"))

    def show_effects(self) -> HTML:
        s = self.spec
        main = self.table[(self.table["outcome"] == self._main) & self.table["term"].isin(POOLED_TERMS)]
        main = main.assign(_order=main["term"].map(POOLED_TERMS.index)).sort_values(["wave", "_order"])
        others = self.table[(self.table["outcome"] != self._main) & self.table["term"].isin(("direct", "spillover"))]
        cols = ["wave", "term", *EST_COLUMNS]
        parts = [self._figure(lambda w: figures.by_wave_figure(
                     self.table, list(s.outcomes), ["direct", "spillover", "within_market"], text.OUTCOME_LABELS,
                     text.SHORT, self._title("Effekter per enkätomgång"), width=w,
                     units={o: self._axis(o) for o in s.outcomes}),
                     self._title("Lottade, icke lottade och jämförelsen inom marknad per omgång"), "07_effects_by_wave").data,
                 nb.show_table(self._shown(main, cols), EST_DECIMALS, self._labels,
                               caption=self._title(f"{text.outcome_label(self._main)}, {self.unit().name}")).data]
        if len(others):
            parts.append(nb.show_table(self._shown(others, ["outcome", "unit", *cols]), EST_DECIMALS, self._labels,
                                       caption=self._title("Övriga utfall, i varje utfalls enhet")).data)
        parts.append(nb.show_notes([text.se_note(s.cluster, s.market)], "Så är osäkerheten beräknad").data)
        return HTML("".join(parts))

    def show_late(self) -> HTML:
        wave = min(self.spec.waves)
        main = self.analysis.main(wave)
        return HTML(html.render("paragraphs.html.j2", paragraphs=text.late_paragraphs(
            main, self.unit(), float(main.loc["spillover", "estimate"])), css_class="fou-text"))

    def show_mde(self) -> HTML:
        m = self.analysis.mde
        links = self._save("07_mde", m)
        shown = self._shown(m, ["wave", "term", "estimate", "std_error", "mde", "nobs"])
        return HTML(nb.show_table(shown, {"estimate": 1, "std_error": 1, "mde": 1},
                                  {**self._labels, "mde": "Minsta upptäckbara effekt"},
                                  caption=self._title(f"{text.outcome_label(self._main)}, {self.unit().name}")).data
                    + links + html.render("paragraphs.html.j2", paragraphs=[text.mde_note(self.unit())],
                                          css_class="fou-text"))

    def show_by_share(self) -> HTML:
        wave = min(self.spec.waves)
        t = self.table[(self.table["outcome"] == self._main) & (self.table["wave"] == wave)
                       & self.table["term"].str.match(r"^(direct|spillover|market)_\d+$")]
        cols = ["term", *EST_COLUMNS]
        fig = self._figure(lambda w: figures.by_share_figure(
            self.table, self._main, text.SHORT, self._title(f"{text.outcome_label(self._main)} per andel behandlade"),
            width=w, unit=self._axis(self._main)),
            self._title("Direkt effekt och spridningseffekt per andel behandlade"), "07_by_share")
        return HTML(fig.data
                    + nb.show_table(self._shown(t, cols), EST_DECIMALS, self._labels,
                                    caption=self._title(f"Omgång {wave}, {self.unit().name}")).data)

    def show_heterogeneity(self) -> HTML:
        het, s = self.analysis.heterogeneity, self.spec
        if het is None:
            return nb.show_notes(["Ingen variabel för heterogenitet angiven (parametern heterogeneity)."], "Heterogenitet")
        links = self._save("07_heterogeneity", het)
        by = s.heterogeneity
        groups = {"0": text.group_label(by, 0), "1": text.group_label(by, 1),
                  "1 − 0": f"skillnad ({text.group_label(by, 1)} − {text.group_label(by, 0)})"}
        shown = self._shown(het.assign(group=het["group"].map(groups)),
                            ["wave", "term", "group", "estimate", "std_error", "ci_low", "ci_high", "p_value", "nobs"])
        notes = [text.collision_note(by)] if by in s.covariates else []
        return HTML(nb.show_table(shown, EST_DECIMALS, {**self._labels, "group": "Grupp"},
                                  caption=self._title(f"{text.outcome_label(self._main)} efter "
                                                      f"{text.variable_label(by)}, {self.unit().name}")).data
                    + links + nb.show_notes(notes, "Kovariat och grupp").data)

    def show_attrition(self) -> HTML:
        a, unit = self.analysis, self.unit()
        links = self._save("07_response", a.response) + self._save("07_lee_bounds", a.lee)
        resp = a.response.assign(**{c: 100 * a.response[c] for c in ("rate_assigned", "rate_nonassigned", "rate_control")})
        t1 = nb.show_table(resp[["wave", "respondents", "rate_assigned", "rate_nonassigned", "rate_control", "f_stat", "p_value"]],
                           {"rate_assigned": 1, "rate_nonassigned": 1, "rate_control": 1, "f_stat": 2, "p_value": 3},
                           {"wave": "Omgång", "respondents": "Svarande", "rate_assigned": "Lottade, %",
                            "rate_nonassigned": "Icke lottade i behandlade marknader, %", "rate_control": "Marknader utan behandling, %",
                            "f_stat": "F", "p_value": "p"}, caption=self._title("Svarsandel per grupp"))
        complete = set(a.response.loc[a.response["respondents"] == a.response["people"], "wave"])
        lee = a.lee[~a.lee["wave"].isin(complete)]
        lee = self._shown(lee, list(lee.columns)).assign(trimmed_share=100 * lee["trimmed_share"])
        t2 = nb.show_table(lee[["wave", "trimmed_share", "respondents_difference", "lower", "upper", "ci_low", "ci_high", "nobs"]],
                           {"trimmed_share": 1, "respondents_difference": unit.decimals, "lower": unit.decimals,
                            "upper": unit.decimals, "ci_low": unit.decimals, "ci_high": unit.decimals},
                           {"wave": "Omgång", "trimmed_share": "Trimmad andel, %", "respondents_difference": "Skillnad bland svarande",
                            "lower": "Nedre gräns", "upper": "Övre gräns", "ci_low": "KI nedre", "ci_high": "KI övre", "nobs": "Svarande"},
                           caption=self._title(f"Lee-gränser för lottade mot marknader utan behandling, "
                                               f"{text.outcome_label(self._main).lower()}, {unit.name}")) if len(lee) else HTML("")
        notes = text.lee_notes(sorted(complete), self._main, unit, self._clusters[1])
        return HTML(t1.data + t2.data + links + nb.show_notes(notes, "Bortfall och Lee-gränser").data)

    def show_multiple_testing(self) -> HTML:
        t = self.table
        return nb.show_notes(text.multiple_testing(t["outcome"].nunique(), t["wave"].nunique(),
                                                   int(t.groupby("term").size().max()), self.draws,
                                                   self._clusters[0]), "Många test")

    def show_truth_check(self) -> HTML:
        check = self.analysis.truth
        if check is None:
            return nb.show_notes(["Verkliga data: de sanna effekterna är okända, så ingen kontroll mot sanningen."],
                                 "Kontroll mot sanningen")
        links = self._save("07_truth_check", check)
        shown = self._shown(check, list(check.columns)).assign(term=check["term"].map(text.term_label))
        return HTML(nb.show_table(shown[["wave", "term", "truth", "estimate", "ci_low", "ci_high", "covered"]],
                                  {"truth": 1, "estimate": 1, "ci_low": 1, "ci_high": 1},
                                  {"wave": "Omgång", "term": "Jämförelse", "truth": "Sant värde", "estimate": "Skattning",
                                   "ci_low": "KI nedre", "ci_high": "KI övre", "covered": "Täcks"},
                                  caption=self._title(f"{text.outcome_label(self._main)}, {self.unit().name}")).data + links)
