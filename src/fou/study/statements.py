"""The report's checkable statements (study-spec), recomputed on the data in hand.

Each check returns a row: number, the statement, the report's figure, what the
data give, whether it holds, and a comment. The verdict is three-valued: True
(Ja), False (Nej), or None (–) with the reason in the comment whenever the data
cannot tell: a municipality the statement is about is not in the region, or a
value it needs is missing. No verdict is ever drawn from missing values.

The statements are about Göteborgsregionen's 13 municipalities in the report's
years (2022 for tables 1–2, 2017–2022 for tables 4–5), so they are evaluated on
those municipalities and years whatever else the page shows.
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
#: The years the report's statements are about.
REPORT_YEAR = study.DEFAULT_YEAR
REPORT_YEARS = study.DEFAULT_YEARS


@dataclass
class Context:
    values: pd.DataFrame
    region: Region  # the Göteborgsregionen members of the chosen region
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


def _gr_part(region: Region) -> Region:
    """The chosen region's municipalities that belong to Göteborgsregionen (the statements' subject)."""
    ids = tuple(i for i in region.ids if region.names.get(i) in GR_MEMBERS)
    return Region(region.name, ids, {i: region.names[i] for i in ids}, region.group_id)


def _list(names: Sequence[str], most: int = 4) -> str:
    names = list(names)
    return ", ".join(names[:most]) + (f" och {len(names) - most} till" if len(names) > most else "")


def _need(ctx: Context, *names: str) -> None:
    absent = [n for n in names if ctx.id_of(n) is None]
    if absent:
        raise NotApplicable(f"ej tillämpligt: {_list(absent)} ingår inte i regionen")


def _complete(s: pd.Series, what: str, year: int | None = None) -> pd.Series:
    """``s`` if it has no missing value, else NotApplicable naming the municipalities without one."""
    lacking = [str(n) for n, v in s.items() if pd.isna(v)]
    if lacking:
        when = f" {year}" if year else ""
        raise NotApplicable(f"uppgift saknas: {what}{when} för {_list(lacking)}")
    return s


def _fmt(v: float, d: int = 1) -> str:
    return format_number(v, d)


def _members(ctx: Context, kpi: study.Kpi, what: str) -> pd.Series:
    """A KPI for all 13 members in the report's year, complete or NotApplicable."""
    _need(ctx, *GR_MEMBERS)
    return _complete(ctx.kpi_series(kpi).drop(study.RIKET_NAME, errors="ignore"), what, ctx.year)


def _riket(ctx: Context, kpi: study.Kpi) -> float:
    value = ctx.kpi_series(kpi).get(study.RIKET_NAME, np.nan)
    if pd.isna(value):
        raise NotApplicable(f"uppgift saknas: {kpi.id} {ctx.year} för Riket")
    return float(value)


def _s1(ctx: Context) -> tuple[str, bool | None, str]:
    pop = _members(ctx, study.POPULATION, study.POPULATION.id)
    total, smallest, largest = pop.sum(), pop.idxmin(), pop.idxmax()
    holds = (1_000_000 < total < 1_200_000 and smallest == "Öckerö" and 12_000 <= pop["Öckerö"] < 13_000
             and largest == CORE_CITY and 550_000 <= pop[CORE_CITY] < 600_000)
    computed = (f"summa {_fmt(total, 0)}; minst {smallest} {_fmt(pop[smallest], 0)}; "
                f"störst {largest} {_fmt(pop[largest], 0)}")
    return computed, bool(holds), ""


_T2 = (study.UNEMPLOYMENT, study.ASSISTANCE, study.ASSISTANCE_UNEMPLOYED, study.ASSISTANCE_LONGTERM)


def _s2(ctx: Context) -> tuple[str, bool | None, str]:
    """Nej as soon as one value is at or above Riket; Ja only when all 52 comparisons can be made."""
    _need(ctx, *GR_MEMBERS)
    above, lacking, checked = [], [], 0
    for kpi in _T2:
        riket = _riket(ctx, kpi)
        for name, v in ctx.kpi_series(kpi).drop(study.RIKET_NAME).items():
            if np.isnan(v):
                lacking.append(f"{name} {kpi.id}")
                continue
            checked += 1
            exempt = name == CORE_CITY and kpi is not study.ASSISTANCE_UNEMPLOYED
            if v >= riket and not exempt:
                above.append(f"{name} {kpi.id} {_fmt(v)} ≥ {_fmt(riket)}")
    gbg = ctx.kpi_series(study.ASSISTANCE_UNEMPLOYED)
    computed = (f"{checked} jämförelser; Göteborg {study.ASSISTANCE_UNEMPLOYED.id} {_fmt(gbg[CORE_CITY])} mot riket "
                f"{_fmt(gbg[study.RIKET_NAME])}; avvikelser: {', '.join(above) if above else 'inga'}")
    missing = f"uppgift saknas {ctx.year}: {_list(lacking)}" if lacking else ""
    if above:
        return computed, False, missing
    return computed, (None if lacking else True), missing


def _s3(ctx: Context) -> tuple[str, bool | None, str]:
    out, holds = [], True
    for kpi, high, low in ((study.UNEMPLOYMENT, 5.4, 2.7), (study.ASSISTANCE, 2.1, 1.2)):
        s = _members(ctx, kpi, kpi.id).drop(CORE_CITY)
        hi, lo = s.idxmax(), s.idxmin()
        top_tied = sorted(s[s == s.max()].index)
        low_tied = sorted(s[s == s.min()].index)
        holds &= "Lilla Edet" in top_tied and "Kungsbacka" in low_tied
        holds &= abs(s.max() - high) <= kpi.tolerance and abs(s.min() - low) <= kpi.tolerance
        out.append(f"{kpi.id}: högst {hi} {_fmt(s.max())}, lägst {lo} {_fmt(s.min())}")
    return "; ".join(out), bool(holds), ""


def _range_check(ctx: Context, kpi: study.Kpi, low_name: str, low: float, high_name: str, high: float):
    s = _members(ctx, kpi, kpi.id)
    krans = s.drop(CORE_CITY)
    holds = (krans.idxmin() == low_name and krans.idxmax() == high_name
             and abs(krans.min() - low) <= kpi.tolerance and abs(krans.max() - high) <= kpi.tolerance)
    computed = (f"kranskommuner: {krans.idxmin()} {_fmt(krans.min())} – {krans.idxmax()} {_fmt(krans.max())}; "
                f"alla {len(s)}: {s.idxmin()} {_fmt(s.min())} – {s.idxmax()} {_fmt(s.max())}")
    return s, computed, bool(holds)


def _s4(ctx: Context) -> tuple[str, bool | None, str]:
    s, computed, holds = _range_check(ctx, study.ASSISTANCE_UNEMPLOYED, "Öckerö", 23.8, "Partille", 40.7)
    comment = ""
    if s[CORE_CITY] > s.drop(CORE_CITY).max():
        comment = f"gäller bara kranskommunerna: Göteborg ligger högre ({_fmt(s[CORE_CITY])})"
    return computed, holds, comment


def _s5(ctx: Context) -> tuple[str, bool | None, str]:
    s, computed, holds = _range_check(ctx, study.ASSISTANCE_LONGTERM, "Kungsbacka", 35.6, "Tjörn", 46.7)
    riket = _riket(ctx, study.ASSISTANCE_LONGTERM)
    gbg = s[CORE_CITY]
    computed += f"; Göteborg {_fmt(gbg)} mot riket {_fmt(riket)}"
    return computed, bool(holds and gbg > riket), ""


def _s6(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, "Ale", CORE_CITY, "Öckerö")
    kpi = study.PARTICIPANTS
    ale = ctx.year_series(kpi, "Ale").dropna()
    if len(ale) < 3:
        raise NotApplicable(f"uppgift saknas: {kpi.id} för Ale har uppgift bara för {len(ale)} år")
    gbg = _complete(ctx.year_series(kpi, CORE_CITY).reindex([2018, 2019]).rename(lambda y: f"Göteborg {y}"), kpi.id)
    ock = ctx.year_series(kpi, "Öckerö")
    _complete(ock.reindex([2018, 2019, 2020]).rename(lambda y: f"Öckerö {y}"), kpi.id)
    later = ock[[y for y in ock.index if y >= 2021]].dropna()
    if later.empty:
        raise NotApplicable(f"uppgift saknas: {kpi.id} för Öckerö efter 2020")
    ale_spread = (ale.max() - ale.min()) / ale.mean()
    ale_stable = bool(ale_spread <= 0.15)
    gbg_drop = (gbg.iloc[1] - gbg.iloc[0]) / gbg.iloc[0]
    gbg_sharp = bool(gbg_drop <= -0.25)
    ock_ok = bool(ock[2019] > ock[2018] and ock[2020] < ock[2019] and (later > ock[2019]).all())
    computed = (f"Ale spännvidd {_fmt(100 * ale_spread, 0)} % av medel; Göteborg 2018→2019 {_fmt(100 * gbg_drop, 0)} %; "
                f"Öckerö {', '.join(f'{y}: {_fmt(v, 0)}' for y, v in ock.items())}")
    comment = "stabil = spännvidd ≤ 15 % av medelvärdet; kraftig minskning = minst 25 %"
    return computed, ale_stable and gbg_sharp and ock_ok, comment


def _s7a(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, *GR_MEMBERS)
    kpi = study.REFERRALS_AF
    m = tables.region_mean(ctx.values, ctx.region, kpi, [2021, 2022]).set_index("year")
    empty = [str(y) for y in (2021, 2022) if m.loc[y, "n"] == 0]
    if empty:
        raise NotApplicable(f"uppgift saknas: {kpi.id} för alla kommuner {' och '.join(empty)}")
    a, b = m.loc[2021], m.loc[2022]
    computed = f"ovägt medel 2021: {_fmt(a['value'])} (n={int(a['n'])}), 2022: {_fmt(b['value'])} (n={int(b['n'])})"
    comment = "" if a["n"] == b["n"] else "olika antal kommuner med uppgift de två åren påverkar medelvärdet"
    return computed, bool(b["value"] > a["value"]), comment


_DRIVERS = ("Lerum", "Stenungsund", "Partille")


def _s7b(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, *GR_MEMBERS)
    t = tables.table5(ctx.values, ctx.region, [2021, 2022]).set_index("municipality")
    both = t[["2021", "2022"]]
    gaps = [n for n in _DRIVERS if both.loc[n].isna().any()]
    if gaps:
        raise NotApplicable(f"uppgift saknas: {study.REFERRALS_AF.id} 2021 eller 2022 för {_list(gaps)}")
    change = (both["2022"] - both["2021"]).dropna().sort_values(ascending=False)
    top = list(change.index[:3])
    computed = "största ökningar 2021→2022: " + ", ".join(f"{n} {_fmt(change[n], 0)}" if change[n] <= 0
                                                          else f"{n} +{_fmt(change[n], 0)}" for n in top)
    lacking = [n for n in t.index if n not in change.index]
    comment = f"saknar uppgift 2021 eller 2022 och ingår inte: {_list(lacking)}" if lacking else ""
    return computed, set(top) == set(_DRIVERS), comment


def _s7c(ctx: Context) -> tuple[str, bool | None, str]:
    _need(ctx, "Tjörn")
    kpi = study.REFERRALS_AF
    others = ctx.values[(ctx.values["kpi"] == kpi.id) & (ctx.values["year"] == 2021)
                        & (ctx.values["municipality_id"] != ctx.id_of("Tjörn")) & ctx.values["value"].notna()]
    if others.empty:
        raise NotApplicable(f"uppgift saknas: extraktet har {kpi.id} 2021 för ingen kommun, så en saknad "
                            "inlämning går inte att skilja från ett ofullständigt extrakt")
    tj = ctx.year_series(kpi, "Tjörn").reindex([2021, 2022])
    tp = ctx.year_series(study.PARTICIPANTS, "Tjörn").reindex([2021, 2022])
    missing = [int(y) for y in tj.index[tj.isna()]]
    computed = ("Tjörn saknar uppgift " + (", ".join(map(str, missing)) if missing else "varken 2021 eller 2022")
                + f" (tabell 5); tabell 4: {', '.join(f'{y}: {_fmt(v, 0)}' for y, v in tp.items())}")
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


def evaluate(values: pd.DataFrame, region: Region, year: int = REPORT_YEAR,
             years: Sequence[int] = REPORT_YEARS) -> pd.DataFrame:
    """All statements evaluated on ``values`` as a table (see module docstring).

    ``year`` and ``years`` are the years the statements are checked in; they default
    to the report's own, which is what the pages use."""
    ctx = Context(values, _gr_part(region), year, list(years))
    rows = []
    for st in STATEMENTS:
        try:
            computed, holds, comment = st.check(ctx)
        except NotApplicable as exc:
            computed, holds, comment = "", None, str(exc)
        except (KeyError, ValueError, ZeroDivisionError) as exc:  # a gap no check above foresaw: no verdict
            computed, holds, comment = "", None, f"kan inte beräknas: uppgift saknas ({exc})"
        rows.append({"nr": st.nr, "statement": st.text, "report": st.report, "computed": computed,
                     "holds": holds, "comment": comment})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["holds"] = pd.Series([r["holds"] for r in rows], dtype=object)  # True, False or None
    return out


def format_statements(df: pd.DataFrame) -> pd.DataFrame:
    """Swedish column names, Ja/Nej/– right after the number, – for nothing computed."""
    out = df.copy()
    out["holds"] = out["holds"].map(lambda h: "–" if h is None or pd.isna(h) else ("Ja" if h else "Nej"))
    out["computed"] = out["computed"].map(lambda c: c or "–")
    out = out[["nr", "holds", "statement", "report", "computed", "comment"]]
    return out.rename(columns=SWEDISH_COLUMNS)
