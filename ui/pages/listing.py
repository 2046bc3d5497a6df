"""A list with the projects behind its selected entry (签约与活动, 载体 share this layout)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from crm.services.projects import ProjectQuery, ProjectRow
from crm.text import initials, normalize
from crm.views.projects import projects_for
from ui.context import AppContext, Latest, Operation, op
from ui.forms import FormDialog
from ui.models.projects import project_columns
from ui.models.table import Column, RowsModel
from ui.pages.common import icon, search_box, table_view, title_label
from ui.widgets.panel import TableOrEmpty


class MasterDetailPage(QWidget):
    """Entries on top, the projects of the selected entry below.

    Subclasses give the columns, how to load the entries, and the project query of an entry.
    Signals: ``project_requested(id)`` opens a project (the shell connects it).
    """

    project_requested = Signal(int)
    # the tables whose changes concern the page (its entries and their projects)
    TABLES: tuple[str, ...] = ("projects", "agreements", "starts", "companies")

    def __init__(self, ctx: AppContext, title: str, columns: list[Column], empty: str,
                 projects_caption: str, parent: QWidget | None = None, stretch: int = 0,
                 no_projects: str = ""):
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: FormDialog | None = None
        self._selected: int | None = None
        self._latest = Latest(ctx)
        self.count = QLabel(self)
        self.count.setObjectName("page-count")
        self.count.setProperty("class", "muted")
        self.header = QHBoxLayout()
        self.header.addWidget(title_label(title, self))
        self.header.addWidget(self.count)
        self.header.addStretch(1)
        self.model = RowsModel(columns, self)
        self.table = table_view(self.model, self, stretch=stretch)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.list_area = TableOrEmpty(self.table, empty, self)
        below = QWidget(self)
        b = QVBoxLayout(below)
        b.setContentsMargins(0, 6, 0, 0)
        self.projects_caption = QLabel(projects_caption, below)
        self.projects_caption.setObjectName("section-title")
        self.projects_caption.setProperty("class", "panel-title")
        b.addWidget(self.projects_caption)
        self.projects_model = RowsModel(project_columns(
            "name", "company", "stage", "industry", "signed_amount", "signed_on", "started_on",
            "owner"), self)
        self.projects_table = table_view(self.projects_model, below)
        for i, width in enumerate((240, 240, 64, 100, 110, 92, 92)):
            self.projects_table.setColumnWidth(i, width)
        self.projects_table.doubleClicked.connect(self._open_project)
        self.projects_area = TableOrEmpty(self.projects_table, no_projects or self.tr("没有项目"), below)
        b.addWidget(self.projects_area)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.list_area)
        splitter.addWidget(below)
        splitter.setSizes([420, 360])
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 12, 16, 8)
        self.layout_.addLayout(self.header)
        self.filters = QHBoxLayout()
        self.search = search_box(self.tr("按名称筛选"), self)
        self.search.setMaximumWidth(360)
        self.search.textChanged.connect(lambda _t: self._show(self._all))
        self.filters.addWidget(self.search)
        self.filters.addStretch(1)
        self._all: list[Any] = []
        self.layout_.addLayout(self.filters)
        self.layout_.addWidget(splitter, 1)
        ctx.on_change(self.TABLES, self.reload)

    def add_button(self, text: str, icon_name: str, slot: Callable[[], Any], *,
                   primary: bool = False) -> QPushButton:
        button = QPushButton(icon(icon_name, "white" if primary else None), text, self)
        if primary:
            button.setObjectName("primary")
            button.setProperty("class", "primary")
        button.clicked.connect(lambda _c=False: slot())
        self.header.addWidget(button)
        return button

    # --- to provide ------------------------------------------------------------------------
    def loader(self) -> Operation[list[Any]]:
        """The entries' read, built on the GUI thread (it runs on a worker thread)."""
        raise NotImplementedError

    def project_query(self, entry: Any) -> ProjectQuery:
        raise NotImplementedError

    def count_text(self, rows: list[Any]) -> str:
        return self.tr("共 {n} 个").format(n=len(rows))

    # --- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        self._latest.read(self.loader(), self._loaded)

    def _loaded(self, rows: list[Any]) -> None:
        self._all = rows
        self._show(rows)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _show(self, rows: list[Any]) -> None:
        needle = normalize(self.search.text())
        if needle:
            rows = [r for r in rows if needle in normalize(r.name) or needle in initials(r.name)]
        self.model.set_rows(rows)
        self.count.setText(self.count_text(rows))
        self.list_area.update_state(len(rows), self.tr("没有符合条件的记录") if needle else None)
        row = self.model.find(self._selected) if self._selected is not None else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
            self._load_projects(self.model.row_at(row))
        else:
            self.projects_model.set_rows([])
            self.projects_area.update_state(0)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        entry = self.model.row_at(current.row()) if current.isValid() else None
        if entry is not None and entry.id != self._selected:
            self._load_projects(entry)

    def selected(self) -> Any:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _load_projects(self, entry: Any) -> None:
        self._selected = entry.id
        self.ctx.read(op(projects_for, self.project_query(entry)),
                      done=lambda rows: self._projects(entry.id, rows))

    def _projects(self, entry_id: int, rows: list[ProjectRow]) -> None:
        if entry_id != self._selected:
            return
        self.projects_model.set_rows(rows)
        self.projects_area.update_state(len(rows))

    def _open_project(self, index: Any) -> None:
        row = self.projects_model.row_at(index.row())
        if row is not None:
            self.project_requested.emit(row.id)

    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.open()
        return dialog
