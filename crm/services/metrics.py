"""The figures of DESIGN §3. One function per figure; every screen, report and command uses them.

For a period [start, end] and an as-of date:
- signed: projects whose first signing date lies in the period and on or before as-of.
- started: those of signed with a start in the signing's calendar year, on or before as-of.
- start rate = started / signed; signed amount = their agreements (signed on or before as-of);
- 资金到位率 = their funds received on or before as-of / signed amount.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, extract, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from crm import stages
from crm.bands import BAND_FLOORS, resolve_band
from crm.db import UnitOfWork
from crm.errors import NotFoundError, ValidationError
from crm.models import (
    Agreement,
    Ambassador,
    Chain,
    Company,
    Event,
    Funding,
    Industry,
    Project,
    Segment,
    User,
)
from crm.money import format_rate, format_yi, ratio
from crm.services.common import SOURCE_NAMES, SOURCES, parse_date_text, resolve_ids
from crm.services.settings import TARGET_METRICS, targets
from crm.text import normalize


# --- periods --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(f"期间结束日期 {self.end} 早于开始日期 {self.start}",
                                  code="period.order")

    def label(self) -> str:
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"


PRESETS = {"month": "本月", "quarter": "本季度", "h1": "上半年", "h2": "下半年", "year": "全年"}


def period_of(date_from: str | None, date_to: str | None, as_of: str | None,
              today: dt.date) -> tuple[Period, dt.date]:
    """The period and as-of date of the command line's ``--from``/``--to``/``--as-of``
    (``YYYY-MM-DD``): as-of defaults to today, the period to as-of's calendar year."""
    day = parse_date_text(as_of, "截至日期") if as_of else today
    start = parse_date_text(date_from, "开始日期") if date_from else dt.date(day.year, 1, 1)
    end = parse_date_text(date_to, "结束日期") if date_to else dt.date(start.year, 12, 31)
    if end < start:
        raise ValidationError(f"结束日期 {end} 早于开始日期 {start}", code="period.order")
    return Period(start, end), day


def preset_period(preset: str, today: dt.date) -> Period:
    """本月, 本季度, 上半年, 下半年 or 全年 of ``today``'s year."""
    y = today.year
    if preset == "month":
        return Period(today.replace(day=1),
                      today.replace(day=calendar.monthrange(y, today.month)[1]))
    if preset == "quarter":
        first = 3 * ((today.month - 1) // 3) + 1
        return Period(dt.date(y, first, 1),
                      dt.date(y, first + 2, calendar.monthrange(y, first + 2)[1]))
    if preset == "h1":
        return Period(dt.date(y, 1, 1), dt.date(y, 6, 30))
    if preset == "h2":
        return Period(dt.date(y, 7, 1), dt.date(y, 12, 31))
    if preset == "year":
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31))
    raise ValidationError(f"未知期间“{preset}”", code="period.preset")


def previous_period(period: Period) -> Period:
    """The period of the same length just before (same months of the previous year for
    whole-year and half-year periods)."""
    s, e = period.start, period.end
    if s.day == 1 and s.month in (1, 7) and (e.month, e.day) in ((6, 30), (12, 31)) \
            and s.year == e.year:
        return Period(s.replace(year=s.year - 1), e.replace(year=e.year - 1))
    if s.day == 1 and e.day == calendar.monthrange(e.year, e.month)[1]:
        # Whole months (本月, 本季度): the same number of whole months before, whatever
        # their length in days; a day count would start March's predecessor on 29 January.
        months = (e.year - s.year) * 12 + e.month - s.month + 1
        index = s.year * 12 + s.month - 1 - months
        first = dt.date(index // 12, index % 12 + 1, 1)
        return Period(first, s - dt.timedelta(days=1))
    length = (e - s).days + 1
    return Period(s - dt.timedelta(days=length), s - dt.timedelta(days=1))


# --- filters --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """Optional filters; an empty tuple means 'all'."""

    industry_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    ambassador_ids: tuple[int, ...] = ()
    event_ids: tuple[int, ...] = ()
    # 招商图谱: projects linked to these chains' segments, or to these segments
    chain_ids: tuple[int, ...] = ()
    segment_ids: tuple[int, ...] = ()
    # 规模档次 (crm.bands): 计划总投资 at least the band's floor, e.g. "10yi" = 10亿元以上
    band: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [Project.deleted_at.is_(None)]
        if self.industry_ids:
            out.append(Project.industry_id.in_(self.industry_ids))
        if self.owner_ids:
            out.append(Project.owner_id.in_(self.owner_ids))
        if self.sources:
            out.append(Project.source.in_(self.sources))
        if self.ambassador_ids:
            out.append(Project.ambassador_id.in_(self.ambassador_ids))
        if self.event_ids:
            out.append(Project.signing_event_id.in_(self.event_ids))
        if self.chain_ids:
            out.append(Project.segment_id.in_(
                select(Segment.id).where(Segment.chain_id.in_(self.chain_ids))))
        if self.segment_ids:
            out.append(Project.segment_id.in_(self.segment_ids))
        if self.band:
            out.append(Project.planned_investment >= BAND_FLOORS[self.band])
        return out


def resolve_filters(uow: UnitOfWork, *, industry: str | None = None, owner: str | None = None,
                    source: str | None = None, ambassador: str | None = None,
                    event: str | None = None, chain: str | None = None,
                    segment: str | None = None, band: str | None = None) -> Filters:
    """Filters from what a person types: an id or a part of the name."""
    s = uow.session
    sources: tuple[str, ...] = ()
    if source:
        key = normalize(source)
        found = [c for c in SOURCES if c == key or key in SOURCE_NAMES[c]]
        if not found:
            raise ValidationError(f"未知招商来源“{source}”", code="source.unknown")
        sources = tuple(found)
    owner_ids: tuple[int, ...] = ()
    if owner:
        try:
            owner_ids = tuple(resolve_ids(s, User, User.display_name, owner, "招商专员"))
        except NotFoundError:  # not a display name: try it as a login
            owner_ids = tuple(resolve_ids(s, User, User.login, owner, "招商专员"))
    return Filters(
        industry_ids=tuple(resolve_ids(s, Industry, Industry.name, industry, "产业"))
        if industry else (),
        owner_ids=owner_ids, sources=sources,
        ambassador_ids=tuple(resolve_ids(s, Ambassador, Ambassador.name, ambassador, "招商大使"))
        if ambassador else (),
        event_ids=tuple(resolve_ids(s, Event, Event.name, event, "签约活动")) if event else (),
        chain_ids=tuple(resolve_ids(s, Chain, Chain.name, chain, "产业链")) if chain else (),
        segment_ids=tuple(resolve_ids(s, Segment, Segment.name, segment, "产业链环节"))
        if segment else (), band=resolve_band(band))


def _signed_where(period: Period, as_of: dt.date, filters: Filters) -> list[ColumnElement[bool]]:
    return [Project.signed_on >= period.start, Project.signed_on <= period.end,
            Project.signed_on <= as_of, *filters.conditions()]


def _started_expr(as_of: dt.date) -> ColumnElement[bool]:
    return and_(Project.started_on.is_not(None), Project.started_on <= as_of,
                extract("year", Project.started_on) == extract("year", Project.signed_on))


# --- the start rate and its companions ------------------------------------------------------
@dataclass(frozen=True)
class StartRate:
    period: Period
    as_of: dt.date
    signed: int
    started: int
    signed_amount: Decimal  # 万元
    funds_received: Decimal  # 万元

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.started, self.signed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    @property
    def funds_rate(self) -> Decimal | None:
        return ratio(self.funds_received, self.signed_amount)

    @property
    def funds_rate_text(self) -> str:
        return format_rate(self.funds_rate)

    @property
    def signed_amount_yi(self) -> str:
        return format_yi(self.signed_amount)

    def to_json(self) -> dict[str, Any]:
        def four(x: Decimal | None) -> float | None:
            return None if x is None else float(x.quantize(Decimal("0.0001"), ROUND_HALF_UP))
        return {
            "period_from": self.period.start.isoformat(), "period_to": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(), "signed": self.signed, "started": self.started,
            "start_rate": four(self.rate), "start_rate_text": self.rate_text,
            "signed_amount_yi": self.signed_amount_yi,
            "signed_amount_wan": format(self.signed_amount.normalize(), "f"),
            "funds_received_yi": format_yi(self.funds_received),
            "funds_rate": four(self.funds_rate), "funds_rate_text": self.funds_rate_text,
        }


def start_rate(uow: UnitOfWork, period: Period, as_of: dt.date,
               filters: Filters | None = None) -> StartRate:
    """签约数, 开工数, 开工率, 签约金额 and 资金到位率 for the period (DESIGN §3)."""
    f = filters or Filters()
    where = _signed_where(period, as_of, f)
    counted: Any = uow.session.execute(
        select(func.count(), func.coalesce(func.sum(case((_started_expr(as_of), 1), else_=0)), 0))
        .select_from(Project).where(*where)).one()
    signed, started = counted
    amount = uow.session.scalar(
        select(func.sum(Agreement.amount)).join(Project, Project.id == Agreement.project_id)
        .where(*where, Agreement.voided_at.is_(None), Agreement.signed_on <= as_of))
    funds = uow.session.scalar(
        select(func.sum(Funding.amount)).join(Project, Project.id == Funding.project_id)
        .where(*where, Funding.received_on <= as_of))
    return StartRate(period, as_of, int(signed), int(started), amount or Decimal(0),
                     funds or Decimal(0))


def figure_project_ids(uow: UnitOfWork, figure: str, period: Period, as_of: dt.date,
                       filters: Filters | None = None) -> list[int]:
    """The projects behind a figure: ``signed``, ``started`` or ``not_started``."""
    where = _signed_where(period, as_of, filters or Filters())
    if figure == "started":
        where.append(_started_expr(as_of))
    elif figure == "not_started":
        where.append(~_started_expr(as_of))
    elif figure != "signed":
        raise ValidationError(f"未知指标“{figure}”", code="figure.unknown")
    stmt = select(Project.id).where(*where).order_by(Project.signed_on, Project.id)
    return list(uow.session.scalars(stmt))


# --- funnel ---------------------------------------------------------------------------------
_REACHED = {stages.LEAD: Project.lead_on, stages.NEGOTIATING: Project.negotiating_on,
            stages.SIGNED: Project.signed_on, stages.STARTED: Project.started_on,
            stages.PRODUCING: Project.producing_on}


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    name: str
    reached: int
    conversion: Decimal | None  # of the previous step's projects, the share that got here

    @property
    def conversion_text(self) -> str:
        return format_rate(self.conversion)


def funnel(uow: UnitOfWork, period: Period, as_of: dt.date,
           filters: Filters | None = None) -> list[FunnelStep]:
    """Projects that reached each stage within the period (dropped ones included).

    The conversion into a stage follows a cohort: of the projects that reached the previous
    stage within the period, the share that reached this one by as-of. So it never exceeds
    100%, even when a project entered an earlier stage before the period began.
    """
    f = filters or Filters()
    end = min(period.end, as_of)
    cols = list(_REACHED.values())
    # One range per stage, each read from the index that holds that stage's date and the next
    # one's (migration 0007): the stage's count, and how many of those went on by as-of.
    parts = []
    for i, col in enumerate(cols):
        went_on: Any = literal(0)
        if i + 1 < len(cols):
            after = cols[i + 1]
            went_on = func.coalesce(func.sum(case((and_(after.is_not(None), after <= as_of), 1),
                                                  else_=0)), 0)
        parts.append(select(literal(i), func.count(), went_on)
                     .where(col >= period.start, col <= end, *f.conditions()))
    rows: Any = uow.session.execute(union_all(*parts))
    counts = {int(i): (int(n), int(m)) for i, n, m in rows}
    reached = [counts.get(i, (0, 0))[0] for i in range(len(cols))]
    advanced = [counts.get(i, (0, 0))[1] for i in range(len(cols))]
    return [FunnelStep(code, stages.NAMES[code], reached[i],
                       None if i == 0 else ratio(advanced[i - 1], reached[i - 1]))
            for i, code in enumerate(_REACHED)]


# --- breakdowns -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BreakdownRow:
    key: int | str | None
    label: str
    signed: int
    started: int
    signed_amount: Decimal

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.started, self.signed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)


BREAKDOWNS = ("industry", "owner", "source", "ambassador", "event")


def breakdown(uow: UnitOfWork, by: str, period: Period, as_of: dt.date,
              filters: Filters | None = None) -> list[BreakdownRow]:
    """The start rate split by industry, owner, source, ambassador or event; largest first."""
    column: Any = {"industry": Project.industry_id, "owner": Project.owner_id,
                   "source": Project.source, "ambassador": Project.ambassador_id,
                   "event": Project.signing_event_id}.get(by)
    if column is None:
        raise ValidationError(f"未知分组“{by}”", code="breakdown.unknown")
    where = _signed_where(period, as_of, filters or Filters())
    counts: Any = uow.session.execute(
        select(column, func.count(), func.sum(case((_started_expr(as_of), 1), else_=0)))
        .where(*where).group_by(column)).all()
    amounts: dict[Any, Decimal] = dict(uow.session.execute(
        select(column, func.sum(Agreement.amount))
        .join(Project, Project.id == Agreement.project_id)
        .where(*where, Agreement.voided_at.is_(None), Agreement.signed_on <= as_of)
        .group_by(column)).all())
    labels = _labels(uow, by, [k for k, _, _ in counts])
    rows = [BreakdownRow(k, labels.get(k, "（未填）") if k is not None else "（未填）", int(n),
                         int(st or 0), amounts.get(k) or Decimal(0)) for k, n, st in counts]
    return sorted(rows, key=lambda r: (-r.signed, -r.signed_amount, r.label))


def _labels(uow: UnitOfWork, by: str, keys: Sequence[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if by == "source":
        return {k: SOURCE_NAMES.get(k, k) for k in ids}
    model: Any
    model, name = {"industry": (Industry, Industry.name), "owner": (User, User.display_name),
                   "ambassador": (Ambassador, Ambassador.name),
                   "event": (Event, Event.name)}[by]
    if not ids:
        return {}
    return dict(uow.session.execute(select(model.id, name).where(model.id.in_(ids))).all())


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
    return [*_signed_where(period, as_of, filters or Filters()),
            or_(Project.started_on.is_(None), Project.started_on > as_of),
            or_(Project.dropped_on.is_(None), Project.dropped_on > as_of)]


def count_signed_not_started(uow: UnitOfWork, period: Period, as_of: dt.date,
                             filters: Filters | None = None) -> int:
    """How many projects ``signed_not_started`` lists (one index range, no row read)."""
    return int(uow.session.scalar(select(func.count()).select_from(Project).where(
        *_pending_where(period, as_of, filters))) or 0)


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
        # their rows
        ids = (select(Project.id).where(*_pending_where(period, as_of, filters))
               .order_by(Project.signed_on, Project.id).offset(offset or None).limit(limit))
        stmt = stmt.where(Project.id.in_(list(uow.session.scalars(ids))))
    rows: Any = uow.session.execute(stmt)
    return [PendingRow(pid, name, company, ind or "", own or "", signed,
                       (as_of - signed).days, Decimal(amt or 0), stage)
            for pid, name, company, ind, own, signed, amt, stage in rows]


# --- by month -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    signed: int
    started: int

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def monthly(uow: UnitOfWork, period: Period, as_of: dt.date,
            filters: Filters | None = None) -> list[MonthRow]:
    """Signings and starts (of any signing year) in each month of the period."""
    f = filters or Filters()
    end = min(period.end, as_of)

    def counted(col: Any) -> dict[tuple[int, int], int]:
        y, m = extract("year", col), extract("month", col)
        stmt = (select(y, m, func.count()).where(col >= period.start, col <= end,
                                                 *f.conditions()).group_by(y, m))
        return {(int(a), int(b)): int(n) for a, b, n in uow.session.execute(stmt)}

    signed, started = counted(Project.signed_on), counted(Project.started_on)
    rows: list[MonthRow] = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        rows.append(MonthRow(y, m, signed.get((y, m), 0), started.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


# --- targets --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetCompletion:
    metric: str
    label: str
    target: Decimal
    actual: Decimal

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.actual, self.target)

    @property
    def completion_text(self) -> str:
        return format_rate(self.completion)


def target_completion(uow: UnitOfWork, year: int, as_of: dt.date,
                      filters: Filters | None = None) -> list[TargetCompletion]:
    """Actual against each yearly target set for ``year`` (completion = actual / target)."""
    goals = targets(uow, year)
    if not goals:
        return []
    whole = Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    figures = start_rate(uow, whole, as_of, filters)
    f = filters or Filters()
    funds = uow.session.scalar(
        select(func.sum(Funding.amount)).join(Project, Project.id == Funding.project_id)
        .where(Funding.received_on >= whole.start, Funding.received_on <= min(whole.end, as_of),
               *f.conditions())) or Decimal(0)
    actual = {"signed_count": Decimal(figures.signed), "signed_amount": figures.signed_amount,
              "started_count": Decimal(figures.started),
              "start_rate": (figures.rate or Decimal(0)) * 100,
              "funds": funds, "industrial_investment": funds}
    return [TargetCompletion(g.metric, TARGET_METRICS.get(g.metric, g.metric), g.value,
                             actual.get(g.metric, Decimal(0))) for g in goals]


@dataclass(frozen=True)
class Dashboard:
    """Everything the 工作台 shows, read in one unit of work."""

    figures: StartRate
    previous: StartRate
    funnel: list[FunnelStep]
    monthly: list[MonthRow]
    by_industry: list[BreakdownRow]
    pending: list[PendingRow]  # the first PENDING_SCREEN of them
    targets: list[TargetCompletion] = field(default_factory=list)
    pending_count: int = 0  # all of them


def dashboard(uow: UnitOfWork, period: Period, as_of: dt.date,
              filters: Filters | None = None) -> Dashboard:
    return Dashboard(
        figures=start_rate(uow, period, as_of, filters),
        previous=start_rate(uow, previous_period(period), as_of, filters),
        funnel=funnel(uow, period, as_of, filters),
        monthly=monthly(uow, period, as_of, filters),
        by_industry=breakdown(uow, "industry", period, as_of, filters),
        pending=signed_not_started(uow, period, as_of, filters, limit=PENDING_SCREEN),
        targets=target_completion(uow, period.end.year, as_of, filters),
        pending_count=count_signed_not_started(uow, period, as_of, filters))
