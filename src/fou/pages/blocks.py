"""The notebooks' facade: one call per displayed block, so notebooks stay narration.

Every method returns something Jupyter displays as HTML (tables in the report's
style, figures embedded as PNG) and, when ``output_dir`` is set, also saves the
unformatted table as CSV under ``tables/`` and figures as PNG under ``figures/``.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from fou.study import figures as plots
from fou.study import present
from fou.study import published
from fou.study import statements
from fou.study import definition as study
from fou.study import tables
from fou.extracts.atomic import atomic_write_text
from fou.extracts.format import format_csv_value
from fou.study.inputs import StudyInputs, resolve_inputs
from fou.study.present import HTML


def table_csv(table: pd.DataFrame) -> str:
    """CSV with unformatted numbers, empty cells for missing, flags as 1/0."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(format_csv_value)
    return out.to_csv(index=False, lineterminator="\n")


def figure_html(fig, alt: str) -> HTML:
    """A figure as an embedded PNG (self-contained HTML); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return HTML(f'<figure class="fou-figure"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
                f'style="max-width:100%;height:auto"></figure>')


def header_html(kind: str, rows: Sequence[tuple[str, str]]) -> HTML:
    """A provenance box: a badge for the data's kind and key–value rows."""
    badge = {"transcribed": "Avskrivna siffror", "fetched": "Hämtat från Kolada", "synthetic": "Syntetiska data",
             "published": "Publicerade forskningsresultat", "microdata": "Individdata från experiment"}.get(kind, kind)
    colour = {"transcribed": "#6d4c41", "fetched": "#1b5e20", "synthetic": "#b71c1c"}.get(kind, "#37474f")
    body = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return HTML(f'<div class="fou-provenance" data-source="{html.escape(kind)}" style="border:1px solid #ccc;'
                f'padding:0.6em 1em;margin:0.5em 0"><span style="background:{colour};color:#fff;padding:0.1em 0.5em;'
                f'border-radius:3px">{html.escape(badge)}</span><table style="margin-top:0.4em">{body}</table></div>')


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, columns: dict[str, str] | None = None,
               caption: str = "", output_dir: str | Path | None = None, csv_name: str | None = None) -> HTML:
    """A result table in Swedish style; also saved as CSV when ``output_dir`` and ``csv_name`` are set."""
    if output_dir and csv_name:
        atomic_write_text(Path(output_dir) / "tables" / f"{csv_name}.csv", table_csv(frame))
    return HTML(present.frame_html(frame, decimals, columns, caption))


def show_figure(fig, alt: str, output_dir: str | Path | None = None, png_name: str | None = None) -> HTML:
    """A figure embedded in the page; also saved as PNG when ``output_dir`` and ``png_name`` are set."""
    if output_dir and png_name:
        plots.save_figure(fig, Path(output_dir) / "figures" / f"{png_name}.png")
    return figure_html(fig, alt)


def show_notes(notes: Sequence[str], title: str = "Observera") -> HTML:
    """A visible box of notes (nothing when there are none)."""
    return HTML(present.note_html(list(notes), title))


def extract_header(inputs: StudyInputs, extra: Sequence[tuple[str, str]] = (), years: str | None = None) -> HTML:
    """Provenance box for a page on a Kolada extract (``years`` overrides the År row)."""
    ex = inputs.extract
    rows = [("Källa", ex.provenance()), ("Extrakt", f"{ex.manifest.get('name', ex.path.name)} (sha256 {ex.checksum[:12]}…)"),
            ("Region", f"{inputs.region.label()}: {len(inputs.region.ids)} kommuner"),
            ("År", years or study.year_span(list(inputs.years))), *extra]
    return header_html(ex.source_kind, rows)


class Study:
    """A study notebook's inputs and its displayable blocks."""

    def __init__(self, inputs: StudyInputs, output_dir: str | Path | None = None, name: str = "study"):
        self.inputs = inputs
        self.output_dir = Path(output_dir) if output_dir else None
        self.name = name
        self._tables: dict[str, pd.DataFrame] = {}

    # -- data -------------------------------------------------------------------
    @property
    def region(self):
        return self.inputs.region

    def table(self, kind: str) -> pd.DataFrame:
        """The numbers of a study table (``table1`` … ``table5``, ``diagram1``)."""
        if kind not in self._tables:
            v, r, i = self.inputs.values, self.inputs.region, self.inputs
            builders = {"table1": lambda: tables.table1(v, r, i.year), "table2": lambda: tables.table2(v, r, i.year),
                        "table3": lambda: tables.table3(v, r, i.year), "table4": lambda: tables.table4(v, r, i.years),
                        "table5": lambda: tables.table5(v, r, i.years), "diagram1": lambda: tables.diagram1(v, r, i.years)}
            self._tables[kind] = builders[kind]()
        return self._tables[kind]

    def _save_csv(self, stem: str, frame: pd.DataFrame) -> None:
        if self.output_dir is not None:
            atomic_write_text(self.output_dir / "tables" / f"{stem}.csv", table_csv(frame))

    # -- display blocks -----------------------------------------------------------
    def header(self) -> HTML:
        """Provenance box: extract, its source, region and years."""
        years = f"{self.inputs.year} (tabell 1–3), {study.year_span(list(self.inputs.years))} (tabell 4–5, diagram 1)"
        return extract_header(self.inputs, years=years)

    def show(self, kind: str) -> HTML:
        """A study table in the report's style, with notes on missing KPIs; saved as CSV."""
        t = self.table(kind)
        self._save_csv(study.TABLE_FILES[kind], t)
        kpis = {"table1": study.TABLE1, "table2": study.TABLE2, "table3": study.TABLE3,
                "table4": (study.PARTICIPANTS,), "table5": (study.REFERRALS_AF,)}[kind]
        notes = [f"{k.id} ({k.label}) saknas i extraktet: kolumnen visar i.u."
                 for k in tables.missing_kpis(self.inputs.values, kpis, self.region.ids)]
        return HTML(present.table_html(t, kind, self.inputs.year, self.inputs.years, notes))

    def diagram1(self) -> HTML:
        """Diagram 1 with a visible note for every series the extract lacks."""
        data = self.table("diagram1")
        self._save_csv(study.TABLE_FILES["diagram1"], data)
        fig = plots.diagram1_figure(data, self.inputs.years, self.region.name)
        if self.output_dir is not None:
            plots.save_figure(fig, self.output_dir / "figures" / f"{self.name}-diagram1.png")
        notes = tables.diagram1_notes(self.inputs.values, self.region, self.inputs.years)
        return HTML(figure_html(fig, study.TITLES["diagram1"].format(years=study.year_span(list(self.inputs.years)))).data
                    + present.note_html(notes))

    def participants_figure(self) -> HTML:
        """Tabell 4 as small multiples, one panel per municipality (a note when there is no data)."""
        t = self.table("table4")
        if t[tables.numeric_columns(t)].isna().all().all():
            return HTML(present.note_html([f"{study.PARTICIPANTS.id} ({study.PARTICIPANTS.label}) saknas i extraktet: "
                                           "ingen figur att visa."]))
        fig = plots.year_lines_figure(self.table("table4"), "Deltagare per kommun och år", "Deltagare")
        if self.output_dir is not None:
            plots.save_figure(fig, self.output_dir / "figures" / f"{self.name}-participants.png")
        return figure_html(fig, "Deltagare i kommunala arbetsmarknadsinsatser per kommun och år")

    def statements(self, numbers: Sequence[str] | None = None) -> HTML:
        """The report's checkable statements recomputed on the data (all, or ``numbers``)."""
        df = statements.evaluate(self.inputs.values, self.region, self.inputs.year, self.inputs.years)
        if numbers is not None:
            df = df[df["nr"].isin(list(numbers))]
        if numbers is None:
            self._save_csv("statements", df)
        shown = statements.format_statements(df)
        styler = shown.style.hide(axis="index").set_table_attributes('class="fou-table fou-statements"')
        colours = {"Ja": "background-color:#e8f5e9", "Nej": "background-color:#ffebee", "–": "background-color:#f5f5f5"}
        styler = styler.map(lambda v: colours.get(v, ""), subset=["Stämmer"])
        return HTML('<div style="overflow-x:auto">' + styler.to_html() + "</div>")

    def comparison(self) -> HTML:
        """Cell-by-cell comparison with the report's figures (or why there is none)."""
        ex = self.inputs.extract
        if ex.is_report_transcription:
            return HTML(present.note_html(
                ["Extraktet är rapportens egna tabeller, avskrivna för hand: en jämförelse med de publicerade "
                 "siffrorna vore en jämförelse med sig självt. Kör med ett hämtat extrakt (fou fetch) för att se "
                 "vad Kolada har reviderat sedan rapporten."], title="Ingen jämförelse"))
        comp = published.compare(ex.values)
        self._save_csv("comparison_with_report", comp)
        summ = published.summary(comp)
        diffs = published.format_differences(comp)
        parts = ["<h4>Antal celler per status och nyckeltal</h4>",
                 '<div style="overflow-x:auto">' + summ.style.hide(axis="index").to_html() + "</div>"]
        if len(diffs):
            parts += [f"<h4>Celler som skiljer sig från rapporten ({len(diffs)})</h4>",
                      '<div style="overflow-x:auto">' + diffs.style.hide(axis="index").to_html() + "</div>"]
        else:
            parts.append("<p>Alla celler som finns i båda stämmer med rapporten inom dess avrundning.</p>")
        return HTML("\n".join(parts))


def open_study(extract: str | None = None, region: str = study.DEFAULT_REGION, year: int = study.DEFAULT_YEAR,
               years: object = study.DEFAULT_YEARS, metadata: str | None = None, output_dir: str | None = None,
               name: str = "study") -> Study:
    """Validate the notebook's parameters and open the study (raises on bad input)."""
    inputs = resolve_inputs(extract or None, region, year, years, metadata or None)
    return Study(inputs, output_dir or None, name)
