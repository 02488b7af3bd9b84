"""Swedish conventions: alphabetical order, number style, plurals and year spans.

One formatter for every page, table, figure axis and the index: decimal comma,
a narrow no-break space (U+202F) between thousands, a true minus sign (U+2212)
and ``i.u.`` for missing values.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable

MISSING = "i.u."
#: Thousands separator: narrow (thin) no-break space, so ``12 800`` never breaks across lines.
THIN_SPACE = "\u202f"
#: Older name of the thousands separator (kept so callers need not change).
NBSP = THIN_SPACE
#: The typographic minus sign, not the hyphen.
MINUS = "\u2212"
EN_DASH = "\u2013"

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


def format_number(value: object, decimals: int = 0, missing: str = MISSING, sign: bool = False) -> str:
    """Format a number the Swedish way: ``12 800``, ``6,8``, ``−0,25``; missing becomes ``i.u.``.

    Thousands are separated by a narrow no-break space (U+202F), decimals by a comma,
    negatives carry a true minus (U+2212); a value that rounds to zero has no sign.
    ``sign=True`` also writes ``+`` before positive values (changes, differences).
    """
    if is_missing(value):
        return missing
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return ("" if number > 0 else MINUS) + "∞"
    text = f"{abs(number):,.{decimals}f}"
    is_zero = float(text.replace(",", "")) == 0
    prefix = "" if is_zero else (MINUS if number < 0 else "+" if sign else "")
    return prefix + text.replace(",", THIN_SPACE).replace(".", ",")


def format_percent(value: object, decimals: int = 0, missing: str = MISSING) -> str:
    """A share given in percent: ``12,5 %`` (with a no-break space before the sign)."""
    text = format_number(value, decimals, missing)
    return text if text == missing else f"{text}\u00a0%"


def p_decimals(mc_se: object = None, most: int = 3) -> int:
    """Decimals a p-value supports: ``most`` for an exact p-value; for a simulated one, no finer
    than its Monte Carlo standard error (0,005 gives 2 decimals, 0,0005 gives 3)."""
    if is_missing(mc_se) or float(mc_se) <= 0:  # type: ignore[arg-type]
        return most
    return max(1, min(most, int(math.floor(-math.log10(2 * float(mc_se))))))  # type: ignore[arg-type]


def format_p(value: object, decimals: int = 3, missing: str = MISSING) -> str:
    """A p-value: ``0,042``; below the printed precision ``< 0,001`` (never ``0,000``)."""
    if is_missing(value):
        return missing
    floor = 10.0 ** -decimals
    if float(value) < floor:  # type: ignore[arg-type]
        return f"<\u00a0{format_number(floor, decimals)}"
    return format_number(value, decimals)


def is_p_column(name: object) -> bool:
    """Column ids that hold p-values: ``p``, ``p_value``, ``p_holm``, ``p_ri_county`` … (not ``p_mc_se``)."""
    text = str(name)
    return (text == "p" or text.startswith("p_")) and not text.endswith("mc_se")


def parse_number(text: str) -> float:
    """Parse a Swedish-style number (``"4 558"``, ``"6,8"``, ``"−1,5"``); ``i.u.`` and ``-`` give NaN."""
    cleaned = text.strip()
    for space in (THIN_SPACE, "\u00a0", "\u2009", " "):
        cleaned = cleaned.replace(space, "")
    cleaned = cleaned.replace(MINUS, "-").replace(",", ".")
    if cleaned in {"", MISSING, "i.u", "-", EN_DASH}:
        return math.nan
    return float(cleaned)


def plural(n: int, one: str, many: str) -> str:
    """``1 kommun``, ``13 kommuner``, ``0 kommuner``: the count and the word in the right number."""
    return f"{format_number(n)} {one if n == 1 else many}"


def year_span(years: Iterable[int]) -> str:
    """``2017–2022`` for a run of years, ``2022`` for one, ``2017, 2019`` otherwise."""
    ys = sorted(set(int(y) for y in years))
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}{EN_DASH}{ys[-1]}"
    return ", ".join(str(y) for y in ys)


def decimals_for(values: Iterable[float], most: int = 4) -> int:
    """The fewest decimals (up to ``most``) that print every value exactly, e.g. 2 for 0,25 and 0,5."""
    need = 0
    for v in values:
        if is_missing(v) or math.isinf(v):
            continue
        while need < most and abs(round(v, need) - v) > 1e-9 * max(1.0, abs(v)):
            need += 1
    return need


def axis_formatter(decimals: int | None = None):
    """A matplotlib tick formatter in Swedish style; ``None`` picks the decimals the ticks need
    (and leaves an axis of years, all ticks whole numbers 1800–2200, as plain years).

    Use as ``ax.yaxis.set_major_formatter(axis_formatter())`` (or :func:`swedish_axes`).
    """
    from matplotlib.ticker import Formatter

    class SwedishFormatter(Formatter):
        ticks: list[float] = []

        def set_locs(self, locs):
            self.ticks = [float(v) for v in locs]

        def __call__(self, x, pos=None):
            ticks = self.ticks or [x]
            if decimals is None and all(float(t).is_integer() and 1800 <= t <= 2200 for t in ticks):
                return str(int(round(x)))  # an axis of years: 2017, not 2 017
            d = decimals if decimals is not None else decimals_for(ticks)
            return format_number(x, d)

        def format_data_short(self, value):
            return format_number(value, decimals if decimals is not None else 3)

    return SwedishFormatter()


def swedish_axes(ax, x: bool = False, y: bool = True, decimals: int | None = None) -> None:
    """Swedish tick labels on a matplotlib axes' numeric axes (years on x stay plain if ``x`` is False)."""
    if y:
        ax.yaxis.set_major_formatter(axis_formatter(decimals))
    if x:
        ax.xaxis.set_major_formatter(axis_formatter(decimals))


def format_signed(value: object, decimals: int = 0, missing: str = MISSING) -> str:
    """Kept for callers written before :func:`format_number` wrote the true minus itself: the same text."""
    return format_number(value, decimals, missing)
