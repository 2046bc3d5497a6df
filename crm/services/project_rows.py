"""A project as the screens show it (:class:`ProjectRow`) and what a person types for one
(:class:`ProjectInput`); reading rows by id. Writes are in :mod:`crm.services.projects`, the
list's filters, orders and pages in :mod:`crm.services.project_list`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from crm import stages
from crm.db import UnitOfWork
from crm.models import Agreement, Ambassador, Carrier, Company, Event, Industry, Project, User
from crm.services.common import SOURCE_NAMES, get_or_404


@dataclass(frozen=True)
class ProjectInput:
    """What a person types for a project (amounts in 万元)."""

    name: str
    company_id: int
    industry_id: int | None = None
    planned_investment: Decimal | None = None
    source: str = "self"
    ambassador_id: int | None = None
    referrer: str = ""
    owner_id: int | None = None
    carrier_id: int | None = None
    land_mu: Decimal | None = None
    floor_area: Decimal | None = None
    expected_output: Decimal | None = None
    expected_tax: Decimal | None = None
    expected_jobs: int | None = None
    note: str = ""
    lead_on: dt.date | None = None
    # 计划开工(开业)日期 and its kind (开工 | 开业): the year-end forecast and 逾期未开工
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None
    # 招商图谱: the chain segment (产业链环节) the project fills, None for none
    segment_id: int | None = None


@dataclass(frozen=True)
class ProjectRow:
    id: int
    name: str
    company_id: int
    company: str
    uscc: str | None
    industry_id: int | None
    industry: str
    planned_investment: Decimal | None
    source: str
    ambassador_id: int | None
    ambassador: str
    referrer: str
    owner_id: int | None
    owner: str
    stage: str
    carrier_id: int | None
    carrier: str
    land_mu: Decimal | None
    floor_area: Decimal | None
    expected_output: Decimal | None
    expected_tax: Decimal | None
    expected_jobs: int | None
    is_key: bool
    note: str
    lead_on: dt.date | None
    negotiating_on: dt.date | None
    signed_on: dt.date | None
    signing_event_id: int | None
    signing_event: str
    started_on: dt.date | None
    start_kind: str | None
    producing_on: dt.date | None
    dropped_on: dt.date | None
    drop_reason: str
    registered_on: dt.date | None
    signed_amount: Decimal
    version: int
    deleted: bool
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None
    local_company_id: int | None = None  # 项目公司 (crm.services.local_companies)
    segment_id: int | None = None  # 产业链环节 (招商图谱)

    def overdue_on(self, today: dt.date) -> bool:
        """逾期未开工 (docs/figures.md): signed, its planned start date passed (before
        ``today``) without a start, not dropped."""
        return (self.signed_on is not None and self.started_on is None
                and self.dropped_on is None and self.planned_start_on is not None
                and self.planned_start_on < today)

    @property
    def stage_name(self) -> str:
        return stages.NAMES[self.stage]

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    def to_input(self, **changes: Any) -> ProjectInput:
        """The editable part of this row, with ``changes`` applied."""
        base = ProjectInput(**{f.name: getattr(self, f.name) for f in fields(ProjectInput)})
        return replace(base, **changes)


# ProjectRow's fields read from another table (the rest are the project's own columns). The
# row is read as plain columns, not as a Project entity: building 200 ORM objects and reading
# their attributes back was two thirds of a screen's 29 ms at a million projects.
_OUTER = ("industry", "ambassador", "owner", "carrier", "signing_event")  # '' where none


def _row_select() -> Any:
    owner = aliased(User)
    amount = (select(func.coalesce(func.sum(Agreement.amount), 0))
              .where(Agreement.project_id == Project.id, Agreement.voided_at.is_(None))
              .correlate(Project).scalar_subquery())
    other = {"company": Company.name, "uscc": Company.uscc, "industry": Industry.name,
             "ambassador": Ambassador.name, "owner": owner.display_name, "carrier": Carrier.name,
             "signing_event": Event.name, "signed_amount": amount,
             "deleted": Project.deleted_at}
    columns: list[Any] = [other[f.name] if f.name in other else getattr(Project, f.name)
                          for f in fields(ProjectRow)]
    return (select(*columns)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(Industry, Industry.id == Project.industry_id)
            .outerjoin(Ambassador, Ambassador.id == Project.ambassador_id)
            .outerjoin(owner, owner.id == Project.owner_id)
            .outerjoin(Carrier, Carrier.id == Project.carrier_id)
            .outerjoin(Event, Event.id == Project.signing_event_id))


_NAMES = [f.name for f in fields(ProjectRow)]
_FIX = {"signed_amount": lambda v: Decimal(v or 0).quantize(Decimal("0.0001")),  # 万元 already
        "deleted": lambda v: v is not None,
        **{name: lambda v: v or "" for name in _OUTER}}
_FIXED = [(i, _FIX[name]) for i, name in enumerate(_NAMES) if name in _FIX]


def _to_row(r: Any) -> ProjectRow:
    values = list(r)
    for i, fix in _FIXED:
        values[i] = fix(values[i])
    return ProjectRow(*values)


def get_project(uow: UnitOfWork, project_id: int) -> ProjectRow:
    row = uow.session.execute(_row_select().where(Project.id == project_id)).first()
    if row is None:
        get_or_404(uow.session, Project, project_id, "项目")
    return _to_row(row)


def project_rows(uow: UnitOfWork, ids: list[int]) -> list[ProjectRow]:
    """Rows for these ids, in the same order (one query per batch)."""
    if not ids:
        return []
    found = {r.id: r for r in map(_to_row, uow.session.execute(
        _row_select().where(Project.id.in_(ids))))}
    return [found[i] for i in ids if i in found]
