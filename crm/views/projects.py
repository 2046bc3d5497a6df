"""The 项目 page: a project's detail, the board, the form's lookups, pickers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm import permissions, stages
from crm.db import UnitOfWork
from crm.errors import NotFoundError
from crm.models import Chain, Company, Project, Segment
from crm.services import attachments, audit, contacts, dictionaries, pipeline, users
from crm.services.attachments import AttachmentRow
from crm.services.audit import HistoryEntry
from crm.services.common import Actor
from crm.services.companies import list_companies
from crm.services.contacts import LogRow
from crm.services.pipeline import AgreementRow, FundingRow, StartRow
from crm.services.projects import (
    ProjectQuery,
    ProjectRow,
    StageChangeRow,
    count_projects,
    get_project,
    list_projects,
    project_ids,
    project_rows,
    stage_history,
)
from crm.services.users import UserRow

CARD_LIMIT = 200  # cards per board column; its header shows the true count
LIST_LIMIT = 2000  # projects listed under an event or a carrier; the 项目 page shows any number


@dataclass(frozen=True)
class ProjectDetails:
    row: ProjectRow
    logs: list[LogRow]
    agreements: list[AgreementRow]
    starts: list[StartRow]
    fundings: list[FundingRow]
    history: list[StageChangeRow]
    attachments: list[AttachmentRow] = field(default_factory=list)
    changes: list[HistoryEntry] = field(default_factory=list)  # 变更记录, newest first
    funds_total: Decimal = Decimal(0)  # 到位资金, as pipeline.funds_total counts it
    allowed: frozenset[str] = frozenset()  # what the reader may do to it (crm.permissions)
    segment: str = ""  # 招商图谱: the chain segment it fills, ``产业链 · 上游 · 环节``
    local_company: str = ""  # 项目公司 with its 营业执照取得日期, "" for none

    @property
    def editable(self) -> bool:
        return "projects.update_project" in self.allowed


# What a project's screen offers, each shown only to whom crm.permissions lets do it.
PROJECT_ACTIONS = ("projects.update_project", "pipeline.advance", "pipeline.drop",
                   "pipeline.correct_back", "pipeline.add_agreement", "pipeline.add_funding",
                   "pipeline.set_registered", "attachments.add_attachment",
                   "projects.delete_project", "projects.restore_project")


def load_details(uow: UnitOfWork, project_id: int, actor: Actor | None = None
                 ) -> ProjectDetails | None:
    try:
        row = get_project(uow, project_id)
    except NotFoundError:
        return None
    project = uow.session.get(Project, project_id)
    allowed = frozenset(
        a for a in PROJECT_ACTIONS
        if actor is not None and project is not None
        and permissions.allowed(uow, actor, a, project=project)) if actor else frozenset()
    return ProjectDetails(row, contacts.list_logs(uow, project_id=project_id, limit=500),
                          pipeline.agreements(uow, project_id), pipeline.starts(uow, project_id),
                          pipeline.fundings(uow, project_id), stage_history(uow, project_id),
                          attachments.list_attachments(uow, project_id),
                          audit.project_history(uow, project_id),
                          pipeline.funds_total(uow, project_id), allowed,
                          segment_label(uow, project.segment_id if project else None),
                          _local_company(uow, row.local_company_id))


def _local_company(uow: UnitOfWork, company_id: int | None) -> str:
    """``际数科技(武汉)有限公司（营业执照 2025-07-21）``: the project's local project company."""
    local = uow.session.get(Company, company_id) if company_id is not None else None
    if local is None:
        return ""
    return local.name + (f"（营业执照 {local.licence_on}）" if local.licence_on else "")


def segment_label(uow: UnitOfWork, segment_id: int | None) -> str:
    """``产业链 · 上游 · 环节`` of a project's segment (招商图谱), or ""."""
    segment = uow.session.get(Segment, segment_id) if segment_id is not None else None
    chain = uow.session.get(Chain, segment.chain_id) if segment is not None else None
    return f"{chain.name} · {segment.stage} · {segment.name}" if segment and chain else ""


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    total: int
    rows: list[ProjectRow]


def load_board(uow: UnitOfWork, base: ProjectQuery, limit: int = CARD_LIMIT) -> list[BoardColumn]:
    """Per stage: how many projects match ``base`` (counted in SQL) and the newest ``limit``."""
    out = []
    for code in stages.ALL:
        query = replace(base, stages=(code,), sort="updated_at", descending=True)
        ids = project_ids(uow, query)[:limit]
        out.append(BoardColumn(code, count_projects(uow, query), project_rows(uow, ids)))
    return out


@dataclass(frozen=True)
class Lookups:
    """The small reference lists a project form offers."""

    industries: list[dictionaries.NamedRow]
    users: list[UserRow]
    ambassadors: list[dictionaries.AmbassadorRow]
    carriers: list[dictionaries.CarrierRow]
    # 产业链环节 (招商图谱) as (id, ``产业链 / 上游 / 环节``), a chain's segments in flow order
    segments: list[tuple[int, str]] = field(default_factory=list)


def load_lookups(uow: UnitOfWork) -> Lookups:
    return Lookups(dictionaries.list_industries(uow), users.list_users(uow),
                   dictionaries.list_ambassadors(uow), dictionaries.list_carriers(uow),
                   segment_options(uow))


def segment_options(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Every segment a project or company may be put into: ``新材料 / 上游 / 电子信息新材料``,
    a sub-segment under its parent (``新材料 / 中游 / 新能源材料 / 正极材料``), chains in
    their order, segments 上游 → 中游 → 下游."""
    rank = {name: i for i, name in enumerate(("上游", "中游", "下游"))}
    rows = list(uow.session.execute(
        select(Segment.id, Segment.name, Segment.stage, Segment.parent_id, Segment.position,
               Chain.name, Chain.position, Chain.id)
        .join(Chain, Chain.id == Segment.chain_id)))
    by_id = {r.id: r for r in rows}

    def key(r: Any) -> tuple[Any, ...]:
        top = by_id.get(r.parent_id, r) if r.parent_id is not None else r
        return (r[6], r[7], rank.get(top.stage, 3), top.position, top.id,
                r.parent_id is not None, r.position, r.id)
    out = []
    for r in sorted(rows, key=key):
        parent = by_id.get(r.parent_id) if r.parent_id is not None else None
        path = [r[5], (parent or r).stage, *([parent.name] if parent else []), r.name]
        out.append((r.id, " / ".join(path)))
    return out


def company_choices(uow: UnitOfWork, text: str) -> list[tuple[int, str]]:
    """Companies a picker offers for what was typed (name, USCC or pinyin initials)."""
    return [(c.id, c.name) for c in list_companies(uow, text, limit=30)]


def project_choices(uow: UnitOfWork, text: str) -> list[tuple[int, str]]:
    ids = project_ids(uow, ProjectQuery(search=text))[:30]
    return [(r.id, f"{r.name}（{r.company}）") for r in project_rows(uow, ids)]


def projects_for(uow: UnitOfWork, query: ProjectQuery) -> list[ProjectRow]:
    """The projects listed under an event or a carrier."""
    return list_projects(uow, query)[:LIST_LIMIT]
