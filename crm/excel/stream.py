"""Guarding against worksheets whose stated size is absurd (one stray far cell).

calamine builds a sheet as one dense grid from A1 to its last cell: a single value typed at
XFD1048576 makes it allocate 17 billion cells (the process dies), one at GR1048576 took 50 s
and 8 GB. Before calamine sees an .xlsx sheet we read the size the sheet states (its
``<dimension>``, a few hundred bytes into the sheet's XML) — or, when a writer left that out,
the farthest cell reference, scanned without parsing. A sheet within :data:`MAX_CELLS` and
:data:`MAX_COLUMNS` goes to calamine as before; a larger one is read here, row by row, with the
standard library's XML parser: the cells present are kept, empty rows share one empty list,
and cells beyond :data:`MAX_COLUMNS` are left out and named.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, iterparse

MAX_COLUMNS = 1024  # ledgers have tens of columns; Excel allows 16,384
MAX_CELLS = 12_000_000  # rows × columns of the stated grid calamine may allocate (~0.4 GB)
_HEAD_BYTES = 65536
SCAN_BYTES = 8 << 20  # sheets up to this much XML (~40k cells) are scanned for their far cell
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+\d+)(?::([A-Z]+\d+))?\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?r=\"([A-Z]{1,3})(\d{1,7})\"")
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def column_number(letters: str) -> int:
    """1 for A, 27 for AA, 16384 for XFD."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _ref(text: str) -> tuple[int, int]:
    match = _REF.match(text)
    if not match:
        return 1, 1
    return int(match[2]), column_number(match[1])


@dataclass(frozen=True)
class StatedSize:
    rows: int
    columns: int
    far_cell: str  # the bottom-right reference, as the sheet states it

    @property
    def absurd(self) -> bool:
        return self.columns > MAX_COLUMNS or self.rows * self.columns > MAX_CELLS


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip member holding its XML."""
    rels: dict[str, str] = {}
    with book.open("xl/_rels/workbook.xml.rels") as f:
        for _, el in iterparse(f):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join("xl", target))
                rels[el.get("Id", "")] = target
    out: dict[str, str] = {}
    with book.open("xl/workbook.xml") as f:
        for _, el in iterparse(f):
            if _local(el.tag) == "sheet":
                target = rels.get(el.get(_NS_REL, ""), "")
                if target in book.NameToInfo:
                    out[el.get("name", "")] = target
    return out


def stated_sizes(path: Path) -> dict[str, StatedSize]:
    """Each worksheet's stated size, for .xlsx/.xlsm files ({} for other formats)."""
    if not zipfile.is_zipfile(path):
        return {}
    try:
        with zipfile.ZipFile(path) as book:
            parts = sheet_parts(book)
            return {name: _size(book, member) for name, member in parts.items()}
    except (KeyError, zipfile.BadZipFile, SyntaxError, OSError):
        return {}  # not a workbook we understand: calamine gives the message


def _size(book: zipfile.ZipFile, member: str) -> StatedSize:
    """The sheet's size: its ``<dimension>``, and for a sheet of at most :data:`SCAN_BYTES`
    (where a stray cell hides, and scanning costs milliseconds) or one without a dimension,
    also its farthest cell reference — a dimension can be wrong."""
    small = book.getinfo(member).file_size <= SCAN_BYTES
    with book.open(member) as f:
        head = f.read(_HEAD_BYTES)
        data = _SHEET_DATA.search(head)
        dim = _DIMENSION.search(head, 0, data.start() if data else len(head))
        rows = cols = 1
        if dim is not None:
            rows, cols = _ref((dim[2] or dim[1]).decode())
            if not small:
                return StatedSize(rows, cols, f"{_letters(cols)}{rows}")
        chunk = head  # scanned in chunks; a cell tag never spans the 256 bytes kept
        while chunk:
            for m in _CELL_REF.finditer(chunk):
                cols = max(cols, column_number(m[1].decode()))
                rows = max(rows, int(m[2]))
            more = f.read(1 << 20)
            chunk = chunk[-256:] + more if more else b""
    return StatedSize(rows, cols, f"{_letters(cols)}{rows}")


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


@dataclass
class StreamedSheet:
    rows: list[list[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]]
    left_out: int = 0  # cells beyond MAX_COLUMNS
    first_left_out: str = ""
    notes: list[str] = field(default_factory=list)


def read_sheet(path: Path, name: str) -> StreamedSheet:
    """One worksheet row by row: memory follows the cells present, not the stated grid."""
    with zipfile.ZipFile(path) as book:
        member = sheet_parts(book)[name]
        strings = _shared_strings(book)
        dates = _date_styles(book)
        with book.open(member) as f:
            return _read(f, strings, dates)


_EMPTY: list[object] = []


def _read(f: IO[bytes], strings: list[str], dates: set[int]) -> StreamedSheet:
    out = StreamedSheet([], [])
    rows = out.rows
    current: dict[int, object] = {}
    row_no = 0
    for event, el in iterparse(f, events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                current = {}
                row_no = int(el.get("r") or row_no + 1)
            continue
        if tag == "c":
            ref = el.get("r", "")
            c = _ref(ref)[1] if ref else len(current) + 1
            if c > MAX_COLUMNS:
                out.left_out += 1
                out.first_left_out = out.first_left_out or ref
            else:
                value = _value(el, strings, dates)
                if value is not None:
                    current[c - 1] = value
            el.clear()
        elif tag == "row":
            if current:
                while len(rows) < row_no - 1:
                    rows.append(_EMPTY)  # one shared list for every empty row
                width = max(current) + 1
                values: list[object] = [None] * width
                for c, v in current.items():
                    values[c] = v
                rows.append(values)
            el.clear()
        elif tag == "mergeCell":
            a, _, b = (el.get("ref") or "").partition(":")
            (r0, c0), (r1, c1) = _ref(a), _ref(b or a)
            if c0 <= MAX_COLUMNS:
                out.merged.append(((r0 - 1, c0 - 1), (r1 - 1, min(c1, MAX_COLUMNS) - 1)))
    widest = max((len(values) for values in rows), default=0)
    for values in rows:  # calamine's shape: every row as wide as the widest (empty rows: [])
        if values is not _EMPTY and len(values) < widest:
            values.extend([None] * (widest - len(values)))
    return out


def _value(el: Element, strings: list[str], dates: set[int]) -> object:
    kind = el.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in el.iter() if _local(t.tag) == "t")
    v = None
    for child in el:
        if _local(child.tag) == "v":
            v = child.text
    if v is None:
        return None
    if kind == "s":
        i = int(v)
        return strings[i] if 0 <= i < len(strings) else None
    if kind in ("str", "d"):
        return v
    if kind == "b":
        return v == "1"
    if kind == "e":
        return None
    number = float(v)
    style = int(el.get("s", "0"))
    if style in dates and 0 < number < 2958466:
        moment = EXCEL_EPOCH + dt.timedelta(days=number)
        return moment.date() if number.is_integer() else moment
    return int(number) if number.is_integer() and "." not in v and "E" not in v else number


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.NameToInfo:
        return []
    out: list[str] = []
    with book.open("xl/sharedStrings.xml") as f:
        for _, el in iterparse(f):
            if _local(el.tag) == "si":
                parts = [t.text or "" for t in _texts(el)]
                out.append("".join(parts))
                el.clear()
    return out


def _texts(si: Element) -> list[Element]:
    """The <t> of a string item, leaving out phonetic runs (<rPh>, common in CJK files)."""
    found: list[Element] = []
    for child in si:
        tag = _local(child.tag)
        if tag == "t":
            found.append(child)
        elif tag == "r":
            found.extend(t for t in child if _local(t.tag) == "t")
    return found


_BUILTIN_DATES = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format is a date or time."""
    if "xl/styles.xml" not in book.NameToInfo:
        return set()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    in_cell_xfs = False
    with book.open("xl/styles.xml") as f:
        for event, el in iterparse(f, events=("start", "end")):
            tag = _local(el.tag)
            if tag == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
            elif event == "start" and tag == "xf" and in_cell_xfs:
                xfs.append(int(el.get("numFmtId", "0")))
    out: set[int] = set()
    for i, fmt in enumerate(xfs):
        code = custom.get(fmt)
        if fmt in _BUILTIN_DATES or (code is not None and re.search(
                r"[ymdhs]", _QUOTED.sub("", code), re.IGNORECASE)):
            out.add(i)
    return out
