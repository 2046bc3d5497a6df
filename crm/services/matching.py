"""Matching projects and carriers: a project's need → free carriers ranked by fit, with why.

A project's need comes from what it records: land (用地面积, 亩) needs 土地; floor space (需求面积,
㎡) needs a 标准化厂房 or a 商务楼宇 — a factory for making things, a building for offices,
headquarters, research and services (read from its industry and name). Its timing is its
计划开工(开业)日期, or now once signed. A carrier fits when it is of a kind the project can use
and its free area (crm.services.carriers) is at least the need; fits are ranked by a score out
of 100. What a project already holds (落位 and 拟落地) is taken off its need; a project holding
all it needs is offered nothing (:attr:`ProjectMatches.empty_text` says so).

- kind, 40: the kind the project needs (20 for the other kind of floor space);
- area closeness, 30: need ÷ free — the space that fits most snugly leaves the rest whole;
- industry, 25: the park suits the project's industry (10 when the carrier names none);
- timing, 5: the carrier can be moved into by the time the project needs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, or_, select

from crm import clock, stages
from crm.db import UnitOfWork
from crm.models import CarrierPlacement, Company, Industry, Project
from crm.services.carriers import (
    BUILDING,
    FACTORY,
    LAND,
    SHORT,
    CarrierFigures,
    area_text,
    carrier_figures,
    figures_of,
    mu_to_m2,
)
from crm.services.common import get_or_404

# Words in an industry or project name that mean offices rather than a production floor.
OFFICE_WORDS = ("服务", "数字", "金融", "总部", "软件", "信息", "电商", "商贸", "文创", "人工智能",
                "互联网", "咨询", "研发中心", "结算", "平台", "设计", "传媒", "智算", "数据")
# Projects that may still be looking for space (a started project has landed somewhere).
LOOKING = (stages.LEAD, stages.NEGOTIATING, stages.SIGNED)


@dataclass(frozen=True)
class Need:
    """What a project needs: kinds it can use (the better first), ㎡, industry, by when."""

    kinds: tuple[str, ...]
    total: Decimal | None  # ㎡ the record asks for; None when it records no land or floor area
    industry_id: int | None
    industry: str
    by: dt.date | None  # when it needs to move in; None: not yet known
    held: Decimal = Decimal(0)  # ㎡ it already holds (落位 and 拟落地, anywhere)

    @property
    def area(self) -> Decimal | None:
        """What is still to place: the need minus what the project already holds (≥ 0)."""
        if self.total is None:
            return None
        return max(self.total - self.held, Decimal(0))

    @property
    def met(self) -> bool:
        """The project already holds all it needs."""
        return self.total is not None and self.held >= self.total

    @property
    def text(self) -> str:
        if self.total is None or not self.kinds:
            return "未填写用地或需求面积"
        kind = self.kinds[0]
        said = f"{SHORT[kind]} {area_text(self.total, kind)}"
        if self.met:
            return f"{said}（已落位 {area_text(self.held, kind)}，需求已满足）"
        if self.held:
            return f"{said}（已落位 {area_text(self.held, kind)}，" \
                   f"尚需 {area_text(self.area or Decimal(0), kind)}）"
        return said


def need_of(project: Project, industry: str = "") -> Need:
    """The need a project's record says (see the module's docstring)."""
    by = project.planned_start_on
    if by is None and project.stage in (stages.SIGNED, stages.STARTED):
        by = clock.today()
    if project.land_mu:
        return Need((LAND,), mu_to_m2(project.land_mu), project.industry_id, industry, by)
    if project.floor_area:
        words = f"{industry}{project.name}"
        office = any(w in words for w in OFFICE_WORDS)
        kinds = (BUILDING, FACTORY) if office else (FACTORY, BUILDING)
        return Need(kinds, project.floor_area, project.industry_id, industry, by)
    return Need((), None, project.industry_id, industry, by)


@dataclass(frozen=True)
class Fit:
    score: int  # out of 100
    why: str  # in Chinese, each reason of the score


def fit(need: Need, c: CarrierFigures) -> Fit | None:
    """How well carrier ``c`` fits ``need``; None when it cannot (kind, or not enough free)."""
    if need.area is None or need.area <= 0 or c.kind not in need.kinds or c.free < need.area:
        return None
    reasons: list[str] = []
    score = Decimal(0)
    if c.kind == need.kinds[0]:
        score += 40
        reasons.append(f"类型相符（{SHORT[c.kind]}）")
    else:
        score += 20
        reasons.append(f"可作{SHORT[c.kind]}（项目更宜{SHORT[need.kinds[0]]}）")
    share = need.area / c.free if c.free else Decimal(1)
    score += 30 * share
    pct = (share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    reasons.append(f"可用 {area_text(c.free, c.kind)}，需 {area_text(need.area, c.kind)}"
                   f"（占可用 {pct}%）")
    if not c.industries:
        score += 10
        reasons.append("载体未设适宜产业")
    elif need.industry and need.industry in c.industries:
        score += 25
        reasons.append(f"园区适宜{need.industry}")
    else:
        reasons.append(f"园区适宜{'、'.join(c.industries)}，不含{need.industry or '该项目产业'}")
    if c.ready_on is None or c.ready_on <= clock.today():
        score += 5
        reasons.append("现可入驻")
    elif need.by is None or c.ready_on <= need.by:
        score += 5
        reasons.append(f"{c.ready_on} 交付" + (f"，早于所需 {need.by}" if need.by else ""))
    else:
        reasons.append(f"{c.ready_on} 交付，晚于所需 {need.by}")
    return Fit(int(score.quantize(Decimal(1), rounding=ROUND_HALF_UP)), "；".join(reasons))


@dataclass(frozen=True)
class CarrierMatch:
    carrier_id: int
    carrier: str
    kind: str
    park: str
    free: Decimal  # ㎡
    score: int
    why: str

    @property
    def code(self) -> str:
        from crm.services.carriers import CODE_OF_KIND
        return CODE_OF_KIND.get(self.kind, self.kind)


@dataclass(frozen=True)
class ProjectMatches:
    project_id: int
    project: str
    need: Need
    matches: list[CarrierMatch]

    @property
    def empty_text(self) -> str:
        """Why the list is empty, as a sentence that says what to do."""
        if self.need.area is None:
            return "项目未填写用地面积（亩）或需求面积（㎡）— 点“编辑”在项目中填写后可推荐载体"
        if self.need.met:
            return f"已落位 {area_text(self.need.held, self.need.kinds[0])}，需求已满足"
        return f"没有可用面积不小于 {area_text(self.need.area, self.need.kinds[0])} 的" \
               f"{'或'.join(SHORT[k] for k in self.need.kinds)}载体"


def _industry(uow: UnitOfWork, industry_id: int | None) -> str:
    return (uow.session.scalar(select(Industry.name).where(Industry.id == industry_id))
            if industry_id is not None else None) or ""


def held_by(uow: UnitOfWork, project_id: int) -> Decimal:
    """㎡ a project holds now, firm and tentative, in every carrier."""
    total = uow.session.scalar(select(func.sum(CarrierPlacement.area)).where(
        CarrierPlacement.project_id == project_id, CarrierPlacement.released_on.is_(None)))
    return Decimal(total or 0)


def project_need(uow: UnitOfWork, project: Project) -> Need:
    """The project's need with what it already holds taken off (see :attr:`Need.area`)."""
    return replace(need_of(project, _industry(uow, project.industry_id)),
                   held=held_by(uow, project.id))


def match_project(uow: UnitOfWork, project_id: int) -> ProjectMatches:
    """The carriers that can take what a project still needs (its need minus what it already
    holds), best first (score, then the snugger); none once the need is met."""
    project = get_or_404(uow.session, Project, project_id, "项目")
    need = project_need(uow, project)
    found = []
    for c in carrier_figures(uow):
        f = fit(need, c)
        if f is not None:
            found.append(CarrierMatch(c.id, c.name, c.kind, c.park, c.free, f.score, f.why))
    found.sort(key=lambda m: (-m.score, m.free, m.carrier))
    return ProjectMatches(project.id, project.name, need, found)


@dataclass(frozen=True)
class ProjectFit:
    project_id: int
    project: str
    company: str
    stage: str
    need: str
    need_area: Decimal  # ㎡
    score: int
    why: str

    @property
    def stage_name(self) -> str:
        return stages.NAMES.get(self.stage, self.stage)


def fitting_projects(uow: UnitOfWork, carrier_id: int, limit: int = 200) -> list[ProjectFit]:
    """Projects still looking for space (线索, 在谈, 已签约, holding none yet) whose need this
    carrier fits, best first."""
    c = figures_of(uow, carrier_id)
    held = exists().where(CarrierPlacement.project_id == Project.id,
                          CarrierPlacement.released_on.is_(None))
    # only needs that can fit (the database prunes; fit() decides)
    area = (and_(Project.land_mu > 0, Project.land_mu <= c.free * 15 / 10000) if c.kind == LAND
            else and_(Project.floor_area > 0, Project.floor_area <= c.free))
    stmt = (select(Project, Company.name, Industry.name)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(Industry, Industry.id == Project.industry_id)
            .where(Project.deleted_at.is_(None), Project.stage.in_(LOOKING), ~held, area,
                   or_(Project.land_mu.is_(None), Project.land_mu == 0) if c.kind != LAND
                   else Project.land_mu > 0))
    out = []
    for p, company, industry in uow.session.execute(stmt):
        need = need_of(p, industry or "")
        f = fit(need, c)
        if f is not None and need.area is not None:
            out.append(ProjectFit(p.id, p.name, company, p.stage, need.text, need.area,
                                  f.score, f.why))
    out.sort(key=lambda r: (-r.score, -r.need_area, r.project))
    return out[:limit]
