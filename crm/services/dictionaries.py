"""Reference lists: industries, ambassadors, carriers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Ambassador, Carrier, CarrierIndustry, CarrierPlacement, Industry, Project
from crm.money import check_amount
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    Actor,
    audit,
    check_date,
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
    """A carrier as its manager describes it. Its free area is never typed: it is the total
    less what placements hold (crm.services.carriers)."""

    name: str
    kind: str
    park: str = ""
    total_area: Decimal = Decimal(0)  # ㎡
    note: str = ""
    industry_ids: tuple[int, ...] = ()  # the industries its park suits (主导产业)
    ready_on: dt.date | None = None  # 交付日期; None: can be moved into now


@dataclass(frozen=True)
class CarrierRow:
    id: int
    name: str
    kind: str
    park: str
    total_area: Decimal
    note: str
    project_count: int
    industry_ids: tuple[int, ...] = ()
    ready_on: dt.date | None = None


def _check_carrier(uow: UnitOfWork, data: CarrierInput) -> str:
    name = required_text(data.name, "载体名称", "carrier.name")
    if data.kind not in CARRIER_KINDS:
        raise ValidationError(f"载体类型应为{'、'.join(CARRIER_KINDS)}之一",
                              code="carrier.kind", field="kind")
    check_amount(data.total_area, field="total_area", label="总面积", money=False)
    check_date(data.ready_on, "交付日期", "ready_on", required=False)
    for ident in data.industry_ids:
        get_or_404(uow.session, Industry, ident, "产业")
    return name


def _set_industries(uow: UnitOfWork, carrier_id: int, industry_ids: tuple[int, ...]) -> None:
    uow.session.execute(delete(CarrierIndustry).where(CarrierIndustry.carrier_id == carrier_id))
    for ident in dict.fromkeys(industry_ids):
        uow.session.add(CarrierIndustry(carrier_id=carrier_id, industry_id=ident))
    uow.session.flush()


def _industry_names(uow: UnitOfWork, carrier_id: int) -> str:
    return "、".join(uow.session.scalars(
        select(Industry.name).join(CarrierIndustry, CarrierIndustry.industry_id == Industry.id)
        .where(CarrierIndustry.carrier_id == carrier_id).order_by(Industry.sort_key)))


def add_carrier(uow: UnitOfWork, actor: Actor, data: CarrierInput) -> CarrierRow:
    permissions.require(uow, actor, "dictionaries.add_carrier")
    name = _check_carrier(uow, data)
    if uow.session.scalar(select(Carrier.id).where(Carrier.name == name)):
        raise ValidationError(f"载体“{name}”已存在", code="carrier.duplicate", field="name")
    row = Carrier(name=name, kind=data.kind, park=optional_text(data.park, 200),
                  total_area=data.total_area, ready_on=data.ready_on,
                  note=optional_text(data.note))
    uow.session.add(row)
    uow.session.flush()
    _set_industries(uow, row.id, data.industry_ids)
    changes = diff({}, snapshot(uow.session, "carrier", row))
    if data.industry_ids:
        changes.append(["industries", "", _industry_names(uow, row.id)])
    audit(uow, actor, "create", "carrier", row.id, name=name, changes=changes)
    return get_carrier(uow, row.id)


def update_carrier(uow: UnitOfWork, actor: Actor, carrier_id: int,
                   data: CarrierInput) -> CarrierRow:
    permissions.require(uow, actor, "dictionaries.update_carrier")
    row = get_or_404(uow.session, Carrier, carrier_id, "载体")
    before = snapshot(uow.session, "carrier", row)
    industries_before = _industry_names(uow, row.id)
    row.name = _check_carrier(uow, data)
    row.kind, row.park = data.kind, optional_text(data.park, 200)
    from crm.services.carriers import area_text, figures_of
    placed = figures_of(uow, row.id).placed
    if data.total_area < placed:
        raise ValidationError(f"总面积 {area_text(data.total_area, data.kind)} 小于已落位和占用的 "
                              f"{area_text(placed, data.kind)}：请先释放部分落位",
                              code="carrier.area", field="total_area")
    row.total_area, row.ready_on = data.total_area, data.ready_on
    row.note = optional_text(data.note)
    _set_industries(uow, row.id, data.industry_ids)
    changes = diff(before, snapshot(uow.session, "carrier", row))
    industries_after = _industry_names(uow, row.id)
    if industries_after != industries_before:
        changes.append(["industries", industries_before, industries_after])
    if changes:
        audit(uow, actor, "update", "carrier", row.id, name=row.name, changes=changes)
    return get_carrier(uow, row.id)


def get_carrier(uow: UnitOfWork, carrier_id: int) -> CarrierRow:
    rows = [r for r in list_carriers(uow) if r.id == carrier_id]
    if not rows:
        get_or_404(uow.session, Carrier, carrier_id, "载体")
    return rows[0]


def list_carriers(uow: UnitOfWork, kind: str | None = None) -> list[CarrierRow]:
    """Every carrier (or those of one ``kind``), by kind and name, with the projects placed in
    it counted (crm.services.carriers has the areas)."""
    held = (select(CarrierPlacement.carrier_id,
                   func.count(func.distinct(CarrierPlacement.project_id)).label("n"))
            .join(Project, Project.id == CarrierPlacement.project_id)
            .where(CarrierPlacement.released_on.is_(None), Project.deleted_at.is_(None))
            .group_by(CarrierPlacement.carrier_id).subquery())
    stmt = (select(Carrier, func.coalesce(held.c.n, 0))
            .outerjoin(held, held.c.carrier_id == Carrier.id)
            .order_by(Carrier.kind, Carrier.name))
    if kind is not None:
        stmt = stmt.where(Carrier.kind == kind)
    suited: dict[int, list[int]] = {}
    for cid, iid in uow.session.execute(select(CarrierIndustry.carrier_id,
                                               CarrierIndustry.industry_id)):
        suited.setdefault(cid, []).append(iid)
    rows: Any = uow.session.execute(stmt)
    return [CarrierRow(c.id, c.name, c.kind, c.park, c.total_area, c.note, n,
                       tuple(sorted(suited.get(c.id, ()))), c.ready_on)
            for c, n in rows]
