"""``crm chains`` and ``crm targets``: the 招商图谱 on the command line (DESIGN §5), listed by
crm.cli. The JSON shapes are a contract other tools rely on (issue 13):

- ``chains [--chain X] [--json]``: ``[{"id", "name", "completeness", "segments": [{"id",
  "name", "position" (上游/中游/下游), "targets", "contacted", "leads", "negotiating",
  "signed", "started", "gap", "weak"}]}]``;
- ``targets [--chain X] [--segment Y] [--json]``: ``[{"id", "name", "chain", "segment",
  "tier", "city", "owner", "project_id"}]``;
- ``targets add NAME --chain X --segment Y [--tier T] [--city C] [--user LOGIN]``;
- ``targets lead TARGET [--user LOGIN]``: makes the lead project and prints its id;
- ``targets import FILE.xlsx [--dry-run] [--errors OUT.xlsx]``: a 目标企业名录;
- ``chains link PROJECT --segment Y [--chain X]`` / ``chains unlink PROJECT``: where a project
  fills a chain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from crm.commands import Command
from crm.db import Database, UnitOfWork
from crm.services import chains, projects, users
from crm.services.common import Actor, command_line_actor, parse_date_text
from crm.text import pad
from crm.views import chains as view

USER_HELP = ("以该用户身份操作（登录名，须完全一致）；不填则以管理员权限操作，"
             "并以本机用户名记入变更记录")


def _acting(uow: UnitOfWork, login: str | None) -> Actor:
    return command_line_actor() if login is None else users.acting_user(uow, login).actor()


def _as_of(args: argparse.Namespace) -> dt.date:
    return parse_date_text(args.as_of, "截至日期") if args.as_of else dt.date.today()


def _add_chains(sub: Any) -> None:
    p = sub.add_parser("chains", help="招商图谱：各产业链环节的覆盖（缺链、弱链、完整度）",
                       description="每条产业链的环节（上游、中游、下游）及其目标企业、线索、在谈、"
                                   "签约、开工；没有签约或开工项目的环节为缺链（有目标企业且只有线索"
                                   "或在谈的为弱链）。",
                       epilog="口径见 docs/figures.md（招商图谱）")
    p.add_argument("--chain", metavar="X", help="只列这条产业链（编号或名称的一部分）")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    verbs = p.add_subparsers(dest="chain_verb", title="子命令", metavar="子命令")
    link = verbs.add_parser("link", help="把项目（或用 --company 把本地企业）归入一个环节")
    link.add_argument("project", metavar="PROJECT", help="项目编号或完整名称（--company 时为企业）")
    link.add_argument("--company", action="store_true",
                      help="PROJECT 是一家本地企业（编号或完整名称），计入该环节的本地企业")
    link.add_argument("--segment", required=True, metavar="Y", help="环节（编号或名称）")
    link.add_argument("--chain", metavar="X", help="在这条产业链的环节中找（编号或名称的一部分）")
    link.add_argument("--user", help=USER_HELP)
    unlink = verbs.add_parser("unlink", help="把项目移出它所在的环节")
    unlink.add_argument("project", metavar="PROJECT", help="项目编号或完整名称（--company 时为企业）")
    unlink.add_argument("--company", action="store_true", help="PROJECT 是一家企业")
    unlink.add_argument("--user", help=USER_HELP)


def _link(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        segment = None
        if args.chain_verb == "link":
            chain_id = chains.find_chain(uow, args.chain).id if args.chain else None
            segment = chains.find_segment(uow, args.segment, chain_id)
        if args.company:
            company = chains.find_company(uow, args.project)
            chains.link_company(uow, actor, company.id, segment.id if segment else None)
            what = f"企业“{company.name}”"
        else:
            project = projects.find_project(uow, args.project)
            chains.link_project(uow, actor, project.id, segment.id if segment else None)
            what = f"项目“{project.name}”"
        uow.commit()
    where = f"归入环节“{segment.name}”" if segment else "移出了环节"
    print(f"{what}已{where}")
    return 0


def _chains(db: Database, args: argparse.Namespace) -> int:
    if getattr(args, "chain_verb", None) in ("link", "unlink"):
        return _link(db, args)
    as_of = _as_of(args)
    with db.uow() as uow:
        ids = [chains.find_chain(uow, args.chain).id] if args.chain else None
        rows = view.coverage(uow, as_of, ids)
    if args.json:
        print(json.dumps([c.to_json() for c in rows], ensure_ascii=False))
        return 0
    for c in rows:
        print(f"{c.name}  完整度 {c.completeness_text}（强 {c.count(view.STRONG)} · "
              f"弱 {c.count(view.WEAK)} · 缺 {c.count(view.GAP)}）")
        for s in c.segments:
            name = ("  └ " if s.parent_id else "") + s.name
            print(f"  {s.id:>5}  {s.stage}  {pad(name, 22)}  {s.status}  目标 {s.targets:>3}  "
                  f"接洽 {s.contacted:>3}  线索 {s.leads:>3}  在谈 {s.negotiating:>3}  "
                  f"签约 {s.signed:>3}  开工 {s.started:>3}  本地企业 {s.local_firms:>3}")
    print(f"共 {len(rows)} 条产业链（截至 {as_of}）")
    return 0


def _add_targets(sub: Any) -> None:
    p = sub.add_parser("targets", help="目标企业：列出、新增、转为线索、导入名录",
                       description="招商图谱中各环节的目标企业。不带子命令时列出目标企业。")
    p.add_argument("--chain", metavar="X", help="只列这条产业链的（编号或名称的一部分）")
    p.add_argument("--segment", metavar="Y", help="只列这个环节的（编号或名称的一部分）")
    p.add_argument("--json", action="store_true")
    verbs = p.add_subparsers(dest="target_verb", title="子命令", metavar="子命令")
    add = verbs.add_parser("add", help="新增目标企业")
    add.add_argument("name", metavar="NAME", help="企业名称")
    add.add_argument("--chain", required=True, metavar="X", help="产业链（编号或名称的一部分）")
    add.add_argument("--segment", required=True, metavar="Y",
                     help="环节（编号或名称；在 --chain 的环节中找）")
    add.add_argument("--tier", default="其他", choices=chains.TIERS, help="层级（默认 其他）")
    add.add_argument("--city", default="", metavar="C", help="所在城市")
    add.add_argument("--uscc", metavar="CODE", help="统一社会信用代码（18 位，可不填）")
    add.add_argument("--why", default="", metavar="TEXT", help="理由：为什么招这家企业")
    add.add_argument("--owner", metavar="LOGIN", help="负责人的登录名（默认：--user 本人）")
    add.add_argument("--user", help=USER_HELP)
    lead = verbs.add_parser("lead", help="把目标企业转为线索项目（打印项目编号）")
    lead.add_argument("target", metavar="TARGET", help="目标企业编号或完整名称")
    lead.add_argument("--name", metavar="TEXT", help="项目名称（默认：企业名称加“项目”）")
    lead.add_argument("--user", help=USER_HELP)
    imp = verbs.add_parser("import", help="从 Excel 目标企业名录导入（全部正确才写入）")
    imp.add_argument("file", metavar="FILE.xlsx", help="目标企业名录（.xlsx）")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--errors", metavar="OUT.xlsx", help="把错误行写入这个工作簿")
    imp.add_argument("--user", help=USER_HELP)


def _targets(db: Database, args: argparse.Namespace) -> int:
    verb = getattr(args, "target_verb", None)
    if verb == "add":
        return _target_add(db, args)
    if verb == "lead":
        return _target_lead(db, args)
    if verb == "import":
        from crm.excel.targets import run_import
        return run_import(db, args)
    with db.uow() as uow:
        chain_id = chains.find_chain(uow, args.chain).id if args.chain else None
        segment_ids = None
        if args.segment:
            segment_ids = [chains.find_segment(uow, args.segment, chain_id).id]
        rows = view.list_targets(uow, chain_id, segment_ids)
    if args.json:
        print(json.dumps([t.to_json() for t in rows], ensure_ascii=False))
        return 0
    for t in rows:
        print(f"{t.id:>6}  {pad(t.chain, 14)}  {pad(t.segment, 16)}  {pad(t.tier, 8)}  "
              f"{pad(t.city, 6)}  {pad(t.owner or '—', 6)}  {pad(t.status, 16)}  {t.name}")
    print(f"共 {len(rows)} 个目标企业")
    return 0


def _target_add(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        chain = chains.find_chain(uow, args.chain)
        segment = chains.find_segment(uow, args.segment, chain.id)
        owner_id = users.acting_user(uow, args.owner).id if args.owner else None
        target_id = chains.add_target(uow, actor, chains.TargetInput(
            args.name, segment.id, uscc=args.uscc, city=args.city, tier=args.tier,
            why=args.why, owner_id=owner_id))
        uow.commit()
    print(f"已新增目标企业“{args.name.strip()}”（编号 {target_id}）：{chain.name} · {segment.name}")
    return 0


def _target_lead(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        target = chains.find_target(uow, args.target)
        done = chains.convert_target(uow, actor, target.id, project_name=args.name)
        uow.commit()
    print(done.project_id)
    print(f"已将目标企业转为线索：项目“{done.project_name}”（编号 {done.project_id}）",
          file=sys.stderr)
    return 0


COMMANDS = (Command("chains", _add_chains, _chains), Command("targets", _add_targets, _targets))
