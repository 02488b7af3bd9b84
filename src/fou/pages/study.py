"""The study pages (notebooks 01–04): the report's tables, Diagram 1, statements and checks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from fou.pages import html
from fou.pages.blocks import extract_header, figure_html, save_csv
from fou.pages.html import HTML, Cell
from fou.study import definition as study
from fou.study import figures as plots
from fou.study import present, published, statements, tables
from fou.study.inputs import resolve_inputs

KPIS_OF = {"table1": study.TABLE1, "table2": study.TABLE2, "table3": study.TABLE3,
           "table4": (study.PARTICIPANTS,), "table5": (study.REFERRALS_AF,)}
LEGEND_NOTE = "i.u. = ingen uppgift; färgen följer närmast följande år med uppgift, annars närmast föregående."


def study_table_html(table: pd.DataFrame, kind: str, year: int | None = None, years: Sequence[int] | None = None,
                     notes: Sequence[str] = ()) -> str:
    """A study table as the report prints it: title, table, source line, Table 5's legend, notes."""
    shown = present.format_table(table, kind)
    cell_class = "mark" if kind == "table3" else "num"
    classes = None
    if kind == "table5":
        levels = present.shade_levels(table)
        classes = levels.map(lambda lv: f"shade-{lv}" if isinstance(lv, str) else "")
        classes.columns = shown.columns[1:]
    header = [Cell("Kommun")] + [Cell(c, cell_class) for c in shown.columns[1:]]
    rows = []
    for i in range(len(shown)):
        cells = [Cell(str(shown.iat[i, 0]))]
        for j, col in enumerate(shown.columns[1:]):
            extra = classes.iat[i, j] if classes is not None else ""
            cells.append(Cell(str(shown.iat[i, j + 1]), f"{cell_class} {extra}".strip()))
        rows.append(cells)
    totals = ["fou-total" if t else "" for t in present.is_total_row(table)] if kind == "table2" else None
    legend = [(f"shade-{k}", present.SHADE_LABELS[k]) for k in ("high", "middle", "low")] if kind == "table5" else ()
    body = html.table(header, rows, caption=present.caption(kind, year, years), heading="h3",
                      css_class=f"fou-table fou-{kind}", kind=kind, source=study.SOURCES[kind], row_classes=totals,
                      legend=legend, legend_note=LEGEND_NOTE if legend else "")
    return body + html.notes(list(notes))


class StudyPage:
    """A study notebook's validated inputs and its displayable blocks."""

    def __init__(self, extract: str | None = None, region: str = study.DEFAULT_REGION, year: int = study.DEFAULT_YEAR,
                 years: object = study.DEFAULT_YEARS, metadata: str | None = None, output_dir: str | None = None,
                 name: str = "study"):
        self.inputs = resolve_inputs(extract or None, region, year, years, metadata or None)
        self.output_dir = Path(output_dir) if output_dir else None
        self.name = name
        self._tables: dict[str, pd.DataFrame] = {}

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
        save_csv(frame, self.output_dir, stem)

    def _save_png(self, fig, suffix: str) -> None:
        if self.output_dir is not None:
            plots.save_figure(fig, self.output_dir / "figures" / f"{self.name}-{suffix}.png")

    def show_header(self) -> HTML:
        """Provenance box: extract, its source, region and years."""
        years = f"{self.inputs.year} (tabell 1–3), {study.year_span(list(self.inputs.years))} (tabell 4–5, diagram 1)"
        return extract_header(self.inputs, years=years)

    def show(self, kind: str) -> HTML:
        """A study table in the report's style, with notes on missing KPIs; saved as CSV."""
        t = self.table(kind)
        self._save_csv(study.TABLE_FILES[kind], t)
        notes = [f"{k.id} ({k.label}) saknas i extraktet: kolumnen visar i.u."
                 for k in tables.missing_kpis(self.inputs.values, KPIS_OF[kind], self.region.ids)]
        return HTML(study_table_html(t, kind, self.inputs.year, self.inputs.years, notes))

    def show_diagram1(self) -> HTML:
        """Diagram 1 with a visible note for every series the extract lacks."""
        data = self.table("diagram1")
        self._save_csv(study.TABLE_FILES["diagram1"], data)
        fig = plots.diagram1_figure(data, self.inputs.years, self.region.name)
        self._save_png(fig, "diagram1")
        notes = tables.diagram1_notes(self.inputs.values, self.region, self.inputs.years)
        title = study.TITLES["diagram1"].format(years=study.year_span(list(self.inputs.years)))
        return HTML(figure_html(fig, title).data + html.notes(notes))

    def show_participants(self) -> HTML:
        """Tabell 4 as small multiples, one panel per municipality (a note when there is no data)."""
        t = self.table("table4")
        if t[tables.numeric_columns(t)].isna().all().all():
            return HTML(html.notes([f"{study.PARTICIPANTS.id} ({study.PARTICIPANTS.label}) saknas i extraktet: "
                                    "ingen figur att visa."]))
        fig = plots.year_lines_figure(t, "Deltagare per kommun och år", "Deltagare")
        self._save_png(fig, "participants")
        return figure_html(fig, "Deltagare i kommunala arbetsmarknadsinsatser per kommun och år")

    def show_statements(self, numbers: Sequence[str] | None = None) -> HTML:
        """The report's checkable statements recomputed on the data (all, or ``numbers``)."""
        df = statements.evaluate(self.inputs.values, self.region, self.inputs.year, self.inputs.years)
        if numbers is not None:
            df = df[df["nr"].isin(list(numbers))]
        else:
            self._save_csv("statements", df)
        shown = statements.format_statements(df)
        verdict = {"Ja": "verdict-ja", "Nej": "verdict-nej"}
        header = [Cell(c) for c in shown.columns]
        rows = [[Cell(str(v), verdict.get(str(v), "verdict-none") if col == "Stämmer" else "")
                 for col, v in zip(shown.columns, shown.iloc[i])] for i in range(len(shown))]
        return HTML(html.table(header, rows, css_class="fou-table fou-statements"))

    def show_comparison(self) -> HTML:
        """Cell-by-cell comparison with the report's figures (or why there is none)."""
        ex = self.inputs.extract
        if ex.is_report_transcription:
            return HTML(html.notes(
                ["Extraktet är rapportens egna tabeller, avskrivna för hand: en jämförelse med de publicerade "
                 "siffrorna vore en jämförelse med sig självt. Kör med ett hämtat extrakt (fou fetch) för att se "
                 "vad Kolada har reviderat sedan rapporten."], title="Ingen jämförelse"))
        comp = published.compare(ex.values)
        self._save_csv("comparison_with_report", comp)
        diffs = published.format_differences(comp)
        parts = [html.frame_html(published.summary(comp), caption="Antal celler per status och nyckeltal")]
        if len(diffs):
            parts.append(html.frame_html(diffs, caption=f"Celler som skiljer sig från rapporten ({len(diffs)})"))
        else:
            parts.append("<p>Alla celler som finns i båda stämmer med rapporten inom dess avrundning.</p>")
        return HTML("\n".join(parts))
