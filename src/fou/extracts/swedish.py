"""Swedish conventions: alphabetical order and number style."""

from __future__ import annotations

import math
import unicodedata

MISSING = "i.u."
NBSP = "\u00a0"
MINUS = "\u2212"  # true minus sign

_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"
_FOLD = {"é": "e", "è": "e", "ü": "y", "æ": "ä", "ø": "ö", "á": "a", "à": "a"}


def sort_key(name: str) -> tuple[int, ...]:
    """Sort key that orders names the Swedish way (å, ä, ö after z)."""
    key = []
    for ch in name.lower():
        ch = _FOLD.get(ch, ch)
        pos = _ALPHABET.find(ch)
        if pos < 0:
            base = unicodedata.normalize("NFKD", ch)[:1]
            pos = _ALPHABET.find(base)
        key.append(pos if pos >= 0 else -1 if ch == " " else 100 + ord(ch))
    return tuple(key)


def is_missing(value: object) -> bool:
    """True for None and NaN (and pandas' NA)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return str(value) in {"<NA>", "NaT"}


def format_number(value: object, decimals: int = 0, missing: str = MISSING) -> str:
    """Format a number the Swedish way: ``12 800``, ``6,8``, ``−1,2``; missing becomes ``i.u.``.

    Thousands are separated by a non-breaking space, decimals by a comma, and negative
    numbers carry a true minus sign (U+2212).
    """
    if is_missing(value):
        return missing
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0,0"
    return text.replace(",", NBSP).replace(".", ",").replace("-", MINUS)


def parse_number(text: str) -> float:
    """Parse a Swedish-style number (``"4 558"``, ``"6,8"``); ``i.u.`` and ``-`` give NaN."""
    cleaned = text.strip().replace(NBSP, "").replace(" ", "").replace(",", ".").replace(MINUS, "-")
    if cleaned in {"", MISSING, "i.u", "-", "–"}:
        return math.nan
    return float(cleaned)


MINUS = "\u2212"


def format_signed(value: object, decimals: int = 0, missing: str = MISSING) -> str:
    """Like :func:`format_number` but with a true minus sign (U+2212) for negatives: ``−2,5``."""
    text = format_number(value, decimals, missing)
    return MINUS + text[1:] if text.startswith("-") else text
