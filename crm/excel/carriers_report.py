"""载体资源与落位: the district's space by kind and carrier, and every placement (report
``carriers``), from crm.services.carriers as the 载体 page and ``crm carriers`` show it.

The figures are as of the report's as-of date (placed by then and not yet released; firm when
the project had signed by then); the period adds the space newly placed within it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.db import UnitOfWork
from crm.excel.xlsx import Book, Column
from crm.services import carriers
from crm.services.carriers import LAND, SHORT, CarrierFigures
from crm.services.metrics import Filters, Period

SUMMARY = (Column("类型", "text", 10), Column("载体数", "int", 8), Column("总面积(㎡)", "area", 15),
           Column("已落位(㎡)", "area", 14), Column("其中拟落地(㎡)", "area", 14),
           Column("可用(㎡)", "area", 15), Column("空置率", "pct", 9),
           Column("期间新落位(㎡)", "area", 14))
CARRIERS = (Column("载体名称", "text", 22), Column("类型", "text", 6), Column("所在园区", "text", 14),
            Column("总面积(㎡)", "area", 14), Column("落位(㎡)", "area", 12),
            Column("拟落地(㎡)", "area", 11), Column("其他占用(㎡)", "area", 11),
            Column("可用(㎡)", "area", 14), Column("可用(亩)", "area", 11),
            Column("空置率", "pct", 8), Column("落位项目", "int", 8),
            Column("适宜产业", "text", 22))
PLACEMENTS = (Column("载体", "text", 20), Column("项目", "text", 26), Column("企业", "text", 26),
              Column("阶段", "text", 7), Column("状态", "text", 8), Column("面积(㎡)", "area", 13),
              Column("面积(亩)", "area", 10), Column("落位日期", "date", 11),
              Column("释放日期", "date", 11), Column("释放原因", "text", 12))


def _f(value: Decimal) -> float:
    return float(value)


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def write_carriers(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
                   f: Filters) -> int:
    """The three sheets; returns the carriers listed."""
    rows = carriers.carrier_figures(uow, as_of=as_of)
    every = [p for p in carriers.placements(uow, include_released=True) if p.placed_on <= as_of]
    new: dict[int, Decimal] = {}
    for p in every:
        if period.start <= p.placed_on <= min(period.end, as_of):
            new[p.carrier_id] = new.get(p.carrier_id, Decimal(0)) + p.area
    sub = (f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}"
           f"（截至 {as_of.isoformat()}）；面积按截至日的落位计")
    summary = book.sheet("汇总", f"{org}载体资源与落位", sub, SUMMARY)
    for t in carriers.totals_by_kind(rows):
        mine: list[CarrierFigures] = [r for r in rows if r.kind == t.kind]
        summary.add([t.kind, t.carriers, _f(t.total), _f(t.placed),
                     _f(sum((r.tentative for r in mine), Decimal(0))), _f(t.free),
                     _rate(t.vacancy), _f(sum((new.get(r.id, Decimal(0)) for r in mine),
                                              Decimal(0)))])
    total = sum((r.total for r in rows), Decimal(0))
    free = sum((r.free for r in rows), Decimal(0))
    summary.total("合计", [len(rows), _f(total), _f(sum((r.placed for r in rows), Decimal(0))),
                           _f(sum((r.tentative for r in rows), Decimal(0))), _f(free),
                           _rate(free / total if total else None),
                           _f(sum(new.values(), Decimal(0)))])
    table = book.sheet("载体", f"{org}载体资源", sub, CARRIERS)
    table.add_all([r.name, SHORT[r.kind], r.park, _f(r.total), _f(r.firm), _f(r.tentative),
                   _f(r.other), _f(r.free), _f(carriers.m2_to_mu(r.free)), _rate(r.vacancy),
                   r.projects, "、".join(r.industries)] for r in rows)
    table.finish()
    detail = book.sheet("落位明细", f"{org}载体落位明细", sub, PLACEMENTS)
    order = {r.id: i for i, r in enumerate(rows)}
    every.sort(key=lambda p: (order.get(p.carrier_id, 0), p.placed_on, p.id))
    detail.add_all([p.carrier, p.project or p.note, p.company, p.stage_name, p.status_on(as_of),
                    _f(p.area), _f(carriers.m2_to_mu(p.area)) if p.kind == LAND else None,
                    p.placed_on,
                    p.released_on if p.released_on and p.released_on <= as_of else None,
                    p.release_reason if p.released_on and p.released_on <= as_of else ""]
                   for p in every)
    detail.finish()
    return len(rows)
