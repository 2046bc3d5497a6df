"""The 项目台账 export: every live project, in pinyin order, with the importer's own headers.

The column headers are the first synonyms the importer knows (with the unit in the header), so
an exported ledger imports back with nothing changed. Rows are read from the database in one
streamed query (no ORM objects) because this report is the one that reaches 100k rows.
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


def ledger_rows(uow: UnitOfWork) -> Iterator[list[Any]]:
    """Each live project as the ledger row the importer reads back."""
    owner = aliased(User)
    assessed = export_data(uow)
    promised = promise_cols.export_data(uow)
    local = aliased(Company)
    signed = (select(Agreement.project_id,
                     func.sum(type_coerce(Agreement.amount, Integer)).label("amount"))
              .where(Agreement.voided_at.is_(None)).group_by(Agreement.project_id).subquery())
    raw = type_coerce  # money columns read as the stored integer count of 元, converted below
    stmt = (select(Project.name, Company.name, Company.uscc, local.name, local.licence_on,
                   Industry.name, *chain_cols.export_select(),
                   raw(Project.planned_investment, Integer), Project.stage, Project.signed_on,
                   signed.c.amount, Event.name, Project.started_on, Project.start_kind,
                   Project.planned_start_on, Project.planned_start_kind,
                   Project.producing_on, Project.dropped_on, Project.drop_reason,
                   owner.display_name, Project.source, Ambassador.name, Project.referrer,
                   Carrier.name, raw(Project.land_mu, Integer), Project.lead_on, Project.note,
                   *EXPORT_SELECT)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(local, local.id == Project.local_company_id)
            .outerjoin(Industry, Industry.id == Project.industry_id)
            .outerjoin(owner, owner.id == Project.owner_id)
            .outerjoin(Ambassador, Ambassador.id == Project.ambassador_id)
            .outerjoin(Carrier, Carrier.id == Project.carrier_id)
            .outerjoin(Event, Event.id == Project.signing_event_id)
            .outerjoin(signed, signed.c.project_id == Project.id)
            .where(Project.deleted_at.is_(None))
            .order_by(Project.sort_key, Project.id))
    stmt = chain_cols.export_join(stmt)  # the segment and its chain
    # Core execution: the ORM's row loading would add a third to this, the largest report.
    result: Any = uow.session.connection().execution_options(yield_per=5000).execute(stmt)
    for n, r in enumerate(result, start=1):
        (name, company, uscc, local_name, licence_on, industry, chain, segment, planned, stage, signed_on,
         amount, event, started_on, kind, planned_on, planned_kind, producing_on, dropped_on,
         reason, owner_name, source, amb, referrer, carrier, land, lead_on, note, *more) = r
        yield [n, name, company, uscc, local_name, licence_on, industry, chain, segment,
               None if planned is None else planned / 10000, _stage_text(stage, kind), signed_on,
               None if amount is None or signed_on is None else int(amount) / 10000,
               event, started_on, kind if started_on else None, planned_on,
               planned_kind if planned_on else None, producing_on, dropped_on,
               reason if dropped_on else None, owner_name,
               source_text(source, amb or "", referrer or ""), carrier,
               None if land is None else land / 100, lead_on, note,
               *export_cells(assessed, more), *promise_cols.export_cells(promised, more[0])]


def write_ledger(uow: UnitOfWork, book: Book, org: str, as_of: dt.date, *,
                 progress: Progress | None = None, cancelled: Cancelled | None = None) -> int:
    """The 项目台账 sheet; returns the number of projects written."""
    total = uow.session.scalar(select(func.count()).select_from(Project)
                               .where(Project.deleted_at.is_(None))) or 0
    table = book.sheet("项目台账", f"{org}招商项目台账", f"截至 {as_of.isoformat()}，共 {total} 个项目",
                       COLUMNS)
    count = 0
    for count, values in enumerate(ledger_rows(uow), start=1):
        table.add(values)
        if count % 5000 == 0:
            if cancelled is not None and cancelled():
                raise OperationCancelled("已取消导出")
            if progress is not None:
                progress(count, total)
    table.finish()
    # every receipt on a sheet of its own: the running totals above cannot say when each came,
    # of what kind, in what currency (the import takes this sheet as authoritative)
    receipt_sheet.write_sheet(uow, book, org, as_of)
    if progress is not None:
        progress(total, total)
    return count
