"""The panel beside the project list: 基本信息, 接洽记录, 协议与开工, 阶段历史."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm import stages
from crm.db import UnitOfWork
from crm.errors import NotFoundError
from crm.money import format_yi
from crm.services import contacts, pipeline
from crm.services.contacts import LogRow
from crm.services.pipeline import AgreementRow, FundingRow, StartRow
from crm.services.projects import ProjectRow, StageChangeRow, get_project, stage_history
from ui.models.table import Column, RowsModel
from ui.pages.common import EmptyState, TableOrEmpty, table_view


@dataclass(frozen=True)
class ProjectDetails:
    row: ProjectRow
    logs: list[LogRow]
    agreements: list[AgreementRow]
    starts: list[StartRow]
    fundings: list[FundingRow]
    history: list[StageChangeRow]

    @property
    def funds_total(self) -> Decimal:
        return sum((f.amount for f in self.fundings), Decimal(0))


def load_details(uow: UnitOfWork, project_id: int) -> ProjectDetails | None:
    try:
        row = get_project(uow, project_id)
    except NotFoundError:
        return None
    return ProjectDetails(row, contacts.list_logs(uow, project_id=project_id, limit=500),
                          pipeline.agreements(uow, project_id), pipeline.starts(uow, project_id),
                          pipeline.fundings(uow, project_id), stage_history(uow, project_id))


def _amount(wan: Decimal | None) -> str:
    return f"{format_yi(wan)} 亿元" if wan is not None else "—"


class ProjectDetail(QWidget):
    """Shows one project; ``show_project(id)`` loads it off the GUI thread.

    Signals:
        action: a button asked for ``(name, row)``: ``log``, ``agreement``, ``funding``,
            ``registered`` (the page opens the dialog).
    """

    action = Signal(str, object)

    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("detail-panel")
        self.project_id: int | None = None
        self.details: ProjectDetails | None = None
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.heading = QLabel(self)
        self.heading.setObjectName("detail-title")
        self.heading.setProperty("class", "panel-title")
        self.heading.setWordWrap(True)
        self.subheading = QLabel(self)
        self.subheading.setObjectName("detail-subtitle")
        self.subheading.setProperty("class", "muted")
        self.subheading.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("detail-tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setExpanding(True)  # four tabs share the panel's width, none hidden
        self.tabs.tabBar().setUsesScrollButtons(False)
        layout.addWidget(self.tabs, 1)
        self.empty = EmptyState(self.tr("在左侧选择一个项目查看详情"), self)
        layout.addWidget(self.empty, 1)

        # 基本信息
        info_scroll = QScrollArea(self)
        info_scroll.setWidgetResizable(True)
        info_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        info = QWidget(info_scroll)
        self.info = QFormLayout(info)
        self.info.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.info_values: dict[str, QLabel] = {}
        for key, label in (("company", "企业"), ("uscc", "统一社会信用代码"), ("stage", "阶段"),
                           ("industry", "产业"), ("planned", "计划总投资"),
                           ("signed_amount", "签约金额"), ("source", "招商来源"),
                           ("owner", "负责人"), ("carrier", "拟落地载体"), ("land", "用地面积"),
                           ("floor", "需求面积"), ("output", "预计年产值"), ("tax", "预计年税收"),
                           ("jobs", "预计就业"), ("lead_on", "立项日期"),
                           ("signed_on", "签约日期"), ("started_on", "开工(开业)日期"),
                           ("registered_on", "入统日期"), ("note", "备注")):
            value = QLabel(info)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.info.addRow(self.tr(label), value)
            self.info_values[key] = value
        info_scroll.setWidget(info)
        self.tabs.addTab(info_scroll, self.tr("基本信息"))

        # 接洽记录
        logs_tab = QWidget(self)
        logs_layout = QVBoxLayout(logs_tab)
        logs_layout.setContentsMargins(0, 6, 0, 0)
        add_log = QPushButton(self.tr("记一笔"), logs_tab)
        add_log.clicked.connect(lambda: self._ask("log"))
        logs_layout.addLayout(self._buttons(add_log))
        self.logs_model = RowsModel([
            Column(self.tr("日期"), lambda r: r.logged_on, "date"),
            Column(self.tr("方式"), lambda r: r.mode),
            Column(self.tr("人员"), lambda r: r.user),
            Column(self.tr("内容"), lambda r: r.content),
            Column(self.tr("下次跟进"), lambda r: r.follow_up_on, "date"),
        ], self)
        self.logs = TableOrEmpty(table_view(self.logs_model, logs_tab),
                                 self.tr("还没有接洽记录 — 点“记一笔”记录走访、来访或电话"), logs_tab)
        logs_layout.addWidget(self.logs)
        self.tabs.addTab(logs_tab, self.tr("接洽记录"))

        # 协议与开工
        deals = QWidget(self)
        deals_layout = QVBoxLayout(deals)
        deals_layout.setContentsMargins(0, 6, 0, 0)
        self.add_agreement = QPushButton(self.tr("添加协议"), deals)
        self.add_agreement.clicked.connect(lambda: self._ask("agreement"))
        self.add_funding = QPushButton(self.tr("登记到位资金"), deals)
        self.add_funding.clicked.connect(lambda: self._ask("funding"))
        self.set_registered = QPushButton(self.tr("入统日期…"), deals)
        self.set_registered.clicked.connect(lambda: self._ask("registered"))
        deals_layout.addLayout(self._buttons(self.add_agreement, self.add_funding,
                                             self.set_registered))
        self.agreements_model = RowsModel([
            Column(self.tr("协议"), lambda r: r.kind + ("（已作废）" if r.voided else "")),
            Column(self.tr("签约日期"), lambda r: r.signed_on, "date"),
            Column(self.tr("金额(亿元)"), lambda r: r.amount, "yi"),
            Column(self.tr("签约活动"), lambda r: r.event),
        ], self)
        self.starts_model = RowsModel([
            Column(self.tr("类型"), lambda r: r.kind + ("（已作废）" if r.voided else "")),
            Column(self.tr("日期"), lambda r: r.started_on, "date"),
            Column(self.tr("说明"), lambda r: r.note),
        ], self)
        self.funds_model = RowsModel([
            Column(self.tr("到位日期"), lambda r: r.received_on, "date"),
            Column(self.tr("金额(亿元)"), lambda r: r.amount, "yi"),
            Column(self.tr("凭据"), lambda r: r.evidence),
        ], self)
        self.registered = QLabel(deals)
        for caption, model in ((self.tr("协议"), self.agreements_model),
                               (self.tr("开工(开业)"), self.starts_model),
                               (self.tr("到位资金"), self.funds_model)):
            heading = QLabel(caption, deals)
            heading.setObjectName("section-title")
            heading.setProperty("class", "panel-title")
            deals_layout.addWidget(heading)
            view = table_view(model, deals)
            view.setMaximumHeight(130)
            deals_layout.addWidget(view)
        deals_layout.addWidget(self.registered)
        self.tabs.addTab(deals, self.tr("协议与开工"))

        # 阶段历史
        self.history_model = RowsModel([
            Column(self.tr("日期"), lambda r: r.changed_on, "date"),
            Column(self.tr("从"), lambda r: stages.NAMES.get(r.from_stage or "", "—")),
            Column(self.tr("到"), lambda r: stages.NAMES[r.to_stage]
                   + ("（更正）" if r.correction else "")),
            Column(self.tr("操作人"), lambda r: r.user),
            Column(self.tr("原因"), lambda r: r.reason),
        ], self)
        self.tabs.addTab(table_view(self.history_model, self), self.tr("阶段历史"))
        self._show_empty(True)

    def _buttons(self, *buttons: QPushButton) -> QHBoxLayout:
        line = QHBoxLayout()
        for b in buttons:
            line.addWidget(b)
        line.addStretch(1)
        return line

    def _ask(self, name: str) -> None:
        if self.details is not None:
            self.action.emit(name, self.details.row)

    def _show_empty(self, empty: bool) -> None:
        self.tabs.setVisible(not empty)
        self.heading.setVisible(not empty)
        self.subheading.setVisible(not empty)
        self.empty.setVisible(empty)

    # --- loading ---------------------------------------------------------------------------
    def show_project(self, project_id: int | None) -> None:
        self.project_id = project_id
        self._generation += 1
        if project_id is None:
            self.details = None
            self._show_empty(True)
            return
        generation = self._generation
        self.ctx.read(load_details, project_id,
                      done=lambda d: self._loaded(generation, d))

    def reload(self) -> None:
        if self.project_id is not None:
            self.show_project(self.project_id)

    def _loaded(self, generation: int, details: ProjectDetails | None) -> None:
        if generation != self._generation:
            return
        self.details = details
        if details is None:
            self._show_empty(True)
            return
        self._show_empty(False)
        r = details.row
        self.heading.setText(r.name + ("  ★" if r.is_key else ""))
        deleted = self.tr("（回收站中）") if r.deleted else ""
        self.subheading.setText(f"{r.company} · {r.stage_name}{deleted}")
        v = self.info_values
        v["company"].setText(r.company)
        v["uscc"].setText(r.uscc or "—")
        stage = r.stage_name
        if r.stage == stages.DROPPED:
            stage += f"（{r.drop_reason}）"
        v["stage"].setText(stage)
        v["industry"].setText(r.industry or "—")
        v["planned"].setText(_amount(r.planned_investment))
        v["signed_amount"].setText(_amount(r.signed_amount) if r.signed_on else "—")
        source = r.source_name + (f"：{r.ambassador}" if r.ambassador else "")
        v["source"].setText(source + (f"（引荐人 {r.referrer}）" if r.referrer else ""))
        v["owner"].setText(r.owner or "—")
        v["carrier"].setText(r.carrier or "—")
        v["land"].setText(f"{r.land_mu.normalize():f} 亩" if r.land_mu is not None else "—")
        v["floor"].setText(f"{r.floor_area.normalize():f} ㎡" if r.floor_area is not None else "—")
        v["output"].setText(_amount(r.expected_output))
        v["tax"].setText(f"{r.expected_tax.normalize():f} 万元" if r.expected_tax is not None
                         else "—")
        v["jobs"].setText(f"{r.expected_jobs} 人" if r.expected_jobs is not None else "—")
        v["lead_on"].setText(r.lead_on.isoformat() if r.lead_on else "—")
        v["signed_on"].setText((r.signed_on.isoformat() + (f"（{r.signing_event}）"
                                if r.signing_event else "")) if r.signed_on else "—")
        v["started_on"].setText(f"{r.started_on.isoformat()}（{r.start_kind}）"
                                if r.started_on else "—")
        v["registered_on"].setText(r.registered_on.isoformat() if r.registered_on else "未入统")
        v["note"].setText(r.note or "—")
        self.logs_model.set_rows(details.logs)
        self.logs.update_state(len(details.logs))
        self.agreements_model.set_rows(details.agreements)
        self.starts_model.set_rows(details.starts)
        self.funds_model.set_rows(details.fundings)
        self.history_model.set_rows(details.history)
        signed = r.signed_on is not None and not r.deleted
        self.add_agreement.setEnabled(signed)
        self.add_funding.setEnabled(signed)
        self.set_registered.setEnabled(not r.deleted)
        self.registered.setText(self.tr("到位资金合计 {funds} 亿元 · 入统日期 {day}").format(
            funds=format_yi(details.funds_total),
            day=r.registered_on.isoformat() if r.registered_on else self.tr("未入统")))
