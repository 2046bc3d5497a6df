"""企业层级: the tier tags of a company as check boxes (the admins' dictionary, in its order)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from crm.services.tiers import TierRow

COLUMNS = 3


class TierPicker(QWidget):
    """``set_items(rows)`` offers the tiers, ``set_checked(ids)`` ticks a company's; ``value()``
    is the ticked ids. A retired tier still on the company is shown so it is not lost."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tier-picker")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[int, QCheckBox] = {}
        self._wanted: set[int] = set()

    def set_items(self, rows: Iterable[TierRow]) -> None:
        for box in self.boxes.values():
            box.deleteLater()
        self.boxes = {}
        for i, row in enumerate(rows):
            box = QCheckBox(row.name, self)
            box.setChecked(row.id in self._wanted)
            self.grid.addWidget(box, i // COLUMNS, i % COLUMNS)
            self.boxes[row.id] = box

    def set_checked(self, rows: Iterable[TierRow]) -> None:
        rows = list(rows)
        self._wanted = {r.id for r in rows}
        missing = [r for r in rows if r.id not in self.boxes]
        if missing and self.boxes:  # retired ones the company still carries
            start = len(self.boxes)
            for i, row in enumerate(missing, start=start):
                box = QCheckBox(row.name, self)
                self.grid.addWidget(box, i // COLUMNS, i % COLUMNS)
                self.boxes[row.id] = box
        for ident, box in self.boxes.items():
            box.setChecked(ident in self._wanted)

    def value(self) -> list[int]:
        return [ident for ident, box in self.boxes.items() if box.isChecked()]
