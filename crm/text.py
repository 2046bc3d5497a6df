"""Pinyin sort keys and search text for Chinese names."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin


def normalize(text: str) -> str:
    """Full-width to half-width, trimmed, lower case: the form every search compares."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def _keep(chars: str) -> Any:
    """Characters without pinyin stay as they are, one by one."""
    return list(chars)


@lru_cache(maxsize=65536)
def sort_key(text: str) -> str:
    """Pinyin order key, as Excel and WPS sort Chinese names (by syllable, then tone).

    Each character becomes ``pinyin + tone digit`` followed by a space, so that ``"hai3 "``
    sorts before ``"hang2 "`` exactly as the characters 海 and 杭 do.
    """
    parts = lazy_pinyin(normalize(text), style=Style.TONE3, neutral_tone_with_five=True,
                        errors=_keep)
    return "".join(p + " " for p in parts)[:600]


@lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """Pinyin initials: 上海际数科技 → ``shjskj``; other characters kept as they are."""
    parts = lazy_pinyin(normalize(text), style=Style.FIRST_LETTER, errors=_keep)
    return "".join(parts)


def search_text(*fields: str | None) -> str:
    """One lower-case text holding the fields and their pinyin initials, for LIKE search."""
    plain = [normalize(f) for f in fields if f]
    return "|".join(plain + [initials(f) for f in plain])
