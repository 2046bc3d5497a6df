"""提醒: signed projects that need a push, by three rules (docs/figures.md, "提醒").

A project is watched while it is signed, not started, not dropped and not deleted. As of
``today``:

- ``signed_long`` 签约超期未开工: signed N or more days ago (N = ``alerts.signed_days``,
  default 90): day N−1 is quiet, day N alerts;
- ``planned_passed`` 逾期未开工: its 计划开工(开业)日期 is before today (the planned day
  itself is not yet late);
- ``no_contact`` 久未接洽: no contact logged on the project for M or more days (M =
  ``alerts.quiet_days``, default 30), counted from its latest contact, or from its signing
  when the latest contact is older or there is none.

The thresholds are settings a manager sets. Staff see their own projects' alerts, managers
everyone's, by owner.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, ContactLog, FigureCell, Project, User
from crm.services import cells
from crm.services.common import Actor
from crm.services.settings import _store, get_setting

SIGNED_DAYS = "alerts.signed_days"
QUIET_DAYS = "alerts.quiet_days"
DEFAULT_SIGNED_DAYS = 90
DEFAULT_QUIET_DAYS = 30
RULES = {"signed_long": "签约超期未开工", "planned_passed": "逾期未开工",
         "no_contact": "久未接洽"}


@dataclass(frozen=True)
class Thresholds:
    signed_days: int = DEFAULT_SIGNED_DAYS  # N
    quiet_days: int = DEFAULT_QUIET_DAYS  # M


def thresholds(uow: UnitOfWork) -> Thresholds:
    def number(key: str, default: int) -> int:
        value = get_setting(uow, key, default)
        return value if isinstance(value, int) and value > 0 else default
    return Thresholds(number(SIGNED_DAYS, DEFAULT_SIGNED_DAYS),
                      number(QUIET_DAYS, DEFAULT_QUIET_DAYS))


def set_thresholds(uow: UnitOfWork, actor: Actor, signed_days: int,
                   quiet_days: int) -> Thresholds:
    """A manager sets N (days signed without a start) and M (days without a contact)."""
    permissions.require(uow, actor, "alerts.set_thresholds")
    for value, name, fname in ((signed_days, "签约未开工提醒天数", "signed_days"),
                               (quiet_days, "未接洽提醒天数", "quiet_days")):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
            raise ValidationError(f"{name}应为 1 到 3650 之间的整数", code="alerts.days",
                                  field=fname)
    _store(uow, actor, SIGNED_DAYS, signed_days)
    _store(uow, actor, QUIET_DAYS, quiet_days)
    return Thresholds(signed_days, quiet_days)


@dataclass(frozen=True)
class AlertRow:
    rule: str
    project_id: int
    project: str
    company: str
    owner_id: int | None
    owner: str
    signed_on: dt.date
    planned_start_on: dt.date | None
    last_contact_on: dt.date | None
    days: int  # since signing / past the planned date / since the last contact (or signing)

    @property
    def rule_name(self) -> str:
        return RULES[self.rule]

    @property
    def detail(self) -> str:
        if self.rule == "signed_long":
            return f"签约 {self.days} 天未开工"
        if self.rule == "planned_passed":
            return f"计划 {self.planned_start_on} 开工，已逾期 {self.days} 天"
        since = f"上次接洽 {self.last_contact_on}" if self.last_contact_on else "签约后无接洽记录"
        return f"{self.days} 天未接洽（{since}）"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "rule_name": self.rule_name, "project_id": self.project_id,
                "project": self.project, "company": self.company, "owner": self.owner,
                "signed_on": self.signed_on.isoformat(),
                "planned_start_on": self.planned_start_on.isoformat()
                if self.planned_start_on else None,
                "last_contact_on": self.last_contact_on.isoformat()
                if self.last_contact_on else None, "days": self.days, "detail": self.detail}


@dataclass(frozen=True)
class Alerts:
    today: dt.date
    thresholds: Thresholds
    rows: list[AlertRow] = field(default_factory=list)

    def count(self, rule: str | None = None) -> int:
        return sum(1 for r in self.rows if rule is None or r.rule == rule)

    @property
    def projects(self) -> int:
        """Projects with at least one alert."""
        return len({r.project_id for r in self.rows})

    def by_owner(self) -> list[tuple[str, int]]:
        """(owner, alerts), most first."""
        counts = Counter(r.owner or "（未指定）" for r in self.rows)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def to_json(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "signed_days": self.thresholds.signed_days,
                "quiet_days": self.thresholds.quiet_days,
                "counts": {rule: self.count(rule) for rule in RULES},
                "alerts": [r.to_json() for r in self.rows]}


def alerts(uow: UnitOfWork, today: dt.date, owner_ids: tuple[int, ...] = ()) -> Alerts:
    """Every alert as of ``today`` (only ``owner_ids``' projects when given), by owner, rule
    and most days first."""
    limits = thresholds(uow)
    owner = aliased(User)
    last = (select(func.max(ContactLog.logged_on)).where(ContactLog.project_id == Project.id)
            .correlate(Project).scalar_subquery())
    stmt = (select(Project.id, Project.name, Company.name, Project.owner_id, owner.display_name,
                   owner.sort_key, Project.signed_on, Project.planned_start_on, last)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(owner, owner.id == Project.owner_id)
            .where(*_watched(today)))
    if owner_ids:
        stmt = stmt.where(Project.owner_id.in_(owner_ids))
    found: list[tuple[str, AlertRow]] = []
    order = list(RULES)
    rows: Any = uow.session.execute(stmt)
    for pid, name, company, oid, own, key, signed, planned, contact in rows:
        def row(rule: str, days: int, pid: int = pid, name: str = name, company: str = company,
                oid: int | None = oid, own: str | None = own, signed: dt.date = signed,
                planned: dt.date | None = planned, contact: dt.date | None = contact
                ) -> AlertRow:
            return AlertRow(rule, pid, name, company, oid, own or "", signed, planned, contact,
                            days)
        waited = (today - signed).days
        if waited >= limits.signed_days:
            found.append((key or "", row("signed_long", waited)))
        if planned is not None and planned < today:
            found.append((key or "", row("planned_passed", (today - planned).days)))
        quiet = (today - max(contact or signed, signed)).days
        if quiet >= limits.quiet_days:
            found.append((key or "", row("no_contact", quiet)))
    found.sort(key=lambda kr: (kr[1].owner_id is None, kr[0], kr[1].owner,
                               order.index(kr[1].rule), -kr[1].days, kr[1].project_id))
    return Alerts(today, limits, [r for _k, r in found])


def _watched(today: dt.date) -> list[Any]:
    return [Project.deleted_at.is_(None), Project.signed_on.is_not(None),
            Project.signed_on <= today, Project.started_on.is_(None), Project.dropped_on.is_(None)]


def alerted_projects(uow: UnitOfWork, today: dt.date, owner_ids: tuple[int, ...] = ()) -> int:
    """How many projects have at least one alert (the rail's count), without building the list
    (33,000 alerts at 100k projects), and without reading every watched project: a project
    signed N days ago or more alerts whatever else is true, and those are counted from the
    figures' rollup (crm.rollup: the ``exit`` cells with no start and no drop, by signing
    month) for whole months and from the signed index for the days of the cut's own month;
    only the projects signed in the last N days are read one by one (their planned start,
    their latest contact). Equal to :func:`_alerted_from_rows`, the definition."""
    if not cells.ENABLED:
        return _alerted_from_rows(uow, today, owner_ids)
    limits = thresholds(uow)
    cut = today - dt.timedelta(days=limits.signed_days)  # signed on or before: signed_long
    first = cut.replace(day=1)
    sel = (cells.Selection("owner", tuple(str(i) for i in owner_ids)) if owner_ids
           else cells.ALL)
    c = FigureCell
    whole = select(func.coalesce(func.sum(c.n), 0)).where(
        c.dim == sel.dim, c.kind == "exit", c.month < cells.month_of(first), c.at_month == 0,
        c.member.in_(sel.members or ("",)))
    count = int(uow.session.scalar(whole) or 0)
    mine = [Project.owner_id.in_(owner_ids)] if owner_ids else []
    # watched, as one condition on the signed index's columns: "started_on IS NULL" alone
    # took SQLite's planner to the index of started projects, then every unstarted row
    watched = [Project.deleted_at.is_(None), Project.signed_on <= today,
               func.coalesce(Project.started_on, Project.dropped_on).is_(None)]
    # the cut's own month up to the cut, from the signed index alone
    count += int(uow.session.scalar(select(func.count()).select_from(Project).where(
        *watched, Project.signed_on >= first, Project.signed_on <= cut, *mine)) or 0)
    # signed since the cut: alerted by a planned start passed, or by no contact
    quiet_since = today - dt.timedelta(days=limits.quiet_days)
    recent = (select(ContactLog.id).where(ContactLog.project_id == Project.id,
                                           ContactLog.logged_on > quiet_since)
              .correlate(Project).exists())
    count += int(uow.session.scalar(select(func.count()).select_from(Project).where(
        *watched, Project.signed_on > cut, *mine,
        or_(Project.planned_start_on < today,
            and_(Project.signed_on <= quiet_since, ~recent)))) or 0)
    return count


def _alerted_from_rows(uow: UnitOfWork, today: dt.date, owner_ids: tuple[int, ...] = ()) -> int:
    """:func:`alerted_projects` counted on the projects alone (every watched one: seconds at a
    million); the same rules as :func:`alerts`."""
    limits = thresholds(uow)
    last = (select(func.max(ContactLog.logged_on)).where(ContactLog.project_id == Project.id)
            .correlate(Project).scalar_subquery())
    quiet_since = today - dt.timedelta(days=limits.quiet_days)
    stmt = select(func.count()).select_from(Project).where(
        *_watched(today),
        or_(Project.signed_on <= today - dt.timedelta(days=limits.signed_days),
            Project.planned_start_on < today,
            and_(Project.signed_on <= quiet_since,
                 or_(last.is_(None), last <= quiet_since))))
    if owner_ids:
        stmt = stmt.where(Project.owner_id.in_(owner_ids))
    return int(uow.session.scalar(stmt) or 0)


def alerts_for(uow: UnitOfWork, actor: Actor, today: dt.date) -> Alerts:
    """What the 提醒 panel shows ``actor``: their own projects' alerts; a manager's, everyone's."""
    if actor.is_manager:
        return alerts(uow, today)
    if actor.user_id is None:
        return Alerts(today, thresholds(uow))
    return alerts(uow, today, (actor.user_id,))
