"""The transcribed tables (``data/transcribed``) and the mapping of their area names to
Kolada's counties.

The documents spell the counties in several ways ("Norrbottn", "Norrbottnen", "Västra
Götalands län") and SKR prints Stockholm and Gotland as one row; every area maps to a tuple
of county codes (two digits, Kolada's ``county``), the region id is ``00`` + code, and a
combined row's id joins its counties with ``+`` (``0001+0009``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fou.extracts.paths import data_dir

SURVEY_FILE = "skr_2023_county_survey.csv"
DUA_FILE = "dua_2019_county_applications.csv"
STATED_FILE = "stated_totals.csv"
SURVEY_YEAR, DUA_YEAR = 2023, 2019
FIGURES = (12, 13, 14, 15)
#: Short Swedish labels of the four questions (the full text is in the transcription).
SHORT_QUESTIONS = {12: "hjälp till anställning för dem långt från arbetsmarknaden",
                   13: "resurser för samverkan på strategisk nivå", 14: "resurser för samverkan på operativ nivå",
                   15: "resurser för stöd till arbetsgivarnas kompetensförsörjning"}
SKR_SEED, DUA_SEED = "000_d7238bc58c78a51f.txt", "004_de6884a57e2f00ee.txt"
#: Kolada's county codes and the counties' short Swedish names.
COUNTIES = {"01": "Stockholm", "03": "Uppsala", "04": "Södermanland", "05": "Östergötland", "06": "Jönköping",
            "07": "Kronoberg", "08": "Kalmar", "09": "Gotland", "10": "Blekinge", "12": "Skåne", "13": "Halland",
            "14": "Västra Götaland", "17": "Värmland", "18": "Örebro", "19": "Västmanland", "20": "Dalarna",
            "21": "Gävleborg", "22": "Västernorrland", "23": "Jämtland", "24": "Västerbotten", "25": "Norrbotten"}
RIKET = "0000"
NATIONAL_AREA = "Samtliga kommuner 2023"
#: Spellings the documents use beside the county names (lower case, without "län").
ALIASES = {"norrbottn": ("25",), "norrbottnen": ("25",), "sörmland": ("04",), "jämtland härjedalen": ("23",),
           "stockholm samt gotland": ("01", "09"), "stockholm gotland": ("01", "09")}
#: The survey's answers as printed: the scale from positive to negative, then "don't know" and the two sums.
POSITIVE = ("I mycket hög utsträckning", "I ganska hög utsträckning")
NEUTRAL = "I varken hög eller låg utsträckning"
NEGATIVE = ("I ganska låg utsträckning", "I mycket låg utsträckning")
DONT_KNOW = "Vet ej"
SCALE = (*POSITIVE, NEUTRAL, *NEGATIVE, DONT_KNOW)
SUMS = {"Positiv": POSITIVE, "Negativ": NEGATIVE}


def transcribed_dir() -> Path:
    """The shipped transcriptions (``data/transcribed``, see its README and manifest)."""
    return data_dir() / "transcribed"


def _key(name: str) -> str:
    return " ".join(name.lower().replace("län", " ").split())


def counties_of(area: str) -> tuple[str, ...]:
    """County codes of a printed area name; ``()`` for the national row; ValueError naming
    the area when it is no county."""
    key = _key(area)
    if area.strip().lower().startswith("samtliga kommuner") or key in ("riket", "sverige"):
        return ()
    if key in ALIASES:
        return ALIASES[key]
    names = {_key(n): c for c, n in COUNTIES.items()}
    for candidate in (key, key[:-1] if key.endswith("s") else key):
        if candidate in names:
            return (names[candidate],)
        if candidate in ALIASES:
            return ALIASES[candidate]
    raise ValueError(f"area {area!r} is not a county; expected one of {', '.join(COUNTIES.values())}")


def region_id(area: str) -> str:
    """Kolada's region id of an area (``0014``), ``0001+0009`` for a combined row, ``0000`` for the nation."""
    codes = counties_of(area)
    return "+".join(f"00{c}" for c in codes) if codes else RIKET


def county_region_id(value: str) -> str:
    """Kolada's region id of one county given by name, spelling or id (``Västra Götaland``, ``14``,
    ``0014``); empty for an empty value; ValueError for anything else (a combined row too)."""
    text = str(value).strip()
    if not text:
        return ""
    codes = (text[-2:],) if text.isdigit() and len(text) in (2, 4) else counties_of(text)
    if len(codes) != 1 or codes[0] not in COUNTIES:
        raise ValueError(f"{value!r} is not one county")
    return f"00{codes[0]}"


def county_name(code_or_area: str) -> str:
    """The short name of a county code (``14``), region id (``0014``) or printed area."""
    text = str(code_or_area)
    if text.isdigit():
        return COUNTIES[text[-2:]]
    return " och ".join(COUNTIES[c] for c in counties_of(text)) or "Riket"


def municipalities_per_county(units: pd.DataFrame) -> pd.Series:
    """Municipalities (type K) per county code, from Kolada's unit list (``units.csv`` with
    ``type`` and ``county``, as the national extract ships it)."""
    k = units[units["type"].astype(str) == "K"]
    return k.groupby(k["county"].astype(str).str.zfill(2)).size().rename("municipalities")


def load_units(extract_dir: str | Path) -> pd.DataFrame:
    """Kolada's unit list beside an extract's values."""
    return pd.read_csv(Path(extract_dir) / "units.csv", dtype=str)


def municipalities_of(area: str, per_county: pd.Series) -> int:
    """Municipalities of an area in Kolada (all of them for the national row)."""
    codes = counties_of(area)
    return int(per_county.sum() if not codes else sum(int(per_county.get(c, 0)) for c in codes))


def load_survey(folder: str | Path | None = None) -> pd.DataFrame:
    """SKR's figures 12–15 as transcribed: ``figure, question, area, response, percent``, plus ``region_id``."""
    df = pd.read_csv(Path(folder or transcribed_dir()) / SURVEY_FILE, dtype={"figure": int, "percent": int})
    return df.assign(region_id=df["area"].map(region_id))


def load_dua(folder: str | Path | None = None) -> pd.DataFrame:
    """Dua's county shares as transcribed: ``area, percent``, plus ``region_id``."""
    df = pd.read_csv(Path(folder or transcribed_dir()) / DUA_FILE, dtype={"percent": int})
    return df.assign(region_id=df["area"].map(region_id))


def load_stated(folder: str | Path | None = None) -> dict[str, int]:
    """The totals the documents state in prose (``skr_respondents`` = 244, ``dua_applicants`` = 191 …)."""
    df = pd.read_csv(Path(folder or transcribed_dir()) / STATED_FILE)
    return {str(k): int(v) for k, v in zip(df["key"], df["value"])}


def manifest(folder: str | Path | None = None) -> dict:
    """The transcriptions' manifest (documents, places, date, checksums)."""
    return json.loads((Path(folder or transcribed_dir()) / "manifest.json").read_text(encoding="utf-8"))


def questions(survey: pd.DataFrame) -> dict[int, str]:
    """Figure number → question text."""
    return dict(survey.drop_duplicates("figure")[["figure", "question"]].itertuples(index=False, name=None))


def wide(survey: pd.DataFrame, figure: int) -> pd.DataFrame:
    """One figure as printed: one row per area (printed order), one column per answer."""
    d = survey[survey["figure"] == figure]
    order = list(dict.fromkeys(d["area"]))
    out = d.pivot(index="area", columns="response", values="percent").reindex(order)
    cols = [c for c in (*SCALE, *SUMS) if c in out.columns]
    return out[cols].reset_index().assign(region_id=lambda f: f["area"].map(region_id))
