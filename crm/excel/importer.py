"""Importing a ledger (项目台账): read → check every row → write everything in one transaction.

The rules are those of the services (DESIGN §2, §6): a new project gets its milestones, its
agreement and start records and a dated stage history; an existing project (matched by USCC
and project name, else company and project name) is updated through the services themselves.
New projects are written in bulk — at 100k rows one service call per row would take minutes —
with the values the services would have written, so the database cannot tell them apart.

Nothing is written unless every row is valid (or ``skip_invalid`` is set), and a file that
changes nothing commits nothing, so re-importing it leaves even the revision counter alone.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from crm import permissions
from crm.db import Database
from crm.errors import ValidationError
from crm.excel import assessment_cols, chain_cols, local_cols, promise_cols, receipt_sheet, writer
from crm.excel.headers import LABELS, REQUIRED, HeaderGuess
from crm.excel.keys import NameKeys
from crm.excel.reader import Book, Sheet, open_book, receipt_sheets
from crm.excel.resolve import Answers, Lookups, Question, resolve
from crm.excel.row_cells import column_cells
from crm.excel.row_parse import parse_rows
from crm.excel.rows import Cancelled, ImportCancelled, ParsedRows, Problem, Progress, plain_text
from crm.services.common import Actor, audit

__all__ = ["ImportCancelled", "ImportReport", "Problem", "Question", "SheetReading",
           "import_ledger", "preview"]


@dataclass(frozen=True)
class SheetReading:
    """How one sheet was understood: shown before anything is written (试导入, the wizard)."""

    name: str
    header_rows: str  # 第 3 行 / 第 3–4 行
    headers: tuple[str, ...]  # each column's header as shown
    columns: tuple[tuple[str, str, str], ...]  # (column letter, header as shown, meaning)
    rows: int  # data rows read
    blank: int  # blank rows skipped
    skipped_rows: tuple[tuple[int, str], ...]  # (Excel row, why): 合计, sections, footnotes
    sections: tuple[tuple[int, str, str], ...]  # (Excel row, label, industry given or "")
    unit: str  # where the money unit comes from, in words
    notes: tuple[str, ...]  # how the sheet was read (a far cell …)


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did; ``written`` is False for a dry run or a refused file.

    ``sheet``, ``header_row``, ``mapping`` and ``headers`` are those of the first sheet
    imported; ``sheets`` says how each sheet was read.
    """

    file: str
    sheet: str
    header_row: int  # Excel row number of the header
    mapping: dict[int, str]
    headers: tuple[str, ...]
    rows: int  # data rows read (blank and total rows not counted)
    skipped: int  # blank, 合计/小计, section, footnote and signature rows
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    invalid_rows: tuple[tuple[str, int], ...]  # (sheet when several, Excel row)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    dry_run: bool = False
    refused: bool = False  # errors and no skip_invalid: nothing written
    sheets: tuple[SheetReading, ...] = ()
    skipped_sheets: tuple[tuple[str, str], ...] = ()  # (sheet, why)
    people: tuple[str, ...] = ()  # staff records without a login made (or to be made)
    unit_needed: tuple[str, ...] = ()  # money columns whose unit is stated nowhere
    # companies only like a stored one, not answered: nothing is written until they are
    questions: tuple[Question, ...] = ()
    receipts: tuple[tuple[str, int], ...] = ()  # 到位资金明细 sheets read: (sheet, rows)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.questions

    def summary(self) -> str:
        if len(self.sheets) > 1:
            head = (f"{Path(self.file).name}：{len(self.sheets)} 个工作表，{self.rows} 行数据，"
                    f"跳过 {self.skipped} 行")
        else:
            head = (f"{Path(self.file).name}（工作表“{self.sheet}”，表头在"
                    f"{self.sheets[0].header_rows if self.sheets else f'第 {self.header_row} 行'}）："
                    f"{self.rows} 行数据，跳过空行/合计行等 {self.skipped} 行")
        if self.unit_needed:
            return (f"{head}；{'、'.join(self.unit_needed)}没有注明金额单位（万元或亿元），"
                    "未导入任何数据：请指明单位后重新导入")
        if self.questions:
            head += (f"；{len(self.questions)} 家企业与系统中的企业相似，须确认是同一企业还是另一家"
                     "企业" + ("" if self.dry_run else "，未导入任何数据"))
        if self.refused and not self.dry_run and self.errors:
            return (f"{head}；{len(self.invalid_rows)} 行有 {len(self.errors)} 处错误，"
                    "未导入任何数据（改正后重新导入，或选择跳过错误行）")
        if self.refused and not self.dry_run:
            return head
        verb = "将新建" if self.dry_run else "新建"
        if self.refused and self.errors:
            head += f"；{len(self.invalid_rows)} 行有 {len(self.errors)} 处错误，须改正或选择跳过错误行"
        tail = (f"；{verb} {self.created} 个项目，{'将更新' if self.dry_run else '更新'} "
                f"{self.updated} 个，{self.unchanged} 个无变化")
        if self.people:
            tail += (f"；{'将建立' if self.dry_run else '建立'} {len(self.people)} 位人员档案"
                     f"（未开通登录）：{'、'.join(self.people)}")
        if self.invalid_rows and not self.refused:
            tail += f"；{len(self.invalid_rows)} 行有错误，{'将跳过' if self.dry_run else '已跳过'}"
        if self.dry_run:
            tail += "（试导入，未写入）"
        return head + tail

    def sheet_lines(self) -> list[str]:
        """A line per sheet (imported or not)."""
        out = [f"工作表“{s.name}”：表头在{s.header_rows}，{s.rows} 行数据，跳过 "
               f"{s.blank + len(s.skipped_rows)} 行" for s in self.sheets]
        out += [f"工作表“{name}”：到位资金明细 {n} 笔（所列项目的到位资金以此为准）"
                for name, n in self.receipts]
        out += [f"工作表“{name}”：未导入（{why}）" for name, why in self.skipped_sheets]
        return out

    def understanding(self) -> str:
        """How the file was read, in full: sheets, header rows, each column's meaning and
        unit, the sections, the rows skipped and why, the people to be recorded."""
        lines: list[str] = []
        for s in self.sheets:
            lines.append(f"工作表“{s.name}”：表头在{s.header_rows}，{s.rows} 行数据；{s.unit}")
            lines += [f"  {note}" for note in s.notes]
            for letter, header, meaning in s.columns:
                lines.append(f"  {letter} 列「{header}」→ {meaning}")
            for row, label, industry in s.sections:
                given = f"其下各行所属产业为“{industry}”" if industry else "未用作所属产业"
                lines.append(f"  第 {row} 行是分组“{label}”：{given}")
            if s.blank:
                lines.append(f"  跳过空行 {s.blank} 行")
            lines += [f"  跳过第 {row} 行：{why}" for row, why in s.skipped_rows]
        lines += [f"工作表“{name}”：到位资金明细 {n} 笔（所列项目的到位资金以此为准）"
                  for name, n in self.receipts]
        lines += [f"工作表“{name}”：未导入（{why}）" for name, why in self.skipped_sheets]
        if self.people:
            lines.append(f"{'将建立' if not self.written else '已建立'}人员档案（未开通登录）："
                         f"{'、'.join(self.people)}")
        return "\n".join(lines)


def preview(path: str | Path, sheet: str | None = None) -> Book:
    """Read a file and propose, per sheet, its header rows and column mapping (the wizard)."""
    return open_book(path, sheet=sheet)


UNIT_CHOICES = ("万元", "亿元")


def import_ledger(db: Database, actor: Actor, path: str | Path, *,
                  mapping: dict[int, str] | None = None, header_row: int | None = None,
                  sheet: str | None = None, unit: str | None = None,
                  dry_run: bool = False, skip_invalid: bool = False,
                  progress: Progress | None = None,
                  cancelled: Cancelled | None = None,
                  same_company: Mapping[str, str] | None = None,
                  new_company: Collection[str] | None = None) -> ImportReport:
    """Import a ledger file: every sheet with a ledger header, or ``sheet``.

    Args:
        mapping: column index → field, as the user fixed it (for ``sheet``, else the first
            sheet); None takes the detected one.
        header_row: the Excel row number of the header, None takes the detected one.
        sheet: the one sheet to import; None imports every sheet with a ledger header.
        unit: 万元 or 亿元 for amounts whose unit no cell, header or row above the table
            states; without it such a file is refused (never guessed).
        dry_run: check everything and count what would change, write nothing.
        skip_invalid: write the valid rows even when some rows have errors.
        progress, cancelled: the Qt-free pair long work receives from the UI.
        same_company, new_company: the answers to the questions a company only like a stored
            one raises (:attr:`ImportReport.questions`): as written → the stored company's
            name it is; or names to create as other companies. While one is unanswered the
            import writes nothing (a dry run lists them).

    Raises:
        ExcelFileError: damaged or non-Excel file, or no recognisable header.
        ImportCancelled: ``cancelled()`` became true; nothing was written.
    """
    if unit is not None and unit not in UNIT_CHOICES:
        raise ValidationError("金额单位应为 万元 或 亿元", code="excel.unit", field="unit")
    with db.uow() as uow:
        permissions.require(uow, actor, "excel.import_ledger")
    # A dry run writes no new project, so it needs no pinyin keys worked out ahead.
    keys = NameKeys() if dry_run else NameKeys.for_file(path)
    with _no_cycle_collection(), keys as names:
        return _import(db, actor, path, _Options(mapping, header_row, sheet, unit, dry_run,
                                                 skip_invalid, Answers(same_company, new_company)),
                       progress, cancelled, names)


@dataclass(frozen=True)
class _Options:
    mapping: dict[int, str] | None
    header_row: int | None
    sheet: str | None
    unit: str | None
    dry_run: bool
    skip_invalid: bool
    answers: Answers


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while an import runs: it builds millions of objects
    (cells, rows, plans) that hold no cycles, and the collector kept walking all of them
    again as they grew — about a tenth of a 100k-row import. Objects are still freed as soon as
    nothing uses them; whatever cycles appear meanwhile are collected afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


UNIT_MISSING = ("没有注明金额单位：单元格、表头和表头上方都没有写万元或亿元。金额相差一万倍是最严重的错误，"
                "不作猜测：请指明金额单位（万元或亿元）后重新导入")


def _import(db: Database, actor: Actor, path: str | Path, o: _Options,
            progress: Progress | None, cancelled: Cancelled | None,
            names: NameKeys) -> ImportReport:
    book = open_book(path, sheet=o.sheet, header_row=o.header_row)
    sheets = list(book.sheets)
    if o.mapping is not None:
        first = sheets[0]
        assert first.header is not None
        sheets[0] = replace(first, header=first.header.with_mapping(o.mapping))
    for one in sheets:
        assert one.header is not None
        _check_mapping(one.header)
    several = len(sheets) > 1
    tag = {one.name: one.name if several else "" for one in sheets}
    total = sum(max(len(one.rows) - one.header.body, 0) for one in sheets if one.header)
    steps = _Steps(progress, total)
    with db.uow() as uow:
        lookups = Lookups.load(uow)
        if names.helped:
            _send_new_names(names, sheets, lookups)
        parsed: list[ParsedRows] = []
        done = 0
        for one in sheets:
            assert one.header is not None
            parsed.append(parse_rows(one.rows, one.header, unit=o.unit, sheet=tag[one.name],
                                     progress=steps.stage(0, done), cancelled=cancelled))
            done += max(len(one.rows) - one.header.body, 0)
        rows = [row for p in parsed for row in p.rows]
        headers = {tag[one.name]: one.header for one in sheets if one.header is not None}
        plans, problems = resolve(rows, lookups, headers, actor, o.answers)
        errors = [e for p in parsed for e in p.errors] + problems.errors
        warnings = [w for p in parsed for w in p.warnings] + problems.warnings
        invalid = {(tag[one.name], r) for one, p in zip(sheets, parsed, strict=True)
                   for r in p.invalid_rows} | problems.invalid_rows
        unit_needed = _unit_needed(sheets, parsed, tag, errors)
        assessed = assessment_cols.check(uow, rows, headers, o.unit)  # 到位资金, 企业层级 …
        errors.extend(assessed.errors)
        invalid |= {(p.sheet, p.row) for p in assessed.errors}
        landed = local_cols.check(rows, headers)  # 项目公司, 营业执照取得日期
        same_local = local_cols.ask(landed, lookups, problems)
        errors.extend(landed.errors)
        warnings.extend(landed.warnings)
        invalid |= {(p.sheet, p.row) for p in landed.errors}
        placed = chain_cols.check(uow, rows, headers)  # 产业链, 环节 (招商图谱)
        promised = promise_cols.check(rows, headers)  # 约定开工日期 … 亩均税收
        paid = receipt_sheet.check(  # 到位资金明细: one row per receipt
            book.receipts if o.sheet is None and o.header_row is None
            else receipt_sheets(path, skip=sheets[0].name), o.unit)
        receipt_sheet.match(uow, paid, rows)
        warnings.extend(receipt_sheet.take_over(assessed, rows, paid))
        for extra_errors in (promised.errors, paid.errors):
            errors.extend(extra_errors)
            invalid |= {(p.sheet, p.row) for p in extra_errors}
        errors.extend(placed.errors)
        warnings.extend(placed.warnings)
        invalid |= {(p.sheet, p.row) for p in placed.errors}
        valid = [p for p in plans if (p.row.sheet, p.row.row) not in invalid]
        result = writer.WriteResult()
        asking = bool(problems.questions)
        if not unit_needed and (not asking or o.dry_run) and (
                not errors or o.skip_invalid or o.dry_run):
            result = writer.write(uow, actor, valid, lookups, names=names,
                                  progress=steps.stage(1), cancelled=cancelled,
                                  dry_run=o.dry_run)
            errors.extend(result.errors)
            invalid |= {(p.sheet, p.row) for p in result.errors}
            warnings.extend(result.warnings)
            if not o.dry_run:
                done_rows = [p.row for p in valid if (p.row.sheet, p.row.row) not in invalid]
                more, notes, touched = assessment_cols.write(uow, actor, done_rows, assessed)
                also, _, linked = local_cols.write(uow, actor, done_rows, landed, same_local)
                local_cols.remember_distinct(uow, actor, problems.distinct)
                more, touched = more + also, touched | linked
                put, filled = chain_cols.write(uow, actor, done_rows, placed)
                more, touched = more + put, touched | filled
                put, filled = promise_cols.write(uow, actor, done_rows, promised)
                more, touched = more + put, touched | filled
                put, filled, received = receipt_sheet.write(uow, actor, paid, done_rows)
                more, touched = more + put, touched | filled
                result.changed = result.changed or received
                result.changed = result.changed or bool(touched)
                moved = len(touched & result.unchanged_rows)  # only its 到位资金 … changed
                result.updated, result.unchanged = result.updated + moved, result.unchanged - moved
                errors.extend(more)
                invalid |= {(p.sheet, p.row) for p in more}
                warnings.extend(notes)
        refused = bool(unit_needed) or asking or (bool(errors) and not o.skip_invalid)
        written = result.changed and not o.dry_run and not refused
        if written:
            audit(uow, actor, "import", "ledger", None, file=Path(path).name,
                  created=result.created, updated=result.updated)
            uow.commit()
    if progress is not None:
        progress(total, total)
    order = {tag[one.name]: i for i, one in enumerate(sheets)}
    errors.sort(key=lambda p: (order.get(p.sheet, 0), p.row))
    warnings.sort(key=lambda p: (order.get(p.sheet, 0), p.row))
    people = tuple(result.people) if result.people else tuple(problems.people.values())
    first = sheets[0]
    assert first.header is not None
    return ImportReport(
        str(path), first.name, first.header.excel_row, first.header.mapping,
        first.header.headers, len(rows), sum(p.skipped for p in parsed), tuple(errors),
        tuple(warnings), tuple(sorted(invalid, key=lambda k: (order.get(k[0], 0), k[1]))),
        result.created, result.updated, result.unchanged, written, o.dry_run, refused,
        tuple(_reading(one, p, o.unit) for one, p in zip(sheets, parsed, strict=True)),
        book.skipped, people, tuple(unit_needed), tuple(problems.questions), tuple(paid.sheets))


def _unit_needed(sheets: list[Sheet], parsed: list[ParsedRows], tag: dict[str, str],
                 errors: list[Problem]) -> list[str]:
    """The money columns holding amounts with no unit stated anywhere, each also an error."""
    out: list[str] = []
    for one, p in zip(sheets, parsed, strict=True):
        assert one.header is not None
        for key in p.unitless:
            col = one.header.column_of(key)
            header = (one.header.headers[col] if col is not None and col < len(one.header.headers)
                      and one.header.headers[col] else LABELS[key])
            errors.append(Problem(one.header.excel_row, header, UNIT_MISSING, tag[one.name]))
            out.append(f"{'工作表“' + one.name + '”' if tag[one.name] else ''}「{header}」")
    return out


def _reading(one: Sheet, p: ParsedRows, unit: str | None) -> SheetReading:
    header = one.header
    assert header is not None
    stated = header.unit_row
    money = [col for col, key in header.mapping.items() if key in ("planned", "amount")]
    columns = []
    for col, text in enumerate(header.headers):
        key = header.mapping.get(col)
        if key is None:
            if text:
                columns.append((column_letter(col), text, "不导入"))
            continue
        meaning = LABELS[key]
        if col in money:
            if col in header.units:
                meaning += f"，单位{header.units[col]}（表头注明）"
            elif stated is not None:
                meaning += f"，单位{stated[1]}（第 {stated[0] + 1} 行注明）"
            elif unit is not None:
                meaning += f"，单位{unit}（导入时指明）"
            else:
                meaning += "，单位未注明（单元格中写明万元/亿元的按所写）"
        columns.append((column_letter(col), text, meaning))
    if stated is not None:
        where = f"金额单位：{stated[1]}（表头上方第 {stated[0] + 1} 行注明，表头或单元格另有注明的按所注）"
    elif money and all(col in header.units for col in money):
        where = "金额单位见各列表头"
    elif unit is not None:
        where = f"金额单位：{unit}（导入时指明）"
    elif money:
        where = "金额单位：表头和表头上方均未注明"
    else:
        where = "没有金额列"
    return SheetReading(one.name, header.rows_text, header.headers, tuple(columns), len(p.rows),
                        p.skipped - len(p.skipped_rows), tuple(p.skipped_rows),
                        tuple(p.sections), where, one.notes)


def column_letter(index: int) -> str:
    """A for 0, AA for 26."""
    # openpyxl costs 0.2 s to import: only when a letter is asked for, not on every command
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _send_new_names(names: NameKeys, sheets: list[Sheet], lookups: Lookups) -> None:
    """To the helper process, the names whose keys the writer will need, as checking will read
    them: the companies not stored yet and their projects (a re-import sends next to none).
    A name left out is worked out here if it is needed after all."""
    stored = lookups.company_by_name
    texts: list[str] = []
    for one in sheets:
        header = one.header
        assert header is not None
        name_col, company_col = header.column_of("name"), header.column_of("company")
        if name_col is None or company_col is None:
            continue
        body = one.rows[header.body:]
        for name, company in zip(column_cells(body, name_col), column_cells(body, company_col),
                                 strict=True):
            company_text = plain_text(company)
            if company_text not in stored:
                texts += (plain_text(name), company_text)
    if texts:
        names.prepare(texts)


class _Steps:
    """Progress over two phases (reading rows, writing them) as one bar."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total = progress, max(total, 1)

    def stage(self, index: int, before: int = 0) -> Progress | None:
        """Progress of phase ``index``; ``before`` rows of it were done by earlier sheets."""
        if self.progress is None:
            return None
        report = self.progress

        def inner(done: int, total: int) -> None:
            share = (before + done) / self.total if index == 0 else done / max(total, 1)
            report(int((index + min(share, 1)) * self.total / 2), self.total)
        return inner


def _check_mapping(header: HeaderGuess) -> None:
    fields = list(header.mapping.values())
    missing = [LABELS[k] for k in REQUIRED if k not in fields]
    if missing:
        raise ValidationError(f"缺少必需的列：{'、'.join(missing)}（请在列对应中指定）",
                              code="excel.mapping")
    doubled = {LABELS[k] for k in fields if fields.count(k) > 1}
    if doubled:
        raise ValidationError(f"多列对应到同一字段：{'、'.join(sorted(doubled))}",
                              code="excel.mapping")

