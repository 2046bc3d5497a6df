"""The project list: filters and orders in SQL (:class:`ProjectQuery`), the ids in display
order, the count, and one screen at a time for a province's million projects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select

from crm import counts, search, stages
from crm.bands import BAND_FLOORS
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Project
from crm.services.paging import MARKS_FROM, Marks, Part, ids_of_parts, marks
from crm.services.project_rows import ProjectRow, project_rows
from crm.text import ESC, contains, normalize


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


_STAGE_RANK = case({code: i for i, code in enumerate(stages.ALL)}, value=Project.stage)
SORTS: dict[str, Any] = {
    "name": Project.sort_key,
    # the company's, the owner's, the industry's pinyin keys, copied onto the project
    # (crm.sortkeys) so that each order is one index
    "company": Project.company_key,
    "stage": _STAGE_RANK,
    "planned_investment": Project.planned_investment,
    "signed_on": Project.signed_on,
    "started_on": Project.started_on,
    "updated_at": Project.updated_at,
    "owner": Project.owner_key,
    "industry": Project.industry_key,
    "id": Project.id,
}


def _filtered(uow: UnitOfWork, q: ProjectQuery, columns: Any, *,
              walk: bool = False) -> Select[Any]:
    stmt = select(columns).select_from(Project)
    needle = normalize(q.search)
    live = Project.deleted_at.is_(None)
    if search.by_prefix(uow.session, needle, "projects"):
        # the start of the name, in pinyin (crm.search.prefix): a range of the name order's
        # index, whatever the list's order; ``walk``: tested on each row of the list's order
        # instead (the key hidden from SQLite's planner, see _walk)
        needle = ""
        key: Any = func.coalesce(Project.sort_key, Project.sort_key) if walk else Project.sort_key
        stmt = stmt.where(search.prefix(key, normalize(q.search),
                                        uow.session.get_bind().dialect.name))
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


def _parts(uow: UnitOfWork, q: ProjectQuery, *, walk: bool) -> list[Part]:
    """The list's order as parts, each streaming from one index (crm.services.paging)."""
    key = SORTS.get(q.sort)
    if key is None:
        raise ValidationError(f"未知排序“{q.sort}”", code="sort.unknown")

    needle = normalize(q.search)
    # a substring reads every row; a short needle in a large table is a range of an index
    searching = bool(needle) and not search.by_prefix(uow.session, needle, "projects")

    def part(where: Select[Any], *keys: Any, lead: tuple[Any, ...] = ()) -> Part:
        """The rows of ``where`` ordered by ``keys`` then the id (``lead``: order only, the
        same in every row)."""
        keys = (*keys, Project.id)
        order = (*lead, *keys)
        if searching:
            # A search reads every row anyway: SQLite would walk a sort index (ix_projects_sort,
            # migration 0010, which holds every row) and fetch each row from it, 335 ms at 100k
            # against 90 ms for scanning and sorting the matches. The expressions hide the
            # index from its planner; PostgreSQL is not misled. (All its ids are read at
            # once: no marks.)
            order = (*(func.coalesce(k, k) for k in order[:-1]), Project.id + 0)
            keys = ()
        return Part(where, tuple(k.desc() if q.descending else k.asc() for k in order), keys,
                    q.descending)

    # Each part is read in the order of one index (migration 0002), so the database streams
    # the ids instead of sorting 100k rows (DESIGN §7: jump to row 50,000 within 50 ms).
    base = _filtered(uow, q, Project.id, walk=walk)
    if q.sort == "stage":
        codes = [c for c in stages.ALL if not q.stages or c in q.stages]
        parts = [part(base.where(Project.stage == c))
                 for c in (codes[::-1] if q.descending else codes)]
    elif q.sort == "signed_on" and not q.deleted and not searching:
        # ix_projects_signed_live leads with deleted_at: ordered by it first (NULL in every
        # live row), PostgreSQL sees that the index holds the order (a backward index-only
        # scan for the first screen, where it sorted 600,000 signed projects: 372 ms)
        parts = [part(base.where(key.is_not(None)), key, lead=(Project.deleted_at,)),
                 part(base.where(key.is_(None)), lead=(Project.deleted_at, key))]
    elif q.sort in ("signed_on", "started_on", "planned_investment", "owner", "industry",
                    "company"):
        # blanks last either way; companies in pinyin order, each one's projects together
        # (every project has a company: its part of blanks stays empty)
        keys = (key, Project.company_id) if q.sort == "company" else (key,)
        parts = [part(base.where(key.is_not(None)), *keys),
                 part(base.where(key.is_(None)))]
    elif q.sort == "name" and not q.deleted and not searching:
        # deleted_at is NULL in every live row: ordering by it first changes nothing, and lets
        # PostgreSQL see that ix_projects_live_sort (deleted_at, sort_key, id) already holds the
        # order (an index-only scan, 25 ms, instead of sorting 100k rows, 90 ms). Not while
        # searching: a search reads every row anyway, and walking the index to fetch each row
        # in order takes four times as long (see _filtered).
        parts = [part(base, key, lead=(Project.deleted_at,))]
    elif q.sort == "id":
        parts = [part(base)]
    else:
        parts = [part(base, key)]
    return parts


def project_ids(uow: UnitOfWork, q: ProjectQuery | None = None, *, offset: int = 0,
                limit: int | None = None, marks: Marks | None = None) -> list[int]:
    """The ids of the matching projects in display order (the list view keeps only these);
    ``limit`` of them from row ``offset`` when given, from the nearest of ``marks``
    (:func:`project_marks`). A search of one or two characters matches the start of the
    name in pinyin (crm.search.prefix), a filter like any other."""
    q = q or ProjectQuery()
    if limit is not None and (front := _in_front(uow, q, offset, limit)) is not None:
        return front
    walk = limit is not None and _walk(uow, q, offset + limit)
    return ids_of_parts(uow, _parts(uow, q, walk=walk), offset, limit, marks)


def project_marks(uow: UnitOfWork, q: ProjectQuery) -> Marks | None:
    """The marks of a long list (crm.services.paging), for jumps far down; None where the
    list is short or read whole (a substring search)."""
    q = q or ProjectQuery()
    parts = _parts(uow, q, walk=False)
    if any(not p.keys for p in parts) or count_projects(uow, q) < MARKS_FROM:
        return None
    return marks(uow, parts)


def _walk(uow: UnitOfWork, q: ProjectQuery, rows: int) -> bool:
    """Whether the first ``rows`` of a short needle's projects in another order than the
    name's are found sooner by walking that order's index and testing each row's key than by
    taking the needle's range of the name index and sorting it: each way reads about as many
    rows as it tests, the walk ``rows`` × all ÷ matches, the range all the matches. PostgreSQL
    weighs this itself from its statistics; SQLite's planner always took the range (“h” in
    company order: 133,406 rows sorted, 850 ms; walked, about 1,000 rows)."""
    if q.sort == "name" or uow.session.get_bind().dialect.name != "sqlite" or \
            not search.by_prefix(uow.session, normalize(q.search), "projects"):
        return False
    matches = count_projects(uow, q)
    return matches * matches > rows * max(1, live_count(uow, Project))


ALL_IDS = 100_000  # a list this long reads all its ids at once (within a keystroke)


def project_ids_or_count(uow: UnitOfWork, q: ProjectQuery) -> int | list[int]:
    """What the list reads first: all the ids in order when there are at most
    :data:`ALL_IDS` of them (a search: its matches, found through the trigram index), else
    only the count (a province's million: 1,000,000 ids take a second to read), the list then
    reading each screen with ``project_page``."""
    needle = normalize(q.search)
    if search.by_prefix(uow.session, needle, "projects"):
        return count_projects(uow, q)  # a range of the name index: counted, then paged
    if needle:
        # a short needle that many projects hold: their count, then screens from the name
        # index (_in_front), where sorting all of them took three times as long
        front = _in_front(uow, q, 0, search.PROBE)
        if front is not None and len(front) == search.PROBE:
            return count_projects(uow, q)
        return project_ids(uow, q)
    n = count_projects(uow, q)
    return project_ids(uow, q) if n <= ALL_IDS else n


def _in_front(uow: UnitOfWork, q: ProjectQuery, offset: int, limit: int) -> list[int] | None:
    """A screen of a short needle's substring matches in name order, looked for among the
    first projects of the name index (crm.search.in_front); None where it is not there (a
    rare needle), in another order, in the 回收站."""
    needle = normalize(q.search)
    if not search.short(needle) or q.sort != "name" or q.deleted or \
            search.by_prefix(uow.session, needle, "projects"):
        return None
    live = Project.deleted_at.is_(None)
    return search.in_front(uow.session, select(Project.id).where(live),
                           _filtered(uow, q, Project.id).where(live),
                           (Project.sort_key, Project.id), lead=(Project.deleted_at,),
                           descending=q.descending, offset=offset, limit=limit)


def project_page(uow: UnitOfWork, q: ProjectQuery, offset: int, limit: int,
                 marks: Marks | None = None) -> list[ProjectRow]:
    """The rows of one screen of the list, from row ``offset`` in its order: the ids come
    from the order's index (no sort of the whole table), from the nearest of ``marks``, then
    their rows."""
    return project_rows(uow, project_ids(uow, q, offset=offset, limit=limit, marks=marks))


def count_projects(uow: UnitOfWork, q: ProjectQuery | None = None) -> int:
    """How many projects the list shows (its true total)."""
    q = q or ProjectQuery()
    if q == ProjectQuery(sort=q.sort, descending=q.descending):
        return live_count(uow, Project)
    return int(uow.session.scalar(_filtered(uow, q, func.count())) or 0)


def live_count(uow: UnitOfWork, model: Any) -> int:
    """How many rows of ``model`` (projects, companies) are not in the 回收站. On SQLite: all
    of them less the deleted ones, as it counts a whole table from its pages without reading
    an entry (2 ms at a million, where the live rows' index range took 80–165 ms) and the
    deleted ones are a short range; on PostgreSQL the count kept by crm.counts."""
    kept = counts.kept(uow.session, model.__tablename__)  # PostgreSQL: kept by triggers
    if kept is not None:
        return kept
    deleted = model.deleted_at.is_not(None)
    if uow.session.get_bind().dialect.name == "sqlite":
        every = select(func.count()).select_from(model).scalar_subquery()
        gone = select(func.count()).select_from(model).where(deleted).scalar_subquery()
        return int(uow.session.scalar(select(every - gone)) or 0)
    return int(uow.session.scalar(select(func.count()).select_from(model).where(~deleted))
               or 0)


def list_projects(uow: UnitOfWork, q: ProjectQuery | None = None) -> list[ProjectRow]:
    rows: list[ProjectRow] = []
    ids = project_ids(uow, q)
    for start in range(0, len(ids), 500):
        rows.extend(project_rows(uow, ids[start:start + 500]))
    return rows
