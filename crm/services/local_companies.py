"""The investor that signs and the local project company (项目公司) that lands.

The bureau signs with an investor (上海际数科技有限公司); a local company (际数科技(武汉)有限公司)
then obtains its business licence (营业执照取得日期, 2025-07-21) and is what the district counts
as landed. A company may name its investor (``parent_id``) and its licence date; a project keeps
its investor as its company and may name its local company. The licence date can serve as the
project's 开业 milestone when the user chooses so: :func:`start_from_licence` goes through
pipeline.advance, so the figures, the stage history and the audit are those of any start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from crm import permissions, stages
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, Project
from crm.services.audit_fields import diff, snapshot
from crm.services.common import Actor, audit, check_date, get_or_404
from crm.services.pipeline import StartInput, advance
from crm.services.projects import ProjectRow, flush, get_project, load_for_write


@dataclass(frozen=True)
class LocalCompany:
    id: int
    name: str
    uscc: str | None
    licence_on: dt.date | None


def set_parent(uow: UnitOfWork, actor: Actor, company_id: int, parent_id: int | None,
               licence_on: dt.date | None = None) -> None:
    """Make ``company_id`` a local project company of investor ``parent_id`` (None: none),
    with its 营业执照取得日期."""
    company = get_or_404(uow.session, Company, company_id, "企业")
    permissions.require(uow, actor, "local_companies.set_parent", company=company)
    check_date(licence_on, "营业执照取得日期", "licence_on", required=False, past=True)
    if parent_id is not None:
        parent = get_or_404(uow.session, Company, parent_id, "投资方")
        if parent.deleted_at is not None:
            raise ValidationError(f"投资方“{parent.name}”已删除", code="parent.deleted",
                                  field="parent_id")
        seen = {company.id}
        step: Company | None = parent
        while step is not None:  # 甲 → 乙 → 甲 would make each the other's investor
            if step.id in seen:
                raise ValidationError(f"“{parent.name}”是“{company.name}”自己或其项目公司，"
                                      "不能作其投资方", code="parent.cycle", field="parent_id")
            seen.add(step.id)
            step = uow.session.get(Company, step.parent_id) if step.parent_id else None
    before = snapshot(uow.session, "company", company)
    company.parent_id, company.licence_on = parent_id, licence_on
    uow.session.flush()
    changes = diff(before, snapshot(uow.session, "company", company))
    if changes:
        audit(uow, actor, "update", "company", company.id, name=company.name, changes=changes)


def set_local_company(uow: UnitOfWork, actor: Actor, project_id: int,
                      local_company_id: int | None) -> ProjectRow:
    """Name the project's local project company (None: none). A company without an investor
    becomes one of the project's company; one of another investor is refused."""
    project = load_for_write(uow, actor, project_id, None,
                             action="local_companies.set_local_company")
    before = snapshot(uow.session, "project", project)
    if local_company_id is not None:
        local = get_or_404(uow.session, Company, local_company_id, "项目公司")
        investor = get_or_404(uow.session, Company, project.company_id, "企业")
        if local.id == investor.id:
            raise ValidationError("项目公司不能是投资方本身", code="local_company.same",
                                  field="local_company_id")
        if local.parent_id not in (None, investor.id):
            other = uow.session.get(Company, local.parent_id)
            raise ValidationError(
                f"“{local.name}”是“{other.name if other else local.parent_id}”的项目公司，"
                f"不是“{investor.name}”的", code="local_company.parent", field="local_company_id")
        if local.parent_id is None:
            local.parent_id = investor.id
            audit(uow, actor, "update", "company", local.id, name=local.name,
                  changes=[["parent_id", "", investor.name]])
    project.local_company_id = local_company_id
    flush(uow)
    changes = diff(before, snapshot(uow.session, "project", project))
    if changes:
        audit(uow, actor, "update", "project", project.id, name=project.name, changes=changes)
    return get_project(uow, project.id)


def start_from_licence(uow: UnitOfWork, actor: Actor, project_id: int) -> ProjectRow:
    """Record the project's 开业 on its local company's 营业执照取得日期 (the user's choice),
    through the pipeline's own move to 已开工(开业)."""
    project = get_or_404(uow.session, Project, project_id, "项目")
    permissions.require(uow, actor, "local_companies.start_from_licence", project=project)
    local = (uow.session.get(Company, project.local_company_id)
             if project.local_company_id else None)
    if local is None:
        raise ValidationError(f"项目“{project.name}”还没有项目公司", code="licence.no_company")
    if local.licence_on is None:
        raise ValidationError(f"项目公司“{local.name}”还没有营业执照取得日期",
                              code="licence.no_date")
    if project.started_on is not None:
        raise ValidationError(f"项目“{project.name}”已有开工(开业)日期 {project.started_on}",
                              code="licence.started")
    note = f"营业执照取得日期（{local.name}）"
    start = StartInput(local.licence_on, "开业", note)
    if stages.rank(project.stage) > stages.rank(stages.STARTED) or project.stage == stages.DROPPED:
        raise ValidationError(f"项目“{project.name}”处于“{stages.NAMES[project.stage]}”，"
                              "请在推进阶段中补录开业", code="licence.stage")
    return advance(uow, actor, project_id, stages.STARTED, local.licence_on, start=start)


def local_companies(uow: UnitOfWork, investor_id: int) -> list[LocalCompany]:
    """An investor's local project companies."""
    return [LocalCompany(c.id, c.name, c.uscc, c.licence_on) for c in uow.session.scalars(
        select(Company).where(Company.parent_id == investor_id, Company.deleted_at.is_(None))
        .order_by(Company.sort_key, Company.id))]
