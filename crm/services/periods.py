"""Periods and filters of the figures (DESIGN §3): what ``--from``/``--to``/``--as-of`` and the
filters the window and the command line offer mean, and the conditions that select the signed
projects of a period; crm.services.metrics computes on them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, extract, select

from crm.bands import BAND_FLOORS, resolve_band
from crm.db import UnitOfWork
from crm.errors import NotFoundError, ValidationError
from crm.models import Ambassador, Chain, Event, Industry, Project, Segment, User
from crm.services.common import SOURCE_NAMES, SOURCES, parse_date_text, resolve_ids
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
