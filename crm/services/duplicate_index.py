"""The 重复企业 list's candidate pairs kept in the database, so that the list opens by reading
one page of an index instead of comparing every company (migration 0021).

The pairs are those of the list's definition (crm.services.duplicates): above
ALL_PAIRS_UP_TO live companies, each company against its NEIGHBOURS next ones in the order of
the names' cores and in the order of the cores written backwards (ties by normalised name,
then id), kept when rapidfuzz finds the cores THRESHOLD alike and
crm.companies_identity.compare has a verdict.

- ``duplicate_keys``: every live company's key, core and core backwards, indexed in both
  orders, so a company's neighbours are read by index.
- ``duplicate_candidates``: the pairs with their verdict, indexed in the list's order.
- ``duplicate_dirty``: the companies inserted, renamed, deleted or restored since, written by
  triggers on companies (any writer: the services, an import, bulk SQL).

:func:`bring_up_to_date` (before the list is read) works through the dirty companies: a
pair's membership changes only when one of its companies changed or a company entered or
left between the two in an order; every such pair lies in a run of the current order around
a changed company's old or new place (NEIGHBOURS + 1 either side; runs sharing a company are
joined), so the pairs of those runs are judged again and no other. Many changes at once (an
import) rebuild everything, as the first read after the migration does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_, union_all, update
from sqlalchemy.engine import Connection

from crm import triggers
from crm.companies_identity import THRESHOLD, NameParts, compare, name_key
from crm.models import Company, DuplicateCandidate, DuplicateDirty, DuplicateKey, Setting

ALL_PAIRS_UP_TO = 3000
NEIGHBOURS = 30
# settings: "<live companies> <pairs stored> <last dirty mark worked through>" when built, ""
# when too few companies
BUILT = "duplicates.index"
REBUILT = "duplicates.rebuilt"  # connection's info: a rebuild to tidy() after its commit
SEEN_MARGIN = 1000  # up_to_date() looks for marks from this many before the last worked through
REBUILD_OVER = 2000  # more dirty companies than this (or a twentieth of all): rebuild
_CHUNK = 500

Key = tuple[str, str, int]  # (order's text, name_key, id): one company's place in an order
Known = tuple[str, str | None]  # a company's name_key and USCC
Near = tuple[int, str, str, str | None]  # id, the order's text, name_key, USCC


# --- triggers on companies --------------------------------------------------------------------
_WATCHED = ("name", "name_key", "deleted_at", "uscc")


def _sqlite_triggers() -> dict[str, str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)
    mark = "INSERT INTO duplicate_dirty (company_id) VALUES ({}.id)"
    return {
        "companies_dup_ai": f"CREATE TRIGGER companies_dup_ai AFTER INSERT ON companies "
                            f"BEGIN {mark.format('NEW')}; END",
        "companies_dup_ad": f"CREATE TRIGGER companies_dup_ad AFTER DELETE ON companies "
                            f"BEGIN {mark.format('OLD')}; END",
        "companies_dup_au": f"CREATE TRIGGER companies_dup_au AFTER UPDATE OF "
                            f"{', '.join(_WATCHED)} ON companies WHEN {changed} "
                            f"BEGIN {mark.format('NEW')}; END",
    }


def _pg_statements() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _WATCHED)
    return [
        "CREATE OR REPLACE FUNCTION companies_dup() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP = 'DELETE' THEN "
        "INSERT INTO duplicate_dirty (company_id) VALUES (OLD.id); "
        "ELSE INSERT INTO duplicate_dirty (company_id) VALUES (NEW.id); END IF; "
        "RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS companies_dup_aid ON companies",
        "CREATE TRIGGER companies_dup_aid AFTER INSERT OR DELETE ON companies "
        "FOR EACH ROW EXECUTE FUNCTION companies_dup()",
        "DROP TRIGGER IF EXISTS companies_dup_au ON companies",
        f"CREATE TRIGGER companies_dup_au AFTER UPDATE OF {', '.join(_WATCHED)} ON companies "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION companies_dup()",
    ]


def install(conn: Any) -> None:
    """Create the triggers (the migration; :func:`repair` after a table was rebuilt)."""
    triggers.create(conn, _sqlite_triggers().values(), _pg_statements())


def uninstall(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        for name in _sqlite_triggers():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS companies_dup_aid ON companies")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS companies_dup_au ON companies")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS companies_dup()")


def repair(conn: Any) -> None:
    """Triggers back on a companies table a migration rebuilt (SQLite drops them); the pairs
    are rebuilt on the next read, as writes may have gone unseen."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table("duplicate_dirty"):
        return
    if conn.dialect.name == "sqlite":
        have = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'companies'")}
        if set(_sqlite_triggers()) <= have:
            return
    else:
        have = {r[0] for r in conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'companies'::regclass")}
        if {"companies_dup_aid", "companies_dup_au"} <= have:
            return
    uninstall(conn)
    install(conn)
    conn.execute(delete(Setting).where(Setting.key == BUILT))


# --- judging -----------------------------------------------------------------------------------
def _verdict_row(a: int, b: int, ka: Known, kb: Known) -> dict[str, Any] | None:
    """The stored row of a pair the list shows, or None: no verdict on the names, or two
    USCCs (two legal persons however alike the names)."""
    (key_a, uscc_a), (key_b, uscc_b) = ka, kb
    if uscc_a and uscc_b and uscc_a != uscc_b:
        return None
    v = compare(NameParts.of_key(key_a), NameParts.of_key(key_b))
    if v is None:
        return None
    low, high = (a, b) if a < b else (b, a)
    return {"company_a_id": low, "company_b_id": high, "score": v.score, "reason": v.reason,
            "sure": v.sure, "forward": False, "backward": False}


def _alike(texts: Sequence[str], pos: int, limit: int) -> list[int]:
    """Positions after ``pos`` (up to ``limit``, at most NEIGHBOURS on) whose text rapidfuzz
    finds THRESHOLD alike with ``texts[pos]`` (the list's test of two cores)."""
    from rapidfuzz import fuzz, process

    end = min(pos + 1 + NEIGHBOURS, limit)
    return [pos + 1 + w for _, _, w in process.extract(
        texts[pos], texts[pos + 1:end], scorer=fuzz.ratio, score_cutoff=THRESHOLD,
        limit=None)]


def _cores(key: str) -> tuple[str, str]:
    core = key.partition("|")[2]
    return core, core[::-1]


def _key_row(cid: int, key: str, uscc: str | None) -> dict[str, Any]:
    core, back = _cores(key)
    return {"company_id": cid, "name_key": key, "core": core, "core_back": back,
            "uscc": uscc}


# --- rebuilding ------------------------------------------------------------------------------
def _counts(state: str | None) -> tuple[int, int] | None:
    """The live companies and the pairs stored, from the state; None: rebuild."""
    parts = (state or "").split()
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _seen(state: str | None) -> int:
    """The last dirty mark worked through, from the state (0: not known, a state written
    before it was kept)."""
    parts = (state or "").split()
    return int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else 0


def stored_count(conn: Connection) -> int:
    """How many pairs the tables hold (kept with the state: a count of the rows grows with
    them, ~20 ms at a million companies)."""
    counts = _counts(conn.scalar(select(Setting.value).where(Setting.key == BUILT)))
    if counts is None:
        return int(conn.scalar(select(func.count()).select_from(DuplicateCandidate)) or 0)
    return counts[1]


def _set_built(conn: Connection, live: int | None, pairs: int = 0, seen: int = 0) -> None:
    value = "" if live is None else f"{live} {pairs} {seen}"
    done = conn.execute(update(Setting).where(Setting.key == BUILT).values(value=value))
    if not done.rowcount:
        conn.execute(insert(Setting).values(key=BUILT, value=value))


def _live_rows(conn: Connection) -> list[tuple[int, str, str | None]]:
    result: Any = conn.execute(select(Company.id, Company.name_key, Company.name, Company.uscc)
                               .where(Company.deleted_at.is_(None)))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return [(cid, key or name_key(name), uscc or None) for cid, key, name, uscc in rows]


def rebuild(conn: Connection) -> int:
    """Every key and pair again from the live companies; returns their count. Below
    ALL_PAIRS_UP_TO companies the list compares every pair itself: the tables are left empty."""
    last = conn.scalar(select(func.max(DuplicateDirty.id))) or 0
    conn.execute(delete(DuplicateDirty).where(DuplicateDirty.id <= last))
    conn.execute(delete(DuplicateCandidate))
    conn.execute(delete(DuplicateKey))
    rows = _live_rows(conn)
    if len(rows) <= ALL_PAIRS_UP_TO:
        _set_built(conn, None)
        return len(rows)
    known: dict[int, Known] = {cid: (key, uscc) for cid, key, uscc in rows}
    for start in range(0, len(rows), 5000):
        conn.execute(insert(DuplicateKey), [_key_row(cid, key, uscc)
                                            for cid, key, uscc in rows[start:start + 5000]])
    found: dict[tuple[int, int], dict[str, Any] | None] = {}
    for column in ("forward", "backward"):
        text = 0 if column == "forward" else 1
        order = sorted(rows, key=lambda r: (_cores(r[1])[text], r[1], r[0]))
        texts = [_cores(key)[text] for _, key, _ in order]
        for pos in range(len(order) - 1):
            a = order[pos][0]
            for other in _alike(texts, pos, len(order)):
                b = order[other][0]
                pair = (a, b) if a < b else (b, a)
                if pair not in found:
                    found[pair] = _verdict_row(a, b, known[a], known[b])
                if found[pair] is not None:
                    found[pair][column] = True  # type: ignore[index]
    out = [row for row in found.values() if row is not None]
    for start in range(0, len(out), 5000):
        conn.execute(insert(DuplicateCandidate), out[start:start + 5000])
    _set_built(conn, len(rows), len(out), last)
    if conn.dialect.name == "postgresql":  # the planner's figures for the tables just filled
        conn.exec_driver_sql("ANALYZE duplicate_keys")
        conn.exec_driver_sql("ANALYZE duplicate_candidates")
        conn.info[REBUILT] = True  # tidy() once committed
    return len(rows)


def tidy(conn: Connection) -> None:
    """After a rebuild has committed, on PostgreSQL: vacuum the three tables (outside any
    transaction). The rebuild deleted every dirty mark (a million after an import of a
    million companies) and the old keys and pairs, which autovacuum may take minutes to
    remove (the planner's figures for the marks stay those of a full table meanwhile)."""
    if not conn.info.pop(REBUILT, False):
        return
    with conn.engine.connect() as own:
        own = own.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("duplicate_dirty", "duplicate_keys", "duplicate_candidates"):
            own.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


# --- bringing up to date ---------------------------------------------------------------------
def _lock(conn: Connection) -> str | None:
    """Take the write lock first (one maintainer at a time, on both databases); the state."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(2016021)")
    conn.execute(update(Setting).where(Setting.key == BUILT).values(value=Setting.value))
    return conn.scalar(select(Setting.value).where(Setting.key == BUILT))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start:start + _CHUNK])


def _run_around(conn: Connection, column: Any, at: Key) -> list[Near]:
    """The companies around a place in one order: NEIGHBOURS + 1 before, NEIGHBOURS + 2 from
    it on, in the order. One statement, both reads of the index as its two arms (a round trip
    less for each place: a rename reads four); put in order here, as the keys compare byte by
    byte in the database (SortKey) and by code point in Python, the same order in UTF-8."""
    place = tuple_(column, DuplicateKey.name_key, DuplicateKey.company_id)
    cols = (DuplicateKey.company_id, column.label("text"), DuplicateKey.name_key,
            DuplicateKey.uscc)
    before = (select(*cols).where(place < tuple_(*at))
              .order_by(column.desc(), DuplicateKey.name_key.desc(),
                        DuplicateKey.company_id.desc())
              .limit(NEIGHBOURS + 1).subquery())
    after = (select(*cols).where(place >= tuple_(*at))
             .order_by(column, DuplicateKey.name_key, DuplicateKey.company_id)
             .limit(NEIGHBOURS + 2).subquery())
    found: Any = conn.execute(union_all(select(before), select(after)))
    rows = [(int(i), str(t), str(k), u) for i, t, k, u in found]
    return sorted(rows, key=lambda r: (r[1], r[2], r[0]))


def _runs(pieces: list[list[Near]]) -> list[list[Near]]:
    """Join the pieces that share a company, each in the order. Each piece is contiguous in
    the order, so taken by where they start, a piece that starts at or before the end of the
    run so far shares its rows (and the joined run is contiguous too)."""
    def place(row: Near) -> Key:
        return row[1], row[2], row[0]

    runs: list[dict[int, Near]] = []
    end: Key | None = None
    for piece in sorted((p for p in pieces if p), key=lambda p: place(p[0])):
        if end is not None and place(piece[0]) <= end:
            runs[-1].update((row[0], row) for row in piece)
            end = max(end, place(piece[-1]))
        else:
            runs.append({row[0]: row for row in piece})
            end = place(piece[-1])
    return [sorted(run.values(), key=place) for run in runs]


def _judge_run(conn: Connection, column: str, run: list[Near]) -> int:
    """Every pair of one run: neighbours in this order or not, and the stored row to match;
    returns how many more rows are stored."""
    added = 0
    ids = [r[0] for r in run]
    at = {cid: pos for pos, cid in enumerate(ids)}
    texts = [r[1] for r in run]
    known: dict[int, Known] = {r[0]: (r[2], r[3]) for r in run}
    now: set[tuple[int, int]] = set()
    for pos in range(len(run) - 1):
        for other in _alike(texts, pos, len(run)):
            a, b = ids[pos], ids[other]
            now.add((a, b) if a < b else (b, a))
    flag = getattr(DuplicateCandidate, column)
    stored: dict[tuple[int, int], tuple[bool, bool]] = {}
    for chunk in _chunks(ids):
        for a, b, fwd, back in conn.execute(
                select(DuplicateCandidate.company_a_id, DuplicateCandidate.company_b_id,
                       DuplicateCandidate.forward, DuplicateCandidate.backward)
                .where(DuplicateCandidate.company_a_id.in_(chunk))):
            if b in at:
                stored[(a, b)] = (bool(fwd), bool(back))
    for (a, b), (fwd, back) in stored.items():
        mine, other = (fwd, back) if column == "forward" else (back, fwd)
        want = (a, b) in now
        if want == mine:
            continue
        where = ((DuplicateCandidate.company_a_id == a)
                 & (DuplicateCandidate.company_b_id == b))
        if not want and not other:
            conn.execute(delete(DuplicateCandidate).where(where))
            added -= 1
        else:
            conn.execute(update(DuplicateCandidate).where(where).values({flag: want}))
    for a, b in now - stored.keys():
        row = _verdict_row(a, b, known[a], known[b])
        if row is not None:
            row[column] = True
            conn.execute(insert(DuplicateCandidate).values(row))
            added += 1
    return added


def up_to_date(conn: Connection) -> bool | None:
    """Whether the tables hold the list (True), the list is small and compares every pair
    itself (False), or None: companies were written since, :func:`bring_up_to_date` first.
    Reads only (a write commits with a sync of the log on SQLite: ~10 ms)."""
    state = conn.scalar(select(Setting.value).where(Setting.key == BUILT))
    if state is None or (state and _counts(state) is None):
        return None
    marks = select(DuplicateDirty.id).limit(1)
    if conn.dialect.name == "postgresql":
        # from a little before the last mark worked through (a sequence numbers them; SQLite
        # numbers them from 1 again once the table is empty): the index is entered there, not
        # walked from its start over the marks deleted, dead rows until vacuumed (a million
        # after a rebuild, ~10 ms a hundred thousand, while any transaction older than the
        # delete is open). A mark numbered lower still (its writer committed after more than
        # SEEN_MARGIN later marks were worked through) is worked through with the next write's.
        marks = marks.where(DuplicateDirty.id > _seen(state) - SEEN_MARGIN).order_by(
            DuplicateDirty.id)
    if conn.scalar(marks) is not None:
        return None
    return bool(state)


def bring_up_to_date(conn: Connection) -> bool:
    """Work through the dirty companies (see the module's docstring); commit is the caller's.
    Returns whether the tables hold the list (more than ALL_PAIRS_UP_TO live companies)."""
    state = _lock(conn)
    last = conn.scalar(select(func.max(DuplicateDirty.id)))
    counts = _counts(state)
    if counts is None:
        if last is None and state == "":
            return False  # small and unchanged: the list compares every pair itself
        return rebuild(conn) > ALL_PAIRS_UP_TO
    if last is None:
        return True
    dirty = sorted({cid for (cid,) in conn.execute(
        select(DuplicateDirty.company_id).where(DuplicateDirty.id <= last))})
    live_count, pairs = counts
    if len(dirty) > max(REBUILD_OVER, live_count // 20):
        return rebuild(conn) > ALL_PAIRS_UP_TO
    conn.execute(delete(DuplicateDirty).where(DuplicateDirty.id <= last))
    old: dict[int, str] = {}
    new: dict[int, Known] = {}
    for chunk in _chunks(dirty):
        old.update(conn.execute(select(DuplicateKey.company_id, DuplicateKey.name_key)
                                .where(DuplicateKey.company_id.in_(chunk))).all())
        for cid, key, name, uscc in conn.execute(
                select(Company.id, Company.name_key, Company.name, Company.uscc)
                .where(Company.id.in_(chunk), Company.deleted_at.is_(None))):
            new[cid] = (key or name_key(name), uscc or None)
        for side in (DuplicateCandidate.company_a_id, DuplicateCandidate.company_b_id):
            pairs -= conn.execute(delete(DuplicateCandidate).where(side.in_(chunk))).rowcount
        conn.execute(delete(DuplicateKey).where(DuplicateKey.company_id.in_(chunk)))
    live_count += len(new) - len(old)
    if live_count <= ALL_PAIRS_UP_TO:
        return rebuild(conn) > ALL_PAIRS_UP_TO
    if new:
        conn.execute(insert(DuplicateKey), [_key_row(cid, key, uscc)
                                            for cid, (key, uscc) in new.items()])
    for text, column in ((0, "forward"), (1, "backward")):
        col = DuplicateKey.core if text == 0 else DuplicateKey.core_back
        places = [*((_cores(key)[text], key, cid) for cid, key in old.items()),
                  *((_cores(key)[text], key, cid) for cid, (key, _) in new.items())]
        pieces = [_run_around(conn, col, place) for place in places]
        for run in _runs(pieces):
            pairs += _judge_run(conn, column, run)
    _set_built(conn, live_count, pairs, last)
    return True
