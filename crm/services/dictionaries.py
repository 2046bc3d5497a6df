"""Reference lists: industries, ambassadors, carriers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Ambassador, Carrier, Industry, Project
from crm.money import check_amount
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    Actor,
    audit,
    get_or_404,
    optional_text,
    required_text,
)
from crm.text import normalize, sort_key

CARRIER_KINDS = ("商务楼宇", "标准化厂房", "土地")


@dataclass(frozen=True)
class NamedRow:
    id: int
    name: str


def list_industries(uow: UnitOfWork) -> list[NamedRow]:
    stmt = select(Industry).where(Industry.active.is_(True)).order_by(Industry.sort_key)
    return [NamedRow(i.id, i.name) for i in uow.session.scalars(stmt)]


def add_industry(uow: UnitOfWork, actor: Actor, name: str) -> NamedRow:
    permissions.require(uow, actor, "dictionaries.add_industry")
    clean = required_text(name, "产业名称", "industry.name", 64)
    if uow.session.scalar(select(Industry.id).where(Industry.name == clean)):
        raise ValidationError(f"产业“{clean}”已存在", code="industry.duplicate", field="name")
    row = Industry(name=clean, sort_key=sort_key(clean))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "industry", row.id, name=clean, changes=[["name", "", clean]])
    return NamedRow(row.id, row.name)


def rename_industry(uow: UnitOfWork, actor: Actor, industry_id: int, name: str) -> NamedRow:
    permissions.require(uow, actor, "dictionaries.rename_industry")
    row = get_or_404(uow.session, Industry, industry_id, "产业")
    clean = required_text(name, "产业名称", "industry.name", 64)
    other = uow.session.scalar(select(Industry.id).where(Industry.name == clean))
    if other and other != industry_id:
        raise ValidationError(f"产业“{clean}”已存在", code="industry.duplicate", field="name")
    if row.name != clean:
        audit(uow, actor, "update", "industry", row.id, name=clean,
              changes=[["name", row.name, clean]])
    row.name, row.sort_key = clean, sort_key(clean)
    return NamedRow(row.id, row.name)


def ensure_industry(uow: UnitOfWork, actor: Actor, name: str) -> NamedRow:
    """The industry of this name (width-insensitive), created when missing."""
    permissions.require(uow, actor, "dictionaries.ensure_industry")
    clean = required_text(name, "产业名称", "industry.name", 64)
    for row in uow.session.scalars(select(Industry)):
        if normalize(row.name) == normalize(clean):
            return NamedRow(row.id, row.name)
    row = Industry(name=clean, sort_key=sort_key(clean))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "industry", row.id, name=clean, changes=[["name", "", clean]])
    return NamedRow(row.id, row.name)


# --- ambassadors ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AmbassadorRow:
    id: int
    name: str
    organisation: str
    appointed_on: dt.date | None
    note: str


def list_ambassadors(uow: UnitOfWork) -> list[AmbassadorRow]:
    stmt = select(Ambassador).order_by(Ambassador.sort_key)
    return [AmbassadorRow(a.id, a.name, a.organisation, a.appointed_on, a.note)
            for a in uow.session.scalars(stmt)]


def add_ambassador(uow: UnitOfWork, actor: Actor, name: str, organisation: str = "",
                   appointed_on: dt.date | None = None, note: str = "") -> AmbassadorRow:
    permissions.require(uow, actor, "dictionaries.add_ambassador")
    clean = required_text(name, "大使姓名", "ambassador.name", 64)
    if uow.session.scalar(select(Ambassador.id).where(Ambassador.name == clean)):
        raise ValidationError(f"招商大使“{clean}”已存在", code="ambassador.duplicate",
                              field="name")
    row = Ambassador(name=clean, organisation=optional_text(organisation, 200),
                     appointed_on=appointed_on, note=optional_text(note), sort_key=sort_key(clean))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "ambassador", row.id, name=clean,
          changes=diff({}, snapshot(uow.session, "ambassador", row)))
    return AmbassadorRow(row.id, row.name, row.organisation, row.appointed_on, row.note)


# --- carriers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CarrierInput:
    name: str
    kind: str
    park: str = ""
    total_area: Decimal = Decimal(0)  # ㎡
    available_area: Decimal = Decimal(0)  # ㎡
    note: str = ""


@dataclass(frozen=True)
class CarrierRow:
    id: int
    name: str
    kind: str
    park: str
    total_area: Decimal
    available_area: Decimal
    note: str
    project_count: int


def _check_carrier(data: CarrierInput) -> str:
    name = required_text(data.name, "载体名称", "carrier.name")
    if data.kind not in CARRIER_KINDS:
        raise ValidationError(f"载体类型应为{'、'.join(CARRIER_KINDS)}之一",
                              code="carrier.kind", field="kind")
    check_amount(data.total_area, field="total_area", label="总面积", money=False)
    check_amount(data.available_area, field="available_area", label="可用面积", money=False)
    if data.available_area > data.total_area:
        raise ValidationError("可用面积不能大于总面积", code="carrier.area",
                              field="available_area")
    return name


def add_carrier(uow: UnitOfWork, actor: Actor, data: CarrierInput) -> CarrierRow:
    permissions.require(uow, actor, "dictionaries.add_carrier")
    name = _check_carrier(data)
    if uow.session.scalar(select(Carrier.id).where(Carrier.name == name)):
        raise ValidationError(f"载体“{name}”已存在", code="carrier.duplicate", field="name")
    row = Carrier(name=name, kind=data.kind, park=optional_text(data.park, 200),
                  total_area=data.total_area, available_area=data.available_area,
                  note=optional_text(data.note))
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "carrier", row.id, name=name,
          changes=diff({}, snapshot(uow.session, "carrier", row)))
    return get_carrier(uow, row.id)


def update_carrier(uow: UnitOfWork, actor: Actor, carrier_id: int,
                   data: CarrierInput) -> CarrierRow:
    permissions.require(uow, actor, "dictionaries.update_carrier")
    row = get_or_404(uow.session, Carrier, carrier_id, "载体")
    before = snapshot(uow.session, "carrier", row)
    row.name = _check_carrier(data)
    row.kind, row.park = data.kind, optional_text(data.park, 200)
    row.total_area, row.available_area = data.total_area, data.available_area
    row.note = optional_text(data.note)
    changes = diff(before, snapshot(uow.session, "carrier", row))
    if changes:
        audit(uow, actor, "update", "carrier", row.id, name=row.name, changes=changes)
    return get_carrier(uow, row.id)


def get_carrier(uow: UnitOfWork, carrier_id: int) -> CarrierRow:
    rows = [r for r in list_carriers(uow) if r.id == carrier_id]
    if not rows:
        get_or_404(uow.session, Carrier, carrier_id, "载体")
    return rows[0]


def list_carriers(uow: UnitOfWork, kind: str | None = None) -> list[CarrierRow]:
    """Every carrier (or those of one ``kind``), by kind and name, with its projects counted."""
    counts = (select(Project.carrier_id, func.count().label("n"))
              .where(Project.deleted_at.is_(None)).group_by(Project.carrier_id).subquery())
    stmt = (select(Carrier, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.carrier_id == Carrier.id)
            .order_by(Carrier.kind, Carrier.name))
    if kind is not None:
        stmt = stmt.where(Carrier.kind == kind)
    rows: Any = uow.session.execute(stmt)
    return [CarrierRow(c.id, c.name, c.kind, c.park, c.total_area, c.available_area, c.note, n)
            for c, n in rows]
