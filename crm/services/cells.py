"""Reading the figures' rollup (crm.rollup) for crm.services.metrics.

A figure over a period splits into the whole months inside it, read from the cells, and the
partial months at either end, read from the rows; a date that decides later (a start, an
agreement, a receipt) counts from the cells when its month is before as-of's month, from the
rows when it falls in as-of's own month, and not at all after. The rows stay the definition:
every figure computed here equals the direct query on the rows (tests compare them on random
histories), and a figure filtered on two dimensions or more reads the rows only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true, type_coerce

from crm import clock
from crm.bands import BAND_FLOORS, BANDS
from crm.db import UnitOfWork
from crm.models import FigureCell, Segment
from crm.money import Money
from crm.services.periods import Filters, Period

ENABLED = True  # False: every figure from the rows alone (the oracle in tests)


@dataclass(frozen=True)
class Selection:
    """The cells a figure reads: one dimension, and its members (None: all of them)."""

    dim: str
    members: tuple[str, ...] | None


ALL = Selection("all", ("",))


def selection(uow: UnitOfWork, filters: Filters) -> Selection | None:
    """The cells that answer a figure with these filters, or None when the filters name two
    dimensions or more (each cell belongs to one dimension: the rows decide)."""
    f = filters
    found: list[Selection] = []
    for dim, ids in (("industry", f.industry_ids), ("owner", f.owner_ids),
                     ("ambassador", f.ambassador_ids), ("event", f.event_ids)):
        if ids:
            found.append(Selection(dim, tuple(str(i) for i in ids)))
    if f.sources:
        found.append(Selection("source", tuple(f.sources)))
    if f.chain_ids or f.segment_ids:
        segments = set(f.segment_ids) if f.segment_ids else None
        if f.chain_ids:
            in_chains = set(uow.session.scalars(
                select(Segment.id).where(Segment.chain_id.in_(f.chain_ids))))
            segments = in_chains if segments is None else segments & in_chains
        found.append(Selection("segment", tuple(str(i) for i in sorted(segments or ()))))
    if f.band:
        floor = BAND_FLOORS[f.band]
        found.append(Selection("band", tuple(c for c, _, fl in BANDS if fl >= floor)))
    if len(found) > 1:
        return None
    return found[0] if found else ALL


def month_of(day: dt.date) -> int:
    return day.year * 100 + day.month


def _month_end(day: dt.date) -> dt.date:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Split:
    """A period up to as-of as whole months read from the cells (``full``: first and last
    day; None for none) and signing ranges read from the rows (``parts``: a period and +1 to
    add it or -1 to take it away). At each end the rows read the fewer days: the part of a
    month inside the period, or the part outside it, taken away from the whole month (the
    latter is free when the period ends today: nothing is dated after today, so it is
    chosen then).

    Of the dates that decide later (a start, an agreement, a receipt), the cells count those
    of months before ``before`` (``yyyymm``); ``late`` is the rows' share of as-of's own
    month: (since, until, +1) adds those dated from its first day to as-of, (since, until,
    -1) takes away those dated after as-of when the cells counted the whole month."""

    full: tuple[dt.date, dt.date] | None
    parts: tuple[tuple[Period, int], ...]
    before: int
    late: tuple[dt.date, dt.date, int] | None

    @property
    def months(self) -> tuple[int, int]:
        assert self.full is not None
        return month_of(self.full[0]), month_of(self.full[1])


def split(period: Period, as_of: dt.date) -> Split:
    start, end = period.start, min(period.end, as_of)
    if end < start:
        return Split(None, (), 0, None)
    parts: list[tuple[Period, int]] = []
    first, last = start, end
    if (start.year, start.month) == (end.year, end.month) and not (
            start.day == 1 and end == _month_end(end)):
        return Split(None, ((Period(start, end), 1),), 0, None)
    if start.day != 1:
        inside = (_month_end(start) - start).days + 1
        if start.day - 1 < inside:  # the whole month, less its days before the period
            first = start.replace(day=1)
            parts.append((Period(first, start - dt.timedelta(days=1)), -1))
        else:
            first = _month_end(start) + dt.timedelta(days=1)
            parts.append((Period(start, first - dt.timedelta(days=1)), 1))
    today = clock.today()
    if end != _month_end(end):
        # the whole month, less the days after: fewer days, or none dated yet (after today)
        if (_month_end(end) - end).days < end.day or end >= today:
            last = _month_end(end)
            parts.append((Period(end + dt.timedelta(days=1), last), -1))
        else:
            last = end.replace(day=1) - dt.timedelta(days=1)
            parts.append((Period(last + dt.timedelta(days=1), end), 1))
    if first > last:  # two partial months side by side: the rows alone
        return Split(None, ((Period(start, end), 1),), 0, None)
    here, month_end = as_of.replace(day=1), _month_end(as_of)
    if as_of == month_end:
        before, late = month_of(as_of) + 1, None
    elif (month_end - as_of).days < as_of.day or as_of >= today:
        before, late = month_of(as_of) + 1, (as_of + dt.timedelta(days=1), month_end, -1)
    else:
        before, late = month_of(as_of), (here, as_of, 1)
    return Split((first, last), tuple(parts), before, late)


def _where(sel: Selection, kinds: Sequence[str], months: tuple[int, int],
           before: int | None, same_year: bool) -> list[ColumnElement[bool]]:
    c = FigureCell
    out = [c.dim == sel.dim, c.kind.in_(kinds) if len(kinds) > 1 else c.kind == kinds[0],
           c.month >= months[0], c.month <= months[1]]
    if sel.members is not None:
        out.append(c.member.in_(sel.members))
    if before is not None:  # decided before as-of's month
        out += [c.at_month > 0, c.at_month < before]
    if same_year:  # … in the calendar year of the cell's month
        out.append(c.at_month <= c.month - c.month % 100 + 12)
    return out


def totals(uow: UnitOfWork, sel: Selection, kinds: Sequence[str], months: tuple[int, int], *,
           before: int | None = None, same_year: bool = False,
           by: str | None = None) -> dict[Any, tuple[int, Decimal]]:
    """Projects and amount (万元) of the cells, whole (key None) or by ``member``, ``month``
    or ``kind``."""
    c = FigureCell
    amount = type_coerce(func.coalesce(func.sum(c.amount), 0), Money())
    group: Any = {"member": c.member, "month": c.month, "kind": c.kind}.get(by or "")
    stmt = select(group if group is not None else func.min(c.dim), func.sum(c.n), amount) \
        .where(*_where(sel, kinds, months, before, same_year))
    if group is not None:
        stmt = stmt.group_by(group)
    out: dict[Any, tuple[int, Decimal]] = {}
    result: Any = uow.session.execute(stmt)
    for key, n, total in result:
        if group is None and key is None:  # no cell at all
            continue
        out[key if group is not None else None] = (int(n or 0), total or Decimal(0))
    return out


def total(uow: UnitOfWork, sel: Selection, kind: str, months: tuple[int, int], *,
          before: int | None = None, same_year: bool = False) -> tuple[int, Decimal]:
    return totals(uow, sel, (kind,), months, before=before, same_year=same_year).get(
        None, (0, Decimal(0)))


def member_key(by: str, member: str) -> int | str | None:
    """A cell's member as the breakdown's key (an id, a source code, None for none)."""
    if member == "":
        return None
    return member if by == "source" else int(member)


def start_rate_stmt(sel: Selection, months: tuple[int, int], before: int,
                    money: bool = True) -> Any:
    """One row from the cells of whole months: 签约数, 开工数 (started in the signing's
    year, before as-of's month) and (``money``) 签约金额 and 到位资金 decided before then, all
    read in one pass over the months' cells."""
    c = FigureCell
    decided = and_(c.at_month > 0, c.at_month < before)
    same_year = c.at_month <= c.month - c.month % 100 + 12

    def summed(when: ColumnElement[bool], what: Any) -> Any:
        return func.coalesce(func.sum(case((when, what), else_=0)), 0)

    cols: list[Any] = [summed(c.kind == "signed", c.n),
                       summed(and_(c.kind == "signed", decided, same_year), c.n)]
    kinds: tuple[str, ...] = ("signed",)
    if money:
        cols += [type_coerce(summed(and_(c.kind == kind, decided), c.amount), Money())
                 for kind in ("amount", "funds")]
        kinds = ("signed", "amount", "funds")
    return select(*cols).where(*_where(sel, kinds, months, None, False))


def pending_stmt(sel: Selection, months: tuple[int, int], before: int) -> Any:
    """One row from the cells of whole months: the projects signed then and not out (started
    or dropped) before as-of's month."""
    c = FigureCell
    out = and_(c.kind == "exit", c.at_month > 0, c.at_month < before)
    return select(func.coalesce(func.sum(case((c.kind == "signed", c.n), else_=0)), 0)
                  - func.coalesce(func.sum(case((out, c.n), else_=0)), 0)) \
        .where(*_where(sel, ("signed", "exit"), months, None, False))


def together(uow: UnitOfWork, statements: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The one row of each statement, read in one statement: a round trip to the server
    costs more than most of these reads (PostgreSQL at a million projects)."""
    if len(statements) == 1:
        return [tuple(uow.session.execute(statements[0]).one())]
    subs = [s.subquery() for s in statements]
    joined: Any = subs[0]
    for sub in subs[1:]:  # one row each: joined on nothing
        joined = joined.join(sub, true())
    row: Any = uow.session.execute(
        select(*[col for sub in subs for col in sub.c]).select_from(joined)).one()
    out, at = [], 0
    for sub in subs:
        width = len(sub.c)
        out.append(tuple(row[at:at + width]))
        at += width
    return out
