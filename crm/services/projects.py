"""Projects (项目): create, edit, look up, soft delete and restore.

Stage changes live in :mod:`crm.services.pipeline`; a project's row and reading rows by id in
:mod:`crm.services.project_rows`; the list (filters, orders, pages, short searches) in
:mod:`crm.services.project_list`. Their names are re-exported here: callers say
``projects.ProjectRow`` / ``projects.project_ids`` as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from crm import clock, permissions, stages
from crm.bands import BAND_FLOORS, KEY_BAND
from crm.db import UnitOfWork
from crm.errors import ConflictError, NotFoundError, ValidationError
from crm.models import Ambassador, Carrier, Company, Industry, Project, Segment, StageChange, User
from crm.money import check_amount
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    RELOAD,
    SOURCES,
    Actor,
    audit,
    check_date,
    get_or_404,
    optional_text,
    required_text,
)
from crm.services.project_list import (  # noqa: F401  (re-exported)
    ALL_IDS,
    SORTS,
    ProjectQuery,
    count_projects,
    list_projects,
    project_ids,
    project_ids_or_count,
    project_marks,
    project_page,
)
from crm.services.project_rows import (  # noqa: F401  (re-exported)
    ProjectInput,
    ProjectRow,
    get_project,
    project_rows,
)
from crm.text import search_text, sort_key

# 重点项目: the first size band (crm.bands), planned investment ≥ 1亿元
KEY_PROJECT_WAN = BAND_FLOORS[KEY_BAND]


def _check(uow: UnitOfWork, data: ProjectInput) -> dict[str, Any]:
    s = uow.session
    name = required_text(data.name, "项目名称", "name")
    company = get_or_404(s, Company, data.company_id, "企业")
    if data.source not in SOURCES:
        raise ValidationError(f"未知招商来源“{data.source}”", code="source.unknown", field="source")
    for ref, model, label in ((data.industry_id, Industry, "产业"),
                              (data.ambassador_id, Ambassador, "招商大使"),
                              (data.owner_id, User, "招商专员"),
                              (data.carrier_id, Carrier, "载体"),
                              (data.segment_id, Segment, "产业链环节")):
        if ref is not None:
            get_or_404(s, model, ref, label)
    if data.source == "ambassador" and data.ambassador_id is None:
        raise ValidationError("招商来源为招商大使时，请选择是哪位大使", code="ambassador.required",
                              field="ambassador_id")
    # A planned investment of zero says nothing; an expected output or tax of zero can be true
    # (a headquarters, a tax holiday), an area of zero too (no land needed).
    check_amount(data.planned_investment, field="planned_investment", label="计划总投资",
                 positive=True)
    for value, label, fname, money in (
            (data.expected_output, "预计年产值", "expected_output", True),
            (data.expected_tax, "预计年税收", "expected_tax", True),
            (data.land_mu, "用地面积", "land_mu", False),
            (data.floor_area, "需求面积", "floor_area", False)):
        check_amount(value, field=fname, label=label, money=money)
    if data.expected_jobs is not None and data.expected_jobs < 0:
        raise ValidationError("预计就业人数不能为负数", code="expected_jobs.negative",
                              field="expected_jobs")
    lead_on = check_date(data.lead_on, "立项日期", "lead_on", required=False, past=True)
    planned_kind = check_planned_start(data.planned_start_on, data.planned_start_kind)
    values = {f.name: getattr(data, f.name) for f in fields(ProjectInput)}
    values.update(name=name, note=optional_text(data.note), referrer=optional_text(data.referrer),
                  lead_on=lead_on or clock.today(),
                  is_key=(data.planned_investment or 0) >= KEY_PROJECT_WAN,
                  sort_key=sort_key(name),
                  search_text=search_text(name, company.name, company.uscc,
                                              company.former_names))
    values["planned_start_kind"] = planned_kind
    if data.source != "ambassador":
        values["ambassador_id"] = None
    return values


def check_planned_start(on: dt.date | None, kind: str | None) -> str | None:
    """The kind stored with a planned start date: 开工 unless 开业 is given; none without a
    date. A planned date may lie in the past (a ledger's plan that has slipped) or the future."""
    if on is None:
        return None
    check_date(on, "计划开工(开业)日期", "planned_start_on")
    if kind in (None, ""):
        return "开工"
    if kind not in stages.START_KINDS:
        raise ValidationError("计划开工类型应为 开工 或 开业", code="planned_start.kind",
                              field="planned_start_kind")
    return kind


def check_planned_after_signing(project: Project) -> None:
    """A planned start before the signing is a typing error: refused, naming both dates."""
    if (project.planned_start_on is not None and project.signed_on is not None
            and project.planned_start_on < project.signed_on):
        raise ValidationError(f"计划开工(开业)日期 {project.planned_start_on} 早于签约日期 "
                              f"{project.signed_on}：请核对", code="planned_start.before_signing",
                              field="planned_start_on")


def create_project(uow: UnitOfWork, actor: Actor, data: ProjectInput) -> ProjectRow:
    """A new project at stage 线索; staff own what they create unless another owner is set."""
    permissions.require(uow, actor, "projects.create_project")
    if data.owner_id is None and actor.user_id is not None:
        data = replace(data, owner_id=actor.user_id)
    if data.owner_id != actor.user_id:
        permissions.require(uow, actor, "projects.create_for_other")
    values = _check(uow, data)
    duplicate = uow.session.scalar(select(Project.id).where(
        Project.company_id == data.company_id, Project.name == values["name"],
        Project.deleted_at.is_(None)))
    if duplicate:
        raise ValidationError(f"该企业已有同名项目“{values['name']}”", code="name.duplicate",
                              field="name")
    project = Project(stage=stages.LEAD, **values)
    uow.session.add(project)
    uow.session.flush()
    uow.session.add(StageChange(project_id=project.id, from_stage=None, to_stage=stages.LEAD,
                                changed_on=project.lead_on, user_id=actor.user_id,
                                reason="新建"))
    audit(uow, actor, "create", "project", project.id, name=project.name,
          changes=diff({}, snapshot(uow.session, "project", project)))
    return get_project(uow, project.id)


def update_project(uow: UnitOfWork, actor: Actor, project_id: int, data: ProjectInput,
                   expected_version: int | None = None) -> ProjectRow:
    """Save edits; refuses when someone else saved the project since ``expected_version``."""
    project = load_for_write(uow, actor, project_id, expected_version,
                             action="projects.update_project")
    if data.owner_id != project.owner_id:
        permissions.require(uow, actor, "projects.change_owner")
    values = _check(uow, replace(data, lead_on=data.lead_on or project.lead_on))
    if values["lead_on"] != project.lead_on:
        _lead_in_order(project, values["lead_on"])
    before = snapshot(uow.session, "project", project)
    for key, value in values.items():
        setattr(project, key, value)
    check_planned_after_signing(project)
    flush(uow)
    changes = diff(before, snapshot(uow.session, "project", project))
    if changes:
        audit(uow, actor, "update", "project", project.id, name=project.name, changes=changes)
    return get_project(uow, project.id)


def _lead_in_order(project: Project, lead_on: dt.date) -> None:
    """A lead date after one of the project's later milestones is refused: the pipeline's
    dates run 线索 ≤ 在谈 ≤ 签约 ≤ 开工 ≤ 投产 (see :mod:`crm.services.pipeline`)."""
    for when, label in ((project.negotiating_on, "在谈"), (project.signed_on, "签约"),
                        (project.started_on, "开工(开业)"), (project.producing_on, "投产")):
        if when is not None and lead_on > when:
            raise ValidationError(f"线索日期 {lead_on} 晚于{label}日期 {when}：请核对日期",
                                  code="lead_on.order", field="lead_on")


def load_for_write(uow: UnitOfWork, actor: Actor, project_id: int,
                   expected_version: int | None, *,
                   action: str = "projects.load_for_write") -> Project:
    """The project to change, after the permission ``action`` (see :mod:`crm.permissions`)."""
    project = get_or_404(uow.session, Project, project_id, "项目")
    if project.deleted_at is not None:
        raise ValidationError(f"项目“{project.name}”在回收站中，请先恢复", code="project.deleted")
    permissions.require(uow, actor, action, project=project)
    if expected_version is not None and project.version != expected_version:
        raise ConflictError(f"项目“{project.name}”已被他人修改。{RELOAD}",
                            code="project.conflict")
    return project


def flush(uow: UnitOfWork) -> None:
    try:
        uow.session.flush()
    except StaleDataError as exc:
        raise ConflictError(f"该记录已被他人修改。{RELOAD}", code="project.conflict") from exc


def delete_project(uow: UnitOfWork, actor: Actor, project_id: int) -> None:
    """Move to the 回收站 (soft delete): every figure stops counting it; restorable."""
    permissions.require(uow, actor, "projects.delete_project")
    project = get_or_404(uow.session, Project, project_id, "项目")
    project.deleted_at = dt.datetime.now()
    flush(uow)
    audit(uow, actor, "delete", "project", project_id, name=project.name)


def restore_project(uow: UnitOfWork, actor: Actor, project_id: int) -> ProjectRow:
    permissions.require(uow, actor, "projects.restore_project")
    project = get_or_404(uow.session, Project, project_id, "项目")
    project.deleted_at = None
    flush(uow)
    audit(uow, actor, "restore", "project", project_id, name=project.name)
    return get_project(uow, project_id)


# --- reading --------------------------------------------------------------------------------
def find_project(uow: UnitOfWork, ref: str | int) -> ProjectRow:
    """A project by id or exact name (command line)."""
    text = str(ref).strip()
    if text.isdigit():
        return get_project(uow, int(text))
    ids = list(uow.session.scalars(select(Project.id).where(Project.name == text,
                                                            Project.deleted_at.is_(None))))
    if not ids:
        raise NotFoundError(f"找不到项目“{text}”：请写项目编号或完整名称", code="projects.missing")
    if len(ids) > 1:
        raise ValidationError(f"有 {len(ids)} 个项目名为“{text}”，请用编号：{ids}",
                              code="project.ambiguous")
    return get_project(uow, ids[0])


@dataclass(frozen=True)
class StageChangeRow:
    id: int
    from_stage: str | None
    to_stage: str
    changed_on: dt.date
    changed_at: dt.datetime
    user: str
    reason: str
    correction: bool


def stage_history(uow: UnitOfWork, project_id: int) -> list[StageChangeRow]:
    stmt = (select(StageChange, User.display_name)
            .outerjoin(User, User.id == StageChange.user_id)
            .where(StageChange.project_id == project_id)
            .order_by(StageChange.changed_at, StageChange.id))
    return [StageChangeRow(c.id, c.from_stage, c.to_stage, c.changed_on, c.changed_at,
                           name or "系统", c.reason, c.correction)
            for c, name in uow.session.execute(stmt)]
