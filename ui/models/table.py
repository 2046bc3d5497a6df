"""A read-only table model over a small list of plain rows (logs, companies, events …).

Large lists (projects, contact logs, companies) hold only ids (``ui.models.id_list``); this one
is for lists of at most a few thousand rows, where holding every row is cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from crm.money import format_yi

Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column:
    """One column: its header and how a row shows in it.

    ``kind`` decides the look: ``text``, ``date`` (YYYY-MM-DD), ``yi`` (万元 shown as 亿元
    with two decimals), ``number`` (right-aligned as is). Numbers, amounts and dates are
    right-aligned under a right-aligned title. ``width`` 0 lets the view stretch the column;
    ``alert`` marks a cell to be shown in the warning colour; ``sort`` is the key a list
    sorted in the database (``QueryListModel``) sorts by when its header is clicked.
    """

    title: str
    value: Callable[[Any], Any]
    kind: str = "text"
    width: int = 0
    alert: Callable[[Any], bool] | None = None
    sort: str | None = None

    @property
    def alignment(self) -> int:
        return int(RIGHT if self.kind in ("yi", "number", "date") else LEFT)


def display(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "yi":
        return format_yi(value)
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def sort_value(value: Any) -> Any:
    """A value the proxy can compare (dates and decimals as sortable plain values)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class ColumnsModel(QAbstractTableModel):
    """A table model whose columns are :class:`Column` definitions: the header and the
    column count, shared by :class:`RowsModel` and the id-list models."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None):
        super().__init__(parent)
        self.columns = list(columns)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.columns[section].alignment
        return None


class RowsModel(ColumnsModel):
    """Rows of frozen dataclasses shown through :class:`Column` definitions."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None):
        super().__init__(columns, parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def find(self, ident: Any) -> int:
        for i, r in enumerate(self.rows):
            if getattr(r, "id", None) == ident:
                return i
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        column = self.columns[index.column()]
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(column.value(row), column.kind)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.ForegroundRole and column.alert is not None \
                and column.alert(row):
            return QBrush(QColor("#d4380d"))
        if role == Qt.ItemDataRole.UserRole:
            return sort_value(column.value(row))
        if role == Qt.ItemDataRole.ToolTipRole and column.kind == "text":
            text = display(column.value(row), column.kind)
            return text if len(text) > 20 else None
        return None
