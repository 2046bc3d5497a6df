"""Reading a workbook's cells with python-calamine (the fastest reader measured, DESIGN §7).

calamine reads .xlsx, .xlsm, .xls and .ods; it returns dates as ``datetime.date`` /
``datetime.datetime``, numbers as ``int``/``float`` and leaves merged cells' other parts empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from crm.errors import ValidationError
from crm.excel.headers import HeaderGuess, find_header


class ExcelFileError(ValidationError):
    """The file cannot be read as a workbook, or holds no recognisable ledger."""

    code = "excel.file"


@dataclass(frozen=True)
class Sheet:
    """The rows of the sheet holding the ledger, and where its header is."""

    path: Path
    name: str
    rows: list[list[object]]
    header: HeaderGuess | None


def read_rows(path: str | Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet's rows (name, rows), as calamine returns them."""
    p = Path(path)
    if not p.is_file():
        raise ExcelFileError(f"找不到文件：{p}", code="excel.missing")
    try:
        book = CalamineWorkbook.from_path(str(p))
        out: list[tuple[str, list[list[object]]]] = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            rows: list[list[object]] = sheet.to_python(  # type: ignore[assignment]
                skip_empty_area=False)
            if rows and not isinstance(rows[0], list):  # older python-calamine: tuples
                rows = [list(r) for r in rows]
            out.append((name, rows))
        return out
    except Exception as exc:  # calamine raises several types for damaged or foreign files
        raise ExcelFileError(f"无法读取“{p.name}”：不是有效的 Excel 文件或文件已损坏（{_short(exc)}）",
                             code="excel.damaged") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def open_ledger(path: str | Path, header_row: int | None = None) -> Sheet:
    """The first sheet with a recognisable ledger header (or, when the user names the header's
    Excel row number, the first sheet that is not empty, with its header there).

    Raises:
        ExcelFileError: damaged or non-Excel file, empty workbook, or no header found.
    """
    sheets = read_rows(path)
    p = Path(path)
    if header_row is not None:
        for name, rows in sheets:
            if rows:
                return with_header_at(Sheet(p, name, rows, None), header_row - 1)
    for name, rows in sheets:
        header = find_header(rows)
        if header is not None:
            return Sheet(p, name, rows, header)
    if not any(rows for _, rows in sheets):
        raise ExcelFileError(f"“{p.name}”是空的，没有可导入的数据", code="excel.empty")
    raise ExcelFileError(
        f"在“{p.name}”的前 30 行中找不到表头：需要至少有“项目名称”和“企业名称”（或投资方、"
        "投资主体等）列", code="excel.no_header")


def with_header_at(sheet: Sheet, row_index: int) -> Sheet:
    """The same sheet with the header taken from another row (the wizard lets users choose)."""
    from crm.excel.headers import guess_mapping

    if not 0 <= row_index < len(sheet.rows):
        raise ValidationError(f"表头行号 {row_index + 1} 超出范围", code="excel.header_row")
    row = sheet.rows[row_index]
    headers = tuple("" if v is None else str(v).strip() for v in row)
    return Sheet(sheet.path, sheet.name, sheet.rows,
                 HeaderGuess(row_index, headers, guess_mapping(row)))
