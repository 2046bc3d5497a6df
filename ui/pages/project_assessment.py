"""A project's 考核 tab: 到位资金 by origin and kind, the 七个一批 milestones, the agreements'
promises and what of them is overdue (definitions: docs/figures.md)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm.views.assessment import ProjectAssessment, project_assessment
from ui.context import AppContext, Latest, op
from ui.dialogs.assessment_dialogs import MilestoneDialog, PromiseDialog, ReceiptDialog
from ui.errors import confirm
from ui.forms import FormDialog
from ui.models.table import Column, RowsModel
from ui.operations import assessment as assessment_ops
from ui.pages.common import row_layout, table_view
from ui.widgets.panel import TableOrEmpty

_MILESTONES = (("lead_kind", "线索类型"), ("landed_on", "落地"), ("completed_on", "竣工"),
               ("full_production_on", "达产"), ("in_database_on", "入库"),
               ("registered_on", "入统"), ("above_scale_on", "入规"))


def _money(value: object) -> str:
    return "" if value is None else format(value, "f")


# the currencies a receipt may be in (crm.services.assessment.CURRENCIES), as a reader names them
_CURRENCY_NAMES = {"USD": "美元", "EUR": "欧元", "HKD": "港元", "JPY": "日元", "GBP": "英镑"}


def _foreign(row: Any) -> str:
    """A foreign receipt's own amount: ``500.00 万美元``, never ``500.0000 万USD``."""
    if row.currency == "CNY" or row.original_amount is None:
        return ""
    return f"{row.original_amount:,.2f} 万{_CURRENCY_NAMES.get(row.currency, row.currency)}"


def _fit_columns(view: QTableView) -> None:
    """Each column as wide as its header and cells, the last one taking what is left: in the
    detail panel's width the default 100 px columns overflowed and cut 协议 to 投资协议 2…."""
    header = view.horizontalHeader()
    for i in range(view.model().columnCount() - 1):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    # the last one takes what is left, as narrow as it must be: stretched as "the last
    # section" it kept its first 100 px, and the receipts overflowed the panel by 21 px in the
    # app's own font
    header.setStretchLastSection(False)
    header.setSectionResizeMode(view.model().columnCount() - 1, QHeaderView.ResizeMode.Stretch)


class ProjectAssessmentView(QWidget):
    """``show_project(id)`` reads the project's assessment records off the GUI thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("project-assessment")
        self.ctx = ctx
        self.project_id: int | None = None
        self.data: ProjectAssessment | None = None
        self.dialog: FormDialog | None = None
        self._latest = Latest(ctx)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.band = QLabel(self)
        self.band.setObjectName("project-band")
        self.band.setProperty("class", "muted")
        layout.addWidget(self.band)

        # 到位资金
        heading = QLabel(self.tr("到位资金"), self)
        heading.setProperty("class", "panel-title")
        self.add_button = QPushButton(self.tr("登记…"), self)
        self.add_button.setObjectName("receipt-add")
        self.add_button.clicked.connect(lambda _c=False: self.add_receipt())
        self.edit_button = QPushButton(self.tr("修改…"), self)
        self.edit_button.clicked.connect(lambda _c=False: self.edit_receipt())
        self.delete_button = QPushButton(self.tr("删除"), self)
        self.delete_button.clicked.connect(lambda _c=False: self.delete_receipt())
        layout.addLayout(row_layout(heading, self.add_button, self.edit_button,
                                    self.delete_button, stretch_after=0))
        self.receipts_model = RowsModel([
            Column(self.tr("到位日期"), lambda r: r.received_on, "date"),
            Column(self.tr("金额(万元)"), lambda r: r.amount, "number"),
            Column(self.tr("来源地"), lambda r: r.origin),
            Column(self.tr("类型"), lambda r: r.kind),
            Column(self.tr("外币"), _foreign),
            Column(self.tr("万美元"), lambda r: r.usd_amount, "number"),
            Column(self.tr("凭证"), lambda r: "；".join(x for x in (r.evidence, r.attachment)
                                                        if x)),
        ], self)
        self.receipts_table = table_view(self.receipts_model, self)
        _fit_columns(self.receipts_table)
        self.receipts_table.selectionModel().currentRowChanged.connect(
            lambda *_a: self._buttons())
        self.receipts_table.doubleClicked.connect(lambda _i: self.edit_receipt())
        self.receipts = TableOrEmpty(self.receipts_table, self.tr(
            "还没有到位资金 — 签约后点“登记…”，注明来源地与类型"), self)
        self.receipts.setMaximumHeight(150)
        layout.addWidget(self.receipts)

        # 里程碑
        heading = QLabel(self.tr("里程碑"), self)
        heading.setProperty("class", "panel-title")
        self.milestones_button = QPushButton(self.tr("登记里程碑…"), self)
        self.milestones_button.setObjectName("milestones-edit")
        self.milestones_button.clicked.connect(lambda _c=False: self.edit_milestones())
        layout.addLayout(row_layout(heading, self.milestones_button, stretch_after=0))
        grid = QWidget(self)
        form = QFormLayout(grid)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, label in _MILESTONES:
            value = QLabel(grid)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.tr(label), value)
            self.values[key] = value
        layout.addWidget(grid)

        # 协议约定
        heading = QLabel(self.tr("协议约定"), self)
        heading.setProperty("class", "panel-title")
        self.promise_button = QPushButton(self.tr("修改约定…"), self)
        self.promise_button.setObjectName("promises-edit")
        self.promise_button.clicked.connect(lambda _c=False: self.edit_promises())
        layout.addLayout(row_layout(heading, self.promise_button, stretch_after=0))
        self.promises_model = RowsModel([
            Column(self.tr("协议"), lambda r: f"{r.kind} {r.signed_on.isoformat()}"),
            Column(self.tr("约定开工"), lambda r: r.agreed_start_on, "date"),
            Column(self.tr("约定投产"), lambda r: r.agreed_producing_on, "date"),
            Column(self.tr("约定达产"), lambda r: r.agreed_full_production_on, "date"),
            Column(self.tr("投资强度"), lambda r: r.investment_intensity, "number"),
            Column(self.tr("亩均税收"), lambda r: r.tax_per_mu, "number"),
        ], self)
        self.promises_table = table_view(self.promises_model, self)
        _fit_columns(self.promises_table)
        self.promises_table.selectionModel().currentRowChanged.connect(
            lambda *_a: self._buttons())
        self.promises = TableOrEmpty(self.promises_table, self.tr("签约后可在此填写协议约定"), self)
        self.promises.setMaximumHeight(110)
        layout.addWidget(self.promises)
        self.broken = QLabel(self)
        self.broken.setObjectName("broken-promises")
        self.broken.setWordWrap(True)
        layout.addWidget(self.broken)
        layout.addStretch(1)
        self._buttons()

    # --- loading ---------------------------------------------------------------------------
    def show_project(self, project_id: int | None) -> None:
        self.project_id = project_id
        if project_id is None:
            self._latest.forget()
            return
        self._latest.read(op(project_assessment, project_id, self.ctx.actor, self.ctx.today()),
                          self._loaded)

    def _loaded(self, data: ProjectAssessment | None) -> None:
        self.data = data
        if data is None:
            return
        self.band.setText(self.tr("规模档次：{band}").format(band=data.band or self.tr("亿元以下")))
        self.receipts_model.set_rows(data.receipts)
        self.receipts.update_state(len(data.receipts))
        m = data.milestones
        for key, _label in _MILESTONES:
            value = getattr(m, key)
            text = value.isoformat() if hasattr(value, "isoformat") else (value or "—")
            if key == "in_database_on" and m.in_database_evidence:
                text += f"（{m.in_database_evidence}）"
            self.values[key].setText(text)
        self.promises_model.set_rows(data.promises)
        self.promises.update_state(len(data.promises))
        if data.promises:
            self.promises_table.selectRow(len(data.promises) - 1)  # the latest agreement
        if data.broken:
            lines = [self.tr("逾期 {days} 天：{detail}").format(days=b.days_overdue, detail=b.detail)
                     for b in data.broken]
            self.broken.setText(self.tr("未履约") + "\n" + "\n".join(lines))
            self.broken.setProperty("class", "error")
        else:
            self.broken.setText(self.tr("没有逾期未履约的约定"))
            self.broken.setProperty("class", "muted")
        self.broken.style().unpolish(self.broken)
        self.broken.style().polish(self.broken)
        self._buttons()

    def _buttons(self) -> None:
        d = self.data
        funds_ok = d is not None and d.may_funds and d.signed
        self.add_button.setVisible(d is not None and d.may_funds)
        self.add_button.setEnabled(funds_ok)
        chosen = self.receipts_model.row_at(self.receipts_table.currentIndex().row())
        for button in (self.edit_button, self.delete_button):
            button.setVisible(d is not None and d.may_funds)
            button.setEnabled(chosen is not None)
        self.milestones_button.setVisible(d is not None and d.may_milestones)
        self.promise_button.setVisible(d is not None and d.may_promises)
        self.promise_button.setEnabled(self.promises_table.currentIndex().isValid())

    # --- actions ---------------------------------------------------------------------------
    def add_receipt(self) -> FormDialog | None:
        d = self.data
        if d is None or not d.may_funds:
            return None
        self.dialog = ReceiptDialog(self.ctx, d.project_id, d.name, d.attachments, parent=self)
        self.dialog.open()
        return self.dialog

    def edit_receipt(self) -> FormDialog | None:
        d = self.data
        row = self.receipts_model.row_at(self.receipts_table.currentIndex().row())
        if d is None or row is None or not d.may_funds:
            return None
        self.dialog = ReceiptDialog(self.ctx, d.project_id, d.name, d.attachments, row, self)
        self.dialog.open()
        return self.dialog

    def delete_receipt(self) -> None:
        row = self.receipts_model.row_at(self.receipts_table.currentIndex().row())
        if row is None:
            return
        if confirm(self.tr("删除 {day} 到位的 {amount} 万元（{origin}）？").format(
                day=row.received_on.isoformat(), amount=_money(row.amount), origin=row.origin),
                self):
            assessment_ops.delete_receipt(self.ctx, row.id, parent=self)

    def edit_milestones(self) -> FormDialog | None:
        d = self.data
        if d is None or not d.may_milestones:
            return None
        self.dialog = MilestoneDialog(self.ctx, d.project_id, d.name, d.milestones, self)
        self.dialog.open()
        return self.dialog

    def edit_promises(self) -> FormDialog | None:
        d = self.data
        row = self.promises_model.row_at(self.promises_table.currentIndex().row())
        if d is None or row is None or not d.may_promises:
            return None
        self.dialog = PromiseDialog(self.ctx, d.name, row, self)
        self.dialog.open()
        return self.dialog
