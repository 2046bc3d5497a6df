"""The panel beside the project list: 基本信息, 接洽记录, 协议与开工, 阶段历史, 变更记录."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
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
from crm.money import format_yi
from crm.services import attachments
from crm.services.attachments import AttachmentRow, format_size
from crm.services.projects import ProjectRow
from crm.views.projects import ProjectDetails, load_details
from ui.context import AppContext, Latest, op
from ui.errors import confirm
from ui.models.table import Column, RowsModel
from ui.operations import projects as project_ops
from ui.pages.common import table_view
from ui.pages.history import HistoryView
from ui.pages.project_assessment import ProjectAssessmentView
from ui.pages.project_space import ProjectSpaceView
from ui.widgets import format as fmt
from ui.widgets.panel import EmptyMessage, TableOrEmpty


def _amount(wan: Decimal | None) -> str:
    return f"{format_yi(wan)} 亿元" if wan is not None else "—"


class ProjectDetail(QWidget):
    """Shows one project; ``show_project(id)`` loads it off the GUI thread.

    Signals:
        action: a button asked for ``(name, row)``: ``log``, ``agreement``, ``funding``,
            ``registered`` (the page opens the dialog).
    """

    action = Signal(str, object)
    # loaded(details): a ProjectDetails, or None when the project is gone
    loaded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("detail-panel")
        self.project_id: int | None = None
        self.details: ProjectDetails | None = None
        self._latest = Latest(ctx)
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
        self.empty = EmptyMessage(self.tr("在左侧选择一个项目查看详情"), self)
        layout.addWidget(self.empty, 1)

        # 基本信息
        info_scroll = QScrollArea(self)
        info_scroll.setWidgetResizable(True)
        info_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        info = QWidget(info_scroll)
        self.info = QFormLayout(info)
        self.info.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.info_values: dict[str, QLabel] = {}
        for key, label in (("company", "企业"), ("uscc", "统一社会信用代码"),
                           ("local_company", "项目公司"), ("stage", "阶段"),
                           ("industry", "产业"), ("segment", "产业链环节"),
                           ("planned", "计划总投资"),
                           ("signed_amount", "签约金额"), ("source", "招商来源"),
                           ("owner", "负责人"), ("carrier", "拟落地载体"), ("land", "用地面积"),
                           ("floor", "需求面积"), ("output", "预计年产值"), ("tax", "预计年税收"),
                           ("jobs", "预计就业"), ("lead_on", "立项日期"),
                           ("signed_on", "签约日期"), ("planned_start", "计划开工(开业)"),
                           ("started_on", "开工(开业)日期"),
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
        self._build_attachments(deals, deals_layout)
        self.tabs.addTab(deals, self.tr("协议与开工"))

        # 载体: where it is placed and the 推荐载体 for its need (ui.pages.project_space)
        self.space = ProjectSpaceView(ctx, self)
        self.tabs.addTab(self.space, self.tr("载体"))

        # 考核: 到位资金 by origin, milestones, promises (ui.pages.project_assessment)
        self.assessment = ProjectAssessmentView(ctx, self)
        self.tabs.addTab(self.assessment, self.tr("考核"))

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

        # 变更记录: every change with who, when, and the fields' old and new values
        self.changes = HistoryView(self.tr("还没有变更记录"), self)
        self.changes.setObjectName("project-changes")
        self.tabs.addTab(self.changes, self.tr("变更记录"))
        self._show_empty(True)

    def _build_attachments(self, tab: QWidget, layout: QVBoxLayout) -> None:
        """附件: the signed agreements' scans, PDF and Word files."""
        heading = QLabel(self.tr("附件"), tab)
        heading.setObjectName("section-title")
        heading.setProperty("class", "panel-title")
        layout.addWidget(heading)
        self.add_attachment = QPushButton(self.tr("添加附件…"), tab)
        self.add_attachment.setObjectName("attachment-add")
        self.add_attachment.clicked.connect(self.choose_attachment)
        self.attach_to = QComboBox(tab)  # the agreement a new file belongs to, if any
        self.attach_to.setObjectName("attachment-agreement")
        self.attach_to.setToolTip(self.tr("新附件关联的协议"))
        self.attach_to.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.save_attachment = QPushButton(self.tr("另存为…"), tab)
        self.save_attachment.setObjectName("attachment-save")
        self.save_attachment.clicked.connect(self.choose_save_location)
        self.delete_attachment = QPushButton(self.tr("删除"), tab)
        self.delete_attachment.setObjectName("attachment-delete")
        self.delete_attachment.clicked.connect(self.delete_selected_attachment)
        line = self._buttons(self.add_attachment, self.attach_to, self.save_attachment,
                             self.delete_attachment)
        layout.addLayout(line)
        self._agreement_labels: dict[int, str] = {}
        self.attachments_model = RowsModel([
            Column(self.tr("文件名"), lambda r: r.filename),
            Column(self.tr("大小"), lambda r: format_size(r.size), "number"),
            # stored in UTC like every timestamp; the list shows the local day
            Column(self.tr("添加日期"),
                   lambda r: r.added_at.replace(tzinfo=dt.UTC).astimezone().date(), "date"),
            Column(self.tr("关联协议"), lambda r: self._agreement_labels.get(r.agreement_id, "")
                   if r.agreement_id is not None else "—"),
        ], self)
        self.attachments_view = table_view(self.attachments_model, tab, stretch=0)
        self.attachments_view.setObjectName("attachments-table")
        self.attachments_view.selectionModel().selectionChanged.connect(
            lambda *_: self._update_attachment_buttons())
        self.attachments_view.doubleClicked.connect(lambda _i: self.choose_save_location())
        self.attachments = TableOrEmpty(
            self.attachments_view,
            self.tr("还没有附件 — 点“添加附件…”上传签约协议的扫描件、PDF 或 Word 文件"), tab)
        self.attachments.setMaximumHeight(160)
        layout.addWidget(self.attachments)

    # --- 附件 ----------------------------------------------------------------------------------
    def selected_attachment(self) -> AttachmentRow | None:
        rows = self.attachments_view.selectionModel().selectedRows()
        return self.attachments_model.row_at(rows[0].row()) if rows else None

    def _update_attachment_buttons(self) -> None:
        chosen = self.selected_attachment() is not None
        self.save_attachment.setEnabled(chosen)
        deleted = self.details is None or self.details.row.deleted
        self.delete_attachment.setEnabled(chosen and not deleted)

    def choose_attachment(self) -> None:
        """添加附件…: ask for a file, then :meth:`add_attachment_from`."""
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("添加附件"), "",
            self.tr("协议文件 (*.pdf *.doc *.docx *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)"))
        if path:
            self.add_attachment_from(path)

    def add_attachment_from(self, path: str) -> None:
        """Attach the file at ``path`` (read in the background) to the shown project, linked
        to the agreement chosen beside the button."""
        if self.project_id is None:
            return
        agreement_id = self.attach_to.currentData()
        project_ops.add_attachment(self.ctx, self.project_id, path, agreement_id, parent=self,
                                   done=lambda _row: self.reload())

    def choose_save_location(self) -> None:
        """另存为…: ask where, then :meth:`save_attachment_to`."""
        row = self.selected_attachment()
        if row is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("另存为"), row.filename)
        if path:
            self.save_attachment_to(row.id, path)

    def save_attachment_to(self, attachment_id: int, path: str) -> None:
        """Write one attachment's bytes to ``path``, off the GUI thread."""
        self.ctx.read(op(attachments.save_attachment, attachment_id, path), done=lambda _p: None)

    def delete_selected_attachment(self) -> None:
        row = self.selected_attachment()
        if row is None or not confirm(
                self.tr("删除附件“{name}”？删除后不能恢复。").format(name=row.filename), self):
            return
        project_ops.delete_attachment(self.ctx, row.id, parent=self,
                                      done=lambda _r: self.reload())

    def _show_attachments(self, details: ProjectDetails) -> None:
        self._agreement_labels = {
            a.id: f"{a.kind} {a.signed_on.isoformat()}" + (self.tr("（已作废）") if a.voided else "")
            for a in details.agreements}
        chosen = self.attach_to.currentData()
        self.attach_to.clear()
        self.attach_to.addItem(self.tr("不关联协议"), None)
        for a in details.agreements:
            if not a.voided:
                self.attach_to.addItem(self._agreement_labels[a.id], a.id)
        self.attach_to.setCurrentIndex(max(0, self.attach_to.findData(chosen)))
        self.attach_to.setEnabled(self.attach_to.count() > 1)
        self.attachments_model.set_rows(details.attachments)
        self.attachments.update_state(len(details.attachments))
        self.add_attachment.setEnabled(not details.row.deleted)
        self._update_attachment_buttons()

    def _buttons(self, *buttons: QWidget) -> QHBoxLayout:
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
        if project_id is None:
            self._latest.forget()
            self.details = None
            self._show_empty(True)
            return
        self._latest.read(op(load_details, project_id, self.ctx.actor), self._loaded)
        self.space.show_project(project_id)
        self.assessment.show_project(project_id)

    def reload(self) -> None:
        if self.project_id is not None:
            self.show_project(self.project_id)

    def _loaded(self, details: ProjectDetails | None) -> None:
        self.details = details
        self.loaded.emit(details)
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
        v["local_company"].setText(details.local_company or "—")
        stage = r.stage_name
        if r.stage == stages.DROPPED:
            stage += f"（{r.drop_reason}）"
        v["stage"].setText(stage)
        v["industry"].setText(r.industry or "—")
        v["segment"].setText(details.segment or self.tr("—（可在招商图谱中归入环节）"))
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
        v["lead_on"].setText(fmt.date(r.lead_on) or "—")
        v["signed_on"].setText((r.signed_on.isoformat() + (f"（{r.signing_event}）"
                                if r.signing_event else "")) if r.signed_on else "—")
        v["started_on"].setText(f"{r.started_on.isoformat()}（{r.start_kind}）"
                                if r.started_on else "—")
        self._show_plan(r)
        v["registered_on"].setText(fmt.date(r.registered_on) or self.tr("未入统"))
        v["note"].setText(r.note or "—")
        self.logs_model.set_rows(details.logs)
        self.logs.update_state(len(details.logs))
        self.agreements_model.set_rows(details.agreements)
        self.starts_model.set_rows(details.starts)
        self.funds_model.set_rows(details.fundings)
        self.history_model.set_rows(details.history)
        self.changes.set_entries(details.changes)
        signed = r.signed_on is not None and not r.deleted
        self.add_agreement.setEnabled(signed)
        self.add_funding.setEnabled(signed)
        self.set_registered.setEnabled(not r.deleted)
        self._show_attachments(details)
        self.registered.setText(self.tr("到位资金合计 {funds} 亿元 · 入统日期 {day}").format(
            funds=format_yi(details.funds_total),
            day=fmt.date(r.registered_on) or self.tr("未入统")))

    def _show_plan(self, r: ProjectRow) -> None:
        """计划开工(开业) and, once its date has passed without a start, 逾期未开工 in red."""
        label = self.info_values["planned_start"]
        label.setObjectName("planned-start")
        if r.planned_start_on is None:
            label.setText(self.tr("未填") if r.signed_on and not r.started_on else "—")
            label.setProperty("tone", "")
        elif r.overdue_on(self.ctx.today()):
            days = (self.ctx.today() - r.planned_start_on).days
            label.setText(self.tr("{d}（{k}）— 逾期未开工 {n} 天").format(
                d=r.planned_start_on.isoformat(), k=r.planned_start_kind, n=days))
            label.setProperty("tone", "down")
        else:
            label.setText(f"{r.planned_start_on.isoformat()}（{r.planned_start_kind}）")
            label.setProperty("tone", "")
        label.style().unpolish(label)
        label.style().polish(label)
