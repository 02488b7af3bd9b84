"""The municipality profile page (notebook 10): one municipality against its county and Riket.

Every sentence is built from the extract, the pilot list and the parameters: counts, years,
names and comparisons follow the data; a missing value is i.u. with its reason.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from fou.extracts.pilots import load_pilots
from fou.extracts.swedish import format_number, plural, year_span
from fou.pages import blocks as nb
from fou.pages import html
from fou.pages.html import HTML
from fou.study import profile
from fou.study.inputs import open_extract

#: What the shipped reference says about the roll-out after the pilots (data/reference/README.md).
ROLLOUT = ("Enligt Arbetsförmedlingen infördes tjänsten sedan i fler kommuner: 101 den 1 oktober 2021 och ytterligare "
           "104 den 7 december 2021 (Arbetsförmedlingen, nyhet 2021-10-01).")
AGE_NOTE = ("N03920 och N03926: Kolada kallar i dag nyckeltalen 18–65 respektive 25–65 år; till och med 2022 avsåg de "
            "18–64 och 25–64 år (Koladas beskrivning), så sidan använder de åldrarna.")


def _pct(value: float, decimals: int = 1) -> str:
    return format_number(value, decimals) + ("" if pd.isna(value) else "\u00a0%")


class ProfilePage:
    """A municipality's KPIs, KAS outcome, KROM status and rank among similar municipalities."""

    def __init__(self, municipality: str = "Göteborg", extract: str = "kolada-national", output_dir: str | None = None):
        self.output_dir = output_dir or None
        self.extract = open_extract(extract or "kolada-national")
        self.m = profile.find_municipality(self.extract, municipality)
        self.group = profile.comparison_group(self.extract, self.m.id)
        self.table = profile.series(self.extract, self.m)
        self._values = dict(zip(zip(self.table["kpi"], self.table["year"].astype(int), self.table["role"]),
                                self.table["value"].astype(float)))  # value(): a page asks for dozens
        self.years = self.extract.years
        self.year = max(self.years)
        self.ranks = profile.ranks(self.extract, self.group, self.m, self.year).set_index("kpi")
        self.pilots = load_pilots()
        self.krom = profile.krom(self.pilots, self.m.id)
        self.kpis = profile.kpis_in(self.extract)
        self.means = profile.outcome_means(self.extract, self.m)
        self.names = {"kommun": self.m.name, "län": self.m.county_name, "riket": "Riket"}
        long = self.table.assign(unit=self.table["role"].map(self.names),
                                 label=self.table["kpi"].map(lambda k: profile.KPIS[k][0]),
                                 source=self.table["kpi"].map(lambda k: profile.KPIS[k][1]))
        nb.save_csv(long[["kpi", "label", "year", "role", "unit_id", "unit", "value", "reason", "source"]],
                    self.output_dir, "profile_series")

    # -- helpers ---------------------------------------------------------------------
    def value(self, kpi: str, year: int, role: str = "kommun") -> float:
        return float(self._values.get((kpi, int(year), role), float("nan")))

    def reported_years(self, kpi: str, role: str = "kommun") -> list[int]:
        t = self.table
        return sorted(t[(t["kpi"] == kpi) & (t["role"] == role) & t["value"].notna()]["year"].astype(int))

    def _fmt(self, kpi: str, value: float) -> str:
        decimals = profile.KPIS[kpi][2]
        return format_number(value, decimals) if kpi == "N01951" else _pct(value, decimals)

    # -- blocks ----------------------------------------------------------------------
    def show_header(self) -> HTML:
        ex = self.extract
        group = (f"{self.group.region.label()}, {self.group.kind}: {plural(len(self.group.region.ids), 'kommun', 'kommuner')}"
                 if self.group else "i.u.: extraktet har ingen kommungruppsindelning (groups.csv)")
        rows = [("Källa", ex.provenance()),
                ("Extrakt", f"{ex.manifest.get('name', ex.path.name)} (sha256 {ex.checksum[:12]}…)"),
                ("Kommun", f"{self.m.name} ({self.m.id})"), ("Län", f"{self.m.county_name} ({self.m.county_id})"),
                ("Jämförelsegrupp", group), ("År", year_span(self.years)),
                ("KROM-piloter", f"{plural(len(self.pilots), 'kommun', 'kommuner')} (Arbetsförmedlingen 2019-11-06)")]
        return nb.header_html(ex.source_kind, rows)

    def summary(self) -> list[str]:
        """The page's opening paragraphs, every number from the data."""
        m, y = self.m, self.year
        out = []
        pop = self.value("N01951", y)
        group = (f" och hör till {self.group.kind} {self.group.region.name} "
                 f"({plural(len(self.group.region.ids), 'kommun', 'kommuner')})") if self.group else ""
        out.append(f"{m.name} hade {format_number(pop)} invånare {y} (N01951, SCB). Kommunen ligger i "
                   f"{m.county_name} (länet){group}." if not pd.isna(pop) else
                   f"{m.name}: antalet invånare {y} är i.u. Kommunen ligger i {m.county_name} (länet){group}.")
        if "N03920" in self.kpis:
            own, county, riket = (self.value("N03920", y, r) for r in profile.ROLES)
            out.append(f"Arbetslösa 18–64 år {y}: {_pct(own)} i {m.name}, {_pct(county)} i {m.county_name} och "
                       f"{_pct(riket)} i riket (N03920, Arbetsförmedlingen och SCB){self._compare(own, riket)}.")
        out.append(self.outcome_sentence())
        out.append(self.krom_sentence())
        return out

    @staticmethod
    def _compare(own: float, riket: float) -> str:
        if pd.isna(own) or pd.isna(riket) or round(own, 1) == round(riket, 1):
            return ""
        return ": lägre än i riket" if own < riket else ": högre än i riket"

    def outcome_sentence(self) -> str:
        """U40455 in one sentence: the last reported value and the years with values."""
        if profile.OUTCOME not in self.kpis:
            return f"Extraktet saknar {profile.OUTCOME}, resultatet av kommunens arbetsmarknadsinsatser."
        years = self.reported_years(profile.OUTCOME)
        if not years:
            return (f"{self.m.name} har ingen uppgift om resultatet vid avslut i kommunens arbetsmarknadsinsatser "
                    f"({profile.OUTCOME}) något år {year_span(self.years)}.")
        last = years[-1]
        return (f"Av dem som avslutade kommunens arbetsmarknadsinsatser {last} hade {_pct(self.value(profile.OUTCOME, last))} "
                f"börjat arbeta eller studera ({profile.OUTCOME}, kommunens egna uppgifter via Kolada); "
                f"uppgift finns för {plural(len(years), 'år', 'år')} ({year_span(years)}).")

    def krom_sentence(self) -> str:
        """Whether and when the municipality got KROM, saying only what the pilot list supports."""
        n = len(self.pilots)
        if self.krom:
            start = self.krom.get("start", "")
            when = f"från {_month(start)}" if start else ""
            return (f"{self.m.name} var en av de {n} pilotkommuner där Arbetsförmedlingen prövade Kundval Rusta och "
                    f"matcha (KROM), tjänster hos fristående aktörer, {when} (pilotområde {self.krom.get('pilot_area', 'i.u.')}; "
                    f"källa: {self.krom.get('source', 'Arbetsförmedlingen')}).")
        starts = sorted(set(self.pilots["start"].astype(str))) if "start" in self.pilots else []
        when = f" från {_month(starts[0])}" if len(starts) == 1 else ""
        return (f"{self.m.name} var inte bland de {n} pilotkommuner där Arbetsförmedlingen prövade Kundval Rusta och matcha "
                f"(KROM){when}. {ROLLOUT} Vilken kommun som fick tjänsten vilket datum följer inte med "
                f"arbetsbänkens data, så sidan anger inte om eller när {self.m.name} fick den.")

    def show_summary(self) -> HTML:
        return HTML(html.render("paragraphs.html.j2", paragraphs=self.summary(), css_class="fou-summary"))

    def key_figures(self) -> pd.DataFrame:
        """Each KPI in the latest year: municipality, county, Riket, rank and median in the group."""
        y = self.year
        rows = []
        for kpi in self.kpis:
            r = self.ranks.loc[kpi]
            rows.append({"kpi": kpi, "label": profile.KPIS[kpi][0], "year": y,
                         **{role: self.value(kpi, y, role) for role in profile.ROLES},
                         "rank": r["rank"], "group_n": int(r["n"]), "group_median": r["median"], "source": profile.KPIS[kpi][1]})
        return pd.DataFrame(rows)

    def show_key_figures(self) -> HTML:
        kf = self.key_figures()
        nb.save_csv(kf, self.output_dir, "profile_key_figures")
        shown = pd.DataFrame({
            "Nyckeltal": [f"{k} {profile.SHORT.get(k, lab)}" for k, lab in zip(kf["kpi"], kf["label"])],
            self.m.name: [self._fmt(k, v) for k, v in zip(kf["kpi"], kf["kommun"])],
            self.m.county_name: [self._fmt(k, v) for k, v in zip(kf["kpi"], kf["län"])],
            "Riket": [self._fmt(k, v) for k, v in zip(kf["kpi"], kf["riket"])],
            "Plats i gruppen": [_rank(r, n) for r, n in zip(kf["rank"], kf["group_n"])],
            "Gruppens median": [self._fmt(k, v) for k, v in zip(kf["kpi"], kf["group_median"])],
            "Källa": kf["source"]})
        caption = f"Nyckeltal {self.year}" + (f"; plats 1 = högst värde bland kommunerna i {self.group.region.name} med uppgift"
                                              if self.group else "")
        links = nb.downloads(self.output_dir, csv=["profile_key_figures", "profile_series"])
        notes = profile.year_notes(self.table, self.names, self.year)
        return HTML(html.frame_html(shown, caption=caption) + links + nb.show_notes(notes, f"i.u. {self.year}: skälen").data)

    def show_figure(self) -> HTML:
        """Every KPI over the years, a small panel each (drawn once); saved as ``figures/profile_kpis.svg``."""
        from fou.pages import profile_figure
        from fou.study.profile_figures import profile_panels

        labels = {k: profile.SHORT.get(k, profile.KPIS[k][0]) for k in self.kpis}
        panels = profile_panels(self.table, labels)
        span = year_span(self.years)
        caption = f"Nyckeltalen {span} för {self.m.name}, {self.m.county_name} och riket"
        alt = f"{self.m.name} (heldragen), {self.m.county_name} (streckad) och riket (prickad), {span}."
        block = profile_figure.figure_block(panels, self.names, caption, alt)
        if self.output_dir:
            profile_figure.save_download(panels, self.names, caption, self.output_dir)
        return HTML(block + nb.downloads(self.output_dir, figures=[profile_figure.FILE]))

    def outcome_table(self) -> pd.DataFrame:
        """U40455 per year from the first year any municipality reports it: the municipality, the unweighted
        means of the county's and of all municipalities reporting it (fou's calculation), the group rank."""
        means = self.means[self.means["all_n"] > 0]
        rows = []
        for r in means.itertuples():
            rank = profile.ranks(self.extract, self.group, self.m, int(r.year), [profile.OUTCOME]).iloc[0]
            reason = self.table[(self.table["kpi"] == profile.OUTCOME) & (self.table["year"] == r.year)
                                & (self.table["role"] == "kommun")]["reason"].iloc[0]
            rows.append({"year": int(r.year), "value": self.value(profile.OUTCOME, int(r.year)), "reason": reason,
                         "county_mean": r.county_mean, "county_n": r.county_n, "all_mean": r.all_mean, "all_n": r.all_n,
                         "rank": rank["rank"], "group_n": int(rank["n"])})
        return pd.DataFrame(rows)

    def show_outcome(self) -> HTML:
        if profile.OUTCOME not in self.kpis:
            return nb.show_notes([self.outcome_sentence()])
        t = self.outcome_table()
        nb.save_csv(t, self.output_dir, "profile_outcome")
        members = self.means["county_members"].iloc[0]
        shown = pd.DataFrame({
            "År": t["year"].astype(str), self.m.name: [_pct(v) for v in t["value"]],
            "Länets kommuner, ovägt medel": [f"{_pct(v)} ({n} av {members})" for v, n in zip(t["county_mean"], t["county_n"])],
            "Alla kommuner, ovägt medel": [f"{_pct(v)} ({n})" for v, n in zip(t["all_mean"], t["all_n"])],
            "Plats i gruppen": [_rank(r, n) for r, n in zip(t["rank"], t["group_n"])]})
        own = self.table[(self.table["kpi"] == profile.OUTCOME) & (self.table["role"] == "kommun")
                         & self.table["year"].isin(list(t["year"]))]
        notes = [f"Kolada har inget värde för län eller riket för {profile.OUTCOME}: medelvärdena är fou:s egna beräkningar "
                 "(ovägt medel av kommunerna med uppgift; antalet inom parentes), inte Koladas.",
                 *[n.removeprefix(f"{profile.OUTCOME}, ") for n in profile.missing_notes(own, self.names)]]
        return HTML(html.frame_html(shown, caption=f"{profile.OUTCOME}: {profile.KPIS[profile.OUTCOME][0]}")
                    + nb.downloads(self.output_dir, csv=["profile_outcome"]) + nb.show_notes(notes, "Om uppgifterna").data)

    def show_years(self) -> HTML:
        """Every KPI of the municipality year by year; i.u. where Kolada has no value, with the reasons below."""
        wide = self.table[self.table["role"] == "kommun"].pivot(index="year", columns="kpi", values="value")[self.kpis]
        nb.save_csv(wide.reset_index(), self.output_dir, "profile_years")
        shown = pd.DataFrame({"År": [str(y) for y in wide.index],
                              **{k: [self._fmt(k, v) for v in wide[k]] for k in self.kpis}})
        notes = profile.missing_notes(self.table, self.names) + [AGE_NOTE]
        body = (html.frame_html(shown, caption=f"{self.m.name} år för år ({year_span(self.years)})")
                + nb.downloads(self.output_dir, csv=["profile_years"]) + nb.show_notes(notes, "Saknade uppgifter (i.u.) och skälen").data)
        return HTML(_section("Alla år och saknade uppgifter", body)
                    + f'<p class="fou-print-only">Alla år {year_span(self.years)}, skälen till varje i.u. och nyckeltalens '
                      "källor finns på sidan på webben och i tabellerna profile_years.csv och profile_series.csv.</p>")

    def show_sources(self) -> HTML:
        rows = pd.DataFrame({"Nyckeltal": self.kpis,
                             "Koladas titel": [self.extract.manifest.get("source", {}).get("kpi_titles", {}).get(k, profile.KPIS[k][0])
                                               for k in self.kpis],
                             "Källa": [profile.KPIS[k][1] for k in self.kpis],
                             f"År med uppgift för {self.m.name}": [year_span(self.reported_years(k)) or "inga" for k in self.kpis]})
        return HTML(_section("Källor", html.frame_html(rows, caption="Nyckeltalen och deras källor (via Kolada)")))


def _section(title: str, body: str) -> str:
    """A block with its own heading that a printout leaves out (the page fits on two A4 pages)."""
    return f'<div class="fou-print-skip"><h2>{escape(title)}</h2>{body}</div>'


def _rank(rank: float, n: int) -> str:
    return "i.u." if pd.isna(rank) else f"{int(rank)} av {n}"


def _month(start: str) -> str:
    months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
              "november", "december"]
    year, _, month = start.partition("-")
    return f"{months[int(month) - 1]} {year}" if month.isdigit() and 1 <= int(month) <= 12 else start
