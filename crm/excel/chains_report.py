"""Report ``chains`` (产业链图谱): coverage per chain and segment, the gap list, the target firms
not yet contacted, and a native chart — the figures of :mod:`crm.views.chains`, as the map
shows them for the same as-of date."""

from __future__ import annotations

import datetime as dt

from crm.db import UnitOfWork
from crm.excel.xlsx import Book, Column, Table, column_pixels
from crm.services.metrics import Filters, Period
from crm.views import chains as view

CHAINS = (Column("产业链", "text", 22), Column("环节数", "int", 8), Column("强链", "int", 8),
          Column("弱链", "int", 8), Column("缺链", "int", 8), Column("完整度", "pct", 10),
          Column("目标企业", "int", 10), Column("已接洽", "int", 9))
SEGMENTS = (Column("产业链", "text", 16), Column("位置", "text", 6), Column("环节", "text", 22),
            Column("状态", "text", 6), Column("目标企业", "int", 8), Column("已接洽", "int", 7),
            Column("线索", "int", 6), Column("在谈", "int", 6), Column("签约", "int", 6),
            Column("开工", "int", 6), Column("本地企业", "int", 8))  # 97: A4 portrait
GAPS = (Column("产业链", "text", 20), Column("位置", "text", 6), Column("环节", "text", 24),
        Column("状态", "text", 6), Column("目标企业", "int", 9), Column("线索与在谈", "int", 10),
        Column("未接洽的目标企业", "text", 60))
UNTOUCHED = (Column("产业链", "text", 20), Column("环节", "text", 22),
             Column("企业名称", "text", 32), Column("层级", "text", 9), Column("城市", "text", 8),
             Column("负责人", "text", 9), Column("理由", "text", 40))


def write_chains(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
                 f: Filters) -> int:
    """The report's sheets; returns the rows of its main table (the segments)."""
    chain_ids = list(f.chain_ids) if f.chain_ids else None
    rows = view.coverage(uow, as_of, chain_ids)
    sub = (f"截至 {as_of.isoformat()}；签约、开工口径同《签约与开工》，"
           "完整度为有已开工（开业）或投产项目的环节占比")
    summary = book.sheet("产业链", f"{org}产业链图谱", sub, CHAINS)
    for c in rows:
        completeness = c.completeness
        summary.add([c.name, len(c.top), c.count(view.STRONG), c.count(view.WEAK),
                     c.count(view.GAP), None if completeness is None else float(completeness),
                     sum(s.targets for s in c.top), sum(s.contacted for s in c.top)])
    summary.finish()
    segments = book.sheet("环节覆盖", f"{org}产业链环节覆盖情况", sub, SEGMENTS)
    count = 0
    for c in rows:
        for s in c.segments:
            name = ("　└ " if s.parent_id else "") + s.name
            segments.add([c.name, s.stage, name, s.status, s.targets, s.contacted, s.leads,
                          s.negotiating, s.signed, s.started, s.local_firms])
            count += 1
    segments.finish()
    targets = view.list_targets(uow, chain_ids[0] if chain_ids and len(chain_ids) == 1 else None)
    if chain_ids:
        targets = [t for t in targets if t.chain_id in chain_ids]
    waiting = [t for t in targets if not t.contacted and t.project_id is None]
    by_segment: dict[int, list[str]] = {}
    for t in waiting:
        by_segment.setdefault(t.segment_id, []).append(t.name)
    gaps = book.sheet("缺链清单", f"{org}缺链、弱链清单", f"{sub}；先缺链后弱链", GAPS)
    for status in (view.GAP, view.WEAK):
        for c in rows:
            for s in c.top:
                if s.status == status:
                    gaps.add([c.name, s.stage, s.name, s.status, s.targets,
                              s.leads + s.negotiating, "、".join(by_segment.get(s.id, []))])
    gaps.finish()
    untouched = book.sheet("未接洽目标企业", f"{org}尚未接洽的目标企业",
                           f"{sub}；未转为线索，也没有接洽记录", UNTOUCHED)
    untouched.add_all([t.chain, t.segment, t.name, t.tier, t.city, t.owner, t.why]
                      for t in waiting)
    untouched.finish()
    _chart(book, summary)
    return count


def _chart(book: Book, summary: Table) -> None:
    """A native stacked column chart: 强 / 弱 / 缺 segments per chain."""
    first, last = summary.data_rows
    if last < first:
        return
    sheet = summary.ws.get_name()
    chart = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    for col, name, colour in ((2, "强链", "#2DA44E"), (3, "弱链", "#D29922"),
                              (4, "缺链", "#CF222E")):
        chart.add_series({"name": name, "categories": [sheet, first, 0, last, 0],
                          "values": [sheet, first, col, last, col],
                          "fill": {"color": colour}, "data_labels": {"value": True}})
    chart.set_title({"name": "各产业链环节覆盖（强 / 弱 / 缺）"})
    chart.set_y_axis({"name": "环节数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    width = sum(column_pixels(c.width) for c in summary.columns)
    top = summary.row + 1
    chart.set_size({"width": width, "height": 340})
    summary.ws.insert_chart(top, 0, chart)
    summary.ws.print_area(0, 0, top + 340 // 20 + 1, len(summary.columns) - 1)
