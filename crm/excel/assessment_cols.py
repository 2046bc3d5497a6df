"""The ledger's assessment columns (issue 19): 到位资金 by origin, 实际利用外资, tiers, milestones.

Import (after the rows are read and matched, see :mod:`crm.excel.importer`):

- 实际到位资金（境外 / 省外 / 省内市外 / 市内 / 区内）: the money of that origin arrived on the
  project so far (a ledger keeps the running total). When the receipts already recorded for
  that origin add up to less, one receipt of the difference is added, of kind 固定资产投资 (the
  part the assessment schemes count), dated by the row's 资金到位时间, else the day of the
  import (a 提示 says so); when they add up to more, a 提示 says so and nothing is removed.
  A 境外 amount needs the row's 实际利用外资 (万美元).
- 企业层级: the company's tier tags (、，; or spaces between), names from the tier dictionary.
- 线索类型, 落地时间, 竣工验收日期, 达产时间, 固投入库日期 with 入库凭证, 入统时间, 入规时间: set
  on the project where the ledger gives them; the others are kept.

Everything goes through the services (crm.services.funds, tiers, milestones), so their rules
and permissions hold; a refusal is reported on the row and column like any bad cell. The export
writes the same columns (:data:`EXPORT_COLUMNS`), so an exported ledger imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from crm import clock
from crm.bands import BANDS
from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.excel import cells
from crm.excel.cells import CellError
from crm.excel.headers import LABELS, ORIGIN_FIELDS, PROMISE_FIELDS, HeaderGuess, header_label
from crm.excel.layout import is_placeholder
from crm.excel.rows import LedgerRow, Problem
from crm.excel.xlsx import Column
from crm.models import Company, CompanyTier, Funding, Project, Tier
from crm.services import funds, milestones, tiers
from crm.services.common import Actor
from crm.services.milestones import LEAD_KINDS, MilestoneInput

DATES = ("landed_on", "completed_on", "full_production_on", "in_database_on", "registered_on",
         "above_scale_on")
_SPLIT = re.compile(r"[、，,;；/\s]+")
_USD = re.compile(r"^(\d+(?:\.\d+)?)\s*(万美元|万)?$")


@dataclass
class Extra:
    """One row's assessment cells, read and checked."""

    funds: dict[str, Decimal] = field(default_factory=dict)  # origin → 万元
    usd: Decimal | None = None  # 万美元
    funds_on: dt.date | None = None
    tiers: list[int] | None = None  # None: no tier column (or an empty cell)
    lead_kind: str | None = None
    dates: dict[str, dt.date] = field(default_factory=dict)
    evidence: str = ""


@dataclass
class Checked:
    extras: dict[tuple[str, int], Extra] = field(default_factory=dict)  # (sheet, row) → cells
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _date(value: object) -> tuple[dt.date | None, str | None]:
    try:
        day, _month_only = cells.parse_day_or_month(value)
    except CellError as exc:
        return None, exc.reason
    if day is not None and day > (today := clock.today()):
        return None, f"日期 {day} 晚于今天（{today}），不能登记尚未发生的事"
    return day, None


def check(uow: UnitOfWork, rows: Iterable[LedgerRow], headers: dict[str, HeaderGuess],
          unit: str | None = None) -> Checked:
    """Every row's assessment cells, read; a bad cell is an error on its row and column."""
    out = Checked()
    known = {cells.text(t.name): t.id for t in tiers.list_tiers(uow, include_inactive=True)}
    for row in rows:
        if not row.extra:
            continue
        header = headers.get(row.sheet)
        extra = Extra()

        def bad(key: str, reason: str, row: LedgerRow = row,
                header: HeaderGuess | None = header) -> None:
            out.errors.append(Problem(row.row, header_label(header, key), reason, row.sheet))

        for key, raw in row.extra.items():
            if key in PROMISE_FIELDS or raw is None or (
                    isinstance(raw, str) and (not raw.strip() or is_placeholder(raw))):
                continue  # promises: crm.excel.promise_cols
            if key in ORIGIN_FIELDS:
                col = header.column_of(key) if header else None
                stated = (header.units.get(col) if header and col is not None else None) or (
                    header.unit_row[1] if header and header.unit_row else None) or unit
                try:
                    wan = cells.parse_money(raw, stated)
                except CellError as exc:
                    bad(key, exc.reason)
                    continue
                if stated is None and not (isinstance(raw, str) and any(u in raw for u in "亿万元")):
                    bad(key, "没有注明金额单位：请在表头写明（万元）或（亿元）")
                    continue
                if wan:
                    extra.funds[ORIGIN_FIELDS[key]] = wan
            elif key == "usd_amount":
                match = _USD.match(cells.text(raw).replace(",", ""))
                try:
                    extra.usd = Decimal(match[1]) if match else Decimal(str(raw))
                except (InvalidOperation, ValueError):
                    bad(key, f"“{cells.text(raw)}”不是金额（万美元）")
            elif key == "tiers":
                ids = []
                for name in _SPLIT.split(cells.text(raw)):
                    if not name:
                        continue
                    if name not in known:
                        bad(key, f"未知企业层级“{name}”（可选：{'、'.join(known)}）")
                    else:
                        ids.append(known[name])
                extra.tiers = ids
            elif key == "lead_kind":
                kind = cells.text(raw)
                if kind not in LEAD_KINDS:
                    bad(key, f"线索类型应为{'或'.join(LEAD_KINDS)}")
                else:
                    extra.lead_kind = kind
            elif key == "in_database_evidence":
                extra.evidence = cells.text(raw)
            else:  # funds_on and the milestone dates
                day, why = _date(raw)
                if why is not None:
                    bad(key, why)
                elif day is not None:
                    if key == "funds_on":
                        extra.funds_on = day
                    else:
                        extra.dates[key] = day
        if extra.funds.get("境外") and extra.usd is None:
            bad("funds_abroad", "境外到位资金须同时填写实际利用外资（万美元）")
        out.extras[(row.sheet, row.row)] = extra
    return out


def write(uow: UnitOfWork, actor: Actor, rows: Iterable[LedgerRow], checked: Checked
          ) -> tuple[list[Problem], list[Problem], set[tuple[str, int]]]:
    """Apply the checked cells to the rows' projects (already written): (errors, warnings,
    the (sheet, Excel row) of the rows that changed something)."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    changed: set[tuple[str, int]] = set()
    todo = [r for r in rows if (r.sheet, r.row) in checked.extras]
    if not todo:
        return errors, warnings, changed
    uow.session.flush()
    ids = _project_ids(uow, todo)
    for row in todo:
        extra = checked.extras[(row.sheet, row.row)]
        found = ids.get(row.key())
        if found is None:
            continue
        pid, company_id = found
        try:
            with uow.session.begin_nested():
                if _apply(uow, actor, row, pid, company_id, extra, warnings):
                    changed.add((row.sheet, row.row))
        except CrmError as exc:
            key = {"received_on": "funds_on", "usd_amount": "usd_amount"}.get(
                exc.field or "", exc.field or "")
            column = LABELS.get(key, "") if key in LABELS else ""
            errors.append(Problem(row.row, column, exc.message, row.sheet))
    return errors, warnings, changed


def _project_ids(uow: UnitOfWork, rows: list[LedgerRow]) -> dict[tuple[str, str], tuple[int, int]]:
    names = {r.name for r in rows}
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for pid, name, cid, company, uscc in uow.session.execute(
            select(Project.id, Project.name, Company.id, Company.name, Company.uscc)
            .join(Company, Company.id == Project.company_id)
            .where(Project.name.in_(names), Project.deleted_at.is_(None))):
        out[(f"name:{company}", name)] = (pid, cid)
        if uscc:
            out[(uscc, name)] = (pid, cid)
    return out


def _apply(uow: UnitOfWork, actor: Actor, row: LedgerRow, pid: int, company_id: int,
           extra: Extra, warnings: list[Problem]) -> bool:
    """Whether anything changed."""
    changed = False
    if extra.tiers is not None:
        before = sorted(t.id for t in tiers.company_tiers(uow, company_id))
        if before != sorted(set(extra.tiers)):
            tiers.set_company_tiers(uow, actor, company_id, extra.tiers)
            changed = True
    current = milestones.milestones(uow, pid)
    wanted = MilestoneInput(
        lead_kind=extra.lead_kind or current.lead_kind,
        **{k: extra.dates.get(k, getattr(current, k)) for k in DATES},
        in_database_evidence=extra.evidence or current.in_database_evidence)
    same = (wanted.lead_kind == current.lead_kind
            and wanted.in_database_evidence == current.in_database_evidence
            and all(getattr(wanted, k) == getattr(current, k) for k in DATES))
    if not same:
        milestones.set_milestones(uow, actor, pid, wanted)
        changed = True
    if not extra.funds:
        return changed
    recorded: dict[str, Decimal] = defaultdict(Decimal)
    for origin, total in uow.session.execute(
            select(Funding.origin, func.sum(Funding.amount)).where(Funding.project_id == pid)
            .group_by(Funding.origin)):
        recorded[origin or ""] = Decimal(total or 0)
    day = extra.funds_on
    for origin, total in extra.funds.items():
        gap = total - recorded[origin]
        key = next(k for k, o in ORIGIN_FIELDS.items() if o == origin)
        if gap < 0:
            warnings.append(Problem(row.row, LABELS[key], f"已登记的{origin}到位资金 "
                                    f"{recorded[origin]} 万元多于台账的 {total} 万元，未作改动",
                                    row.sheet))
            continue
        if gap == 0:
            continue
        if day is None:
            day = clock.today()
            warnings.append(Problem(row.row, LABELS["funds_on"],
                                    f"没有资金到位时间，新增的到位资金按今天（{day}）登记",
                                    row.sheet))
        usd = None
        if origin == "境外" and extra.usd is not None:
            recorded_usd = uow.session.scalar(
                select(func.sum(Funding.usd_amount)).where(Funding.project_id == pid,
                                                           Funding.origin == "境外")) or 0
            usd = extra.usd - Decimal(recorded_usd)
        funds.add_receipt(uow, actor, pid, funds.ReceiptInput(
            day, gap, origin, "固定资产投资", "USD" if usd else "CNY", usd, usd, "台账导入"))
        changed = True
    return changed


# --- export ----------------------------------------------------------------------------------
EXPORT_COLUMNS = (
    Column("规模档次", "text", 11), Column("企业层级", "text", 18), Column("线索类型", "text", 8),
    Column("落地时间", "date", 11), Column("竣工验收日期", "date", 12), Column("达产时间", "date", 11),
    Column("固投入库日期", "date", 12), Column("入库凭证", "text", 20), Column("入统时间", "date", 11),
    Column("入规时间", "date", 11),
    *(Column(f"实际到位资金（{o}）(万元)", "money", 14) for o in ORIGIN_FIELDS.values()),
    Column("实际利用外资(万美元)", "money", 14), Column("资金到位时间", "date", 12),
)
# what ledger_rows selects after its own columns, for export_cells
EXPORT_SELECT = (Project.lead_kind, *(getattr(Project, k) for k in DATES[:5]),
                 Project.in_database_evidence, Project.above_scale_on)
# 规模档次 from the stored 计划总投资 (an integer count of 元, crm.money), highest floor first:
# band_name's answer without making a Decimal of every project's investment
_BANDS_BY_YUAN = tuple(sorted(((int(floor * 10000), name) for _code, name, floor in BANDS),
                              reverse=True))
_NO_FUNDS = (None,) * (len(ORIGIN_FIELDS) + 2)  # the funds, 外资 and 资金到位时间 cells


def band_of_yuan(planned: int | None) -> str | None:
    """:func:`crm.bands.band_name` of a planned investment read as its stored 元 (None under
    1 亿元 or unknown)."""
    if planned is None:
        return None
    for floor, name in _BANDS_BY_YUAN:
        if planned >= floor:
            return name
    return None


@dataclass
class ExportData:
    tiers: dict[int, str]  # company → 上市公司、专精特新
    funds: dict[int, dict[str, Decimal]]  # project → origin → 万元
    usd: dict[int, Decimal]
    last: dict[int, dt.date]


def export_data(uow: UnitOfWork) -> ExportData:
    """What the assessment columns need, read once for the whole ledger."""
    tags: dict[int, list[str]] = defaultdict(list)
    for cid, name in uow.session.execute(
            select(CompanyTier.company_id, Tier.name).join(Tier, Tier.id == CompanyTier.tier_id)
            .order_by(CompanyTier.company_id, Tier.position, Tier.id)):
        tags[cid].append(name)
    money: dict[int, dict[str, Decimal]] = defaultdict(dict)
    usd: dict[int, Decimal] = {}
    last: dict[int, dt.date] = {}
    for pid, origin, total, dollars, latest in uow.session.execute(
            select(Funding.project_id, Funding.origin, func.sum(Funding.amount),
                   func.sum(Funding.usd_amount), func.max(Funding.received_on))
            .where(Funding.origin.is_not(None))
            .group_by(Funding.project_id, Funding.origin)):
        money[pid][str(origin)] = Decimal(total)
        if origin == "境外" and dollars is not None:
            usd[pid] = Decimal(dollars)
        last[pid] = max(latest, last.get(pid, latest))
    return ExportData({c: "、".join(n) for c, n in tags.items()}, dict(money), usd, last)


def export_cells(data: ExportData, pid: int, cid: int, planned: int | None,
                 values: Any) -> list[Any]:
    """The assessment cells of one ledger row: ``planned`` is the stored 元, ``values`` the
    EXPORT_SELECT values."""
    lead_kind, landed, completed, full, in_db, registered, evidence, above = values
    money = data.funds.get(pid)
    return [band_of_yuan(planned), data.tiers.get(cid), lead_kind, landed, completed, full,
            in_db, evidence or None, registered, above,
            *(_NO_FUNDS if money is None else (
                *(float(money[o]) if o in money else None for o in ORIGIN_FIELDS.values()),
                float(data.usd[pid]) if pid in data.usd else None, data.last.get(pid)))]
