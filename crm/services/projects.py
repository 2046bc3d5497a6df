"""Projects (项目): create, edit, look up, list, soft delete and restore.

Stage changes live in :mod:`crm.services.pipeline`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from crm import clock, permissions, search, stages
from crm.bands import BAND_FLOORS, KEY_BAND
from crm.db import UnitOfWork
from crm.errors import ConflictError, NotFoundError, ValidationError
from crm.models import (
    Agreement,
    Ambassador,
    Carrier,
    Company,
    Event,
    Industry,
    Project,
    Segment,
    StageChange,
    User,
)
from crm.money import check_amount
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    RELOAD,
    SOURCE_NAMES,
    SOURCES,
    Actor,
    audit,
    check_date,
    first_column,
    get_or_404,
    optional_text,
    required_text,
)
from crm.text import ESC, contains, normalize, search_text, sort_key

# 重点项目: the first size band (crm.bands), planned investment ≥ 1亿元
KEY_PROJECT_WAN = BAND_FLOORS[KEY_BAND]


@dataclass(frozen=True)
class ProjectInput:
    """What a person types for a project (amounts in 万元)."""

    name: str
    company_id: int
    industry_id: int | None = None
    planned_investment: Decimal | None = None
    source: str = "self"
    ambassador_id: int | None = None
    referrer: str = ""
    owner_id: int | None = None
    carrier_id: int | None = None
    land_mu: Decimal | None = None
    floor_area: Decimal | None = None
    expected_output: Decimal | None = None
    expected_tax: Decimal | None = None
    expected_jobs: int | None = None
    note: str = ""
    lead_on: dt.date | None = None
    # 计划开工(开业)日期 and its kind (开工 | 开业): the year-end forecast and 逾期未开工
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None
    # 招商图谱: the chain segment (产业链环节) the project fills, None for none
    segment_id: int | None = None


@dataclass(frozen=True)
class ProjectRow:
    id: int
    name: str
    company_id: int
    company: str
    uscc: str | None
    industry_id: int | None
    industry: str
    planned_investment: Decimal | None
    source: str
    ambassador_id: int | None
    ambassador: str
    referrer: str
    owner_id: int | None
    owner: str
    stage: str
    carrier_id: int | None
    carrier: str
    land_mu: Decimal | None
    floor_area: Decimal | None
    expected_output: Decimal | None
    expected_tax: Decimal | None
    expected_jobs: int | None
    is_key: bool
    note: str
    lead_on: dt.date | None
    negotiating_on: dt.date | None
    signed_on: dt.date | None
    signing_event_id: int | None
    signing_event: str
    started_on: dt.date | None
    start_kind: str | None
    producing_on: dt.date | None
    dropped_on: dt.date | None
    drop_reason: str
    registered_on: dt.date | None
    signed_amount: Decimal
    version: int
    deleted: bool
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None
    local_company_id: int | None = None  # 项目公司 (crm.services.local_companies)
    segment_id: int | None = None  # 产业链环节 (招商图谱)

    def overdue_on(self, today: dt.date) -> bool:
        """逾期未开工 (docs/figures.md): signed, its planned start date passed (before
        ``today``) without a start, not dropped."""
        return (self.signed_on is not None and self.started_on is None
                and self.dropped_on is None and self.planned_start_on is not None
                and self.planned_start_on < today)

    @property
    def stage_name(self) -> str:
        return stages.NAMES[self.stage]

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    def to_input(self, **changes: Any) -> ProjectInput:
        """The editable part of this row, with ``changes`` applied."""
        base = ProjectInput(**{f.name: getattr(self, f.name) for f in fields(ProjectInput)})
        return replace(base, **changes)


@dataclass(frozen=True)
class ProjectQuery:
    """Filters and order of the project list; all filtering and sorting happens in SQL."""

    search: str = ""
    stages: tuple[str, ...] = ()
    industry_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    company_id: int | None = None
    carrier_id: int | None = None
    event_id: int | None = None
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None
    band: str | None = None  # 规模档次 (crm.bands): 计划总投资 at least its floor
    deleted: bool = False  # True: the 回收站
    sort: str = "name"
    descending: bool = False




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
def _row_select() -> Any:
    owner = aliased(User)
    amount = (select(func.coalesce(func.sum(Agreement.amount), 0))
              .where(Agreement.project_id == Project.id, Agreement.voided_at.is_(None))
              .correlate(Project).scalar_subquery())
    return (select(Project, Company.name, Company.uscc, Industry.name, Ambassador.name,
                   owner.display_name, Carrier.name, Event.name, amount)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(Industry, Industry.id == Project.industry_id)
            .outerjoin(Ambassador, Ambassador.id == Project.ambassador_id)
            .outerjoin(owner, owner.id == Project.owner_id)
            .outerjoin(Carrier, Carrier.id == Project.carrier_id)
            .outerjoin(Event, Event.id == Project.signing_event_id))


def _to_row(r: Any) -> ProjectRow:
    p: Project = r[0]
    amount = Decimal(r[8] or 0)  # already 万元: the sum keeps the column's Money type
    return ProjectRow(
        id=p.id, name=p.name, company_id=p.company_id, company=r[1], uscc=r[2],
        industry_id=p.industry_id, industry=r[3] or "", planned_investment=p.planned_investment,
        source=p.source, ambassador_id=p.ambassador_id, ambassador=r[4] or "",
        referrer=p.referrer, owner_id=p.owner_id, owner=r[5] or "", stage=p.stage,
        carrier_id=p.carrier_id, carrier=r[6] or "", land_mu=p.land_mu, floor_area=p.floor_area,
        expected_output=p.expected_output, expected_tax=p.expected_tax,
        expected_jobs=p.expected_jobs, is_key=p.is_key, note=p.note, lead_on=p.lead_on,
        negotiating_on=p.negotiating_on, signed_on=p.signed_on,
        signing_event_id=p.signing_event_id, signing_event=r[7] or "",
        started_on=p.started_on, start_kind=p.start_kind, producing_on=p.producing_on,
        dropped_on=p.dropped_on, drop_reason=p.drop_reason, registered_on=p.registered_on,
        signed_amount=amount.quantize(Decimal("0.0001")), version=p.version,
        deleted=p.deleted_at is not None, planned_start_on=p.planned_start_on,
        planned_start_kind=p.planned_start_kind, local_company_id=p.local_company_id,
        segment_id=p.segment_id)


def get_project(uow: UnitOfWork, project_id: int) -> ProjectRow:
    row = uow.session.execute(_row_select().where(Project.id == project_id)).first()
    if row is None:
        get_or_404(uow.session, Project, project_id, "项目")
    return _to_row(row)


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


_STAGE_RANK = case({code: i for i, code in enumerate(stages.ALL)}, value=Project.stage)
SORTS: dict[str, Any] = {
    "name": Project.sort_key,
    "company": Company.sort_key,
    "stage": _STAGE_RANK,
    "planned_investment": Project.planned_investment,
    "signed_on": Project.signed_on,
    "started_on": Project.started_on,
    "updated_at": Project.updated_at,
    "owner": User.sort_key,
    "industry": Industry.sort_key,
    "id": Project.id,
}


def _filtered(uow: UnitOfWork, q: ProjectQuery, columns: Any) -> Select[Any]:
    stmt = select(columns).select_from(Project)
    if q.sort == "company":
        stmt = stmt.join(Company, Company.id == Project.company_id)
    if q.sort == "owner":
        stmt = stmt.outerjoin(User, User.id == Project.owner_id)
    if q.sort == "industry":
        stmt = stmt.outerjoin(Industry, Industry.id == Project.industry_id)
    needle = normalize(q.search)
    live = Project.deleted_at.is_(None)
    if needle:
        # A substring search reads every row anyway. Hiding deleted_at from the planner keeps
        # SQLite from walking the sort index and fetching each row from it, which is four times
        # slower than a scan at 100k projects (DESIGN §7: a keystroke within 100 ms).
        live = func.coalesce(Project.deleted_at, Project.deleted_at).is_(None)
    stmt = stmt.where(~live if q.deleted else live)
    if needle:
        # the trigram index finds the candidates (crm.search), LIKE decides as it always did
        found = search.candidates(uow.session, "projects_fts", Project.id, [needle])
        if found is not None:
            stmt = stmt.where(found)
        stmt = stmt.where(Project.search_text.like(contains(needle), escape=ESC))
    if q.stages:
        stmt = stmt.where(Project.stage.in_(q.stages))
    if q.industry_ids:
        stmt = stmt.where(Project.industry_id.in_(q.industry_ids))
    if q.owner_ids:
        stmt = stmt.where(Project.owner_id.in_(q.owner_ids))
    if q.sources:
        stmt = stmt.where(Project.source.in_(q.sources))
    if q.company_id is not None:
        stmt = stmt.where(Project.company_id == q.company_id)
    if q.carrier_id is not None:
        stmt = stmt.where(Project.carrier_id == q.carrier_id)
    if q.event_id is not None:
        stmt = stmt.where(Project.signing_event_id == q.event_id)
    if q.signed_from is not None:
        stmt = stmt.where(Project.signed_on >= q.signed_from)
    if q.signed_to is not None:
        stmt = stmt.where(Project.signed_on <= q.signed_to)
    if q.band:
        stmt = stmt.where(Project.planned_investment >= BAND_FLOORS[q.band])
    return stmt


def project_ids(uow: UnitOfWork, q: ProjectQuery | None = None, *, offset: int = 0,
                limit: int | None = None) -> list[int]:
    """The ids of the matching projects in display order (the list view keeps only these);
    ``limit`` of them from row ``offset`` when given. A search of one or two characters looks
    in the first ``search.SHORT_SCAN`` projects only (see ``_short_search``)."""
    q = q or ProjectQuery()
    key = SORTS.get(q.sort)
    if key is None:
        raise ValidationError(f"未知排序“{q.sort}”", code="sort.unknown")

    needle = normalize(q.search)
    if search.short(needle):
        found = _short_search(uow, q, needle)
        return found[offset:None if limit is None else offset + limit]
    searching = bool(needle)

    def ordered(*keys: Any) -> list[Any]:
        keys = (*keys, Project.id)
        if searching:
            # A search reads every row anyway: SQLite would walk a sort index (ix_projects_sort,
            # migration 0010, which holds every row) and fetch each row from it, 335 ms at 100k
            # against 90 ms for scanning and sorting the matches. The expressions hide the
            # index from its planner; PostgreSQL is not misled.
            keys = (*(func.coalesce(k, k) for k in keys[:-1]), Project.id + 0)
        return [k.desc() if q.descending else k.asc() for k in keys]

    # Each part is read in the order of one index (migration 0002), so the database streams
    # the ids instead of sorting 100k rows (DESIGN §7: jump to row 50,000 within 50 ms).
    base = _filtered(uow, q, Project.id)
    if q.sort == "stage":
        codes = [c for c in stages.ALL if not q.stages or c in q.stages]
        parts = [base.where(Project.stage == c).order_by(*ordered())
                 for c in (codes[::-1] if q.descending else codes)]
    elif q.sort in ("signed_on", "started_on", "planned_investment"):  # blanks last either way
        parts = [base.where(key.is_not(None)).order_by(*ordered(key)),
                 base.where(key.is_(None)).order_by(*ordered())]
    elif q.sort == "company":  # companies in pinyin order, each one's projects together
        parts = [base.order_by(*ordered(key, Company.id))]
    elif q.sort == "name" and not q.deleted and not normalize(q.search):
        # deleted_at is NULL in every live row: ordering by it first changes nothing, and lets
        # PostgreSQL see that ix_projects_live_sort (deleted_at, sort_key, id) already holds the
        # order (an index-only scan, 25 ms, instead of sorting 100k rows, 90 ms). Not while
        # searching: a search reads every row anyway, and walking the index to fetch each row
        # in order takes four times as long (see _filtered).
        parts = [base.order_by(*ordered(Project.deleted_at, key))]
    else:
        parts = [base.order_by(*ordered(key))]
    ids: list[int] = []
    for i, part in enumerate(parts):
        if limit is not None and len(ids) >= limit:
            break
        stmt = part.offset(offset) if offset else part
        if limit is not None:
            stmt = stmt.limit(limit - len(ids))
        found = first_column(uow, stmt)
        if offset and not found and i < len(parts) - 1:
            # the page starts in a later part: only then is this part counted
            offset -= int(uow.session.scalar(select(func.count()).select_from(part.subquery()))
                          or 0)
            continue
        ids.extend(found)
        offset = 0
    return ids


ALL_IDS = 100_000  # a list this long reads all its ids at once (within a keystroke)


def project_ids_or_count(uow: UnitOfWork, q: ProjectQuery) -> int | list[int]:
    """What the list reads first: all the ids in order when there are at most
    :data:`ALL_IDS` of them (a search: its matches, found through the trigram index), else
    only the count (a province's million: 1,000,000 ids take a second to read), the list then
    reading each screen with ``project_page``."""
    if normalize(q.search):
        return project_ids(uow, q)
    n = count_projects(uow, q)
    return project_ids(uow, q) if n <= ALL_IDS else n


def project_page(uow: UnitOfWork, q: ProjectQuery, offset: int, limit: int) -> list[ProjectRow]:
    """The rows of one screen of the list, from row ``offset`` in its order: the ids come
    from the order's index (no sort of the whole table), then their rows."""
    return project_rows(uow, project_ids(uow, q, offset=offset, limit=limit))


def _short_search(uow: UnitOfWork, q: ProjectQuery, needle: str) -> list[int]:
    """A needle of one or two characters has no trigram (crm.search): it is looked for in the
    first :data:`~crm.search.SHORT_SCAN` projects of the list's order (read from its index),
    never in all of them: a bounded read per keystroke at any size. The third character
    searches everything (``search.short`` tells the window to say so)."""
    window = project_ids(uow, replace(q, search=""), limit=search.SHORT_SCAN)
    # coalesce: PostgreSQL must not answer a pattern without a trigram from the GIN index
    # (it would read all of it); the window's rows are fetched by id instead
    like = func.coalesce(Project.search_text, "").like(contains(needle), escape=ESC)
    found: set[int] = set()
    for part in search.among(uow.session, Project.id, window):
        found.update(first_column(uow, select(Project.id).where(part, like)))
    return [i for i in window if i in found]


def count_projects(uow: UnitOfWork, q: ProjectQuery | None = None) -> int:
    return int(uow.session.scalar(_filtered(uow, q or ProjectQuery(), func.count(Project.id)))
               or 0)


def project_rows(uow: UnitOfWork, ids: list[int]) -> list[ProjectRow]:
    """Rows for these ids, in the same order (one query per batch)."""
    if not ids:
        return []
    found = {r[0].id: _to_row(r) for r in uow.session.execute(
        _row_select().where(Project.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def list_projects(uow: UnitOfWork, q: ProjectQuery | None = None) -> list[ProjectRow]:
    rows: list[ProjectRow] = []
    ids = project_ids(uow, q)
    for start in range(0, len(ids), 500):
        rows.extend(project_rows(uow, ids[start:start + 500]))
    return rows


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
