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
from typing import Any

from crm import stages
from crm.errors import CrmError, ValidationError
from crm.excel import cells
from crm.excel.cells import CellError
from crm.excel.headers import LABELS
from crm.excel.sources import Source, parse_source
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
    column: str  # the column header as written in the file ("" for the whole row)
    reason: str

    def text(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」" if self.column else "")
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
    skipped: int  # blank, 合计 and 小计 rows
    invalid_rows: set[int]  # Excel rows with an error


def plain_text(value: object) -> str:
    """Names keep their full-width brackets (中韩（武汉）…): only trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value: object) -> tuple[object, str | None]:
    try:
        day = cells.parse_date(value)
    except CellError as exc:
        return None, exc.reason
    if day is not None and not dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31):
        return None, f"日期 {day} 超出合理范围（1990–2100）"
    return day, None


class _RowReader:
    """Reads the cells of one row, collecting the problems instead of stopping at the first.

    One reader serves every row of a file, column by column: each column's cells are taken out
    of the rows once, and each distinct cell is parsed once (ledgers repeat their dates,
    amounts, statuses and sources thousands of times). Rows are then read in order, so their
    problems come out in the order the checks below make them.
    """

    def __init__(self, columns: dict[str, int], headers: tuple[str, ...],
                 units: dict[str, str | None], rows: list[list[object]]):
        self.columns, self.headers, self.units = columns, headers, units
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
        self._stages: dict[str, tuple[str | None, bool]] = {}

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
                hit = memo[mk] = plain_text(raw)
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
        self.errors.append(Problem(self.excel_row, self._headers[key], reason))

    def warn(self, key: str | None, reason: str) -> None:
        self.warnings.append(Problem(self.excel_row, self._headers[key] if key else "", reason))

    def _money_parser(self, key: str) -> Callable[[object], tuple[object, str | None]]:
        unit = self.units.get(key)

        def parse(value: object) -> tuple[object, str | None]:
            try:
                return cells.parse_money(value, unit), None
            except CellError as exc:
                return None, exc.reason
        return parse

    def stage(self, status: str) -> tuple[str | None, bool]:
        """(the stage a status names, whether it names one), once per distinct status."""
        hit = self._stages.get(status)
        if hit is None:
            try:
                hit = (stages.parse_stage(status), True)
            except ValidationError:
                hit = (None, False)
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
            value, why = parse(raw)
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


def parse_rows(rows: list[list[object]], header_index: int, mapping: dict[int, str],
               headers: tuple[str, ...], *, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> ParsedRows:
    """Read every row below the header into ledger rows and problems."""
    columns = {key: col for col, key in mapping.items()}
    units = {key: cells.header_unit(headers[col]) if col < len(headers) else None
             for key, col in columns.items()}
    out = ParsedRows([], [], [], 0, set())
    body = rows[header_index + 1:]
    total = len(body)
    kept: list[list[object]] = []
    excel_rows: list[int] = []
    for i, values in enumerate(body):
        if i % 20000 == 0:
            _check(cancelled)
        if cells.is_blank_row(values) or cells.is_total_row(values):
            out.skipped += 1
            continue
        kept.append(values)
        excel_rows.append(header_index + 2 + i)
    reader = _RowReader(columns, headers, units, kept)
    source_header = reader.header("source")
    sources: dict[object, Source | None] = {}
    table = reader.table()
    for index, (excel_row, cells_of_row) in enumerate(zip(excel_rows, zip(*table, strict=True),
                                                          strict=True)):
        if index % 2000 == 0:
            _check(cancelled)
            if progress is not None:
                progress(excel_row - header_index - 2, total)
        reader.start(excel_row, index)
        row = _read_row(reader, cells_of_row, sources, source_header)
        if reader.errors:
            out.errors.extend(reader.errors)
            out.invalid_rows.add(excel_row)
        if reader.warnings:
            out.warnings.extend(reader.warnings)
        if row is not None:
            out.rows.append(row)
    if progress is not None:
        progress(total, total)
    return out


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
    ("start_kind", "text"))
_CHECKS = {"uscc": _uscc, "date": _parse_date, "area": _parse_area}
# Cells that can be bad, in the order a row's problems are reported (after name and company).
_CHECKED = ("uscc", "planned", "amount", "signed_on", "started_on", "producing_on",
            "dropped_on", "lead_on", "land_mu")


def _read_row(r: _RowReader, values: tuple[Any, ...], sources: dict[object, Source | None],
              source_header: str) -> LedgerRow | None:
    (name, company, uscc, industry, planned, amount, signed_on, started_on, producing_on,
     dropped_on, lead_on, event, owner, carrier, note, reason, raw_source, land_mu, kind,
     status, start_kind) = values
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
    _read_stage(r, row, status, start_kind)
    return row


_UNSEEN: Any = object()


def _read_stage(r: _RowReader, row: LedgerRow, status: str, kind: str) -> None:
    given: str | None = None
    if status:
        given, known = r.stage(status)
        if not known:
            r.error("stage", f"项目状态“{status}”无法识别，可用："
                             f"{'、'.join(stages.NAMES.values())}（或已开业）")
    if kind and kind not in stages.START_KINDS:
        r.error("start_kind", "开工类型应为 开工 或 开业")
    row.start_kind = kind if kind in stages.START_KINDS else (stages.start_kind_of(status) or "开工")
    by_dates = (stages.PRODUCING if row.producing_on else stages.STARTED if row.started_on
                else stages.SIGNED if row.signed_on else None)
    row.stage_given = given is not None
    if given == stages.DROPPED:
        row.stage = stages.DROPPED
    elif given is None:
        row.stage = by_dates or stages.LEAD
    elif by_dates is not None and _RANK[by_dates] > _RANK[given]:
        row.stage = by_dates
        r.warn("stage", f"项目状态为“{status}”，但已填{_date_label(by_dates)}：按日期导入为"
                        f"“{stages.NAMES[by_dates]}”")
    else:
        row.stage = given
    _check_milestones(r, row, status)


def _date_label(stage: str) -> str:
    return {stages.SIGNED: "签约时间", stages.STARTED: "开工时间",
            stages.PRODUCING: "投产时间"}[stage]


_RANK = {stage: stages.rank(stage) for stage in stages.ALL}


# The milestone dates a project at each stage must have (a dropped one may stop anywhere).
_NEEDED = {stage: () if stage == stages.DROPPED else tuple(
    key for at, key in ((stages.SIGNED, "signed_on"), (stages.STARTED, "started_on"),
                        (stages.PRODUCING, "producing_on")) if _RANK[stage] >= _RANK[at])
    for stage in stages.ALL}


def _check_milestones(r: _RowReader, row: LedgerRow, status: str) -> None:
    reached = row.stage
    for key in _NEEDED[reached]:
        if getattr(row, key) is None and not _already_reported(r, key):
            r.error(key, f"项目状态为“{status or stages.NAMES[reached]}”，请填写{r.header(key)}")
    if row.started_on and row.signed_on and row.started_on < row.signed_on:
        r.error("started_on", f"开工(开业)日期 {row.started_on} 不能早于签约日期 {row.signed_on}")
    if row.started_on and not row.signed_on:
        r.error("signed_on", "已填开工时间，请同时填写签约时间")
    if row.producing_on and row.started_on and row.producing_on < row.started_on:
        r.error("producing_on", f"投产日期 {row.producing_on} 不能早于开工日期 {row.started_on}")
    if row.signed_on and row.amount is None and row.planned is None:
        key = "amount" if "amount" in r.columns else "planned"
        if not _already_reported(r, key):
            r.error(key, "已签约项目需要签约金额（或计划总投资）")


def _already_reported(r: _RowReader, key: str) -> bool:
    header = r.header(key)
    return any(p.column == header for p in r.errors)
