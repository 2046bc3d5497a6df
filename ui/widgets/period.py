"""The period picker: presets (本月, 本季度, 上半年, 下半年, 全年) of a year, or custom dates."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QSpinBox, QWidget

from crm.services.metrics import PRESETS, preset_period
from crm.services.settings import PeriodChoice

CUSTOM = "custom"
# Presets that mean the same dates whatever today's month is: a saved custom period equal to
# one of them is shown as that preset (the demo saves 2025-01-01…2025-06-30 = 2025 上半年).
_FIXED = ("h1", "h2", "year")


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def preset_in_year(preset: str, year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """A preset's dates in ``year`` (本月 and 本季度 take today's month in that year)."""
    day = min(today.day, 28) if today.month == 2 else today.day
    period = preset_period(preset, today.replace(year=year, day=day))
    return period.start, period.end


class PeriodPicker(QWidget):
    """Emits ``changed(PeriodChoice)`` when the user picks another period."""

    changed = Signal(object)

    def __init__(self, today: dt.date, parent: QWidget | None = None, *, label: bool = True):
        super().__init__(parent)
        self.today = today
        self.preset = QComboBox(self)
        self.preset.setObjectName("period-preset")
        for code, name in PRESETS.items():
            self.preset.addItem(self.tr(name), code)
        self.preset.addItem(self.tr("自定义"), CUSTOM)
        self.year = QSpinBox(self)
        self.year.setObjectName("period-year")
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.year.setSuffix(self.tr(" 年"))
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.dash = QLabel(self.tr("至"), self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        if label:  # off where the page labels the picker itself
            layout.addWidget(QLabel(self.tr("统计期间"), self))
        for w in (self.year, self.preset, self.start, self.dash, self.end):
            layout.addWidget(w)
        self._quiet = False
        # Until a period is chosen (a new database): this whole year, so what is signed and
        # started today counts (上半年 hid every autumn signing from a new bureau).
        self.set_choice(PeriodChoice("year", *preset_in_year("year", today.year, today)))
        self.preset.currentIndexChanged.connect(self._picked)
        self.year.valueChanged.connect(self._picked)
        self.start.dateChanged.connect(self._dates_edited)
        self.end.dateChanged.connect(self._dates_edited)

    # --- state ----------------------------------------------------------------------------
    def choice(self) -> PeriodChoice:
        code = self.preset.currentData()
        if code == CUSTOM:
            return PeriodChoice(CUSTOM, _pydate(self.start.date()), _pydate(self.end.date()))
        return PeriodChoice(code, *preset_in_year(code, self.year.value(), self.today))

    def set_choice(self, choice: PeriodChoice) -> None:
        """Show ``choice`` without emitting ``changed``."""
        code = choice.preset
        if code == CUSTOM or code not in PRESETS:
            code = CUSTOM
            for fixed in _FIXED:
                if preset_in_year(fixed, choice.start.year, self.today) == (choice.start, choice.end):
                    code = fixed
        self._quiet = True
        try:
            self.preset.setCurrentIndex(max(0, self.preset.findData(code)))
            self.year.setValue(choice.start.year)
            self.start.setDate(_qdate(choice.start))
            self.end.setDate(_qdate(choice.end))
        finally:
            self._quiet = False
        self._sync()

    def set_preset(self, code: str, year: int | None = None) -> None:
        """Pick a preset as the user would (emits ``changed``)."""
        if year is not None:
            self._quiet = True
            self.year.setValue(year)
            self._quiet = False
        index = self.preset.findData(code)
        if index == self.preset.currentIndex():
            self._picked()  # the same preset again (another year): no index signal comes
        else:
            self.preset.setCurrentIndex(index)  # one pick: its signal calls _picked

    # --- reactions ------------------------------------------------------------------------
    def _sync(self) -> None:
        custom = self.preset.currentData() == CUSTOM
        for w in (self.start, self.dash, self.end):
            w.setVisible(custom)
        self.year.setEnabled(not custom)
        if not custom:
            start, end = preset_in_year(self.preset.currentData(), self.year.value(), self.today)
            self._quiet = True
            self.start.setDate(_qdate(start))
            self.end.setDate(_qdate(end))
            self._quiet = False

    def _picked(self) -> None:
        if self._quiet:
            return
        self._sync()
        self.changed.emit(self.choice())

    def _dates_edited(self) -> None:
        if self._quiet or self.preset.currentData() != CUSTOM:
            return
        if self.end.date() < self.start.date():
            return  # wait until both ends make sense
        self.changed.emit(self.choice())
