"""The reward table (招商大使 / 引荐人) read a screen at a time: its count, its total and a page
of lines, computed in SQL, where :func:`crm.services.rewards.rewards` builds every line of the
year in Python (25,589 at a million projects: 1.4 s).

The per-person cap makes a line depend on that person's earlier lines (in signing order). With
``r_i ≥ 0`` (``‰ × 固投``, capped per project, 0 where the line is not eligible) a person has
been paid ``min(cap, S_{i-1})`` before line ``i``, ``S`` the running sum of the ``r``; so
``reward_i = max(0, min(r_i, cap − S_{i-1}))``, a window sum over that person's lines, and a
person's total is ``min(cap, S)``. Hence:

* :func:`reward_summary`: per person, the lines and ``S`` (one grouped statement, and the
  ambassadors' signings of the year from the rollup); the count and the total follow, and
  where each person's lines start in the list (ordered by person);
* :func:`reward_page`: the lines from row ``offset``: the persons that page spans, each read
  with its window sum, by its own rows only.

:func:`crm.services.rewards.rewards` stays the reference (tests/unit/test_reward_list.py).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import Date as SqlDate

from crm.db import UnitOfWork
from crm.models import Ambassador, Company, Funding, Project, RewardReceipt
from crm.services import cells
from crm.services.periods import Period
from crm.services.rewards import (
    ROLES,
    RewardLine,
    RuleRow,
    fixed_assets_where,
    ineligible,
    reward_rules,
)

SCREEN = 200  # lines of the first screen; more on scroll
ORDER = list(ROLES)
ZERO = Decimal(0)
_SCALE = 10_000  # money is stored as integer 元 (crm.money): 1 万元 = 10,000
_HALF = 5_000_000  # ‰ (scaled by 10^4) × 元 / 10^7, rounded half up
_SPLIT = 10_000_000


def _wan(value: int | None) -> Decimal:
    return (Decimal(int(value or 0)) / _SCALE).quantize(Decimal("0.0001"))


def _raw(money: Decimal | None) -> int | None:
    return None if money is None else int(money * _SCALE)


@dataclass(frozen=True)
class PersonLines:
    """One introducer's lines: ``first`` is the row of the first in the list."""

    role: str
    person: str
    ambassador_id: int | None  # the ambassador's id (a 引荐人 is known by name)
    first: int
    count: int
    paid: Decimal  # after the per-person cap, 万元
    # the projects signed before the year with 固投 received in it: a page reads them by id
    # instead of every receipt of the year again
    earlier: tuple[int, ...] = ()


@dataclass(frozen=True)
class RewardSummary:
    """The table's count, its total (万元) and each person's place in it; a query for the
    paged list (a frozen value: the list reads again when it changes)."""

    year: int
    as_of: dt.date
    count: int
    total: Decimal
    persons: tuple[PersonLines, ...]
    # PagedListModel's query protocol (the table has one order)
    sort: str = ""
    descending: bool = False

    def totals(self) -> list[tuple[str, str, Decimal]]:
        """(role, person, total reward) per introducer, largest first (as reward_totals)."""
        return sorted(((p.role, p.person, p.paid) for p in self.persons),
                      key=lambda t: (-t[2], t[0], t[1]))


# Written as constants, not parameters: a prepared statement's plan on PostgreSQL can then use
# the partial indexes made for them (migration 0024), whose predicates they must match.
_NO_REFERRER: ColumnElement[str] = literal_column("''", String)


def _referred() -> ColumnElement[bool]:
    """A project with a 引荐人 (ix_projects_referrer_live's predicate)."""
    return Project.referrer != _NO_REFERRER


def _signed_by(as_of: dt.date) -> tuple[ColumnElement[bool], ...]:
    """A live project signed by as-of."""
    return (Project.deleted_at.is_(None), Project.signed_on.is_not(None),
            Project.signed_on <= as_of)


def _person_projects(year: int, as_of: dt.date, columns: tuple[Any, ...], introducer: Any
                     ) -> Any:
    """One person's projects with a line: signed in the year, and the earlier signings with
    固投 in it (``earlier``: their ids, from the summary). Each project's 固投 read by its own
    receipts (its index), not from every receipt of the year."""
    fixed = (select(cast(func.coalesce(func.sum(type_coerce(Funding.amount, BigInteger)), 0),
                         BigInteger))
             .where(Funding.project_id == Project.id, *fixed_assets_where(year, as_of))
             .scalar_subquery())
    live = _signed_by(as_of)
    signed = select(*columns, fixed.label("fixed")).where(
        *live, introducer, Project.signed_on >= dt.date(year, 1, 1))
    earlier = select(*columns, fixed.label("fixed")).where(
        *live, Project.id.in_(bindparam("earlier", expanding=True)))
    return union_all(signed, earlier).subquery("projects_")


def _amounts(rule: RuleRow | None, fixed: Any, registered: Any, signed: Any
             ) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """A line's computed amount (元, ‰ × 固投 rounded half up, before the caps) and ``r`` (元:
    capped per project; 0 where the line is not eligible)."""
    if rule is None:
        return literal(0, BigInteger), literal(0, BigInteger)
    permille = int(rule.permille * _SCALE)
    # round(固投 × ‰ / 1000) in integers without overflow: 固投 = a·10^7 + b
    computed = (fixed // _SPLIT) * permille + (fixed % _SPLIT * permille + _HALF) // _SPLIT
    capped = computed
    cap = _raw(rule.cap_per_project)
    if cap is not None:
        capped = case((computed > cap, literal(cap, BigInteger)), else_=computed)
    return computed, case((and_(registered.is_not(None), registered < signed), capped),
                          else_=literal(0, BigInteger))


@lru_cache(maxsize=16)
def _summary_statement(year: int, as_of: dt.date, amb_rule: RuleRow | None,
                       ref_rule: RuleRow | None) -> Any:
    """Per person: how many of its lines were signed in the year (the 引荐人's; the
    ambassadors' are :func:`_ambassadors_signed`), and from the projects with 固投 in the
    year, the sum of their ``r`` and how many were signed earlier (with their ids). Built once
    per year, as-of date and rules.

    A line without 固投 has ``r = 0``: the projects signed in the year are only counted (the
    引荐人's from ix_projects_referrer_live); the projects with 固投 and an introducer are the
    year's rows of reward_receipts (8,500 at a million), where the year's 固投 per project
    (27,000) was matched against every project with an introducer (141,000 entries of
    ix_projects_introduced: 63 ms on PostgreSQL)."""
    start = dt.date(year, 1, 1)
    live = _signed_by(as_of)
    signed = (*live, Project.signed_on >= start)
    ref_signed = (select(literal(1).label("part"), literal(None, BigInteger).label("amb"),
                         Project.referrer.label("person"), func.count().label("n"),
                         literal(None, BigInteger).label("s"),
                         literal(None, SqlDate).label("signed_on"))
                  .where(*signed, _referred()).group_by(Project.referrer))
    # the projects with 固投 in the year and an introducer, signed by as-of (each once), from
    # the year's rows of reward_receipts (crm.reward_rollup): a row holds its project's
    # signing date and introducers, so the grouping is per project
    rr = RewardReceipt
    intro = (select(rr.project_id.label("id"), rr.signed_on, rr.ambassador_id, rr.referrer,
                    rr.referrer_registered_on,
                    cast(func.sum(rr.amount), BigInteger).label("f"))
             .where(rr.received_on >= start, rr.received_on <= min(dt.date(year, 12, 31), as_of),
                    rr.signed_on.is_not(None), rr.signed_on <= as_of)
             .group_by(rr.project_id, rr.signed_on, rr.ambassador_id, rr.referrer,
                       rr.referrer_registered_on)
             .cte("introduced"))
    _c, r_amb = _amounts(amb_rule, intro.c.f, Ambassador.appointed_on, intro.c.signed_on)
    _c, r_ref = _amounts(ref_rule, intro.c.f, intro.c.referrer_registered_on,
                         intro.c.signed_on)
    earlier = case((intro.c.signed_on < start, 1), else_=0)
    amb_funded = (select(literal(2), intro.c.ambassador_id, literal(None, String),
                         func.sum(earlier), func.sum(r_amb), literal(None, SqlDate))
                  .select_from(intro)
                  .join(Ambassador, Ambassador.id == intro.c.ambassador_id)
                  .group_by(intro.c.ambassador_id))
    ref_funded = (select(literal(3), literal(None, BigInteger), intro.c.referrer,
                         func.sum(earlier), func.sum(r_ref), literal(None, SqlDate))
                  .where(intro.c.referrer != _NO_REFERRER).group_by(intro.c.referrer))
    # each earlier signing's project (in ``n``), for the pages
    ids = (select(literal(4), intro.c.ambassador_id, intro.c.referrer, intro.c.id,
                  literal(None, BigInteger), intro.c.signed_on)
           .where(intro.c.signed_on < start))
    return union_all(ref_signed, amb_funded, ref_funded, ids)


def _ambassadors_signed(uow: UnitOfWork, year: int, as_of: dt.date) -> dict[int, int]:
    """The projects signed from the year's first day to as-of, per ambassador: the whole
    months from the rollup's ambassador cells, the cut months from the signing index
    (crm.services.cells.split), where every signing of the year was read (25,600 at a
    million, sorted by ambassador: 12 ms on SQLite)."""
    out: dict[int, int] = defaultdict(int)

    def rows(first: dt.date, last: dt.date, sign: int) -> None:
        found: Any = uow.session.execute(
            select(Project.ambassador_id, func.count())
            .where(Project.deleted_at.is_(None), Project.signed_on >= first,
                   Project.signed_on <= last, Project.ambassador_id.is_not(None))
            .group_by(Project.ambassador_id))
        for amb, n in found:
            out[int(amb)] += sign * int(n)

    period = Period(dt.date(year, 1, 1), max(as_of, dt.date(year, 1, 1)))
    if not cells.ENABLED:
        rows(period.start, as_of, 1)
        return {k: n for k, n in out.items() if n}
    sp = cells.split(period, as_of)
    for part, sign in sp.parts:
        rows(part.start, part.end, sign)
    if sp.full is not None:
        for member, (n, _) in cells.totals(uow, cells.Selection("ambassador", None), ("signed",),
                                           sp.months, by="member").items():
            key = cells.member_key("ambassador", member)
            if key is not None:
                out[int(key)] += n
    return {k: n for k, n in out.items() if n}


def reward_summary(uow: UnitOfWork, year: int, as_of: dt.date) -> RewardSummary:
    """The count, the total and each person's lines of the year's reward table: one
    statement (:func:`_summary_statement`) and the ambassadors' signings of the year counted
    from the rollup (:func:`_ambassadors_signed`)."""
    rules = {r.role: r for r in reward_rules(uow, year)}
    stmt = _summary_statement(year, as_of, rules.get("ambassador"), rules.get("referrer"))
    count: dict[tuple[int, Any], int] = {}
    paid: dict[tuple[int, Any], int] = {}
    earlier: dict[tuple[int, Any], list[int]] = {}
    found: list[tuple[int, int | None, str | None, int, int | None, Any]] = [
        tuple(row) for row in uow.session.execute(stmt)]  # type: ignore[misc]
    count.update(((0, amb), n) for amb, n in _ambassadors_signed(uow, year, as_of).items())
    for part, amb, referrer, n, s, _signed in found:
        if part == 4:
            if amb is not None:
                earlier.setdefault((0, amb), []).append(int(n))
            if referrer:
                earlier.setdefault((1, referrer), []).append(int(n))
            continue
        key = (part % 2, amb if part % 2 == 0 else referrer)
        count[key] = count.get(key, 0) + int(n or 0)
        if part >= 2:
            paid[key] = int(s or 0)
    names: dict[int, str] = {}
    if any(role == 0 for role, _k in count):
        names = {i: name for i, name in uow.session.execute(
            select(Ambassador.id, Ambassador.name).where(
                Ambassador.id.in_([k for role, k in count if role == 0])))}
    persons = []
    first = 0
    for role, person, ident, key in sorted(
            ((r, names.get(k, "") if r == 0 else k, k if r == 0 else None, (r, k))
             for r, k in count if count[(r, k)]), key=lambda t: (t[0], t[1])):
        rule = rules.get(ORDER[role])
        cap = None if rule is None else _raw(rule.cap_per_person)
        s_ = paid.get(key, 0)
        n_ = count[key]
        persons.append(PersonLines(ORDER[role], person, ident, first, n_,
                                   _wan(s_ if cap is None else min(cap, s_)),
                                   tuple(sorted(earlier.get(key, [])))))
        first += n_
    total = sum((p.paid for p in persons), ZERO)
    return RewardSummary(year, as_of, first, total, tuple(persons))


def reward_page(uow: UnitOfWork, summary: RewardSummary, offset: int,
                limit: int = SCREEN) -> list[RewardLine]:
    """``limit`` lines from row ``offset``: each person's, read with the running sum of its
    earlier lines (the per-person cap)."""
    rules = {r.role: r for r in reward_rules(uow, summary.year)}
    starts = [p.first for p in summary.persons]
    i = max(0, bisect_right(starts, offset) - 1)
    out: list[RewardLine] = []
    while i < len(summary.persons) and len(out) < limit and offset < summary.count:
        person = summary.persons[i]
        skip = max(0, offset - person.first)
        out.extend(_person_lines(uow, summary, rules, person, skip, limit - len(out)))
        offset = person.first + person.count
        i += 1
    return out


@lru_cache(maxsize=16)
def _person_statement(year: int, as_of: dt.date, role: str, rule: RuleRow | None) -> Any:
    """The read of one person's lines (``who``: the ambassador's id or the 引荐人's name) from
    its ``skip``-th, in signing order, with the sum of ``r`` over the lines before each (a
    window over this person's lines only). Built once per year, as-of date and rule: building
    it costs as much as running it."""
    who: Any = bindparam("who")
    if role == "ambassador":
        # from the signing index alone (it holds the ambassador), the appointment once
        p = _person_projects(year, as_of, (Project.id, Project.signed_on),
                             Project.ambassador_id == who)
        registered: Any = select(Ambassador.appointed_on).where(
            Ambassador.id == who).scalar_subquery()
    else:
        p = _person_projects(year, as_of,
                             (Project.id, Project.signed_on, Project.referrer_registered_on),
                             Project.referrer == who)
        registered = p.c.referrer_registered_on
    computed, r = _amounts(rule, p.c.fixed, registered, p.c.signed_on)
    order = (p.c.signed_on, p.c.id)
    before = func.sum(r).over(order_by=order, rows=(None, -1))
    ranked = (select(p.c.id, p.c.signed_on, type_coerce(registered, SqlDate).label("registered"),
                     p.c.fixed, computed.label("computed"), r.label("r"),
                     func.coalesce(before, 0).label("before"))
              .order_by(*order).offset(bindparam("skip")).limit(bindparam("limit")).subquery())
    return (select(ranked, Project.name, Company.name)
            .join(Project, Project.id == ranked.c.id)
            .join(Company, Company.id == Project.company_id)
            .order_by(ranked.c.signed_on, ranked.c.id))


def _person_lines(uow: UnitOfWork, summary: RewardSummary, rules: dict[str, RuleRow],
                  person: PersonLines, skip: int, limit: int) -> list[RewardLine]:
    """One person's lines from its ``skip``-th (:func:`_person_statement`)."""
    rule = rules.get(person.role)
    stmt = _person_statement(summary.year, summary.as_of, person.role, rule)
    who = person.ambassador_id if person.role == "ambassador" else person.person
    found = uow.session.execute(stmt, {"who": who, "skip": skip, "limit": limit,
                                       "earlier": list(person.earlier)})
    cap = None if rule is None else _raw(rule.cap_per_person)
    out = []
    for row in found:
        m = row._mapping
        signed, registered_on = _date(m["signed_on"]), _date(m["registered"])
        reason = ineligible(summary.year, person.role, rule, registered_on, signed)
        r_i, paid = int(m["r"] or 0), int(m["before"] or 0)
        reward = 0 if reason else r_i if cap is None else max(0, min(r_i, cap - paid))
        out.append(RewardLine(m["id"], row[-2], row[-1], person.role, person.person,
                              registered_on, signed, _wan(m["fixed"]), not reason, reason,
                              _wan(m["computed"]), _wan(reward)))
    return out


def _date(value: Any) -> Any:
    """A date read through a union (SQLite gives its text)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value
