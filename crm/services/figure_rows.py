"""The figures of DESIGN §3 read from the rows themselves: the definition.

crm.services.metrics reads whole months from the rollup (crm.services.cells) and uses these
for the rest: the partial months at a period's ends, the dates that fall in as-of's own month,
and every figure whose filters span two dimensions. With ``cells`` switched off (tests) the
figures are these alone, which is how the rollup is proved equal to them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    extract,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from crm import stages
from crm.db import UnitOfWork
from crm.models import Agreement, Funding, Project
from crm.money import Money
from crm.services.periods import Filters, Period, _signed_where, _started_expr

REACHED = {stages.LEAD: Project.lead_on, stages.NEGOTIATING: Project.negotiating_on,
           stages.SIGNED: Project.signed_on, stages.STARTED: Project.started_on,
           stages.PRODUCING: Project.producing_on}
_COLS = list(REACHED.values())


def _signed_between(first: dt.date, last: dt.date, f: Filters) -> list[ColumnElement[bool]]:
    return [Project.signed_on >= first, Project.signed_on <= last, *f.conditions()]


def _amount(where: list[Any], as_of: dt.date, since: dt.date | None = None,
            by: Any = None) -> Any:
    cols = [by, func.sum(Agreement.amount)] if by is not None else [func.sum(Agreement.amount)]
    stmt = (select(*cols).join(Project, Project.id == Agreement.project_id)
            .where(*where, Agreement.voided_at.is_(None), Agreement.signed_on <= as_of))
    if since is not None:
        stmt = stmt.where(Agreement.signed_on >= since)
    return stmt.group_by(by) if by is not None else stmt


def _funds(where: list[Any], as_of: dt.date, since: dt.date | None = None) -> Any:
    stmt = (select(func.sum(Funding.amount)).join(Project, Project.id == Funding.project_id)
            .where(*where, Funding.received_on <= as_of))
    return stmt.where(Funding.received_on >= since) if since is not None else stmt


# --- the start rate -----------------------------------------------------------------------------
def _signed(period: Period, as_of: dt.date, f: Filters, clamp: bool) -> list[Any]:
    """Signed in the period and by as-of; ``clamp=False``: in the period, whenever (a part
    the cells counted whole and the rows take away may lie after as-of)."""
    return _signed_where(period, as_of, f) if clamp else \
        _signed_between(period.start, period.end, f)


def start_rate_stmt(period: Period, as_of: dt.date, f: Filters, clamp: bool = True,
                    money: bool = True) -> Any:
    """One row: 签约数, 开工数 and (``money``) 签约金额 and 到位资金 of the projects signed in
    the period."""
    where = _signed(period, as_of, f, clamp)
    cols: list[Any] = [func.count(),
                       func.coalesce(func.sum(case((_started_expr(as_of), 1), else_=0)), 0)]
    if money:
        # one pass over the signed range; each project's agreements and receipts summed from
        # their own indexes (three passes cost three times the range at a million projects)
        amount = (select(func.sum(Agreement.amount)).where(
            Agreement.project_id == Project.id, Agreement.voided_at.is_(None),
            Agreement.signed_on <= as_of).correlate(Project).scalar_subquery())
        funds = (select(func.sum(Funding.amount)).where(
            Funding.project_id == Project.id, Funding.received_on <= as_of)
            .correlate(Project).scalar_subquery())
        cols += [type_coerce(func.sum(amount), Money()), type_coerce(func.sum(funds), Money())]
    return select(*cols).select_from(Project).where(*where)


def _started_between(since: dt.date, until: dt.date) -> Any:
    """Live projects started in [since, until], from the start-date index."""
    return select(Project.id).where(Project.started_on >= since, Project.started_on <= until,
                                    Project.deleted_at.is_(None))


_SAME_YEAR = extract("year", Project.started_on) == extract("year", Project.signed_on)


_STARTED = aliased(Project, name="started")  # built once: an alias proxies every column


def _signed_project(project_id: Any, where: list[Any]) -> ColumnElement[bool]:
    """The project ``project_id`` is one of ``where``'s, looked up by its key: a scalar
    subquery, which PostgreSQL runs for each row where it turned EXISTS or IN into a join
    that walked the whole signed range (the period's projects, ~60,000 at a million) for a
    fortnight's dates."""
    return select(Project.id).where(Project.id == project_id, *where) \
        .scalar_subquery().is_not(None)


def dated_stmt(first: dt.date, last: dt.date, since: dt.date, until: dt.date, f: Filters,
               money: bool = True) -> Any:
    """One row: of the projects signed in [first, last], their starts in the signing's year
    and (``money``) their agreements and receipts dated in [since, until] (the share of
    as-of's month the cells leave to the rows, crm.services.cells.Split.late). Each read
    walks the dates' own index (starts, agreements, receipts of a few days) and looks up
    each one's project."""
    where = [*_signed_between(first, last, f), _SAME_YEAR]
    started = _STARTED
    cols: list[Any] = [select(func.count()).select_from(started).where(
        started.started_on >= since, started.started_on <= until, started.deleted_at.is_(None),
        _signed_project(started.id, where)).scalar_subquery()]
    if money:
        where = where[:-1]
        amount = select(func.sum(Agreement.amount)).where(
            Agreement.signed_on >= since, Agreement.signed_on <= until,
            Agreement.voided_at.is_(None), _signed_project(Agreement.project_id, where))
        funds = select(func.sum(Funding.amount)).where(
            Funding.received_on >= since, Funding.received_on <= until,
            _signed_project(Funding.project_id, where))
        cols += [type_coerce(amount.scalar_subquery(), Money()),
                 type_coerce(funds.scalar_subquery(), Money())]
    return select(*cols)


# --- the funnel ---------------------------------------------------------------------------------
def funnel(uow: UnitOfWork, start: dt.date, end: dt.date, as_of: dt.date,
           f: Filters) -> tuple[list[int], list[int]]:
    """Per stage: the projects that reached it in [start, end], and how many of those reached
    the next stage by as-of."""
    # One range per stage, each read from the index that holds that stage's date and the next
    # one's (migration 0007): the stage's count, and how many of those went on by as-of.
    parts = []
    for i, col in enumerate(_COLS):
        went_on: Any = literal(0)
        if i + 1 < len(_COLS):
            after = _COLS[i + 1]
            went_on = func.coalesce(func.sum(case((and_(after.is_not(None), after <= as_of), 1),
                                                  else_=0)), 0)
        parts.append(select(literal(i), func.count(), went_on)
                     .where(col >= start, col <= end, *f.conditions()))
    result: Any = uow.session.execute(union_all(*parts))
    counts = {int(i): (int(n), int(m)) for i, n, m in result}
    return ([counts.get(i, (0, 0))[0] for i in range(len(_COLS))],
            [counts.get(i, (0, 0))[1] for i in range(len(_COLS))])


def funnel_dated(uow: UnitOfWork, first: dt.date, last: dt.date, since: dt.date,
                 until: dt.date, f: Filters) -> list[int]:
    """Per stage: of the projects that reached it in [first, last], those that reached the
    next stage in [since, until] (read from the next stage's index)."""
    parts = [select(literal(i), func.count()).where(
        after >= since, after <= until, col >= first, col <= last, *f.conditions())
        for i, (col, after) in enumerate(pairwise(_COLS))]
    counts = {int(i): int(n) for i, n in uow.session.execute(union_all(*parts))}
    return [counts.get(i, 0) for i in range(len(_COLS))]


# --- breakdowns ---------------------------------------------------------------------------------
def breakdown(uow: UnitOfWork, column: Any, period: Period, as_of: dt.date,
              f: Filters, clamp: bool = True) -> dict[Any, list[Any]]:
    """Per value of ``column``: [signed, started, signed amount]."""
    where = _signed(period, as_of, f, clamp)
    out: dict[Any, list[Any]] = {}
    counted: Any = uow.session.execute(
        select(column, func.count(), func.sum(case((_started_expr(as_of), 1), else_=0)))
        .where(*where).group_by(column))
    for k, n, st in counted:
        out[k] = [int(n), int(st or 0), Decimal(0)]
    for k, amount in uow.session.execute(_amount(where, as_of, by=column)):
        out.setdefault(k, [0, 0, Decimal(0)])[2] += amount or Decimal(0)
    return out


def breakdown_dated(uow: UnitOfWork, column: Any, first: dt.date, last: dt.date,
                    since: dt.date, until: dt.date, f: Filters) -> dict[Any, list[Any]]:
    """Per value of ``column``: [0, starts, agreements] dated in [since, until] (see
    :func:`dated`)."""
    where = _signed_between(first, last, f)
    out: dict[Any, list[Any]] = {}
    starts: Any = uow.session.execute(
        select(column, func.count()).where(Project.id.in_(_started_between(since, until)),
                                           *where, _SAME_YEAR).group_by(column))
    for k, st in starts:
        out[k] = [0, int(st), Decimal(0)]
    for k, amount in uow.session.execute(_amount(where, until, since, by=column)):
        out.setdefault(k, [0, 0, Decimal(0)])[2] += amount or Decimal(0)
    return out


# --- months, 签约未开工, receipts ----------------------------------------------------------------
def monthly(uow: UnitOfWork, start: dt.date, end: dt.date,
            f: Filters) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Signings and starts (of any signing year) by (year, month) in [start, end]."""
    def counted(col: Any) -> dict[tuple[int, int], int]:
        y, m = extract("year", col), extract("month", col)
        stmt = (select(y, m, func.count()).where(col >= start, col <= end, *f.conditions())
                .group_by(y, m))
        return {(int(a), int(b)): int(n) for a, b, n in uow.session.execute(stmt)}

    return counted(Project.signed_on), counted(Project.started_on)


def pending_where(period: Period, as_of: dt.date, f: Filters,
                  clamp: bool = True) -> list[ColumnElement[bool]]:
    return [*_signed(period, as_of, f, clamp),
            or_(Project.started_on.is_(None), Project.started_on > as_of),
            or_(Project.dropped_on.is_(None), Project.dropped_on > as_of)]


def pending_count_stmt(period: Period, as_of: dt.date, f: Filters, clamp: bool = True) -> Any:
    """One row: how many of the period's signed projects are neither started nor dropped by
    as-of."""
    return select(func.count()).select_from(Project).where(
        *pending_where(period, as_of, f, clamp))


def exits_dated_stmt(first: dt.date, last: dt.date, since: dt.date, until: dt.date,
                     f: Filters) -> Any:
    """One row: of the projects signed in [first, last], those whose first start or drop is
    dated in [since, until] (they left 签约未开工 then)."""
    live = Project.deleted_at.is_(None)
    moved = union_all(
        select(Project.id).where(Project.started_on >= since, Project.started_on <= until, live),
        select(Project.id).where(Project.dropped_on >= since, Project.dropped_on <= until, live))
    return select(func.count()).select_from(Project).where(
        Project.id.in_(moved), *_signed_between(first, last, f),
        or_(Project.started_on.is_(None), Project.started_on >= since),
        or_(Project.dropped_on.is_(None), Project.dropped_on >= since))


def receipts(uow: UnitOfWork, start: dt.date, end: dt.date, f: Filters) -> Decimal:
    """Receipts dated in [start, end], on any live project (当年实际到位资金)."""
    return uow.session.scalar(
        select(func.sum(Funding.amount)).join(Project, Project.id == Funding.project_id)
        .where(Funding.received_on >= start, Funding.received_on <= end, *f.conditions())
    ) or Decimal(0)
