"""``python -m crm companies``: one company, one record, on the command line.

- ``companies duplicates [--json]``: the suspected pairs with why (the 重复企业 list);
- ``companies merge A B [--user LOGIN]``: merge B into A (A stays; B's names become 曾用名);
- ``companies unmerge ENTRY [--user LOGIN]``: undo the merge recorded as audit entry ENTRY;
- ``companies dismiss A B [--user LOGIN]``: A and B are different companies (not listed again);
- ``companies investor LOCAL INVESTOR [--licence-date D]``: LOCAL is INVESTOR's local project
  company (项目公司), licensed on D (``--none`` instead of INVESTOR: no investor);
- ``companies local PROJECT LOCAL [--open]``: the project's local project company; ``--open``
  records the project's 开业 on that company's licence date.

A and B are a company's id, USCC or exact name. Without ``--user`` the command acts with the
database owner's rights, recorded under the operating-system user's name.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crm.commands import Command
from crm.db import Database, UnitOfWork
from crm.errors import ValidationError
from crm.services import duplicates, local_companies, merge, projects, users
from crm.services.common import Actor, command_line_actor, parse_date_text
from crm.text import pad

USER_HELP = ("以该用户身份操作（登录名，须完全一致；须为管理者）；不填则以数据库所有者的权限操作，"
             "变更记录记为本机用户")


def _acting(uow: UnitOfWork, login: str | None) -> Actor:
    return command_line_actor() if login is None else users.acting_user(uow, login).actor()


def _add(sub: Any) -> None:
    p = sub.add_parser("companies", help="企业：疑似重复、合并与撤销合并",
                       description="同一家企业只留一条记录。不带子命令时列出疑似重复的企业。")
    p.add_argument("--json", action="store_true")
    verbs = p.add_subparsers(dest="companies_verb", title="子命令", metavar="子命令")
    dup = verbs.add_parser("duplicates", help="列出疑似重复的企业（及原因）")
    dup.add_argument("--json", action="store_true")
    dup.add_argument("--user", help=USER_HELP)
    mrg = verbs.add_parser("merge", help="把企业 B 并入企业 A（A 保留，B 的名称记为曾用名）")
    mrg.add_argument("survivor", metavar="A", help="保留的企业（编号、统一社会信用代码或完整名称）")
    mrg.add_argument("merged", metavar="B", help="并入 A 的企业（编号、统一社会信用代码或完整名称）")
    mrg.add_argument("--user", help=USER_HELP)
    undo = verbs.add_parser("unmerge", help="撤销一次合并（变更记录中“合并企业”一条的编号）")
    undo.add_argument("entry", metavar="ENTRY", help="合并的变更记录编号（见 companies merge 的输出）")
    undo.add_argument("--user", help=USER_HELP)
    dis = verbs.add_parser("dismiss", help="标记 A 与 B 不是同一企业（不再列为疑似重复）")
    dis.add_argument("first", metavar="A", help="企业（编号、统一社会信用代码或完整名称）")
    dis.add_argument("second", metavar="B", help="另一家企业（编号、统一社会信用代码或完整名称）")
    dis.add_argument("--user", help=USER_HELP)
    inv = verbs.add_parser("investor", help="设置项目公司的投资方和营业执照取得日期")
    inv.add_argument("local", metavar="LOCAL", help="项目公司（编号、统一社会信用代码或完整名称）")
    inv.add_argument("investor", metavar="INVESTOR", nargs="?",
                     help="投资方（编号、统一社会信用代码或完整名称）")
    inv.add_argument("--none", action="store_true", help="不再作为任何企业的项目公司")
    inv.add_argument("--licence-date", dest="licence_on", metavar="D",
                     help="营业执照取得日期 YYYY-MM-DD")
    inv.add_argument("--user", help=USER_HELP.replace("须为管理者", "管理者或负责该企业全部项目的专员"))
    loc = verbs.add_parser("local", help="设置项目的项目公司（投资方仍是项目的企业）")
    loc.add_argument("project", metavar="PROJECT", help="项目（编号或完整名称）")
    loc.add_argument("local", metavar="LOCAL", help="项目公司（编号、统一社会信用代码或完整名称）")
    loc.add_argument("--open", action="store_true",
                     help="以项目公司的营业执照取得日期登记项目开业（计入开工数）")
    loc.add_argument("--user", help=USER_HELP.replace("须为管理者", "管理者或项目负责人"))


def _pair_json(p: duplicates.Pair) -> dict[str, Any]:
    return {"a": {"id": p.a_id, "name": p.a_name, "uscc": p.a_uscc, "projects": p.a_projects},
            "b": {"id": p.b_id, "name": p.b_name, "uscc": p.b_uscc, "projects": p.b_projects},
            "score": p.score, "reason": p.reason, "sure": p.sure}


def _duplicates(db: Database, args: argparse.Namespace) -> int:
    # the pairs stream a few thousand at a time, printed as they come (a province's list in
    # bounded memory); the JSON is the one array json.dumps would write of the whole list
    shown = 0
    with db.uow() as uow:
        pairs = duplicates.iter_pairs(uow, _acting(uow, getattr(args, "user", None)))
        if args.json:
            out = ["["]
            for p in pairs:
                out.append((", " if shown else "") + json.dumps(_pair_json(p), ensure_ascii=False))
                shown += 1
                if len(out) >= 500:
                    sys.stdout.write("".join(out))
                    out.clear()
            sys.stdout.write("".join(out) + "]\n")
            return 0
        for p in pairs:
            print(f"{p.a_id:>6}  {pad(p.a_name, 34)}  {p.b_id:>6}  {pad(p.b_name, 34)}  {p.reason}")
            shown += 1
    print(f"共 {shown} 对疑似重复的企业" + ("；合并：crm companies merge A B" if shown else ""))
    return 0


def _merge(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        survivor = duplicates.find_company(uow, args.survivor)
        merged = duplicates.find_company(uow, args.merged)
        result = merge.merge_companies(uow, actor, survivor.id, merged.id)
        uow.commit()
    print(result.summary)
    print(f"变更记录编号 {result.audit_id}（撤销：crm companies unmerge {result.audit_id}）")
    return 0


def _unmerge(db: Database, args: argparse.Namespace) -> int:
    if not args.entry.strip().isdigit():
        raise ValidationError(f"参数错误：ENTRY 应为变更记录编号（数字），而不是“{args.entry}”",
                              code="cli.usage")
    entry = int(args.entry.strip())
    with db.uow() as uow:
        result = merge.undo_merge(uow, _acting(uow, args.user), entry)
        uow.commit()
    print(f"已撤销合并：“{result.merged}”从“{result.survivor}”分出，记录已移回")
    return 0


def _dismiss(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        first = duplicates.find_company(uow, args.first)
        second = duplicates.find_company(uow, args.second)
        duplicates.dismiss_pair(uow, actor, first.id, second.id)
        uow.commit()
    print(f"已记下：“{first.name}”与“{second.name}”不是同一企业")
    return 0


def _investor(db: Database, args: argparse.Namespace) -> int:
    if (args.investor is None) == (not args.none):
        raise ValidationError("参数错误：请写投资方 INVESTOR，或用 --none 表示没有投资方",
                              code="cli.usage")
    licence = parse_date_text(args.licence_on, "营业执照取得日期") if args.licence_on else None
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        local = duplicates.find_company(uow, args.local)
        investor = duplicates.find_company(uow, args.investor) if args.investor else None
        local_companies.set_parent(uow, actor, local.id, investor.id if investor else None,
                                   licence)
        uow.commit()
    if investor is None:
        print(f"“{local.name}”不再作为项目公司")
    else:
        when = f"，营业执照取得日期 {licence}" if licence else ""
        print(f"“{local.name}”是“{investor.name}”的项目公司{when}")
    return 0


def _local(db: Database, args: argparse.Namespace) -> int:
    with db.uow() as uow:
        actor = _acting(uow, args.user)
        project = projects.find_project(uow, args.project)
        local = duplicates.find_company(uow, args.local)
        row = local_companies.set_local_company(uow, actor, project.id, local.id)
        if args.open:
            row = local_companies.start_from_licence(uow, actor, project.id)
        uow.commit()
    print(f"项目“{row.name}”：投资方“{row.company}”，项目公司“{local.name}”")
    if args.open:
        print(f"已登记开业 {row.started_on}（营业执照取得日期）")
    return 0


def _companies(db: Database, args: argparse.Namespace) -> int:
    verb = getattr(args, "companies_verb", None)
    run = {"merge": _merge, "unmerge": _unmerge, "dismiss": _dismiss, "investor": _investor,
           "local": _local}.get(verb or "", _duplicates)
    return run(db, args)


COMMANDS = (Command("companies", _add, _companies),)
