"""SQLite's planner statistics (``sqlite_stat1``): kept where the data really changes.

The planner picks each list's index from these statistics (without them a 100k-row list sorts
badly). ``PRAGMA optimize`` at every close kept them, but on SQLite before 3.46 it analyzes
again every table one of whose indexes has no statistics, and ANALYZE writes none for an
empty partial index (a database where no project has a 计划开工日期): every close of a
million-project database re-read the whole projects table (4.6–8.9 s). A limited analysis
(``PRAGMA analysis_limit``) was quick but misled the planner.

So the statistics are made in full, by table, when they are missing or the table has since
grown or shrunk by half or more (:data:`FACTOR`): after a bulk import (which rebuilds the
indexes it loaded, losing their statistics), once after opening a database that lacks them,
and at close only for a table that has really changed. Deciding reads each table's row
count and ``sqlite_stat1`` (milliseconds at a million rows); an unchanged database is not
analyzed. PostgreSQL keeps its own (autovacuum).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

FACTOR = 2  # analyze again when the rows grew or shrank by this factor since the last ANALYZE


def _tables(conn: Any) -> list[str]:
    """The tables the planner chooses indexes for: not the search's virtual tables nor the
    tables they keep their own data in (read by key only; counting them is the slowest)."""
    rows = conn.exec_driver_sql(
        "SELECT name, upper(sql) LIKE 'CREATE VIRTUAL%' FROM sqlite_master "
        "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all()
    virtual = [f"{name}_" for name, is_virtual in rows if is_virtual]
    return [str(name) for name, is_virtual in rows
            if not is_virtual and not str(name).startswith(tuple(virtual))]


def _measured(conn: Any) -> dict[str, int]:
    """Each table's row count when it was last analyzed (the first number of its rows)."""
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first()
    if exists is None:
        return {}
    rows = conn.exec_driver_sql(
        "SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl").all()
    return {str(t): int(n or 0) for t, n in rows}


def stale(conn: Any, tables: Sequence[str] | None = None) -> list[str]:
    """The tables (all, or ``tables``) whose statistics are missing or out of date: rows and
    no statistics, or FACTOR times more or fewer rows than when they were measured."""
    if conn.dialect.name != "sqlite":
        return []
    measured = _measured(conn)
    known = set(_tables(conn))
    out: list[str] = []
    for table in tables if tables is not None else sorted(known):
        if table not in known:
            continue
        rows = int(conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar() or 0)
        before = measured.get(table)
        if rows == 0:
            continue  # nothing to learn (and an empty table's statistics would stay missing)
        if before is None or rows >= before * FACTOR or rows * FACTOR <= before:
            out.append(table)
    return out


def analyze(conn: Any, tables: Sequence[str]) -> None:
    """Full statistics of ``tables`` (SQLite), in the caller's transaction."""
    if conn.dialect.name != "sqlite":
        return
    for table in tables:
        conn.exec_driver_sql(f'ANALYZE "{table}"')


def refresh(conn: Any, tables: Sequence[str] | None = None) -> list[str]:
    """Analyze what :func:`stale` finds; returns those tables (none for PostgreSQL)."""
    found = stale(conn, tables)
    analyze(conn, found)
    return found
