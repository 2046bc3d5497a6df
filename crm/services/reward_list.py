"""The reward table (招商大使 / 引荐人) read a screen at a time: its count, its total and a page
of lines, computed in SQL, where :func:`crm.services.rewards.rewards` builds every line of the
year in Python (25,589 at a million projects: 1.4 s).

The per-person cap makes a line depend on that person's earlier lines (in signing order). With
``r_i ≥ 0`` (``‰ × 固投``, capped per project, 0 where the line is not eligible) a person has
been paid ``min(cap, S_{i-1})`` before line ``i``, ``S`` the running sum of the ``r``; so
``reward_i = max(0, min(r_i, cap − S_{i-1}))``, a window sum over that person's lines, and a
person's total is ``min(cap, S)``. Hence:

* :func:`reward_summary`: one grouped read, per person: the lines and ``S``; the count and
  the total follow, and where each person's lines start in the list (ordered by person);
* :func:`reward_page`: the lines from row ``offset``: the persons that page spans, each read
  with its window sum, by its own rows only.

:func:`crm.services.rewards.rewards` stays the reference (tests/unit/test_reward_list.py).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import Date as SqlDate

from crm.db import UnitOfWork
from crm.models import Ambassador, Company, Funding, Project
from crm.services.rewards import ROLES, RewardLine, RuleRow, _fixed_assets_where, reward_rules

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


def _funded(year: int, as_of: dt.date) -> Any:
    """The year's 固投 per project (元), read once."""
    # an integer sum (PostgreSQL's sum of a bigint is a numeric: its division would not be
    # the integer division the rounding needs)
    return (select(Funding.project_id.label("pid"),
                   cast(func.sum(type_coerce(Funding.amount, BigInteger)), BigInteger).label("f"))
            .where(*_fixed_assets_where(year, as_of)).group_by(Funding.project_id)
            .cte("funded"))


def _projects(year: int, as_of: dt.date, funded: Any, columns: tuple[Any, ...],
              introducer: Any) -> Any:
    """The projects with a line (``introducer``: any, or one person's): signed in the year
    (pending or not rewarded: listed too), or earlier with 固投 received in it; each part from
    its own index. Their ``columns`` and 固投 (元, 0: none)."""
    start = dt.date(year, 1, 1)
    live = (Project.deleted_at.is_(None), Project.signed_on.is_not(None),
            Project.signed_on <= as_of, introducer)
    signed = (select(*columns, func.coalesce(funded.c.f, 0).label("fixed"))
              .outerjoin(funded, funded.c.pid == Project.id)
              .where(*live, Project.signed_on >= start))
    earlier = (select(*columns, funded.c.f.label("fixed"))
               .select_from(funded).join(Project, Project.id == funded.c.pid)
               .where(*live, Project.signed_on < start))
    return union_all(signed, earlier).subquery("projects_")


def _person_projects(year: int, as_of: dt.date, columns: tuple[Any, ...], introducer: Any
                     ) -> Any:
    """One person's projects with a line: signed in the year, and the earlier signings with
    固投 in it (``earlier``: their ids, from the summary). Each project's 固投 read by its own
    receipts (its index), not from every receipt of the year."""
    fixed = (select(cast(func.coalesce(func.sum(type_coerce(Funding.amount, BigInteger)), 0),
                         BigInteger))
             .where(Funding.project_id == Project.id, *_fixed_assets_where(year, as_of))
             .scalar_subquery())
    live = (Project.deleted_at.is_(None), Project.signed_on.is_not(None),
            Project.signed_on <= as_of)
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
    """Per person: its lines and the sum of their ``r``; built once per year, as-of date and
    rules."""
    funded = _funded(year, as_of)
    amb = _projects(year, as_of, funded, (Project.id, Project.signed_on, Project.ambassador_id),
                    Project.ambassador_id.is_not(None))
    ref = _projects(year, as_of, funded,
                    (Project.id, Project.signed_on, Project.referrer,
                     Project.referrer_registered_on), Project.referrer != "")
    _c, r_amb = _amounts(amb_rule, amb.c.fixed, Ambassador.appointed_on, amb.c.signed_on)
    _c, r_ref = _amounts(ref_rule, ref.c.fixed, ref.c.referrer_registered_on, ref.c.signed_on)
    by_amb = (select(literal(0).label("role"), Ambassador.name.label("person"),
                     amb.c.ambassador_id.label("amb"), func.count().label("n"),
                     func.sum(r_amb).label("s"))
              .select_from(amb).join(Ambassador, Ambassador.id == amb.c.ambassador_id)
              .group_by(amb.c.ambassador_id, Ambassador.name))
    by_ref = (select(literal(1).label("role"), ref.c.referrer, literal(None, BigInteger),
                     func.count(), func.sum(r_ref))
              .group_by(ref.c.referrer))
    # and, from the same read of the receipts, each earlier signing's project (in ``n``)
    earlier = (select(literal(2), Project.referrer, Project.ambassador_id, Project.id,
                      literal(None, BigInteger))
               .select_from(funded).join(Project, Project.id == funded.c.pid)
               .where(Project.deleted_at.is_(None), Project.signed_on.is_not(None),
                      Project.signed_on < dt.date(year, 1, 1), Project.signed_on <= as_of,
                      Project.ambassador_id.is_not(None) | (Project.referrer != "")))
    return union_all(by_amb, by_ref, earlier)


def reward_summary(uow: UnitOfWork, year: int, as_of: dt.date) -> RewardSummary:
    """The count, the total and each person's lines of the year's reward table: per role, one
    grouped pass over its projects (the ambassadors' from the signing index, which holds the
    ambassador; the 引荐人's need the project's row)."""
    rules = {r.role: r for r in reward_rules(uow, year)}
    stmt = _summary_statement(year, as_of, rules.get("ambassador"), rules.get("referrer"))
    persons = []
    first = 0
    found: list[tuple[int, str, int | None, int, int | None]] = [
        tuple(row) for row in uow.session.execute(stmt)]  # type: ignore[misc]
    earlier: dict[tuple[int, Any], list[int]] = {}
    for part, referrer, amb, pid, _s in found:
        if part == 2:
            if amb is not None:
                earlier.setdefault((0, amb), []).append(pid)
            if referrer:
                earlier.setdefault((1, referrer), []).append(pid)
    for role, person, ident, n, s in sorted((f for f in found if f[0] < 2),
                                            key=lambda t: (t[0], t[1])):
        rule = rules.get(ORDER[role])
        cap = None if rule is None else _raw(rule.cap_per_person)
        paid = int(s or 0)
        mine = earlier.get((role, ident if role == 0 else person), [])
        persons.append(PersonLines(ORDER[role], person, ident, first, int(n),
                                   _wan(paid if cap is None else min(cap, paid)),
                                   tuple(sorted(mine))))
        first += int(n)
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
        reason = ""
        if rule is None:
            reason = f"{summary.year} 年没有{ROLES[person.role]}奖励规则"
        elif registered_on is None:
            reason = "未登记" if person.role == "referrer" else "无聘任日期"
        elif registered_on >= signed:
            reason = f"登记（{registered_on}）不早于签约（{signed}）"
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
