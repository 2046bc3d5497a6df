"""The projects behind a figure: a dialog opened by clicking a KPI card.

A figure can stand for tens of thousands of projects (全年签约 at 100k): the dialog holds their
ids and reads the rows in batches as they show (``IdListModel``).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from crm.services import projects
from crm.services.projects import ProjectRow
from ui.context import AppContext
from ui.models.id_list import IdListModel
from ui.models.projects import project_columns
from ui.widgets.table import rows_view


class ProjectListDialog(QDialog):
    """Lists projects by id; double-clicking one asks the window to open it."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, title: str, ids: list[int], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure-projects")
        self.setWindowTitle(title)
        self.resize(1100, 560)
        self.ctx = ctx
        self.model: IdListModel[ProjectRow] = IdListModel(ctx, project_columns(
            "name", "company", "industry", "owner", "stage", "signed_on", "started_on",
            "signed_amount"), projects.project_rows, self)
        self.view = rows_view(self.model, self)
        self.view.doubleClicked.connect(self._open)
        self.summary = QLabel(self.tr("共 {n} 个项目，双击打开").format(n=len(ids)) if ids
                              else self.tr("没有符合条件的项目"), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.model.set_ids(list(ids))

    def _open(self, index: QModelIndex) -> None:
        ident = self.model.id_at(index.row()) if index.isValid() else None
        if ident is not None:
            self.project_requested.emit(ident)
