"""Phase 1 of an import: every ledger row read into a :class:`LedgerRow`, without the database.

Each bad cell becomes a :class:`Problem` (Excel row, column header, reason); a row with any
problem is invalid. Cross-row and database checks (owners, events, duplicates) come later in
:mod:`crm.excel.importer`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from crm import clock, stages
from crm.errors import CrmError, ValidationError
from crm.excel import cells
from crm.excel.cells import CellError
from crm.excel.headers import (
    ASSESSMENT_FIELDS,
    CHAIN_FIELDS,
    LABELS,
    LOCAL_FIELDS,
    HeaderGuess,
)
from crm.excel.layout import is_note_row, is_placeholder, section_industry, section_label, status_name
from crm.excel.sources import Source, parse_source
from crm.excel.stagecheck import read_stage
from crm.uscc import ALPHABET, WEIGHTS, normalize_uscc

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
IMPORT_REASON = "台账导入"


class OperationCancelled(CrmError):
    """The user pressed cancel; nothing was written (import) or the file was removed (export)."""

    code = "cancelled"


ImportCancelled = OperationCancelled


@dataclass(frozen=True)
class Problem:
    """A bad cell (error) or a note about a row (warning)."""

    row: int  # the Excel row number, as the user sees it
    column: str  # the column header as shown (line breaks removed; "" for the whole row)
    reason: str
    sheet: str = ""  # the worksheet, when a workbook has several ledgers

    def text(self) -> str:
        where = (f"工作表“{self.sheet}”" if self.sheet else "") + f"第 {self.row} 行" + (
            f"「{self.column}」" if self.column else "")
        return f"{where}：{self.reason}"


@dataclass
class LedgerRow:
    row: int
    name: str
    company: str
    uscc: str | None = None
    industry: str = ""
    planned: Decimal | None = None
    stage: str = stages.LEAD
    stage_given: bool = False
    signed_on: dt.date | None = None
    amount: Decimal | None = None
    agreement_kind: str = "投资协议"
    event: str = ""
    started_on: dt.date | None = None
    start_kind: str = "开工"
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None
    producing_on: dt.date | None = None
    dropped_on: dt.date | None = None
    owner: str = ""
    source: Source | None = None
    carrier: str = ""
    land_mu: Decimal | None = None
    lead_on: dt.date | None = None
    note: str = ""
    reason: str = ""  # 终止原因
    seen: frozenset[str] = field(default_factory=frozenset)  # fields with a mapped column
    sheet: str = ""
    # the raw cells of the assessment columns (funds by origin, tiers, milestones), read and
    # checked by crm.excel.assessment_cols
    extra: dict[str, object] = field(default_factory=dict)
    # the raw 项目公司 / 营业执照取得日期 cells (crm.excel.local_cols)
    local: dict[str, object] = field(default_factory=dict)
    # the raw 产业链 / 环节 cells (crm.excel.chain_cols)
    chain: dict[str, object] = field(default_factory=dict)

    @property
    def drop_reason(self) -> str:
        return self.reason or self.note or IMPORT_REASON

    def key(self) -> tuple[str, str]:
        return (self.uscc or f"name:{self.company}", self.name)


@dataclass
class ParsedRows:
    rows: list[LedgerRow]
    errors: list[Problem]
    warnings: list[Problem]
    skipped: int  # blank, 合计/小计, section, footnote and signature rows
    invalid_rows: set[int]  # Excel rows with an error
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, why), not blank ones
    sections: list[tuple[int, str, str]] = field(default_factory=list)  # (row, label, industry)
    unitless: dict[str, int] = field(default_factory=dict)  # field → amounts with no unit stated


def plain_text(value: object) -> str:
    """Names keep their full-width brackets (中韩（武汉）…): only trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class Note(str):
    """What a cell check says about a good cell (a 提示, not an error)."""


def _parse_date(value: object, *, plan: bool = False) -> tuple[object, str | None]:
    try:
        day, month_only = cells.parse_day_or_month(value)
    except CellError as exc:
        return None, exc.reason
    if day is not None and not dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31):
        return None, f"日期 {day} 超出合理范围（1990–2100）"
    # every date a ledger carries is a milestone (立项, 签约, 开工, 投产, 终止): it has happened;
    # but a plan (计划开工时间) is a date to come
    if not plan and day is not None and day > (today := clock.today()):
        return None, f"日期 {day} 晚于今天（{today}），不能登记尚未发生的事"
    if month_only:
        return day, Note(f"“{cells.text(value)}”只写到月份，按 {day}（当月1日）导入")
    return day, None


class _RowReader:
    """Reads the cells of one row, collecting the problems instead of stopping at the first.

    One reader serves every row of a file, column by column: each column's cells are taken out
    of the rows once, and each distinct cell is parsed once (ledgers repeat their dates,
    amounts, statuses and sources thousands of times). Rows are then read in order, so their
    problems come out in the order the checks below make them.
    """

    def __init__(self, columns: dict[str, int], headers: tuple[str, ...],
                 units: dict[str, str | None], rows: list[list[object]], sheet: str = ""):
        self.columns, self.headers, self.units, self.sheet = columns, headers, units, sheet
        self.unitless: dict[str, int] = {}
        self.excel_row = 0
        self.index = 0  # position of the current row in ``rows``
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._headers = {key: self._header(key) for key in LABELS}
        self.cells = {key: column_cells(rows, col) for key, col in columns.items()}
        self._nones: list[object] = [None] * len(rows)
        self.bad: dict[str, dict[int, str]] = {}  # field → row position → why the cell is bad
        self.bad_rows: set[int] = set()  # row positions with a bad cell
        self.seen = frozenset(columns)
        self._stages: dict[str, tuple[str, str | None, bool]] = {}

    def start(self, excel_row: int, index: int) -> None:
        self.excel_row, self.index = excel_row, index
        self.errors, self.warnings = [], []

    def column(self, key: str) -> list[object]:
        """Every kept row's cell of column ``key`` (all None for an unmapped field)."""
        return self.cells.get(key, self._nones)

    def plain_column(self, key: str) -> list[str]:
        """Every kept row's cell of ``key`` as :func:`plain_text` reads it, each distinct cell
        once."""
        memo: dict[object, str] = {}
        out: list[str] = []
        for raw in self.column(key):
            mk = raw if type(raw) is str else (type(raw), raw)
            hit = memo.get(mk)
            if hit is None:
                hit = memo[mk] = "" if is_placeholder(raw) else plain_text(raw)
            out.append(hit)
        return out

    def checked_column(self, key: str, parse: Callable[[object], tuple[object, str | None]]
                       ) -> list[object]:
        """Every kept row's cell of ``key`` through ``parse``; the bad ones are remembered by
        row position in ``self.bad[key]`` and ``self.bad_rows``."""
        values, bad = _parse_column(self.column(key), parse)
        self.bad[key] = bad
        self.bad_rows.update(bad)
        return values

    def table(self) -> list[list[object]]:
        """The columns :func:`_read_row` takes, in the order of :data:`_ROW`."""
        money = {key: self._money_parser(key) for key in ("planned", "amount")}
        out: list[list[object]] = []
        for key, how in _ROW:
            if how == "plain":
                out.append(self.plain_column(key))  # type: ignore[arg-type]
            elif how == "raw":
                out.append(self.column(key))
            elif how == "text":
                out.append(self.checked_column(key, _text))
            elif how == "money":
                out.append(self.checked_column(key, money[key]))
            else:
                out.append(self.checked_column(key, _CHECKS[how]))
        return out

    def _header(self, key: str) -> str:
        col = self.columns.get(key)
        if col is None:
            return LABELS[key]
        return self.headers[col] if col < len(self.headers) and self.headers[col] else LABELS[key]

    def header(self, key: str) -> str:
        return self._headers[key]

    def error(self, key: str, reason: str) -> None:
        self.errors.append(Problem(self.excel_row, self._headers[key], reason, self.sheet))

    def warn(self, key: str | None, reason: str) -> None:
        self.warnings.append(Problem(self.excel_row, self._headers[key] if key else "", reason,
                                     self.sheet))

    def _money_parser(self, key: str) -> Callable[[object], tuple[object, str | None]]:
        unit = self.units.get(key)

        def parse(value: object) -> tuple[object, str | None]:
            try:
                wan = cells.parse_money(value, unit)
            except CellError as exc:
                return None, exc.reason
            if wan == 0:  # a signing, a planned investment: zero means nothing (empty: unknown)
                return None, f"{LABELS[key]}必须大于 0（不详请留空）"
            if unit is None and wan is not None and not (
                    isinstance(value, str) and any(u in value for u in "亿万元")):
                # a bare number where no unit is stated anywhere: never guessed (see importer)
                self.unitless[key] = self.unitless.get(key, 0) + 1
            return wan, None
        return parse

    def stage(self, status: str) -> tuple[str, str | None, bool]:
        """(the stage name a status word means, the stage it names, whether it names one),
        once per distinct status."""
        hit = self._stages.get(status)
        if hit is None:
            name = status_name(status)
            try:
                hit = (name, stages.parse_stage(name), True)
            except ValidationError:
                hit = (name, None, False)
            self._stages[status] = hit
        return hit


def column_cells(rows: list[list[object]], col: int) -> list[object]:
    return [values[col] if col < len(values) else None for values in rows]


def _parse_column(column: list[object],
                  parse: Callable[[object], tuple[object, str | None]]
                  ) -> tuple[list[object], dict[int, str]]:
    """``parse`` of every cell, called once per distinct cell: (the values, row position → why
    for the bad cells). A blank (None) cell is never bad; a bad cell's value is what ``parse``
    gave (None). Keys tell 1, 1.0 and True apart (they hash alike)."""
    blank = parse(None)[0]
    memo: dict[object, object] = {}
    why_bad: dict[object, str] = {}  # the memo keys of bad cells
    out: list[object] = []
    append = out.append
    missing = _UNSEEN
    for raw in column:
        if raw is None:
            append(blank)
            continue
        mk = raw if type(raw) is str else (type(raw), raw)
        value = memo.get(mk, missing)
        if value is missing:
            value, why = (blank, None) if is_placeholder(raw) else parse(raw)
            memo[mk] = value
            if why is not None:
                why_bad[mk] = why
        append(value)
    if not why_bad:  # the usual case: one pass over the column
        return out, {}
    bad: dict[int, str] = {}
    for i, raw in enumerate(column):
        if raw is not None:
            why = why_bad.get(raw if type(raw) is str else (type(raw), raw))
            if why is not None:
                bad[i] = why
    return out, bad


def _parse_area(value: object) -> tuple[object, str | None]:
    try:
        return cells.parse_area(value), None
    except CellError as exc:
        return None, exc.reason


def _text(value: object) -> tuple[object, str | None]:
    return cells.text(value), None


_USCC_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_USCC_WEIGHTS = WEIGHTS


def _uscc(value: object) -> tuple[object, str | None]:
    """:func:`crm.uscc.normalize_uscc` of the cell. A code already in canonical form is checked
    here with a table lookup per character (100k codes are 100k distinct cells); anything else,
    and every bad code, goes through ``normalize_uscc`` for its exact reason."""
    if type(value) is str and len(value) == 18:
        try:
            total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, value[:17]),
                            _USCC_WEIGHTS))
        except KeyError:
            pass
        else:
            if _USCC_VALUE.get(value[17]) == (31 - total % 31) % 31:
                return value, None
    try:
        return normalize_uscc(cells.text(value) or None), None
    except ValidationError as exc:
        return None, exc.message


def parse_rows(rows: list[list[object]], header: HeaderGuess, *, unit: str | None = None,
               sheet: str = "", progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> ParsedRows:
    """Read every row below the header into ledger rows and problems.

    A money column's unit is its cells', else its header's, else the unit row's above the
    table, else ``unit`` (the user's answer); amounts with none of these are counted in
    ``unitless``, and the importer refuses the file rather than guess.
    """
    mapping, headers = header.mapping, header.headers
    columns = {key: col for col, key in mapping.items()}
    stated = header.unit_row[1] if header.unit_row else None
    units = {key: header.units.get(col) or stated or unit for key, col in columns.items()}
    out = ParsedRows([], [], [], 0, set())
    first = header.body
    body = rows[first:]
    total = len(body)
    kept: list[list[object]] = []
    excel_rows: list[int] = []
    company_col = columns.get("company")
    name_col = columns.get("name", -1)
    name_header = rows[header.row_index + header.depth - 1][name_col] if 0 <= name_col < len(
        rows[header.row_index + header.depth - 1]) else None
    if name_header is None and 0 <= name_col < len(rows[header.row_index]):
        name_header = rows[header.row_index][name_col]  # merged down: the value is on top
    mapped = sorted(columns.values())
    industry_of: list[str] | None = None  # per kept row, once a section row gave one
    industry = ""
    for i, values in enumerate(body):
        if i % 20000 == 0:
            _check(cancelled)
        if cells.is_blank_row(values):
            out.skipped += 1
            continue
        why = _not_a_project(values, company_col)
        if why is None and _blank_at(values, name_col) and _blank_at(values, company_col) \
                and all(_blank_at(values, col) for col in mapped):
            why = "只在不导入的列中有内容"
        elif why is None and 0 <= name_col < len(values) and values[name_col] == name_header:
            why = "重复的表头行"  # a second table's header, or the header repeated per page
        if why is not None:
            out.skipped += 1
            out.skipped_rows.append((first + 1 + i, why))
            label = section_label(values, company_col) if why.startswith("分组") else None
            if label is not None:
                # with an industry column, the column says it, not the section
                industry = "" if "industry" in columns else section_industry(label)
                out.sections.append((first + 1 + i, label, industry))
                if industry_of is None:
                    industry_of = [""] * len(kept)
            continue
        kept.append(values)
        excel_rows.append(first + 1 + i)
        if industry_of is not None:
            industry_of.append(industry)
    reader = _RowReader(columns, headers, units, kept, sheet)
    source_header = reader.header("source")
    sources: dict[object, Source | None] = {}
    table = reader.table()
    extra_keys = [key for key in ASSESSMENT_FIELDS if key in columns]
    local_keys = [key for key in LOCAL_FIELDS if key in columns]
    chain_keys = [key for key in CHAIN_FIELDS if key in columns]
    for index, (excel_row, cells_of_row) in enumerate(zip(excel_rows, zip(*table, strict=True),
                                                          strict=True)):
        if index % 2000 == 0:
            _check(cancelled)
            if progress is not None:
                progress(excel_row - first - 1, total)
        reader.start(excel_row, index)
        row = _read_row(reader, cells_of_row, sources, source_header)
        if reader.errors:
            out.errors.extend(reader.errors)
            out.invalid_rows.add(excel_row)
        if reader.warnings:
            out.warnings.extend(reader.warnings)
        if row is not None:
            if extra_keys:
                row.extra = {key: reader.column(key)[index] for key in extra_keys}
            if local_keys:
                row.local = {key: reader.column(key)[index] for key in local_keys}
            if chain_keys:
                row.chain = {key: reader.column(key)[index] for key in chain_keys}
            if industry_of is not None and "industry" not in columns and industry_of[index]:
                row.industry = industry_of[index]
            row.sheet = sheet
            out.rows.append(row)
    out.unitless = reader.unitless
    if progress is not None:
        progress(total, total)
    return out


def _blank_at(values: list[object], col: int | None) -> bool:
    if col is None or col < 0 or col >= len(values):
        return True
    v = values[col]
    return v is None or (isinstance(v, str) and (not v.strip() or is_placeholder(v)))


def _not_a_project(values: list[object], company_col: int | None) -> str | None:
    """Why a row that is not blank is no project (合计, a section, a footnote), else None."""
    if cells.is_total_row(values):
        return "合计/小计行"
    if section_label(values, company_col) is not None:
        return "分组行"
    if is_note_row(values):
        return "注释或签字行"
    return None


def _check(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise ImportCancelled("已取消导入，没有写入任何数据")


# The cells _read_row takes, and how each column is read: plain text (trimmed), raw, text
# (normalized), money, or through a check that may find the cell bad.
_ROW: tuple[tuple[str, str], ...] = (
    ("name", "plain"), ("company", "plain"), ("uscc", "uscc"), ("industry", "plain"),
    ("planned", "money"), ("amount", "money"), ("signed_on", "date"), ("started_on", "date"),
    ("producing_on", "date"), ("dropped_on", "date"), ("lead_on", "date"), ("event", "plain"),
    ("owner", "plain"), ("carrier", "plain"), ("note", "plain"), ("drop_reason", "plain"),
    ("source", "raw"), ("land_mu", "area"), ("agreement_kind", "text"), ("stage", "text"),
    ("start_kind", "text"), ("planned_start_on", "plan"), ("planned_open_on", "plan"),
    ("planned_start_kind", "text"))
_CHECKS: dict[str, Callable[[object], tuple[object, str | None]]] = {
    "uscc": _uscc, "date": _parse_date, "area": _parse_area,
    "plan": partial(_parse_date, plan=True)}
# Cells that can be bad, in the order a row's problems are reported (after name and company).
_CHECKED = ("uscc", "planned", "amount", "signed_on", "started_on", "producing_on",
            "dropped_on", "lead_on", "land_mu", "planned_start_on", "planned_open_on")


def _read_row(r: _RowReader, values: tuple[Any, ...], sources: dict[object, Source | None],
              source_header: str) -> LedgerRow | None:
    (name, company, uscc, industry, planned, amount, signed_on, started_on, producing_on,
     dropped_on, lead_on, event, owner, carrier, note, reason, raw_source, land_mu, kind,
     status, start_kind, planned_on, open_on, planned_kind) = values
    if not name:
        r.error("name", "项目名称为空")
    elif len(name) > 200:
        r.error("name", "项目名称不能超过200个字")
    if not company:
        r.error("company", "企业名称为空")
    elif len(company) > 200:
        r.error("company", "企业名称不能超过200个字")
    if r.index in r.bad_rows:  # a bad cell reads as None, and is reported in column order
        for key in _CHECKED:
            why = r.bad[key].get(r.index)
            if why is not None:
                if isinstance(why, Note):  # a good cell with a 提示 (a month-only date)
                    r.warn(key, why)
                else:
                    r.error(key, why)
    seen = raw_source if type(raw_source) is str else (type(raw_source), raw_source)
    source = sources.get(seen, _UNSEEN)
    if source is _UNSEEN:
        source = sources[seen] = parse_source(raw_source, source_header)
    row = LedgerRow(r.excel_row, name, company, uscc, industry=industry[:64], planned=planned,
                    amount=amount, signed_on=signed_on, started_on=started_on,
                    producing_on=producing_on, dropped_on=dropped_on, lead_on=lead_on,
                    event=event, owner=owner, carrier=carrier, note=note, reason=reason,
                    source=source, land_mu=land_mu, seen=r.seen)
    if kind:
        if kind not in stages.AGREEMENT_KINDS:
            r.error("agreement_kind", f"协议类型应为{'、'.join(stages.AGREEMENT_KINDS)}之一")
        else:
            row.agreement_kind = kind
    read_stage(r, row, status, start_kind)
    _read_plan(r, row, planned_on, open_on, planned_kind)
    return row


def _read_plan(r: _RowReader, row: LedgerRow, planned_on: dt.date | None,
               open_on: dt.date | None, kind: str | None) -> None:
    """计划开工时间 / 计划开业时间 and 计划开工类型; a plan before the signing is refused (the
    project form refuses it too)."""
    if planned_on is None and open_on is None:
        return
    if kind and kind not in stages.START_KINDS:
        r.error("planned_start_kind", "计划开工类型应为 开工 或 开业")
    planned = planned_on or open_on
    row.planned_start_on = planned
    row.planned_start_kind = (kind if kind in stages.START_KINDS
                              else "开工" if planned_on is not None else "开业")
    if planned is not None and row.signed_on is not None and planned < row.signed_on:
        r.error("planned_start_on" if planned_on is not None else "planned_open_on",
                f"计划开工(开业)日期 {planned} 早于签约日期 {row.signed_on}")


_UNSEEN: Any = object()
