"""Search through the engine's trigram index (DESIGN §7 at 1,000,000 projects).

A search is a substring test (``LIKE '%…%'``), which no ordinary index helps: at a million
projects every keystroke read every row. Both engines have an index for substrings:

- SQLite: an FTS5 table with the ``trigram`` tokenizer over the searched columns
  (external content: the index holds no second copy of the text). Triggers keep it current on
  every insert, update and delete, whatever writes (a service, an import, another process);
  an import large enough to rebuild the tables' indexes (crm.excel.bulk) drops the triggers
  and rebuilds the index once the rows are in, in the same transaction.
- PostgreSQL: ``pg_trgm`` GIN indexes on the searched columns themselves, current by
  construction; the same ``LIKE``/``ILIKE`` queries use them. Where the server refuses
  ``CREATE EXTENSION pg_trgm`` (no rights), the indexes are left out with a warning in the log
  and searches scan as before: slower, never different.

The index only finds candidates: each query keeps its ``LIKE`` test, so what matches is
exactly what matched before (a trigram match folds case more widely than ``LIKE``; the
candidates are a superset). A needle without a letter (:func:`caseless`: Chinese, digits) is
matched by the index exactly as by ``LIKE``: the 接洽记录's search reads its matches from the
index alone (:func:`holding`), where LIKE read every matching project's row. On PostgreSQL
the 接洽记录 finds a log by its project's and company's names in one narrow row of its own
(crm.log_names), where each matching project's wide row was read again and its logs looked up.

A needle under three characters has no trigram. In a table of up to :data:`SCAN_ROWS` rows (a
district's) it is still a substring, the table scanned (within a keystroke at that size). In a
larger one (a city's, a province's) it is read as the start of a name instead, in pinyin
(:func:`prefix`), as a phone's contact list reads what is typed: 华 finds the names whose first
character reads hua2 (华鑫…, 华安…; a homophone of the same tone, 滑…, sorts among them), 华鑫
the names that start with those two syllables, ``h`` every name whose first syllable starts
with h, ``hx`` those whose first two syllables start with h and x (华鑫…, 恒信…), ``华x`` 华
followed by an x syllable. Such names are one range of the pinyin sort key, which every list
already has an index on (the name order): counting them and reading any screen of them reads
that index, never the rows, at any size. The third character searches everything, as a
substring.

In a district's table a short needle often matches a large part of it (“k”: 70% of the
projects): sorting every match and returning every id took 150–220 ms at 100k, where counting
them takes a third of that. The lists then show the count and read screens (:func:`in_front`):
a screen is looked for among the first rows of the list's index (the needle tested on each),
which holds it when the needle is common; a rarer needle's matches are few, and are read
all at once as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.exc import DBAPIError

from crm import log_names
from crm.text import sort_key

log = logging.getLogger(__name__)

MIN_TRIGRAM = 3  # characters a needle needs for the index
LAST = chr(0x10FFFF)  # sorts after every character, bytewise (SQLite's BINARY, PostgreSQL's "C")
SCAN_ROWS = 100_000  # a table up to this size is scanned for a short needle (a substring)
PROBE = 50  # rows a short needle's first screen must begin with to be counted, then paged
FRONT = 5  # rows of the list's index walked per row looked for (the needle in a fifth of them)
FRONT_MAX = 20_000  # at most: beyond, scanning the table and sorting the matches is cheaper

# SQLite: FTS5 table -> (content table, indexed columns)
FTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "projects_fts": ("projects", ("search_text", "name")),
    "companies_fts": ("companies", ("name", "uscc", "initials", "former_names")),
    "contact_logs_fts": ("contact_logs", ("content",)),
}
# PostgreSQL: GIN index -> (table, column)
TRGM: dict[str, tuple[str, str]] = {
    f"ix_{table}_{column}_trgm": (table, column)
    for table, columns in (("projects", ("search_text", "name")),
                           ("companies", ("name", "uscc", "initials", "former_names")),
                           ("contact_logs", ("content",)))
    for column in columns
}
FALLBACK = ("PostgreSQL 拒绝安装 pg_trgm 扩展（%s）：搜索不建三元组索引，逐行扫描，结果不变但较慢；"
            "请数据库管理员执行 CREATE EXTENSION pg_trgm 后重新打开")


def is_index_object(name: str | None) -> bool:
    """Whether a table or index is one of these search indexes (FTS5 tables and their shadow
    tables, GIN indexes, the log's names: crm.log_names): the models do not declare them
    (Alembic's comparison skips them)."""
    return bool(name) and (any(str(name).startswith(f) for f in FTS)
                           or str(name) in TRGM or log_names.is_names_object(name))


def short(needle: str) -> bool:
    """Whether a (non-empty) needle is too short for the trigram index: it is then read as
    the start of a name (:func:`prefix`)."""
    return 0 < len(needle) < MIN_TRIGRAM


def by_prefix(session: Any, needle: str, table: str) -> bool:
    """Whether ``needle`` is read as the start of a name (:func:`prefix`) in ``table``: when it
    is short and the table holds more than :data:`SCAN_ROWS` rows. SQLite counts a whole
    table from its pages (2 ms at a million); PostgreSQL's count reads every row (90 ms), so
    its planner's estimate decides there (it is kept by ANALYZE and autovacuum)."""
    if not short(needle):
        return False
    sizes = session.info.setdefault("crm.search.rows", {})  # once per unit of work
    if table not in sizes:
        if session.get_bind().dialect.name == "sqlite":
            sizes[table] = session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        else:
            sizes[table] = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = "
                                                "to_regclass(:t)"), {"t": table}).scalar()
    return float(sizes[table] or 0) > SCAN_ROWS


def _starts(key: Any, start: str) -> ColumnElement[bool]:
    """``key`` begins with ``start``: one range of its index."""
    result: ColumnElement[bool] = (key >= start) & (key < start + LAST)
    return result


def prefix(key: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    """The rows whose pinyin sort key ``key`` (crm.text.sort_key) starts as ``needle`` does,
    a needle of one or two characters (see the module's docstring): a Chinese character
    stands for its whole syllable with its tone, any other character for the start of a
    syllable. All of it is read from the sort key's index (the second syllable's test looks
    at the key in the index entry, not at the row)."""
    tokens = sort_key(needle).split()
    parts = [t + " " if t[-1].isdigit() and not t.isdigit() else t for t in tokens]
    if len(parts) == 1 or parts[0].endswith(" "):
        return _starts(key, "".join(parts))  # a whole first syllable: one range
    second = parts[1]
    find = func.instr(key, " ") if dialect == "sqlite" else func.strpos(key, " ")
    result: ColumnElement[bool] = _starts(key, parts[0]) & (
        func.substr(key, find + 1, len(second)) == second)
    return result


def in_front(session: Any, rows: Select[Any], matches: Select[Any], keys: Sequence[Any], *,
             lead: Sequence[Any] = (), descending: bool = False, offset: int = 0,
             limit: int = PROBE) -> list[int] | None:
    """Rows ``offset`` to ``offset + limit`` of ``matches`` (the ids a short needle's
    substring finds) in the order of ``keys`` (an index's columns after ``lead``, which is
    the same in every row, the id last), looked for only among the first rows of ``rows``
    (the list without the needle) in that order: a walk of that index that tests each row,
    bounded (:data:`FRONT` rows for each row up to the last one wanted). None when they are
    not all there: the needle is rarer, and scanning the table is cheaper than walking on;
    None at once for a screen so far down that the walk would pass :data:`FRONT_MAX`.

    What it returns is exactly what the whole list has at those rows: every match before
    them comes before them in the index, so within the rows walked."""
    cap = FRONT * (offset + limit)
    if cap > FRONT_MAX:
        return None
    order = [k.desc() if descending else k.asc() for k in (*lead, *keys)]
    edge = session.execute(rows.with_only_columns(*keys).order_by(*order)
                           .offset(cap - 1).limit(1)).first()
    if edge is not None:
        bound = tuple_(*keys) >= tuple_(*edge) if descending else tuple_(*keys) <= tuple_(*edge)
        matches = matches.where(bound)
    found = list(session.scalars(matches.order_by(*order).offset(offset or None).limit(limit)))
    return found if edge is None or len(found) == limit else None


# --- installing ---------------------------------------------------------------------------------
def _triggers(fts: str) -> list[str]:
    table, columns = FTS[fts]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
    ]


def _sqlite_install(conn: Any) -> bool:
    for fts, (table, columns) in FTS.items():
        try:
            conn.exec_driver_sql(
                f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, "
                f"content='{table}', content_rowid='id', tokenize='trigram')")
        except DBAPIError as exc:  # SQLite before 3.34 has no trigram tokenizer
            log.warning("SQLite 不支持 FTS5 三元组索引（%s）：搜索逐行扫描", exc.orig)
            return False
        for sql in _triggers(fts):
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    return True


def trgm_schema(conn: Any) -> str | None:
    """The schema pg_trgm is installed in, or None."""
    found = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'").scalar()
    return str(found) if found else None


def _pg_extension(conn: Any) -> str | None:
    """pg_trgm's schema, installing it where it is missing (in ``public``, shared by every
    schema of the database, else in the current one); None when the server refuses."""
    schema = trgm_schema(conn)
    if schema:
        return schema
    refused: Exception | None = None
    for sql in ("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
                "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(sql)
        except DBAPIError as exc:
            refused = exc
            continue
        return trgm_schema(conn)
    reason = str(getattr(refused, "orig", refused)).strip().splitlines()[0] if refused else ""
    log.warning(FALLBACK, reason)
    return None


def _pg_install(conn: Any) -> bool:
    schema = _pg_extension(conn)
    if schema is None:
        return False
    quote = conn.dialect.identifier_preparer.quote
    for name, (table, column) in TRGM.items():
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                             f"USING gin ({column} {quote(schema)}.gin_trgm_ops)")
    return True


def install(conn: Any) -> bool:
    """Create the search indexes (migration 0017); False where the engine cannot."""
    if conn.dialect.name == "sqlite":
        return _sqlite_install(conn)
    return _pg_install(conn)


def uninstall(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        for fts in FTS:
            for kind in ("ai", "ad", "au"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_{kind}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {fts}")
        return
    for name in TRGM:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def _sqlite_tables(conn: Any) -> set[str]:
    return {str(n) for n in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE name LIKE '%\\_fts%' ESCAPE '\\'").scalars()}


def repair(conn: Any) -> list[str]:
    """After a migration: a SQLite table rebuilt by a later migration (batch mode copies it)
    loses its triggers; put back what is missing and rebuild that index. Returns what was
    repaired."""
    if conn.dialect.name != "sqlite":
        return []
    present = _sqlite_tables(conn)
    repaired: list[str] = []
    for fts in FTS:
        if fts not in present:
            continue
        missing = [sql for sql in _triggers(fts) if sql.split()[2] not in present]
        if missing:
            for sql in missing:
                conn.exec_driver_sql(sql)
            conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            repaired.append(fts)
    return repaired


@contextmanager
def suspended(conn: Any, tables: Sequence[str]) -> Iterator[None]:
    """For a bulk load of ``tables`` inside one transaction: on SQLite the triggers are
    dropped while the rows go in and the index is rebuilt in one pass afterwards (a trigger
    per row costs more than the rebuild when the load is at least the table's size), then the
    triggers come back. A failed load rolls all of it back with the rows. On PostgreSQL the
    GIN indexes are plain indexes (crm.excel.bulk drops and recreates those)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    present = _sqlite_tables(conn)
    chosen = [f for f, (t, _) in FTS.items() if t in tables and f in present]
    for fts in chosen:
        for sql in _triggers(fts):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {sql.split()[2]}")
    yield
    for fts in chosen:
        conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        for sql in _triggers(fts):
            conn.exec_driver_sql(sql)


# --- searching ----------------------------------------------------------------------------------
def _phrase(needle: str) -> str:
    return '"' + needle.replace('"', '""') + '"'


def candidates(session: Any, fts: str, id_column: Any,
               needles: Sequence[str]) -> ColumnElement[bool] | None:
    """``id_column IN (rows whose indexed text holds one of the needles)`` through the FTS5
    table ``fts``, or None where there is none to use (PostgreSQL: its GIN indexes serve the
    LIKE itself; an old SQLite; a needle under three characters). The caller keeps its LIKE:
    this only narrows what it tests."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not needles:
        return None
    if any(len(n) < MIN_TRIGRAM for n in needles):
        return None
    if not session.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"),
                           {"n": fts}).first():
        return None
    query = " OR ".join(dict.fromkeys(_phrase(n) for n in needles))
    found: Any = select(literal_column("rowid")).select_from(text(fts)).where(
        literal_column(fts).op("MATCH")(query))
    result: ColumnElement[bool] = id_column.in_(found)
    return result


def caseless(needle: str) -> bool:
    """Whether the trigram index finds exactly what ``LIKE '%needle%'`` does: a needle of
    three characters or more, none of which has a case (Chinese characters, digits, most
    punctuation). The index folds the case of every letter, LIKE only of ASCII's; without a
    letter they compare the same characters."""
    return len(needle) >= MIN_TRIGRAM and all(c.lower() == c == c.upper() for c in needle)


def holding(session: Any, fts: str, column: str, needle: str) -> Any | None:
    """The ids of the rows whose ``column`` holds ``needle``, read from the FTS5 table ``fts``
    alone, no row (the match of 14,000 projects' names checked by LIKE read each of those
    rows: 60 ms of a search among a million logs); None where only LIKE can decide (not
    :func:`caseless`, no index, PostgreSQL)."""
    if not caseless(needle) or candidates(session, fts, literal_column("rowid"),
                                          [needle]) is None:
        return None
    return select(literal_column("rowid")).select_from(text(fts)).where(
        literal_column(fts).op("MATCH")(f"{column} : {_phrase(needle)}"))


def among(session: Any, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids`` for the ids a search found (read once, then reused for a screen): one
    parameter holding them all, as many as there are (a JSON array read by SQLite's
    json_each; an array on PostgreSQL, which tests ``= ANY`` through a hash: its ``IN
    (SELECT unnest(…))`` compared each row walked with every id), where a parameter each
    stops at 32,766."""
    if session.get_bind().dialect.name == "sqlite":
        result: ColumnElement[bool] = column.in_(select(literal_column("value")).select_from(
            func.json_each(bindparam(None, json.dumps(list(ids))))))
        return result
    found: ColumnElement[bool] = column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return found
