"""The year-end forecast of the 开工率, the gap to the yearly target and the 冲刺清单.

Definitions (docs/figures.md, "按计划年底开工率"): for the projects signed in the period (the
cohort of :func:`crm.services.metrics.start_rate`, as of the as-of date),

- **planned** = those not started and not dropped by as-of whose 计划开工(开业)日期 lies in
  their signing year and on or after as-of (a plan still ahead; one already passed is
  **overdue**, 逾期未开工: its plan did not hold, so the forecast does not count it);
- **按计划年底开工率** = (started + planned) / signed;
- **还需开工** = the fewest further starts that bring started / signed to the yearly 开工率
  target (metric ``start_rate`` of the period's end year, a percent): ceil(target × signed /
  100) − started, never below 0; ``None`` without a target or a signing;
- **冲刺清单** = the planned and the overdue projects (those planned within their signing
  year, while that year is not over), earliest plan first: who to push.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import aliased

from crm.db import UnitOfWork
from crm.models import Agreement, Company, Industry, Project, Target, User
from crm.money import format_rate, ratio
from crm.services.metrics import (
    Filters,
    Period,
    _signed_where,
    count_signed_not_started,
    start_rate,
)

START_RATE_METRIC = "start_rate"  # settings.TARGET_METRICS: 开工率(%)


@dataclass(frozen=True)
class SprintRow:
    """A project of the 冲刺清单: signed, not started, planned to start in its signing year."""

    project_id: int
    name: str
    company: str
    industry: str
    owner_id: int | None
    owner: str
    signed_on: dt.date
    planned_start_on: dt.date
    planned_start_kind: str
    days_since_signing: int
    overdue: bool  # the planned date has passed (before as-of): 逾期未开工
    signed_amount: Decimal  # 万元


@dataclass(frozen=True)
class Forecast:
    period: Period
    as_of: dt.date
    signed: int
    started: int
    planned: int
    overdue: int  # planned within the signing year, the date passed without a start
    no_plan: int  # signed, not started, not dropped, without a planned date
    planned_later: int  # … planned after their signing year, or that year is over
    target: Decimal | None  # the year's 开工率 target in percent, e.g. 60
    target_year: int
    sprint: list[SprintRow] = field(default_factory=list)

    @property
    def forecast_started(self) -> int:
        return self.started + self.planned

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.forecast_started, self.signed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    @property
    def starts_needed(self) -> int | None:
        """还需开工: starts beyond today's that reach the target (0 once reached)."""
        if self.target is None or self.signed == 0:
            return None
        return max(0, math.ceil(self.target * self.signed / 100) - self.started)

    @property
    def short_if_plans_hold(self) -> int | None:
        """How many starts the target still misses if every planned one starts."""
        needed = self.starts_needed
        return None if needed is None else max(0, needed - self.planned)

    @property
    def target_text(self) -> str:
        return "" if self.target is None else f"{self.target.normalize():f}%"

    def gap_text(self) -> str:
        """“距目标 60% 还需开工 2 个”, “已达目标 60%”, or “未设开工率目标”."""
        needed = self.starts_needed
        if self.target is None:
            return f"未设 {self.target_year} 年开工率目标"
        if needed is None:
            return f"目标 {self.target_text}（本期尚无签约）"
        if needed == 0:
            return f"已达目标 {self.target_text}"
        if self.as_of.year > self.target_year:
            return f"{self.target_year} 年已结束，距目标 {self.target_text} 差 {needed} 个开工"
        return f"距目标 {self.target_text} 还需开工 {needed} 个"

    def to_json(self) -> dict[str, Any]:
        rate = self.rate
        return {"forecast_start_rate": None if rate is None else
                float(rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
                "forecast_start_rate_text": self.rate_text,
                "forecast_started": self.forecast_started,
                "planned_to_start": self.planned, "overdue_planned": self.overdue,
                "start_rate_target": None if self.target is None else float(self.target),
                "starts_needed_for_target": self.starts_needed}


def start_rate_target(uow: UnitOfWork, year: int) -> Decimal | None:
    """The 开工率 target (percent) set for ``year``, if any."""
    return uow.session.scalar(select(Target.value).where(Target.year == year,
                                                         Target.metric == START_RATE_METRIC))


def _waiting(as_of: dt.date) -> list[Any]:
    """Not started and not dropped by as-of."""
    return [or_(Project.started_on.is_(None), Project.started_on > as_of),
            or_(Project.dropped_on.is_(None), Project.dropped_on > as_of)]


def _in_year_plan(as_of: dt.date) -> Any:
    """Planned within the signing year, and that year not over by as-of."""
    return and_(Project.planned_start_on.is_not(None),
                extract("year", Project.planned_start_on) == extract("year", Project.signed_on),
                extract("year", Project.signed_on) >= as_of.year)


def planned_starts(uow: UnitOfWork, project_ids: list[int]) -> dict[int, dt.date]:
    """The planned start dates of these projects (those that have one)."""
    if not project_ids:
        return {}
    rows: Any = uow.session.execute(select(Project.id, Project.planned_start_on).where(
        Project.id.in_(project_ids), Project.planned_start_on.is_not(None)))
    return {pid: on for pid, on in rows}


def _planned() -> Any:
    """The live projects with a planned start, from their own index: asked for the period's
    signed projects with a plan, SQLite's planner walks every signed project of the period
    (160 ms at a million, where the plans are few). The plan is asked as a range (from the
    first day there is), which only that index serves: as "is not null", SQLite read every
    live project from the signed index, which holds the planned start too (migration 0022;
    74 ms at a million, with its planner's statistics)."""
    return select(Project.id).where(Project.planned_start_on >= dt.date.min,
                                    Project.deleted_at.is_(None))


def forecast(uow: UnitOfWork, period: Period, as_of: dt.date,
             filters: Filters | None = None) -> Forecast:
    """The year-end forecast for the projects signed in ``period`` (module docstring)."""
    f = filters or Filters()
    figures = start_rate(uow, period, as_of, f)
    where = [*_signed_where(period, as_of, f), *_waiting(as_of)]
    owner = aliased(User)
    amount = (select(func.coalesce(func.sum(Agreement.amount), 0))
              .where(Agreement.project_id == Project.id, Agreement.voided_at.is_(None),
                     Agreement.signed_on <= as_of).correlate(Project).scalar_subquery())
    rows: Any = uow.session.execute(
        select(Project.id, Project.name, Company.name, Industry.name, Project.owner_id,
               owner.display_name, Project.signed_on, Project.planned_start_on,
               Project.planned_start_kind, amount)
        .join(Company, Company.id == Project.company_id)
        .outerjoin(Industry, Industry.id == Project.industry_id)
        .outerjoin(owner, owner.id == Project.owner_id)
        .where(*where, _in_year_plan(as_of))
        .where(Project.id.in_(_planned()))
        .order_by(Project.planned_start_on, Project.signed_on, Project.id))
    sprint = [SprintRow(pid, name, company, ind or "", oid, own or "", signed, planned,
                        kind or "开工", (as_of - signed).days, planned < as_of, Decimal(amt or 0))
              for pid, name, company, ind, oid, own, signed, planned, kind, amt in rows]
    # 签约未开工 without a plan: all of them (whole months from the rollup) less those with one
    # (read from the planned-start index: the plans are few beside a province's projects)
    waiting = count_signed_not_started(uow, period, as_of, f)
    planned = uow.session.scalar(select(func.count()).select_from(Project).where(
        Project.id.in_(_planned()), *where, Project.planned_start_on.is_not(None))) or 0
    no_plan = waiting - int(planned)
    year = period.end.year
    overdue = sum(1 for r in sprint if r.overdue)
    return Forecast(period, as_of, figures.signed, figures.started, len(sprint) - overdue,
                    overdue, int(no_plan), int(waiting) - int(no_plan) - len(sprint),
                    start_rate_target(uow, year), year, sprint)
