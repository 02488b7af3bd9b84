"""The evidence page (the report's Bilaga 1 as data): studies, the report's reading beside
the sources, the vote count and a random-effects meta-analysis of comparable estimates
(or, per estimate, why it is not pooled). Everything shown is in Swedish."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fou.effects.evidence import studies as evidence
from fou.effects.evidence import figures as evidence_figures
from fou.effects.evidence import microdata as evidence_microdata
from fou.effects.evidence import pool as evidence_pool
from fou.effects.evidence import meta
from fou.extracts.swedish import MISSING, format_number, format_signed, is_missing
from fou.pages import blocks as nb
from fou.pages import html
from fou.pages.html import HTML
from fou.study.figures import DESKTOP_WIDTH, PHONE_WIDTH

COUNTRIES = {"France": "Frankrike", "Sweden": "Sverige", "Switzerland": "Schweiz", "Germany": "Tyskland", "Denmark": "Danmark"}
DESIGNS = {"randomised experiment": "randomiserat", "randomised experiment (two-stage)": "randomiserat i två steg",
           "matching (observational)": "matchning"}
UNITS = {"percentage points": "p.e.", "months (range 1-2)": "månader (intervall 1–2)"}
CHECKED = {"verified (abstract)": "studiens sammanfattning", "verified (secondary source)": "andrahandskälla",
           "as printed in the report": "rapporten", "computed from the public-use data": "beräknat från data"}
CONTRASTS = {"private_vs_public": "privat mot likvärdig offentlig insats",
             "private_vs_standard_public": "privat insats mot ordinarie offentlig service",
             "public_intensive_vs_standard": "offentlig intensivinsats mot ordinarie service"}
FAMILIES = {"employment": "sysselsättning", "exit_to_employment": "övergång till arbete",
            "stable_employment": "stadigvarande anställning", "unemployment_days": "dagar i arbetslöshet"}
TAU2_LABELS = {"reml": "REML", "pm": "Paule–Mandel", "dl": "DerSimonian–Laird"}
CI_LABELS = {"hk": "Hartung–Knapp (t-fördelning med k − 1 frihetsgrader)", "normal": "normalfördelning (Wald)"}
CSS = "fou-table fou-evidence"
NUMERIC = ("Skattning", "95 % KI", "Effekt", "Medelfel", "n", "k", "Poolad", "Prediktionsintervall", "τ²", "I²",
           "Q (fg; p)", "Poolad utan den", "Studier")


def frame_html(frame: pd.DataFrame, caption: str = "", css_class: str = CSS) -> str:
    """A frame of display strings as a table; number columns right-aligned."""
    shown = frame.map(lambda v: MISSING if is_missing(v) else str(v))  # never "nan"
    header, rows = html.frame_cells(shown, [c for c in frame.columns if c in NUMERIC])
    return html.table(header, rows, caption=caption, css_class=css_class)


def _text(value: object) -> str:
    """A cell's text; missing (None, NaN, empty) becomes i.u."""
    return MISSING if is_missing(value) or str(value).strip() == "" else str(value)


def _sv(value: object, labels: dict[str, str]) -> str:
    return MISSING if is_missing(value) or str(value) == "" else labels.get(str(value), str(value))


def _estimate(row: pd.Series) -> str:
    if is_missing(row["estimate"]):
        return MISSING
    unit = _sv(row["unit"], UNITS)
    return f"{format_signed(row['estimate'], 1)} {unit}".strip()


def _interval(low: object, high: object, decimals: int = 1) -> str:
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{format_signed(low, decimals)} till {format_signed(high, decimals)}"


def _study_label(row: pd.Series) -> str:
    year = "" if is_missing(row["year"]) else f" ({int(row['year'])})"
    name = str(row["study"]).replace(" (as read in the report)", "").replace(" (beräknad från data)", "")
    suffix = {"as printed in the report": ", enligt rapporten",
              "computed from the public-use data": ", beräknad från data"}.get(row["checked"], "")
    arm = row.get("arm_sv")
    arm = f", {arm}" if isinstance(arm, str) and arm.strip() else ""
    return f"{name}{year}{arm}{suffix}"


def _swedish_column(df: pd.DataFrame, name: str) -> pd.Series:
    sv = df.get(f"{name}_sv")
    return sv.where(sv.notna() & (sv.astype(str) != ""), df[name]) if sv is not None else df[name]


class EvidencePage:
    """Loads the table of studies (and, given the microdata, computes one estimate), plans and runs the pooling."""

    def __init__(self, evidence_csv: str = "", microdata: str = "", tau2: str = "reml", interval: str = "hk",
                 output_dir: str | None = None):
        self.source = evidence_csv or "data/evidence/private_vs_public.csv"
        self.studies = evidence.load_evidence(evidence_csv or None)
        self.microdata = microdata or ""
        self.computed: dict | None = None
        if self.microdata:
            self.computed = evidence_microdata.direct_effect(evidence_microdata.load_microdata(self.microdata))
            row = evidence_microdata.evidence_row(self.computed, Path(self.microdata).name)
            self.studies = pd.concat([self.studies, pd.DataFrame([row])], ignore_index=True)
        self.tau2, self.interval = tau2, interval
        self.output_dir = output_dir or None
        self.plan = evidence_pool.pooling_plan(self.studies)
        self.pooled = evidence_pool.pool_groups(self.plan, tau2_method=tau2, ci_method=interval)

    # -- blocks -------------------------------------------------------------------------
    def show_header(self) -> HTML:
        in_report = evidence.one_row_per_study(self.studies)
        rows = [("Data", self.source), ("Studier i rapportens bilaga 1", str(len(in_report))),
                ("Skattningar och läsningar", str(len(self.studies))),
                ("Kontrollerat", "mot studiernas sammanfattningar och andrahandskällor med sökverktyget, 2026-11-22"),
                ("Beräknat från data", f"ja, {Path(self.microdata).name}" if self.microdata
                 else "nej (parametern microdata är tom; individdata följer inte med)"),
                ("Metaanalys", f"{TAU2_LABELS[self.tau2]}-τ², intervall med {CI_LABELS[self.interval]}")]
        return nb.header_html("published", rows)

    def show_studies(self) -> HTML:
        """The main table (fits the page) and the details table."""
        s = self.studies
        main = pd.DataFrame({
            "Studie": s.apply(_study_label, axis=1), "Land": s["country"].map(lambda v: _sv(v, COUNTRIES)),
            "Design": s["design"].map(lambda v: _sv(v, DESIGNS)),
            "Utfall": [f"{_text(o)}, {_text(h)}" if not is_missing(h) and str(h) else _text(o)
                       for o, h in zip(_swedish_column(s, "outcome"), _swedish_column(s, "horizon"))],
            "Skattning": s.apply(_estimate, axis=1),
            "95 % KI": [_interval(lo, hi) for lo, hi in zip(s["ci_low"], s["ci_high"])],
            "Uppgiften från": s["checked"].map(lambda v: _sv(v, CHECKED))})
        details = pd.DataFrame({
            "Studie": s.apply(_study_label, axis=1), "Målgrupp": _swedish_column(s, "target_group").map(_text),
            "Jämförelse": _swedish_column(s, "comparison").map(_text), "Källa": _swedish_column(s, "source").map(_text),
            "Var i källan": _swedish_column(s, "locator").map(_text)})
        links = self._csv("06_studies", s)
        notes = ["p.e. = procentenheter. i.u. = uppgift saknas: ingen punktskattning eller inget intervall publicerat "
                 "i de källor som nåtts (se tabellen över poolning nedan för skälet per rad)."]
        return HTML(frame_html(main, caption="Studier och skattningar") + links
                    + nb.show_notes(notes, "Läsanvisning").data
                    + frame_html(details, caption="Detaljer: målgrupp, jämförelse och källa", css_class=f"{CSS} fou-sources"))

    def show_readings(self) -> HTML:
        """The report's reading beside what the sources say; disagreements named."""
        studies = evidence.one_row_per_study(self.studies)
        reading = self.studies[self.studies["checked"] == "as printed in the report"]
        reading_by_key = dict(zip(evidence.study_key(reading["study"]), reading["report_says_sv"]))
        rep = studies["direction_report"].map(lambda v: _sv(v, evidence.DIRECTIONS))
        src = studies["direction_source"].map(lambda v: _sv(v, evidence.DIRECTIONS))
        agree = ["Ja" if a == b else "Nej" for a, b in zip(studies["direction_report"], studies["direction_source"])]
        table = pd.DataFrame({
            "Studie": studies.apply(_study_label, axis=1), "Rapportens riktning": rep,
            "Rapporten skriver": [_text(reading_by_key.get(k, r)) for k, r in zip(studies["study_key"], studies["report_says_sv"])],
            "Källornas riktning": src, "Källorna skriver": studies["source_says_sv"].map(_text), "Samma riktning": agree})
        differ = evidence.disagreements(self.studies)
        notes = [f"{_study_label(r)}. Rapporten ({_sv(r.direction_report, evidence.DIRECTIONS).lower()}): "
                 f"{_text(reading_by_key.get(r.study_key, r.report_says_sv))} Källorna "
                 f"({_sv(r.direction_source, evidence.DIRECTIONS).lower()}): {_text(r.source_says_sv)}"
                 for _i, r in differ.iterrows()]
        links = self._csv("06_readings", table)
        return HTML(frame_html(table, caption="Rapportens läsning bredvid källorna") + links
                    + nb.show_notes(notes, f"Där rapporten och källorna skiljer sig ({len(notes)} studier)").data)

    def show_votes(self) -> HTML:
        report = evidence.vote_count(self.studies, "direction_report").assign(läsning="Rapportens räkning")
        source = evidence.vote_count(self.studies, "direction_source").assign(läsning="Källornas sammanfattningar")
        both = pd.concat([report, source], ignore_index=True)
        order = [evidence.DIRECTIONS[d] for d in evidence.DIRECTIONS if d in set(both["direction"])]
        table = both[["läsning", "label", "studies", "which"]]
        return HTML(nb.show_figure(evidence_figures.votes_figure(both, order, DESKTOP_WIDTH),
                                   "Antal studier per riktning: rapportens räkning och källornas sammanfattningar",
                                   self.output_dir, "06_votes", phone=evidence_figures.votes_figure(both, order, PHONE_WIDTH)).data
                    + nb.show_table(table, {}, {"läsning": "Läsning", "label": "Riktning", "studies": "Studier", "which": "Vilka"},
                                    output_dir=self.output_dir, csv_name="06_vote_count").data)

    def show_meta_analysis(self) -> HTML:
        parts = [self._forest()]
        if self.pooled:
            parts += [self._pooled_table()] + [self._leave_one_out(p, i + 1) for i, p in enumerate(self.pooled)
                                               if p["leave_one_out"] is not None]
        else:
            with_se = int((self.plan["se_used"].notna() & self.plan["estimate"].notna()).sum())
            parts.append(nb.show_notes(
                [f"Ingen grupp av jämförbara skattningar har minst två med medelfel: "
                 f"{with_se} {'skattning' if with_se == 1 else 'skattningar'} av {len(self.plan)} har ett medelfel "
                 "(publicerat eller beräknat från data). Inga medelfel hittas på; varje rads skäl står nedan. "
                 "Läggs publicerade medelfel till i data/evidence/private_vs_public.csv (med källa) poolas de här."],
                "Ingen metaanalys").data)
        rest = self.plan[self.plan["reason"] != ""]
        table = pd.DataFrame({"Studie": rest.apply(_study_label, axis=1), "Skattning": rest.apply(_estimate, axis=1),
                              "Varför den inte poolas": rest["reason"].map(_text)})
        links = self._csv("06_not_pooled", rest[["study", "estimate", "unit", "population", "horizon_months", "group", "reason"]])
        parts.append(frame_html(table, caption="Skattningar som inte poolas, och varför") + links)
        return HTML("\n".join(p for p in parts if p))

    def show_computed(self) -> HTML:
        """The estimate computed from the public-use data beside the paper's published figure."""
        published = self.studies[(self.studies["in_report"] == 0) & (self.studies["checked"] != "computed from the public-use data")]
        if self.computed is None:
            return nb.show_notes(["Raden beräknad från data saknas: parametern microdata är tom. Ange sökvägen till "
                                  "crepon2013_jd.dta (Crépon m.fl. 2013, offentlig version) så skattas den direkta effekten "
                                  "av anvisning med medelfel här."], "Ingen skattning från data")
        c = self.computed
        rows = [{"Skattning": "Publicerad (arbetspapper 2012)", "Jämförelse": "anvisade mot icke anvisade",
                 "Effekt": _estimate(r), "Medelfel": MISSING, "95 % KI": MISSING, "n": MISSING}
                for _i, r in published.iterrows()]
        rows.append({"Skattning": "Beräknad från data", "Jämförelse": evidence_microdata.ESTIMAND,
                     "Effekt": f"{format_signed(100 * c['estimate'], 2)} p.e.", "Medelfel": format_number(100 * c["std_error"], 2),
                     "95 % KI": _interval(100 * c["ci_low"], 100 * c["ci_high"], 2),
                     "n": format_number(c["n"])})
        links = self._csv("06_computed", pd.DataFrame([c]))
        note = (f"Andel med stadigvarande anställning efter 8 månader i rena kontrollmarknader: "
                f"{format_number(100 * c['control_mean'], 1)} procent. {c['clusters']} arbetsmarknader.")
        return HTML(frame_html(pd.DataFrame(rows), caption="Crépon m.fl. (2013): publicerat och beräknat") + links
                    + nb.show_notes([note], "Om skattningen").data)

    # -- parts --------------------------------------------------------------------------
    def _forest(self) -> str:
        rows = self.plan[self.plan["se_used"].notna() & self.plan["estimate"].notna()].copy()
        if rows.empty:
            return ""
        published = rows["ci_low"].notna() & rows["ci_high"].notna()
        rows["ci_low"] = rows["ci_low"].where(published, rows["estimate"] - 1.959964 * rows["se_used"])
        rows["ci_high"] = rows["ci_high"].where(published, rows["estimate"] + 1.959964 * rows["se_used"])
        rows["label"] = rows.apply(_study_label, axis=1)
        pooled = [{"group": p["group"], "result": p["result"],
                   "label": f"Poolad ({p['result'].k} studier, {TAU2_LABELS[self.tau2]}, {self.interval.upper()})"} for p in self.pooled]
        fig = evidence_figures.forest_figure(rows, pooled, "Skillnad privat mot offentlig, procentenheter")
        key = ("Fyrkant: skattning med 95 % konfidensintervall. Romb: poolad skattning med sitt intervall "
               f"({CI_LABELS[self.interval]}). Grå linje: prediktionsintervall, där en ny studies effekt väntas hamna. "
               "Prickade linjer skiljer grupper av jämförbara skattningar.")
        return (nb.show_figure(fig, "Skogsdiagram: skattningar med 95 % konfidensintervall och poolade grupper",
                               self.output_dir, "06_forest").data + nb.show_notes([key], "Så läses diagrammet").data)

    def _pooled_table(self) -> str:
        out = []
        for p in self.pooled:
            r: meta.MetaResult = p["result"]
            contrast, family, unit, _population, months = p["group"].split(" | ")
            population = _text(p["rows"]["target_group_sv"].iloc[0])
            out.append({"Grupp": f"{_sv(contrast, CONTRASTS)}; {_sv(family, FAMILIES)} ({_sv(unit, UNITS)}) efter {months} "
                                 f"månader; {population}", "k": str(r.k),
                        "Poolad": format_signed(r.estimate, 2), "95 % KI": _interval(r.ci_low, r.ci_high, 2),
                        "Prediktionsintervall": _interval(r.pi_low, r.pi_high, 2), "τ²": format_number(r.tau2, 3),
                        "I²": f"{format_number(100 * r.i2, 0)} %",
                        "Q (fg; p)": f"{format_number(r.q, 2)} ({r.q_df}; {format_number(r.q_p, 3)})"})
        links = self._csv("06_pooled", pd.DataFrame([{"group": p["group"], **p["result"].as_dict()} for p in self.pooled]))
        return frame_html(pd.DataFrame(out), caption="Poolade skattningar per grupp av jämförbara skattningar") + links

    def _leave_one_out(self, pooled: dict, number: int = 1) -> str:
        loo = pooled["leave_one_out"]
        links = self._csv(f"06_leave_one_out_{number}", pd.DataFrame(loo).assign(group=pooled["group"]))
        table = pd.DataFrame({"Utelämnad": loo["left_out"], "Poolad utan den": loo["estimate"].map(lambda v: format_signed(v, 2)),
                              "95 % KI": [_interval(a, b, 2) for a, b in zip(loo["ci_low"], loo["ci_high"])]})
        return frame_html(table, caption="En i taget utelämnad") + links

    def _csv(self, name: str, frame: pd.DataFrame) -> str:
        """Save ``tables/<name>.csv`` (and its Excel version); the page's links to them ("" when nothing is saved)."""
        nb.save_csv(frame, self.output_dir, name)
        return nb.downloads(self.output_dir, csv=[name])
