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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crm.db import Database
from crm.errors import ValidationError
from crm.excel import writer
from crm.excel.headers import LABELS, REQUIRED, HeaderGuess
from crm.excel.keys import NameKeys
from crm.excel.reader import Sheet, open_ledger
from crm.excel.resolve import Lookups, resolve
from crm.excel.rows import Cancelled, ImportCancelled, Problem, Progress, column_cells, parse_rows, plain_text
from crm.services.common import Actor, audit, require_manager

__all__ = ["ImportCancelled", "ImportReport", "Problem", "import_ledger", "preview"]


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did; ``written`` is False for a dry run or a refused file."""

    file: str
    sheet: str
    header_row: int  # Excel row number of the header
    mapping: dict[int, str]
    headers: tuple[str, ...]
    rows: int  # data rows read (blank and total rows not counted)
    skipped: int  # blank, 合计 and 小计 rows
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    invalid_rows: tuple[int, ...]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    dry_run: bool = False
    refused: bool = False  # errors and no skip_invalid: nothing written

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        head = (f"{Path(self.file).name}（工作表“{self.sheet}”，表头在第 {self.header_row} 行）："
                f"{self.rows} 行数据，跳过空行/合计行 {self.skipped} 行")
        if self.refused and not self.dry_run:
            return (f"{head}；{len(self.invalid_rows)} 行有 {len(self.errors)} 处错误，"
                    "未导入任何数据（改正后重新导入，或选择跳过错误行）")
        verb = "将新建" if self.dry_run else "新建"
        if self.refused:
            head += f"；{len(self.invalid_rows)} 行有 {len(self.errors)} 处错误，须改正或选择跳过错误行"
        tail = (f"；{verb} {self.created} 个项目，{'将更新' if self.dry_run else '更新'} "
                f"{self.updated} 个，{self.unchanged} 个无变化")
        if self.invalid_rows and not self.refused:
            tail += f"；{len(self.invalid_rows)} 行有错误，{'将跳过' if self.dry_run else '已跳过'}"
        if self.dry_run:
            tail += "（试导入，未写入）"
        return head + tail


def preview(path: str | Path) -> Sheet:
    """Read a file and propose its header row and column mapping (for the wizard)."""
    return open_ledger(path)


def import_ledger(db: Database, actor: Actor, path: str | Path, *,
                  mapping: dict[int, str] | None = None, header_row: int | None = None,
                  dry_run: bool = False, skip_invalid: bool = False,
                  progress: Progress | None = None,
                  cancelled: Cancelled | None = None) -> ImportReport:
    """Import a ledger file.

    Args:
        mapping: column index → field, as the user fixed it; None takes the detected one.
        header_row: the Excel row number of the header, None takes the detected one.
        dry_run: check everything and count what would change, write nothing.
        skip_invalid: write the valid rows even when some rows have errors.
        progress, cancelled: the Qt-free pair long work receives from the UI.

    Raises:
        ExcelFileError: damaged or non-Excel file, or no recognisable header.
        ImportCancelled: ``cancelled()`` became true; nothing was written.
    """
    require_manager(actor, "从台账导入项目")
    # A dry run writes no new project, so it needs no pinyin keys worked out ahead.
    keys = NameKeys() if dry_run else NameKeys.for_file(path)
    with _no_cycle_collection(), keys as names:
        return _import(db, actor, path, mapping, header_row, dry_run, skip_invalid, progress,
                       cancelled, names)


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


def _import(db: Database, actor: Actor, path: str | Path, mapping: dict[int, str] | None,
            header_row: int | None, dry_run: bool, skip_invalid: bool,
            progress: Progress | None, cancelled: Cancelled | None,
            names: NameKeys) -> ImportReport:
    sheet = open_ledger(path, header_row)
    header = sheet.header
    assert header is not None
    if mapping is not None:
        header = HeaderGuess(header.row_index, header.headers, dict(mapping))
    _check_mapping(header)
    total = len(sheet.rows) - header.row_index - 1
    steps = _Steps(progress, total)
    with db.uow() as uow:
        lookups = Lookups.load(uow)
        if names.helped:
            _send_new_names(names, sheet.rows[header.row_index + 1:], header, lookups)
        parsed = parse_rows(sheet.rows, header.row_index, header.mapping, header.headers,
                            progress=steps.stage(0), cancelled=cancelled)
        plans, problems = resolve(parsed.rows, lookups, header, actor)
        errors = [*parsed.errors, *problems.errors]
        warnings = [*parsed.warnings, *problems.warnings]
        invalid = parsed.invalid_rows | problems.invalid_rows
        valid = [p for p in plans if p.row.row not in invalid]
        result = writer.WriteResult()
        if not errors or skip_invalid or dry_run:
            result = writer.write(uow, actor, valid, lookups, names=names,
                                  progress=steps.stage(1), cancelled=cancelled,
                                  dry_run=dry_run)
            errors.extend(result.errors)
            invalid |= {p.row for p in result.errors}
            warnings.extend(result.warnings)
        refused = bool(errors) and not skip_invalid
        written = result.changed and not dry_run and not refused
        if written:
            audit(uow, actor, "import", "ledger", None, file=Path(path).name,
                  created=result.created, updated=result.updated)
            uow.commit()
    if progress is not None:
        progress(total, total)
    errors.sort(key=lambda p: p.row)
    warnings.sort(key=lambda p: p.row)
    return ImportReport(str(path), sheet.name, header.excel_row, header.mapping, header.headers,
                        len(parsed.rows), parsed.skipped, tuple(errors), tuple(warnings),
                        tuple(sorted(invalid)), result.created, result.updated,
                        result.unchanged, written, dry_run, refused)


def _send_new_names(names: NameKeys, body: list[list[object]], header: HeaderGuess,
                    lookups: Lookups) -> None:
    """To the helper process, the names whose keys the writer will need, as checking will read
    them: the companies not stored yet and their projects (a re-import sends next to none).
    A name left out is worked out here if it is needed after all."""
    name_col, company_col = header.column_of("name"), header.column_of("company")
    if name_col is None or company_col is None:
        return
    stored = lookups.company_by_name
    texts: list[str] = []
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

    def stage(self, index: int) -> Progress | None:
        if self.progress is None:
            return None
        report = self.progress

        def inner(done: int, total: int) -> None:
            share = done / max(total, 1)
            report(int((index + share) * self.total / 2), self.total)
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

