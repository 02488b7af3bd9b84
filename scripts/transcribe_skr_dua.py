"""Write ``data/transcribed/``: SKR's county survey tables (2023) and Dua's county shares (2019).

Sources (text versions in ``../shared/seeds/``):

- SKR (2023), *Brister i arbetsmarknadspolitiken och behovet av ett välfungerande
  aktivitetskrav*, Tabellbilaga – länsuppdelad statistik (p. 28 by the table of contents),
  figures 12–15: answer shares per county, 2023 (``000_d7238bc58c78a51f.txt``);
- Dua (2020), *Årsrapport 2019*, section 3.4.1 "Inkomna ansökningar" (p. 15 by the table of
  contents): the share of each county's municipalities that applied for the state grant to
  renew their local agreements (``004_de6884a57e2f00ee.txt``);
- SKR news 2023-03-17, *Bättre samarbete mellan kommuner och Arbetsförmedlingen*: 261
  municipalities had signed local agreements (``003_bd0897d0f562142a.txt``).

The tables are parsed from the documents' text exactly as printed (area names with their
spellings, e.g. "Norrbottn", "Norrbottnen"; answers as in the header), never mapped or
corrected here: mapping to Kolada's counties is :mod:`fou.effects.survey.tables`' job. The
totals the documents state in prose are listed below with the sentence that states them;
the script fails when a sentence is not in the document.

Run: ``python scripts/transcribe_skr_dua.py`` (rewrites the folder; needs ../shared), or
``python scripts/transcribe_skr_dua.py --check`` (compares the shipped files with the text).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "transcribed"
SEEDS = ROOT.parent / "shared" / "seeds"
SKR = "000_d7238bc58c78a51f.txt"
NEWS = "003_bd0897d0f562142a.txt"
DUA = "004_de6884a57e2f00ee.txt"
FIGURES = (12, 13, 14, 15)
DOCUMENTS = {
    SKR: "SKR (2023), Brister i arbetsmarknadspolitiken och behovet av ett välfungerande aktivitetskrav. "
         "Från bidrag till jobb – underlag till regeringens aktivitetskravsreform, del 1",
    DUA: "Delegationen för unga och nyanlända till arbete (Dua) (2020), Årsrapport 2019. Redovisning till regeringen",
    NEWS: "SKR, nyhet 2023-03-17: Bättre samarbete mellan kommuner och Arbetsförmedlingen",
}
#: Totals stated in prose: key, value, document, place, the sentence (must occur in the text).
STATED = [
    ("skr_respondents", 244, SKR, "Inledning", "I år svarade 244 av 290 kommuner (84 procent)."),
    ("skr_municipalities", 290, SKR, "Inledning", "I år svarade 244 av 290 kommuner (84 procent)."),
    ("skr_response_rate", 84, SKR, "Inledning", "I år svarade 244 av 290 kommuner (84 procent)."),
    ("dua_applicants", 191, DUA, "Avsnitt 3.4.1",
     "Totalt hade 63 ansökningar om statsbidrag, avseende 191 kommuner inkommit (66 procent) den 28 februari 2020."),
    ("dua_share", 66, DUA, "Avsnitt 3.4.1",
     "Totalt hade 63 ansökningar om statsbidrag, avseende 191 kommuner inkommit (66 procent) den 28 februari 2020."),
    ("dua_municipalities", 290, DUA, "Avsnitt 2", "Samtliga 290 kommuner inbjöds att delta."),
    ("dua_stockholm_gotland", 81, DUA, "Avsnitt 3.4.1", "Stockholm Gotland (81 procent)"),
    ("signed_agreements_2023", 261, NEWS, "Ingress",
     "En ny rapport från Arbetsförmedlingen visar att myndigheten tecknat lokala överenskommelser med 261 kommuner."),
]


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def parse_skr(text: str) -> pd.DataFrame:
    """Figures 12–15 of the Tabellbilaga as one tidy frame: ``figure, question, area, response, percent``
    (one row per printed share, in the printed order)."""
    lines = _lines(text)
    start = next(i for i, line in enumerate(lines) if line.startswith("# Tabellbilaga"))
    rows = []
    for figure in FIGURES:
        at = next(i for i in range(start, len(lines)) if lines[i].startswith(f"Figur {figure}. "))
        header_at = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("\t"))
        title = " ".join(lines[j].strip() for j in range(at, header_at) if lines[j].strip())
        question = re.sub(rf"^Figur {figure}\.\s*", "", title)
        question = re.sub(r"\s*Kommuns(va|vå)r per län 2023\.$", "", question).strip()
        responses = lines[header_at].strip("\t").split("\t")
        for line in lines[header_at + 1:]:
            if not line.strip():
                break
            cells = line.split("\t")
            if len(cells) != len(responses) + 1:
                raise ValueError(f"figure {figure}: row {line!r} has {len(cells) - 1} shares, expected {len(responses)}")
            for response, cell in zip(responses, cells[1:]):
                rows.append({"figure": figure, "question": question, "area": cells[0].strip(),
                             "response": response.strip(), "percent": int(cell)})
    return pd.DataFrame(rows)


def parse_dua(text: str) -> pd.DataFrame:
    """The county table of section 3.4.1: ``area, percent`` as printed (without the % sign)."""
    lines = _lines(text)
    at = next(i for i, line in enumerate(lines) if line.startswith("Län\tProcent"))
    rows = []
    for line in lines[at + 1:]:
        if not line.strip():
            break
        area, percent = line.split("\t")
        rows.append({"area": area.strip(), "percent": int(percent.strip().rstrip("%"))})
    return pd.DataFrame(rows)


def stated(texts: dict[str, str]) -> pd.DataFrame:
    """The stated totals, each checked against its document's text."""
    for key, _, doc, _, quote in STATED:
        if quote not in " ".join(texts[doc].split()):
            raise ValueError(f"{key}: the sentence {quote!r} is not in {doc}")
    return pd.DataFrame(STATED, columns=["key", "value", "document", "place", "quote"])


def tables(seeds: Path = SEEDS) -> dict[str, pd.DataFrame]:
    """Every transcribed table, parsed from the seed documents in ``seeds``."""
    texts = {name: (seeds / name).read_text(encoding="utf-8") for name in DOCUMENTS}
    return {"skr_2023_county_survey.csv": parse_skr(texts[SKR]),
            "dua_2019_county_applications.csv": parse_dua(texts[DUA]),
            "stated_totals.csv": stated(texts)}


def csv_text(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def manifest(frames: dict[str, pd.DataFrame], seeds: Path) -> dict:
    sha = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    places = {"skr_2023_county_survey.csv": (SKR, "Tabellbilaga – länsuppdelad statistik (s. 28 enligt "
                                                  "innehållsförteckningen), figur 12–15"),
              "dua_2019_county_applications.csv": (DUA, "Avsnitt 3.4.1 Inkomna ansökningar (s. 15 enligt "
                                                        "innehållsförteckningen), tabellen per län"),
              "stated_totals.csv": (None, "the sentences quoted in the file, each with its document and place")}
    files = {}
    for name, frame in frames.items():
        doc, place = places[name]
        files[name] = {"document": DOCUMENTS[doc] if doc else "see the rows", "seed": doc, "place": place,
                       "rows": len(frame), "sha256": sha(csv_text(frame).encode())}
    return {"format": "fou-transcribed/1", "kind": "transcribed",
            "description": "figures transcribed from published documents (not fetched): parsed from the documents' "
                           "text by scripts/transcribe_skr_dua.py and compared by hand with the printed tables",
            "transcribed_at": date.today().isoformat(), "transcribed_by": "scripts/transcribe_skr_dua.py",
            "documents": {doc: {"title": title, "sha256": sha((seeds / doc).read_bytes())} for doc, title in DOCUMENTS.items()},
            "files": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the shipped files with the documents' text")
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    args = parser.parse_args(argv)
    if not args.seeds.is_dir():
        print(f"{args.seeds} is absent: the seed documents (../shared/seeds) are needed", file=sys.stderr)
        return 2
    frames = tables(args.seeds)
    if args.check:
        bad = [n for n, f in frames.items() if (OUT / n).read_text(encoding="utf-8") != csv_text(f)]
        for name in bad:
            print(f"{OUT / name} differs from the text of the document", file=sys.stderr)
        return 1 if bad else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        (OUT / name).write_text(csv_text(frame), encoding="utf-8")
    (OUT / "manifest.json").write_text(json.dumps(manifest(frames, args.seeds), ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    print(f"wrote {', '.join(frames)} and manifest.json to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
