"""履约: the agreements' promises not kept — 超时限未开工, 逾期未投产/达产, 投资强度未达约定
(docs/figures.md), most overdue first; the same list as ``crm promises``."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from crm.views.assessment import PromiseList, read_promises
from ui.context import AppContext, Latest, op
from ui.pages.common import scroll_page
from ui.widgets import format as fmt
from ui.widgets.panel import EmptyState, Panel
from ui.widgets.table import Column, RowsModel, rows_view


class PromisesPage(QWidget):
    """``project_requested(id)`` asks the window to open a project (double-click)."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-promises")
        self.ctx = ctx
        self.data: PromiseList | None = None
        self.latest = Latest(ctx)
        title = QLabel(self.tr("履约"), self)
        title.setProperty("class", "page-title")
        self.summary = QLabel("", self)
        self.summary.setObjectName("promises-summary")
        self.summary.setProperty("class", "muted")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.summary, 1)
        manager = ctx.actor.is_manager
        self.model = RowsModel([
            Column(self.tr("约定"), lambda r: r.promise, width=80, alert=lambda r: True),
            Column(self.tr("项目名称"), lambda r: r.project),
            Column(self.tr("企业"), lambda r: r.company),
            *([Column(self.tr("负责人"), lambda r: r.owner, width=80)] if manager else []),
            Column(self.tr("到期日"), lambda r: fmt.date(r.due_on), "date", 100),
            Column(self.tr("逾期天数"), lambda r: str(r.days_overdue), "number", 70),
            Column(self.tr("情况"), lambda r: r.detail),
        ], self)
        self.view = rows_view(self.model)
        self.view.setObjectName("promises-list")
        self.view.doubleClicked.connect(self._open)
        self.list = EmptyState(self.view, self.tr("没有逾期未履约的约定"))
        panel = Panel(self.tr("未履约清单（协议约定与计划开工日期，截至今天）"))
        panel.add(self.list)
        content = QWidget(self)
        content.setObjectName("page-content")
        body = QVBoxLayout(content)
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(14)
        body.addLayout(header)
        body.addWidget(panel, 1)
        scroll_page(self, content)
        ctx.on_change(("projects", "agreements", "fundings", "starts", "users"), self.reload)
        self.reload()

    def reload(self) -> None:
        self.latest.read(op(read_promises, self.ctx.actor, self.ctx.today()), self._loaded)

    def _loaded(self, data: PromiseList) -> None:
        self.data = data
        self.model.set_rows(data.rows)
        self.list.update_state(len(data.rows))
        late_start = sum(1 for r in data.rows if r.promise == "开工")
        whose = self.tr("全员") if data.everyone else self.tr("我负责的项目")
        self.summary.setText(self.tr("{whose}：{n} 项未履约，其中超时限未开工 {s} 项").format(
            whose=whose, n=len(data.rows), s=late_start))

    def _open(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.project_requested.emit(row.project_id)
