"""The checks the documents never made, each with a three-valued verdict.

``holds`` is True (Ja), False (Nej) or None (–, with the reason in ``comment``: a value the
check needs is missing). Row checks cover every printed row; :func:`summary` gives one line
per check and figure, naming the rows that fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from fou.effects.survey.respondents import fitting_counts, row_shares
from fou.effects.survey.tables import NATIONAL_AREA, SCALE, SUMS, county_name, wide
from fou.extracts.swedish import format_number

#: Six shares each rounded by at most half a point: their sum is within 3 of 100.
SUM_TOLERANCE = 0.5 * len(SCALE)
#: A printed sum against its two rounded parts: within 1 (plus its own half, which a whole number cannot use).
PART_TOLERANCE = 1
COLUMNS = ["nr", "source", "check", "stated", "computed", "holds", "comment"]


def row_checks(survey: pd.DataFrame, respondents: pd.DataFrame, figures: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per figure and area: the sum of the six shares, each printed sum against its parts,
    and whether a number of respondents up to the area's municipalities reproduces the row."""
    rows = []
    fits = respondents.set_index(["figure", "area"])
    for figure in figures or sorted(survey["figure"].unique()):
        for _, r in wide(survey, figure).iterrows():
            total = int(sum(r[c] for c in SCALE))
            out = {"figure": int(figure), "area": r["area"], "region_id": r["region_id"], "share_sum": total,
                   "sum_ok": abs(total - 100) <= SUM_TOLERANCE}
            for name, parts in SUMS.items():
                out[f"{name.lower()}_printed"] = int(r[name])
                out[f"{name.lower()}_parts"] = int(sum(r[p] for p in parts))
                out[f"{name.lower()}_ok"] = abs(out[f"{name.lower()}_printed"] - out[f"{name.lower()}_parts"]) <= PART_TOLERANCE
            n = fits.loc[(figure, r["area"]), "respondents"] if (figure, r["area"]) in fits.index else float("nan")
            out["respondents"] = n
            out["fits"] = bool(pd.notna(n))
            rows.append(out)
    return pd.DataFrame(rows)


def _failing(frame: pd.DataFrame, ok: str, show) -> str:
    bad = frame[~frame[ok]]
    return "; ".join(show(r) for _, r in bad.iterrows())


def _count(frame: pd.DataFrame, ok: str) -> str:
    return f"{int(frame[ok].sum())} av {len(frame)} rader"


def summary(survey: pd.DataFrame, rows: pd.DataFrame, respondents: pd.DataFrame, dua: pd.DataFrame,
            stated: dict[str, int], figures: Sequence[int] | None = None) -> pd.DataFrame:
    """One line per check: ``nr, source, check, stated, computed, holds, comment``."""
    out: list[dict] = []

    def add(source: str, check: str, stated_text: str, computed: str, holds: bool | None, comment: str = "") -> None:
        out.append({"nr": len(out) + 1, "source": source, "check": check, "stated": stated_text, "computed": computed,
                    "holds": holds, "comment": comment})

    n_stated = stated["skr_respondents"]
    for figure in figures or sorted(rows["figure"].unique()):
        src = f"SKR 2023, figur {figure}"
        f = rows[rows["figure"] == figure]
        worst = f.loc[(f["share_sum"] - 100).abs().idxmax()]
        add(src, "Andelarna i varje rad summerar till 100 inom avrundningen (±3)", "–",
            f"{_count(f, 'sum_ok')}; störst avvikelse {format_number(int(worst['share_sum']) - 100, 0, sign=True)} "
            f"({worst['area']})", bool(f["sum_ok"].all()),
            _failing(f, "sum_ok", lambda r: f"{r['area']}: summa {r['share_sum']}"))
        for name in SUMS:
            key = name.lower()
            add(src, f"{name} = summan av sina två svar inom avrundningen (±1)", "–", _count(f, f"{key}_ok"),
                bool(f[f"{key}_ok"].all()),
                _failing(f, f"{key}_ok", lambda r: f"{r['area']}: {r[key + '_printed']} mot {r[key + '_parts']}"))
        counties = f[f["area"] != NATIONAL_AREA]
        add(src, "Ett antal svarande kommuner (högst länets kommuner i Kolada) återger varje rad", "–",
            f"{int(counties['fits'].sum())} av {len(counties)} rader", bool(counties["fits"].all()),
            _failing(counties, "fits", lambda r: f"{r['area']}: inget antal upp till länets kommuner"))
        resp = respondents[(respondents["figure"] == figure) & (respondents["area"] != NATIONAL_AREA)]
        if resp["respondents"].isna().any():
            missing = ", ".join(resp.loc[resp["respondents"].isna(), "area"])
            add(src, f"Summan av svarande per län stämmer med N = {n_stated}", f"N = {n_stated}", "–", None,
                f"Antalet svarande kan inte härledas för {missing}: summan saknas.")
        else:
            lo, hi = int(resp["respondents"].sum()), int(resp["respondents_max"].sum())
            add(src, f"Summan av svarande per län stämmer med N = {n_stated}", f"N = {n_stated}",
                f"minst {lo}, högst {hi}", lo <= n_stated <= hi,
                f"Minsta antal som återger varje rad, summerat: {lo}; största (högst länets kommuner): {hi}.")
        national = wide(survey, figure)
        national = national[national["area"] == NATIONAL_AREA]
        if len(national):
            shares, sums = row_shares(national.iloc[0])
            ok = bool(fitting_counts(shares, n_stated, sums))
            near = [n for n in range(n_stated - 10, n_stated + 11) if n > 0 and fitting_counts(shares, n, sums)]
            add(src, f"N = {n_stated} svarande återger raden {NATIONAL_AREA!r}", f"N = {n_stated}",
                "ja" if ok else "nej", ok,
                "" if ok else "Antal svarande inom ±10 från N som återger raden: "
                + (", ".join(map(str, near)) or "inga") + ".")
    _dua_checks(add, dua, stated)
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["holds"] = pd.Series([r["holds"] for r in out], index=frame.index, dtype=object)  # True, False or None
    return frame


def _dua_checks(add, dua: pd.DataFrame, stated: dict[str, int]) -> None:
    src = "Dua 2019, avsnitt 3.4.1"
    fits = dua["applicants"].notna()
    add(src, "Varje läns andel motsvarar ett helt antal kommuner (länets kommuner i Kolada)", "–",
        f"{int(fits.sum())} av {len(dua)} län", bool(fits.all()),
        "; ".join(f"{a}: {p} %" for a, p in zip(dua.loc[~fits, "area"], dua.loc[~fits, "percent"])))
    total, municipalities = stated["dua_applicants"], stated["dua_municipalities"]
    if not fits.all():
        add(src, f"Andel × kommuner summerat = {total} kommuner", str(total), "–", None,
            "Något län saknar ett helt antal kommuner: summan saknas.")
        return
    applicants, kolada = int(dua["applicants"].sum()), int(dua["municipalities"].sum())
    add(src, f"Andel × kommuner summerat = {total} kommuner", str(total), str(applicants), applicants == total)
    add(src, f"Kommunerna i tabellen = {municipalities}", str(municipalities), str(kolada), kolada == municipalities)
    share = round(100 * applicants / kolada)
    add(src, f"{total} av {municipalities} = {stated['dua_share']} %", f"{stated['dua_share']} %", f"{share} %",
        share == stated["dua_share"], f"{applicants} av {kolada} = {format_number(100 * applicants / kolada, 1)} %")
    sg = dua[dua["region_id"].isin(["0001", "0009"])]
    if len(sg) == 2:
        pct = 100 * sg["applicants"].sum() / sg["municipalities"].sum()
        add(src, f"Stockholm och Gotland tillsammans = {stated['dua_stockholm_gotland']} %",
            f"{stated['dua_stockholm_gotland']} %", f"{format_number(pct, 1)} %",
            abs(pct - stated["dua_stockholm_gotland"]) <= 0.5,
            f"{' + '.join(str(int(a)) for a in sg['applicants'])} av "
            f"{' + '.join(str(int(m)) for m in sg['municipalities'])} kommuner ({', '.join(map(county_name, sg['region_id']))})")
