"""Writing report workbooks with XlsxWriter in constant-memory mode.

XlsxWriter was the faster writer measured (see ``tests/benchmarks/bench_excel.py``) and it
writes native charts, styles, frozen panes and filters, which openpyxl's write-only mode
cannot all do. Constant memory streams rows to disk, so a 100k-row ledger needs little RAM;
rows must then be written top to bottom, which every report here does.

Text from users is always written as a string cell (never a formula); text starting with
``= + - @`` also gets Excel's quote prefix so that editing the cell keeps it text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from crm.errors import ValidationError
from crm.files import AtomicFile

ACCENT = "#1F6FEB"
FORMULA_CHARS = "=+-@"
EXCEL_EPOCH = dt.date(1899, 12, 30)
EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()
MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text | int | money | pct | date | area
    width: float = 12


class Book:
    """One workbook being written; ``with Book(path) as book: …``.

    XlsxWriter writes a temporary file beside ``path`` (see :mod:`crm.files`), renamed over
    ``path`` only once the workbook is complete: a failed, cancelled or killed export leaves the
    report that was there before untouched.
    """

    table_class: type[Table]  # Table, or a preview's recording table (crm.excel.preview)

    def __init__(self, path: str | Path | None):
        """``path=None``: a workbook in memory that is never saved (a preview)."""
        self.table_class = Table
        self.path = Path(path) if path is not None else Path()
        self.file = AtomicFile(self.path) if path is not None else None
        target: Any = str(self.file.temp) if self.file is not None else io.BytesIO()
        self.wb = xlsxwriter.Workbook(target, {
            "constant_memory": self.file is not None, "in_memory": self.file is None,
            "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd"})
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14, "font_name": "微软雅黑"})
        self.subtitle = add({"font_color": "#555555", "font_name": "微软雅黑"})
        self.head = add({"bold": True, "font_color": "#FFFFFF", "bg_color": ACCENT,
                         "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                         "font_name": "微软雅黑"})
        self.formats: dict[str, Any] = {
            "text": None, "int": add({"num_format": "0"}), "money": add({"num_format": "0.00"}),
            "pct": add({"num_format": "0.00%"}), "date": add({"num_format": "yyyy-mm-dd"}),
            "area": add({"num_format": "0.00"})}
        self.quoted = add({"quote_prefix": True})
        self.bold = add({"bold": True})
        self.bold_money = add({"bold": True, "num_format": "0.00"})
        self.bold_pct = add({"bold": True, "num_format": "0.00%"})
        self.org = ""  # the organisation, printed in each page's header (set by the report)

    def __enter__(self) -> Book:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        assert self.file is not None, "a preview is never saved"
        if exc_type is not None:
            try:
                self.wb.close()
            except Exception:  # the error being raised already says what went wrong
                pass
            finally:
                self.file.discard()
            return
        self.close()

    def close(self) -> None:
        assert self.file is not None, "a preview is never saved"
        try:
            self.wb.close()
        except OSError as exc:
            self.file.discard()
            raise ValidationError(f"无法写入文件 {self.path}：{exc}", code="excel.write") from exc
        except BaseException:
            self.file.discard()
            raise
        self.file.commit()

    def sheet(self, name: str, title: str, subtitle: str, columns: Sequence[Column]) -> Table:
        ws = self.wb.add_worksheet(name[:31])
        for i, col in enumerate(columns):
            ws.set_column(i, i, col.width, self.formats[col.kind])
        last = max(len(columns) - 1, 1)
        ws.merge_range(0, 0, 0, last, title, self.title)
        ws.merge_range(1, 0, 1, last, subtitle, self.subtitle)
        print_layout(ws, columns, header_row=2, org=self.org, title=title, period=subtitle)
        return self.table_class(self, ws, columns, first_row=2)


class Table:
    """A titled sheet's table: header row, then data rows, then filter and frozen header."""

    def __init__(self, book: Book, ws: Worksheet, columns: Sequence[Column], first_row: int):
        self.book, self.ws, self.columns = book, ws, list(columns)
        self.header_row = first_row
        self.row = first_row
        ws.set_row(first_row, 24)
        for i, col in enumerate(self.columns):
            ws.write_string(first_row, i, col.header, book.head)
        ws.freeze_panes(first_row + 1, 0)
        self.row += 1
        # The columns by kind, each with its number format, for add(): a cell costs one
        # XlsxWriter call and nothing else (see add).
        formats = book.formats
        kinds = [c.kind for c in self.columns]
        self._texts = [i for i, k in enumerate(kinds) if k == "text"]
        self._dates = [(i, formats[k]) for i, k in enumerate(kinds) if k == "date"]
        self._numbers = [(i, formats[k]) for i, k in enumerate(kinds)
                         if k not in ("text", "date")]
        # XlsxWriter's undecorated writers (its own name for them, in 3.x): the public
        # write_string/write_number first try to read the row as A1 notation. With the
        # writing by kind below, a 10k-row ledger's cells took 0.99 s of CPU instead of 1.24
        self._string = ws._write_string
        self._number = ws._write_number

    def add(self, values: Sequence[Any]) -> None:
        """One data row; None (or a missing value at the end) leaves a cell empty.

        The cells go column kind by column kind, not left to right: in constant-memory mode
        XlsxWriter keeps the row until the next one starts and writes its cells in column
        order, so the file is the same, and the ledger (100k rows × 60 columns) spends its
        time writing cells rather than choosing how to write each one.
        """
        r = self.row
        if r >= MAX_ROWS:
            raise ValidationError("数据超过 Excel 的 1048576 行上限", code="excel.too_many_rows")
        if len(values) < len(self.columns):
            values = [*values, *[None] * (len(self.columns) - len(values))]
        string, number, quoted = self._string, self._number, self.book.quoted
        for c in self._texts:
            v = values[c]
            if v is not None:
                if v.__class__ is not str:
                    v = str(v)
                if v:  # text starting = + - @ stays text when edited (Excel's quote prefix)
                    string(r, c, v, quoted if v[0] in FORMULA_CHARS else None)
        for c, fmt in self._numbers:
            v = values[c]
            if v is not None:
                number(r, c, float(v), fmt)
        for c, fmt in self._dates:
            v = values[c]
            if v is not None:
                number(r, c, v.toordinal() - EPOCH_ORDINAL, fmt)
        self.row = r + 1

    def add_all(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.add(values)

    def total(self, label: str, values: Sequence[Any]) -> None:
        """A bold 合计 row below the data (outside the filter range)."""
        self.finish()
        r = self.row
        self._data_end = r
        self.ws.write_string(r, 0, label, self.book.bold)
        for c, v in enumerate(values, start=1):
            if v is None:
                continue
            kind = self.columns[c].kind
            fmt = {"money": self.book.bold_money, "pct": self.book.bold_pct}.get(kind, self.book.bold)
            if isinstance(v, str):
                self.ws.write_string(r, c, v, fmt)
            else:
                self.ws.write_number(r, c, float(v), fmt)
        self.row += 1
        self._finished = True

    def finish(self) -> None:
        """Filter over the header and data rows (once)."""
        if getattr(self, "_finished", False):
            return
        self.ws.autofilter(self.header_row, 0, max(self.row - 1, self.header_row),
                           len(self.columns) - 1)
        self._finished = True

    @property
    def data_rows(self) -> tuple[int, int]:
        """First and last 0-based data row (last < first when empty), never the 合计 row."""
        return self.header_row + 1, getattr(self, "_data_end", self.row) - 1


# --- printing ---------------------------------------------------------------------------------
# Reports are handed upward on paper and as PDF. Every sheet prints one page wide (as many pages
# long as it needs), header row repeated on each page, the organisation, title and period in
# the page header and page numbers in the footer. Widths in Excel's character units: A4 portrait
# holds ~95 at 100% with these margins, landscape ~140; wider tables shrink to fit, and beyond
# ~210 (a 45% scale on A4) they go on A3 landscape, still legible.
A4, A3 = 9, 8
PORTRAIT_CHARS = 100
A4_LANDSCAPE_CHARS = 210


def column_pixels(width: float) -> int:
    """XlsxWriter's pixel width of a column of ``width`` characters (default font)."""
    return int(width * 7 + 5) if width >= 1 else int(width * 12 + 0.5)


def _header_text(text: str) -> str:
    return text.replace("&", "&&")


def print_layout(ws: Worksheet, columns: Sequence[Column], *, header_row: int, org: str,
                 title: str, period: str) -> None:
    """Paper, orientation, fit to one page wide, repeated header, page header and footer."""
    chars = sum(c.width for c in columns)
    if chars <= PORTRAIT_CHARS:
        ws.set_paper(A4)
        ws.set_portrait()
    else:
        ws.set_paper(A4 if chars <= A4_LANDSCAPE_CHARS else A3)
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.8, bottom=0.7)
    ws.center_horizontally()
    # the organisation on the left; the title (without the organisation it starts with) over
    # the period in the middle, where a long period has the whole width
    short = title.removeprefix(org) if org and title != org else title
    # each text follows a quoted font code, never a size: "&11" then "2025 年…" would read as
    # the font size 112025 and the year would vanish from the printed header
    ws.set_header(f"&L&9&\"-,Regular\"{_header_text(org)}&C&11&\"-,Bold\"{_header_text(short)}\n"
                  f"&9&\"-,Regular\"{_header_text(period)}", {"margin": 0.25})
    ws.set_footer("&L&9&A&C&9第 &P 页，共 &N 页", {"margin": 0.3})

