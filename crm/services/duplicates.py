"""The same company twice: the 重复企业 list (the check where companies enter is
crm.services.company_check).

The 重复企业 list
(:func:`duplicate_pairs`) compares the stored companies with each other; a pair a manager
dismissed (:func:`dismiss_pair`) is not shown again. Above ALL_PAIRS_UP_TO companies its pairs
are kept in tables brought up to date from the companies written since
(crm.services.duplicate_index), and read a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from crm import permissions
from crm.companies_identity import THRESHOLD, NameParts, Verdict, compare
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, DuplicateCandidate, DuplicateDismissal, Project
from crm.services import company_check, duplicate_index
from crm.services.common import Actor, audit, get_or_404
from crm.services.paging import MARK_EVERY, Marks

# Up to this many companies the list compares every pair (rapidfuzz, in C: 3,000 companies,
# 4.5 million pairs, well under a second); beyond, each company is compared with its
# neighbours in the order of the names' cores, forwards and backwards (a typo at either end
# still meets its twin), which grows linearly; a pair whose cores differ at both ends is then
# found only when they stay near in one of the two orders. Those pairs are kept in tables
# (crm.services.duplicate_index), so the list is not compared again on each read.
ALL_PAIRS_UP_TO = duplicate_index.ALL_PAIRS_UP_TO
NEIGHBOURS = duplicate_index.NEIGHBOURS
STREAM_CHUNK = 2000  # pairs read at a time by iter_pairs


# --- the 重复企业 list ----------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """Two live companies that may be one, with why; ``a`` is the one with more projects
    (the natural survivor of a merge), else the older."""

    a_id: int
    a_name: str
    a_uscc: str | None
    a_projects: int
    b_id: int
    b_name: str
    b_uscc: str | None
    b_projects: int
    score: int
    reason: str
    sure: bool

    @property
    def id(self) -> int:
        """The pair as one number (a paged list keeps its rows by id): :func:`pair_id`."""
        return pair_id(self.a_id, self.b_id)


def pair_id(one: int, other: int) -> int:
    """Two companies' ids as one number, either order: the smaller in the high 32 bits."""
    low, high = min(one, other), max(one, other)
    return low << 32 | high


def _near_pairs(cores: list[str]) -> set[tuple[int, int]]:
    """Index pairs whose cores rapidfuzz finds at least THRESHOLD alike, every pair compared
    (up to ALL_PAIRS_UP_TO companies; beyond, crm.services.duplicate_index keeps the pairs):
    the judging (crm.companies_identity.compare) then runs on these few only."""
    from rapidfuzz import fuzz, process

    out: set[tuple[int, int]] = set()
    for i in range(len(cores) - 1):
        rest = cores[i + 1:]
        for _, _, j in process.extract(cores[i], rest, scorer=fuzz.ratio,
                                       score_cutoff=THRESHOLD, limit=None):
            out.add((i, i + 1 + j))
    return out


def duplicate_pairs(uow: UnitOfWork, actor: Actor, *, limit: int | None = None,
                    offset: int = 0, marks: Marks | None = None) -> list[Pair]:
    """Suspected pairs of live companies not dismissed, surest first, then by score and ids
    (managers); ``limit`` and ``offset`` page them, from the nearest of ``marks``
    (:func:`pair_marks`) when given.

    Above ALL_PAIRS_UP_TO companies the pairs are read from the tables of
    crm.services.duplicate_index, brought up to date first (the companies written since)."""
    permissions.require(uow, actor, "duplicates.duplicate_pairs")
    with _index(uow) as conn:
        if conn is not None:
            if marks is not None and limit is not None and marks.points \
                    and len(marks.points[0]) > 1 and offset >= marks.every:
                j = min(offset // marks.every, len(marks.points[0]) - 1)
                return _with_projects(conn, _rows_from(conn, marks.points[0][j],
                                                       offset - j * marks.every, limit))
            return _stored_pairs(conn, limit, offset)
    found = _compared_pairs(uow)
    return found[offset:None if limit is None else offset + limit]


def pair_marks(uow: UnitOfWork, actor: Actor, every: int = MARK_EVERY) -> Marks | None:
    """The keys (sure, score, ids) of every ``every``-th pair of the list and its length, so
    that a screen far down starts at the nearest instead of skipping every pair before it
    (crm.services.paging; row 1,600,000 of a million companies' pairs: 0.4 s on SQLite).
    None for a list of a few companies (every pair compared, no index to seek). Managers."""
    permissions.require(uow, actor, "duplicates.pair_marks")
    with _index(uow) as conn:
        if conn is None:
            return None
        first = conn.execute(_candidates(_KEYS).limit(1)).first()
        if first is None:
            return Marks((0,), ((),), every)
        points: list[tuple[Any, ...]] = [_key(first)]
        while True:  # each mark found from the one before: ``every`` rows on along the index
            found = _rows_from(conn, points[-1], every, 1, keys_only=True)
            if not found:
                break
            points.append(_key(found[0]))
        rest = len(_rows_from(conn, points[-1], 0, every, keys_only=True))
        return Marks(((len(points) - 1) * every + rest,), (tuple(points),), every)


_KEYS = (DuplicateCandidate.sure, DuplicateCandidate.score, DuplicateCandidate.company_a_id,
         DuplicateCandidate.company_b_id)  # a pair's place in the list's order


def _key(row: Any) -> tuple[bool, int, int, int]:
    return bool(row[0]), int(row[1]), int(row[2]), int(row[3])


def _rows_from(conn: Connection, mark: tuple[Any, ...], offset: int, limit: int, *,
               keys_only: bool = False, after: bool = False) -> list[Any]:
    """``limit`` rows of the list from ``offset`` rows after the pair whose keys are ``mark``
    (that pair included). The order mixes directions (sure and score descending, ids
    ascending), which no comparison of row values follows, so the rest of the list from a
    mark is cut into ranges of the order's index, one after the other: the same sure and
    score and company a with b from the mark's on, then a later a, a lower score, the pairs
    not sure. A range skipped whole (fewer rows than ``offset``) is counted, up to ``offset``.
    ``keys_only``: the rows' (sure, score, a, b) (for the marks), else :func:`_page_query`'s;
    ``after``: from the pair after the mark's."""
    c = DuplicateCandidate
    sure, score, a, b = mark
    ranges = [(c.sure == sure, c.score == score, c.company_a_id == a,
               c.company_b_id > b if after else c.company_b_id >= b),
              (c.sure == sure, c.score == score, c.company_a_id > a),
              (c.sure == sure, c.score < score)]
    if sure:
        ranges.append((c.sure == False,))  # noqa: E712 (SQL, not Python)
    rows: list[Any] = []
    for where in ranges:
        if len(rows) >= limit:
            break
        if keys_only:
            stmt = (_candidates(_KEYS, *where)
                    .limit(limit - len(rows)).offset(offset or None))
        else:
            stmt = _page_query(limit - len(rows), offset, *where)
        found = list(conn.execute(stmt))
        if offset and not found:
            skipped = _candidates((c.company_a_id,), *where).limit(offset).subquery()
            offset -= int(conn.scalar(select(func.count()).select_from(skipped)) or 0)
            continue
        rows.extend(found)
        offset = 0
    return rows


def iter_pairs(uow: UnitOfWork, actor: Actor) -> Iterator[Pair]:
    """Every pair of :func:`duplicate_pairs` in its order, read :data:`STREAM_CHUNK` at a time,
    each read from the last pair of the one before (the command line's whole list in bounded
    memory; managers). The right is checked at the call, before any pair is read."""
    permissions.require(uow, actor, "duplicates.iter_pairs")
    return _streamed_pairs(uow)


def _streamed_pairs(uow: UnitOfWork) -> Iterator[Pair]:
    with _index(uow) as conn:
        if conn is not None:
            # not one cursor over the whole list: PostgreSQL plans a cursor for its first rows
            # (every company looked up by index, 1.65 million pairs: 64 s against 32 s)
            rows: list[Any] = list(conn.execute(_page_query(STREAM_CHUNK, 0)))
            while rows:
                yield from _with_projects(conn, rows)
                if len(rows) < STREAM_CHUNK:
                    break
                last = rows[-1]  # a, its name, USCC, b, its name, USCC, score, reason, sure
                rows = _rows_from(conn, (bool(last[8]), int(last[6]), int(last[0]),
                                         int(last[3])), 0, STREAM_CHUNK, after=True)
            return
    yield from _compared_pairs(uow)


def pairs_by_id(uow: UnitOfWork, actor: Actor, ids: Iterable[int]) -> list[Pair]:
    """The pairs of these :func:`pair_id` still in the list, in the order of ``ids``
    (a paged list's block read again by id; managers)."""
    permissions.require(uow, actor, "duplicates.pairs_by_id")
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found: dict[int, Pair] = {}
    with _index(uow) as conn:
        if conn is not None:
            lows = sorted({i >> 32 for i in wanted})
            keep = set(wanted)
            for start in range(0, len(lows), 500):
                rows = [row for row in conn.execute(_page_query(
                    None, 0, DuplicateCandidate.company_a_id.in_(lows[start:start + 500])))
                        if pair_id(row[0], row[3]) in keep]
                found.update((p.id, p) for p in _with_projects(conn, rows))
        else:
            found = {p.id: p for p in _compared_pairs(uow)}
    return [found[i] for i in wanted if i in found]


def count_pairs(uow: UnitOfWork, actor: Actor) -> int:
    """How many pairs :func:`duplicate_pairs` has in all (managers)."""
    permissions.require(uow, actor, "duplicates.count_pairs")
    with _index(uow) as conn:
        if conn is not None:
            # the pairs stored (kept with the tables) less those dismissed (a few)
            stored = duplicate_index.stored_count(conn)
            dismissed = conn.scalar(select(func.count()).select_from(DuplicateDismissal).join(
                DuplicateCandidate,
                (DuplicateCandidate.company_a_id == DuplicateDismissal.company_a_id)
                & (DuplicateCandidate.company_b_id == DuplicateDismissal.company_b_id)))
            return int(stored or 0) - int(dismissed or 0)
    return len(_compared_pairs(uow))


@contextmanager
def _index(uow: UnitOfWork) -> Iterator[Connection | None]:
    """A connection of its own whose transaction brought the stored pairs up to date and
    committed (derived data: no revision), reading them after; None when there are too few
    companies for the tables (the list compares every pair)."""
    engine: Any = uow.session.get_bind()
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        own = uow.session.connection()  # one connection only: kept up to date for this read
        yield own if duplicate_index.bring_up_to_date(own) else None
        return
    with engine.connect() as conn:
        with conn.begin():  # a read first: most reads find nothing written since
            stored = duplicate_index.up_to_date(conn)
        if stored is None:
            with conn.begin():
                stored = duplicate_index.bring_up_to_date(conn)
            duplicate_index.tidy(conn)
        if not stored:
            yield None
            return
        with conn.begin():
            yield conn


def _candidates(columns: Sequence[Any], *where: Any) -> Any:
    """``columns`` of the stored pairs not dismissed (and ``where``), in the list's order: the
    order of ix_duplicate_candidates_order."""
    c = DuplicateCandidate
    dismissed = select(DuplicateDismissal.id).where(
        DuplicateDismissal.company_a_id == c.company_a_id,
        DuplicateDismissal.company_b_id == c.company_b_id)
    return select(*columns).where(~dismissed.exists(), *where).order_by(
        c.sure.desc(), c.score.desc(), c.company_a_id, c.company_b_id)


def _page_query(limit: int | None, offset: int, *where: Any) -> Any:
    """One page of the stored pairs not dismissed, in the list's order, then both companies:
    the page is taken from the candidates' index alone, so no planner's estimate of the
    companies (a table just loaded has none on PostgreSQL) can turn it into a join of every
    company with every other."""
    c = DuplicateCandidate
    page = (_candidates((c.company_a_id, c.company_b_id, c.score, c.reason, c.sure), *where)
            .limit(limit).offset(offset or None).subquery())
    a, b = aliased(Company), aliased(Company)
    return (select(page.c.company_a_id, a.name, a.uscc, page.c.company_b_id, b.name, b.uscc,
                   page.c.score, page.c.reason, page.c.sure)
            .join(a, a.id == page.c.company_a_id).join(b, b.id == page.c.company_b_id)
            .order_by(page.c.sure.desc(), page.c.score.desc(), page.c.company_a_id,
                      page.c.company_b_id))


def _stored_pairs(conn: Connection, limit: int | None, offset: int) -> list[Pair]:
    return _with_projects(conn, list(conn.execute(_page_query(limit, offset))))


def _with_projects(conn: Connection, rows: Sequence[Any]) -> list[Pair]:
    """Rows of :func:`_page_query` as pairs, each company's live projects counted."""
    ids = sorted({x for row in rows for x in (row[0], row[3])})
    counts: dict[int, int] = {}
    # PostgreSQL takes the ids as one array, a statement of the same text each time (a list
    # of 500 was written out anew by the driver for each: a third of a stream's CPU)
    step = 10_000 if conn.dialect.name == "postgresql" else 500
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        among = (Project.company_id == any_(bindparam("ids", chunk, type_=ARRAY(Integer)))
                 if conn.dialect.name == "postgresql" else Project.company_id.in_(chunk))
        counts.update(conn.execute(
            select(Project.company_id, func.count()).where(among, Project.deleted_at.is_(None))
            .group_by(Project.company_id)).all())
    return [_pair(int(a), str(na), ua, int(b), str(nb), ub, counts,
                  Verdict(int(score), str(reason), bool(sure)))
            for a, na, ua, b, nb, ub, score, reason, sure in rows]


def _pair(a: int, na: str, ua: str | None, b: int, nb: str, ub: str | None,
          counts: dict[int, int], v: Verdict) -> Pair:
    if (counts.get(b, 0), -b) > (counts.get(a, 0), -a):
        a, b, na, ua, nb, ub = b, a, nb, ub, na, ua
    return Pair(a, na, ua, counts.get(a, 0), b, nb, ub, counts.get(b, 0), v.score, v.reason,
                v.sure)


def _compared_pairs(uow: UnitOfWork) -> list[Pair]:
    """The list of a few companies (up to ALL_PAIRS_UP_TO): every pair compared."""
    keys = company_check.live_keys(uow)
    ids = list(keys)
    parts = [NameParts.of_key(keys[cid]) for cid in ids]
    dismissed = set(uow.session.execute(select(DuplicateDismissal.company_a_id,
                                               DuplicateDismissal.company_b_id)))
    found: list[tuple[int, int, Verdict]] = []
    for i, j in sorted(_near_pairs([p.core for p in parts])):
        a, b = ids[i], ids[j]
        if (min(a, b), max(a, b)) in dismissed:
            continue
        verdict = compare(parts[i], parts[j])
        if verdict is not None:
            found.append((a, b, verdict))
    involved = {x for a, b, _ in found for x in (a, b)}
    counts: dict[int, int] = {}
    # one pass over the live companies: an IN list of ids was planned on the live index
    # and cost ~50 ms per 500 on SQLite (2 s at 100k)
    result: Any = uow.session.connection().execute(
        select(Company.id, Company.name, Company.uscc).where(Company.deleted_at.is_(None)))
    try:
        info = {cid: (name, uscc) for cid, name, uscc in result.cursor.fetchall()
                if cid in involved}
    finally:
        result.close()
    chunked = sorted(involved)
    for start in range(0, len(chunked), 500):
        chunk = chunked[start:start + 500]
        counts.update(uow.session.execute(
            select(Project.company_id, func.count()).where(Project.company_id.in_(chunk),
                                                           Project.deleted_at.is_(None))
            .group_by(Project.company_id)).all())
    out = []
    for a, b, v in found:
        ua, ub = info[a][1], info[b][1]
        if ua and ub and ua != ub:
            continue  # two USCCs are two legal persons
        low, high = min(a, b), max(a, b)
        out.append(((not v.sure, -v.score, low, high),
                    _pair(low, info[low][0], info[low][1], high, info[high][0], info[high][1],
                          counts, v)))
    return [pair for _, pair in sorted(out, key=lambda x: x[0])]


def dismiss_pair(uow: UnitOfWork, actor: Actor, company_a: int, company_b: int) -> None:
    """Two companies are not the same: not shown as 疑似重复 again (managers)."""
    permissions.require(uow, actor, "duplicates.dismiss_pair")
    a = get_or_404(uow.session, Company, company_a, "企业")
    b = get_or_404(uow.session, Company, company_b, "企业")
    if a.id == b.id:
        raise ValidationError("请选择两家不同的企业", code="duplicates.same")
    if company_check.remember(uow, actor, a.id, b.id):
        for one, other in ((a, b), (b, a)):
            audit(uow, actor, "not_duplicate", "company", one.id, name=one.name,
                  other=other.name, changes=[["not_duplicate_of", "", other.name]])


def dismissed_pairs(uow: UnitOfWork) -> list[tuple[int, int]]:
    """The pairs said to be different companies (smaller id first)."""
    return [(a, b) for a, b in uow.session.execute(
        select(DuplicateDismissal.company_a_id, DuplicateDismissal.company_b_id)
        .order_by(DuplicateDismissal.id))]


def find_company(uow: UnitOfWork, text: str) -> Company:
    """A live company by id, USCC or exact name (the command line's A and B)."""
    raw = (text or "").strip()
    if raw.isdigit():
        found = uow.session.get(Company, int(raw))
        if found is not None:
            return found
    rows = list(uow.session.scalars(select(Company).where(
        Company.deleted_at.is_(None), or_(Company.name == raw, Company.uscc == raw.upper()))))
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        raise ValidationError(f"有 {len(rows)} 家企业名为“{raw}”，请用编号："
                              f"{'、'.join(str(c.id) for c in rows)}", code="companies.ambiguous")
    raise ValidationError(f"找不到企业“{raw}”（请写编号、统一社会信用代码或完整名称）",
                          code="companies.missing")
