"""``crm alerts``, ``crm snapshot`` and ``crm trend``: steering the 开工率 from the command line.

The same services as the window's 提醒 and 冲刺 pages (crm.services.alerts, .snapshots, .trend);
today is :func:`crm.clock.today`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from crm import clock
from crm.commands import Command
from crm.db import Database
from crm.errors import ValidationError
from crm.services import alerts, metrics, snapshots, trend, users
from crm.services.common import command_line_actor, parse_date_text
from crm.text import display_width, pad, rpad


def _add_alerts(sub: Any) -> None:
    cmd = sub.add_parser("alerts", help="提醒：签约超期未开工、逾期未开工、久未接洽的项目",
                         description="按负责人列出需要推动的已签约项目（规则与天数见 "
                                     "docs/figures.md“提醒”）。")
    cmd.add_argument("--owner", metavar="X", help="只列这位招商专员负责的项目（编号或姓名的一部分）")
    cmd.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                     help="按这一天计算（默认今天）")
    cmd.add_argument("--json", action="store_true")


def _alerts(db: Database, args: argparse.Namespace) -> int:
    today = parse_date_text(args.as_of, "截至日期") if args.as_of else clock.today()
    with db.uow() as uow:
        owners = metrics.resolve_filters(uow, owner=args.owner).owner_ids if args.owner else ()
        found = alerts.alerts(uow, today, owners)
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False))
        return 0
    limits = found.thresholds
    print(f"截至 {today}：签约超 {limits.signed_days} 天未开工 {found.count('signed_long')} 项，"
          f"逾期未开工 {found.count('planned_passed')} 项，"
          f"超 {limits.quiet_days} 天未接洽 {found.count('no_contact')} 项")
    owner = None
    for r in found.rows:
        if r.owner != owner:
            owner = r.owner
            print(f"【{owner or '（未指定）'}】")
        print(f"  {pad(r.rule_name, 14)} {r.project}（{r.company}）  {r.detail}")
    print(f"共 {len(found.rows)} 条提醒，涉及 {found.projects} 个项目")
    return 0


def _add_snapshot(sub: Any) -> None:
    cmd = sub.add_parser("snapshot", help="月报快照：冻结某月末的数字，或列出已冻结的",
                         description="月报快照一经冻结不再改变；报表可从快照导出"
                                     "（crm export start-rate --snapshot 2025-06）。")
    verbs = cmd.add_subparsers(dest="snapshot_verb", required=True, title="命令", metavar="命令")
    take = verbs.add_parser("take", help="冻结一个月的月报（该月结束后）")
    take.add_argument("--month", required=True, metavar="YYYY-MM", help="月份，如 2025-06")
    take.add_argument("--user", help="以该用户（管理者）身份冻结（登录名，须完全一致）；"
                                     "不填则以本机用户名记入")
    lst = verbs.add_parser("list", help="列出已冻结的月报快照")
    lst.add_argument("--json", action="store_true")


def _snapshot(db: Database, args: argparse.Namespace) -> int:
    if args.snapshot_verb == "take":
        with db.uow() as uow:
            actor = (users.acting_user(uow, args.user).actor() if args.user
                     else command_line_actor())
            row = snapshots.take_snapshot(uow, actor, args.month)
            uow.commit()
        print(f"已冻结 {row.month} 月报快照（截至 {row.as_of}）：签约 {row.signed} 个，"
              f"开工 {row.started} 个，开工率 {row.rate_text}")
        return 0
    rows = db.read(snapshots.list_snapshots)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.month}  截至 {r.as_of}  签约 {r.signed:>4}  开工 {r.started:>4}  "
              f"开工率 {r.rate_text:>7}  {r.taken_by} {r.taken_at:%Y-%m-%d %H:%M} 冻结")
    print(f"共 {len(rows)} 份月报快照")
    return 0


def _add_trend(sub: Any) -> None:
    cmd = sub.add_parser("trend", help="开工率逐月走势与签约到开工天数",
                         description="一年中每个月末的累计开工率（有快照用快照），以及本年签约项目"
                                     "从签约到开工的天数（中位数、四分位数）。")
    cmd.add_argument("--year", metavar="YYYY", help="年份（默认今年）")
    cmd.add_argument("--by", choices=tuple(trend.LAG_GROUPS), metavar="industry|owner|source",
                     help="签约到开工天数再分组列出：industry 按产业、owner 按招商专员、"
                          "source 按招商来源（与窗口“冲刺”页相同）")
    cmd.add_argument("--json", action="store_true")


def _lag_table(label: str, rows: list[trend.LagRow]) -> None:
    """The lag split as the window's 签约到开工天数 table shows it, in terminal columns."""
    print(f"{label}：")
    table = [("名称", "已开工", "中位数(天)", "四分位(天)", "最快", "最慢", "未开工")]
    for r in rows:
        table.append((r.label, str(r.started), r.median_text,
                      f"{r.q1_text}–{r.q3_text}" if r.started else "—",
                      "—" if r.fastest is None else str(r.fastest),
                      "—" if r.slowest is None else str(r.slowest), str(r.waiting)))
    widths = [max(display_width(t[i]) for t in table) for i in range(len(table[0]))]
    for t in table:
        print("  " + "  ".join(pad(c, w) if i == 0 else rpad(c, w)
                               for i, (c, w) in enumerate(zip(t, widths, strict=True))))


def _trend(db: Database, args: argparse.Namespace) -> int:
    today = clock.today()
    year = today.year
    if args.year is not None:
        if not args.year.strip().isdigit() or not 1990 <= int(args.year) <= 2100:
            raise ValidationError(f"参数错误：--year 应为四位年份，而不是“{args.year}”",
                                  code="cli.usage")
        year = int(args.year)
        if year > today.year:  # no month of it has ended: the trend would be an empty list
            raise ValidationError(f"{year} 年尚未开始（今天 {today.isoformat()}），没有走势可看",
                                  code="trend.future")
    period = metrics.Period(parse_date_text(f"{year}-01-01"), parse_date_text(f"{year}-12-31"))
    with db.uow() as uow:
        points = trend.trend(uow, year, today)
        lags = trend.lag(uow, period, today)
    groups = {args.by: lags.groups[args.by]} if args.by else lags.groups
    if args.json:
        print(json.dumps({"year": year, "months": [p.to_json() for p in points],
                          "lag": {"overall": lags.overall.to_json(),
                                  **{by: [r.to_json() for r in rows]
                                     for by, rows in groups.items()}}},
                         ensure_ascii=False))
        return 0
    print(f"{year} 年逐月累计开工率（月末）")
    for p in points:
        print(f"  {p.label}  签约 {p.signed:>4}  开工 {p.started:>4}  {p.rate_text:>7}  {p.mark}")
    o = lags.overall
    print(f"签约到开工天数：{o.started} 个已开工，中位数 {o.median_text} 天"
          f"（四分位 {o.q1_text}–{o.q3_text}），{o.waiting} 个仍未开工")
    if args.by:
        _lag_table(trend.LAG_GROUPS[args.by], lags.groups[args.by])
    return 0


COMMANDS = (Command("alerts", _add_alerts, _alerts), Command("snapshot", _add_snapshot, _snapshot),
            Command("trend", _add_trend, _trend))
