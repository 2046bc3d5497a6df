"""The 招商图谱 (DESIGN §2 Chain): chains, their segments, target firms, and a target turned
into a lead project in one step.

Chains and segments are the managers' (they draw the district's industry system); target firms
are everyone's to add and edit. What the map shows — coverage, 缺链 and 弱链 — is computed in
:mod:`crm.views.chains` from the projects and companies linked to each segment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ConflictError, NotFoundError, ValidationError
from crm.models import Chain, Company, Industry, Project, Segment, TargetFirm, User
from crm.services import companies, projects
from crm.services.audit_fields import diff
from crm.services.common import (
    RELOAD,
    SOURCE_NAMES,
    SOURCES,
    Actor,
    audit,
    get_or_404,
    optional_text,
    required_text,
)
from crm.text import normalize, sort_key
from crm.uscc import normalize_uscc

STAGES = ("上游", "中游", "下游")
TIERS = ("链主", "头部", "专精特新", "上市", "其他")
# A target's source carries over to its lead; 招商大使 needs the person, chosen on the project.
TARGET_SOURCES = tuple(s for s in SOURCES if s != "ambassador")


@dataclass(frozen=True)
class ChainInput:
    name: str
    industry_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class SegmentInput:
    name: str
    stage: str  # 上游 | 中游 | 下游
    parent_id: int | None = None
    position: int | None = None  # None: after the chain's last segment
    note: str = ""


@dataclass(frozen=True)
class TargetInput:
    name: str
    segment_id: int
    uscc: str | None = None
    city: str = ""
    tier: str = "其他"
    why: str = ""
    owner_id: int | None = None
    source: str = "self"


@dataclass(frozen=True)
class ChainRow:
    id: int
    name: str
    industry_id: int | None
    position: int
    note: str


@dataclass(frozen=True)
class SegmentRow:
    id: int
    chain_id: int
    parent_id: int | None
    name: str
    stage: str
    position: int
    note: str


@dataclass(frozen=True)
class Conversion:
    """What 转为线索 made: the lead project (and its company), linked back to the target."""

    target_id: int
    project_id: int
    project_name: str
    company_id: int
    segment_id: int


def _chain_row(c: Chain) -> ChainRow:
    return ChainRow(c.id, c.name, c.industry_id, c.position, c.note)


def _segment_row(s: Segment) -> SegmentRow:
    return SegmentRow(s.id, s.chain_id, s.parent_id, s.name, s.stage, s.position, s.note)


# --- chains ---------------------------------------------------------------------------------
def _check_chain(uow: UnitOfWork, data: ChainInput, own_id: int | None) -> str:
    name = required_text(data.name, "产业链名称", "chain.name", 64)
    other = uow.session.scalar(select(Chain.id).where(Chain.name == name))
    if other is not None and other != own_id:
        raise ValidationError(f"已有名为“{name}”的产业链", code="chain.duplicate",
                              field="chain.name")
    if data.industry_id is not None:
        get_or_404(uow.session, Industry, data.industry_id, "产业")
    return name


def add_chain(uow: UnitOfWork, actor: Actor, data: ChainInput) -> ChainRow:
    """A new chain, after the others."""
    permissions.require(uow, actor, "chains.add_chain")
    name = _check_chain(uow, data, None)
    last = uow.session.scalar(select(func.max(Chain.position))) or 0
    chain = Chain(name=name, industry_id=data.industry_id, note=optional_text(data.note),
                  position=last + 1)
    uow.session.add(chain)
    uow.session.flush()
    audit(uow, actor, "create", "chain", chain.id, name=name)
    return _chain_row(chain)


def update_chain(uow: UnitOfWork, actor: Actor, chain_id: int, data: ChainInput) -> ChainRow:
    permissions.require(uow, actor, "chains.update_chain")
    chain = get_or_404(uow.session, Chain, chain_id, "产业链")
    name = _check_chain(uow, data, chain_id)
    changes = diff({"name": chain.name, "note": chain.note},
                   {"name": name, "note": optional_text(data.note)})
    chain.name, chain.industry_id, chain.note = name, data.industry_id, optional_text(data.note)
    uow.session.flush()
    if changes:
        audit(uow, actor, "update", "chain", chain.id, name=name, changes=changes)
    return _chain_row(chain)


def delete_chain(uow: UnitOfWork, actor: Actor, chain_id: int) -> None:
    """Remove a chain and its segments; refused while a segment holds targets, projects or
    local firms (they would lose their place on the map)."""
    permissions.require(uow, actor, "chains.delete_chain")
    chain = get_or_404(uow.session, Chain, chain_id, "产业链")
    segments = list(uow.session.scalars(select(Segment).where(Segment.chain_id == chain_id)))
    for segment in segments:
        _refuse_if_used(uow, segment)
    for segment in sorted(segments, key=lambda s: s.parent_id is None):  # children first
        uow.session.delete(segment)
        uow.session.flush()
    uow.session.delete(chain)
    audit(uow, actor, "delete", "chain", chain_id, name=chain.name)


# --- segments -------------------------------------------------------------------------------
def _check_segment(uow: UnitOfWork, chain_id: int, data: SegmentInput,
                   own_id: int | None) -> str:
    name = required_text(data.name, "环节名称", "segment.name", 64)
    if data.stage not in STAGES:
        raise ValidationError(f"环节位置应为 上游、中游 或 下游，而不是“{data.stage}”",
                              code="segment.stage", field="segment.stage")
    other = uow.session.scalar(select(Segment.id).where(Segment.chain_id == chain_id,
                                                        Segment.name == name))
    if other is not None and other != own_id:
        raise ValidationError(f"该产业链已有环节“{name}”", code="segment.duplicate",
                              field="segment.name")
    if data.parent_id is not None:
        parent = get_or_404(uow.session, Segment, data.parent_id, "上级环节")
        if parent.chain_id != chain_id or parent.parent_id is not None or parent.id == own_id:
            raise ValidationError("上级环节须是同一产业链的一级环节", code="segment.parent",
                                  field="segment.parent_id")
    return name


def add_segment(uow: UnitOfWork, actor: Actor, chain_id: int, data: SegmentInput) -> SegmentRow:
    """A new segment of a chain (a sub-segment when ``parent_id`` is given)."""
    permissions.require(uow, actor, "chains.add_segment")
    get_or_404(uow.session, Chain, chain_id, "产业链")
    name = _check_segment(uow, chain_id, data, None)
    position = data.position
    if position is None:
        position = (uow.session.scalar(select(func.max(Segment.position))
                                       .where(Segment.chain_id == chain_id)) or 0) + 1
    segment = Segment(chain_id=chain_id, parent_id=data.parent_id, name=name, stage=data.stage,
                      position=position, note=optional_text(data.note))
    uow.session.add(segment)
    uow.session.flush()
    audit(uow, actor, "create", "segment", segment.id, name=name, chain_id=chain_id)
    return _segment_row(segment)


def update_segment(uow: UnitOfWork, actor: Actor, segment_id: int,
                   data: SegmentInput) -> SegmentRow:
    permissions.require(uow, actor, "chains.update_segment")
    segment = get_or_404(uow.session, Segment, segment_id, "环节")
    name = _check_segment(uow, segment.chain_id, data, segment_id)
    if data.parent_id is not None and uow.session.scalar(
            select(Segment.id).where(Segment.parent_id == segment_id).limit(1)):
        raise ValidationError("有下级环节的环节不能再归入其他环节", code="segment.parent",
                              field="segment.parent_id")
    before = {"name": segment.name, "stage": segment.stage, "position": segment.position}
    segment.name, segment.stage, segment.parent_id = name, data.stage, data.parent_id
    if data.position is not None:
        segment.position = data.position
    segment.note = optional_text(data.note)
    uow.session.flush()
    changes = diff(before, {"name": name, "stage": segment.stage, "position": segment.position})
    if changes:
        audit(uow, actor, "update", "segment", segment.id, name=name, changes=changes)
    return _segment_row(segment)


def _refuse_if_used(uow: UnitOfWork, segment: Segment) -> None:
    s = uow.session
    used = {
        "目标企业": s.scalar(select(func.count()).select_from(TargetFirm)
                         .where(TargetFirm.segment_id == segment.id)),
        "项目": s.scalar(select(func.count()).select_from(Project)
                       .where(Project.segment_id == segment.id, Project.deleted_at.is_(None))),
        "本地企业": s.scalar(select(func.count()).select_from(Company)
                         .where(Company.segment_id == segment.id, Company.deleted_at.is_(None))),
    }
    held = "、".join(f"{n} 个{label}" for label, n in used.items() if n)
    if held:
        raise ValidationError(f"环节“{segment.name}”还有{held}，不能删除：请先移到其他环节",
                              code="segment.in_use")


def delete_segment(uow: UnitOfWork, actor: Actor, segment_id: int) -> None:
    permissions.require(uow, actor, "chains.delete_segment")
    segment = get_or_404(uow.session, Segment, segment_id, "环节")
    _refuse_if_used(uow, segment)
    if uow.session.scalar(select(Segment.id).where(Segment.parent_id == segment_id).limit(1)):
        raise ValidationError(f"环节“{segment.name}”还有下级环节，不能删除",
                              code="segment.in_use")
    # a deleted project's link would point nowhere: it forgets the segment
    for project in uow.session.scalars(select(Project).where(Project.segment_id == segment_id)):
        project.segment_id = None
    uow.session.delete(segment)
    audit(uow, actor, "delete", "segment", segment_id, name=segment.name,
          chain_id=segment.chain_id)


# --- target firms ---------------------------------------------------------------------------
def _check_target(uow: UnitOfWork, data: TargetInput, own_id: int | None) -> dict[str, object]:
    s = uow.session
    name = required_text(data.name, "企业名称", "target.name")
    get_or_404(s, Segment, data.segment_id, "环节")
    uscc = normalize_uscc(data.uscc, field="target.uscc")
    tier = (data.tier or "其他").strip()
    if tier not in TIERS:
        raise ValidationError(f"层级应为 {'、'.join(TIERS)} 之一，而不是“{tier}”",
                              code="target.tier", field="target.tier")
    if data.source not in TARGET_SOURCES:
        names = "、".join(SOURCE_NAMES[c] for c in TARGET_SOURCES)
        raise ValidationError(f"目标企业的招商来源应为 {names} 之一（招商大使在转为线索后的项目中选择）",
                              code="target.source", field="target.source")
    if data.owner_id is not None:
        get_or_404(s, User, data.owner_id, "负责人")
    other = s.scalar(select(TargetFirm.id).where(TargetFirm.segment_id == data.segment_id,
                                                 TargetFirm.name == name))
    if other is not None and other != own_id:
        raise ValidationError(f"该环节已有目标企业“{name}”", code="target.duplicate",
                              field="target.name")
    return {"name": name, "segment_id": data.segment_id, "uscc": uscc,
            "city": optional_text(data.city, 64), "tier": tier, "why": optional_text(data.why),
            "owner_id": data.owner_id, "source": data.source, "sort_key": sort_key(name)}


def stored_company(uow: UnitOfWork, name: str, uscc: str | None) -> int | None:
    """The company a target is: the one with its USCC, else the one with its exact name."""
    if uscc:
        found = uow.session.scalar(select(Company.id).where(Company.uscc == uscc))
        if found is not None:
            return found
    return uow.session.scalar(select(Company.id).where(Company.name == name,
                                                       Company.deleted_at.is_(None)).limit(1))


def add_target(uow: UnitOfWork, actor: Actor, data: TargetInput) -> int:
    """A new target firm; its owner is whoever adds it unless another is named. Matched to a
    stored company (USCC, else exact name) so that contacts logged with it count."""
    permissions.require(uow, actor, "chains.add_target")
    if data.owner_id is None and actor.user_id is not None:
        data = replace(data, owner_id=actor.user_id)
    values = _check_target(uow, data, None)
    target = TargetFirm(**values)
    target.company_id = stored_company(uow, str(values["name"]), values["uscc"])  # type: ignore[arg-type]
    uow.session.add(target)
    uow.session.flush()
    audit(uow, actor, "create", "target_firm", target.id, name=target.name,
          segment_id=target.segment_id)
    return target.id


def update_target(uow: UnitOfWork, actor: Actor, target_id: int, data: TargetInput,
                  expected_version: int | None = None) -> int:
    permissions.require(uow, actor, "chains.update_target")
    target = get_or_404(uow.session, TargetFirm, target_id, "目标企业")
    if expected_version is not None and target.version != expected_version:
        raise ConflictError(f"该目标企业已被他人修改。{RELOAD}", code="target.conflict")
    values = _check_target(uow, data, target_id)
    shown = ("name", "segment_id", "uscc", "city", "tier", "why", "owner_id", "source")
    before = {k: getattr(target, k) for k in shown}
    for key, value in values.items():
        setattr(target, key, value)
    if target.company_id is None:
        target.company_id = stored_company(uow, target.name, target.uscc)
    uow.session.flush()
    changes = diff(before, {k: getattr(target, k) for k in shown})
    if changes:
        audit(uow, actor, "update", "target_firm", target.id, name=target.name, changes=changes)
    return target.id


def delete_target(uow: UnitOfWork, actor: Actor, target_id: int) -> None:
    permissions.require(uow, actor, "chains.delete_target")
    target = get_or_404(uow.session, TargetFirm, target_id, "目标企业")
    audit(uow, actor, "delete", "target_firm", target_id, name=target.name)
    uow.session.delete(target)


def convert_target(uow: UnitOfWork, actor: Actor, target_id: int, *,
                   project_name: str | None = None,
                   lead_on: dt.date | None = None) -> Conversion:
    """转为线索: the target's company (an existing one by USCC or exact name, else a new one)
    and a lead project at stage 线索, owned by the target's owner (else whoever converts it),
    with its source, its chain's industry and its segment; the target keeps the link.

    A staff member converts targets that are theirs or nobody's (a lead for someone else is a
    manager's, as on the 项目 page)."""
    permissions.require(uow, actor, "chains.convert_target")
    target = get_or_404(uow.session, TargetFirm, target_id, "目标企业")
    if target.project_id is not None:
        project = uow.session.get(Project, target.project_id)
        if project is not None and project.deleted_at is None:
            raise ValidationError(f"“{target.name}”已转为线索（项目“{project.name}”，编号 "
                                  f"{project.id}）", code="target.converted")
    segment = get_or_404(uow.session, Segment, target.segment_id, "环节")
    chain = get_or_404(uow.session, Chain, segment.chain_id, "产业链")
    extra: dict[str, object] = {"hq_city": target.city}
    if chain.industry_id is not None:
        extra["industry_id"] = chain.industry_id
    company = companies.ensure_company(uow, actor, target.name, target.uscc, **extra)
    owner = target.owner_id if target.owner_id is not None else actor.user_id
    why = f"：{target.why}" if target.why else ""
    row = projects.create_project(uow, actor, projects.ProjectInput(
        name=(project_name or "").strip() or f"{target.name}项目", company_id=company.id,
        industry_id=chain.industry_id, source=target.source, owner_id=owner,
        note=f"由招商图谱目标企业转为线索（{chain.name} · {segment.name}）{why}",
        lead_on=lead_on))
    project = uow.session.get(Project, row.id)
    assert project is not None
    project.segment_id = segment.id
    target.project_id, target.company_id = row.id, company.id
    if target.owner_id is None:
        target.owner_id = owner
    uow.session.flush()
    audit(uow, actor, "convert", "target_firm", target.id, name=target.name,
          changes=[["project_id", "", f"{row.name}（编号 {row.id}）"]])
    return Conversion(target.id, row.id, row.name, company.id, segment.id)


# --- links ----------------------------------------------------------------------------------
def _segment_name(uow: UnitOfWork, segment_id: int | None) -> str:
    """How the log names a segment: ``产业链 · 环节`` (as it was when the change was made)."""
    segment = uow.session.get(Segment, segment_id) if segment_id is not None else None
    if segment is None:
        return ""
    chain = uow.session.get(Chain, segment.chain_id)
    return f"{chain.name if chain else ''} · {segment.name}"


def link_project(uow: UnitOfWork, actor: Actor, project_id: int,
                 segment_id: int | None) -> int | None:
    """Put a project into a segment (None: out of every chain)."""
    project = get_or_404(uow.session, Project, project_id, "项目")
    permissions.require(uow, actor, "chains.link_project", project=project)
    if segment_id is not None:
        get_or_404(uow.session, Segment, segment_id, "环节")
    if project.segment_id != segment_id:
        audit(uow, actor, "update", "project", project.id, name=project.name,
              changes=[["segment_id", _segment_name(uow, project.segment_id),
                        _segment_name(uow, segment_id)]])
        project.segment_id = segment_id
        uow.session.flush()
    return segment_id


def link_company(uow: UnitOfWork, actor: Actor, company_id: int,
                 segment_id: int | None) -> int | None:
    """Count a company as a local firm of a segment (None: of none)."""
    company = get_or_404(uow.session, Company, company_id, "企业")
    permissions.require(uow, actor, "chains.link_company", company=company)
    if segment_id is not None:
        get_or_404(uow.session, Segment, segment_id, "环节")
    if company.segment_id != segment_id:
        audit(uow, actor, "update", "company", company.id, name=company.name,
              changes=[["segment_id", _segment_name(uow, company.segment_id),
                        _segment_name(uow, segment_id)]])
        company.segment_id = segment_id
        uow.session.flush()
    return segment_id


# --- finding by what a person types ---------------------------------------------------------
def find_chain(uow: UnitOfWork, ref: str) -> Chain:
    """A chain by id, exact name, or the one whose name contains ``ref``."""
    text = ref.strip()
    if text.isdigit() and (found := uow.session.get(Chain, int(text))) is not None:
        return found
    exact = uow.session.scalar(select(Chain).where(Chain.name == text))
    if exact is not None:
        return exact
    key = normalize(text)
    matches = [c for c in uow.session.scalars(select(Chain).order_by(Chain.position))
               if key and key in normalize(c.name)]
    if not matches:
        raise NotFoundError(f"找不到产业链“{text}”", code="chains.missing")
    if len(matches) > 1:
        raise ValidationError(f"“{text}”匹配到多条产业链：{'、'.join(c.name for c in matches)}",
                              code="chain.ambiguous")
    return matches[0]


def find_segment(uow: UnitOfWork, ref: str, chain_id: int | None = None) -> Segment:
    """A segment by id, exact name, or the one whose name contains ``ref`` (within a chain)."""
    text = ref.strip()
    if text.isdigit() and (found := uow.session.get(Segment, int(text))) is not None \
            and (chain_id is None or found.chain_id == chain_id):
        return found
    stmt = select(Segment).order_by(Segment.chain_id, Segment.position, Segment.id)
    if chain_id is not None:
        stmt = stmt.where(Segment.chain_id == chain_id)
    rows = list(uow.session.scalars(stmt))
    exact = [s for s in rows if s.name == text]
    key = normalize(text)
    matches = exact or [s for s in rows if key and key in normalize(s.name)]
    if not matches:
        raise NotFoundError(f"找不到环节“{text}”", code="chain_segments.missing")
    if len(matches) > 1:
        raise ValidationError(f"“{text}”匹配到多个环节：{'、'.join(s.name for s in matches)}"
                              "（可用 --chain 限定产业链，或用编号）", code="segment.ambiguous")
    return matches[0]


def find_target(uow: UnitOfWork, ref: str) -> TargetFirm:
    """A target by id or exact name (the command line)."""
    text = ref.strip()
    if text.isdigit() and (found := uow.session.get(TargetFirm, int(text))) is not None:
        return found
    rows = list(uow.session.scalars(select(TargetFirm).where(TargetFirm.name == text)))
    if not rows:
        raise NotFoundError(f"找不到目标企业“{text}”", code="target_firms.missing")
    if len(rows) > 1:
        raise ValidationError(f"有 {len(rows)} 个目标企业名为“{text}”，请用编号："
                              f"{[t.id for t in rows]}", code="target.ambiguous")
    return rows[0]


def find_company(uow: UnitOfWork, ref: str) -> Company:
    """A company by id or exact name (the command line)."""
    text = ref.strip()
    if text.isdigit() and (found := uow.session.get(Company, int(text))) is not None:
        return found
    rows = list(uow.session.scalars(select(Company).where(Company.name == text,
                                                          Company.deleted_at.is_(None))))
    if not rows:
        raise NotFoundError(f"找不到企业“{text}”", code="companies.missing")
    if len(rows) > 1:
        raise ValidationError(f"有 {len(rows)} 家企业名为“{text}”，请用编号：{[c.id for c in rows]}",
                              code="company.ambiguous")
    return rows[0]
