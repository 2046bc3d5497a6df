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
from ui.widgets import format as fmt
from ui.widgets.table import Column, rows_view


def project_columns(widget: QWidget) -> list[Column]:
    tr = widget.tr
    return [
        Column(tr("项目名称"), lambda r: r.name),
        Column(tr("企业"), lambda r: r.company),
        Column(tr("产业"), lambda r: r.industry, width=110),
        Column(tr("招商专员"), lambda r: r.owner, width=90),
        Column(tr("阶段"), lambda r: r.stage_name, width=80),
        Column(tr("签约日期"), lambda r: fmt.date(r.signed_on), kind="number", width=110),
        Column(tr("开工日期"), lambda r: fmt.date(r.started_on), kind="number", width=110),
        Column(tr("签约金额(亿元)"), lambda r: fmt.yi_number(r.signed_amount), kind="number",
               width=130),
    ]


class ProjectListDialog(QDialog):
    """Lists projects by id; double-clicking one asks the window to open it."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, title: str, ids: list[int], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("figure-projects")
        self.setWindowTitle(title)
        self.resize(1100, 560)
        self.ctx = ctx
        self.model: IdListModel[ProjectRow] = IdListModel(ctx, project_columns(self),
                                                          projects.project_rows, self)
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
