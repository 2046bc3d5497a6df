"""A small read-only table model over a list of plain rows (dashboard lists, dialogs).

Large lists (the project list) have their own id-based models; this one is for the few hundred
rows a dashboard panel or a figure's drill-down shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyleOptionHeader,
    QTableView,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    """One column: its header, how to get the text from a row, and its alignment."""

    title: str
    text: Callable[[Any], str]
    numeric: bool = False
    width: int = 0  # 0: stretch to content
    alert: Callable[[Any], bool] | None = None  # True: this cell is shown in the warning colour


class RowsModel(QAbstractTableModel):
    """Rows (frozen dataclasses) shown through :class:`Column` definitions."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self.rows[row]

    # --- Qt model contract -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows) \
                or not 0 <= index.column() < len(self.columns):
            return None
        row, column = self.rows[index.row()], self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.alert is not None and column.alert(row):
            return QBrush(QColor("#d4380d"))
        if role == ROW_ROLE:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                right = self.columns[section].numeric
                return int((Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft)
                           | Qt.AlignmentFlag.AlignVCenter)
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.rows):
            return str(section + 1)
        return None


def rows_view(model: RowsModel, parent: QWidget | None = None) -> QTableView:
    """A calm, read-only table: whole-row selection, no grid, generous rows."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(34)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for i, column in enumerate(model.columns):
        if column.width:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
            view.setColumnWidth(i, column.width)
        else:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
    return view


class AlignedHeader(QHeaderView):
    """A horizontal header whose titles line up with their cells: numbers, amounts and dates
    are right-aligned under a right-aligned title.

    The alignment comes from the model's header when it gives one, otherwise from the first
    row's cell (so any model works, e.g. ``ui.models.table.RowsModel`` whose header says
    nothing about alignment).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logical_index: int) -> None:
        super().initStyleOptionForIndex(option, logical_index)
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        if model.headerData(logical_index, self.orientation(),
                            Qt.ItemDataRole.TextAlignmentRole) is not None:
            return
        cell = model.data(model.index(0, logical_index), Qt.ItemDataRole.TextAlignmentRole)
        if cell is not None:
            option.textAlignment = Qt.AlignmentFlag(int(cell))


def align_header(view: QTableView) -> AlignedHeader:
    """Give ``view`` an :class:`AlignedHeader`, keeping the old header's settings."""
    old = view.horizontalHeader()
    if isinstance(old, AlignedHeader):
        return old
    header = AlignedHeader(view)
    count = old.count()
    modes = [old.sectionResizeMode(i) for i in range(count)]
    sizes = [old.sectionSize(i) for i in range(count)]
    header.setHighlightSections(old.highlightSections())
    header.setStretchLastSection(old.stretchLastSection())
    header.setDefaultAlignment(old.defaultAlignment())
    header.setMinimumSectionSize(old.minimumSectionSize())
    header.setSectionsClickable(old.sectionsClickable())
    header.setSortIndicatorShown(old.isSortIndicatorShown())
    header.setSortIndicator(old.sortIndicatorSection(), old.sortIndicatorOrder())
    view.setHorizontalHeader(header)
    if view.isSortingEnabled():  # reconnect clicking a title to sorting
        view.setSortingEnabled(False)
        view.setSortingEnabled(True)
    for i in range(min(count, header.count())):
        header.setSectionResizeMode(i, modes[i])
        if modes[i] == QHeaderView.ResizeMode.Interactive:
            header.resizeSection(i, sizes[i])
    return header
