"""Moving projects through the pipeline (DESIGN §2) and the records each step needs.

Every change writes a dated StageChange row in the same transaction as the records it needs
(agreement, start). Skipping forward is allowed, but each skipped milestone still needs its
data. Moving back is a manager's correction with a reason.

Milestone dates are never after today and in order (线索 ≤ 在谈 ≤ 签约 ≤ 开工 ≤ 投产); a date
out of that order is taken only from a manager who gives a reason, recorded with the move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select, update

from crm import permissions, stages
from crm.db import UnitOfWork
from crm.errors import PermissionDenied, ValidationError
from crm.models import Agreement, Event, Funding, Project, StageChange, Start
from crm.money import check_amount
from crm.services import carriers
from crm.services.audit_fields import Change, diff, snapshot
from crm.services.common import (
    Actor,
    audit,
    check_date,
    get_or_404,
    optional_text,
)
from crm.services.projects import (
    ProjectRow,
    check_planned_after_signing,
    check_planned_start,
    flush,
    get_project,
    load_for_write,
)


@dataclass(frozen=True)
class AgreementInput:
    signed_on: dt.date
    amount: Decimal  # 万元
    kind: str = "投资协议"
    event_id: int | None = None
    note: str = ""
    # 计划开工(开业)日期 and kind, asked at signing (the year-end forecast reads them)
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None


@dataclass(frozen=True)
class StartInput:
    started_on: dt.date
    kind: str = "开工"
    note: str = ""


def _check_agreement(uow: UnitOfWork, a: AgreementInput) -> None:
    check_date(a.signed_on, "签约日期", "signed_on", past=True)
    if a.amount is None:
        raise ValidationError("请填写签约金额", code="amount.required", field="amount")
    check_amount(a.amount, field="amount", label="签约金额", positive=True)
    if a.kind not in stages.AGREEMENT_KINDS:
        raise ValidationError(f"协议类型应为{'、'.join(stages.AGREEMENT_KINDS)}之一",
                              code="agreement.kind", field="kind")
    if a.event_id is not None:
        event = get_or_404(uow.session, Event, a.event_id, "签约活动")
        if event.held_on != a.signed_on:
            raise ValidationError(
                f"在活动“{event.name}”上签约，签约日期应为活动日期 {event.held_on}",
                code="agreement.event_date", field="signed_on")


# What the date of a forward move is called, and its field, in a message.
_ON_DATE = {stages.NEGOTIATING: ("在谈日期", "on"), stages.SIGNED: ("签约日期", "signed_on"),
            stages.STARTED: ("开工日期", "started_on"), stages.PRODUCING: ("投产日期", "on")}


def _check_start(s: StartInput) -> None:
    check_date(s.started_on, "开工日期", "started_on", past=True)
    if s.kind not in stages.START_KINDS:
        raise ValidationError("请选择开工类型：开工 或 开业", code="start.kind", field="kind")


# The milestones in the order they happen (DESIGN §2), the name a message gives each, and the
# code and field of the error when one is dated before an earlier one.
_MILESTONES = (("lead_on", "线索", "lead_on.order", "lead_on"),
               ("negotiating_on", "在谈", "on.order", "on"),
               ("signed_on", "签约", "signed_on.order", "signed_on"),
               ("started_on", "开工(开业)", "start.before_signing", "started_on"),
               ("producing_on", "投产", "producing.before_start", "on"))


def _out_of_order(project: Project, milestone: str, day: dt.date) -> str:
    """What is wrong when ``day`` as ``milestone`` (an attribute of _MILESTONES) precedes one of
    the project's earlier milestones, e.g. \"签约日期 2025-02-01 早于线索日期 2025-03-01\";
    \"\" when it is in order."""
    names = [m[0] for m in _MILESTONES]
    label = _MILESTONES[names.index(milestone)][1]
    for attr, earlier, _code, _field in _MILESTONES[:names.index(milestone)]:
        when = getattr(project, attr)
        if when is not None and day < when:
            return f"{label}日期 {day} 早于{earlier}日期 {when}"
    return ""


def _in_order(uow: UnitOfWork, actor: Actor, project: Project, milestone: str, day: dt.date,
              reason: str, corrected: list[str]) -> None:
    """Refuse a milestone dated before an earlier one, unless a manager gives a reason (a
    correction of the record, e.g. a signing entered late whose lead was dated by the day it
    was typed). What was allowed goes into ``corrected`` for the audit log; the reason is
    the stage change's."""
    problem = _out_of_order(project, milestone, day)
    if not problem:
        return
    _attr, _label, code, field = next(m for m in _MILESTONES if m[0] == milestone)
    if not reason:
        raise ValidationError(f"{problem}：请核对日期；确需如此，由管理者填写原因后更正",
                              code=code, field=field)
    try:
        permissions.require(uow, actor, "pipeline.out_of_order_dates")
    except PermissionDenied as exc:
        raise PermissionDenied(f"{exc.message}（{problem}）", code=exc.code) from None
    corrected.append(problem)


def _record_agreement(uow: UnitOfWork, project: Project, a: AgreementInput) -> Agreement:
    agreement = Agreement(project_id=project.id, kind=a.kind, signed_on=a.signed_on,
                          amount=a.amount, event_id=a.event_id, note=optional_text(a.note))
    uow.session.add(agreement)
    uow.session.flush()
    _sync_signing(uow, project)
    return agreement


def _sync_signing(uow: UnitOfWork, project: Project) -> None:
    """The project's first signing (date and event) from its valid agreements."""
    first = uow.session.execute(
        select(Agreement.signed_on, Agreement.event_id)
        .where(Agreement.project_id == project.id, Agreement.voided_at.is_(None))
        .order_by(Agreement.signed_on, Agreement.id).limit(1)).first()
    project.signed_on = first[0] if first else None
    project.signing_event_id = first[1] if first else None


def _record_start(uow: UnitOfWork, project: Project, s: StartInput) -> None:
    uow.session.add(Start(project_id=project.id, kind=s.kind, started_on=s.started_on,
                          note=optional_text(s.note)))
    if project.started_on is None or s.started_on < project.started_on:
        project.started_on, project.start_kind = s.started_on, s.kind


@dataclass(frozen=True)
class Move:
    """What moving a project to ``to`` is and what it needs: the rule :func:`advance` applies
    and the 推进阶段 dialog shows (it asks for exactly these, nothing it would refuse)."""

    to: str
    back: bool  # a correction: to an earlier stage, or out of 已终止 (managers, with a reason)
    needs_agreement: bool  # reaching 已签约 for the first time
    needs_start: bool  # reaching 已开工(开业) for the first time
    needs_reason: bool  # 终止, and every correction


def plan_move(stage: str, signed: bool, started: bool, to: str) -> Move:
    """The move from ``stage`` to ``to`` of a project that has (not) signed / started yet."""
    back = to != stages.DROPPED and (stage == stages.DROPPED
                                     or stages.rank(to) < stages.rank(stage))
    forward = not back and to != stages.DROPPED
    return Move(to, back,
                needs_agreement=forward and stages.rank(to) >= stages.rank(stages.SIGNED)
                and not signed,
                needs_start=forward and stages.rank(to) >= stages.rank(stages.STARTED)
                and not started,
                needs_reason=to == stages.DROPPED or back)


def possible_moves(stage: str, signed: bool, started: bool, may_correct: bool) -> list[Move]:
    """Every move from ``stage``, in stage order; corrections only for ``may_correct``."""
    moves = [plan_move(stage, signed, started, to) for to in stages.ALL if to != stage]
    return [m for m in moves if may_correct or not m.back]


def moves(uow: UnitOfWork, actor: Actor, project_id: int) -> list[Move]:
    """The moves ``actor`` may make on the project now (crm.permissions decides corrections)."""
    project = get_or_404(uow.session, Project, project_id, "项目")
    if not permissions.allowed(uow, actor, "pipeline.advance", project=project):
        return []
    return possible_moves(project.stage, project.signed_on is not None,
                          project.started_on is not None,
                          permissions.allowed(uow, actor, "pipeline.correct_back"))


def advance(uow: UnitOfWork, actor: Actor, project_id: int, to: str, on: dt.date, *,
            agreement: AgreementInput | None = None, start: StartInput | None = None,
            reason: str = "", expected_version: int | None = None) -> ProjectRow:
    """Move a project to stage ``to`` on date ``on``.

    Args:
        to: a stage code (see :mod:`crm.stages`).
        on: the date of the milestone (signing, start, …).
        agreement: required when the move reaches 已签约 for the first time.
        start: required when the move reaches 已开工 for the first time (its date is ``on``
            when moving to 已开工).
        reason: required for 已终止 and for any move back.

    Raises:
        ValidationError: a rule of §2 is broken; nothing is written.
        PermissionDenied: a staff account acting on another's project, or moving back.
    """
    to = stages.parse_stage(to)
    project = load_for_write(uow, actor, project_id, expected_version, action="pipeline.advance")
    label, field = (_ON_DATE.get(to, ("日期", "on"))
                    if stages.rank(to) > stages.rank(project.stage) else ("日期", "on"))
    check_date(on, label, field, past=True)
    current = project.stage
    before = snapshot(uow.session, "project", project)
    known = _records(uow, project.id)
    if to == current:
        raise ValidationError(f"项目已处于“{stages.NAMES[to]}”阶段", code="stage.same",
                              field="stage")
    reason = optional_text(reason)
    corrected: list[str] = []  # milestones a manager dated out of order, with ``reason``
    correction = plan_move(current, project.signed_on is not None,
                           project.started_on is not None, to).back
    if to == stages.DROPPED:
        _drop(project, on, reason)
        carriers.release_for_drop(uow, actor, project, on)  # its space goes back, same commit
    elif correction:
        _correct_back(uow, actor, project, to, reason)
    else:
        _forward(uow, actor, project, to, on, agreement, start, reason, corrected)
    uow.session.add(StageChange(project_id=project.id, from_stage=current, to_stage=to,
                                changed_on=on, user_id=actor.user_id, reason=reason,
                                correction=correction))
    project.stage = to
    flush(uow)
    changes = diff(before, snapshot(uow.session, "project", project))
    changes += _added(uow, known, project.id)
    audit(uow, actor, "stage", "project", project.id, name=project.name, from_stage=current,
          to_stage=to, on=on, reason=reason, changes=changes,
          **({"out_of_order": "；".join(corrected)} if corrected else {}))
    return get_project(uow, project.id)


def _records(uow: UnitOfWork, project_id: int) -> set[int]:
    """The ids of the project's agreements: the audit log shows the one a move adds (a start's
    date and kind are the project's own fields, already in the log)."""
    uow.session.flush()
    return set(uow.session.scalars(select(Agreement.id).where(Agreement.project_id == project_id)))


def _added(uow: UnitOfWork, known: set[int], project_id: int) -> list[Change]:
    changes: list[Change] = []
    for ident in sorted(_records(uow, project_id) - known):
        row = uow.session.get(Agreement, ident)
        changes += diff({}, snapshot(uow.session, "agreement", row), prefix="agreement")
    return changes


def _drop(project: Project, on: dt.date, reason: str) -> None:
    if not reason:
        raise ValidationError("终止项目需要填写原因", code="reason.required", field="reason")
    project.dropped_on, project.drop_reason = on, reason


def _forward(uow: UnitOfWork, actor: Actor, project: Project, to: str, on: dt.date,
             agreement: AgreementInput | None, start: StartInput | None, reason: str,
             corrected: list[str]) -> None:
    target = stages.rank(to)
    if to == stages.NEGOTIATING:
        _in_order(uow, actor, project, "negotiating_on", on, reason, corrected)
    if target >= stages.rank(stages.SIGNED) and project.signed_on is None:
        if agreement is None:
            raise ValidationError("签约需要填写协议（类型、签约日期、金额）",
                                  code="agreement.required", field="amount")
        if to == stages.SIGNED and agreement.signed_on != on:
            agreement = replace(agreement, signed_on=on)
        _check_agreement(uow, agreement)
        _in_order(uow, actor, project, "signed_on", agreement.signed_on, reason, corrected)
        _record_agreement(uow, project, agreement)
        if agreement.planned_start_on is not None:
            project.planned_start_kind = check_planned_start(agreement.planned_start_on,
                                                             agreement.planned_start_kind)
            project.planned_start_on = agreement.planned_start_on
            check_planned_after_signing(project)
    if target >= stages.rank(stages.STARTED) and project.started_on is None:
        if start is None:
            raise ValidationError("开工需要填写开工日期和类型（开工/开业）",
                                  code="start.required", field="kind")
        if to == stages.STARTED and start.started_on != on:
            start = StartInput(on, start.kind, start.note)
        _check_start(start)
        _in_order(uow, actor, project, "started_on", start.started_on, reason, corrected)
        _record_start(uow, project, start)
    if to == stages.PRODUCING:
        _in_order(uow, actor, project, "producing_on", on, reason, corrected)
        project.producing_on = on
    # Milestones skipped on the way are reached on the date of the later one.
    milestone = {stages.SIGNED: project.signed_on, stages.STARTED: project.started_on,
                 stages.PRODUCING: project.producing_on}.get(to, on) or on
    if project.negotiating_on is None:
        project.negotiating_on = min(milestone, project.signed_on or milestone)
    if project.lead_on is None:  # a later lead date stays: only a manager's correction has it
        project.lead_on = project.negotiating_on


def _correct_back(uow: UnitOfWork, actor: Actor, project: Project, to: str, reason: str) -> None:
    permissions.require(uow, actor, "pipeline.correct_back")
    if not reason:
        raise ValidationError("回退阶段是更正，需要填写原因", code="reason.required",
                              field="reason")
    if project.stage == stages.DROPPED:
        project.dropped_on, project.drop_reason = None, ""
        reached = _reached_rank(project)
        if stages.rank(to) > reached:
            raise ValidationError(
                f"恢复终止项目只能回到终止前已达到的阶段（最高“{stages.NAMES[stages.FORWARD[reached]]}”）",
                code="stage.restore_too_far", field="stage")
    target = stages.rank(to)
    now = dt.datetime.now()
    if target < stages.rank(stages.PRODUCING):
        project.producing_on = None
    if target < stages.rank(stages.STARTED):
        uow.session.execute(update(Start).where(Start.project_id == project.id,
                                                Start.voided_at.is_(None)).values(voided_at=now))
        project.started_on, project.start_kind = None, None
    if target < stages.rank(stages.SIGNED):
        uow.session.execute(update(Agreement).where(Agreement.project_id == project.id,
                                                    Agreement.voided_at.is_(None))
                            .values(voided_at=now))
        project.signed_on, project.signing_event_id = None, None
    if target < stages.rank(stages.NEGOTIATING):
        project.negotiating_on = None


def _reached_rank(project: Project) -> int:
    for code, when in ((stages.PRODUCING, project.producing_on),
                       (stages.STARTED, project.started_on),
                       (stages.SIGNED, project.signed_on),
                       (stages.NEGOTIATING, project.negotiating_on)):
        if when is not None:
            return stages.rank(code)
    return 0


def drop(uow: UnitOfWork, actor: Actor, project_id: int, on: dt.date, reason: str,
         expected_version: int | None = None) -> ProjectRow:
    permissions.require(uow, actor, "pipeline.drop",
                        project=get_or_404(uow.session, Project, project_id, "项目"))
    return advance(uow, actor, project_id, stages.DROPPED, on, reason=reason,
                   expected_version=expected_version)


# --- further records ------------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementRow:
    id: int
    kind: str
    signed_on: dt.date
    amount: Decimal
    event_id: int | None
    event: str
    note: str
    voided: bool


@dataclass(frozen=True)
class StartRow:
    id: int
    kind: str
    started_on: dt.date
    note: str
    voided: bool


@dataclass(frozen=True)
class FundingRow:
    id: int
    received_on: dt.date
    amount: Decimal
    evidence: str


def add_agreement(uow: UnitOfWork, actor: Actor, project_id: int,
                  data: AgreementInput, reason: str = "") -> ProjectRow:
    """A further agreement for a signed project (e.g. the 正式合同 after a 框架协议).

    One dated before the project's lead or negotiation date needs a manager's ``reason``."""
    project = load_for_write(uow, actor, project_id, None, action="pipeline.add_agreement")
    if project.signed_on is None:
        raise ValidationError("项目尚未签约：请用“推进阶段 → 已签约”录入第一份协议",
                              code="agreement.not_signed")
    _check_agreement(uow, data)
    reason = optional_text(reason)
    corrected: list[str] = []
    _in_order(uow, actor, project, "signed_on", data.signed_on, reason, corrected)
    before = snapshot(uow.session, "project", project)
    agreement = _record_agreement(uow, project, data)
    flush(uow)
    changes = diff({}, snapshot(uow.session, "agreement", agreement), prefix="agreement")
    changes += diff(before, snapshot(uow.session, "project", project))
    audit(uow, actor, "agreement", "project", project.id, name=project.name, changes=changes,
          **({"out_of_order": "；".join(corrected), "reason": reason} if corrected else {}))
    return get_project(uow, project.id)


def agreements(uow: UnitOfWork, project_id: int) -> list[AgreementRow]:
    stmt = (select(Agreement, Event.name).outerjoin(Event, Event.id == Agreement.event_id)
            .where(Agreement.project_id == project_id)
            .order_by(Agreement.signed_on, Agreement.id))
    return [AgreementRow(a.id, a.kind, a.signed_on, a.amount, a.event_id, name or "", a.note,
                         a.voided_at is not None) for a, name in uow.session.execute(stmt)]


def starts(uow: UnitOfWork, project_id: int) -> list[StartRow]:
    stmt = select(Start).where(Start.project_id == project_id).order_by(Start.started_on)
    return [StartRow(s.id, s.kind, s.started_on, s.note, s.voided_at is not None)
            for s in uow.session.scalars(stmt)]


def add_funding(uow: UnitOfWork, actor: Actor, project_id: int, received_on: dt.date,
                amount: Decimal, evidence: str = "") -> FundingRow:
    """到位资金: money actually invested, with an evidence note, its origin and kind left
    未填 (counted in the totals, under none of the origins). The window, the ledger and the
    demo record receipts with origin, kind and currency: :func:`crm.services.funds.add_receipt`."""
    project = load_for_write(uow, actor, project_id, None, action="pipeline.add_funding")
    check_date(received_on, "到位日期", "received_on", past=True)
    if amount is None:
        raise ValidationError("请填写到位金额", code="amount.required", field="amount")
    check_amount(amount, field="amount", label="到位金额", positive=True)
    if project.signed_on is None:
        raise ValidationError("项目尚未签约，不能登记到位资金", code="funding.not_signed")
    row = Funding(project_id=project_id, received_on=received_on, amount=amount,
                  evidence=optional_text(evidence))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "funding", "project", project.id, name=project.name, funding_id=row.id,
          changes=diff({}, snapshot(uow.session, "funding", row), prefix="funding"))
    return FundingRow(row.id, row.received_on, row.amount, row.evidence)


def fundings(uow: UnitOfWork, project_id: int) -> list[FundingRow]:
    stmt = select(Funding).where(Funding.project_id == project_id).order_by(Funding.received_on)
    return [FundingRow(f.id, f.received_on, f.amount, f.evidence)
            for f in uow.session.scalars(stmt)]


def funds_total(uow: UnitOfWork, project_id: int) -> Decimal:
    total = uow.session.scalar(select(func.sum(Funding.amount))
                               .where(Funding.project_id == project_id))
    return total or Decimal(0)


def set_registered(uow: UnitOfWork, actor: Actor, project_id: int,
                   on: dt.date | None) -> ProjectRow:
    """入统: the date the project entered the statistics (None clears it)."""
    project = load_for_write(uow, actor, project_id, None, action="pipeline.set_registered")
    check_date(on, "入统日期", "registered_on", required=False, past=True)
    before = snapshot(uow.session, "project", project)
    project.registered_on = on
    flush(uow)
    changes = diff(before, snapshot(uow.session, "project", project))
    if changes:
        audit(uow, actor, "update", "project", project.id, name=project.name, changes=changes)
    return get_project(uow, project.id)
