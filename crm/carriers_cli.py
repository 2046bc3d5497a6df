"""``crm carriers``: free space by carrier, matching a project, placing it (DESIGN §5).

    crm carriers [--kind building|factory|land] [--json]
    crm carriers match PROJECT [--json]
    crm carriers place PROJECT CARRIER --area M2 [--date D] [--user LOGIN] [--beyond-need]

Areas are ㎡ (``--area 245亩`` is taken too, converted exactly); a placement beyond the free
area is refused with both figures, exit 2, like every refusal; so is one beyond what the
project still needs (its need minus what it holds) unless ``--beyond-need``.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any

from crm.commands import Command
from crm.db import Database
from crm.errors import ValidationError
from crm.services import carriers, matching, projects, users
from crm.services.carriers import SHORT, area_text
from crm.services.common import command_line_actor, parse_date_text
from crm.text import pad

KIND_HELP = "载体类型：building 商务楼宇、factory 标准化厂房、land 土地"


def _extend(sub: Any) -> None:
    c = sub.add_parser("carriers", help="载体：可用面积、为项目匹配载体、落位",
                       description="各载体的总面积、已落位面积与可用面积（可用面积＝总面积－落位与占用，"
                                   "由系统计算）。子命令 match 为项目推荐载体，place 为项目落位。")
    c.add_argument("--kind", metavar="KIND", choices=tuple(carriers.KIND_CODES), help=KIND_HELP)
    c.add_argument("--json", action="store_true", help="以 JSON 输出")
    # the subcommands are optional: ``crm carriers`` alone lists (their parser is crm.cli's)
    csub = c.add_subparsers(dest="carriers_verb", required=False, title="命令", metavar="命令")
    m = csub.add_parser("match", help="为项目推荐载体（按匹配度排序，附理由）")
    m.add_argument("project", help="项目编号或完整名称")
    m.add_argument("--json", action="store_true", help="以 JSON 输出")
    p = csub.add_parser("place", help="为项目落位：在载体中占用一块面积（签约前为拟落地）")
    p.add_argument("project", help="项目编号或完整名称")
    p.add_argument("carrier", help="载体编号或名称")
    p.add_argument("--area", required=True, metavar="M2",
                   help="落位面积，平方米（土地也可写亩，如 245亩）")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="自何日起占用，默认今天")
    p.add_argument("--beyond-need", action="store_true",
                   help="允许落位面积超出项目尚需面积（需求面积减已落位面积）；不加则超出时拒绝")
    p.add_argument("--user", help="以该用户身份操作（登录名，须完全一致）；"
                                  "不填则以管理员权限操作，并以本机用户名记入变更记录")


def _num(x: Decimal) -> str:
    return format(x.quantize(carriers.CENT), "f")


def _run(db: Database, args: argparse.Namespace) -> int:
    verb = getattr(args, "carriers_verb", None)
    if verb == "match":
        return _match(db, args)
    if verb == "place":
        return _place(db, args)
    kind = carriers.KIND_CODES[args.kind] if args.kind else None
    rows = db.read(carriers.carrier_figures, kind)
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "kind": r.code, "park": r.park,
                           "total_m2": _num(r.total), "placed_m2": _num(r.placed),
                           "free_m2": _num(r.free), "projects": r.projects}
                          for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.id:>4}  {pad(SHORT[r.kind], 4)}  {pad(r.name, 20)}  总 {r.total:>13,.2f} ㎡  "
              f"已落位 {r.placed:>12,.2f} ㎡  可用 {r.free:>13,.2f} ㎡  项目 {r.projects}")
    for t in carriers.totals_by_kind(rows):
        if t.carriers:
            vacancy = "—" if t.vacancy is None else f"{t.vacancy * 100:.2f}%"
            print(f"{SHORT[t.kind]}合计：{t.carriers} 处，总 {area_text(t.total, t.kind)}，"
                  f"可用 {area_text(t.free, t.kind)}，空置率 {vacancy}")
    return 0


def _match(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        project = projects.find_project(uow, args.project)
        result = matching.match_project(uow, project.id)
    if args.json:
        print(json.dumps([{"carrier": m.carrier, "carrier_id": m.carrier_id, "kind": m.code,
                           "park": m.park, "free_m2": _num(m.free), "score": m.score,
                           "why": m.why} for m in result.matches], ensure_ascii=False))
        return 0
    print(f"项目“{result.project}”需要：{result.need.text}")
    if not result.matches:
        print(result.empty_text)
        return 0
    for i, m in enumerate(result.matches, 1):
        print(f"{i:>2}. {m.score:>3} 分  {m.carrier}（{SHORT[m.kind]}，{m.park}）"
              f"可用 {area_text(m.free, m.kind)}")
        print(f"       {m.why}")
    return 0


def _place(db: Database, args: argparse.Namespace) -> int:
    area = carriers.parse_area(args.area)
    on = parse_date_text(args.date, "--date") if args.date else None
    with db.uow() as uow:
        actor = (users.acting_user(uow, args.user).actor() if args.user is not None
                 else command_line_actor())
        project = projects.find_project(uow, args.project)
        carrier = carriers.find_carrier(uow, args.carrier)
        try:
            row = carriers.place(uow, actor, project.id, carrier.id, area, on,
                                 beyond_need=args.beyond_need)
        except ValidationError as exc:
            if exc.code == "carrier.beyond_need":  # say how to do it deliberately
                raise ValidationError(f"{exc.message}；确需超出请加 --beyond-need",
                                      code=exc.code, field=exc.field) from None
            raise
        free = carriers.figures_of(uow, carrier.id).free
        uow.commit()
    print(f"项目“{row.project}”已{row.status}“{row.carrier}”{area_text(row.area, row.kind)}"
          f"（自 {row.placed_on}）；该载体尚可用 {area_text(free, row.kind)}")
    return 0


COMMANDS = (Command("carriers", _extend, _run),)
