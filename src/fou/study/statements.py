"""The report's checkable statements (study-spec), recomputed on the data in hand.

Each check returns a row: number, the statement, the report's figure, what the
data give, whether it holds (True/False, or None when the data cannot tell), and a
comment. Statements name Göteborgsregionen's municipalities; for a region without
them the rows say "ej tillämpligt" rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fou.study import definition as study
from fou.study import tables
from fou.extracts.regions import Region
from fou.extracts.swedish import format_number

COLUMNS = ["nr", "statement", "report", "computed", "holds", "comment"]
SWEDISH_COLUMNS = {"nr": "Nr", "statement": "Påstående i rapporten", "report": "Rapportens uppgift",
                   "computed": "Beräknat på data", "holds": "Stämmer", "comment": "Kommentar"}
CORE_CITY = "Göteborg"
GR_MEMBERS = ("Ale", "Alingsås", "Göteborg", "Härryda", "Kungsbacka", "Kungälv", "Lerum", "Lilla Edet",
              "Mölndal", "Partille", "Stenungsund", "Tjörn", "Öckerö")


@dataclass
class Context:
    values: pd.DataFrame
    region: Region
    year: int
    years: Sequence[int]

    def id_of(self, name: str) -> str | None:
        for i, n in self.region.names.items():
            if n == name:
                return i
        return None

    def kpi_series(self, kpi: study.Kpi, year: int | None = None) -> pd.Series:
        """Values by municipality name for one year (region plus Riket)."""
        t = tables.kpi_table(self.values, self.region, [kpi], year or self.year, with_riket=True)
        return pd.Series(t[kpi.id].to_numpy(), index=t["municipality"].to_numpy())

    def year_series(self, kpi: study.Kpi, name: str) -> pd.Series:
        t = tables.year_table(self.values, self.region, kpi, self.years).set_index("municipality")
        if name not in t.index:
            return pd.Series(dtype=float)
        return t.loc[name, [str(y) for y in self.years]].astype(float).rename(lambda c: int(c))


class NotApplicable(Exception):
    """The data in hand cannot evaluate a statement (names the reason)."""


def _need(ctx: Context, *names: str) -> None:
    absent = [n for n in names if ctx.id_of(n) is None]
    if absent:
        raise NotApplicable(f"ej tillämpligt: {', '.join(absent)} ingår inte i regionen")


def _fmt(v: float, d: int = 1) -> str:
    return format_number(v, d)


def _s1(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, *GR_MEMBERS)
    pop = ctx.kpi_series(study.POPULATION).drop(study.RIKET_NAME, errors="ignore")
    if pop.isna().all():
        raise NotApplicable("ingen uppgift om befolkning")
    total, smallest, largest = pop.sum(), pop.idxmin(), pop.idxmax()
    holds = (1_000_000 < total < 1_200_000 and smallest == "Öckerö" and 12_000 <= pop["Öckerö"] < 13_000
             and largest == CORE_CITY and 550_000 <= pop[CORE_CITY] < 600_000)
    computed = (f"summa {_fmt(total, 0)}; minst {smallest} {_fmt(pop[smallest], 0)}; "
                f"störst {largest} {_fmt(pop[largest], 0)}")
    comment = "" if pop.notna().all() else "summan saknar kommuner utan uppgift"
    return computed, bool(holds), comment


_T2 = (study.UNEMPLOYMENT, study.ASSISTANCE, study.ASSISTANCE_UNEMPLOYED, study.ASSISTANCE_LONGTERM)


def _s2(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, CORE_CITY)
    above = []
    checked = 0
    for kpi in _T2:
        s = ctx.kpi_series(kpi)
        if study.RIKET_NAME not in s or np.isnan(s[study.RIKET_NAME]):
            raise NotApplicable(f"ej tillämpligt: Riket saknas för {kpi.id}")
        riket = s[study.RIKET_NAME]
        for name, v in s.drop(study.RIKET_NAME).items():
            if np.isnan(v):
                continue
            checked += 1
            exempt = name == CORE_CITY and kpi is not study.ASSISTANCE_UNEMPLOYED
            if v >= riket and not exempt:
                above.append(f"{name} {kpi.id} {_fmt(v)} ≥ {_fmt(riket)}")
    gbg = ctx.kpi_series(study.ASSISTANCE_UNEMPLOYED)
    computed = (f"{checked} jämförelser; Göteborg {study.ASSISTANCE_UNEMPLOYED.id} {_fmt(gbg[CORE_CITY])} mot riket "
                f"{_fmt(gbg[study.RIKET_NAME])}; avvikelser: {', '.join(above) if above else 'inga'}")
    return computed, not above, ""


def _s3(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, "Lilla Edet", "Kungsbacka", CORE_CITY)
    out, holds = [], True
    for kpi, high, low in ((study.UNEMPLOYMENT, 5.4, 2.7), (study.ASSISTANCE, 2.1, 1.2)):
        s = ctx.kpi_series(kpi).drop([study.RIKET_NAME, CORE_CITY], errors="ignore").dropna()
        if s.empty:
            raise NotApplicable(f"ej tillämpligt: {kpi.id} saknas")
        hi, lo = s.idxmax(), s.idxmin()
        top_tied = sorted(s[s == s.max()].index)
        low_tied = sorted(s[s == s.min()].index)
        holds &= "Lilla Edet" in top_tied and "Kungsbacka" in low_tied
        holds &= abs(s.max() - high) <= kpi.tolerance and abs(s.min() - low) <= kpi.tolerance
        out.append(f"{kpi.id}: högst {hi} {_fmt(s.max())}, lägst {lo} {_fmt(s.min())}")
    return "; ".join(out), bool(holds), ""


def _range_check(ctx: Context, kpi: study.Kpi, low_name: str, low: float, high_name: str, high: float):
    _need(ctx, low_name, high_name, CORE_CITY)
    s = ctx.kpi_series(kpi).drop(study.RIKET_NAME, errors="ignore").dropna()
    krans = s.drop(CORE_CITY, errors="ignore")
    holds = (krans.idxmin() == low_name and krans.idxmax() == high_name
             and abs(krans.min() - low) <= kpi.tolerance and abs(krans.max() - high) <= kpi.tolerance)
    computed = (f"kranskommuner: {krans.idxmin()} {_fmt(krans.min())} – {krans.idxmax()} {_fmt(krans.max())}; "
                f"alla 13: {s.idxmin()} {_fmt(s.min())} – {s.idxmax()} {_fmt(s.max())}")
    return s, computed, bool(holds)


def _s4(ctx: Context) -> tuple[str, bool | None, str]:
    s, computed, holds = _range_check(ctx, study.ASSISTANCE_UNEMPLOYED, "Öckerö", 23.8, "Partille", 40.7)
    comment = ""
    if CORE_CITY in s and s[CORE_CITY] > s.drop(CORE_CITY).max():
        comment = f"gäller bara kranskommunerna: Göteborg ligger högre ({_fmt(s[CORE_CITY])})"
    return computed, holds, comment


def _s5(ctx: Context) -> tuple[str, bool | None, str]:
    s, computed, holds = _range_check(ctx, study.ASSISTANCE_LONGTERM, "Kungsbacka", 35.6, "Tjörn", 46.7)
    riket = ctx.kpi_series(study.ASSISTANCE_LONGTERM).get(study.RIKET_NAME, np.nan)
    gbg = s.get(CORE_CITY, np.nan)
    holds = holds and gbg > riket
    computed += f"; Göteborg {_fmt(gbg)} mot riket {_fmt(riket)}"
    return computed, bool(holds), ""


def _s6(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, "Ale", CORE_CITY, "Öckerö")
    ale = ctx.year_series(study.PARTICIPANTS, "Ale").dropna()
    if ale.empty:
        raise NotApplicable("ej tillämpligt: inga deltagaruppgifter för Ale")
    gbg = ctx.year_series(study.PARTICIPANTS, CORE_CITY)
    ock = ctx.year_series(study.PARTICIPANTS, "Öckerö")
    need = {2018, 2019, 2020, 2021}
    if not need <= set(ctx.years):
        raise NotApplicable("ej tillämpligt: åren 2018–2021 ingår inte i 'years'")
    ale_spread = (ale.max() - ale.min()) / ale.mean() if len(ale) else np.nan
    ale_stable = bool(ale_spread <= 0.15)
    gbg_drop = (gbg[2019] - gbg[2018]) / gbg[2018]
    gbg_sharp = bool(gbg_drop <= -0.25)
    later = ock[[y for y in ctx.years if y >= 2021]].dropna()
    ock_ok = bool(ock[2019] > ock[2018] and ock[2020] < ock[2019] and (later > ock[2019]).all())
    computed = (f"Ale spännvidd {_fmt(100 * ale_spread, 0)} % av medel; Göteborg 2018→2019 {_fmt(100 * gbg_drop, 0)} %; "
                f"Öckerö {', '.join(f'{y}: {_fmt(v, 0)}' for y, v in ock.items())}")
    comment = "stabil = spännvidd ≤ 15 % av medelvärdet; kraftig minskning = minst 25 %"
    return computed, ale_stable and gbg_sharp and ock_ok, comment


def _af_means(ctx: Context) -> pd.DataFrame:
    return tables.region_mean(ctx.values, ctx.region, study.REFERRALS_AF, ctx.years).set_index("year")


def _s7a(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, *GR_MEMBERS)
    if not {2021, 2022} <= set(ctx.years):
        raise NotApplicable("ej tillämpligt: 2021 och 2022 ingår inte i 'years'")
    m = _af_means(ctx)
    a, b = m.loc[2021], m.loc[2022]
    computed = f"ovägt medel 2021: {_fmt(a['value'])} (n={int(a['n'])}), 2022: {_fmt(b['value'])} (n={int(b['n'])})"
    comment = "" if a["n"] == b["n"] else "olika antal kommuner med uppgift de två åren påverkar medelvärdet"
    return computed, bool(b["value"] > a["value"]), comment


def _s7b(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, "Lerum", "Stenungsund", "Partille")
    t = tables.table5(ctx.values, ctx.region, [2021, 2022]).set_index("municipality")
    change = (t["2022"] - t["2021"]).dropna().sort_values(ascending=False)
    top = list(change.index[:3])
    computed = "största ökningar 2021→2022: " + ", ".join(f"{n} +{_fmt(change[n], 0)}" for n in top)
    return computed, set(top) == {"Lerum", "Stenungsund", "Partille"}, ""


def _s7c(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, "Tjörn")
    tj = ctx.year_series(study.REFERRALS_AF, "Tjörn")
    tp = ctx.year_series(study.PARTICIPANTS, "Tjörn")
    missing = sorted(int(y) for y in tj.index[tj.isna()] if y in (2021, 2022))
    computed = ("Tjörn saknar uppgift " + (", ".join(map(str, missing)) if missing else "varken 2021 eller 2022")
                + f" (tabell 5); tabell 4: {', '.join(f'{y}: {_fmt(tp.get(y), 0)}' for y in (2021, 2022))}")
    holds = 2021 in missing
    comment = ("motsägelse: texten säger att uppgift saknas för 2021, men tabellerna saknar 2022"
               if (not holds and 2022 in missing) else "")
    return computed, holds, comment


@dataclass(frozen=True)
class Statement:
    nr: str
    text: str
    report: str
    check: Callable[[Context], tuple[str, bool | None, str]]


STATEMENTS: tuple[Statement, ...] = (
    Statement("1", "Göteborgsregionen har drygt en miljon invånare; Öckerö är minst (knappt 13 000), Göteborg störst (nära 600 000).",
              "drygt 1 000 000; Öckerö < 13 000; Göteborg ≈ 600 000", _s1),
    Statement("2", "Alla kommuner utom Göteborg ligger under riket på tabell 2:s fyra andelar; för försörjningshinder arbetslöshet även Göteborg.",
              "under riket", _s2),
    Statement("3", "Bland kranskommunerna har Lilla Edet högst arbetslöshet (5,4) och biståndsandel (2,1), Kungsbacka lägst (2,7 och 1,2).",
              "5,4 / 2,1 resp. 2,7 / 1,2", _s3),
    Statement("4", "Försörjningshinder arbetslöshet varierar från 23,8 (Öckerö) till 40,7 (Partille).",
              "23,8–40,7", _s4),
    Statement("5", "Långvarigt mottagande varierar från 35,6 (Kungsbacka) till 46,7 (Tjörn); Göteborg 56,5 över riket 47,3.",
              "35,6–46,7; 56,5 > 47,3", _s5),
    Statement("6", "Deltagare: Ale relativt stabilt; Göteborg minskar påtagligt 2018→2019; Öckerö ökar från 2019 med tillbakagång 2020.",
              "stabil / kraftig minskning / ökning med dipp 2020", _s6),
    Statement("7a", "Andelen anvisningar från Arbetsförmedlingen ökar i Göteborgsregionen från 2021 till 2022.",
              "ökning", _s7a),
    Statement("7b", "Ökningen drivs framför allt av Lerum, Stenungsund och Partille.",
              "Lerum, Stenungsund, Partille", _s7b),
    Statement("7c", "Tjörn har inte lämnat in uppgifter för år 2021.",
              "saknas 2021", _s7c),
)


def evaluate(values: pd.DataFrame, region: Region, year: int = study.DEFAULT_YEAR,
             years: Sequence[int] = study.DEFAULT_YEARS) -> pd.DataFrame:
    """All statements evaluated on ``values`` as a table (see module docstring)."""
    ctx = Context(values, region, year, list(years))
    rows = []
    for st in STATEMENTS:
        try:
            computed, holds, comment = st.check(ctx)
        except NotApplicable as exc:
            computed, holds, comment = "", None, str(exc)
        except (KeyError, ValueError, ZeroDivisionError) as exc:
            computed, holds, comment = "", None, f"kan inte beräknas: uppgift saknas ({exc})"
        rows.append({"nr": st.nr, "statement": st.text, "report": st.report, "computed": computed,
                     "holds": holds, "comment": comment})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["holds"] = pd.Series([r["holds"] for r in rows], dtype=object)  # True, False or None
    return out


def format_statements(df: pd.DataFrame) -> pd.DataFrame:
    """Swedish column names and Ja/Nej/– for display."""
    out = df.copy()
    out["holds"] = out["holds"].map(lambda h: "–" if h is None or pd.isna(h) else ("Ja" if h else "Nej"))
    return out.rename(columns=SWEDISH_COLUMNS)

