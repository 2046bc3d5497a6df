"""What a report will hold, before it is exported: each sheet's title, period, columns, first
rows and 合计, from the very code that writes the workbook.

:func:`preview_report` runs the report's writer (:func:`crm.excel.reports.write_report`) into a
workbook kept in memory and never saved, whose tables record what they are given. So the
preview cannot disagree with the file: same queries, same rows, same order, same totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm.db import UnitOfWork
from crm.excel.reports import write_report
from crm.excel.xlsx import Book, Column, Table
from crm.services.metrics import Filters, Period

PREVIEW_ROWS = 8


@dataclass(frozen=True)
class SheetPreview:
    name: str
    title: str
    subtitle: str
    headers: tuple[str, ...]
    kinds: tuple[str, ...]  # text | int | money | pct | date | area, per column
    rows: tuple[tuple[str, ...], ...]  # the first rows, as the cells show them
    row_count: int  # all data rows (None when the preview stopped early)
    complete: bool  # False: the sheet has more rows than were read (the ledger, read no further)
    total: tuple[str, ...] | None  # the 合计 row, when the sheet has one


@dataclass(frozen=True)
class ReportPreview:
    report: str
    sheets: tuple[SheetPreview, ...]


def cell_text(kind: str, value: Any) -> str:
    """A cell as Excel shows it with the report's number formats."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "pct":
        return f"{Decimal(str(value)) * 100:.2f}%"
    if kind in ("money", "area"):
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "int":
        return str(int(value))
    return str(value)


class _Enough(Exception):
    """The preview has what it shows: stop reading (the ledger's rows)."""


@dataclass
class _Sheet:
    name: str
    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    count: int = 0
    complete: bool = True
    total: tuple[str, ...] | None = None

    def frozen(self) -> SheetPreview:
        return SheetPreview(self.name, self.title, self.subtitle,
                            tuple(c.header for c in self.columns),
                            tuple(c.kind for c in self.columns), tuple(self.rows), self.count,
                            self.complete, self.total)


class _RecordingTable(Table):
    """Keeps the first rows as text instead of writing them; counts the rest."""

    record: _Sheet
    limit: int
    stop_early: bool

    def add(self, values: Sequence[Any]) -> None:
        sheet = self.record
        if len(sheet.rows) < self.limit:
            sheet.rows.append(tuple(cell_text(c.kind, v) for c, v in
                                    zip(self.columns, values, strict=False)))
        elif self.stop_early:
            sheet.complete = False
            raise _Enough
        sheet.count += 1
        self.row += 1

    def total(self, label: str, values: Sequence[Any]) -> None:
        self.record.total = (label, *(cell_text(c.kind, v) for c, v in
                                      zip(self.columns[1:], values, strict=False)))
        super().total(label, values)


class _PreviewBook(Book):
    def __init__(self, limit: int, stop_early: bool):
        super().__init__(None)
        self.table_class = _RecordingTable
        self.limit, self.stop_early = limit, stop_early
        self.sheets: list[_Sheet] = []

    def sheet(self, name: str, title: str, subtitle: str, columns: Sequence[Column]) -> Table:
        table = super().sheet(name, title, subtitle, columns)
        assert isinstance(table, _RecordingTable)
        table.record = _Sheet(name, title, subtitle, tuple(columns))
        table.limit, table.stop_early = self.limit, self.stop_early
        self.sheets.append(table.record)
        return table

    def discard(self) -> None:
        self.wb.fileclosed = True  # never saved: XlsxWriter must not complain when it goes


def preview_report(uow: UnitOfWork, report: str, period: Period, as_of: dt.date,
                   filters: Filters | None = None, *, limit: int = PREVIEW_ROWS) -> ReportPreview:
    """The report's sheets as the export would write them, each with its first ``limit`` rows.

    The ledger (every project, possibly 100,000) stops reading after those rows; its title line
    already gives the count."""
    book = _PreviewBook(limit, stop_early=report == "ledger")
    try:
        write_report(uow, book, report, period, as_of, filters)
    except _Enough:
        pass
    finally:
        book.discard()
    return ReportPreview(report, tuple(s.frozen() for s in book.sheets))
