"""The projects behind a figure: a dialog opened by clicking a KPI card or a scorecard line.

A figure can stand for tens of thousands of projects (全年签约 at a province's million): the
dialog opens with the count and the first screen (:class:`crm.services.drill.Screen`) and
reads each further screen as the user scrolls to the end (``MoreRowsModel``).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from crm.services import drill
from crm.services.drill import Screen
from ui.context import AppContext, op
from ui.models.more import MoreRowsModel
from ui.models.projects import project_columns
from ui.widgets.table import rows_view


class ProjectListDialog(QDialog):
    """Lists the projects of a drill-down; double-clicking one asks the window to open it."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, title: str, screen: Screen,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure-projects")
        self.setWindowTitle(title)
        self.resize(1100, 560)
        self.ctx = ctx
        self.model = MoreRowsModel(ctx, project_columns(
            "name", "company", "industry", "owner", "stage", "signed_on", "started_on",
            "signed_amount"), self)
        self.view = rows_view(self.model, self)
        self.view.doubleClicked.connect(self._open)
        n = screen.total
        self.summary = QLabel(self.tr("共 {n} 个项目，双击打开").format(n=n) if n
                              else self.tr("没有符合条件的项目"), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        source = screen.source
        self.model.set_first(screen.rows, n, lambda offset: op(drill.page, source, offset))

    def _open(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is not None:
            self.project_requested.emit(row.id)
