"""``python -m crm audit``: the audit log on the command line, listed by crm.cli.

Who reads the log here holds the database file, so reads as the database's owner (the
managers' right to the whole log).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from crm.commands import Command
from crm.db import Database
from crm.errors import ValidationError
from crm.models import Company, Project
from crm.services import audit
from crm.services.common import command_line_actor, get_or_404, parse_date_text


def _extend(sub: Any) -> None:
    log = sub.add_parser("audit", help="审计日志：谁在何时改了什么")
    log.add_argument("--user", help="人员（编号、登录名或姓名）")
    log.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD")
    log.add_argument("--to", dest="date_to", help="结束日期 YYYY-MM-DD")
    which = log.add_mutually_exclusive_group()
    which.add_argument("--project", help="只看这个项目（编号）")
    which.add_argument("--company", help="只看这个企业（编号）")
    log.add_argument("--limit", default="200", help="最多列出多少条（默认 200）")
    log.add_argument("--json", action="store_true")


def _id(text: str, option: str) -> int:
    clean = text.strip()
    if not clean.isdigit():
        raise ValidationError(f"参数错误：{option} 应为编号（数字），而不是“{text}”",
                              code="cli.usage")
    return int(clean)


def _entry_json(e: audit.HistoryEntry) -> dict[str, Any]:
    return {"id": e.id, "at": e.at.isoformat(timespec="seconds"), "actor": e.actor,
            "user_id": e.user_id, "action": e.action, "entity": e.entity,
            "entity_id": e.entity_id, "subject": e.subject,
            "changes": [{"field": c.label, "old": c.old, "new": c.new, "unit": c.unit}
                        for c in e.changes],
            "note": e.note}


def _audit(db: Database, args: argparse.Namespace) -> int:
    limit = _id(args.limit, "--limit")
    with db.uow() as uow:
        query = audit.find_person(uow, args.user) if args.user is not None else audit.LogQuery()
        if args.date_from is not None:
            query = replace(query, date_from=parse_date_text(args.date_from, "开始日期"))
        if args.date_to is not None:
            query = replace(query, date_to=parse_date_text(args.date_to, "结束日期"))
        if args.project is not None:
            project_id = _id(args.project, "--project")
            get_or_404(uow.session, Project, project_id, "项目")  # a typo is not "no changes"
            query = replace(query, entity="project", entity_id=project_id)
        if args.company is not None:
            company_id = _id(args.company, "--company")
            get_or_404(uow.session, Company, company_id, "企业")
            query = replace(query, entity="company", entity_id=company_id)
        page = audit.audit_log(uow, command_line_actor(), query, limit=limit)
    if args.json:
        print(json.dumps([_entry_json(e) for e in page.rows], ensure_ascii=False))
        return 0
    for e in page.rows:
        what = f"{e.entity}“{e.subject}”" if e.subject else e.entity
        print(f"{e.at:%Y-%m-%d %H:%M}  {e.actor}  {e.action}  {what}  {e.summary}".rstrip())
    shown = f"，列出最新 {len(page.rows)} 条" if page.total > len(page.rows) else ""
    print(f"共 {page.total} 条记录{shown}")
    return 0


COMMANDS = (Command("audit", _extend, _audit),)
