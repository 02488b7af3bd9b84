"""The experiment page's blocks: every block states when the data are synthetic."""

from __future__ import annotations

from fou.effects import figures as effect_plots
from fou.effects import experiment
from fou.effects import synth
from fou.pages import blocks as nb
from fou.pages.html import HTML

ESTIMATE_COLUMNS = {"estimate": "Skattning", "std_error": "Medelfel", "ci_low": "KI nedre", "ci_high": "KI övre",
                    "p_value": "p", "nobs": "n", "n_clusters": "Marknader"}
ESTIMATE_DECIMALS = {"estimate": 3, "std_error": 3, "ci_low": 3, "ci_high": 3, "p_value": 3}


class ExperimentPage:
    """Loads the data once (file or synthetic), checks the variable mapping, computes the effects."""

    def __init__(self, microdata: str, seed: int, treatment: str, takeup: str, market: str, share: str,
                 outcomes: str, waves: str, output_dir: str | None = None):
        self.data, self.kind, self.truth = experiment.load(microdata, seed)
        self.source = microdata or f"fou.effects.synth.two_stage_experiment(seed={seed})"
        self.v = experiment.parse_variables(treatment, takeup, market, share, outcomes, waves, list(self.data.columns))
        self.output_dir = output_dir or None
        self.effects = experiment.effects_by_wave(self.data, self.v)
        self.spill = experiment.displacement(self.data, self.v)

    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"

    def _title(self, text: str) -> str:
        return text + (" (syntetiska data)" if self.synthetic else "")

    def show_header(self) -> HTML:
        rows = [("Data", self.source), ("Personer", f"{len(self.data):,}".replace(",", "\u00a0")),
                ("Marknader", str(self.data[self.v.market].nunique())),
                ("Metod", "ITT med marknadsfixa effekter, LATE med 2SLS, klusterrobusta fel per marknad")]
        return HTML(nb.header_html(self.kind, rows).data
                    + (nb.show_notes([synth.SYNTHETIC_NOTE], "Syntetiska data").data if self.synthetic else ""))

    def show_takeup(self) -> HTML:
        return nb.show_table(experiment.takeup_table(self.data, self.v), {"share": 2, "takeup": 3},
                             {"share": "Andel behandlade i marknaden", "assigned": "Lottad", "takeup": "Andel som deltog", "n": "n"},
                             output_dir=self.output_dir, csv_name="07_takeup")

    def show_effects(self) -> HTML:
        itt = self.effects[self.effects["effect"] == "ITT"]
        itt = itt.assign(utfall=itt["outcome"].map(experiment.OUTCOME_LABELS).fillna(itt["outcome"]))
        fig = effect_plots.effects_by_group_figure(itt, "wave", "estimate", "utfall", self._title("ITT per enkätomgång"),
                                                   "Effekt, andelsenheter")
        table = nb.show_table(self.effects, {"control_mean": 3, **ESTIMATE_DECIMALS},
                              {"outcome": "Utfall", "wave": "Omgång", "effect": "Effekt", "control_mean": "Medel ej lottade",
                               **ESTIMATE_COLUMNS}, output_dir=self.output_dir, csv_name="07_effects")
        return HTML(nb.show_figure(fig, self._title("ITT-effekter per utfall och enkätomgång"), self.output_dir, "07_itt_by_wave").data
                    + table.data)

    def show_displacement(self) -> HTML:
        spill = self.spill.assign(omgång=self.spill["wave"].astype(str))
        fig = effect_plots.effects_by_group_figure(
            spill, "share", "estimate", "omgång", self._title(f"Icke lottade mot marknader utan behandling, {self.v.outcomes[0]}"),
            "Skillnad, andelsenheter")
        table = nb.show_table(self.spill, {"share": 2, **ESTIMATE_DECIMALS},
                              {"share": "Andel behandlade", "outcome": "Utfall", "wave": "Omgång", **ESTIMATE_COLUMNS},
                              output_dir=self.output_dir, csv_name="07_displacement")
        return HTML(nb.show_figure(fig, self._title("Undanträngning per andel behandlade"), self.output_dir, "07_displacement").data
                    + table.data)

    def show_truth_check(self) -> HTML:
        if self.truth is None:
            return nb.show_notes(["Verkliga data: de sanna effekterna är okända, så ingen kontroll mot sanningen."],
                                 "Kontroll mot sanningen")
        check = experiment.truth_check(self.effects, self.spill, self.truth)
        return nb.show_table(check, {"truth": 3, "estimate": 3, "ci_low": 3, "ci_high": 3},
                             {"quantity": "Storhet", "truth": "Sant värde", "estimate": "Skattning", "ci_low": "KI nedre",
                              "ci_high": "KI övre", "covered": "Täcks"}, output_dir=self.output_dir, csv_name="07_truth_check")
