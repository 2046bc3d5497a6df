"""Monthly snapshots (月报快照): the figures of a month end, frozen as they were reported.

A manager takes the snapshot of a month once the month has ended (its last day may be today).
It stores the 月报 as JSON: the year-to-date §3 figures as of the month's last day, their
breakdowns, the 签约未开工 list and the year-end forecast, with who took it and when. Rows are
only inserted: no function here or anywhere changes or deletes one, so a later correction of
the data leaves every snapshot as it was; ``crm export start-rate --snapshot 2025-06`` and the
报表 page write the 签约与开工 report from it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import types
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints

from sqlalchemy import select

from crm import clock, permissions
from crm.db import UnitOfWork
from crm.errors import NotFoundError, ValidationError
from crm.models import Snapshot
from crm.services import metrics
from crm.services.common import Actor, audit
from crm.services.forecast import Forecast, forecast
from crm.services.metrics import BREAKDOWNS, BreakdownRow, Filters, PendingRow, Period, StartRate

FORMAT = 1  # the JSON layout's version, stored with each snapshot


@dataclass(frozen=True)
class MonthReport:
    """The 签约与开工 report's content: live (:func:`month_report`) or from a snapshot."""

    figures: StartRate
    breakdowns: dict[str, list[BreakdownRow]]
    pending: list[PendingRow]
    forecast: Forecast
    # for a snapshot: "2025-06 月报快照（周建明 2025-07-01 09:30 冻结）"
    source: str = ""


def month_report(uow: UnitOfWork, period: Period, as_of: dt.date,
                 filters: Filters | None = None) -> MonthReport:
    f = filters or Filters()
    return MonthReport(metrics.start_rate(uow, period, as_of, f),
                       {by: metrics.breakdown(uow, by, period, as_of, f) for by in BREAKDOWNS},
                       metrics.signed_not_started(uow, period, as_of, f),
                       forecast(uow, period, as_of, f))


# --- JSON, both ways ------------------------------------------------------------------------
def _dump(x: Any) -> Any:
    if is_dataclass(x) and not isinstance(x, type):
        return {f.name: _dump(getattr(x, f.name)) for f in fields(x)}
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, list | tuple):
        return [_dump(i) for i in x]
    if isinstance(x, dict):
        return {k: _dump(v) for k, v in x.items()}
    return x


def _load(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        for a in options:  # a plain value of one of the types (BreakdownRow.key: int | str)
            if a in (int, str, bool) and isinstance(value, a):
                return value
        return _load(options[0], value)
    if origin is list:
        return [_load(args[0], v) for v in value]
    if origin is dict:
        return {k: _load(args[1], v) for k, v in value.items()}
    if isinstance(hint, type) and is_dataclass(hint):
        hints = get_type_hints(hint)
        return hint(**{f.name: _load(hints[f.name], value[f.name]) for f in fields(hint)
                       if f.name in value})
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    return value


def report_to_json(report: MonthReport) -> str:
    return json.dumps({"format": FORMAT, **_dump(report)}, ensure_ascii=False)


def report_from_json(text: str, source: str = "") -> MonthReport:
    data = json.loads(text)
    data.pop("format", None)
    data["source"] = source
    report: MonthReport = _load(MonthReport, data)
    return report


# --- taking and reading ---------------------------------------------------------------------
def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` → its first and last day."""
    text = (month or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1990 <= int(m.group(1)) <= 2100:
        raise ValidationError(f"月份应写成 YYYY-MM，如 2025-06（收到“{month}”）",
                              code="snapshot.month", field="month")
    year, number = int(m.group(1)), int(m.group(2))
    return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])


def month_period(month: str) -> tuple[Period, dt.date]:
    """A 月报's period (the year to the month's end) and as-of date (the month's last day)."""
    first, last = month_bounds(month)
    return Period(dt.date(first.year, 1, 1), last), last


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    month: str
    as_of: dt.date
    taken_at: dt.datetime
    taken_by: str
    signed: int
    started: int
    rate_text: str
    forecast_rate_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return (f"{self.month} 月报快照（{self.taken_by} {self.taken_at:%Y-%m-%d %H:%M} 冻结，"
                f"其后的数据修改不影响本表）")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "month": self.month, "as_of": self.as_of.isoformat(),
                "taken_at": self.taken_at.isoformat(timespec="seconds"),
                "taken_by": self.taken_by, "signed": self.signed, "started": self.started,
                "start_rate_text": self.rate_text,
                "forecast_start_rate_text": self.forecast_rate_text}


def _row(s: Snapshot, report: MonthReport | None = None) -> SnapshotRow:
    report = report or report_from_json(s.data)
    f = report.figures
    return SnapshotRow(s.id, s.month, s.as_of, s.taken_at, s.taken_by_name, f.signed, f.started,
                       f.rate_text, report.forecast.rate_text)


def take_snapshot(uow: UnitOfWork, actor: Actor, month: str) -> SnapshotRow:
    """Freeze the 月报 of ``month`` (``YYYY-MM``): once, after the month has ended."""
    permissions.require(uow, actor, "snapshots.take_snapshot")
    period, as_of = month_period(month)
    key = f"{as_of.year}-{as_of.month:02d}"
    today = clock.today()
    if as_of > today:
        raise ValidationError(f"{key} 尚未结束（月末 {as_of}，今天 {today}），月末当天及以后才能冻结",
                              code="snapshot.future", field="month")
    if uow.session.scalar(select(Snapshot.id).where(Snapshot.month == key)) is not None:
        raise ValidationError(f"{key} 的月报快照已冻结，不能重拍或修改", code="snapshot.exists",
                              field="month")
    report = month_report(uow, period, as_of)
    row = Snapshot(month=key, as_of=as_of, taken_by_id=actor.user_id,
                   taken_by_name=actor.name, data=report_to_json(report),
                   taken_at=dt.datetime.now().replace(microsecond=0))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "snapshot", "snapshot", row.id, name=f"{key} 月报快照", month=key)
    return _row(row, report)


def list_snapshots(uow: UnitOfWork) -> list[SnapshotRow]:
    """Every snapshot, newest month first."""
    return [_row(s) for s in uow.session.scalars(select(Snapshot).order_by(Snapshot.month.desc()))]


def snapshot_report(uow: UnitOfWork, month: str) -> MonthReport:
    """The frozen 月报 of ``month``, as it was taken."""
    _first, last = month_bounds(month)
    key = f"{last.year}-{last.month:02d}"
    s = uow.session.scalar(select(Snapshot).where(Snapshot.month == key))
    if s is None:
        raise NotFoundError(f"没有 {key} 的月报快照（crm snapshot list 列出已有的）",
                            code="snapshot.missing")
    return report_from_json(s.data, _row(s).source)


def snapshot_months(uow: UnitOfWork, year: int) -> dict[int, StartRate]:
    """The frozen year-to-date figures of ``year``'s months that have a snapshot."""
    found: dict[int, StartRate] = {}
    for s in uow.session.scalars(select(Snapshot).where(Snapshot.month.like(f"{year}-%"))):
        found[int(s.month[5:7])] = report_from_json(s.data).figures
    return found
