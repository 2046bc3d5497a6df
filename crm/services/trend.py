"""The 开工率 month by month through a year, and the lag from signing to start.

Definitions (docs/figures.md, "趋势" and "签约到开工天数"):

- a **trend point** for month m of year Y is the year-to-date 开工率 at that month's end: the
  §3 figures for the period Y-01-01 … the month's last day, as of that day — the 月报 of the
  month. Where a snapshot of the month exists (and no filter is set) its frozen figures are
  shown, marked 快照; otherwise they are computed now, marked 计算. The month holding ``today``
  is computed as of today (marked 截至今日); later months have no point.
- the **lag** of a project is the days from its first signing to its start. It is read for the
  projects signed in the period that started on or before as-of, in any year (a start in the
  next year is slow, and counts as such). Per group: how many started, the median and the
  quartiles (inclusive, linearly interpolated, as Excel's QUARTILE.INC), the fastest and the
  slowest; and how many of the group are still waiting (signed, not started, not dropped).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.models import Project
from crm.money import format_rate, ratio
from crm.services.metrics import Filters, Period, _labels, _signed_where, start_rate
from crm.services.snapshots import snapshot_months


@dataclass(frozen=True)
class TrendPoint:
    year: int
    month: int
    as_of: dt.date
    signed: int
    started: int
    source: str  # "snapshot" 快照 | "computed" 计算
    partial: bool = False  # the month has not ended: as of today

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.started, self.signed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def mark(self) -> str:
        if self.source == "snapshot":
            return "快照"
        return "计算（截至今日）" if self.partial else "计算"

    def to_json(self) -> dict[str, Any]:
        rate = self.rate
        return {"month": self.label, "as_of": self.as_of.isoformat(), "signed": self.signed,
                "started": self.started, "start_rate": None if rate is None else
                float(rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
                "start_rate_text": self.rate_text, "source": self.source,
                "partial": self.partial}


def trend(uow: UnitOfWork, year: int, today: dt.date,
          filters: Filters | None = None) -> list[TrendPoint]:
    """The year-to-date 开工率 at each month end of ``year`` up to ``today`` (docstring)."""
    f = filters or Filters()
    frozen = {} if f != Filters() else snapshot_months(uow, year)
    points: list[TrendPoint] = []
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        if first > today:
            break
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if month in frozen:
            s = frozen[month]
            points.append(TrendPoint(year, month, s.as_of, s.signed, s.started, "snapshot"))
            continue
        as_of = min(end, today)
        figures = start_rate(uow, Period(dt.date(year, 1, 1), end), as_of, f)
        points.append(TrendPoint(year, month, as_of, figures.signed, figures.started, "computed",
                                 partial=as_of < end))
    return points


# --- lag ------------------------------------------------------------------------------------
def quantile(values: list[int], q: Decimal) -> Decimal:
    """The inclusive quantile of sorted ``values`` (linear between ranks), as QUARTILE.INC."""
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return Decimal(values[low]) + (Decimal(values[high]) - Decimal(values[low])) * (pos - low)


def _days(x: Decimal | None) -> str:
    return "—" if x is None else format(x.quantize(Decimal("0.1"), ROUND_HALF_UP).normalize(), "f")


@dataclass(frozen=True)
class LagRow:
    key: int | str | None
    label: str
    started: int
    waiting: int
    median: Decimal | None
    q1: Decimal | None
    q3: Decimal | None
    fastest: int | None
    slowest: int | None

    @property
    def median_text(self) -> str:
        return _days(self.median)

    @property
    def q1_text(self) -> str:
        return _days(self.q1)

    @property
    def q3_text(self) -> str:
        return _days(self.q3)

    def to_json(self) -> dict[str, Any]:
        def num(x: Decimal | None) -> float | None:
            return None if x is None else float(x)
        return {"label": self.label, "started": self.started, "waiting": self.waiting,
                "median_days": num(self.median), "q1_days": num(self.q1),
                "q3_days": num(self.q3), "fastest_days": self.fastest,
                "slowest_days": self.slowest}


def _lag_row(key: int | str | None, label: str, days: list[int], waiting: int) -> LagRow:
    days = sorted(days)
    if not days:
        return LagRow(key, label, 0, waiting, None, None, None, None, None)
    return LagRow(key, label, len(days), waiting, quantile(days, Decimal("0.5")),
                  quantile(days, Decimal("0.25")), quantile(days, Decimal("0.75")),
                  days[0], days[-1])


LAG_GROUPS = {"industry": "按产业", "owner": "按招商专员", "source": "按招商来源"}


@dataclass(frozen=True)
class Lag:
    overall: LagRow
    groups: dict[str, list[LagRow]]  # by: rows, fastest median first, none started last


def lag(uow: UnitOfWork, period: Period, as_of: dt.date, filters: Filters | None = None) -> Lag:
    """Days from signing to start, overall and by industry, owner and source (docstring)."""
    where = _signed_where(period, as_of, filters or Filters())
    rows: Any = uow.session.execute(
        select(Project.industry_id, Project.owner_id, Project.source, Project.signed_on,
               Project.started_on, Project.dropped_on).where(*where))
    started: dict[str, dict[Any, list[int]]] = {by: defaultdict(list) for by in LAG_GROUPS}
    waiting: dict[str, dict[Any, int]] = {by: defaultdict(int) for by in LAG_GROUPS}
    all_days: list[int] = []
    all_waiting = 0
    for industry, owner, source, signed, start, dropped in rows:
        keys = {"industry": industry, "owner": owner, "source": source}
        if start is not None and start <= as_of:
            days = (start - signed).days
            all_days.append(days)
            for by, key in keys.items():
                started[by][key].append(days)
        elif dropped is None or dropped > as_of:
            all_waiting += 1
            for by, key in keys.items():
                waiting[by][key] += 1
    groups: dict[str, list[LagRow]] = {}
    for by in LAG_GROUPS:
        present = set(started[by]) | set(waiting[by])
        labels = _labels(uow, by, list(present))
        out = [_lag_row(k, labels.get(k, "（未填）") if k is not None else "（未填）",
                        started[by].get(k, []), waiting[by].get(k, 0)) for k in present]
        groups[by] = sorted(out, key=lambda r: (r.median is None, r.median or 0, r.label))
    return Lag(_lag_row(None, "全部", all_days, all_waiting), groups)
