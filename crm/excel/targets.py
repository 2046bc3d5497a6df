"""Importing a 目标企业名录 (target list) into the 招商图谱: read → check every row → write all
in one transaction, or nothing (the ledger import's rules, DESIGN §6).

Reading, the header's clean-up and the error workbook are the ledger importer's
(:mod:`crm.excel.reader`, :mod:`crm.excel.headers`, :mod:`crm.excel.cells`,
:mod:`crm.excel.errorbook`); only the columns differ. Each row names a firm, its chain and
segment (existing ones: chains are drawn by managers, not by a spreadsheet), and optionally its
USCC, city, tier, reason and owner. A firm already listed in that segment is updated, so
importing the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm import permissions
from crm.db import Database, UnitOfWork
from crm.errors import CrmError
from crm.excel.cells import PLACEHOLDERS, is_blank_row, is_total_row, text
from crm.excel.headers import HEADER_SCAN_ROWS, clean_header, display_header
from crm.excel.importer import ImportReport
from crm.excel.reader import ExcelFileError, read_rows
from crm.excel.rows import Problem
from crm.models import Chain, Segment, TargetFirm, User
from crm.services import chains
from crm.services.common import Actor, audit, command_line_actor
from crm.uscc import normalize_uscc

# field → (label, synonyms); the first synonym is what a 名录 exported from here would use
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("企业名称", ("企业名称", "目标企业", "目标企业名称", "企业", "公司名称", "单位名称")),
    "chain": ("产业链", ("产业链", "所属产业链", "产业链名称", "链条")),
    "segment": ("环节", ("环节", "产业链环节", "所属环节", "细分环节", "链条环节")),
    "uscc": ("统一社会信用代码", ("统一社会信用代码", "社会信用代码", "信用代码", "USCC")),
    "city": ("城市", ("城市", "所在城市", "所在地", "总部所在地", "地区", "总部")),
    "tier": ("层级", ("层级", "企业层级", "企业类型", "企业类别", "类型", "等级")),
    "why": ("理由", ("理由", "招引理由", "推荐理由", "招商理由", "备注", "说明")),
    "owner": ("负责人", ("负责人", "招商专员", "责任人", "对接人", "跟踪人")),
}
LABELS = {key: label for key, (label, _) in FIELDS.items()}
_SYNONYMS = {clean_header(s).lower(): key for key, (_, names) in FIELDS.items() for s in names}
REQUIRED = ("name", "segment")
# what people write in a 层级 column, and the tier it is
TIER_WORDS = {"链主企业": "链主", "龙头": "链主", "龙头企业": "链主", "头部企业": "头部",
              "专精特新小巨人": "专精特新", "小巨人": "专精特新", "上市公司": "上市",
              "上市企业": "上市", "一般": "其他", "其它": "其他"}


@dataclass(frozen=True)
class TargetImport:
    """What an import of a target list found and did."""

    file: str
    sheet: str
    header_row: int
    headers: tuple[str, ...]
    mapping: dict[int, str]
    rows: int
    errors: tuple[Problem, ...]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    dry_run: bool = False
    skipped: int = 0  # blank and 合计 rows
    invalid_rows: tuple[int, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        head = (f"{Path(self.file).name}（工作表“{self.sheet}”，表头在第 {self.header_row} 行）："
                f"{self.rows} 行")
        if self.errors:
            return (f"{head}；{len(self.invalid_rows)} 行有 {len(self.errors)} 处错误，"
                    "未导入任何目标企业（改正后重新导入）")
        verb = "将" if self.dry_run else ""
        tail = "（试导入，未写入）" if self.dry_run else ""
        return (f"{head}；{verb}新增 {self.created} 个目标企业，{verb}更新 {self.updated} 个，"
                f"{self.unchanged} 个无变化{tail}")

    def as_ledger_report(self) -> ImportReport:
        """The same problems in the ledger import's report, for its error workbook."""
        return ImportReport(self.file, self.sheet, self.header_row, self.mapping, self.headers,
                            self.rows, self.skipped, self.errors, (),
                            tuple(("", r) for r in self.invalid_rows))


def _field_of(value: object) -> str | None:
    return _SYNONYMS.get(clean_header(value).lower()) if value is not None else None


def find_header(rows: list[list[object]]) -> tuple[int, dict[int, str]] | None:
    """The first row (of the first 30) naming a firm and its segment, and its columns."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for col, value in enumerate(row):
            key = _field_of(value)
            if key is not None and key not in mapping.values():
                mapping[col] = key
        if set(REQUIRED) <= set(mapping.values()):
            return index, mapping
    return None


@dataclass
class _Row:
    row: int
    values: dict[str, str]


def _cell(row: list[object], col: int | None) -> str:
    if col is None or col >= len(row):
        return ""
    value = text(row[col])
    return "" if value in PLACEHOLDERS else value


def import_targets(db: Database, actor: Actor, path: str | Path, *,
                   dry_run: bool = False) -> TargetImport:
    """Import a 目标企业名录: every row checked, then all written in one transaction (or, with
    any error, nothing). Managers' (the rule ``excel.import_targets``)."""
    with db.uow() as uow:
        permissions.require(uow, actor, "excel.import_targets")
    sheets = read_rows(path)
    found = None
    for name, rows in sheets:
        header = find_header(rows)
        if header is not None:
            found = (name, rows, header)
            break
    if found is None:
        raise ExcelFileError(f"在“{Path(path).name}”的前 30 行中找不到目标企业名录的表头：需要至少有"
                             "“企业名称”和“环节”列（产业链、城市、层级、理由、负责人可选）",
                             code="excel.no_header")
    sheet, rows, (top, mapping) = found
    headers = tuple(display_header(v) for v in rows[top])
    column = {key: col for col, key in mapping.items()}
    data: list[_Row] = []
    skipped = 0
    for index in range(top + 1, len(rows)):
        values = rows[index]
        if is_blank_row(values) or is_total_row(values):
            skipped += 1
            continue
        data.append(_Row(index + 1, {k: _cell(values, column.get(k)) for k in FIELDS}))
    with db.uow() as uow:
        errors, plans = _check(uow, data, headers, column)
        created = updated = unchanged = 0
        if not errors:
            for plan in plans:  # the services check each row again as they write it
                try:
                    outcome = _write(uow, actor, plan)
                except CrmError as exc:
                    errors.append(Problem(plan.row, "", exc.message))
                    continue
                created += outcome == "created"
                updated += outcome == "updated"
                unchanged += outcome == "unchanged"
        written = not errors and not dry_run and bool(created or updated)
        if written:
            audit(uow, actor, "import_targets", "target_list", None, file=Path(path).name,
                  created=created, updated=updated)
            uow.commit()
    invalid = tuple(sorted({p.row for p in errors}))
    return TargetImport(str(path), sheet, top + 1, headers, mapping, len(data), tuple(errors),
                        created, updated, unchanged, written, dry_run, skipped, invalid)


@dataclass(frozen=True)
class _Plan:
    row: int
    existing: int | None
    data: chains.TargetInput


def _check(uow: UnitOfWork, data: list[_Row], headers: tuple[str, ...],
           column: dict[str, int]) -> tuple[list[Problem], list[_Plan]]:
    s = uow.session
    chain_rows = list(s.execute(select(Chain.id, Chain.name)))
    segment_rows = list(s.execute(select(Segment.id, Segment.chain_id, Segment.name)))
    people: dict[str, list[int]] = {}
    for uid, login, name in s.execute(select(User.id, User.login, User.display_name)
                                      .where(User.active.is_(True))):
        people.setdefault(name, []).append(uid)
        if login:
            people.setdefault(login, []).append(uid)
    existing = {(seg, name): tid for tid, seg, name in s.execute(
        select(TargetFirm.id, TargetFirm.segment_id, TargetFirm.name))}
    errors: list[Problem] = []
    plans: list[_Plan] = []
    seen: dict[tuple[int, str], int] = {}

    def header(key: str) -> str:
        col = column.get(key)
        return headers[col] if col is not None and col < len(headers) and headers[col] \
            else LABELS[key]

    for r in data:
        v = r.values
        bad = len(errors)

        def fail(key: str, reason: str, row: _Row = r) -> None:
            errors.append(Problem(row.row, header(key), reason))
        if not v["name"]:
            fail("name", "企业名称为空")
        chain_ids = [cid for cid, _ in chain_rows]
        if v["chain"]:
            chain_ids = _matches(chain_rows, v["chain"])
            if not chain_ids:
                fail("chain", f"没有名为“{v['chain']}”的产业链（请先在招商图谱中建立）")
            elif len(chain_ids) > 1:
                fail("chain", f"“{v['chain']}”匹配到多条产业链，请写完整名称")
        segment_id = None
        if not v["segment"]:
            fail("segment", "环节为空")
        elif len(chain_ids) == 1 or not v["chain"]:
            candidates = [(sid, name) for sid, cid, name in segment_rows if cid in chain_ids]
            ids = _matches(candidates, v["segment"])
            if not ids:
                fail("segment", f"产业链中没有环节“{v['segment']}”")
            elif len(ids) > 1:
                fail("segment", f"“{v['segment']}”匹配到多个环节，请同时写明产业链或写完整环节名称")
            else:
                segment_id = ids[0]
        tier = TIER_WORDS.get(v["tier"].replace("“", "").replace("”", "").replace('"', ""),
                              v["tier"]) or "其他"
        if tier not in chains.TIERS:
            fail("tier", f"层级“{v['tier']}”应为 {'、'.join(chains.TIERS)} 之一")
        uscc = None
        try:
            uscc = normalize_uscc(v["uscc"] or None)
        except CrmError as exc:
            fail("uscc", exc.message)
        owner_id = None
        if v["owner"]:
            ids = people.get(v["owner"], [])
            if not ids:
                fail("owner", f"找不到负责人“{v['owner']}”（姓名或登录名）")
            elif len(set(ids)) > 1:
                fail("owner", f"有多位名为“{v['owner']}”的人员，请写登录名")
            else:
                owner_id = ids[0]
        if len(errors) > bad or segment_id is None:
            continue
        key = (segment_id, v["name"])
        if key in seen:
            fail("name", f"与第 {seen[key]} 行重复（同一环节的同一企业）")
            continue
        seen[key] = r.row
        plans.append(_Plan(r.row, existing.get(key), chains.TargetInput(
            v["name"], segment_id, uscc=uscc, city=v["city"], tier=tier, why=v["why"],
            owner_id=owner_id)))
    return errors, plans


def _matches(rows: Sequence[Any], wanted: str) -> list[int]:
    """Ids of (id, name) pairs whose name is ``wanted`` exactly, else those containing it."""
    pairs: list[tuple[int, str]] = [(int(i), str(name)) for i, name in rows]
    exact = [i for i, name in pairs if name == wanted]
    return exact or [i for i, name in pairs if wanted in name]


def _write(uow: UnitOfWork, actor: Actor, plan: _Plan) -> str:
    if plan.existing is None:
        chains.add_target(uow, actor, plan.data)
        return "created"
    target = uow.session.get(TargetFirm, plan.existing)
    assert target is not None
    before = (target.uscc, target.city, target.tier, target.why, target.owner_id)
    data = plan.data
    after = (data.uscc, data.city, data.tier, data.why, data.owner_id)
    # a blank cell keeps what is stored (a list often has fewer columns than the map)
    merged = tuple(new if new not in (None, "") else old for old, new in zip(before, after,
                                                                               strict=True))
    if merged == before:
        return "unchanged"
    uscc, city, tier, why, owner = merged
    chains.update_target(uow, actor, target.id, chains.TargetInput(
        target.name, target.segment_id, uscc=uscc, city=city or "", tier=tier or "其他",  # type: ignore[arg-type]
        why=why or "", owner_id=owner, source=target.source))  # type: ignore[arg-type]
    return "updated"


def run_import(db: Database, args: argparse.Namespace) -> int:
    """``crm targets import FILE.xlsx [--dry-run] [--errors OUT.xlsx] [--user LOGIN]``."""
    from crm.excel.errorbook import write_error_book
    from crm.services import users

    with db.uow() as uow:
        actor = (command_line_actor() if args.user is None
                 else users.acting_user(uow, args.user).actor())
    report = import_targets(db, actor, args.file, dry_run=args.dry_run)
    for problem in report.errors[:200]:
        print(f"错误  {problem.text()}", file=sys.stderr)
    if args.errors and report.errors:
        path = write_error_book(report.as_ledger_report(), args.errors)
        print(f"错误行已写入 {path}", file=sys.stderr)
    print(report.summary())
    return 2 if report.errors else 0
