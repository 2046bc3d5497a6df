"""接洽记录: every contact with an investor, and the follow-ups it plans."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    func,
    literal_column,
    select,
    true,
    union,
)
from sqlalchemy.orm import aliased

from crm import counts, log_names, permissions, search
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, ContactLog, Project, User
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    Actor,
    audit,
    check_date,
    first_column,
    get_or_404,
    optional_text,
)
from crm.services.paging import MARKS_FROM, Marks, Part, ids_of_parts, marks
from crm.text import ESC, contains

MODES = ("走访", "来访", "电话", "会议", "活动")


@dataclass(frozen=True)
class LogInput:
    logged_on: dt.date
    mode: str
    content: str
    project_id: int | None = None
    company_id: int | None = None
    participants: str = ""
    next_step: str = ""
    follow_up_on: dt.date | None = None
    user_id: int | None = None  # the staff member; defaults to the actor


@dataclass(frozen=True)
class LogRow:
    id: int
    logged_on: dt.date
    user_id: int | None
    user: str
    project_id: int | None
    project: str
    company_id: int | None
    company: str
    mode: str
    participants: str
    content: str
    next_step: str
    follow_up_on: dt.date | None
    follow_up_done: bool


def add_log(uow: UnitOfWork, actor: Actor, data: LogInput) -> LogRow:
    s = uow.session
    permissions.require(uow, actor, "contacts.add_log")
    check_date(data.logged_on, "接洽日期", "logged_on", past=True)
    if data.mode not in MODES:
        raise ValidationError(f"接洽方式应为{'、'.join(MODES)}之一", code="mode.unknown",
                              field="mode")
    content = (data.content or "").strip()
    if not content:
        raise ValidationError("请填写接洽内容", code="content.required", field="content")
    company_id = data.company_id
    if data.project_id is not None:
        project = get_or_404(s, Project, data.project_id, "项目")
        company_id = company_id or project.company_id
    if company_id is None:
        raise ValidationError("请选择接洽的项目或企业", code="target.required", field="project_id")
    get_or_404(s, Company, company_id, "企业")
    follow = check_date(data.follow_up_on, "下次跟进日期", "follow_up_on", required=False)
    if follow is not None and follow < data.logged_on:
        raise ValidationError("下次跟进日期不能早于接洽日期", code="follow_up.before",
                              field="follow_up_on")
    user_id = data.user_id or actor.user_id
    if user_id is not None:
        get_or_404(s, User, user_id, "招商专员")
    if user_id != actor.user_id:
        permissions.require(uow, actor, "contacts.log_for_other")
    log = ContactLog(logged_on=data.logged_on, user_id=user_id, project_id=data.project_id,
                     company_id=company_id, mode=data.mode,
                     participants=optional_text(data.participants), content=content,
                     next_step=optional_text(data.next_step), follow_up_on=follow)
    s.add(log)
    s.flush()
    _audit_log(uow, actor, "log", log, diff({}, snapshot(s, "contact_log", log),
                                             prefix="contact_log"))
    return get_log(uow, log.id)


def _audit_log(uow: UnitOfWork, actor: Actor, action: str, log: ContactLog,
               changes: list[list[str]]) -> None:
    """A contact log is on its project's history, else on its company's."""
    if log.project_id is not None:
        project = uow.session.get(Project, log.project_id)
        audit(uow, actor, action, "project", log.project_id, log_id=log.id,
              name=project.name if project else "", changes=changes)
    else:
        company = uow.session.get(Company, log.company_id)
        audit(uow, actor, action, "company", log.company_id, log_id=log.id,
              name=company.name if company else "", changes=changes)


def complete_follow_up(uow: UnitOfWork, actor: Actor, log_id: int, done: bool = True) -> LogRow:
    log = get_or_404(uow.session, ContactLog, log_id, "接洽记录")
    permissions.require(uow, actor, "contacts.complete_follow_up", log=log)
    before = snapshot(uow.session, "contact_log", log)
    log.follow_up_done = done
    changes = diff(before, snapshot(uow.session, "contact_log", log), prefix="contact_log")
    if changes:
        _audit_log(uow, actor, "follow_up", log, changes)
    return get_log(uow, log_id)


def _select() -> Any:
    user = aliased(User)
    return (select(ContactLog, user.display_name, Project.name, Company.name)
            .outerjoin(user, user.id == ContactLog.user_id)
            .outerjoin(Project, Project.id == ContactLog.project_id)
            .outerjoin(Company, Company.id == ContactLog.company_id))


def _row(r: Any) -> LogRow:
    c = r[0]
    return LogRow(c.id, c.logged_on, c.user_id, r[1] or "", c.project_id, r[2] or "",
                  c.company_id, r[3] or "", c.mode, c.participants, c.content, c.next_step,
                  c.follow_up_on, c.follow_up_done)


def get_log(uow: UnitOfWork, log_id: int) -> LogRow:
    row = uow.session.execute(_select().where(ContactLog.id == log_id)).first()
    if row is None:
        get_or_404(uow.session, ContactLog, log_id, "接洽记录")
    return _row(row)


def list_logs(uow: UnitOfWork, *, project_id: int | None = None, company_id: int | None = None,
              user_id: int | None = None, date_from: dt.date | None = None,
              date_to: dt.date | None = None, search: str = "",
              limit: int | None = 2000) -> list[LogRow]:
    """Logs newest first, every row at once: for short lists (a project's, a report's)."""
    q = LogQuery(search=search, user_id=user_id, project_id=project_id, company_id=company_id,
                 date_from=date_from, date_to=date_to)
    stmt = _select().order_by(ContactLog.logged_on.desc(), ContactLog.id.desc())
    stmt = _where(uow, stmt, q)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_row(r) for r in uow.session.execute(stmt)]


@dataclass(frozen=True)
class LogQuery:
    """Filters and order of the 接洽记录 list; all filtering and sorting happens in SQL."""

    search: str = ""  # in the content, the project's name or the company's name
    user_id: int | None = None
    project_id: int | None = None
    company_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "logged_on"
    descending: bool = True


LOG_SORTS = ("logged_on", "mode", "user", "project", "company", "follow_up_on")


def _filters(q: LogQuery) -> list[ColumnElement[bool]]:
    """The list's filters other than the search."""
    out: list[ColumnElement[bool]] = []
    if q.project_id is not None:
        out.append(ContactLog.project_id == q.project_id)
    if q.company_id is not None:
        out.append(ContactLog.company_id == q.company_id)
    if q.user_id is not None:
        out.append(ContactLog.user_id == q.user_id)
    if q.date_from is not None:
        out.append(ContactLog.logged_on >= q.date_from)
    if q.date_to is not None:
        out.append(ContactLog.logged_on <= q.date_to)
    return out


def _matches(uow: UnitOfWork, q: LogQuery) -> CompoundSelect | ColumnElement[bool] | None:
    """What a search finds: the ids of the matching logs, the other filters applied in each
    part (a union of index reads, counted as it is, without a row: crm.search), or a test of
    each row where the table is scanned; None without a search."""
    needle = q.search.strip()
    filters = _filters(q)

    def ids(where: ColumnElement[bool]) -> Select[Any]:
        return select(ContactLog.id).where(*filters, where)

    if search.by_prefix(uow.session, needle, "contact_logs"):
        # one or two characters: the logs of the projects and companies whose names start so,
        # in pinyin (crm.search.prefix): two ranges of the log's own copies of their keys
        # (crm.sortkeys), united (one OR would test every log)
        dialect = uow.session.get_bind().dialect.name
        return union(ids(search.prefix(ContactLog.project_key, needle, dialect)),
                     ids(search.prefix(ContactLog.company_key, needle, dialect)))
    if not needle:
        return None
    # The matching projects and companies are found once (an IN list), not joined to each
    # of 300k logs: the join is only needed to show a row, never to find one.
    like = contains(needle)
    in_content = ContactLog.content.like(like, escape=ESC)
    projects = select(Project.id).where(Project.name.like(like, escape=ESC))
    companies = select(Company.id).where(Company.name.like(like, escape=ESC))
    logs = search.candidates(uow.session, "contact_logs_fts", ContactLog.id, [needle])
    pg = uow.session.get_bind().dialect.name == "postgresql"
    if logs is None and not (pg and not search.short(needle)):
        found: ColumnElement[bool] = (in_content | ContactLog.project_id.in_(projects)
                                      | ContactLog.company_id.in_(companies))
        return found
    if pg and log_names.SEP not in needle and log_names.present(uow.session):
        # the names from each log's own narrow row (crm.log_names): one index read, where
        # the matching projects' rows were read again and each one's logs looked up
        named: Select[Any] = log_names.named(like, ESC)
        if filters:
            named = ids(ContactLog.id.in_(named))
        return union(ids(in_content), named)
    # through the trigram indexes (crm.search): each part from its own index, LIKE
    # deciding as before, or the index alone where it finds exactly what LIKE does
    for fts, model in (("projects_fts", Project), ("companies_fts", Company)):
        candidates = search.candidates(uow.session, fts, model.id, [needle])
        if candidates is not None:
            if model is Project:
                projects = projects.where(candidates)
            else:
                companies = companies.where(candidates)
    exact = [search.holding(uow.session, fts, column, needle) for fts, column in (
        ("contact_logs_fts", "content"), ("projects_fts", "name"), ("companies_fts", "name"))]
    in_logs = in_content if logs is None else logs & in_content
    # (on PostgreSQL each part from its GIN index: the OR of the three scans every log)
    return union(ids(in_logs if exact[0] is None else ContactLog.id.in_(exact[0])),
                 ids(ContactLog.project_id.in_(projects if exact[1] is None else exact[1])),
                 ids(ContactLog.company_id.in_(companies if exact[2] is None else exact[2])))


def _found(uow: UnitOfWork, q: LogQuery) -> list[int] | None:
    """The ids a search finds, in no order (its union of index reads, read once: a screen is
    then taken among them); None without a search, or where it tests each row (a scan)."""
    found = _matches(uow, q)
    if not isinstance(found, CompoundSelect):
        return None
    return first_column(uow, select(found.subquery().c.id))


def _where(uow: UnitOfWork, stmt: Select[Any], q: LogQuery, *,
           found: list[int] | CTE | None = None, walk: bool = False) -> Select[Any]:
    """``stmt`` filtered as the list is; ``found``: the search's ids already read
    (:func:`_found`); ``walk``: those tested on each row of the order's index as it is walked
    (the id hidden from SQLite's planner, which would fetch each match and sort them)."""
    if isinstance(found, CTE):  # the ids on the server (:func:`_screen_on_server`)
        held = ContactLog.id.in_(select(found.c.id))
        # "IS TRUE" keeps the test a hashed set tested on each row of the order's index as it
        # is walked: a bare IN became a join that read the whole index
        return stmt.where(held.is_(True) if walk else held)
    if found is not None:
        column = ContactLog.id + 0 if walk else ContactLog.id
        return stmt.where(search.among(uow.session, column, found))
    matches = _matches(uow, q)
    if matches is None:
        return stmt.where(*_filters(q))
    if isinstance(matches, CompoundSelect):
        return stmt.where(ContactLog.id.in_(matches))
    return stmt.where(*_filters(q), matches)


def _log_parts(uow: UnitOfWork, q: LogQuery, *, found: list[int] | CTE | None = None,
               walk: bool = False) -> list[Part]:
    """The list's order as parts, each streaming from one index (crm.services.paging);
    ``found``, ``walk``: a search's ids already read, found along the order's index
    (:func:`_walks`) or sorted."""
    if q.sort not in LOG_SORTS:
        raise ValidationError(f"未知排序“{q.sort}”", code="sort.unknown")

    needle = q.search.strip()  # a substring reads every row (a short needle may be a range)
    searching = bool(needle) and not search.by_prefix(uow.session, needle, "contact_logs")

    def part(where: Select[Any], *keys: Any) -> Part:
        keys = (*keys, ContactLog.id)
        order = keys
        if searching and not walk:
            # A search reads every row anyway: scanning the table and sorting the few matches
            # takes a quarter of walking the sort index and fetching each row from it (the
            # expressions hide the index from SQLite's planner; PostgreSQL is not misled).
            # All its ids are read at once: no marks.
            order = (*(func.coalesce(k, k) for k in keys[:-1]), ContactLog.id + 0)
            keys = ()
        return Part(where, tuple(k.desc() if q.descending else k.asc() for k in order), keys,
                    q.descending)

    base = _where(uow, select(ContactLog.id), q, found=found, walk=walk)
    if q.sort in ("logged_on", "mode"):
        return [part(base, getattr(ContactLog, q.sort))]
    if q.sort == "follow_up_on":
        return [part(base.where(ContactLog.follow_up_on.is_not(None)), ContactLog.follow_up_on),
                part(base.where(ContactLog.follow_up_on.is_(None)))]
    # by the project's, company's or person's pinyin key, copied onto the log
    # (crm.sortkeys): one index, where walking a million projects to reach row 50,000
    # took 180 ms (and PostgreSQL sorted every log by person)
    column: Any
    key: Any
    column, key = {"project": (ContactLog.project_id, ContactLog.project_key),
                   "company": (ContactLog.company_id, ContactLog.company_key),
                   "user": (ContactLog.user_id, ContactLog.user_key)}[q.sort]
    return [part(base.where(key.is_not(None)), key, column),
            part(base.where(key.is_(None)))]


def log_ids(uow: UnitOfWork, q: LogQuery | None = None, offset: int = 0,
            limit: int | None = None, marks: Marks | None = None) -> list[int]:
    """The ids of the matching logs in display order, from ``offset`` (``limit`` of them),
    from the nearest of ``marks`` (:func:`log_marks`) when given.

    The list view reads a page at a time: at 300k logs all the ids take 250 ms to read, a
    page 1–30 ms at any offset. Each order streams from an index (migration 0010) instead of
    sorting 300k rows; by person, project or company the database walks that table in pinyin
    order and each one's logs from its index. Ties go by id in the same direction; logs
    without a follow-up date, a person, a project or a company come last. A search's page
    reads the matches' ids first (no row), then walks the order's index testing each entry
    against them, or sorts them where they are too rare for a walk (:func:`_walks`).
    """
    q = q or LogQuery()
    found = _found(uow, q) if limit is not None else None  # a search's page: its ids first
    walk = found is not None and _walks(uow, len(found), offset + (limit or 0))
    return ids_of_parts(uow, _log_parts(uow, q, found=found, walk=walk), offset, limit, marks)


WALK = 16  # reading a row of an index costs about this share of fetching and sorting a match


def _walks(uow: UnitOfWork, matches: int, rows: int) -> bool:
    """Whether the first ``rows`` of a search's matches are found sooner by walking the
    order's index and testing each entry against the matches (a set of ids, no row read)
    than by fetching every match and sorting them: the walk reads about ``rows`` × all ÷
    matches entries, the sort fetches every match, each fetch costing about :data:`WALK`
    entries. A search's first screen walks: “科” among a million logs has 33,543 matches
    (6,000 entries walked for 200 of them)."""
    return matches >= _walk_from(uow, rows)


def _walk_from(uow: UnitOfWork, rows: int) -> int:
    """The fewest matches whose first ``rows`` :func:`_walks` finds by walking."""
    total = counts.kept(uow.session, "contact_logs")  # else the last id: near enough
    if total is None:
        total = int(uow.session.scalar(select(func.max(ContactLog.id))) or 0)
    need = rows * max(1, total)
    if WALK <= 0:
        return NEVER
    least = math.isqrt(need // WALK)
    while least * least * WALK < need:
        least += 1
    return min(least, NEVER)


NEVER = 2**31 - 1  # more matches than a list holds


def log_marks(uow: UnitOfWork, q: LogQuery) -> Marks | None:
    """The marks of a long list (crm.services.paging), for jumps far down; None where the
    list is short or read whole (a substring search)."""
    parts = _log_parts(uow, q)
    if any(not p.keys for p in parts) or count_logs(uow, q) < MARKS_FROM:
        return None
    return marks(uow, parts)


ALL_FOUND = 1000  # a search with at most this many matches reads them all at once
SCREEN = 200  # the list's first screen (ui.models.id_list.BATCH), read with a search's count


def log_ids_or_count(uow: UnitOfWork, q: LogQuery) -> int | list[int | None]:
    """What the list reads first: the count (1–40 ms at 300k logs; pages follow). A search
    reads its matches' ids once (the union of its index reads, no row) and returns them in
    order where there are at most :data:`ALL_FOUND`, else the first screen's ids followed by
    None for each row still to be read (the count): sorting all of a million logs' matches
    took 125–310 ms, the screen is found along the order's index (:func:`_walks`)."""
    matches = _matches(uow, q)
    if not isinstance(matches, CompoundSelect):
        # no search, or a scan of a district's logs: all its ids in that scan
        needle = q.search.strip()
        substring = needle and not search.by_prefix(uow.session, needle, "contact_logs")
        return list(log_ids(uow, q)) if substring else count_logs(uow, q)
    if uow.session.get_bind().dialect.name == "postgresql":
        count, ids, walked = _screen_on_server(uow, q, matches)
        if walked:  # the first screen of many
            return [*ids, *([None] * (count - len(ids)))]
        found = ids  # every match (too few to walk): ordered below
    else:
        found = first_column(uow, select(matches.subquery().c.id))
    if len(found) <= ALL_FOUND:
        return list(ids_of_parts(uow, _log_parts(uow, q, found=found), 0, None))
    walk = _walks(uow, len(found), SCREEN)
    first: list[int | None] = list(
        ids_of_parts(uow, _log_parts(uow, q, found=found, walk=walk), 0, SCREEN))
    return first + [None] * (len(found) - len(first))


def _screen_on_server(uow: UnitOfWork, q: LogQuery,
                      matches: CompoundSelect) -> tuple[int, list[int], bool]:
    """PostgreSQL: a search's count, and its first screen where it has enough matches to walk
    (:func:`_walks`; True), else all its ids in no order (False); one statement, the matches kept on the
    server. Sending 33,543 ids back as a parameter cost more than finding them (the driver
    converting each, the planner estimating each): “科” among a million logs, 55 → 25 ms."""
    found = matches.cte("found").prefix_with("MATERIALIZED")
    counted = select(func.count().label("n")).select_from(found).cte("counted")
    n = counted.c.n
    walk_from = max(_walk_from(uow, SCREEN), ALL_FOUND + 1)  # at most ALL_FOUND: all, ordered
    walking = n >= walk_from
    # each part of the order walked in turn while the screen is not full (a branch of a CASE
    # that is not taken is not run; each part's screen a CTE of its own, read once)
    screen: Any = literal_column("'{}'::integer[]")
    rows: Any = counted  # one row each, side by side
    for i, part in enumerate(_log_parts(uow, q, found=found, walk=True)):
        ids = func.array(part.ordered().limit(SCREEN).scalar_subquery())
        more = walking if i == 0 else and_(walking, func.cardinality(screen) < SCREEN)
        step = select(case((more, screen.op("||")(ids)), else_=screen).label("ids")
                      ).select_from(rows).cte(f"screen{i}")
        rows = rows.join(step, true())
        screen = step.c.ids
    first = case((walking, screen), else_=func.array(select(found.c.id).scalar_subquery()))
    row = uow.session.execute(select(n, first).select_from(rows)).one()
    count = int(row[0])
    if count >= walk_from:
        return count, list(row[1] or [])[:SCREEN], True
    return count, list(row[1] or []), False


def count_logs(uow: UnitOfWork, q: LogQuery | None = None) -> int:
    """How many logs match (the list's true total; all of them on PostgreSQL: crm.counts)."""
    if q is None or q == LogQuery(sort=q.sort, descending=q.descending):
        kept = counts.kept(uow.session, "contact_logs")
        if kept is not None:
            return kept
    found = _matches(uow, q) if q is not None else None
    if isinstance(found, CompoundSelect):  # the union's ids, counted without a row
        return int(uow.session.scalar(select(func.count()).select_from(found.subquery())) or 0)
    return int(uow.session.scalar(
        _where(uow, select(func.count()).select_from(ContactLog), q or LogQuery())) or 0)


def log_rows(uow: UnitOfWork, ids: list[int]) -> list[LogRow]:
    """Rows for these ids, in the same order (one query per batch)."""
    if not ids:
        return []
    found = {r[0].id: _row(r) for r in uow.session.execute(
        _select().where(ContactLog.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def log_page(uow: UnitOfWork, q: LogQuery, offset: int, limit: int,
             marks: Marks | None = None) -> list[LogRow]:
    """The rows of one page of the list (its ids and their rows in one unit of work)."""
    return log_rows(uow, log_ids(uow, q, offset, limit, marks))
