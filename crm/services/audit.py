"""Reading the audit log: a record's history (变更记录) and the whole log for managers.

Every write records who, when, and each changed field's old and new value (see
crm.services.common.audit and crm.services.audit_fields); this module turns those entries into
plain rows with Chinese labels. A project's history holds its agreements, funds, attachments
and contact logs; a company's holds its contacts and the contact logs not about a project.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import AuditEntry, Contact, ContactLog, Funding, User
from crm.services.audit_fields import ACTION_NAMES, ENTITY_NAMES, field_of
from crm.services.common import Actor
from crm.stages import NAMES as STAGE_NAMES

HISTORY_LIMIT = 500  # a record's history shows its latest 500 changes
NOBODY = "系统"  # entries written before the actor's name was kept, without an account


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    unit: str = ""

    @property
    def text(self) -> str:
        """``计划总投资：5000.00 → 6000.00 万元``; a new value alone, a removed one → （空）."""
        unit = f" {self.unit}" if self.unit else ""
        if not self.old:
            return f"{self.label}：{self.new}{unit}"
        if not self.new:
            return f"{self.label}：{self.old}{unit} → （空）"
        return f"{self.label}：{self.old} → {self.new}{unit}"


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: dt.datetime  # local time
    actor: str
    user_id: int | None
    action: str  # in Chinese: 新建, 修改, 阶段变更 …
    entity: str  # the kind of record, in Chinese: 项目, 企业 …
    entity_id: int | None
    subject: str  # the record's name at the time
    changes: tuple[FieldChange, ...]
    note: str = ""  # e.g. the reason of a stage change

    @property
    def summary(self) -> str:
        parts = [c.text for c in self.changes]
        if self.note:
            parts.append(self.note)
        return "；".join(parts)


@dataclass(frozen=True)
class LogQuery:
    """A filter of the whole log. ``user_id`` or ``actor_name`` (a person without an account,
    e.g. the operating-system user of a command-line change); dates are local days."""

    user_id: int | None = None
    actor_name: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    entity: str | None = None  # "project", "company" …
    entity_id: int | None = None


@dataclass(frozen=True)
class LogPage:
    rows: tuple[HistoryEntry, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Person:
    """Someone who appears in the log: an account (``user_id``) or a name only."""

    user_id: int | None
    name: str


# --- reading entries ------------------------------------------------------------------------
def _local(at: dt.datetime) -> dt.datetime:
    """Entries are stored in UTC (crm.models.base._now); people read their own clock."""
    return at.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def _utc(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as the stored UTC time."""
    return dt.datetime.combine(day, dt.time()).astimezone(dt.UTC).replace(tzinfo=None)


def _changes(entry: AuditEntry, detail: dict[str, Any]) -> tuple[FieldChange, ...]:
    raw = detail.get("changes")
    if not raw and entry.action == "import":  # the summary entry of a ledger import
        raw = [[key, "", str(detail[key])] for key in ("file", "sheet", "created", "updated",
                                                      "unchanged") if key in detail]
    out = []
    for item in raw or ():
        if isinstance(item, list | tuple) and len(item) == 3:
            key, old, new = (str(x) for x in item)
            f = field_of(entry.entity, key)
            out.append(FieldChange(f.label, old, new, f.unit))
    return tuple(out)


def _note(entry: AuditEntry, detail: dict[str, Any]) -> str:
    reason = str(detail.get("reason") or "")
    said = any(isinstance(c, list) and reason in c[2:] for c in detail.get("changes") or ())
    if entry.action == "stage" and reason and not said:  # a drop's reason is a field already
        return f"原因：{reason}"
    if entry.action == "stage" and not detail.get("changes"):  # written before field changes
        old, new = detail.get("from_stage"), detail.get("to_stage")
        return f"阶段：{STAGE_NAMES.get(str(old), old or '')} → {STAGE_NAMES.get(str(new), new)}"
    return ""


def _entry(entry: AuditEntry, account_name: str | None) -> HistoryEntry:
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    subject = str(detail.get("name") or detail.get("file") or detail.get("key") or "")
    return HistoryEntry(
        id=entry.id, at=_local(entry.at),
        actor=entry.actor_name or account_name or NOBODY, user_id=entry.user_id,
        action=ACTION_NAMES.get(entry.action, entry.action),
        entity=ENTITY_NAMES.get(entry.entity, entry.entity), entity_id=entry.entity_id,
        subject=subject, changes=_changes(entry, detail), note=_note(entry, detail))


def _rows(uow: UnitOfWork, where: ColumnElement[bool], offset: int, limit: int
          ) -> list[HistoryEntry]:
    stmt = (select(AuditEntry, User.display_name)
            .outerjoin(User, User.id == AuditEntry.user_id).where(where)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit))
    return [_entry(e, name) for e, name in uow.session.execute(stmt)]


# --- a record's history ---------------------------------------------------------------------
def _subject(kind: str, ident: int) -> ColumnElement[bool]:
    return and_(AuditEntry.entity == kind, AuditEntry.entity_id == ident)


def project_history(uow: UnitOfWork, project_id: int) -> list[HistoryEntry]:
    """What happened to a project, newest first: its edits, stage moves, agreements, funds,
    attachments and contact logs, each with who, when and the changed fields."""
    # Entries written before they were filed under the project (agreements kept the project's
    # id, funds and contact logs their own).
    funds = select(Funding.id).where(Funding.project_id == project_id)
    logs = select(ContactLog.id).where(ContactLog.project_id == project_id)
    where = or_(_subject("project", project_id), _subject("agreement", project_id),
                and_(AuditEntry.entity == "funding", AuditEntry.entity_id.in_(funds)),
                and_(AuditEntry.entity == "contact_log", AuditEntry.entity_id.in_(logs)))
    return _rows(uow, where, 0, HISTORY_LIMIT)


def company_history(uow: UnitOfWork, company_id: int) -> list[HistoryEntry]:
    """What happened to a company, newest first, its contacts included."""
    contacts = select(Contact.id).where(Contact.company_id == company_id)
    where = or_(_subject("company", company_id),
                and_(AuditEntry.entity == "contact", AuditEntry.entity_id.in_(contacts)))
    return _rows(uow, where, 0, HISTORY_LIMIT)


# --- the whole log (managers) ---------------------------------------------------------------
def _filter(q: LogQuery) -> ColumnElement[bool]:
    if q.date_from and q.date_to and q.date_to < q.date_from:
        raise ValidationError("结束日期不能早于开始日期", code="period.order")
    terms: list[ColumnElement[bool]] = [AuditEntry.id.is_not(None)]
    if q.user_id is not None:
        terms.append(AuditEntry.user_id == q.user_id)
    if q.actor_name is not None:
        terms.append(and_(AuditEntry.user_id.is_(None), AuditEntry.actor_name == q.actor_name))
    if q.date_from is not None:
        terms.append(AuditEntry.at >= _utc(q.date_from))
    if q.date_to is not None:
        terms.append(AuditEntry.at < _utc(q.date_to + dt.timedelta(days=1)))
    if q.entity == "project" and q.entity_id is not None:
        terms.append(_subject("project", q.entity_id))
    elif q.entity == "company" and q.entity_id is not None:
        terms.append(_subject("company", q.entity_id))
    elif q.entity is not None:
        terms.append(AuditEntry.entity == q.entity)
        if q.entity_id is not None:
            terms.append(AuditEntry.entity_id == q.entity_id)
    return and_(*terms)


def audit_log(uow: UnitOfWork, actor: Actor, query: LogQuery | None = None, offset: int = 0,
              limit: int = 200) -> LogPage:
    """The whole log, newest first, one page of it (managers only)."""
    permissions.require(uow, actor, "audit.audit_log")
    q = query or LogQuery()
    where = _filter(q)
    total = int(uow.session.scalar(select(func.count(AuditEntry.id)).where(where)) or 0)
    offset, limit = max(0, offset), max(1, min(limit, 1000))
    return LogPage(tuple(_rows(uow, where, offset, limit)), total, offset, limit)


def log_people(uow: UnitOfWork, actor: Actor) -> list[Person]:
    """Everyone the log names (for the person filter): accounts, then names without one."""
    permissions.require(uow, actor, "audit.log_people")
    accounts = uow.session.execute(
        select(User.id, User.display_name).where(User.id.in_(
            select(AuditEntry.user_id).where(AuditEntry.user_id.is_not(None)).distinct()))
        .order_by(User.sort_key, User.id))
    names = uow.session.scalars(
        select(AuditEntry.actor_name).where(AuditEntry.user_id.is_(None),
                                            AuditEntry.actor_name != "")
        .distinct().order_by(AuditEntry.actor_name))
    return ([Person(i, n) for i, n in accounts]
            + [Person(None, n) for n in names])


def find_person(uow: UnitOfWork, text: str) -> LogQuery:
    """The person filter for ``text``: an account's id, exact login or display name (any
    case), else a name the log records for changes without an account."""
    key = (text or "").strip()
    if not key:
        raise ValidationError("请填写要查看的人员", code="audit.user")
    if key.isdigit() and uow.session.get(User, int(key)) is not None:
        return LogQuery(user_id=int(key))
    ids = list(uow.session.scalars(select(User.id).where(or_(
        func.lower(User.login) == key.lower(), User.display_name == key))))
    if len(ids) == 1:
        return LogQuery(user_id=ids[0])
    if len(ids) > 1:
        raise ValidationError(f"有 {len(ids)} 个用户名为“{key}”，请用编号：{ids}",
                              code="audit.user.ambiguous")
    found = uow.session.scalar(select(AuditEntry.id).where(AuditEntry.user_id.is_(None),
                                                           AuditEntry.actor_name == key).limit(1))
    if found is None:
        raise ValidationError(f"找不到人员“{key}”", code="audit.user.missing")
    return LogQuery(actor_name=key)
