"""The ledger's promise columns: 约定开工日期, 约定投产日期, 约定达产日期, 投资强度（万元/亩）,
亩均税收（万元/亩） — what the project's agreement promises (issue 19, point 4).

Export: a project's promises as they count (:func:`crm.services.assessment._judge`): each one
from the latest live agreement stating it. Import: a cell left empty keeps what is stored (as
the milestone columns do); when the ledger's promises differ from those that count, they are
set through :func:`crm.services.milestones.set_promises` on the agreement whose promises count
— the latest live agreement stating any, else the signing agreement (the first live one; a
ledger-imported project has only that one) — so the project's promises become the ledger's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.excel import cells
from crm.excel.cells import CellError
from crm.excel.headers import LABELS, PROMISE_FIELDS, HeaderGuess, header_label
from crm.excel.layout import is_placeholder
from crm.excel.rows import LedgerRow, Problem
from crm.excel.xlsx import Column
from crm.models import Agreement, Company, Project
from crm.services import milestones
from crm.services.common import Actor

KEYS = tuple(PROMISE_FIELDS)  # the PromiseInput fields, in its order
DATES = KEYS[:3]

EXPORT_COLUMNS = (
    Column("约定开工日期", "date", 12), Column("约定投产日期", "date", 12),
    Column("约定达产日期", "date", 12), Column("投资强度(万元/亩)", "money", 12),
    Column("亩均税收(万元/亩)", "money", 12),
)


@dataclass
class Checked:
    given: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)


def check(rows: Iterable[LedgerRow], headers: dict[str, HeaderGuess]) -> Checked:
    """Each row's promise cells, read; a bad cell is an error on its row and column."""
    out = Checked()
    for row in rows:
        if not row.extra:
            continue
        given: dict[str, Any] = {}
        for key in KEYS:
            raw = row.extra.get(key)
            if cells.is_blank(raw) or is_placeholder(raw):
                continue
            where = header_label(headers.get(row.sheet), key)
            if key in DATES:
                try:
                    given[key] = cells.parse_date(raw)
                except CellError as exc:
                    out.errors.append(Problem(row.row, where, exc.reason, row.sheet))
                continue
            text = cells.text(raw).replace(",", "").removesuffix("万元/亩")
            try:
                value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(text)
                if not value.is_finite() or value <= 0:
                    raise InvalidOperation
                given[key] = value.quantize(Decimal("0.0001"))
            except (InvalidOperation, ValueError):
                out.errors.append(Problem(row.row, where, f"“{cells.text(raw)}”不是大于 0 的金额"
                                          "（万元/亩）", row.sheet))
        if given:
            out.given[(row.sheet, row.row)] = given
    return out


def _counting(agreements: list[Agreement]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in agreements:
        for key in KEYS:
            if getattr(a, key) is not None:
                out[key] = getattr(a, key)
    return out


def write(uow: UnitOfWork, actor: Actor, rows: Iterable[LedgerRow], checked: Checked
          ) -> tuple[list[Problem], set[tuple[str, int]]]:
    """Apply the rows' promises to their projects (already written): (errors, rows changed)."""
    errors: list[Problem] = []
    changed: set[tuple[str, int]] = set()
    todo = [r for r in rows if (r.sheet, r.row) in checked.given]
    if not todo:
        return errors, changed
    uow.session.flush()
    ids: dict[tuple[str, str], int] = {}
    for pid, name, company, uscc in uow.session.execute(
            select(Project.id, Project.name, Company.name, Company.uscc)
            .join(Company, Company.id == Project.company_id)
            .where(Project.name.in_({r.name for r in todo}), Project.deleted_at.is_(None))):
        ids[(f"name:{company}", name)] = pid
        if uscc:
            ids[(uscc, name)] = pid
    held: dict[int, list[Agreement]] = defaultdict(list)  # live agreements, oldest first
    pids = sorted(set(ids.values()))
    for start in range(0, len(pids), 1000):  # one query per thousand projects, not per row
        for a in uow.session.scalars(select(Agreement).where(
                Agreement.project_id.in_(pids[start:start + 1000]), Agreement.voided_at.is_(None))
                .order_by(Agreement.signed_on, Agreement.id)):
            held[a.project_id].append(a)
    for row in todo:
        found = ids.get(row.key())
        if found is None:
            continue
        pid = found
        given = checked.given[(row.sheet, row.row)]
        agreements = held[pid]
        if not agreements:
            key = next(iter(given))
            errors.append(Problem(row.row, LABELS[key], "项目没有有效的签约协议，不能登记协议约定",
                                  row.sheet))
            continue
        counting = _counting(agreements)
        wanted = {**counting, **given}
        if all(wanted.get(k) == counting.get(k) for k in KEYS):
            continue
        stating = [a for a in agreements if any(getattr(a, k) is not None for k in KEYS)]
        target = stating[-1] if stating else agreements[0]
        try:
            with uow.session.begin_nested():
                milestones.set_promises(uow, actor, target.id, milestones.PromiseInput(
                    **{k: wanted.get(k) for k in KEYS}))
            changed.add((row.sheet, row.row))
        except CrmError as exc:
            errors.append(Problem(row.row, LABELS.get(exc.field or "", ""), exc.message,
                                  row.sheet))
    return errors, changed


# --- export ----------------------------------------------------------------------------------
_PROMISED = or_(*[getattr(Agreement, k).is_not(None) for k in KEYS])


def export_data(uow: UnitOfWork) -> dict[int, dict[str, Any]]:
    """project → its promises as they count, read once (only the agreements promising any)."""
    out: dict[int, dict[str, Any]] = {}
    result: Any = uow.session.execute(
            select(Agreement.project_id, *[getattr(Agreement, k) for k in KEYS])
            .where(_PROMISED, Agreement.voided_at.is_(None))
            .order_by(Agreement.project_id, Agreement.signed_on, Agreement.id))
    for pid, *values in result:
        mine = out.setdefault(pid, {})
        for key, value in zip(KEYS, values, strict=True):
            if value is not None:
                mine[key] = value
    return out


def export_cells(data: dict[int, dict[str, Any]], project_id: int) -> list[Any]:
    mine = data.get(project_id)
    if not mine:
        return [None] * len(KEYS)
    return [mine.get(k) if k in DATES else
            (float(mine[k]) if mine.get(k) is not None else None) for k in KEYS]
