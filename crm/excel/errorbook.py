"""The error workbook: the rows that failed, as they were, with the reasons beside them.

Staff fix the rows in this file (or in their ledger, by the row numbers) and import again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from crm.excel import receipt_sheet
from crm.excel.importer import ImportReport
from crm.excel.reader import read_rows
from crm.excel.xlsx import Book, Column


def write_error_book(report: ImportReport, path: str | Path) -> Path:
    """The header, each row with an error (original values), its row number and reasons; a
    sheet of them per ledger sheet that has errors."""
    sheets = dict(read_rows(report.file))
    by_sheet: dict[str, dict[int, list[str]]] = {}
    for p in report.errors:
        reasons = by_sheet.setdefault(p.sheet or report.sheet, {})
        reasons.setdefault(p.row, []).append(f"{p.column}：{p.reason}" if p.column else p.reason)
    headers_of = {s.name: list(s.headers) for s in report.sheets}
    out = Path(path)
    with Book(out) as book:
        for name, reasons in by_sheet.items() or [(report.sheet, {})]:
            rows = sheets.get(name, [])
            headers = headers_of.get(name) or _receipt_headers(rows) or list(report.headers)
            columns = [Column("原行号", "int", 8)]
            columns += [Column(h or f"第{i + 1}列", "text", 14) for i, h in enumerate(headers)]
            columns.append(Column("错误原因", "text", 60))
            title = "错误" if len(by_sheet) <= 1 else f"错误-{name}"
            errors = sum(len(v) for v in reasons.values())
            table = book.sheet(title, f"{Path(report.file).name} 的错误行",
                               f"共 {len(reasons)} 行 {errors} 处错误；改正后可重新导入", columns)
            for row in sorted(reasons):
                values: Sequence[object] = rows[row - 1] if 0 < row <= len(rows) else []
                cells: list[object] = [row]
                for i in range(len(headers)):
                    cells.append(_as_text(values[i]) if i < len(values) else None)
                cells.append("；".join(reasons[row]))
                table.add(cells)
            table.finish()
    return out


def _receipt_headers(rows: list[list[object]]) -> list[str]:
    """A 到位资金明细 sheet's own headers (its errors are listed under them)."""
    found = receipt_sheet.find_header(rows) if rows else None
    return list(found.headers) if found is not None else []


def _as_text(value: object) -> str | None:
    """Cells are shown as written; dates as YYYY-MM-DD, whole numbers without .0."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
