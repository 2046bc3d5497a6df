"""The 工作台's monthly chart labels fit: a whole year is labelled 1 … 12, not cut "1…"."""

from __future__ import annotations

from typing import Any

from crm.services.metrics import MonthRow
from ui.pages.dashboard import month_labels


def _months(year: int, first: int, last: int) -> list[MonthRow]:
    return [MonthRow(year, m, 0, 0) for m in range(first, last + 1)]


def test_whole_year_has_short_labels(qtbot: Any) -> None:
    assert month_labels(_months(2026, 1, 12)) == [str(m) for m in range(1, 13)]


def test_half_year_keeps_month_names(qtbot: Any) -> None:
    assert month_labels(_months(2025, 1, 6)) == [f"{m}月" for m in range(1, 7)]


def test_periods_across_years_keep_their_labels(qtbot: Any) -> None:
    rows = _months(2025, 11, 12) + _months(2026, 1, 2)
    assert month_labels(rows) == [r.label for r in rows]
