"""The cells of a ledger's rows, read column by column: text, money, dates, USCCs, areas.

Each distinct cell is parsed once (ledgers repeat their dates, amounts, statuses and sources
thousands of times); a bad cell is remembered by its row's position, with why, for
:mod:`crm.excel.row_parse` to report in the row's order.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from functools import partial
from typing import Any

from crm import clock, stages
from crm.errors import ValidationError
from crm.excel import cells
from crm.excel.cells import CellError
from crm.excel.headers import LABELS
from crm.excel.layout import is_placeholder, status_name
from crm.excel.rows import Problem, plain_text
from crm.uscc import ALPHABET, WEIGHTS, normalize_uscc


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


class RowReader:
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
    missing = UNSEEN
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

UNSEEN: Any = object()
