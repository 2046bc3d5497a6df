"""统一社会信用代码 (USCC) check per GB 32100-2015."""

from __future__ import annotations

import unicodedata

from crm.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_digit(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes for the first 17."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(text: str | None, *, field: str = "uscc") -> str | None:
    """Return the USCC in canonical form, None when blank.

    Raises:
        ValidationError: wrong length, a character outside the code's alphabet, or a wrong
            check digit.
    """
    if text is None:
        return None
    code = unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")
    if not code:
        return None
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码应为18位，“{text}”为{len(code)}位",
                              code="uscc.length", field=field)
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        raise ValidationError(f"统一社会信用代码含有无效字符“{bad[0]}”（不使用 I、O、Z、S、V）",
                              code="uscc.charset", field=field)
    expected = check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError(f"统一社会信用代码校验位错误：“{code}”的第18位应为 {expected}",
                              code="uscc.check_digit", field=field)
    return code


def make_uscc(body17: str) -> str:
    """Complete 17 characters with their check digit (for demo and test data)."""
    return body17 + check_digit(body17)
