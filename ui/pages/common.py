"""Small pieces the business pages share: icons, titles, tables, empty states."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger("crm.ui.pages")
ROW_HEIGHT = 30


def icon(name: str, color: str | None = None) -> QIcon:
    """A qtawesome icon (an empty icon where the font cannot load, e.g. headless)."""
    try:
        import qtawesome

        return qtawesome.icon(name, color=color) if color else qtawesome.icon(name)
    except Exception:  # icons are decoration; never fail a page for one
        log.debug("icon %s unavailable", name, exc_info=True)
        return QIcon()


def title_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("page-title")
    label.setProperty("class", "page-title")
    return label


def search_box(placeholder: str, parent: QWidget | None = None) -> QLineEdit:
    box = QLineEdit(parent)
    box.setObjectName("search")
    box.setPlaceholderText(placeholder)
    box.setClearButtonEnabled(True)
    box.addAction(icon("fa5s.search", "#8a94a6"), QLineEdit.ActionPosition.LeadingPosition)
    box.setMinimumWidth(240)
    return box


def table_view(model: QAbstractItemModel, parent: QWidget | None = None, *,
               sortable: bool = False, stretch: int | None = None,
               row_height: int = ROW_HEIGHT) -> QTableView:
    """A dense, calm, read-only table: whole-row selection, fixed row height."""
    view = QTableView(parent)
    view.setObjectName("data-table")
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft
                                                | Qt.AlignmentFlag.AlignVCenter)
    if stretch is not None:  # a text column takes the spare width, numbers stay at their size
        view.horizontalHeader().setStretchLastSection(False)
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    query, current = getattr(model, "query", None), getattr(model, "sort_column", None)
    if sortable and query is not None and callable(current):
        # Turning sorting on sorts at once by the header's indicator (Qt's default: the first
        # column, descending), and a list model sorts in the database: the 项目 list was read
        # three times as it opened (2–3 s of a runner thread at a million projects). Showing
        # the order the model already has makes turning sorting on ask for nothing.
        descending = bool(getattr(query, "descending", False))
        view.horizontalHeader().setSortIndicator(
            current(), Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(sortable)
    return view


def sorted_proxy(model: QAbstractItemModel, parent: Any) -> QSortFilterProxyModel:
    """For small lists only (a few thousand rows): sorting by the model's UserRole values."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(Qt.ItemDataRole.UserRole)
    return proxy


def row_layout(*widgets: QWidget, stretch_after: int | None = None) -> QHBoxLayout:
    line = QHBoxLayout()
    line.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        line.addWidget(widget)
        if stretch_after is not None and i == stretch_after:
            line.addStretch(1)
    return line


def scroll_page(page: QWidget, content: QWidget) -> None:
    """Make ``content`` the whole of ``page``, scrolling when the window is smaller."""
    scroll = QScrollArea(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
