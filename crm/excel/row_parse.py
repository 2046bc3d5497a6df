"""Phase 1 of an import: every ledger row read into a :class:`LedgerRow`, without the database.

Each bad cell becomes a :class:`Problem` (Excel row, column header, reason); a row with any
problem is invalid. Cross-row and database checks (owners, events, duplicates) come later in
:mod:`crm.excel.importer`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm import stages
from crm.excel import cells
from crm.excel.headers import ASSESSMENT_FIELDS, CHAIN_FIELDS, LOCAL_FIELDS, HeaderGuess
from crm.excel.layout import is_note_row, is_placeholder, section_industry, section_label
from crm.excel.row_cells import UNSEEN, Note, RowReader
from crm.excel.rows import (
    Cancelled,
    ImportCancelled,
    LedgerRow,
    ParsedRows,
    Progress,
)
from crm.excel.sources import Source, parse_source
from crm.excel.stagecheck import read_stage


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
    reader = RowReader(columns, headers, units, kept, sheet)
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


_CHECKED = ("uscc", "planned", "amount", "signed_on", "started_on", "producing_on",
            "dropped_on", "lead_on", "land_mu", "planned_start_on", "planned_open_on")


def _read_row(r: RowReader, values: tuple[Any, ...], sources: dict[object, Source | None],
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
    source = sources.get(seen, UNSEEN)
    if source is UNSEEN:
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


def _read_plan(r: RowReader, row: LedgerRow, planned_on: dt.date | None,
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
