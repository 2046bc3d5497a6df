"""The 考核得分 report: the scorecard, each person's score and the rewards, from the same
functions as the 考核 page and ``crm scorecard`` (crm.services.scorecard, crm.services.rewards).

The report's period chooses the scorecard: a period from 1 January to the end of a quarter is
that quarter (its 时序目标, cumulative), anything else the whole year of the period's end.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.db import UnitOfWork
from crm.excel.xlsx import Book, Column
from crm.services import rewards, scorecard
from crm.services.metrics import Filters, Period
from crm.services.scorecard import Scorecard

LINES = (Column("类别", "text", 8), Column("指标", "text", 26), Column("单位", "text", 7),
         Column("实际", "money", 14), Column("目标", "money", 14), Column("目标口径", "text", 22),
         Column("完成率", "pct", 10), Column("分值", "money", 8), Column("封顶系数", "money", 9),
         Column("每个计分", "money", 9), Column("最高", "money", 8), Column("得分", "money", 8),
         Column("尚可得分", "money", 9), Column("满分还差", "money", 12), Column("说明", "text", 18))
PEOPLE = (Column("排名", "int", 6), Column("人员", "text", 12), Column("得分", "money", 9),
          Column("尚可得分", "money", 10))
REWARDS = (Column("奖励对象", "text", 10), Column("姓名", "text", 22), Column("项目名称", "text", 28),
           Column("企业名称", "text", 28), Column("登记日期", "date", 11),
           Column("签约日期", "date", 11), Column("当年到位固投(万元)", "money", 18),
           Column("按比例(万元)", "money", 13), Column("奖励(万元)", "money", 12),
           Column("说明", "text", 26))


def quarter_of(period: Period) -> tuple[int, int | None]:
    """(year, quarter) the report's period stands for (quarter None: the whole year)."""
    year = period.end.year
    for q in (1, 2, 3):
        if (period.start, period.end) == (dt.date(year, 1, 1),
                                          scorecard.scorecard_period(year, q).end):
            return year, q
    return year, None


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _card_sheet(book: Book, org: str, card: Scorecard, sheet: str) -> int:
    name = card.scheme.name if card.scheme else "（未定义考核方案）"
    who = f"{card.owner} " if card.owner else ""
    table = book.sheet(sheet, f"{org}{who}{name}", f"考核期间：{card.period_text}", LINES)
    for line in card.lines:
        score = line.kind == "score"
        table.add([line.kind_name, line.label, line.unit, _num(line.actual), _num(line.target),
                   line.basis, _ratio(line.ratio), line.weight if score else None,
                   line.cap if score else None, None if score else line.points_each,
                   line.points_max, line.points, _num(line.available), _num(line.to_full),
                   line.note])
    table.total("合计", [None, None, None, None, None, None, card.full_marks, None, None, None,
                         card.total, card.available])
    return len(card.lines)


def write_scorecard(uow: UnitOfWork, book: Book, org: str, period: Period, as_of: dt.date,
                    _filters: Filters) -> int:
    """考核得分 (the unit's), 人员考核得分 (per person, when a scheme exists) and 奖励明细."""
    year, quarter = quarter_of(period)
    rows = _card_sheet(book, org, scorecard.score(uow, year, quarter, as_of), "考核得分")
    people = scorecard.people_scores(uow, year, quarter, as_of)
    if people:
        table = book.sheet("人员考核得分", f"{org}{people[0].scheme.name if people[0].scheme else ''}",
                           f"考核期间：{people[0].period_text}", PEOPLE)
        table.add_all([rank, c.owner, c.total, c.available]
                      for rank, c in enumerate(people, start=1))
        table.finish()
    lines = rewards.rewards(uow, year, as_of)
    rules = "；".join(r.text for r in rewards.reward_rules(uow, year)) or "未设奖励规则"
    table = book.sheet("奖励明细", f"{org}{year} 年招商大使与引荐人奖励",
                       f"截至 {as_of.isoformat()}；{rules}", REWARDS)
    table.add_all([r.role_name, r.person, r.project, r.company, r.registered_on, r.signed_on,
                   r.fixed_assets, r.computed, r.reward, r.reason] for r in lines)
    table.total("合计", [None, None, None, None, None,
                         sum((r.fixed_assets for r in lines), Decimal(0)),
                         sum((r.computed for r in lines), Decimal(0)),
                         sum((r.reward for r in lines), Decimal(0))])
    return rows
