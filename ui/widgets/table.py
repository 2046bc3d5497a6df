"""The calm read-only table view every small list uses (over ``ui.models.table.RowsModel``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ui.models.table import Column, RowsModel

__all__ = ["Column", "RowsModel", "rows_view"]

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
