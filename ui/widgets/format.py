"""How numbers, money and dates look everywhere in the window (DESIGN §4a)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QCoreApplication

from crm.money import format_rate, format_yi


def tr(text: str) -> str:
    return QCoreApplication.translate("format", text)


def yi(wan: Decimal | None) -> str:
    """万元 shown as ``50.70 亿元``."""
    return f"{format_yi(wan)} {tr('亿元')}"


def yi_number(wan: Decimal | None) -> str:
    """万元 shown as ``50.70`` (the column header says 亿元)."""
    return format_yi(wan)


def rate(value: Decimal | None) -> str:
    """A ratio as ``57.69%`` or ``—``."""
    return format_rate(value)


def date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def signed_delta(value: int | Decimal, suffix: str = "") -> str:
    """A difference with its sign: ``+3``, ``-1.20 亿元``, ``持平``."""
    if not value:
        return tr("持平")
    sign = "+" if value > 0 else "-"
    magnitude = abs(value)
    text = f"{magnitude}" if isinstance(magnitude, int) else f"{magnitude:.2f}"
    return f"{sign}{text}{suffix}"
