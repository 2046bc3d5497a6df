"""The calm read-only table view every small list uses (over ``ui.models.table.RowsModel``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from ui.models.id_list import IdListModel
from ui.models.table import Column, RowsModel
from ui.pages.common import table_view

__all__ = ["Column", "RowsModel", "rows_view"]


def rows_view(model: RowsModel | IdListModel[Any], parent: QWidget | None = None) -> QTableView:
    """The app's read-only table, with each column at its :class:`Column` width (0: stretch)."""
    view = table_view(model, parent, row_height=34)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    for i, column in enumerate(model.columns):
        if column.width:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
            view.setColumnWidth(i, column.width)
        else:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
    return view
