"""Reading a workbook's cells with python-calamine (the fastest reader measured, DESIGN §7).

calamine reads .xlsx, .xlsm, .xls and .ods; it returns dates as ``datetime.date`` /
``datetime.datetime``, numbers as ``int``/``float`` and leaves merged cells' other parts empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from python_calamine import CalamineWorkbook

from crm.errors import ValidationError
from crm.excel import receipt_sheet
from crm.excel.cells import is_blank_row
from crm.excel.headers import HEADER_SCAN_ROWS, REQUIRED, HeaderGuess, Merged, find_header, header_at
from crm.excel.stream import MAX_COLUMNS, StatedSize, read_sheet, stated_sizes


class ExcelFileError(ValidationError):
    """The file cannot be read as a workbook, or holds no recognisable ledger."""

    code = "excel.file"


@dataclass(frozen=True)
class Sheet:
    """The rows of a sheet holding a ledger, and where its header is."""

    path: Path
    name: str
    rows: list[list[object]]
    header: HeaderGuess | None
    merged: tuple[Merged, ...] = ()
    notes: tuple[str, ...] = ()  # how the sheet was read, when not plainly (a far cell)


@dataclass(frozen=True)
class Book:
    """The sheets of a workbook that hold a ledger, and those left out with why."""

    path: Path
    sheets: tuple[Sheet, ...]
    skipped: tuple[tuple[str, str], ...]  # (sheet name, why)
    # sheets of receipts (到位资金明细, crm.excel.receipt_sheet), read beside the ledger sheets
    receipts: tuple[Sheet, ...] = ()


@dataclass(frozen=True)
class _Raw:
    name: str
    rows: list[list[object]]
    merged: tuple[Merged, ...]
    notes: tuple[str, ...]


def read_rows(path: str | Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet's rows (name, rows), as calamine returns them."""
    return [(raw.name, raw.rows) for raw in _read(Path(path))]


def _read(p: Path, only: str | None = None) -> list[_Raw]:
    if not p.is_file():
        raise ExcelFileError(f"找不到文件：{p}", code="excel.missing")
    sizes = stated_sizes(p)
    try:
        book = CalamineWorkbook.from_path(str(p))
        names = list(book.sheet_names)
        if only is not None and only not in names:
            raise ExcelFileError(f"“{p.name}”中没有工作表“{only}”；有：{'、'.join(names)}",
                                 code="excel.sheet")
        out: list[_Raw] = []
        for name in names:
            if only is not None and name != only:
                continue
            size = sizes.get(name)
            if size is not None and size.absurd:
                out.append(_streamed(p, name, size))
                continue
            sheet = book.get_sheet_by_name(name)
            rows: list[list[object]] = sheet.to_python(  # type: ignore[assignment]
                skip_empty_area=False)
            if rows and not isinstance(rows[0], list):  # older python-calamine: tuples
                rows = [list(r) for r in rows]
            merged = tuple(sheet.merged_cell_ranges or ())
            out.append(_Raw(name, rows, merged, ()))
        return out
    except ExcelFileError:
        raise
    except Exception as exc:  # calamine raises several types for damaged or foreign files
        raise ExcelFileError(f"无法读取“{p.name}”：不是有效的 Excel 文件或文件已损坏（{_short(exc)}）",
                             code="excel.damaged") from exc


def _streamed(p: Path, name: str, size: StatedSize) -> _Raw:
    """A sheet whose stated size is absurd, read row by row (see :mod:`crm.excel.stream`)."""
    got = read_sheet(p, name)
    note = (f"工作表“{name}”声明的范围到 {size.far_cell}（{size.rows:,} 行 × {size.columns:,} 列），"
            "已逐行读取实际有内容的单元格")
    notes = [note]
    if got.left_out:
        notes.append(f"第 {MAX_COLUMNS} 列以后的 {got.left_out} 个单元格（如 {got.first_left_out}）"
                     "超出台账范围，未读取")
    return _Raw(name, got.rows, tuple(got.merged), tuple(notes))


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


NO_HEADER = "前 30 行中找不到表头（需要“项目名称”和“企业名称”等列）"


def open_book(path: str | Path, *, sheet: str | None = None,
              header_row: int | None = None) -> Book:
    """Every sheet with a recognisable ledger header (only ``sheet`` when named). When the
    user names the header's Excel row number, the named sheet (else the first that is not
    empty) is taken with its header there.

    Raises:
        ExcelFileError: damaged or non-Excel file, no such sheet, empty workbook, or no
            header found in any sheet.
    """
    p = Path(path)
    raws = _read(p, sheet)
    if header_row is not None:
        for raw in raws:
            if raw.rows:
                chosen = with_header_at(Sheet(p, raw.name, raw.rows, None, raw.merged,
                                              raw.notes), header_row - 1)
                return Book(p, (chosen,), tuple((r.name, "未选择") for r in raws
                                                if r.name != raw.name))
    found: list[Sheet] = []
    skipped: list[tuple[str, str]] = []
    receipts: list[Sheet] = []
    for raw in raws:
        if not any(not is_blank_row(r) for r in raw.rows[:HEADER_SCAN_ROWS * 4]):
            skipped.append((raw.name, "空工作表"))
            continue
        paid = receipt_sheet.find_header(raw.rows)  # 到位资金明细: receipts, not a ledger
        if paid is not None:
            receipts.append(Sheet(p, raw.name, raw.rows, paid, raw.merged, raw.notes))
            continue
        header = find_header(raw.rows, raw.merged)
        if header is None or not set(REQUIRED) <= set(header.mapping.values()):
            skipped.append((raw.name, NO_HEADER))
            continue
        found.append(Sheet(p, raw.name, raw.rows, header, raw.merged, raw.notes))
    if not found:
        if raws and all(why == "空工作表" for _, why in skipped):
            raise ExcelFileError(f"“{p.name}”是空的，没有可导入的数据", code="excel.empty")
        # a sheet with only part of the header still opens (the wizard lets users map it)
        for raw in raws:
            header = find_header(raw.rows, raw.merged)
            if header is not None and all(s.name != raw.name for s in receipts):
                return Book(p, (Sheet(p, raw.name, raw.rows, header, raw.merged, raw.notes),),
                            tuple((n, w) for n, w in skipped if n != raw.name))
        raise ExcelFileError(
            f"在“{p.name}”的前 30 行中找不到表头：需要至少有“项目名称”和“企业名称”（或投资方、"
            "投资主体等）列", code="excel.no_header")
    return Book(p, tuple(found), tuple(skipped), tuple(receipts))




def receipt_sheets(path: str | Path, skip: str) -> tuple[Sheet, ...]:
    """The receipts sheets (到位资金明细) of a workbook whose ledger sheet ``skip`` was chosen
    by name or header row: they belong to it all the same (the wizard names the one sheet)."""
    p = Path(path)
    try:
        names = list(CalamineWorkbook.from_path(str(p)).sheet_names)
    except Exception:  # already read once by open_book; nothing more to find
        return ()
    out: list[Sheet] = []
    for name in names:
        if name == skip:
            continue
        for raw in _read(p, name):
            header = receipt_sheet.find_header(raw.rows)
            if header is not None:
                out.append(Sheet(p, raw.name, raw.rows, header, raw.merged, raw.notes))
    return tuple(out)


def with_header_at(sheet: Sheet, row_index: int) -> Sheet:
    """The same sheet with the header taken from another row (the wizard lets users choose)."""
    if not 0 <= row_index < len(sheet.rows):
        raise ValidationError(f"表头行号 {row_index + 1} 超出范围", code="excel.header_row")
    return replace(sheet, header=header_at(sheet.rows, row_index, sheet.merged, exact=True))
