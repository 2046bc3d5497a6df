"""Where projects land (DESIGN §2 Carrier): placements and the free area they leave.

A carrier (商务楼宇, 标准化厂房, 土地) has a total area. A project takes part of it from a date
(:func:`place`): 拟落地 while the project is a lead or in talks, 落位 (firm) once it has signed —
firmness is read from the project, so a signing firms it and a correction back before signing
makes it tentative again, with nothing to keep in step. Space held otherwise (existing tenants,
what a typed 可用面积 said before migration 0015) is 其他占用 (:func:`occupy`, managers only).
**Free area = total − every placement still held, firm or tentative**: computed here, never
typed. A dropped project releases what it held in the same transaction as the stage change
(:func:`release_for_drop`, called by crm.services.pipeline); a placement larger than the free
area is refused naming both figures.

Areas are ㎡ (exact Decimal, two decimals as stored); land also reads in 亩, 1 亩 = 10000/15 ㎡.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from crm import clock, permissions, stages
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Carrier, CarrierIndustry, CarrierPlacement, Industry, Project, User
from crm.services.common import Actor, audit, check_date, get_or_404, optional_text

# Kinds: the stored Chinese name and the command line's code.
BUILDING, FACTORY, LAND = "商务楼宇", "标准化厂房", "土地"
KINDS = (BUILDING, FACTORY, LAND)
KIND_CODES = {"building": BUILDING, "factory": FACTORY, "land": LAND}
CODE_OF_KIND = {name: code for code, name in KIND_CODES.items()}
SHORT = {BUILDING: "楼宇", FACTORY: "厂房", LAND: "土地"}

M2_PER_MU = Decimal(10000) / Decimal(15)  # 1 亩 = 666.66… ㎡, exactly 10000/15
CENT = Decimal("0.01")
TENTATIVE, FIRM, OTHER = "拟落地", "落位", "其他占用"
# a project's placement is firm from its signing (a correction back makes it tentative again)
FIRM_STAGES = (stages.SIGNED, stages.STARTED, stages.PRODUCING)


def mu_to_m2(mu: Decimal) -> Decimal:
    """亩 → ㎡ (exact ratio, then the two decimals areas are stored with)."""
    return (mu * Decimal(10000) / Decimal(15)).quantize(CENT, rounding=ROUND_HALF_UP)


def m2_to_mu(m2: Decimal) -> Decimal:
    """㎡ → 亩, two decimals."""
    return (m2 * Decimal(15) / Decimal(10000)).quantize(CENT, rounding=ROUND_HALF_UP)


def area_text(m2: Decimal, kind: str = "") -> str:
    """``5,000.00 ㎡``; land also in 亩: ``163,333.33 ㎡（245.00 亩）``."""
    shown = f"{m2.quantize(CENT, rounding=ROUND_HALF_UP):,} ㎡"
    return f"{shown}（{m2_to_mu(m2):,} 亩）" if kind == LAND else shown


def parse_kind(text: str) -> str:
    """A kind from its code (``building``) or name (``商务楼宇``, ``楼宇``, ``厂房``)."""
    key = (text or "").strip()
    for name in KINDS:
        if key in (name, SHORT[name], CODE_OF_KIND[name]) or key.lower() == CODE_OF_KIND[name]:
            return name
    raise ValidationError(f"未知载体类型“{text}”，可用：building 商务楼宇、factory 标准化厂房、"
                          "land 土地", code="carrier.kind", field="kind")


def parse_area(text: str, field: str = "area") -> Decimal:
    """An area typed by a person in ㎡ (``5000``, ``5,000㎡``), or in 亩 (``245亩``)."""
    import unicodedata
    clean = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace(" ", "")
    mu = clean.endswith("亩")
    clean = clean.removesuffix("亩").removesuffix("㎡").removesuffix("m2").removesuffix("平方米")
    try:
        value = Decimal(clean)
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValidationError(f"面积“{text}”无法识别，请填写平方米数，如 5000 或 245亩",
                              code="area.format", field=field)
    return mu_to_m2(value) if mu else value


# --- reading ----------------------------------------------------------------------------------
def _held() -> ColumnElement[bool]:
    """Placements still held: not released, and not of a project in the 回收站."""
    return and_(CarrierPlacement.released_on.is_(None),
                or_(CarrierPlacement.project_id.is_(None), Project.deleted_at.is_(None)))


@dataclass(frozen=True)
class CarrierFigures:
    """One carrier with its space accounted for."""

    id: int
    name: str
    kind: str
    park: str
    total: Decimal  # ㎡
    firm: Decimal  # held by signed projects
    tentative: Decimal  # held by projects still in talks (拟落地)
    other: Decimal  # 其他占用
    projects: int  # projects holding space in it
    industries: tuple[str, ...]  # suited (主导产业)
    ready_on: dt.date | None
    note: str

    @property
    def placed(self) -> Decimal:
        return self.firm + self.tentative + self.other

    @property
    def free(self) -> Decimal:
        return self.total - self.placed

    @property
    def vacancy(self) -> Decimal | None:
        """free ÷ total, or None for a carrier of no area."""
        return self.free / self.total if self.total else None

    @property
    def code(self) -> str:
        return CODE_OF_KIND.get(self.kind, self.kind)


def carrier_figures(uow: UnitOfWork, kind: str | None = None, carrier_id: int | None = None,
                    as_of: dt.date | None = None) -> list[CarrierFigures]:
    """Every carrier (of one ``kind``, or one carrier) with its space, by kind (楼宇, 厂房,
    土地) and, within a kind, the fullest first."""
    s = uow.session
    firm_case: ColumnElement[bool] = Project.stage.in_(FIRM_STAGES)
    held = _held()
    if as_of is not None:  # as a report sees that day: placed by then, not yet released
        firm_case = Project.signed_on <= as_of
        held = and_(CarrierPlacement.placed_on <= as_of,
                    or_(CarrierPlacement.released_on.is_(None),
                        CarrierPlacement.released_on > as_of),
                    or_(CarrierPlacement.project_id.is_(None), Project.deleted_at.is_(None)))
    sums = (select(CarrierPlacement.carrier_id,
                   func.sum(CarrierPlacement.area).filter(CarrierPlacement.project_id.is_(None)),
                   func.sum(CarrierPlacement.area).filter(
                       CarrierPlacement.project_id.is_not(None), firm_case),
                   func.sum(CarrierPlacement.area).filter(
                       CarrierPlacement.project_id.is_not(None), ~firm_case),
                   func.count(func.distinct(CarrierPlacement.project_id)))
            .outerjoin(Project, Project.id == CarrierPlacement.project_id)
            .where(held).group_by(CarrierPlacement.carrier_id))
    by_carrier: dict[int, tuple[Decimal, Decimal, Decimal, int]] = {}
    zero = Decimal("0.00")
    for cid, other, firm, tentative, n in s.execute(sums):  # sums come back as Area: Decimal
        by_carrier[cid] = (other or zero, firm or zero, tentative or zero, int(n or 0))
    suited: dict[int, list[str]] = {}
    for cid, name in s.execute(select(CarrierIndustry.carrier_id, Industry.name)
                               .join(Industry, Industry.id == CarrierIndustry.industry_id)
                               .order_by(Industry.sort_key)):
        suited.setdefault(cid, []).append(name)
    stmt = select(Carrier).order_by(Carrier.kind, Carrier.name)
    if kind is not None:
        stmt = stmt.where(Carrier.kind == kind)
    if carrier_id is not None:
        stmt = stmt.where(Carrier.id == carrier_id)
    out = []
    for c in s.scalars(stmt):
        other, firm, tentative, n = by_carrier.get(c.id, (zero, zero, zero, 0))
        out.append(CarrierFigures(c.id, c.name, c.kind, c.park, c.total_area, firm, tentative,
                                  other, n, tuple(suited.get(c.id, ())), c.ready_on, c.note))
    # 楼宇, 厂房, 土地; within a kind the fullest first (what is left to offer is at the bottom)
    out.sort(key=lambda r: (KINDS.index(r.kind) if r.kind in KINDS else len(KINDS),
                            r.vacancy if r.vacancy is not None else Decimal(2), r.name))
    return out


def figures_of(uow: UnitOfWork, carrier_id: int) -> CarrierFigures:
    rows = carrier_figures(uow, carrier_id=carrier_id)
    if not rows:
        get_or_404(uow.session, Carrier, carrier_id, "载体")
    return rows[0]


@dataclass(frozen=True)
class KindTotals:
    kind: str
    carriers: int
    total: Decimal
    placed: Decimal
    free: Decimal

    @property
    def vacancy(self) -> Decimal | None:
        return self.free / self.total if self.total else None


def totals_by_kind(rows: Iterable[CarrierFigures]) -> list[KindTotals]:
    """楼宇 / 厂房 / 土地: total, placed, free (every kind, also one without carriers)."""
    rows = list(rows)
    out = []
    for kind in KINDS:
        mine = [r for r in rows if r.kind == kind]
        zero = Decimal("0.00")
        out.append(KindTotals(kind, len(mine), sum((r.total for r in mine), zero),
                              sum((r.placed for r in mine), zero),
                              sum((r.free for r in mine), zero)))
    return out


@dataclass(frozen=True)
class PlacementRow:
    id: int
    carrier_id: int
    carrier: str
    kind: str
    project_id: int | None
    project: str  # "" for 其他占用
    company: str
    stage: str  # a stage code, "" for 其他占用
    signed_on: dt.date | None
    area: Decimal  # ㎡
    placed_on: dt.date
    released_on: dt.date | None
    release_reason: str
    note: str
    by: str  # who placed it

    @property
    def status(self) -> str:
        """拟落地, 落位, 其他占用, or 已释放."""
        if self.released_on is not None:
            return "已释放"
        if self.project_id is None:
            return OTHER
        return FIRM if self.stage in FIRM_STAGES else TENTATIVE

    def status_on(self, day: dt.date) -> str:
        """What the placement was on ``day`` (a report's as-of date)."""
        if self.released_on is not None and self.released_on <= day:
            return "已释放"
        if self.project_id is None:
            return OTHER
        return FIRM if self.signed_on is not None and self.signed_on <= day else TENTATIVE

    @property
    def stage_name(self) -> str:
        return stages.NAMES.get(self.stage, "")


def placements(uow: UnitOfWork, *, carrier_id: int | None = None, project_id: int | None = None,
               include_released: bool = False) -> list[PlacementRow]:
    """A carrier's or a project's placements, held ones first, the newest first."""
    from crm.models import Company
    stmt = (select(CarrierPlacement, Carrier.name, Carrier.kind, Project.name, Company.name,
                   Project.stage, Project.signed_on, User.display_name)
            .join(Carrier, Carrier.id == CarrierPlacement.carrier_id)
            .outerjoin(Project, Project.id == CarrierPlacement.project_id)
            .outerjoin(Company, Company.id == Project.company_id)
            .outerjoin(User, User.id == CarrierPlacement.user_id)
            .order_by(CarrierPlacement.released_on.is_not(None), CarrierPlacement.placed_on.desc(),
                      CarrierPlacement.id.desc()))
    if carrier_id is not None:
        stmt = stmt.where(CarrierPlacement.carrier_id == carrier_id)
    if project_id is not None:
        stmt = stmt.where(CarrierPlacement.project_id == project_id)
    if not include_released:
        stmt = stmt.where(_held())
    else:
        stmt = stmt.where(or_(CarrierPlacement.project_id.is_(None), Project.deleted_at.is_(None)))
    return [PlacementRow(p.id, p.carrier_id, cname, ckind, p.project_id, pname or "",
                         company or "", pstage or "", signed, p.area, p.placed_on, p.released_on,
                         p.release_reason, p.note, by or "")
            for p, cname, ckind, pname, company, pstage, signed, by in uow.session.execute(stmt)]


# --- writing ----------------------------------------------------------------------------------
def _check_area(area: Decimal, free: Decimal, carrier: Carrier) -> Decimal:
    if not isinstance(area, Decimal) or not area.is_finite():
        raise ValidationError("落位面积必须是数字（平方米）", code="area.format", field="area")
    if area <= 0:
        raise ValidationError("落位面积必须大于 0", code="area.positive", field="area")
    if area != area.quantize(CENT):
        raise ValidationError("落位面积最多两位小数（平方米）", code="area.precision", field="area")
    if area > free:
        raise ValidationError(
            f"落位面积 {area_text(area, carrier.kind)} 超过“{carrier.name}”的可用面积 "
            f"{area_text(max(free, Decimal(0)), carrier.kind)}，未落位",
            code="carrier.over", field="area")
    return area


def _audit_placement(uow: UnitOfWork, actor: Actor, action: str, row: CarrierPlacement,
                     carrier: Carrier, project: Project | None, **extra: Any) -> None:
    changes = [["carrier", "", carrier.name], ["area", "", area_text(row.area, carrier.kind)],
               ["placed_on", "", row.placed_on.isoformat()]]
    if action == "release":
        changes = [["carrier", carrier.name, ""], ["area", area_text(row.area, carrier.kind), ""]]
    if project is not None:
        audit(uow, actor, action, "project", project.id, name=project.name, changes=changes,
              **extra)
    audit(uow, actor, action, "carrier", carrier.id, name=carrier.name,
          project=project.name if project else OTHER, area=str(row.area), **extra)


def need_area(project: Project) -> Decimal | None:
    """㎡ a project's record asks for: its land (亩 → ㎡), else its floor area; None if neither."""
    if project.land_mu:
        return mu_to_m2(project.land_mu)
    return project.floor_area or None


def _check_need(uow: UnitOfWork, project: Project, carrier: Carrier, area: Decimal) -> None:
    """Refuse placing more than the project still needs (its need minus what it holds)."""
    need = need_area(project)
    if need is None or not isinstance(area, Decimal) or not area.is_finite():
        return
    held = uow.session.scalar(select(func.sum(CarrierPlacement.area)).where(
        CarrierPlacement.project_id == project.id,
        CarrierPlacement.released_on.is_(None))) or Decimal(0)
    if held + area <= need:
        return
    left = max(need - held, Decimal(0))
    raise ValidationError(
        f"项目“{project.name}”需求 {area_text(need, carrier.kind)}，已落位 "
        f"{area_text(held, carrier.kind)}，尚需 {area_text(left, carrier.kind)}；本次 "
        f"{area_text(area, carrier.kind)} 超出需求 {area_text(held + area - need, carrier.kind)}"
        "，未落位", code="carrier.beyond_need", field="area")


def place(uow: UnitOfWork, actor: Actor, project_id: int, carrier_id: int, area: Decimal,
          on: dt.date | None = None, note: str = "", *,
          beyond_need: bool = False) -> PlacementRow:
    """Reserve ``area`` ㎡ of a carrier for a project from ``on`` (default today).

    A project holding space already (落位 or 拟落地, anywhere) needs only the rest: placing
    more than its need minus what it holds is refused unless ``beyond_need`` (the user said
    so deliberately, e.g. a bigger plan not yet typed into the project).

    Raises:
        ValidationError: more than the free area (both named), more than the project still
            needs without ``beyond_need`` (code ``carrier.beyond_need``, the figures named), a
            dropped or deleted project, a project already placed in that carrier, a bad area
            or date; nothing is written.
        PermissionDenied: a staff account placing another's project.
    """
    project = get_or_404(uow.session, Project, project_id, "项目")
    permissions.require(uow, actor, "carriers.place", project=project)
    carrier = get_or_404(uow.session, Carrier, carrier_id, "载体")
    if project.deleted_at is not None:
        raise ValidationError(f"项目“{project.name}”在回收站中，不能落位", code="project.deleted")
    if project.stage == stages.DROPPED:
        raise ValidationError(f"项目“{project.name}”已终止，不能落位", code="carrier.dropped")
    day = check_date(on or clock.today(), "落位日期", "placed_on")
    assert day is not None
    already = uow.session.scalar(select(CarrierPlacement.area).where(
        CarrierPlacement.project_id == project.id, CarrierPlacement.carrier_id == carrier.id,
        CarrierPlacement.released_on.is_(None)))
    if already is not None:
        raise ValidationError(f"项目“{project.name}”已在“{carrier.name}”落位 "
                              f"{area_text(already, carrier.kind)}；要改面积，请先释放再落位",
                              code="carrier.already", field="carrier")
    uow.session.flush()
    free = figures_of(uow, carrier.id).free
    _check_area(area, free, carrier)
    if not beyond_need:
        _check_need(uow, project, carrier, area)
    row = CarrierPlacement(carrier_id=carrier.id, project_id=project.id, area=area,
                           placed_on=day, note=optional_text(note), user_id=actor.user_id)
    uow.session.add(row)
    if project.carrier_id is None:  # the project's 拟落地载体 says where it is placed
        project.carrier_id = carrier.id
    uow.session.flush()
    status = FIRM if project.stage in FIRM_STAGES else TENTATIVE
    _audit_placement(uow, actor, "place", row, carrier, project, status=status)
    return _row(uow, row.id)


def occupy(uow: UnitOfWork, actor: Actor, carrier_id: int, area: Decimal,
           on: dt.date | None = None, note: str = "") -> PlacementRow:
    """Space of a carrier held otherwise (existing tenants …): 其他占用, a manager's entry."""
    permissions.require(uow, actor, "carriers.occupy")
    carrier = get_or_404(uow.session, Carrier, carrier_id, "载体")
    day = check_date(on or clock.today(), "占用日期", "placed_on")
    assert day is not None
    uow.session.flush()
    _check_area(area, figures_of(uow, carrier.id).free, carrier)
    row = CarrierPlacement(carrier_id=carrier.id, project_id=None, area=area, placed_on=day,
                           note=optional_text(note) or "其他占用", user_id=actor.user_id)
    uow.session.add(row)
    uow.session.flush()
    _audit_placement(uow, actor, "place", row, carrier, None, status=OTHER)
    return _row(uow, row.id)


def release(uow: UnitOfWork, actor: Actor, placement_id: int, on: dt.date | None = None,
            reason: str = "") -> PlacementRow:
    """Give back what a placement held (the project goes elsewhere, a tenant leaves)."""
    row = get_or_404(uow.session, CarrierPlacement, placement_id, "落位记录")
    project = uow.session.get(Project, row.project_id) if row.project_id is not None else None
    if project is not None:
        permissions.require(uow, actor, "carriers.release", project=project)
    else:
        permissions.require(uow, actor, "carriers.occupy")
    if row.released_on is not None:
        raise ValidationError(f"该落位已于 {row.released_on} 释放", code="carrier.released")
    day = check_date(on or clock.today(), "释放日期", "released_on", past=True)
    assert day is not None
    if day < row.placed_on:
        raise ValidationError(f"释放日期 {day} 早于落位日期 {row.placed_on}",
                              code="released_on.order", field="released_on")
    row.released_on, row.release_reason = day, optional_text(reason) or "手工释放"
    carrier = uow.session.get(Carrier, row.carrier_id)
    assert carrier is not None
    _audit_placement(uow, actor, "release", row, carrier, project, reason=row.release_reason)
    return _row(uow, row.id)


def release_for_drop(uow: UnitOfWork, actor: Actor, project: Project, on: dt.date) -> int:
    """A dropped project's space goes back, in the drop's own transaction (its permission is the
    drop's). Returns how many placements were released."""
    rows = list(uow.session.scalars(select(CarrierPlacement).where(
        CarrierPlacement.project_id == project.id, CarrierPlacement.released_on.is_(None))))
    for row in rows:
        row.released_on = max(on, row.placed_on)
        row.release_reason = "项目终止"
        carrier = uow.session.get(Carrier, row.carrier_id)
        assert carrier is not None
        _audit_placement(uow, actor, "release", row, carrier, project, reason="项目终止")
    return len(rows)


def _row(uow: UnitOfWork, placement_id: int) -> PlacementRow:
    uow.session.flush()
    found = [r for r in placements(uow, include_released=True)
             if r.id == placement_id]
    return found[0]


def find_carrier(uow: UnitOfWork, text: str) -> Carrier:
    """A carrier by id or by (a unique part of) its name."""
    raw = str(text).strip()
    if raw.isdigit() and (c := uow.session.get(Carrier, int(raw))) is not None:
        return c
    exact = uow.session.scalar(select(Carrier).where(Carrier.name == raw))
    if exact is not None:
        return exact
    found = list(uow.session.scalars(select(Carrier).where(Carrier.name.contains(raw,
                                                                                 autoescape=True))))
    if not found:
        raise ValidationError(f"找不到载体“{raw}”", code="carriers.missing")
    if len(found) > 1:
        names = "、".join(c.name for c in found[:5])
        raise ValidationError(f"“{raw}”匹配到多个载体（{names}），请用编号或完整名称",
                              code="carrier.ambiguous")
    return found[0]
