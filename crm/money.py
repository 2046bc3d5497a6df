"""Exact money and area values.

Money is kept in 万元 as :class:`~decimal.Decimal` and stored as an integer count of 元
(1 万元 = 10000 元), so that sums in SQL are exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from crm.errors import ValidationError

WAN_PER_YI = Decimal(10000)
# The largest amount anyone may type: 10^9 万元 = 100,000 亿元 (10 万亿元), a hundred times the
# largest single investment projects in China. Money is stored as integer 元 in a BIGINT
# (≤ 9.2 × 10^18), so 10^13 元 each leaves room for 920,000 amounts at the ceiling in one SUM,
# nine times the 100k projects of DESIGN §7, before SQLite's integer sum would overflow.
MAX_WAN = Decimal(10) ** 9


class Scaled(TypeDecorator[Decimal]):
    """A Decimal stored as an integer scaled by ``10**scale``."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale
        self._factor = Decimal(10) ** scale

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * self._factor
        return int(scaled.to_integral_value(rounding=ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / self._factor).quantize(Decimal(1).scaleb(-self.scale))


def Money() -> Scaled:
    """万元 with 元 precision."""
    return Scaled(4)


def Area() -> Scaled:
    """㎡ or 亩 with two decimals."""
    return Scaled(2)


def yi(wan: Decimal | None) -> Decimal:
    """万元 → 亿元, exact."""
    return (wan or Decimal(0)) / WAN_PER_YI


def format_yi(wan: Decimal | None) -> str:
    """万元 shown as 亿元 with two decimals, half-up: ``Decimal(507000)`` → ``"50.70"``."""
    return str(yi(wan).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def format_rate(rate: Decimal | None) -> str:
    """A ratio shown as a percentage with two decimals, half-up, or ``—``."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """Exact ratio, or None when the denominator is zero."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


_UNIT_RE = re.compile(r"^(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>亿元|亿|万元|万|元)?$")


def parse_amount(text: str | int | float | Decimal | None, *, default_unit: str = "万元",
                 field: str = "amount") -> Decimal | None:
    """Parse an amount typed by a person into 万元.

    Accepts ``50.7亿元``, ``7000万元``, ``1.52`` (in ``default_unit``), full-width digits and
    thousands separators. Returns None for blank input.

    Raises:
        ValidationError: the text is not an amount, it is negative or above :data:`MAX_WAN`.
    """
    if text is None:
        return None
    if isinstance(text, Decimal | int):
        value = Decimal(text)
        unit = default_unit
    elif isinstance(text, float):
        value = Decimal(repr(text))
        unit = default_unit
    else:
        cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace(" ", "")
        if not cleaned:
            return None
        match = _UNIT_RE.match(cleaned)
        if not match:
            raise ValidationError(f"金额“{text}”无法识别，请填写数字，如 7000万元 或 1.52亿元",
                                  code="amount.format", field=field)
        try:
            value = Decimal(match["num"])
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
            raise ValidationError(f"金额“{text}”无法识别", code="amount.format", field=field) from exc
        unit = match["unit"] or default_unit
    factor = {"亿元": WAN_PER_YI, "亿": WAN_PER_YI, "万元": Decimal(1), "万": Decimal(1),
              "元": Decimal("0.0001")}[unit]
    wan = value * factor
    check_amount(wan, field=field)
    return wan


def check_amount(wan: Decimal | None, *, field: str = "amount", label: str = "金额",
                 positive: bool = False, money: bool = True) -> None:
    """Refuse what no amount can be: not a number, negative, above the ceiling, finer than one
    元 (four decimals of 万元).

    Args:
        positive: zero is refused too (a signing, funds received, a target: zero means
            nothing happened); leave False where zero is meaningful (expected tax, an area).
        money: the value is 万元 (the message names the ceiling in 亿元); False for an area.
    """
    if wan is None:
        return
    if not isinstance(wan, Decimal):
        raise ValidationError(f"{label}必须是精确的数字", code="amount.type", field=field)
    if not wan.is_finite():
        raise ValidationError(f"{label}必须是数字", code="amount.format", field=field)
    if wan < 0:
        raise ValidationError(f"{label}不能为负数", code="amount.negative", field=field)
    if positive and wan == 0:
        raise ValidationError(f"{label}必须大于 0", code="amount.positive", field=field)
    # Before rounding: a value of 10^25 cannot be rounded to four decimals (InvalidOperation).
    if wan > MAX_WAN:
        ceiling = "100000 亿元（10 万亿元）" if money else f"{MAX_WAN}"
        raise ValidationError(f"{label}不能超过 {ceiling}", code="amount.range", field=field)
    if wan != wan.quantize(Decimal("0.0001")):
        raise ValidationError(f"{label}最小单位为元（万元下四位小数）", code="amount.precision",
                              field=field)
