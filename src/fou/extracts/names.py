"""Swedish words for search and name resolution.

å, ä and ö are letters of their own: ``län`` is not ``lan`` and ``ålder`` is not
inside ``förälder``. Other accents fold to their base letter (``é`` → ``e``), and
``æ``/``ø`` to ``ä``/``ö``. A query word matches a word of a text that starts with
it (``arbetslös`` finds ``Arbetslöshet``, ``ale`` does not find ``Malung-Sälen``);
Snowball's Swedish stemmer shortens an inflected query word to its stem first
(``kostnader`` → ``kostnad``, ``föräldrar`` → ``föräldr``) when the stem keeps at
least four letters. A query word of six letters or more also matches inside a
compound (``kostnad`` in ``Nettokostnad``), ranked lower. A word typed without
å, ä and ö may still match with them folded (``Malmo`` → ``Malmö``) as a fallback
that ranks below every match with the letters as typed. Ids match exactly or by
their start (``N0195`` → ``N01951``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd
import snowballstemmer

SWEDISH_LETTERS = frozenset("åäö")
_MAP = {"æ": "ä", "ø": "ö"}
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o"})
_WORD = re.compile(r"\w+")
#: Shortest stem used in place of the typed word, and shortest word matched inside a compound.
MIN_STEM, MIN_COMPOUND = 4, 6
#: Points per query word: the unit's or KPI's id in full, the start of an id, a title word
#: equal to the query word, starting with it, containing it (compounds), a word of the description.
ID, ID_PREFIX, WORD, PREFIX, COMPOUND, DESCRIPTION = 100.0, 50.0, 6.0, 4.0, 3.0, 1.0
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=1024)
def _char(c: str) -> str:
    if c in SWEDISH_LETTERS:
        return c
    c = _MAP.get(c, c)
    return c if c in SWEDISH_LETTERS else "".join(d for d in unicodedata.normalize("NFKD", c)
                                                  if not unicodedata.combining(d))


def normalise(text: object) -> str:
    """Lower case with Swedish letters kept and other accents dropped: ``"Malmö Café"`` → ``"malmö cafe"``."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    text = str(text).casefold()
    return text if text.isascii() else _NON_ASCII.sub(lambda m: _char(m.group()), unicodedata.normalize("NFC", text))


def fold(text: object) -> str:
    """:func:`normalise` with å, ä, ö as a, a, o (the fallback for queries typed without them)."""
    return normalise(text).translate(_FOLD)


def words(text: object) -> list[str]:
    """The words of a text, normalised: ``"Malung-Sälen"`` → ``["malung", "sälen"]``."""
    return _WORD.findall(normalise(text))


def has_swedish_letters(word: str) -> bool:
    """True when ``word`` has an å, ä or ö (then it is never matched with them folded)."""
    return any(c in SWEDISH_LETTERS for c in normalise(word))


@functools.lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("swedish")


@functools.lru_cache(maxsize=4096)
def root(word: str) -> str:
    """The Swedish stem of a query word when it keeps at least :data:`MIN_STEM` letters, else the word."""
    if not word.isalpha():
        return word
    stem = _stemmer().stemWord(word)
    return stem if len(stem) >= MIN_STEM and word.startswith(stem) else word


def word_points(query_word: str, text: str, *, folded: bool = False) -> float:
    """How well one query word matches a text (both as :func:`normalise` gives them): :data:`WORD`,
    :data:`PREFIX`, :data:`COMPOUND` or 0. ``folded``: compare with å, ä, ö folded (no stemming)."""
    if folded:
        text, q = text.translate(_FOLD), query_word.translate(_FOLD)
        start = q
    else:
        q, start = query_word, root(query_word)
    if start not in text:  # most texts: no need to look at their words
        return 0.0
    best = 0.0
    for w in _WORD.findall(text):
        if w == q:
            return WORD
        if w.startswith(start):
            best = PREFIX
        elif best < COMPOUND and len(start) >= MIN_COMPOUND and start in w:
            best = COMPOUND
    return best


def id_points(query_word: str, ident: object) -> float:
    """:data:`ID` for the whole id, :data:`ID_PREFIX` for its start (with a digit and ≥ 2 characters), else 0."""
    i = normalise(ident)
    if not i or not query_word:
        return 0.0
    if query_word == i:
        return ID
    if len(query_word) >= 2 and any(c.isdigit() for c in query_word) and i.startswith(query_word):
        return ID_PREFIX
    return 0.0


def name_matches(token: str, candidates: Iterable[tuple[str, str]]) -> list[str]:
    """Ids whose name is ``token`` (case and spacing aside); when none is and ``token`` has no
    å, ä or ö, those whose name is ``token`` with å, ä, ö folded (``Malmo`` → Malmö)."""
    pairs = list(candidates)
    wanted = " ".join(words(token))
    exact = [i for i, name in pairs if " ".join(words(name)) == wanted]
    if exact or has_swedish_letters(token):
        return exact
    folded = fold(wanted)
    return [i for i, name in pairs if fold(" ".join(words(name))) == folded]


def rank(df: pd.DataFrame, query: str | None, *, id_col: str | None = "id", title_col: str = "title",
         description_col: str | None = None, tiebreak: Sequence[str] = ("id",)) -> pd.DataFrame:
    """The rows whose id, title or description match every word of ``query``, best first,
    with a ``score`` column (without a query: every row, score 0, sorted by ``tiebreak``'s last column).

    A title equal to the query scores 10 more, a title holding the whole phrase 5 more,
    one starting with it 1 more. Rows that needed å, ä, ö folded for some word come after
    all others; then higher scores first, then ``tiebreak`` (``_len``: shorter title first).
    """
    df = df.assign(_len=[len(str(t)) for t in df[title_col]]) if len(df) else df.assign(_len=pd.Series(dtype=int))
    qwords = words(query)
    if not qwords:
        return df.assign(score=0.0).sort_values(tiebreak[-1]).drop(columns="_len").reset_index(drop=True)
    phrase = " ".join(qwords)
    descriptions = df[description_col] if description_col else [None] * len(df)
    ids = df[id_col] if id_col else [None] * len(df)
    scores, folded, by_id = [], [], []
    for ident, title, description in zip(ids, df[title_col], descriptions):
        title = normalise(title)
        points, nfolded = _row_points(qwords, ident, title, normalise(description))
        by_id.append(points >= ID_PREFIX)
        if points:
            text = " ".join(_WORD.findall(title))
            same = fold(text) == fold(phrase) if nfolded else text == phrase
            within = (fold(phrase) in fold(text)) if nfolded else phrase in text
            starts = fold(text).startswith(fold(phrase)) if nfolded else text.startswith(phrase)
            points += 10 * same + 5 * (within and len(qwords) > 1) + starts
        scores.append(points)
        folded.append(nfolded)
    df = df.assign(score=scores, _folded=folded)
    df["_len"] = df["_len"].where(~pd.Series(by_id, index=df.index, dtype=bool), 0)  # id hits: in id order
    df = df[df["score"] > 0]
    keys = ["_folded", "score", *tiebreak]
    return (df.sort_values(keys, ascending=[True, False] + [True] * len(tiebreak))
            .drop(columns=["_len", "_folded"]).reset_index(drop=True))


def _row_points(qwords: list[str], ident: object, title: str, description: str) -> tuple[float, int]:
    """Points of one row (normalised title and description) for every query word (0 when a
    word matches nothing) and how many words matched only with å, ä, ö folded."""
    total, nfolded = 0.0, 0
    for q in qwords:
        p = max(id_points(q, ident), word_points(q, title), DESCRIPTION if word_points(q, description) else 0.0)
        if not p and not has_swedish_letters(q):
            p = max(word_points(q, title, folded=True),
                    DESCRIPTION if word_points(q, description, folded=True) else 0.0)
            nfolded += bool(p)
        if not p:
            return 0.0, 0
        total += p
    return total, nfolded
