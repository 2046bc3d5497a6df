"""A new database's 工作台 and 报表 start on a period that contains today."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ui.widgets.period import PeriodPicker


@pytest.mark.parametrize("today", [dt.date(2026, 2, 3), dt.date(2026, 11, 28)])
def test_default_period_contains_today(qtbot: Any, today: dt.date) -> None:
    picker = PeriodPicker(today)
    qtbot.addWidget(picker)
    choice = picker.choice()
    assert choice.start <= today <= choice.end
    assert (choice.start, choice.end) == (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
