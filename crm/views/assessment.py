"""A project's 考核 tab: its receipts, milestones, agreements' promises and what is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from crm import permissions
from crm.bands import band_name
from crm.db import UnitOfWork
from crm.models import Agreement, Attachment, Project
from crm.services import assessment, funds, milestones
from crm.services.assessment import BrokenPromise
from crm.services.common import Actor
from crm.services.funds import ReceiptRow
from crm.services.metrics import Filters
from crm.services.milestones import Milestones, PromiseRow


@dataclass(frozen=True)
class ProjectAssessment:
    project_id: int
    name: str
    signed: bool
    band: str  # 规模档次 by 计划总投资, "" under 1 亿元
    receipts: list[ReceiptRow]
    milestones: Milestones
    promises: list[PromiseRow]  # of the live agreements, oldest first
    broken: list[BrokenPromise]  # as of today
    attachments: list[tuple[int, str]]  # (id, file name): what a receipt's evidence can be
    may_funds: bool
    may_milestones: bool
    may_promises: bool


def project_assessment(uow: UnitOfWork, project_id: int, actor: Actor | None,
                       today: dt.date) -> ProjectAssessment | None:
    project = uow.session.get(Project, project_id)
    if project is None or project.deleted_at is not None:
        return None
    agreements = uow.session.scalars(
        select(Agreement.id).where(Agreement.project_id == project_id,
                                   Agreement.voided_at.is_(None))
        .order_by(Agreement.signed_on, Agreement.id))
    files = uow.session.execute(select(Attachment.id, Attachment.filename)
                                .where(Attachment.project_id == project_id)
                                .order_by(Attachment.id)).all()

    def may(action: str) -> bool:
        return actor is not None and permissions.allowed(uow, actor, action, project=project)

    return ProjectAssessment(
        project.id, project.name, project.signed_on is not None,
        band_name(project.planned_investment), funds.receipts(uow, project_id),
        milestones.milestones(uow, project_id),
        [milestones.promises(uow, a) for a in agreements],
        assessment.broken_promises(uow, today, project_id=project_id),
        [(i, name) for i, name in files], may("funds.add_receipt"),
        may("milestones.set_milestones"), may("milestones.set_promises"))


@dataclass(frozen=True)
class PromiseList:
    """The 未履约清单 as one reader sees it: a staff member their own projects', a manager
    everyone's (the same rows as ``crm promises``)."""

    as_of: dt.date
    everyone: bool
    rows: list[BrokenPromise]


def read_promises(uow: UnitOfWork, actor: Actor, today: dt.date) -> PromiseList:
    everyone = actor.is_manager or actor.user_id is None
    filters = Filters() if everyone else Filters(owner_ids=(actor.user_id or 0,))
    return PromiseList(today, everyone, assessment.broken_promises(uow, today, filters))
