"""签约未开工: the projects signed in a period with no start by as-of and not dropped by then,
longest waiting first, a screen at a time, and how many there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased

from crm.db import UnitOfWork
from crm.models import Agreement, Company, Industry, Project, User
from crm.services import cells, figure_rows
from crm.services.periods import Filters, Period, _signed_where


# --- signed, not started --------------------------------------------------------------------
@dataclass(frozen=True)
class PendingRow:
    project_id: int
    name: str
    company: str
    industry: str
    owner: str
    signed_on: dt.date
    days_since_signing: int
    signed_amount: Decimal
    stage: str


PENDING_SCREEN = 200  # the 工作台's first screen of 签约未开工; more on scroll


def _pending_where(period: Period, as_of: dt.date,
                   filters: Filters | None) -> list[ColumnElement[bool]]:
    return figure_rows.pending_where(period, as_of, filters or Filters())


def count_signed_not_started(uow: UnitOfWork, period: Period, as_of: dt.date,
                             filters: Filters | None = None) -> int:
    """How many projects ``signed_not_started`` lists: of the signed, those not yet out by a
    start or a drop (whole months from the rollup, the rest from the rows)."""
    f = filters or Filters()
    sel = cells.selection(uow, f) if cells.ENABLED else None
    if sel is None:
        reads = [(figure_rows.pending_count_stmt(period, as_of, f), 1)]
    else:  # all in one statement, as the start rate (crm.services.metrics)
        sp = cells.split(period, as_of)
        reads = [(figure_rows.pending_count_stmt(part, as_of, f, clamp=False), sign)
                 for part, sign in sp.parts]
        if sp.full is not None:
            reads.append((cells.pending_stmt(sel, sp.months, sp.before), 1))
            if sp.late is not None:
                since, until, sign = sp.late
                reads.append((figure_rows.exits_dated_stmt(*sp.full, since, until, f), -sign))
    if not reads:
        return 0
    rows = cells.together(uow, [stmt for stmt, _ in reads])
    return sum(sign * int(row[0] or 0) for (_, sign), row in zip(reads, rows, strict=True))


def signed_not_started(uow: UnitOfWork, period: Period, as_of: dt.date,
                       filters: Filters | None = None, *, offset: int = 0,
                       limit: int | None = None) -> list[PendingRow]:
    """签约未开工: signed in the period, no start on or before as-of, not dropped by then;
    longest waiting first. ``limit`` rows from row ``offset`` when given (the 工作台 reads a
    screen at a time: the rows stream in the signed index's order, each screen reads only its
    own projects' rows)."""
    where = _signed_where(period, as_of, filters or Filters())
    owner = aliased(User)
    amount = (select(func.coalesce(func.sum(Agreement.amount), 0))
              .where(Agreement.project_id == Project.id, Agreement.voided_at.is_(None),
                     Agreement.signed_on <= as_of).correlate(Project).scalar_subquery())
    stmt = (select(Project.id, Project.name, Company.name, Industry.name, owner.display_name,
                   Project.signed_on, amount, Project.stage)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(Industry, Industry.id == Project.industry_id)
            .outerjoin(owner, owner.id == Project.owner_id)
            .where(*where, or_(Project.started_on.is_(None), Project.started_on > as_of),
                   or_(Project.dropped_on.is_(None), Project.dropped_on > as_of))
            .order_by(Project.signed_on, Project.id))
    if offset or limit is not None:
        # the screen's ids from the signed index alone (skipping rows costs no join), then
        # their rows; ordered by deleted_at first (NULL in every live row) so that PostgreSQL
        # streams them in the index's order and stops at the screen instead of sorting all
        ids = (select(Project.id).where(*_pending_where(period, as_of, filters))
               .order_by(Project.deleted_at, Project.signed_on, Project.id)
               .offset(offset or None).limit(limit))
        stmt = stmt.where(Project.id.in_(list(uow.session.scalars(ids))))
    rows: Any = uow.session.execute(stmt)
    return [PendingRow(pid, name, company, ind or "", own or "", signed,
                       (as_of - signed).days, Decimal(amt or 0), stage)
            for pid, name, company, ind, own, signed, amt, stage in rows]
