"""The 项目台账 export: every live project, in pinyin order, with the importer's own headers.

The column headers are the first synonyms the importer knows (with the unit in the header), so
an exported ledger imports back with nothing changed. Rows are read from the database in one
streamed query (no ORM objects) because this report is the one that reaches 100k rows; the
small tables they point to are read once beforehand (see :func:`ledger_rows`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, func, select, type_coerce
from sqlalchemy.orm import aliased

from crm import stages
from crm.db import UnitOfWork
from crm.excel import chain_cols, promise_cols, receipt_sheet
from crm.excel.assessment_cols import EXPORT_COLUMNS, EXPORT_SELECT, export_cells, export_data
from crm.excel.rows import Cancelled, OperationCancelled, Progress
from crm.excel.sources import source_text
from crm.excel.xlsx import Book, Column
from crm.models import Agreement, Ambassador, Carrier, Company, Event, Industry, Project, User

COLUMNS = (
    Column("序号", "int", 7), Column("项目名称", "text", 30), Column("企业名称", "text", 30),
    Column("统一社会信用代码", "text", 21),
    # the investor that signed (企业名称) and, beside it, the local company that landed
    Column("项目公司", "text", 28), Column("营业执照取得日期", "date", 12),
    Column("所属产业", "text", 12),
    *chain_cols.EXPORT_COLUMNS,  # 产业链, 环节: the 招商图谱 segment the project fills
    Column("计划总投资(万元)", "money", 14), Column("项目状态", "text", 9),
    Column("签约时间", "date", 11), Column("签约金额(万元)", "money", 14),
    Column("签约活动", "text", 24), Column("开工时间", "date", 11), Column("开工类型", "text", 8),
    Column("计划开工时间", "date", 12), Column("计划开工类型", "text", 8),
    Column("投产时间", "date", 11), Column("终止时间", "date", 11), Column("终止原因", "text", 16),
    Column("招商专员", "text", 9), Column("招商来源", "text", 16), Column("拟落地载体", "text", 16),
    Column("用地面积(亩)", "area", 11), Column("立项日期", "date", 11), Column("备注", "text", 30),
    *EXPORT_COLUMNS,  # 规模档次, 企业层级, milestones, 到位资金 by origin (issue 19)
    *promise_cols.EXPORT_COLUMNS,  # 约定开工日期 … 亩均税收: the agreement's promises
)


def _stage_text(stage: str, kind: str | None) -> str:
    if stage == stages.STARTED and kind == "开业":
        return "已开业"
    return stages.NAMES.get(stage, stage)


def _names(uow: UnitOfWork, id_col: Any, name_col: Any) -> dict[int, str]:
    rows: Any = uow.session.execute(select(id_col, name_col))
    return {key: name for key, name in rows}


_NO_SEGMENT = (None, None)


def ledger_rows(uow: UnitOfWork, places: dict[int, receipt_sheet.Place | None] | None = None
                ) -> Iterator[list[Any]]:
    """Each live project as the ledger row the importer reads back; the projects in ``places``
    (:func:`crm.excel.receipt_sheet.funded_projects`) get theirs recorded there.

    One query over the projects (with their company and local company); what a project only
    points to (its industry, owner, ambassador, carrier, event, segment, signed amount, funds,
    tiers, promises) is read beforehand, each table once, and looked up per row: joining seven
    small tables and the signed amounts into every row took SQLite a third longer (10k projects:
    0.136 s of CPU against 0.087 s).
    """
    assessed = export_data(uow)
    promised = promise_cols.export_data(uow)
    segments = chain_cols.export_names(uow)
    industries = _names(uow, Industry.id, Industry.name)
    owners = _names(uow, User.id, User.display_name)
    ambassadors = _names(uow, Ambassador.id, Ambassador.name)
    carriers = _names(uow, Carrier.id, Carrier.name)
    events = _names(uow, Event.id, Event.name)
    raw = type_coerce  # money columns read as the stored integer count of 元, converted below
    signed: dict[int, Any] = {pid: amount for pid, amount in uow.session.execute(
        select(Agreement.project_id, func.sum(raw(Agreement.amount, Integer)))
        .where(Agreement.voided_at.is_(None)).group_by(Agreement.project_id))}
    local = aliased(Company)
    stmt = (select(Project.name, Company.name, Company.uscc, local.name, local.licence_on,
                   Project.industry_id, Project.segment_id,
                   raw(Project.planned_investment, Integer), Project.stage, Project.signed_on,
                   Project.signing_event_id, Project.started_on, Project.start_kind,
                   Project.planned_start_on, Project.planned_start_kind,
                   Project.producing_on, Project.dropped_on, Project.drop_reason,
                   Project.owner_id, Project.source, Project.ambassador_id, Project.referrer,
                   Project.carrier_id, raw(Project.land_mu, Integer), Project.lead_on,
                   Project.note, Project.id, Project.company_id, *EXPORT_SELECT)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(local, local.id == Project.local_company_id)
            .where(Project.deleted_at.is_(None))
            .order_by(Project.sort_key, Project.id))
    stage_texts: dict[tuple[str, str | None], str] = {}
    # Core execution: the ORM's row loading would add a third to this, the largest report.
    result: Any = uow.session.connection().execution_options(yield_per=5000).execute(stmt)
    for n, r in enumerate(result, start=1):
        (name, company, uscc, local_name, licence_on, industry_id, segment_id, planned, stage,
         signed_on, event_id, started_on, kind, planned_on, planned_kind, producing_on,
         dropped_on, reason, owner_id, source, amb_id, referrer, carrier_id, land, lead_on,
         note, pid, cid, *more) = r
        chain, segment = segments.get(segment_id, _NO_SEGMENT)
        amount = signed.get(pid) if signed_on is not None else None
        if places is not None and pid in places:
            places[pid] = (n, name, company, uscc)
        shown = stage_texts.get((stage, kind))
        if shown is None:
            shown = stage_texts[(stage, kind)] = _stage_text(stage, kind)
        yield [n, name, company, uscc, local_name, licence_on, industries.get(industry_id),
               chain, segment, None if planned is None else planned / 10000, shown, signed_on,
               None if amount is None else int(amount) / 10000, events.get(event_id),
               started_on, kind if started_on else None, planned_on,
               planned_kind if planned_on else None, producing_on, dropped_on,
               reason if dropped_on else None, owners.get(owner_id),
               source_text(source, ambassadors.get(amb_id) or "", referrer or ""),
               carriers.get(carrier_id), None if land is None else land / 100, lead_on, note,
               *export_cells(assessed, pid, cid, planned, more),
               *promise_cols.export_cells(promised, pid)]


def write_ledger(uow: UnitOfWork, book: Book, org: str, as_of: dt.date, *,
                 progress: Progress | None = None, cancelled: Cancelled | None = None) -> int:
    """The 项目台账 sheet; returns the number of projects written."""
    total = uow.session.scalar(select(func.count()).select_from(Project)
                               .where(Project.deleted_at.is_(None))) or 0
    table = book.sheet("项目台账", f"{org}招商项目台账", f"截至 {as_of.isoformat()}，共 {total} 个项目",
                       COLUMNS)
    count = 0
    places = receipt_sheet.funded_projects(uow)
    for count, values in enumerate(ledger_rows(uow, places), start=1):
        table.add(values)
        if count % 5000 == 0:
            if cancelled is not None and cancelled():
                raise OperationCancelled("已取消导出")
            if progress is not None:
                progress(count, total)
    table.finish()
    # every receipt on a sheet of its own: the running totals above cannot say when each came,
    # of what kind, in what currency (the import takes this sheet as authoritative)
    receipt_sheet.write_sheet(uow, book, org, as_of, places)
    if progress is not None:
        progress(total, total)
    return count
