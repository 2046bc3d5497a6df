"""``crm import`` and ``crm export`` (DESIGN §5); crm.cli lists :data:`COMMANDS`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from crm.commands import Command
from crm.db import Database
from crm.errors import ValidationError
from crm.excel.errorbook import write_error_book
from crm.excel.importer import UNIT_CHOICES, import_ledger
from crm.excel.reports import REPORTS, export_report, export_snapshot
from crm.services import metrics
from crm.services.common import command_line_actor

MAX_LISTED = 200


def _add_import(sub: Any) -> None:
    imp = sub.add_parser("import", help="从 Excel 台账导入项目")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--errors", metavar="OUT.xlsx", help="把错误行写入这个工作簿")
    imp.add_argument("--skip-invalid", action="store_true", help="跳过有错误的行，导入其余行")
    imp.add_argument("--sheet", metavar="NAME", help="只导入这个工作表（默认：每个有台账表头的工作表）")
    imp.add_argument("--unit", choices=UNIT_CHOICES,
                     help="表中没有注明金额单位时，金额的单位（注明了的按所注）")
    # a company only like a stored one is never guessed: the import asks, these answer
    imp.add_argument("--same-company", action="append", default=[], metavar="台账写法=系统中的企业",
                     help="台账中的这家企业就是系统中的那家（与已有企业名称相似时须回答；可重复）")
    imp.add_argument("--new-company", action="append", default=[], metavar="台账写法",
                     help="台账中的这家企业虽与已有企业名称相似，确是另一家企业，新建（可重复）")


def _add_export(sub: Any) -> None:
    exp = sub.add_parser("export", help="导出 Excel 报表")
    exp.add_argument("report", choices=list(REPORTS))
    exp.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.pdf",
                     help="输出文件：.xlsx 工作簿，或 .pdf（按打印版式，需要 LibreOffice）；"
                          "先写临时文件，完成后才换成这个名字")
    exp.add_argument("--from", dest="date_from")
    exp.add_argument("--to", dest="date_to")
    exp.add_argument("--as-of", dest="as_of")
    exp.add_argument("--snapshot", metavar="YYYY-MM",
                     help="从这个月的月报快照导出（仅 start-rate），数字与冻结时一致")
    for name in ("industry", "owner", "source", "ambassador", "event", "chain", "segment"):
        exp.add_argument(f"--{name}")


def _same_companies(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        written, sep, stored = pair.replace("＝", "=").partition("=")
        if not sep or not written.strip() or not stored.strip():
            raise ValidationError(f"--same-company 应写成 “台账写法=系统中的企业名称”，而不是“{pair}”",
                                  code="cli.usage")
        out[written.strip()] = stored.strip()
    return out


def _import(db: Database, args: argparse.Namespace) -> int:
    report = import_ledger(db, command_line_actor(), args.file, dry_run=args.dry_run,
                           skip_invalid=args.skip_invalid, sheet=args.sheet, unit=args.unit,
                           same_company=_same_companies(args.same_company),
                           new_company=[n.strip() for n in args.new_company])
    if args.dry_run:
        print(report.understanding())
    elif len(report.sheets) > 1 or report.skipped_sheets or report.receipts:
        for line in report.sheet_lines():
            print(line)
    for problem in report.errors[:MAX_LISTED]:
        print(f"错误  {problem.text()}", file=sys.stderr)
    if len(report.errors) > MAX_LISTED:
        print(f"……另有 {len(report.errors) - MAX_LISTED} 处错误（用 --errors 导出全部）",
              file=sys.stderr)
    for problem in report.warnings[:MAX_LISTED]:
        print(f"提示  {problem.text()}")
    if args.errors and report.errors:
        path = write_error_book(report, args.errors)
        print(f"错误行已写入 {path}", file=sys.stderr)
    for q in report.questions:  # nobody to ask here: the fix, spelt out
        print(f"需确认  {q.text()}\n        同一企业：--same-company \"{q.written}={q.existing}\"；"
              f"另一家企业：--new-company \"{q.written}\"", file=sys.stderr)
    print(report.summary())
    if report.unit_needed:
        print(f"未注明金额单位：{'、'.join(report.unit_needed)}。请用 --unit 万元 或 --unit 亿元 "
              "指明（表中注明了单位的金额仍按所注）", file=sys.stderr)
    return 2 if report.refused else 0


def _export(db: Database, args: argparse.Namespace) -> int:
    if args.snapshot is not None:
        return _export_snapshot(db, args)
    period, as_of = metrics.period_of(args.date_from, args.date_to, args.as_of,
                                      dt.date.today())
    with db.uow() as uow:
        filters = metrics.resolve_filters(uow, industry=args.industry, owner=args.owner,
                                          source=args.source, ambassador=args.ambassador,
                                          event=args.event, chain=args.chain,
                                          segment=args.segment)
    if args.out.lower().endswith(".pdf"):  # the workbook's print layout, through LibreOffice
        from crm.excel.pdf import export_report_pdf

        result = export_report_pdf(db, args.report, args.out, period, as_of, filters)
        print(f"已导出“{REPORTS[args.report]}”到 {result.path}（PDF，{result.rows} 行）")
        return 0
    if not args.out.lower().endswith(".xlsx"):
        raise ValidationError("--out 应为 .xlsx（或 .pdf）文件", code="report.suffix")
    result = export_report(db, args.report, args.out, period, as_of, filters)
    print(f"已导出“{REPORTS[args.report]}”到 {result.path}（{result.rows} 行）")
    return 0


def _export_snapshot(db: Database, args: argparse.Namespace) -> int:
    if args.report != "start-rate":
        raise ValidationError("--snapshot 只用于 start-rate（签约与开工）报表", code="cli.usage")
    given = [o for o, v in (("--from", args.date_from), ("--to", args.date_to),
                            ("--as-of", args.as_of)) if v is not None]
    if given:
        raise ValidationError(f"--snapshot 的期间与截至日是冻结时的，不能另给 {'、'.join(given)}",
                              code="cli.usage")
    result = export_snapshot(db, args.snapshot, args.out)
    print(f"已从 {args.snapshot} 月报快照导出“{REPORTS[args.report]}”到 {result.path}"
          f"（{result.rows} 行）")
    return 0


COMMANDS = (Command("import", _add_import, _import), Command("export", _add_export, _export))
