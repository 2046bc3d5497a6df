"""The reports managers hand upward (DESIGN §6), written from the figures of crm.services.metrics.

Every number in a report comes from the same service functions the dashboard and ``stats`` use
(``start_rate``, ``breakdown``, ``funnel``, ``signed_not_started``), never recomputed here, so a
report and the screen always agree for the same period and as-of date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crm import stages
from crm.db import Database, UnitOfWork
from crm.errors import ValidationError
from crm.excel.carriers_report import write_carriers
from crm.excel.chains_report import write_chains
from crm.excel.ledger import write_ledger
from crm.excel.rows import Cancelled, OperationCancelled, Progress
from crm.excel.scorecard_report import write_scorecard
from crm.excel.xlsx import Book, Column, Table, column_pixels
from crm.models import ContactLog
from crm.money import yi
from crm.services import contacts, events, metrics, settings, snapshots, users
from crm.services.forecast import Forecast
from crm.services.metrics import BreakdownRow, Filters, Period

REPORTS = {"ledger": "项目台账", "start-rate": "签约与开工", "contacts": "接洽记录",
           "staff": "人员考核", "events": "活动成效", "scorecard": "考核得分",
           "chains": "产业链图谱", "carriers": "载体资源与落位"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    report: str
    rows: int  # data rows written (the main table)


def export_report(db: Database, report: str, path: str | Path, period: Period, as_of: dt.date,
                  filters: Filters | None = None, *, progress: Progress | None = None,
                  cancelled: Cancelled | None = None) -> ExportResult:
    """Write ``report`` (a key of :data:`REPORTS`) to ``path``; the file is removed on failure."""
    if report not in REPORTS:
        raise ValidationError(f"未知报表“{report}”，可用：{', '.join(REPORTS)}",
                              code="report.unknown")
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise ValidationError("报表文件名应以 .xlsx 结尾", code="report.suffix")
    with db.uow() as uow, Book(out) as book:
        rows = write_report(uow, book, report, period, as_of, filters, progress=progress,
                            cancelled=cancelled)
    return ExportResult(out, report, rows)


def write_report(uow: UnitOfWork, book: Book, report: str, period: Period, as_of: dt.date,
                 filters: Filters | None = None, *, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> int:
    """Write ``report``'s sheets into ``book`` (a file, or a preview's recording book);
    returns the rows of its main table."""
    org = settings.org_name(uow)
    book.org = org
    if report == "ledger":
        return write_ledger(uow, book, org, as_of, progress=progress, cancelled=cancelled)
    if progress is not None:
        progress(0, 1)
    rows = _WRITERS[report](uow, book, org, period, as_of, filters or Filters())
    if cancelled is not None and cancelled():
        raise OperationCancelled("已取消导出")
    if progress is not None:
        progress(1, 1)
    return rows


def _subtitle(period: Period, as_of: dt.date) -> str:
    return f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}（截至 {as_of.isoformat()}）"


def _yi(wan: Decimal) -> float:
    return float(yi(wan))


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- 签约与开工 --------------------------------------------------------------------------------
SUMMARY = (Column("签约项目数", "int", 12), Column("当年开工(开业)数", "int", 16),
           Column("开工率", "pct", 10), Column("签约金额(亿元)", "money", 15),
           Column("到位资金(亿元)", "money", 15), Column("资金到位率", "pct", 12))
BREAKDOWN = (Column("名称", "text", 34), Column("签约项目数", "int", 12),
             Column("当年开工(开业)数", "int", 16), Column("开工率", "pct", 10),
             Column("签约金额(亿元)", "money", 15))
PENDING = (Column("项目名称", "text", 30), Column("企业名称", "text", 30),
           Column("所属产业", "text", 12), Column("招商专员", "text", 10),
           Column("签约日期", "date", 11), Column("签约天数", "int", 10),
           Column("签约金额(万元)", "money", 15), Column("项目状态", "text", 9))
BY = (("industry", "按产业"), ("owner", "按招商专员"), ("source", "按招商来源"),
      ("ambassador", "按招商大使"), ("event", "按签约活动"))


def _start_rate(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
                f: Filters) -> int:
    return write_start_rate(book, org, snapshots.month_report(uow, period, as_of, f))


# one A4 page upright (90 characters wide)
FORECAST = (Column("签约项目数", "int", 11), Column("已开工(开业)数", "int", 14),
            Column("计划年内开工数", "int", 13), Column("按计划年底开工率", "pct", 16),
            Column("开工率目标", "pct", 10), Column("距目标还需开工", "int", 14),
            Column("未填计划日期", "int", 12))
SPRINT = (Column("计划开工(开业)日期", "date", 18), Column("类型", "text", 6),
          Column("项目名称", "text", 30), Column("企业名称", "text", 30),
          Column("招商专员", "text", 10), Column("签约日期", "date", 11),
          Column("签约天数", "int", 10), Column("逾期", "text", 6),
          Column("签约金额(万元)", "money", 15))


def write_start_rate(book: Book, org: str, report: snapshots.MonthReport) -> int:
    """The 签约与开工 report from its content, live or frozen in a 月报快照 (``report.source``
    then says which, on every sheet)."""
    figures = report.figures
    period, as_of = figures.period, figures.as_of
    sub = _subtitle(period, as_of) + (f"；{report.source}" if report.source else "")
    summary = book.sheet("汇总", f"{org}签约与开工情况", sub, SUMMARY)
    summary.add([figures.signed, figures.started, _rate(figures.rate),
                 _yi(figures.signed_amount), _yi(figures.funds_received),
                 _rate(figures.funds_rate)])
    summary.finish()
    tables: dict[str, Table] = {}
    for by, label in BY:
        table = book.sheet(label, f"{org}签约与开工情况（{label}）", sub, BREAKDOWN)
        table.add_all(_breakdown_row(r) for r in report.breakdowns.get(by, []))
        table.total("合计", [figures.signed, figures.started, _rate(figures.rate),
                             _yi(figures.signed_amount)])
        tables[by] = table
    pending = report.pending
    wait = book.sheet("签约未开工", f"{org}签约未开工项目", f"{sub}；按签约先后排列", PENDING)
    wait.add_all([p.name, p.company, p.industry, p.owner, p.signed_on, p.days_since_signing,
                  p.signed_amount, stages.NAMES.get(p.stage, p.stage)] for p in pending)
    wait.finish()
    _forecast_sheets(book, org, sub, report.forecast)
    _chart(book, summary, tables["industry"])
    return len(pending)


def _forecast_sheets(book: Book, org: str, sub: str, fc: Forecast) -> None:
    """年底预测 (the forecast and the target gap) and 冲刺清单 (docs/figures.md)."""
    table = book.sheet("年底预测", f"{org}按计划年底开工率（{fc.target_year} 年）",
                       f"{sub}；计划年内开工的项目都如期开工时的开工率", FORECAST)
    table.add([fc.signed, fc.started, fc.planned, _rate(fc.rate),
               None if fc.target is None else float(fc.target / 100), fc.starts_needed,
               fc.no_plan])
    table.finish()
    sprint = book.sheet("冲刺清单", f"{org}冲刺清单（计划年内开工的签约未开工项目）",
                        f"{sub}；{fc.gap_text()}；按计划日期排列", SPRINT)
    sprint.add_all([r.planned_start_on, r.planned_start_kind, r.name, r.company, r.owner,
                    r.signed_on, r.days_since_signing, "逾期" if r.overdue else "",
                    r.signed_amount] for r in fc.sprint)
    sprint.finish()


def export_snapshot(db: Database, month: str, path: str | Path) -> ExportResult:
    """The 签约与开工 report of a 月报快照, exactly as frozen (``crm export start-rate
    --snapshot 2025-06``)."""
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise ValidationError("报表文件名应以 .xlsx 结尾", code="report.suffix")
    with db.uow() as uow:
        report = snapshots.snapshot_report(uow, month)
        org = settings.org_name(uow)
    with Book(out) as book:
        book.org = org
        rows = write_start_rate(book, org, report)
    return ExportResult(out, "start-rate", rows)


def _breakdown_row(r: BreakdownRow) -> list[Any]:
    return [r.label, r.signed, r.started, _rate(r.rate), _yi(r.signed_amount)]


def _chart(book: Book, summary: Table, by_industry: Table) -> None:
    """A native column chart: signed and started per industry (read from the 按产业 sheet)."""
    first, last = by_industry.data_rows
    if last < first:
        return
    sheet = by_industry.ws.get_name()
    chart = book.wb.add_chart({"type": "column"})
    for col, name in ((1, "签约项目数"), (2, "当年开工(开业)数")):
        chart.add_series({"name": name, "categories": [sheet, first, 0, last, 0],
                          "values": [sheet, first, col, last, col], "data_labels": {"value": True}})
    chart.set_title({"name": "各产业签约与开工"})
    chart.set_y_axis({"name": "项目数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    # as wide as the table above it and no wider, so the printed page (one page wide) holds
    # both at the table's scale; the print area ends below the chart
    width = sum(column_pixels(c.width) for c in summary.columns)
    top = summary.row + 1
    chart.set_size({"width": width, "height": 360})
    summary.ws.insert_chart(top, 0, chart)
    summary.ws.print_area(0, 0, top + 360 // 20 + 1, len(summary.columns) - 1)


# --- 接洽记录 ----------------------------------------------------------------------------------
CONTACTS = (Column("接洽日期", "date", 11), Column("招商专员", "text", 10),
            Column("企业名称", "text", 28), Column("项目名称", "text", 28),
            Column("接洽方式", "text", 9), Column("参与人员", "text", 18),
            Column("接洽内容", "text", 40), Column("下一步", "text", 24),
            Column("跟进日期", "date", 11), Column("已跟进", "text", 7))


def _contacts(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
              f: Filters) -> int:
    logs = contacts.list_logs(uow, date_from=period.start, date_to=min(period.end, as_of),
                              limit=None)
    logs.sort(key=lambda r: (r.logged_on, r.id))
    table = book.sheet("接洽记录", f"{org}招商接洽记录", _subtitle(period, as_of), CONTACTS)
    table.add_all([r.logged_on, r.user, r.company, r.project, r.mode, r.participants, r.content,
                   r.next_step, r.follow_up_on, "是" if r.follow_up_done else "否"] for r in logs)
    table.finish()
    return len(logs)


# --- 人员考核 ----------------------------------------------------------------------------------
STAFF = (Column("招商专员", "text", 12), Column("新增线索", "int", 10), Column("接洽次数", "int", 10),
         Column("签约项目数", "int", 12), Column("签约金额(亿元)", "money", 15),
         Column("当年开工(开业)数", "int", 16), Column("开工率", "pct", 10))


def contact_counts(uow: UnitOfWork, period: Period, as_of: dt.date) -> dict[int | None, int]:
    """接洽次数 per staff member within the period (up to as-of)."""
    stmt = (select(ContactLog.user_id, func.count())
            .where(ContactLog.logged_on >= period.start,
                   ContactLog.logged_on <= min(period.end, as_of))
            .group_by(ContactLog.user_id))
    return {uid: int(n) for uid, n in uow.session.execute(stmt)}


def _staff(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
           f: Filters) -> int:
    by_owner = {r.key: r for r in metrics.breakdown(uow, "owner", period, as_of, f)}
    talks = contact_counts(uow, period, as_of)
    # Every active 招商专员, and anyone else (a manager, a former staff member) with results.
    people = [u for u in users.list_users(uow, include_inactive=True)
              if (u.active and u.role == "staff") or u.id in by_owner or u.id in talks]
    table = book.sheet("人员考核", f"{org}招商人员考核", _subtitle(period, as_of), STAFF)
    for u in people:
        leads = metrics.funnel(uow, period, as_of, _with_owner(f, u.id))[0].reached
        r = by_owner.get(u.id)
        table.add([u.display_name, leads, talks.get(u.id, 0), r.signed if r else 0,
                   _yi(r.signed_amount) if r else 0.0, r.started if r else 0,
                   _rate(r.rate) if r else None])
    total = metrics.start_rate(uow, period, as_of, f)
    all_leads = metrics.funnel(uow, period, as_of, f)[0].reached
    table.total("合计", [all_leads, sum(talks.values()), total.signed, _yi(total.signed_amount),
                         total.started, _rate(total.rate)])
    return len(people)


def _with_owner(f: Filters, owner_id: int) -> Filters:
    return replace(f, owner_ids=(owner_id,))


# --- 活动成效 ----------------------------------------------------------------------------------
EVENTS = (Column("活动名称", "text", 36), Column("活动日期", "date", 11), Column("城市", "text", 8),
          Column("主题", "text", 16), Column("签约项目数", "int", 12),
          Column("签约金额(亿元)", "money", 15), Column("当年开工(开业)数", "int", 16),
          Column("开工率", "pct", 10))


def _events(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
            f: Filters) -> int:
    results = {r.key: r for r in metrics.breakdown(uow, "event", period, as_of, f)}
    rows = [e for e in events.list_events(uow, as_of)
            if period.start <= e.held_on <= period.end or e.id in results]
    rows.sort(key=lambda e: (e.held_on, e.id))
    table = book.sheet("活动成效", f"{org}招商活动成效", _subtitle(period, as_of), EVENTS)
    for e in rows:
        r = results.get(e.id)
        table.add([e.name, e.held_on, e.city, e.theme, r.signed if r else 0,
                   _yi(r.signed_amount) if r else 0.0, r.started if r else 0,
                   _rate(r.rate) if r else None])
    table.finish()
    return len(rows)


_WRITERS = {"start-rate": _start_rate, "contacts": _contacts, "staff": _staff,
            "events": _events, "scorecard": write_scorecard, "chains": write_chains,
            "carriers": write_carriers}
