"""The national context page (notebook 09): SKR's county survey 2023 and Dua's county shares
2019 (transcribed, ``data/transcribed``), their checks, and a county-level pairing with Kolada
from the shipped national extract."""

from __future__ import annotations

import pandas as pd

from fou.effects.survey import checks, pairing, respondents, tables
from fou.effects.survey import figures as plots
from fou.extracts.pilots import load_pilots
from fou.extracts.swedish import format_number, plural
from fou.pages import blocks as nb
from fou.pages.blocks import downloads
from fou.pages.html import HTML, Cell, table
from fou.study.inputs import open_extract

DEFAULT_KPIS = "U40455,N03920,N31807,N31816"
VERDICT_CLASS = {"Ja": "verdict-ja", "Nej": "verdict-nej"}


def parse_questions(value: str | int) -> list[int]:
    """Figure numbers from ``"12,13"`` (ValueError on anything else)."""
    out = [int(p) for p in str(value).replace(";", ",").split(",") if p.strip()]
    if not out or any(q not in tables.FIGURES for q in out):
        raise ValueError(value)
    return sorted(set(out))


def parse_kpis(value: str) -> list[str]:
    return list(dict.fromkeys(k.strip().upper() for k in str(value).split(",") if k.strip()))


class NationalContextPage:
    """The survey, Dua's shares, the checks and the pairing, for the page's parameters."""

    def __init__(self, extract: str = "kolada-national", questions: str = "12,13,14,15", kpis: str = DEFAULT_KPIS,
                 year: int = 2022, highlight: str = "Västra Götaland", draws: int = 9999, output_dir: str | None = None):
        self.output_dir = output_dir or None
        self.questions = parse_questions(questions)
        self.kpis = parse_kpis(kpis)
        self.year = int(year)
        self.highlight = tables.county_region_id(highlight)
        self.draws = int(draws)
        self.extract = open_extract(extract)
        self.units = tables.load_units(self.extract.path)
        self.per_county = tables.municipalities_per_county(self.units)
        self.survey_all = tables.load_survey()
        self.survey = self.survey_all[self.survey_all["figure"].isin(self.questions)]
        self.stated = tables.load_stated()
        self.manifest = tables.manifest()
        self.titles = tables.questions(self.survey_all)
        self.respondents = respondents.infer(self.survey_all, self.per_county)
        self.dua = respondents.dua_applicants(tables.load_dua(), self.per_county)
        self.kpi_titles = self.extract.manifest.get("source", {}).get("kpi_titles", {})

    # --- pieces -----------------------------------------------------------------------------
    def _figure(self, draw, alt: str, name: str) -> HTML:
        return nb.show_figure(draw(plots.DESKTOP_WIDTH), alt, self.output_dir, name, phone=draw(plots.PHONE_WIDTH))

    def _csv(self, frame: pd.DataFrame, name: str) -> str:
        nb.save_csv(frame, self.output_dir, name)
        return name

    @property
    def highlight_name(self) -> str:
        return tables.county_name(self.highlight) if self.highlight else ""

    def show_header(self) -> HTML:
        docs = self.manifest["documents"]
        rows = [("Enkäten", f"{docs[tables_seed('skr')]['title']}: tabellbilagan, figur "
                            f"{', '.join(map(str, self.questions))} (kommunsvar per län {tables.SURVEY_YEAR})"),
                ("Dua", f"{docs[tables_seed('dua')]['title']}: avsnitt 3.4.1, andel kommuner per län som sökt statsbidrag"),
                ("Avskrivet", f"{self.manifest['transcribed_at']} ur dokumentens text ({self.manifest['transcribed_by']}), "
                              "jämfört för hand med de tryckta tabellerna; inget hämtat"),
                ("Kolada", f"{self.extract.provenance()}; år {self.year}"),
                ("Markerat län", self.highlight_name or "inget")]
        return nb.header_html("transcribed", rows)

    def summary(self) -> list[str]:
        """Sentences on the nation and the highlighted county, computed from the tables."""
        s = self.stated
        out = [f"I SKR:s enkät {tables.SURVEY_YEAR} svarade {s['skr_respondents']} av {s['skr_municipalities']} kommuner "
               f"({s['skr_response_rate']} %). Hos Dua hade {s['dua_applicants']} av {s['dua_municipalities']} kommuner "
               f"sökt statsbidrag i februari 2020 ({s['dua_share']} %)."]
        if not self.highlight:
            return out
        name = self.highlight_name
        for q in self.questions:
            ranked = plots.sort_areas(tables.wide(self.survey, q))
            ranked = ranked[ranked["region_id"] != tables.RIKET].reset_index(drop=True)
            at = ranked.index[ranked["region_id"].str.split("+").map(lambda ids: self.highlight in ids)]
            if not len(at):
                continue
            row, national = ranked.loc[at[0]], tables.wide(self.survey, q).iloc[0]
            area = tables.county_name(row["area"])
            out.append(f"Figur {q} ({tables.SHORT_QUESTIONS[q]}): i {area} svarade {row['Positiv']} % "
                       f"positivt och {row['Negativ']} % negativt (alla svarande kommuner: {national['Positiv']} och "
                       f"{national['Negativ']} %); {_higher(int((ranked['net'] > row['net']).sum()), len(ranked))} "
                       "en högre andel positiva minus negativa.")
        d = self.dua.sort_values("percent", ascending=False).reset_index(drop=True)
        hit = d.index[d["region_id"] == self.highlight]
        if len(hit):
            r = d.loc[hit[0]]
            higher = int((d["percent"] > r["percent"]).sum())
            out.append(f"Dua 2019: {format_number(r['applicants'])} av {plural(int(r['municipalities']), 'kommun', 'kommuner')} i "
                       f"{name} sökte statsbidrag ({r['percent']} %); {_higher(higher, len(d))} en högre andel.")
        return out

    def show_summary(self) -> HTML:
        return nb.show_notes(self.summary(), f"I korthet{': ' + self.highlight_name if self.highlight else ''}")

    def show_survey(self) -> HTML:
        """One diverging bar figure per question, and the shares as CSV."""
        out = self.survey.assign(area=self.survey["area"], region_id=self.survey["region_id"])
        csv = self._csv(out[["figure", "area", "region_id", "response", "percent", "question"]], "skr_survey_2023")
        parts = []
        for q in self.questions:
            w = tables.wide(self.survey, q)
            title = f"Figur {q}. {self.titles[q]} Kommunsvar per län {tables.SURVEY_YEAR}."
            parts.append(self._figure(lambda width, w=w, title=title: plots.diverging_figure(w, title, self.highlight, width),
                                      f"Figur {q}: svarsfördelning per län, {self.titles[q]}", f"09_survey_fig{q}").data)
        return HTML("".join(parts) + downloads(self.output_dir, csv=[csv] if self.output_dir else []))

    def show_respondents(self) -> HTML:
        """Inferred respondents per county row and question (the national row is left out: its N is
        stated), summed against the stated N, with the response rate."""
        r = self.respondents[self.respondents["figure"].isin(self.questions) & (self.respondents["region_id"] != tables.RIKET)]
        long = r[["figure", "area", "region_id", "respondents", "municipalities", "respondents_max", "response_rate", "counts"]]
        csv = self._csv(long, "skr_survey_respondents")
        shown = r.pivot(index="area", columns="figure", values="respondents").reindex(list(dict.fromkeys(r["area"])))
        shown.columns = [f"Svarande, figur {c}" for c in shown.columns]
        shown.insert(0, "Kommuner i Kolada", r.drop_duplicates("area").set_index("area")["municipalities"].astype(int))
        total = shown.sum().to_frame().T.set_axis([f"Summa (uppgift: {self.stated['skr_respondents']} av "
                                                   f"{self.stated['skr_municipalities']})"])
        shown = pd.concat([shown, total])
        largest = shown.filter(like="Svarande").max(axis=1)
        shown["Svarsfrekvens (%)"] = 100 * largest / shown["Kommuner i Kolada"]
        shown = shown.rename_axis("area").reset_index().rename(columns={"area": "Län (som i rapporten)"})
        decimals = {c: 0 for c in shown.columns if c != "Län (som i rapporten)"}
        return HTML(nb.show_table(shown, decimals, caption="Minsta antal svarande kommuner som återger varje rad, och "
                                  "svarsfrekvensen (frågornas största antal delat med länets kommuner)").data
                    + downloads(self.output_dir, csv=[csv] if self.output_dir else []))

    def show_dua(self) -> HTML:
        d = self.dua
        csv = self._csv(d[["area", "region_id", "percent", "municipalities", "applicants"]], "dua_2019_applications")
        national = 100 * self.stated["dua_applicants"] / self.stated["dua_municipalities"]
        fig = self._figure(lambda w: plots.dua_figure(d, national, self.highlight, w),
                           "Andel kommuner per län som sökt statsbidrag hos Dua", "09_dua")
        shown = d.assign(area=d["area"])[["area", "percent", "municipalities", "applicants"]]
        table_html = nb.show_table(shown, {"percent": 0, "applicants": 0},
                                   {"area": "Län (som i rapporten)", "percent": "Andel (%)", "municipalities": "Kommuner i Kolada",
                                    "applicants": "Sökande kommuner (härlett)"},
                                   caption="Dua 2019: andel per län och antal kommuner som andelen motsvarar")
        note = (f"I mars 2023 hade Arbetsförmedlingen tecknat lokala överenskommelser med "
                f"{self.stated['signed_agreements_2023']} av {self.stated['dua_municipalities']} kommuner "
                f"(SKR, nyhet 2023-03-17); uppgiften finns inte per län.")
        return HTML(fig.data + table_html.data + downloads(self.output_dir, csv=[csv] if self.output_dir else [])
                    + nb.show_notes([note], "Överenskommelser 2023").data)

    def area_values(self, areas: list[str]) -> pd.DataFrame:
        return pairing.area_values(areas, self.extract.values, self.kpis, self.year, self.units, load_pilots())

    def correlations(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The correlation table and the county data behind it (survey areas, then Dua's counties)."""
        variables = {k: f"{k} {self.kpi_titles.get(k, '')}".strip() for k in self.kpis} | {pairing.PILOT_SHARE: pairing.PILOT_LABEL}
        measures = pairing.survey_measures({q: tables.wide(self.survey, q) for q in self.questions})
        survey_context = self.area_values(list(measures["area"]))
        dua = self.dua[["area", "percent"]].rename(columns={"percent": "dua"})
        dua_context = self.area_values(list(dua["area"]))
        corr = pd.concat([pairing.correlations(measures, survey_context, variables, self.draws),
                          pairing.correlations(dua, dua_context, variables, self.draws)], ignore_index=True)
        corr["p_holm"] = pairing.holm_all(corr["p_value"])
        corr = corr.assign(survey_year=[tables.DUA_YEAR if m == "dua" else tables.SURVEY_YEAR for m in corr["measure"]],
                           kolada_year=self.year)
        data = pd.concat([pairing.long_form(measures, survey_context, self.kpis, "skr"),
                          pairing.long_form(dua, dua_context, self.kpis, "dua")], ignore_index=True)
        return corr, data

    def show_pairing(self) -> HTML:
        corr, data = self.correlations()
        csv = [self._csv(corr, "national_context_correlations"), self._csv(data, "national_context_counties")]
        names = {f"fig{q}": f"Figur {q}: {tables.SHORT_QUESTIONS[q]} (positiva − negativa, {tables.SURVEY_YEAR})"
                 for q in self.questions} | {"dua": f"Dua: andel kommuner som sökt statsbidrag ({tables.DUA_YEAR})"}
        cell = corr.assign(text=[f"{format_number(r, 2)} (p {format_number(p, 3)}; Holm {format_number(h, 3)})"
                                 for r, p, h in zip(corr["rho"], corr["p_value"], corr["p_holm"])])
        shown = cell.pivot(index="measure", columns="variable", values="text").reindex(list(dict.fromkeys(corr["measure"])))
        shown = shown[list(dict.fromkeys(corr["variable"]))].rename(columns=lambda v: v if v in self.kpis else "KROM-piloter")
        shown.insert(0, "Län", corr.groupby("measure")["n_areas"].max().reindex(shown.index).astype(int))
        shown = shown.rename(index=names).rename_axis("Mått").reset_index()
        variables = [f"{k}: {self.kpi_titles.get(k, 'i.u.')}" for k in self.kpis] + [f"KROM-piloter: {pairing.PILOT_LABEL}"]
        table_html = nb.show_table(shown, {"Län": 0}, caption=f"Spearmans ρ per län (p-värde; Holm-justerat): enkäten "
                                   f"{tables.SURVEY_YEAR} och Dua {tables.DUA_YEAR} mot Kolada {self.year}")
        lacking = [k for k in self.kpis if data.loc[data["variable"] == k, "value"].isna().all()]
        notes = [f"Kolada {self.year}: " + "; ".join(variables) + ".",
                 f"Beskrivande och ekologiskt: län jämförs med län ({plural(int(corr['n_areas'].max()), 'område', 'områden')} "
                 "som mest), inte kommuner, och sambanden säger inget om orsaker. Ett läns värde i Kolada är det ovägda "
                 f"medelvärdet av dess kommuner med uppgift {self.year}; enkätens mått är andelen positiva minus andelen "
                 "negativa svar. Stockholm och Gotland är ett område i enkäten och två län hos Dua.",
                 f"p-värden: tvåsidiga permutationstest av rangernas parning (scipy), exakta när alla permutationer ryms i "
                 f"{format_number(self.draws)} dragningar, annars {format_number(self.draws)} slumpade permutationer med fast "
                 "frö; Holm-justering över tabellens alla celler."]
        if lacking:
            notes.append(f"Saknar värden {self.year} i extraktet: {', '.join(lacking)}.")
        return HTML(table_html.data + downloads(self.output_dir, csv=csv if self.output_dir else [])
                    + nb.show_notes(notes, "Så ska sambanden läsas").data)

    def checks(self) -> pd.DataFrame:
        rows = checks.row_checks(self.survey, self.respondents, self.questions)
        self._csv(rows, "national_context_row_checks")
        return checks.summary(self.survey, rows, self.respondents, self.dua, self.stated, self.questions)

    def show_checks(self) -> HTML:
        df = self.checks()
        csv = self._csv(df, "national_context_checks")
        verdict = df["holds"].map(lambda h: "–" if h is None or pd.isna(h) else ("Ja" if h else "Nej"))
        shown = pd.DataFrame({"Nr": df["nr"], "Stämmer": verdict, "Källa": df["source"], "Kontroll": df["check"],
                              "Uppgift": df["stated"], "Beräknat": df["computed"], "Kommentar": df["comment"].replace("", "–")})
        header = [Cell(c, "verdict" if c == "Stämmer" else "") for c in shown.columns]
        body = [[Cell(str(v), VERDICT_CLASS.get(str(v), "verdict-none") if col == "Stämmer" else "")
                 for col, v in zip(shown.columns, shown.iloc[i])] for i in range(len(shown))]
        return HTML(table(header, body, css_class="fou-table fou-statements", stack=True)
                    + downloads(self.output_dir, csv=[csv, "national_context_row_checks"] if self.output_dir else []))


def _higher(n: int, of: int) -> str:
    """``inget av 20 områden hade`` / ``6 av 21 områden hade``."""
    return f"{'inget' if n == 0 else format_number(n)} av {format_number(of)} områden hade"


def tables_seed(kind: str) -> str:
    """The seed file name of a document in the manifest (``skr`` or ``dua``)."""
    return {"skr": tables.SKR_SEED, "dua": tables.DUA_SEED}[kind]
