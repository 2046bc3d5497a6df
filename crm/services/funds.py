"""到位资金: the receipts of money actually arrived on a project (issue 19, point 1).

Each receipt has a date, an amount in 万元 (CNY; foreign money converted at the rate of its
day), an origin (境外 / 省外 / 省内市外 / 市内 / 区内), a kind (固定资产投资 / 流动资金 / 其他), for
foreign money its currency and original amount, and for money from abroad (境外) its amount
in 万美元 (实际利用外资 is reported in US dollars). The evidence is a note and, optionally,
one of the project's attachments (验资报告, 银行进账单, 设备清单 …).

The figures over receipts are in :mod:`crm.services.assessment`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Attachment, Funding, Project
from crm.money import check_amount
from crm.services.assessment import FOREIGN, KINDS, ORIGINS, UNKNOWN
from crm.services.audit_fields import diff, snapshot
from crm.services.common import Actor, audit, check_date, get_or_404, optional_text
from crm.services.projects import load_for_write

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class ReceiptInput:
    """What a person types for one receipt. ``amount`` is 万元 (CNY) in every case."""

    received_on: dt.date
    amount: Decimal
    origin: str
    kind: str
    currency: str = "CNY"
    original_amount: Decimal | None = None  # 万, in ``currency``; only for foreign money
    usd_amount: Decimal | None = None  # 万美元; required for 境外 money
    evidence: str = ""
    attachment_id: int | None = None


@dataclass(frozen=True)
class ReceiptRow:
    id: int
    project_id: int
    received_on: dt.date
    amount: Decimal  # 万元
    origin: str  # UNKNOWN for receipts recorded before origins were kept
    kind: str
    currency: str
    original_amount: Decimal | None
    usd_amount: Decimal | None
    evidence: str
    attachment_id: int | None
    attachment: str  # its file name, "" when none


def _checked(uow: UnitOfWork, project: Project, data: ReceiptInput) -> dict[str, object]:
    check_date(data.received_on, "到位日期", "received_on", past=True)
    if data.amount is None:
        raise ValidationError("请填写到位金额（万元）", code="amount.required", field="amount")
    check_amount(data.amount, field="amount", label="到位金额", positive=True)
    if data.origin not in ORIGINS:
        raise ValidationError(f"请选择资金来源地：{'、'.join(ORIGINS)}", code="origin.unknown",
                              field="origin")
    if data.kind not in KINDS:
        raise ValidationError(f"请选择资金类型：{'、'.join(KINDS)}", code="kind.unknown",
                              field="kind")
    currency = (data.currency or "CNY").strip().upper()
    if not _CURRENCY.match(currency):
        raise ValidationError(f"币种“{data.currency}”应为三个字母的代码，如 CNY、USD、EUR",
                              code="currency.format", field="currency")
    original = data.original_amount
    usd = data.usd_amount
    if currency == "CNY":
        if original is not None and original != data.amount:
            raise ValidationError("人民币资金无需填写原币金额", code="original_amount.cny",
                                  field="original_amount")
        original = None
    else:
        if original is None:
            raise ValidationError(f"外币资金请填写原币金额（万{currency}）",
                                  code="original_amount.required", field="original_amount")
        check_amount(original, field="original_amount", label="原币金额", positive=True)
        if currency == "USD":
            if usd is not None and usd != original:
                raise ValidationError("美元资金的折合美元金额应与原币金额相同",
                                      code="usd_amount.mismatch", field="usd_amount")
            usd = original
    if usd is not None:
        check_amount(usd, field="usd_amount", label="折合美元金额", positive=True)
    if data.origin == FOREIGN and usd is None:
        raise ValidationError("境外资金请填写折合美元金额（万美元），实际利用外资按美元统计",
                              code="usd_amount.required", field="usd_amount")
    if data.attachment_id is not None:
        found = get_or_404(uow.session, Attachment, data.attachment_id, "附件")
        if found.project_id != project.id:
            raise ValidationError("凭证附件不属于该项目", code="attachment.project",
                                  field="attachment_id")
    if project.signed_on is None:
        raise ValidationError("项目尚未签约，不能登记到位资金", code="funding.not_signed")
    return {"received_on": data.received_on, "amount": data.amount, "origin": data.origin,
            "kind": data.kind, "currency": currency, "original_amount": original,
            "usd_amount": usd, "evidence": optional_text(data.evidence),
            "attachment_id": data.attachment_id}


def _row(uow: UnitOfWork, f: Funding) -> ReceiptRow:
    name = ""
    if f.attachment_id is not None:
        name = uow.session.scalar(select(Attachment.filename)
                                  .where(Attachment.id == f.attachment_id)) or ""
    return ReceiptRow(f.id, f.project_id, f.received_on, f.amount, f.origin or UNKNOWN,
                      f.kind or UNKNOWN, f.currency or "CNY", f.original_amount, f.usd_amount,
                      f.evidence, f.attachment_id, name)


def add_receipt(uow: UnitOfWork, actor: Actor, project_id: int,
                data: ReceiptInput) -> ReceiptRow:
    """Record money that arrived on a signed project (its owner, or a manager)."""
    project = load_for_write(uow, actor, project_id, None, action="funds.add_receipt")
    values = _checked(uow, project, data)
    row = Funding(project_id=project.id, **values)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "funding", "project", project.id, name=project.name, funding_id=row.id,
          changes=diff({}, snapshot(uow.session, "funding", row), prefix="funding"))
    return _row(uow, row)


def _load(uow: UnitOfWork, actor: Actor, receipt_id: int, action: str) -> tuple[Funding, Project]:
    row = get_or_404(uow.session, Funding, receipt_id, "到位资金记录")
    project = load_for_write(uow, actor, row.project_id, None, action=action)
    return row, project


def update_receipt(uow: UnitOfWork, actor: Actor, receipt_id: int,
                   data: ReceiptInput) -> ReceiptRow:
    """Correct a receipt (its project's owner, or a manager); the log keeps old and new."""
    row, project = _load(uow, actor, receipt_id, "funds.update_receipt")
    values = _checked(uow, project, data)
    before = snapshot(uow.session, "funding", row)
    for key, value in values.items():
        setattr(row, key, value)
    uow.session.flush()
    changes = diff(before, snapshot(uow.session, "funding", row), prefix="funding")
    if changes:
        audit(uow, actor, "funding.update", "project", project.id, name=project.name,
              funding_id=row.id, changes=changes)
    return _row(uow, row)


def delete_receipt(uow: UnitOfWork, actor: Actor, receipt_id: int) -> None:
    """Remove a receipt recorded in error (its project's owner, or a manager)."""
    row, project = _load(uow, actor, receipt_id, "funds.delete_receipt")
    before = snapshot(uow.session, "funding", row)
    uow.session.delete(row)
    uow.session.flush()
    audit(uow, actor, "funding.delete", "project", project.id, name=project.name,
          funding_id=receipt_id, changes=diff(before, {}, prefix="funding"))


def receipts(uow: UnitOfWork, project_id: int) -> list[ReceiptRow]:
    """A project's receipts, oldest first."""
    stmt = (select(Funding).where(Funding.project_id == project_id)
            .order_by(Funding.received_on, Funding.id))
    return [_row(uow, f) for f in uow.session.scalars(stmt)]
