"""The experiment page: estimands named by the two-stage design, the main outcome and
displacement first, attrition, heterogeneity and adjusted p-values. Every block states
when the data are synthetic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.effects.experiment import analysis as experiment
from fou.effects.experiment import figures, synth
from fou.effects.experiment.spec import PRESET_SOURCES
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH
from fou.extracts.atomic import atomic_write_text
from fou.extracts.swedish import format_number
from fou.pages import blocks as nb
from fou.pages import experiment_text as text
from fou.pages import html
from fou.pages.html import HTML

CONTRACT_CSV = "experiment_reduced_form"
POOLED_TERMS = ("direct", "spillover", "within_market", "late")
PP = "procentenheter"
EST_COLUMNS = {"estimate": "Skattning", "std_error": "Medelfel", "ci_low": "KI nedre", "ci_high": "KI övre",
               "p_value": "p", "p_adjusted": "p justerat", "nobs": "n", "clusters": "Marknader"}
EST_DECIMALS = {"estimate": 1, "std_error": 1, "ci_low": 1, "ci_high": 1, "p_value": 3, "p_adjusted": 3}


class ExperimentPage:
    """Checks the parameters, loads the data once (file or synthetic), computes every
    estimand and writes the output contract ``tables/experiment_reduced_form.csv``."""

    def __init__(self, microdata: str = "", preset: str = "", treatment: str = "", takeup: str = "", market: str = "",
                 share: str = "", cluster: str = "", strata: str = "", weights: str = "", covariates: str = "",
                 sample: str = "", outcomes: str = "", waves: str = "", heterogeneity: str = "", draws: int = 499,
                 seed: int = 2023, output_dir: str | None = None):
        params = dict(microdata=microdata, preset=preset, treatment=treatment, takeup=takeup, market=market, share=share,
                      cluster=cluster, strata=strata, weights=weights, covariates=covariates, sample=sample,
                      outcomes=outcomes, waves=waves, heterogeneity=heterogeneity, draws=draws)
        self.spec = experiment.check_params(params)
        self.data, self.kind, self.truth = experiment.load(microdata, seed)
        # the file's name only: a reader's page never shows a local absolute path
        self.source = Path(microdata).name if microdata else f"fou.effects.experiment.synth.two_stage_experiment(seed={seed})"
        self.draws = draws
        self.output_dir = Path(output_dir) if output_dir else None
        self.analysis = experiment.analyse(self.data, self.spec, self.truth, draws)
        self.table = self.analysis.results.table
        self._save(CONTRACT_CSV, self.analysis.results.contract())

    # -- helpers ----------------------------------------------------------------------
    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"

    def _title(self, words: str) -> str:
        return words + (" (syntetiska data)" if self.synthetic else "")

    def _save(self, name: str, frame: pd.DataFrame) -> None:
        if self.output_dir is not None:
            atomic_write_text(self.output_dir / "tables" / f"{name}.csv", nb.table_csv(frame))

    def _shown(self, rows: pd.DataFrame, keep: list[str]) -> pd.DataFrame:
        """Rows in percentage points with Swedish labels, for display."""
        out = rows.copy()
        for c in ("estimate", "std_error", "ci_low", "ci_high"):
            if c in out:
                out[c] = 100 * out[c]
        if "term" in out:
            out["term"] = out["term"].map(text.term_label)
        if "outcome" in out:
            out["outcome"] = out["outcome"].map(text.outcome_label)
        return out[keep]

    def _figure(self, draw, alt: str, name: str) -> HTML:
        """A figure drawn for the desktop and for phones."""
        return nb.show_figure(draw(DESKTOP_WIDTH), alt, self.output_dir, name, phone=draw(PHONE_WIDTH))

    @property
    def _main(self) -> str:
        return self.spec.main_outcome

    # -- blocks -----------------------------------------------------------------------
    def show_header(self) -> HTML:
        s, d = self.spec, self.analysis.design
        preset = f"{s.preset}: {PRESET_SOURCES[s.preset]}" if s.preset else "ingen (parametrarna nedan)"
        rows = [("Data", self.source), ("Specifikation", preset),
                ("Urval", f"{s.sample or 'alla'}: {format_number(len(d.data))} personer av {format_number(len(self.data))}, "
                          f"{d.data[s.market].nunique()} marknader"),
                ("Strata (fixa effekter)", "inga" if not s.strata else " + ".join(" × ".join(g) for g in s.strata)),
                ("Vikter", s.weights or "inga"), ("Kovariater", ", ".join(s.covariates) or "inga"),
                ("Kluster", f"{s.cluster} (klusterrobusta fel, CRV1)"),
                ("Utfall", ", ".join(f"{text.outcome_label(o)} ({o})" for o in s.outcomes) + "; det första är huvudutfallet"),
                ("Enkätomgångar", ", ".join(map(str, s.waves))),
                ("Jämförelsegrupp", "arbetssökande i marknader där ingen behandlades (andel 0)")]
        return HTML(nb.header_html(self.kind, rows).data
                    + (nb.show_notes([synth.SYNTHETIC_NOTE], "Syntetiska data").data if self.synthetic else ""))

    def show_summary(self) -> HTML:
        wave = min(self.spec.waves)
        main = self.analysis.main(wave)
        cm = self.analysis.control_means.set_index(["outcome", "wave"]).loc[(self._main, wave), "control_mean"]
        paragraphs = text.summary(main, self._main, wave, int(main.loc["direct", "nobs"]),
                                  int(main.loc["direct", "clusters"]), float(cm))
        paragraphs.append(text.waves_sentence(self.table, self._main))
        if self.synthetic:
            paragraphs.insert(0, "Siffrorna nedan kommer från syntetiska data, inte från verkliga personer.")
        return HTML(html.render("paragraphs.html.j2", paragraphs=paragraphs, css_class="fou-summary"))

    def show_estimands(self) -> HTML:
        return HTML(html.render("definitions.html.j2", items=text.ESTIMANDS, css_class="fou-estimands"))

    def show_takeup(self) -> HTML:
        t = self.analysis.takeup
        self._save("07_takeup", t)
        fs = self.analysis.first_stage
        note = (f"Första steget: lottningen höjde deltagandet med {format_number(100 * fs.estimate, 1)} procentenheter "
                f"(medelfel {format_number(100 * fs.std_error, 1)}) mot marknader utan behandling.")
        shown = t.assign(share=100 * t["share"], takeup=100 * t["takeup"], assigned=t["assigned"].map({0: "nej", 1: "ja"}))
        return HTML(nb.show_table(shown, {"share": 0, "takeup": 1},
                                  {"share": "Andel behandlade i marknaden, %", "assigned": "Lottad",
                                   "takeup": "Andel som deltog, %", "n": "n"}).data
                    + html.render("paragraphs.html.j2", paragraphs=[note], css_class="fou-text"))

    def show_effects(self) -> HTML:
        s = self.spec
        main = self.table[(self.table["outcome"] == self._main) & self.table["term"].isin(POOLED_TERMS)]
        main = main.assign(_order=main["term"].map(POOLED_TERMS.index)).sort_values(["wave", "_order"])
        others = self.table[(self.table["outcome"] != self._main) & self.table["term"].isin(("direct", "spillover"))]
        cols = ["wave", "term", *EST_COLUMNS]
        labels = {"wave": "Omgång", "term": "Jämförelse", "outcome": "Utfall", **EST_COLUMNS}
        parts = [self._figure(lambda w: figures.by_wave_figure(
                     self.table, list(s.outcomes), ["direct", "spillover", "within_market"], text.OUTCOME_LABELS,
                     text.SHORT, self._title("Effekter per enkätomgång"), width=w),
                     self._title("Lottade, icke lottade och jämförelsen inom marknad per omgång"), "07_effects_by_wave").data,
                 nb.show_table(self._shown(main, cols), EST_DECIMALS, labels,
                               caption=self._title(f"{text.outcome_label(self._main)}, {PP}")).data]
        if len(others):
            parts.append(nb.show_table(self._shown(others, ["outcome", *cols]), EST_DECIMALS, labels,
                                       caption=self._title(f"Övriga utfall, {PP}")).data)
        parts.append(nb.show_notes([text.se_note(s.cluster, s.market)], "Så är osäkerheten beräknad").data)
        return HTML("".join(parts))

    def show_by_share(self) -> HTML:
        wave = min(self.spec.waves)
        t = self.table[(self.table["outcome"] == self._main) & (self.table["wave"] == wave)
                       & self.table["term"].str.match(r"^(direct|spillover|market)_\d+$")]
        cols = ["term", *EST_COLUMNS]
        fig = self._figure(lambda w: figures.by_share_figure(
            self.table, self._main, text.SHORT, self._title(f"{text.outcome_label(self._main)} per andel behandlade"),
            width=w), self._title("Direkt effekt och spridningseffekt per andel behandlade"), "07_by_share")
        return HTML(fig.data
                    + nb.show_table(self._shown(t, cols), EST_DECIMALS, {"term": "Jämförelse", **EST_COLUMNS},
                                    caption=self._title(f"Omgång {wave}, {PP}")).data)

    def show_heterogeneity(self) -> HTML:
        het = self.analysis.heterogeneity
        if het is None:
            return nb.show_notes(["Ingen variabel för heterogenitet angiven (parametern heterogeneity)."], "Heterogenitet")
        self._save("07_heterogeneity", het)
        by = self.spec.heterogeneity
        shown = het.assign(group=het["group"].map({"0": f"{by} = 0", "1": f"{by} = 1", "1 − 0": "skillnad (1 − 0)"}))
        shown = self._shown(shown, ["wave", "term", "group", "estimate", "std_error", "ci_low", "ci_high", "p_value", "nobs"])
        return nb.show_table(shown, EST_DECIMALS, {"wave": "Omgång", "term": "Jämförelse", "group": "Grupp", **EST_COLUMNS},
                             caption=self._title(f"{text.outcome_label(self._main)} efter {by}, {PP}"))

    def show_attrition(self) -> HTML:
        a = self.analysis
        self._save("07_response", a.response)
        self._save("07_lee_bounds", a.lee)
        resp = a.response.assign(**{c: 100 * a.response[c] for c in ("rate_assigned", "rate_nonassigned", "rate_control")})
        t1 = nb.show_table(resp[["wave", "respondents", "rate_assigned", "rate_nonassigned", "rate_control", "f_stat", "p_value"]],
                           {"rate_assigned": 1, "rate_nonassigned": 1, "rate_control": 1, "f_stat": 2, "p_value": 3},
                           {"wave": "Omgång", "respondents": "Svarande", "rate_assigned": "Lottade, %",
                            "rate_nonassigned": "Icke lottade i behandlade marknader, %", "rate_control": "Marknader utan behandling, %",
                            "f_stat": "F", "p_value": "p"}, caption=self._title("Svarsandel per grupp"))
        lee = a.lee.assign(**{c: 100 * a.lee[c] for c in ("respondents_difference", "lower", "upper", "ci_low", "ci_high")},
                           trimmed_share=100 * a.lee["trimmed_share"])
        t2 = nb.show_table(lee[["wave", "trimmed_share", "respondents_difference", "lower", "upper", "ci_low", "ci_high", "nobs"]],
                           {"trimmed_share": 1, "respondents_difference": 1, "lower": 1, "upper": 1, "ci_low": 1, "ci_high": 1},
                           {"wave": "Omgång", "trimmed_share": "Trimmad andel, %", "respondents_difference": "Skillnad bland svarande",
                            "lower": "Nedre gräns", "upper": "Övre gräns", "ci_low": "KI nedre", "ci_high": "KI övre", "nobs": "Svarande"},
                           caption=self._title(f"Lee-gränser för lottade mot marknader utan behandling, {text.outcome_label(self._main).lower()}, {PP}"))
        notes = [f"Omgång {r.wave}: alla i urvalet har svar i datafilen, så bortfallet i den omgången kan inte prövas här."
                 for r in a.response.itertuples() if r.respondents == r.people]
        return HTML(t1.data + t2.data + nb.show_notes(notes, "Bortfall").data)

    def show_multiple_testing(self) -> HTML:
        t = self.table
        family = t.groupby("term").size().max()
        return nb.show_notes([
            f"Sidan prövar många hypoteser: {t['outcome'].nunique()} utfall × {t['wave'].nunique()} omgångar för varje "
            f"jämförelse. Kolumnen ”p justerat” är Romano–Wolfs stegvisa justering inom en familj = en jämförelse "
            f"(till exempel ”lottade”) över alla utfall och omgångar ({family} test), med {self.draws} dragningar av en "
            f"vild klusterbootstrap (Rademachervikter per marknad). Den kontrollerar risken för minst ett falskt fynd i "
            f"familjen och är aldrig lägre än det ojusterade p-värdet."], "Många test")

    def show_truth_check(self) -> HTML:
        check = self.analysis.truth
        if check is None:
            return nb.show_notes(["Verkliga data: de sanna effekterna är okända, så ingen kontroll mot sanningen."],
                                 "Kontroll mot sanningen")
        self._save("07_truth_check", check)
        shown = check.assign(truth=100 * check["truth"], term=check["term"].map(text.term_label),
                             **{c: 100 * check[c] for c in ("estimate", "ci_low", "ci_high")})
        return nb.show_table(shown[["wave", "term", "truth", "estimate", "ci_low", "ci_high", "covered"]],
                             {"truth": 1, "estimate": 1, "ci_low": 1, "ci_high": 1},
                             {"wave": "Omgång", "term": "Jämförelse", "truth": "Sant värde", "estimate": "Skattning",
                              "ci_low": "KI nedre", "ci_high": "KI övre", "covered": "Täcks"},
                             caption=self._title(f"{text.outcome_label(self._main)}, {PP}"))
