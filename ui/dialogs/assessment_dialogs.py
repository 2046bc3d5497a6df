"""A project's 考核 records: a receipt (到位资金), its milestones, an agreement's promises."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from crm.errors import ValidationError
from crm.services import funds, milestones
from crm.services.assessment import CURRENCIES, KINDS, ORIGINS
from crm.services.funds import ReceiptInput, ReceiptRow
from crm.services.milestones import LEAD_KINDS, MilestoneInput, Milestones, PromiseInput, PromiseRow
from ui.context import AppContext, Op
from ui.forms import AmountEdit, Choice, DateEdit, FormDialog


class ReceiptDialog(FormDialog):
    """登记 or 修改 到位资金: date, amount (万元), origin, kind; foreign money's currency,
    original amount and 万美元; the evidence note and file."""

    aliases = {"received_on": "received_on"}

    def __init__(self, ctx: AppContext, project_id: int, project: str,
                 attachments: Sequence[tuple[int, str]] = (), row: ReceiptRow | None = None,
                 parent: QWidget | None = None):
        title = self.tr("修改到位资金 — {name}") if row else self.tr("登记到位资金 — {name}")
        super().__init__(ctx, title.format(name=project), parent)
        self.setMinimumWidth(440)
        self.project_id, self.row = project_id, row
        f = self.form
        self.received_on = f.add("received_on", self.tr("到位日期"),
                                 DateEdit(self, value=row.received_on if row else ctx.today()))
        self.amount = f.add("amount", self.tr("到位金额（折人民币）"),
                            AmountEdit(self, unit="万元"), required=True)
        self.origin = f.add("origin", self.tr("资金来源地"),
                            Choice(self, [(o, o) for o in ORIGINS]), required=True)
        self.kind = f.add("kind", self.tr("资金类型"), Choice(self, [(k, k) for k in KINDS]),
                          required=True)
        self.currency = f.add("currency", self.tr("币种"),
                              Choice(self, [(c, c) for c in CURRENCIES]))
        self.original = f.add("original_amount", self.tr("原币金额（万）"),
                              QLineEdit(self))
        self.usd = f.add("usd_amount", self.tr("折合美元（万美元）"), QLineEdit(self))
        self.evidence = f.add("evidence", self.tr("凭证说明"), QLineEdit(self))
        self.evidence.setPlaceholderText(self.tr("验资报告、银行进账单、设备清单 …"))
        self.attachment = f.add("attachment_id", self.tr("凭证附件"), Choice(
            self, [(name, ident) for ident, name in attachments], blank=self.tr("（无）")))
        hint = QLabel(self.tr("境外资金须填折合美元：实际利用外资按美元统计。"
                              "附件请先在“协议与开工”中上传。"), self)
        hint.setProperty("class", "muted")
        hint.setWordWrap(True)
        f.add("hint", "", hint)
        if row is not None:
            self.amount.set_value(row.amount)
            self.origin.set_value(row.origin)
            self.kind.set_value(row.kind)
            self.currency.set_value(row.currency)
            if row.original_amount is not None:
                self.original.setText(format(row.original_amount.normalize(), "f"))
            if row.usd_amount is not None:
                self.usd.setText(format(row.usd_amount.normalize(), "f"))
            self.evidence.setText(row.evidence)
            self.attachment.set_value(row.attachment_id)
        else:
            self.origin.set_value("省外")
            self.kind.set_value("固定资产投资")
        self.live("amount", self.amount.value, self.amount.edited)

    @staticmethod
    def _number(text: str, field: str, label: str) -> Decimal | None:
        clean = text.strip().replace(",", "")
        if not clean:
            return None
        try:
            return Decimal(clean)
        except InvalidOperation:
            raise ValidationError(f"{label}应为数字", field=field) from None

    def collect(self) -> Op:
        actor = self.ctx.actor
        amount = self.amount.value()
        if amount is None:
            raise ValidationError(self.tr("请填写到位金额"), field="amount")
        on = self.received_on.value()
        if on is None:
            raise ValidationError(self.tr("请填写到位日期"), field="received_on")
        data = ReceiptInput(
            on, amount, self.origin.value(), self.kind.value(), self.currency.value(),
            self._number(self.original.text(), "original_amount", self.tr("原币金额")),
            self._number(self.usd.text(), "usd_amount", self.tr("折合美元")),
            self.evidence.text(), self.attachment.value())
        if self.row is not None:
            receipt_id = self.row.id
            return lambda uow: funds.update_receipt(uow, actor, receipt_id, data)
        project_id = self.project_id
        return lambda uow: funds.add_receipt(uow, actor, project_id, data)


_DATES = (("landed_on", "落地日期"), ("completed_on", "竣工日期"), ("full_production_on", "达产日期"),
          ("in_database_on", "入库日期"), ("registered_on", "入统日期"),
          ("above_scale_on", "入规日期"))


class MilestoneDialog(FormDialog):
    """登记里程碑: lead kind, 落地, 竣工, 达产, 入库 (with evidence), 入统, 入规; blank clears."""

    def __init__(self, ctx: AppContext, project_id: int, project: str, current: Milestones,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("登记里程碑 — {name}").format(name=project), parent)
        self.project_id = project_id
        f = self.form
        self.lead_kind = f.add("lead_kind", self.tr("线索类型"), Choice(
            self, [(k, k) for k in LEAD_KINDS], blank=self.tr("（普通线索）")))
        self.lead_kind.set_value(current.lead_kind)
        self.dates: dict[str, DateEdit] = {}
        for key, label in _DATES:
            self.dates[key] = f.add(key, self.tr(label),
                                    DateEdit(self, optional=True, value=getattr(current, key)))
        self.evidence = f.add("in_database_evidence", self.tr("入库凭证"), QLineEdit(self))
        self.evidence.setText(current.in_database_evidence)
        self.evidence.setPlaceholderText(self.tr("项目代码或入库证明"))

    def collect(self) -> Op:
        actor, project_id = self.ctx.actor, self.project_id
        data = MilestoneInput(lead_kind=self.lead_kind.value(),
                              in_database_evidence=self.evidence.text(),
                              **{k: w.value() for k, w in self.dates.items()})
        return lambda uow: milestones.set_milestones(uow, actor, project_id, data)


class PromiseDialog(FormDialog):
    """协议约定: the agreed start, 投产 and 达产 dates, 投资强度 and 亩均税收 (万元/亩)."""

    def __init__(self, ctx: AppContext, project: str, current: PromiseRow,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("协议约定 — {name}（{kind} {day}）").format(
            name=project, kind=current.kind, day=current.signed_on.isoformat()), parent)
        self.agreement_id = current.agreement_id
        f = self.form
        self.start = f.add("agreed_start_on", self.tr("约定开工日期"),
                           DateEdit(self, optional=True, value=current.agreed_start_on))
        self.producing = f.add("agreed_producing_on", self.tr("约定投产日期"),
                               DateEdit(self, optional=True, value=current.agreed_producing_on))
        self.full = f.add("agreed_full_production_on", self.tr("约定达产日期"), DateEdit(
            self, optional=True, value=current.agreed_full_production_on))
        self.intensity = f.add("investment_intensity", self.tr("投资强度（万元/亩）"),
                               AmountEdit(self, unit="万元", units=("万元",),
                                          field="investment_intensity"))
        self.intensity.set_value(current.investment_intensity)
        self.tax = f.add("tax_per_mu", self.tr("亩均税收（万元/亩）"),
                         AmountEdit(self, unit="万元", units=("万元",), field="tax_per_mu"))
        self.tax.set_value(current.tax_per_mu)

    def collect(self) -> Op:
        actor, agreement_id = self.ctx.actor, self.agreement_id
        data = PromiseInput(self.start.value(), self.producing.value(), self.full.value(),
                            self.intensity.value(), self.tax.value())
        return lambda uow: milestones.set_promises(uow, actor, agreement_id, data)
