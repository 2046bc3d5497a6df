"""提醒: signed projects to push — 签约超期未开工, 逾期未开工, 久未接洽 (docs/figures.md).

A staff member sees their own projects; a manager sees everyone's, counted by owner, can pick
one owner, and sets the two thresholds (N days signed, M days without a contact)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm.services.alerts import RULES, AlertRow, Alerts, Thresholds
from crm.views.steering import read_alerts
from ui.context import AppContext, Latest, op
from ui.operations import steering as steering_ops
from ui.ops import Task
from ui.pages.common import scroll_page
from ui.widgets import format as fmt
from ui.widgets.panel import EmptyState, Panel
from ui.widgets.table import Column, RowsModel, rows_view

ALL = "__all__"


class AlertsPage(QWidget):
    """The 提醒 panel. ``project_requested(id)`` asks the window to open a project."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-alerts")
        self.ctx = ctx
        self.data: Alerts | None = None
        self.latest = Latest(ctx)
        manager = ctx.actor.is_manager

        title = QLabel(self.tr("提醒"), self)
        title.setProperty("class", "page-title")
        self.summary = QLabel("", self)
        self.summary.setObjectName("alerts-summary")
        self.summary.setProperty("class", "muted")
        self.owner = QComboBox(self)
        self.owner.setObjectName("alerts-owner")
        self.owner.setVisible(manager)
        self.owner.setMinimumWidth(150)
        self.owner.currentIndexChanged.connect(self._show_rows)
        self.rule = QComboBox(self)
        self.rule.setObjectName("alerts-rule")
        self.rule.addItem(self.tr("全部提醒"), ALL)
        for code, name in RULES.items():
            self.rule.addItem(self.tr(name), code)
        self.rule.setMinimumWidth(130)
        self.rule.currentIndexChanged.connect(self._show_rows)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.summary, 1)
        header.addWidget(self.owner)
        header.addWidget(self.rule)

        # the thresholds: a manager sets them, everyone sees them
        self.signed_days = QSpinBox(self)
        self.signed_days.setObjectName("alerts-signed-days")
        self.quiet_days = QSpinBox(self)
        self.quiet_days.setObjectName("alerts-quiet-days")
        for box in (self.signed_days, self.quiet_days):
            box.setRange(1, 3650)
            box.setSuffix(self.tr(" 天"))
            box.setEnabled(manager)
        self.save = QPushButton(self.tr("保存提醒天数"), self)
        self.save.setObjectName("alerts-save")
        self.save.setVisible(manager)
        self.save.clicked.connect(lambda: self.save_thresholds(self.signed_days.value(),
                                                                self.quiet_days.value()))
        rules = QHBoxLayout()
        rules.addWidget(QLabel(self.tr("签约满"), self))
        rules.addWidget(self.signed_days)
        rules.addWidget(QLabel(self.tr("未开工，或"), self))
        rules.addWidget(self.quiet_days)
        rules.addWidget(QLabel(self.tr("未接洽时提醒；计划开工(开业)日期已过即为逾期未开工"), self))
        rules.addStretch(1)
        rules.addWidget(self.save)

        self.by_owner_model = RowsModel([
            Column(self.tr("负责人"), lambda r: r[0]),
            Column(self.tr("提醒"), lambda r: str(r[1]), "number", 56),
        ], self)
        by_owner_view = rows_view(self.by_owner_model)
        by_owner_view.setObjectName("alerts-by-owner")
        by_owner_view.clicked.connect(self._owner_clicked)
        self.by_owner_panel = Panel(self.tr("按负责人"))
        self.by_owner_panel.add(by_owner_view)
        self.by_owner_panel.setVisible(manager)
        self.by_owner_panel.setMaximumWidth(260)

        self.model = RowsModel([
            Column(self.tr("提醒"), lambda r: r.rule_name, width=120,
                   alert=lambda r: r.rule != "no_contact"),
            Column(self.tr("项目名称"), lambda r: r.project),
            Column(self.tr("企业"), lambda r: r.company),
            *([Column(self.tr("负责人"), lambda r: r.owner, width=80)] if manager else []),
            Column(self.tr("签约日期"), lambda r: fmt.date(r.signed_on), "date", 100),
            Column(self.tr("情况"), lambda r: r.detail),
            Column(self.tr("天数"), lambda r: str(r.days), "number", 56),
        ], self)
        view = rows_view(self.model)
        view.setObjectName("alerts-list")
        view.doubleClicked.connect(self._open)
        self.list = EmptyState(view, self.tr("没有需要推动的签约项目"))
        self.list_panel = Panel(self.tr("全员提醒") if manager else self.tr("我的提醒"))
        self.list_panel.add(self.list)

        lists = QHBoxLayout()
        lists.setSpacing(12)
        lists.addWidget(self.by_owner_panel)
        lists.addWidget(self.list_panel, 1)
        content = QWidget(self)
        content.setObjectName("page-content")
        body = QVBoxLayout(content)
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(14)
        body.addLayout(header)
        body.addLayout(rules)
        body.addLayout(lists, 1)
        scroll_page(self, content)

        ctx.on_change(("projects", "contact_logs", "settings", "users"), self.reload)
        self.reload()

    def reload(self) -> None:
        self.latest.read(op(read_alerts, self.ctx.actor, self.ctx.today()), self._loaded)

    def _loaded(self, data: Alerts) -> None:
        self.data = data
        self.signed_days.setValue(data.thresholds.signed_days)
        self.quiet_days.setValue(data.thresholds.quiet_days)
        self.summary.setText(self.tr("截至 {d}：{parts}，涉及 {p} 个项目").format(
            d=fmt.date(data.today), p=data.projects, parts="，".join(
                f"{self.tr(name)} {data.count(code)}" for code, name in RULES.items())))
        owners = data.by_owner()
        self.by_owner_model.set_rows(owners)
        wanted = self.owner.currentData()
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItem(self.tr("全部负责人"), ALL)
        for name, n in owners:
            self.owner.addItem(f"{name}（{n}）", name)
        index = self.owner.findData(wanted)
        self.owner.setCurrentIndex(max(index, 0))
        self.owner.blockSignals(False)
        self._show_rows()

    def rows(self) -> list[AlertRow]:
        """The alerts shown: the chosen owner's and rule's."""
        if self.data is None:
            return []
        owner, rule = self.owner.currentData(), self.rule.currentData()
        return [r for r in self.data.rows
                if (owner in (None, ALL) or (r.owner or "（未指定）") == owner)
                and (rule in (None, ALL) or r.rule == rule)]

    def _show_rows(self, *_args: object) -> None:
        rows = self.rows()
        self.model.set_rows(rows)
        self.list.set_empty(not rows)
        base = self.tr("全员提醒") if self.ctx.actor.is_manager else self.tr("我的提醒")
        self.list_panel.title.setText(f"{base}（{len(rows)}）")

    def _owner_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            name = self.by_owner_model.row_at(index.row())[0]
            self.owner.setCurrentIndex(max(self.owner.findData(name), 0))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.project_requested.emit(self.model.row_at(index.row()).project_id)

    def save_thresholds(self, signed_days: int, quiet_days: int) -> Task:
        def done(_t: Thresholds) -> None:
            self.reload()
        return steering_ops.set_thresholds(self.ctx, signed_days, quiet_days, parent=self,
                                           done=done)
