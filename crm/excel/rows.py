"""A ledger row as an import reads it, and what reading it reports.

:class:`LedgerRow` is one row of a ledger read into fields, :class:`Problem` a bad cell (or a
提示 about a row) by Excel row and column; every step of an import speaks of rows in these terms.
Reading the cells is :mod:`crm.excel.row_cells`; reading a sheet's rows is
:mod:`crm.excel.row_parse` (phase 1 of an import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from crm import stages
from crm.errors import CrmError
from crm.excel.sources import Source

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
