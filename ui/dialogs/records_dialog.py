"""Records of a signed project: a further agreement, the 入统 date (到位资金 are
in ui.dialogs.assessment_dialogs)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from crm import stages
from crm.errors import ValidationError
from crm.services import events, pipeline
from crm.services.pipeline import AgreementInput
from crm.services.projects import ProjectRow
from ui.context import AppContext, Op, op
from ui.forms import AmountEdit, Choice, DateEdit, FormDialog


class AgreementDialog(FormDialog):
    """添加协议: e.g. the 正式合同 after a 框架协议."""

    def __init__(self, ctx: AppContext, row: ProjectRow, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("添加协议 — {name}").format(name=row.name), parent)
        self.row = row
        f = self.form
        self.kind = f.add("kind", self.tr("协议类型"), Choice(
            self, [(k, k) for k in stages.AGREEMENT_KINDS]))
        self.kind.set_value("正式合同")
        self.signed_on = f.add("signed_on", self.tr("签约日期"), DateEdit(self, value=ctx.today()))
        self.amount = f.add("amount", self.tr("金额"), AmountEdit(self, unit="亿元"),
                            required=True)
        self.event_choice = f.add("event_id", self.tr("签约活动"), Choice(
            self, blank=self.tr("（无）")))
        self.note = f.add("note", self.tr("备注"), QLineEdit(self))
        self.live("amount", self.amount.value, self.amount.edited)
        self.load(op(events.list_events, ctx.today()), lambda rows: self.event_choice.set_items(
            [(f"{e.held_on.isoformat()} {e.name}", e.id) for e in rows]))

    def collect(self) -> Op:
        actor = self.ctx.actor
        amount = self.amount.value()
        if amount is None:
            raise ValidationError(self.tr("请填写金额"), field="amount")
        data = AgreementInput(self.signed_on.value() or self.ctx.today(), amount,
                              self.kind.value(), self.event_choice.value(), self.note.text())
        project_id = self.row.id
        return lambda uow: pipeline.add_agreement(uow, actor, project_id, data)


class RegisteredDialog(FormDialog):
    """入统日期 (blank clears it)."""

    def __init__(self, ctx: AppContext, row: ProjectRow, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("入统日期 — {name}").format(name=row.name), parent)
        self.row = row
        self.on = self.form.add("registered_on", self.tr("入统日期"),
                                DateEdit(self, optional=True, value=row.registered_on))

    def collect(self) -> Op:
        actor = self.ctx.actor
        project_id, on = self.row.id, self.on.value()
        return lambda uow: pipeline.set_registered(uow, actor, project_id, on)
