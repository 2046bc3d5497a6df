"""Reading one ledger cell the way staff type it: dates, amounts, areas and plain text.

Every parser takes the raw value python-calamine (or openpyxl) returns — ``str``, ``int``,
``float``, ``bool``, ``datetime.date``/``datetime`` or ``None`` — and returns a clean Python
value or raises :class:`CellError` with the reason a person can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from crm.errors import ValidationError
from crm.excel.layout import PLACEHOLDERS
from crm.money import parse_amount

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月份?)$")
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
TOTAL_WORDS = ("合计", "小计", "总计")


class CellError(Exception):
    """A cell that cannot be read; ``reason`` is shown next to its row and column."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def text(value: object) -> str:
    """The cell as trimmed text, full-width letters and digits made half-width."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    raw = str(value)
    if unicodedata.is_normalized("NFKC", raw):
        return raw.strip()
    return unicodedata.normalize("NFKC", raw).strip()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: object) -> dt.date | None:
    """A date from an Excel date, an Excel serial number, or text in any common form.

    Accepts 2025-06-12, 2025/6/12, 2025.6.12, 2025年6月12日, 20250612 (also with full-width
    digits, and with a time of day after the date). Returns None for a blank cell.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是日期")
    if isinstance(value, int | float):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            return _ymd(str(int(number)), str(value))
        if 1 <= number < 2958466:  # an Excel serial day number (1900 date system)
            return EXCEL_EPOCH + dt.timedelta(days=int(number))
        raise CellError(f"“{value}”不是日期")
    raw = text(value)
    cleaned = _TIME_TAIL.sub("", raw).strip()
    match = _DATE_RE.match(cleaned)
    if match:
        return _build(int(match[1]), int(match[2]), int(match[3]), raw)
    if _COMPACT_RE.match(cleaned):
        return _ymd(cleaned, raw)
    raise CellError(f"日期“{raw}”无法识别，请写成 2025-06-12")


def parse_day_or_month(value: object) -> tuple[dt.date | None, bool]:
    """:func:`parse_date`, also taking a month alone (2025年6月, 2025-06, 2025.6, and the number
    2025.6 Excel makes of it) as its 1st: (the date, whether only the month was written)."""
    try:
        return parse_date(value), False
    except CellError:
        if isinstance(value, float) and 1990 <= value < 2101:
            whole, _, frac = repr(value).partition(".")
            if frac == "1":  # 2025.1 and 2025.10 are the same number
                raise CellError(f"“{value}”可能是 {whole} 年 1 月或 10 月，请写成 {whole}-01 或 "
                                f"{whole}-10") from None
            if frac.isdigit() and 1 <= int(frac) <= 12:
                return _build(int(whole), int(frac), 1, repr(value)), True
            raise
        if not isinstance(value, str):
            raise
        match = _MONTH_RE.match(text(value))
        if not match:
            raise
        return _build(int(match[1]), int(match[2] or match[3]), 1, text(value)), True


def _ymd(digits: str, raw: str) -> dt.date:
    return _build(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), raw)


def _build(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


_UNIT_IN_HEADER = re.compile(r"(亿元|亿|万元|万|元)")


def header_unit(header: str) -> str | None:
    """The money unit named in a header like 计划总投资(亿元) or 投资额（万元）."""
    match = _UNIT_IN_HEADER.search(unicodedata.normalize("NFKC", header or ""))
    if not match:
        return None
    return {"亿": "亿元", "万": "万元"}.get(match[1], match[1])


def parse_money(value: object, unit: str | None) -> Decimal | None:
    """An amount in 万元 from ``50.7亿元``, ``7000万元``, ``1.52`` (in ``unit``) …"""
    if is_blank(value):
        return None
    if isinstance(value, bool | dt.date):
        raise CellError(f"“{text(value)}”不是金额")
    raw: str | int | Decimal
    if isinstance(value, float):
        raw = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        raw = value
    else:
        raw = str(value).replace("，", ",")
    try:
        wan = parse_amount(raw, default_unit=unit or "万元")
    except ValidationError as exc:
        raise CellError(exc.message) from None
    if wan is None:
        return None
    # Floats from Excel carry binary noise (0.1 + 0.2); money is exact to one 元.
    return wan.quantize(Decimal("0.0001"))


_AREA_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(亩)?$")


def parse_area(value: object) -> Decimal | None:
    """A land area in 亩 (two decimals)."""
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        match = _AREA_RE.match(text(value).replace(",", ""))
        if not match:
            raise CellError(f"面积“{text(value)}”无法识别，请填写数字（亩）")
        try:
            number = Decimal(match[1])
        except InvalidOperation:  # pragma: no cover - the regex admits only numbers
            raise CellError(f"面积“{text(value)}”无法识别") from None
    if number < 0:
        raise CellError("面积不能为负数")
    return number.quantize(Decimal("0.01"))


def is_blank_row(values: list[object]) -> bool:
    """Every cell of the row is blank (or a placeholder such as "/")."""
    return all(v is None or (isinstance(v, str) and (not v.strip() or v.strip() in PLACEHOLDERS))
               for v in values)


def is_total_row(values: list[object]) -> bool:
    """A 合计 / 小计 row: its first text cells say so."""
    seen = 0
    for v in values:
        if is_blank(v):
            continue
        # Numbers and dates never read 合计, nor does text without 计 once normalized.
        if isinstance(v, str) and ("计" in v or not unicodedata.is_normalized("NFKC", v)):
            t = text(v).replace(" ", "")
            if t.startswith(TOTAL_WORDS) or t.endswith(TOTAL_WORDS):
                return True
        seen += 1
        if seen >= 3:
            break
    return False
