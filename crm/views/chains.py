"""The 招商图谱's read model: each chain's segments with their coverage, computed.

Per segment (its sub-segments' figures added into it), as of a date (docs/figures.md):
- targets: target firms; contacted: those turned into a lead, or whose company has a contact
  log (接洽记录) dated on or before as-of;
- leads / negotiating: linked projects whose furthest milestone by as-of is 线索 / 在谈 and
  not dropped by then;
- signed / started: as DESIGN §3 (crm.services.metrics): signed on or before as-of (within the
  period when one is given; dropped later or not), started in the signing's calendar year on or
  before as-of;
- local firms: companies linked to the segment.
A segment with nothing signed or started is 缺链 (gap) — or 弱链 (weak) when it has targets and
leads or talks under way. Completeness: the share of a chain's segments (top level) with a
project started (开工/开业) or producing by as-of, whatever the year, not dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from crm import permissions, stages
from crm.db import UnitOfWork
from crm.models import Chain, Company, ContactLog, Industry, Project, Segment, TargetFirm, User
from crm.money import format_rate, ratio
from crm.services import projects
from crm.services.common import SOURCE_NAMES, Actor
from crm.services.metrics import Filters, Period, _signed_where, _started_expr

STRONG, WEAK, GAP = "强", "弱", "缺"
ALL_TIME = dt.date(1990, 1, 1)


@dataclass(frozen=True)
class SegmentCoverage:
    id: int
    chain_id: int
    parent_id: int | None
    name: str
    stage: str  # 上游 | 中游 | 下游
    position: int
    targets: int = 0
    contacted: int = 0
    leads: int = 0
    negotiating: int = 0
    signed: int = 0
    started: int = 0
    landed: int = 0  # started or producing by as-of, any year (completeness)
    local_firms: int = 0
    children: tuple[str, ...] = ()  # sub-segments' names (top-level segments only)

    @property
    def gap(self) -> bool:
        return self.status == GAP

    @property
    def weak(self) -> bool:
        return self.status == WEAK

    @property
    def status(self) -> str:
        """强 (something signed or started), 弱 (targets, and only leads or talks), 缺."""
        if self.signed or self.started or self.landed:
            return STRONG
        if self.targets and (self.leads or self.negotiating):
            return WEAK
        return GAP

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.stage,
                "parent_id": self.parent_id, "order": self.position,
                "targets": self.targets, "contacted": self.contacted, "leads": self.leads,
                "negotiating": self.negotiating, "signed": self.signed,
                "started": self.started, "local_firms": self.local_firms,
                "gap": self.gap, "weak": self.weak}

    def added(self, other: SegmentCoverage) -> SegmentCoverage:
        return replace(self, **{k: getattr(self, k) + getattr(other, k) for k in _COUNTS})


_COUNTS = ("targets", "contacted", "leads", "negotiating", "signed", "started", "landed",
           "local_firms")


@dataclass(frozen=True)
class ChainCoverage:
    id: int
    name: str
    industry: str
    segments: tuple[SegmentCoverage, ...]  # every segment, in order (sub-segments too)

    @property
    def top(self) -> tuple[SegmentCoverage, ...]:
        """The segments the map draws as boxes (sub-segments are inside them)."""
        return tuple(s for s in self.segments if s.parent_id is None)

    @property
    def completeness(self) -> Decimal | None:
        top = self.top
        return ratio(sum(1 for s in top if s.landed), len(top))

    @property
    def completeness_text(self) -> str:
        return format_rate(self.completeness)

    def count(self, status: str) -> int:
        return sum(1 for s in self.top if s.status == status)

    def to_json(self) -> dict[str, Any]:
        value = self.completeness
        return {"id": self.id, "name": self.name, "industry": self.industry or None,
                "completeness": None if value is None else float(round(value, 4)),
                "completeness_text": self.completeness_text,
                "segments": [s.to_json() for s in self.segments]}


def _live_stage_counts(as_of: dt.date) -> list[Any]:
    """Sums of leads, talks and landed projects by as-of (what the stage was on that day)."""
    def reached(col: Any) -> ColumnElement[bool]:
        return and_(col.is_not(None), col <= as_of)
    dropped = reached(Project.dropped_on)
    later_than_talks = or_(reached(Project.signed_on), reached(Project.started_on),
                           reached(Project.producing_on))
    lead = and_(reached(Project.lead_on), ~reached(Project.negotiating_on), ~later_than_talks,
                ~dropped)
    talks = and_(reached(Project.negotiating_on), ~later_than_talks, ~dropped)
    landed = and_(or_(reached(Project.started_on), reached(Project.producing_on)), ~dropped)
    return [func.coalesce(func.sum(case((cond, 1), else_=0)), 0)
            for cond in (lead, talks, landed)]


def coverage(uow: UnitOfWork, as_of: dt.date, chain_ids: Sequence[int] | None = None,
             period: Period | None = None,
             segment_ids: Sequence[int] | None = None) -> list[ChainCoverage]:
    """Every chain (or those of ``chain_ids``) with its segments' coverage by ``as_of``.
    ``period`` limits signed and started to signings within it (default: all up to as-of);
    ``segment_ids`` reads only those segments (a segment with its sub-segments)."""
    s = uow.session
    chain_stmt = (select(Chain.id, Chain.name, Industry.name)
                  .outerjoin(Industry, Industry.id == Chain.industry_id)
                  .order_by(Chain.position, Chain.id))
    # plain columns, not entities: a chain's 20 rows as ORM objects cost more than their query
    seg_stmt = (select(Segment.id, Segment.chain_id, Segment.parent_id, Segment.name,
                       Segment.stage, Segment.position)
                .order_by(Segment.chain_id, Segment.position, Segment.id))
    if chain_ids is not None:
        chain_stmt = chain_stmt.where(Chain.id.in_(chain_ids))
        seg_stmt = seg_stmt.where(Segment.chain_id.in_(chain_ids))
    if segment_ids is not None:
        seg_stmt = seg_stmt.where(Segment.id.in_(segment_ids))
    chains = list(s.execute(chain_stmt))
    segments: list[Any] = list(s.execute(seg_stmt))
    ids = [seg.id for seg in segments]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        _count_targets(uow, ids, counts, as_of)
        _count_projects(uow, ids, counts, as_of, period)
        firms: Any = s.execute(select(Company.segment_id, func.count())
                               .where(Company.segment_id.in_(ids), Company.deleted_at.is_(None))
                               .group_by(Company.segment_id))
        for seg_id, n in firms:
            counts[seg_id]["local_firms"] = int(n)
    own = {seg.id: SegmentCoverage(seg.id, seg.chain_id, seg.parent_id, seg.name, seg.stage,
                                   seg.position, **counts[seg.id])  # type: ignore[arg-type]
           for seg in segments}
    rolled = dict(own)
    names: dict[int, list[str]] = {}
    for seg in segments:
        if seg.parent_id is not None and seg.parent_id in rolled:
            rolled[seg.parent_id] = rolled[seg.parent_id].added(own[seg.id])
            names.setdefault(seg.parent_id, []).append(seg.name)
    for parent, kids in names.items():
        rolled[parent] = replace(rolled[parent], children=tuple(kids))
    by_chain: dict[int, list[SegmentCoverage]] = {}
    for seg in segments:
        by_chain.setdefault(seg.chain_id, []).append(rolled[seg.id])
    return [ChainCoverage(cid, name, industry or "", tuple(_in_flow_order(by_chain.get(cid, []))))
            for cid, name, industry in chains]


def _in_flow_order(rows: list[SegmentCoverage]) -> list[SegmentCoverage]:
    """上游 → 中游 → 下游, each by its order; a sub-segment right after its parent."""
    rank = {name: i for i, name in enumerate(("上游", "中游", "下游"))}
    top = sorted((r for r in rows if r.parent_id is None),
                 key=lambda r: (rank.get(r.stage, 3), r.position, r.id))
    out: list[SegmentCoverage] = []
    for parent in top:
        out.append(parent)
        out += [r for r in rows if r.parent_id == parent.id]
    # a sub-segment read on its own (its parent not asked for): the map's click on it
    shown = {r.id for r in out}
    out += sorted((r for r in rows if r.id not in shown),
                  key=lambda r: (rank.get(r.stage, 3), r.position, r.id))
    return out


def _count_targets(uow: UnitOfWork, ids: list[int], counts: dict[int, dict[str, int]],
                   as_of: dt.date) -> None:
    """Targets per segment and those contacted. The segments' targets are few (a chain's
    hundreds); asking the log only about their companies reads the log's company index, where
    a correlated EXISTS let PostgreSQL hash the whole log (24 ms at 20,000 logs)."""
    rows: Any = list(uow.session.execute(
        select(TargetFirm.segment_id, TargetFirm.company_id, TargetFirm.project_id)
        .where(TargetFirm.segment_id.in_(ids))))
    companies = {c for _, c, _ in rows if c is not None}
    talked: set[int] = set()
    if companies:
        talked = set(uow.session.scalars(
            select(ContactLog.company_id).where(ContactLog.company_id.in_(companies),
                                                ContactLog.logged_on <= as_of).distinct()))
    for seg_id, company, project in rows:
        bucket = counts[seg_id]
        bucket["targets"] = bucket.get("targets", 0) + 1
        if project is not None or company in talked:
            bucket["contacted"] = bucket.get("contacted", 0) + 1


def _count_projects(uow: UnitOfWork, ids: list[int], counts: dict[int, dict[str, int]],
                    as_of: dt.date, period: Period | None) -> None:
    """One pass over the segments' projects (read through ix_projects_segment_id): the stage
    each was at on as-of, and signed / started exactly as the figures of DESIGN §3 count them
    (``_signed_where`` and ``_started_expr`` of crm.services.metrics)."""
    signed = and_(*_signed_where(period or Period(ALL_TIME, max(as_of, ALL_TIME)), as_of,
                                 Filters()))
    started = and_(signed, _started_expr(as_of))
    sums = [func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in (signed, started)]
    stmt = (select(Project.segment_id, *_live_stage_counts(as_of), *sums)
            .where(Project.deleted_at.is_(None), Project.segment_id.in_(ids))
            .group_by(Project.segment_id))
    rows: Any = uow.session.execute(stmt)
    for seg_id, leads, talks, landed, n_signed, n_started in rows:
        counts[seg_id].update(leads=int(leads), negotiating=int(talks), landed=int(landed),
                              signed=int(n_signed), started=int(n_started))


# --- the map page ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainChoice:
    id: int
    name: str


@dataclass(frozen=True)
class ChainMap:
    """What the 招商图谱 page shows for one chain."""

    chains: tuple[ChainChoice, ...]
    chain: ChainCoverage | None
    can_edit_chains: bool  # managers: 编辑产业链 / 环节
    can_add_targets: bool


def chain_map(uow: UnitOfWork, actor: Actor, chain_id: int | None,
              as_of: dt.date) -> ChainMap:
    """The chains to pick from and the chosen one's segments with coverage (the first chain
    when none or a vanished one is asked for)."""
    chains = tuple(ChainChoice(i, n) for i, n in uow.session.execute(
        select(Chain.id, Chain.name).order_by(Chain.position, Chain.id)))
    known = {c.id for c in chains}
    chosen = chain_id if chain_id in known else (chains[0].id if chains else None)
    data = coverage(uow, as_of, [chosen])[0] if chosen is not None else None
    return ChainMap(chains, data, permissions.allowed(uow, actor, "chains.update_segment"),
                    permissions.allowed(uow, actor, "chains.add_target"))


@dataclass(frozen=True)
class TargetRow:
    id: int
    name: str
    chain_id: int
    chain: str
    segment_id: int
    segment: str
    tier: str
    city: str
    owner_id: int | None
    owner: str
    uscc: str | None
    why: str
    source: str
    company_id: int | None
    project_id: int | None
    project_stage: str | None  # the lead's stage code, once converted
    contacted: bool
    version: int

    @property
    def status(self) -> str:
        if self.project_id is not None:
            return f"已转线索（{stages.NAMES.get(self.project_stage or '', '')}）"
        return "已接洽" if self.contacted else "未接洽"

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "chain": self.chain, "segment": self.segment,
                "tier": self.tier, "city": self.city, "owner": self.owner or None,
                "project_id": self.project_id, "uscc": self.uscc, "contacted": self.contacted}


def _target_select() -> Any:
    owner = aliased(User)
    return (select(TargetFirm, Segment.chain_id, Chain.name, Segment.name, owner.display_name,
                   Project.stage)
            .join(Segment, Segment.id == TargetFirm.segment_id)
            .join(Chain, Chain.id == Segment.chain_id)
            .outerjoin(owner, owner.id == TargetFirm.owner_id)
            .outerjoin(Project, and_(Project.id == TargetFirm.project_id,
                                     Project.deleted_at.is_(None))))


def _target_rows(uow: UnitOfWork, stmt: Any) -> list[TargetRow]:
    found: Any = list(uow.session.execute(stmt))
    companies = sorted({t.company_id for t, *_ in found if t.company_id is not None})
    talked: set[int] = set()
    for start in range(0, len(companies), 5000):  # the log's company index, asked in batches
        talked |= set(uow.session.scalars(select(ContactLog.company_id).where(
            ContactLog.company_id.in_(companies[start:start + 5000])).distinct()))
    out = []
    for t, chain_id, chain, segment, owner, stage in found:
        project_id = t.project_id if stage is not None else None
        out.append(TargetRow(t.id, t.name, chain_id, chain, t.segment_id, segment, t.tier,
                             t.city, t.owner_id, owner or "", t.uscc, t.why, t.source,
                             t.company_id, project_id, stage,
                             t.project_id is not None or t.company_id in talked, t.version))
    return out


def list_targets(uow: UnitOfWork, chain_id: int | None = None,
                 segment_ids: Sequence[int] | None = None) -> list[TargetRow]:
    """Target firms by chain and segment order, each segment's in pinyin order."""
    stmt = _target_select()
    if chain_id is not None:
        stmt = stmt.where(Segment.chain_id == chain_id)
    if segment_ids is not None:
        stmt = stmt.where(TargetFirm.segment_id.in_(segment_ids))
    stmt = stmt.order_by(Chain.position, Chain.id, Segment.position, Segment.id,
                         TargetFirm.sort_key, TargetFirm.id)
    return _target_rows(uow, stmt)


def get_target(uow: UnitOfWork, target_id: int) -> TargetRow:
    rows = _target_rows(uow, _target_select().where(TargetFirm.id == target_id))
    if not rows:
        from crm.errors import NotFoundError
        raise NotFoundError(f"目标企业不存在（编号 {target_id}）", code="target_firms.missing")
    return rows[0]


@dataclass(frozen=True)
class SegmentProject:
    id: int
    name: str
    company: str
    stage: str
    owner: str
    signed_on: dt.date | None
    started_on: dt.date | None

    @property
    def stage_name(self) -> str:
        return stages.NAMES.get(self.stage, self.stage)


@dataclass(frozen=True)
class SegmentDetail:
    """What the map shows beside a clicked segment: its targets and its projects."""

    segment: SegmentCoverage
    targets: tuple[TargetRow, ...]
    projects: tuple[SegmentProject, ...]
    local_firms: tuple[str, ...] = field(default_factory=tuple)
    # the targets the reader may turn into a lead: not yet converted, and theirs or nobody's
    # (a lead owned by someone else is a manager's to make, as on the 项目 page)
    convertible: frozenset[int] = frozenset()


def segment_detail(uow: UnitOfWork, segment_id: int, as_of: dt.date,
                   actor: Actor | None = None) -> SegmentDetail | None:
    """A segment (with its sub-segments) and what it holds; None when it is gone. With
    ``actor``, which targets that reader may turn into leads."""
    seg = uow.session.get(Segment, segment_id)
    if seg is None:
        return None
    ids = [segment_id, *uow.session.scalars(select(Segment.id)
                                            .where(Segment.parent_id == segment_id))]
    chain = coverage(uow, as_of, [seg.chain_id], segment_ids=ids)[0]
    row = next(s for s in chain.segments if s.id == segment_id)
    owner = aliased(User)
    linked = tuple(SegmentProject(*r) for r in uow.session.execute(
        select(Project.id, Project.name, Company.name, Project.stage,
               func.coalesce(owner.display_name, ""), Project.signed_on, Project.started_on)
        .join(Company, Company.id == Project.company_id)
        .outerjoin(owner, owner.id == Project.owner_id)
        .where(Project.segment_id.in_(ids), Project.deleted_at.is_(None))
        .order_by(Project.sort_key, Project.id)))
    firms = tuple(uow.session.scalars(select(Company.name).where(
        Company.segment_id.in_(ids), Company.deleted_at.is_(None)).order_by(Company.sort_key)))
    targets = tuple(list_targets(uow, segment_ids=ids))
    convertible: frozenset[int] = frozenset()
    if actor is not None and permissions.allowed(uow, actor, "chains.convert_target"):
        for_others = permissions.allowed(uow, actor, "projects.create_for_other")
        convertible = frozenset(t.id for t in targets if t.project_id is None and (
            for_others or t.owner_id is None or t.owner_id == actor.user_id))
    return SegmentDetail(row, targets, linked, firms, convertible)


@dataclass(frozen=True)
class SegmentChoice:
    id: int
    label: str  # 上游 · 电子信息新材料


def segment_choices(uow: UnitOfWork, chain_id: int | None = None) -> list[SegmentChoice]:
    """Segments to pick from (forms): ``产业链 · 环节`` unless one chain is given."""
    stmt = (select(Segment.id, Segment.name, Segment.stage, Chain.name, Segment.parent_id)
            .join(Chain, Chain.id == Segment.chain_id)
            .order_by(Chain.position, Chain.id, Segment.position, Segment.id))
    if chain_id is not None:
        stmt = stmt.where(Segment.chain_id == chain_id)
    out = []
    for sid, name, stage, chain, parent in uow.session.execute(stmt):
        shown = f"{stage} · {name}" if chain_id is not None else f"{chain} · {stage} · {name}"
        out.append(SegmentChoice(sid, ("　" if parent else "") + shown))
    return out


def people_choices(uow: UnitOfWork) -> list[tuple[str, int]]:
    """Who may own a target (forms): active staff and managers, by name."""
    return [(name, uid) for uid, name in uow.session.execute(
        select(User.id, User.display_name)
        .where(User.active.is_(True), User.role.in_(("staff", "manager")))
        .order_by(User.sort_key, User.id))]


def project_choices(uow: UnitOfWork, text: str) -> list[tuple[int, str]]:
    """Projects matching what is typed (name, company, USCC, pinyin initials), for a picker."""
    found = projects.project_ids(uow, projects.ProjectQuery(search=text))[:30]
    return [(p.id, f"{p.name}（{p.company}）") for p in projects.project_rows(uow, found)]
