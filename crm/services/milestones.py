"""Lifecycle milestones beyond the stages (七个一批 / 三个一批) and the agreements' promises.

Milestones on a project (issue 19, point 3): the lead's kind (谋划: a project the bureau
conceives itself, no investor talks yet; 储备: a lead kept in reserve), 落地 (the local company
registered and land or space supplied), 竣工, 达产, 入库 (entered in the fixed-asset investment
database, with its evidence: the 项目代码 or document), 入统 (``registered_on``) and 入规.
Promises on an agreement (point 4): the agreed start, 投产 and 达产 dates, 投资强度 and 亩均税收
(万元/亩) written into the 投资合同. Definitions of what they count: docs/figures.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Agreement, Project
from crm.money import check_amount
from crm.services.audit_fields import diff, snapshot
from crm.services.common import Actor, audit, check_date, get_or_404, optional_text
from crm.services.projects import ProjectRow, flush, get_project, load_for_write

LEAD_KINDS = ("谋划", "储备")


@dataclass(frozen=True)
class MilestoneInput:
    """A project's milestone dates (None: not reached); all of them are set together."""

    lead_kind: str | None = None
    landed_on: dt.date | None = None  # 落地
    completed_on: dt.date | None = None  # 竣工
    full_production_on: dt.date | None = None  # 达产
    in_database_on: dt.date | None = None  # 入库
    in_database_evidence: str = ""
    registered_on: dt.date | None = None  # 入统
    above_scale_on: dt.date | None = None  # 入规


@dataclass(frozen=True)
class Milestones:
    project_id: int
    lead_kind: str | None
    landed_on: dt.date | None
    completed_on: dt.date | None
    full_production_on: dt.date | None
    in_database_on: dt.date | None
    in_database_evidence: str
    registered_on: dt.date | None
    above_scale_on: dt.date | None


_LABELS = {"landed_on": "落地日期", "completed_on": "竣工日期",
           "full_production_on": "达产日期", "in_database_on": "入库日期",
           "registered_on": "入统日期", "above_scale_on": "入规日期"}


def milestones(uow: UnitOfWork, project_id: int) -> Milestones:
    p = get_or_404(uow.session, Project, project_id, "项目")
    return Milestones(p.id, p.lead_kind, p.landed_on, p.completed_on, p.full_production_on,
                      p.in_database_on, p.in_database_evidence, p.registered_on,
                      p.above_scale_on)


def _check(project: Project, data: MilestoneInput) -> dict[str, object]:
    if data.lead_kind is not None and data.lead_kind not in LEAD_KINDS:
        raise ValidationError(f"线索类型只能是{'或'.join(LEAD_KINDS)}", code="lead_kind.unknown",
                              field="lead_kind")
    values: dict[str, object] = {"lead_kind": data.lead_kind}
    for key, label in _LABELS.items():
        values[key] = check_date(getattr(data, key), label, key, required=False, past=True)
    dated = [k for k in _LABELS if values[k] is not None]
    if dated and project.signed_on is None:
        raise ValidationError(f"项目尚未签约，不能登记{_LABELS[dated[0]][:-2]}",
                              code="milestone.not_signed", field=dated[0])
    for key, after, after_label in (("completed_on", project.started_on, "开工"),
                                    ("full_production_on", project.producing_on, "投产"),
                                    ("landed_on", project.signed_on, "签约")):
        day = values[key]
        if isinstance(day, dt.date):
            if key != "landed_on" and after is None:
                raise ValidationError(f"项目尚未{after_label}，不能登记{_LABELS[key][:-2]}",
                                      code=f"{key}.order", field=key)
            if after is not None and day < after:
                raise ValidationError(f"{_LABELS[key]} {day} 早于{after_label}日期 {after}",
                                      code=f"{key}.order", field=key)
    evidence = optional_text(data.in_database_evidence)
    if values["in_database_on"] is not None and not evidence:
        raise ValidationError("入库须有凭证：请填写项目代码或入库证明文件名",
                              code="in_database_evidence.required",
                              field="in_database_evidence")
    values["in_database_evidence"] = evidence
    return values


def set_milestones(uow: UnitOfWork, actor: Actor, project_id: int,
                   data: MilestoneInput) -> ProjectRow:
    """Set a project's milestones (its owner, or a manager); dates never after today, 竣工
    not before the start, 达产 not before 投产, 落地 not before the signing."""
    project = load_for_write(uow, actor, project_id, None, action="milestones.set_milestones")
    values = _check(project, data)
    before = snapshot(uow.session, "project", project)
    for key, value in values.items():
        setattr(project, key, value)
    flush(uow)
    changes = diff(before, snapshot(uow.session, "project", project))
    if changes:
        audit(uow, actor, "milestones", "project", project.id, name=project.name,
              changes=changes)
    return get_project(uow, project.id)


@dataclass(frozen=True)
class PromiseInput:
    agreed_start_on: dt.date | None = None
    agreed_producing_on: dt.date | None = None
    agreed_full_production_on: dt.date | None = None
    investment_intensity: Decimal | None = None  # 万元/亩
    tax_per_mu: Decimal | None = None  # 万元/亩


@dataclass(frozen=True)
class PromiseRow:
    agreement_id: int
    project_id: int
    kind: str
    signed_on: dt.date
    agreed_start_on: dt.date | None
    agreed_producing_on: dt.date | None
    agreed_full_production_on: dt.date | None
    investment_intensity: Decimal | None
    tax_per_mu: Decimal | None


def _promise_row(a: Agreement) -> PromiseRow:
    return PromiseRow(a.id, a.project_id, a.kind, a.signed_on, a.agreed_start_on,
                      a.agreed_producing_on, a.agreed_full_production_on,
                      a.investment_intensity, a.tax_per_mu)


def promises(uow: UnitOfWork, agreement_id: int) -> PromiseRow:
    return _promise_row(get_or_404(uow.session, Agreement, agreement_id, "协议"))


def set_promises(uow: UnitOfWork, actor: Actor, agreement_id: int,
                 data: PromiseInput) -> PromiseRow:
    """What the agreement promises (the project's owner, or a manager). Agreed dates are
    promises about the future, so any date from the signing on is taken; in order
    (开工 ≤ 投产 ≤ 达产)."""
    agreement = get_or_404(uow.session, Agreement, agreement_id, "协议")
    if agreement.voided_at is not None:
        raise ValidationError("该协议已作废，不能修改约定", code="agreement.voided")
    project = load_for_write(uow, actor, agreement.project_id, None,
                             action="milestones.set_promises")
    labels = {"agreed_start_on": "约定开工日期", "agreed_producing_on": "约定投产日期",
              "agreed_full_production_on": "约定达产日期"}
    previous: tuple[str, dt.date] | None = None
    for key, label in labels.items():
        day = check_date(getattr(data, key), label, key, required=False)
        if day is None:
            continue
        if day < agreement.signed_on:
            raise ValidationError(f"{label} {day} 早于协议签订日期 {agreement.signed_on}",
                                  code=f"{key}.order", field=key)
        if previous is not None and day < previous[1]:
            raise ValidationError(f"{label} {day} 早于{previous[0]} {previous[1]}",
                                  code=f"{key}.order", field=key)
        previous = (label, day)
    check_amount(data.investment_intensity, field="investment_intensity", label="投资强度",
                 positive=True)
    check_amount(data.tax_per_mu, field="tax_per_mu", label="亩均税收", positive=True)
    before = snapshot(uow.session, "agreement", agreement)
    for f in fields(PromiseInput):
        setattr(agreement, f.name, getattr(data, f.name))
    flush(uow)
    changes = diff(before, snapshot(uow.session, "agreement", agreement), prefix="agreement")
    if changes:
        audit(uow, actor, "promises", "project", project.id, name=project.name,
              agreement_id=agreement.id, changes=changes)
    return _promise_row(agreement)
