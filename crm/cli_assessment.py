"""``crm promises``: agreements' promises not kept (超时限未开工 …), listed by crm.cli.

The figures themselves (当年实际到位资金, bands, tiers, 开竣工率 …) are in ``crm stats``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from crm.commands import Command
from crm.db import Database
from crm.services import assessment, metrics
from crm.services.common import parse_date_text
from crm.text import pad

FILTERS = ("industry", "owner", "source", "ambassador", "event")


def _extend(sub: Any) -> None:
    verb = sub.add_parser("promises", help="未履约清单：超时限未开工、逾期未投产/达产、投资强度未达约定",
                          description="协议约定（及计划开工日期）到期未兑现的项目，逾期最久的在前。")
    verb.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD")
    for name in FILTERS:
        verb.add_argument(f"--{name}", metavar="X")
    verb.add_argument("--band", metavar="X",
                      help="只计这个规模档次的项目：亿元以上、10亿元以上、20亿元以上、50亿元以上")
    verb.add_argument("--json", action="store_true")


def _promises(db: Database, args: argparse.Namespace) -> int:
    as_of = parse_date_text(args.as_of, "截至日期") if args.as_of else dt.date.today()
    with db.uow() as uow:
        filters = metrics.resolve_filters(uow, **{k: getattr(args, k) for k in FILTERS},
                                          band=args.band)
        rows = assessment.broken_promises(uow, as_of, filters)
    if args.json:
        print(json.dumps([{"project_id": r.project_id, "project": r.project,
                           "company": r.company, "owner": r.owner, "promise": r.promise,
                           "due_on": r.due_on.isoformat(), "days_overdue": r.days_overdue,
                           "detail": r.detail} for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.project_id:>6}  {pad(r.promise, 8)}  {r.due_on}  逾期 {r.days_overdue:>4} 天  "
              f"{r.project}（{r.owner or '无负责人'}）：{r.detail}")
    print(f"截至 {as_of}，共 {len(rows)} 项未履约")
    return 0


COMMANDS = (Command("promises", _extend, _promises),)
