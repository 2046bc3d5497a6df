"""The scorecard (考核): a year's scheme (crm.services.scorecard_schemes) scored over the
catalogue of computed figures.

- **score** items: points = min(actual ÷ target, cap) × weight;
- **bonus** items (加分): points per counted item, up to a ceiling;
- **deduction** items (扣分): the same, taken off.

The target of a quarter is its own 时序目标 (cumulative); a quarter without one takes the year's
× quarter ÷ 4 (时间进度), a rate the year's. The definitions are in docs/figures.md
("考核得分"); rewards for 招商大使 and 引荐人 are in crm.services.rewards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import exists, select

from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Project, User
from crm.money import format_rate, ratio
from crm.services.indicators import CATALOGUE, Indicator, Reading
from crm.services.metrics import Period
from crm.services.scorecard_schemes import (
    KINDS,
    QUARTERS,
    ZERO,
    ItemRow,
    SchemeRow,
    check_scope,
    check_year,
    scheme,
    scheme_targets,
)

TWO = Decimal("0.01")


def _target_for(targets: dict[tuple[str, int], Decimal], spec: Indicator,
                quarter: int | None) -> tuple[Decimal | None, str]:
    """The target due by the end of ``quarter`` (None or 4: the year) and where it comes from."""
    year = targets.get((spec.code, 0))
    if quarter in (None, 4):
        return year, "年度目标" if year is not None else "未设目标"
    assert quarter is not None
    own = targets.get((spec.code, quarter))
    if own is not None:
        return own, f"{QUARTERS[quarter]}时序目标"
    if year is None:
        return None, "未设目标"
    if spec.is_rate:
        return year, "年度目标（比率不分季度）"
    return year * quarter / 4, f"按时间进度（年度目标×{quarter}/4）"


@dataclass(frozen=True)
class ScoreLine:
    """One line of a scorecard, as the page, the report and the command line show it.

    ``ratio`` = actual ÷ target (rates: both in %); ``points`` are rounded to two decimals;
    ``available`` = the points this line can still gain (score: weight × cap − points; bonus:
    the ceiling − points); ``to_full`` = how much more of the figure gives full points
    (target × cap − actual). ``note`` says why a line scores nothing (no target, no data).
    """

    position: int
    kind: str
    code: str
    label: str
    unit: str
    actual: Decimal | None
    target: Decimal | None
    basis: str
    ratio: Decimal | None
    weight: Decimal
    cap: Decimal
    points_each: Decimal
    points_max: Decimal | None
    points: Decimal
    available: Decimal | None
    to_full: Decimal | None
    note: str = ""

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind]

    @property
    def ratio_text(self) -> str:
        return format_rate(self.ratio)

    @property
    def full(self) -> Decimal | None:
        """The most this line gives (score: weight × cap; bonus and deduction: the ceiling)."""
        if self.kind == "score":
            return (self.weight * self.cap).quantize(TWO, ROUND_HALF_UP)
        return self.points_max


@dataclass(frozen=True)
class Scorecard:
    year: int
    quarter: int | None
    scope: str
    owner_id: int | None
    owner: str
    period: Period
    as_of: dt.date
    scheme: SchemeRow | None
    lines: list[ScoreLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """得分: the lines' points as shown (so the table adds up), bonus added, deductions off."""
        return sum((line.points for line in self.lines), ZERO)

    @property
    def full_marks(self) -> Decimal:
        return self.scheme.full_marks if self.scheme else ZERO

    @property
    def available(self) -> Decimal:
        """Points still to gain on the score and bonus lines."""
        return sum((line.available or ZERO for line in self.lines if line.kind != "deduction"),
                   ZERO)

    @property
    def period_text(self) -> str:
        which = QUARTERS[self.quarter] if self.quarter else "全年"
        # the period as every report writes it: "2025-01-01 至 2025-06-30（截至 2025-12-31）"
        return f"{self.year} 年{which} {self.period.label()}（截至 {self.as_of}）"


def scorecard_period(year: int, quarter: int | None) -> Period:
    """The assessed period: 1 January to the end of the quarter (cumulative), or the year."""
    check_year(year)
    if quarter is not None and quarter not in QUARTERS:
        raise ValidationError("季度应为 1–4", code="scorecard.quarter", field="quarter")
    end = dt.date(year, 12, 31) if quarter in (None, 4) else \
        dt.date(year, 3 * (quarter or 0) + 1, 1) - dt.timedelta(days=1)
    return Period(dt.date(year, 1, 1), end)


def default_as_of(year: int, quarter: int | None, today: dt.date) -> dt.date:
    """Today, or the period's last day when it is over."""
    return min(today, scorecard_period(year, quarter).end)


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWO, ROUND_HALF_UP)


def _line(reading: Reading, item: ItemRow, n: int, quarter: int | None,
          targets: dict[tuple[str, int], Decimal]) -> ScoreLine:
    spec = CATALOGUE.get(item.code)
    if spec is None:
        return ScoreLine(n, item.kind, item.code, item.label, "", None, None, "", None,
                         item.weight, item.cap, item.points_each, item.points_max, ZERO, None,
                         None, "目录中已没有这个指标")
    note = ""
    actual = spec.compute(reading)
    shown = actual * 100 if actual is not None and spec.is_rate else actual
    line = ScoreLine(n, item.kind, item.code, item.label, spec.unit, shown, None, "", None,
                     item.weight, item.cap, item.points_each, item.points_max, ZERO, None, None,
                     note)
    if item.kind != "score":
        raw = (actual or ZERO) * item.points_each
        if item.points_max is not None:
            raw = min(raw, item.points_max)
        points = _round(raw)
        if item.kind == "deduction":
            return replace(line, points=-points)
        room = None if item.points_max is None else max(ZERO, _round(item.points_max) - points)
        return replace(line, points=points, available=room)
    target, basis = _target_for(targets, spec, quarter)
    done = ratio(shown, target) if shown is not None and target is not None else None
    points = _round(min(done, item.cap) * item.weight) if done is not None else ZERO
    to_full = None if target is None else max(ZERO, target * item.cap - (shown or ZERO))
    if not note and target is None:
        note = "未设目标"
    elif not note and shown is None:
        note = "无数据（分母为 0）"
    return replace(line, target=target, basis=basis, ratio=done, points=points,
                   available=_round(item.weight * item.cap) - points, to_full=to_full, note=note)


def score(uow: UnitOfWork, year: int, quarter: int | None, as_of: dt.date, *,
          scope: str = "unit", owner_id: int | None = None,
          memo: dict[tuple[object, ...], object] | None = None) -> Scorecard:
    """The scorecard of ``year`` (to the end of ``quarter``, cumulative) on ``as_of``: the
    unit's, or with ``owner_id`` that person's under the per-person scheme. ``memo`` shares
    the figures read between the scorecards of one answer (see indicators.Reading), and the
    scheme and its targets."""
    check_scope(scope)
    period = scorecard_period(year, quarter)
    shared: dict[tuple[object, ...], object] = memo if memo is not None else {}
    key = ("scheme", year, scope)
    if key not in shared:
        shared[key] = (scheme(uow, year, scope),
                       {(t.code, t.quarter): t.value for t in scheme_targets(uow, year, scope)})
    found: SchemeRow | None
    targets: dict[tuple[str, int], Decimal]
    found, targets = shared[key]  # type: ignore[misc]
    owner = ""
    if owner_id is not None:
        person = uow.session.get(User, owner_id)
        owner = person.display_name if person else f"用户 {owner_id}"
    if found is None:
        return Scorecard(year, quarter, scope, owner_id, owner, period, as_of, None)
    reading = Reading(uow, period, as_of, owner_id, shared)
    lines = [_line(reading, item, n, quarter, targets)
             for n, item in enumerate(found.items, start=1)]
    return Scorecard(year, quarter, scope, owner_id, owner, period, as_of, found, lines)


def people_scores(uow: UnitOfWork, year: int, quarter: int | None,
                  as_of: dt.date) -> list[Scorecard]:
    """Every person's scorecard under the year's per-person scheme (active staff, and anyone
    else who owns projects), highest total first; empty without such a scheme."""
    if scheme(uow, year, "person") is None:
        return []
    memo: dict[tuple[object, ...], object] = {}  # figures read for everyone at once
    people = _assessed_users(uow)  # held: each card finds its person in the session
    cards = [score(uow, year, quarter, as_of, scope="person", owner_id=u.id, memo=memo)
             for u in people]
    return sorted(cards, key=lambda c: (-c.total, c.owner))


def _assessed_users(uow: UnitOfWork) -> list[User]:
    # Whether a user owns a project is one seek of ix_projects_owner_id (a pass over every
    # project's owner took 0.2-0.5 s at 1M); only the few owners who are not active staff are
    # then asked for a live one.
    owns = exists().where(Project.owner_id == User.id)
    rows = uow.session.execute(select(User, owns).order_by(User.sort_key, User.id))
    return [u for u, owner in rows if (u.active and u.role == "staff") or (owner and bool(
        uow.session.scalar(select(exists().where(Project.owner_id == u.id,
                                                 Project.deleted_at.is_(None))))))]


def assessed_people(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Who a per-person scheme assesses: active staff, and anyone else owning live projects
    (a manager, a former colleague), in pinyin order."""
    return [(u.id, u.display_name) for u in _assessed_users(uow)]
