"""Pinyin sort keys and search text for Chinese names.

The keys are pypinyin's, computed as pypinyin itself does it: a text is cut into runs of
Chinese characters and runs of other characters, each Chinese run into words, and each word is
converted on its own; other characters stay as they are, one by one. Doing those steps here
lets each distinct Chinese run be converted once and give both the sort key and the initials,
which makes a 100k-row ledger import affordable (names repeat runs: 上海, 科技, 有限公司 …).
A test checks the keys against pypinyin's own ``lazy_pinyin`` on whole texts.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

MAX_KEY = 600


@lru_cache(maxsize=1)
def _pypinyin() -> tuple[Any, Any, Any, re.Pattern[str]]:
    """pypinyin, loaded when the first key is worked out: its phrase dictionary takes about
    half a second to import, which the app's start does not need.

    Returns (its word splitter, ``lazy_pinyin``, ``Style``, the pattern of runs of characters
    with pinyin)."""
    from crm import pinyin_dicts

    pinyin_dicts.install()  # its dictionaries, read without stopping the window's thread
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import RE_HANS
    from pypinyin.core import Pinyin

    # pypinyin's own test for "a character with pinyin" is RE_HANS = ^(?:[…])+$: keep its class.
    cls = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
    assert cls.startswith("[") and cls.endswith("]"), RE_HANS.pattern
    return Pinyin(), lazy_pinyin, Style, re.compile(f"({cls}+)")


def load() -> None:
    """Load pypinyin now (the app does it in the background once its window shows, so that
    neither the start nor the first search of a list pays for it)."""
    _pypinyin()


def normalize(text: str) -> str:
    """Full-width to half-width, trimmed, lower case: the form every search compares."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


# The escape character of every LIKE a search builds: ``column.like(contains(t), escape=ESC)``.
ESC = "\\"


def contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere in a value, with ``%``, ``_`` and ``\\`` meaning
    themselves (a search for ``100%`` must not match every row). Use with ``escape=ESC``."""
    literal = text.replace(ESC, ESC + ESC).replace("%", ESC + "%").replace("_", ESC + "_")
    return f"%{literal}%"


def _keep(chars: str) -> Any:
    """Characters without pinyin stay as they are, one by one."""
    return list(chars)


@lru_cache(maxsize=100_000)
def _han(run: str) -> tuple[str, str]:
    """A run of Chinese characters: its sort key part and its initials, word by word."""
    seg, lazy_pinyin, style, _ = _pypinyin()
    tone3: list[str] = []
    first: list[str] = []
    for word in seg.seg(run):
        tone3.extend(lazy_pinyin([word], style=style.TONE3, neutral_tone_with_five=True,
                                 errors=_keep))
        first.extend(lazy_pinyin([word], style=style.FIRST_LETTER, errors=_keep))
    return "".join(p + " " for p in tone3), "".join(first)


def _keys(normalized: str) -> tuple[str, str]:
    """(sort key, initials) of a normalized text, from one split into runs."""
    # re.split alternates: other characters (kept one by one), a Chinese run, other …
    pieces = _pypinyin()[3].split(normalized)
    if len(pieces) == 1:  # no Chinese at all
        return (" ".join(normalized) + " " if normalized else "")[:MAX_KEY], normalized
    key: list[str] = []
    first: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            k, f = _han(piece)
            key.append(k)
            first.append(f)
        elif piece:
            key.append(" ".join(piece) + " ")
            first.append(piece)
    return "".join(key)[:MAX_KEY], "".join(first)


def sort_key(text: str) -> str:
    """Pinyin order key, as Excel and WPS sort Chinese names (by syllable, then tone).

    Each character becomes ``pinyin + tone digit`` followed by a space, so that ``"hai3 "``
    sorts before ``"hang2 "`` exactly as the characters 海 and 杭 do.
    """
    return _keys(normalize(text))[0]


def initials(text: str) -> str:
    """Pinyin initials: 上海际数科技 → ``shjskj``; other characters kept as they are."""
    return _keys(normalize(text))[1]


def search_text(*fields: str | None) -> str:
    """One lower-case text holding the fields and their pinyin initials, for LIKE search."""
    plain = [normalize(f) for f in fields if f]
    return "|".join(plain + [_keys(f)[1] for f in plain])


class Named:
    """A name's normalized form, sort key and initials, worked out once (bulk import)."""

    __slots__ = ("initials", "normalized", "sort_key")

    def __init__(self, text: str):
        self.normalized = normalize(text)
        self.sort_key, self.initials = _keys(self.normalized)

    @classmethod
    def of(cls, normalized: str, sort_key: str, initials: str) -> Named:
        """The keys as another process worked them out."""
        named = cls.__new__(cls)
        named.normalized, named.sort_key, named.initials = normalized, sort_key, initials
        return named


def project_keys(name: str, company: Named, uscc: str | None,
                 mine: Named | None = None, former: str = "") -> tuple[str, str]:
    """(sort key, search text) of a project — ``sort_key(name)`` and
    ``search_text(name, company, uscc, former)`` — reusing what is known of its company (and
    of its own name, when ``mine`` is ``Named(name)`` worked out before); ``former`` is the
    company's 曾用名, so that they find its projects as they find those a form made."""
    if mine is None:
        mine = Named(name)
    plain = [mine.normalized, company.normalized]
    first = [mine.initials, company.initials]
    if uscc:
        code = normalize(uscc)
        plain.append(code)
        first.append(_keys(code)[1])
    if former:
        was = normalize(former)
        plain.append(was)
        first.append(_keys(was)[1])
    return mine.sort_key, "|".join(plain + first)


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: a Chinese (wide or full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` terminal columns (a Chinese character takes
    two), so that columns of a command's output line up."""
    return text + " " * max(0, width - display_width(text))


def rpad(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (numbers, 800.00万美元)."""
    return " " * max(0, width - display_width(text)) + text
