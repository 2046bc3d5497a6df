"""Bulk inserts for an import: rows straight through the database driver, in one transaction.

SQLAlchemy's own executemany converts every value of every row through its type (and on
SQLite, with RETURNING, falls back to a statement per row): at 100k projects that was most of
the import. Here each column's converter is looked up once, dates are converted once per
distinct date, and ids are reserved up front so dependent rows need no round trip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Date, DateTime, Table, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import ColumnDefault

from crm import planner, rollup, search, sortkeys
from crm.db import LOCK_NOT_AVAILABLE, UnitOfWork

log = logging.getLogger(__name__)

CHUNK = 10000  # rows per INSERT … executemany
SQLITE_CACHE_KIB = -131072  # negative: KiB, i.e. up to 128 MiB while an import writes
LOCK_WAIT_MS = 2000  # PostgreSQL: how long a rebuild waits for other sessions to let go


class Bulk:
    """INSERT … executemany straight through the driver, for the rows an import creates."""

    def __init__(self, uow: UnitOfWork):
        self.conn = uow.session.connection()
        self.dialect = self.conn.dialect
        self.mark = "?" if self.dialect.paramstyle in ("qmark", "numeric") else "%s"

    @contextmanager
    def big_cache(self) -> Iterator[None]:
        """On SQLite, a page cache that holds the indexes 100k new rows touch (default 2 MB:
        every index insert would re-read its page); memory only, journaling is unchanged."""
        if self.dialect.name != "sqlite":
            yield
            return
        before = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
        self.conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")

    def worth_rebuilding(self, table: Table, adding: int) -> bool:
        """Whether ``adding`` new rows are enough to rebuild ``table``'s indexes rather than
        grow them: at least 1000, and at least as many as the table holds (a first ledger, or
        one larger than what is stored)."""
        if adding < 1000:
            return False
        held = self.conn.exec_driver_sql(
            f"SELECT count(*) FROM {self.dialect.identifier_preparer.format_table(table)}")
        return adding >= int(held.scalar() or 0)

    @contextmanager
    def rebuilt(self, tables: Sequence[Table]) -> Iterator[None]:
        """Drop the plain (non-unique) indexes of ``tables`` — and on PostgreSQL the foreign
        keys among them — and create them again, with the very same definitions, once the rows
        are in.

        Sorting every key once is faster than inserting 100k keys one by one into each of the
        projects' 16 indexes; on PostgreSQL a foreign key checks each copied row with a query
        of its own, where adding it back checks them all in one join. Everything happens
        inside the import's transaction: a failed or cancelled import rolls the indexes and
        keys back with the rows. On SQLite other connections keep reading the committed
        database meanwhile (WAL); on PostgreSQL they wait for these tables (only these) until
        the import commits, so this is only for ``worth_rebuilding`` imports, and is skipped
        when another session holds the tables for longer than :data:`LOCK_WAIT_MS`."""
        if not tables:
            yield
            return
        dropped = (self._pg_drop(tables) if self.dialect.name == "postgresql"
                   else self._sqlite_drop(tables))
        # SQLite's trigram search index, the figures' rollup and the lists' sort-key copies:
        # rebuilt once the rows are in, not row by row
        names = [t.name for t in tables]
        with search.suspended(self.conn, names), \
                rollup.suspended(self.conn, names, held=bool(dropped)), \
                sortkeys.suspended(self.conn, names):
            yield
        for sql in dropped:
            self.conn.exec_driver_sql(sql)
        # SQLite dropped the indexes' planner statistics with them, and the tables at least
        # doubled: measured again here, once, rather than at the next close (crm.planner)
        planner.analyze(self.conn, names)

    def _sqlite_drop(self, tables: Sequence[Table]) -> list[str]:
        """Drops the tables' plain indexes; returns the statements that create them again."""
        again: list[str] = []
        for table in tables:
            found = self.conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL ORDER BY name", (table.name,)).all()
            for index, sql in found:
                if str(sql).lstrip().upper().startswith("CREATE UNIQUE"):
                    continue
                self.conn.exec_driver_sql(f'DROP INDEX "{index}"')
                again.append(str(sql))
        return again

    def _pg_drop(self, tables: Sequence[Table]) -> list[str]:
        """Drops the tables' plain indexes and the foreign keys among them; returns the
        statements that create them again (indexes first: checking the keys then finds them).
        Nothing is dropped when a table stays locked by another session for
        :data:`LOCK_WAIT_MS`."""
        indexes: list[tuple[str, str]] = []
        keys: list[tuple[str, str, str]] = []
        # Only keys between these tables: dropping a key locks the table it points to as well,
        # and users, industries, events … must stay readable (sign-in, every other window).
        held = [self.dialect.identifier_preparer.format_table(t) for t in tables]
        for table in tables:
            name = self.dialect.identifier_preparer.format_table(table)
            indexes += [(str(n), str(d)) for n, d in self.conn.exec_driver_sql(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = CAST(%(t)s AS regclass) AND NOT i.indisunique "
                "ORDER BY c.relname", {"t": name})]
            keys += [(name, str(k), str(d)) for k, d in self.conn.exec_driver_sql(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(%(t)s AS regclass) AND contype = 'f' "
                "AND confrelid = ANY(CAST(%(held)s AS regclass[])) ORDER BY conname",
                {"t": name, "held": held})]
        quote = self.dialect.identifier_preparer.quote
        self.conn.exec_driver_sql("SAVEPOINT crm_bulk_rebuild")
        try:
            self.conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
            for table_name, key, _ in keys:
                self.conn.exec_driver_sql(f"ALTER TABLE {table_name} DROP CONSTRAINT {quote(key)}")
            for index, _ in indexes:
                self.conn.exec_driver_sql(f"DROP INDEX {quote(index)}")
            self.conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            log.info("tables in use by another session: indexes and keys kept while importing")
            self.conn.exec_driver_sql("ROLLBACK TO SAVEPOINT crm_bulk_rebuild")
            self.conn.exec_driver_sql("RELEASE SAVEPOINT crm_bulk_rebuild")
            return []
        self.conn.exec_driver_sql("RELEASE SAVEPOINT crm_bulk_rebuild")
        return [*(sql for _, sql in indexes),
                *(f"ALTER TABLE {t} ADD CONSTRAINT {quote(k)} {d}" for t, k, d in keys)]

    def new_ids(self, table: Table, n: int) -> list[int]:
        """``n`` fresh ids for ``table`` that no other writer can take."""
        if n == 0:
            return []
        if self.dialect.name == "postgresql":
            seq = self.conn.scalar(select(func.pg_get_serial_sequence(table.name, "id")))
            rows: Any = self.conn.execute(
                text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
                {"seq": seq, "n": n})
            return [int(i) for i in rows.scalars()]
        # SQLite: a statement that writes (nothing) takes the database's write lock for the
        # rest of the transaction, so the ids after today's largest stay ours.
        self.conn.exec_driver_sql("UPDATE revision SET value = value WHERE 0")
        top = int(self.conn.scalar(select(func.max(table.c.id))) or 0)
        return list(range(top + 1, top + n + 1))

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys; other columns get their defaults."""
        if rows:
            names = list(rows[0])
            self.insert_tuples(table, names, [tuple(r[n] for n in names) for r in rows])

    def insert_tuples(self, table: Table, names: list[str] | tuple[str, ...],
                      rows: list[tuple[Any, ...]]) -> None:
        """Insert rows given as tuples of the columns ``names``; other columns get their
        defaults."""
        if not rows:
            return
        columns: list[Any] = []
        for name, values in zip(names, zip(*rows, strict=True), strict=True):
            convert = self._converter(table.c[name])
            columns.append(values if convert is None else list(map(convert, values)))
        fixed: list[tuple[str, Any]] = []  # columns with a default: the same in every row
        literal: list[tuple[str, str]] = []  # … and written into the statement (not COPY)
        copy = self.dialect.name == "postgresql"  # COPY: several times faster than executemany
        for col in table.columns:
            default = col.default
            if col.name in names or default is None or not isinstance(default, ColumnDefault):
                continue
            arg: Any = default.arg
            value = arg(None) if default.is_callable else arg
            render = None if copy else col.type.literal_processor(self.dialect)
            if render is not None:  # one literal instead of a bound value in each row
                literal.append((col.name, render(value)))
                continue
            convert = self._converter(col)
            fixed.append((col.name, value if convert is None else convert(value)))
        quote = self.dialect.identifier_preparer.quote
        all_names = [*names, *(n for n, _ in fixed), *(n for n, _ in literal)]
        target = (f"{self.dialect.identifier_preparer.format_table(table)} "
                  f"({', '.join(quote(n) for n in all_names)})")
        if copy:
            sql = f"COPY {target} FROM STDIN"
        else:
            marks = [self.mark] * (len(names) + len(fixed))
            sql = f"INSERT INTO {target} VALUES ({', '.join([*marks, *(v for _, v in literal)])})"
        n = len(rows)
        columns.extend([v] * n for _, v in fixed)
        data = list(zip(*columns, strict=True))
        driver: Any = self.conn.connection.driver_connection
        _run(driver.cursor(), sql, data)

    def _converter(self, col: Column[Any]) -> Callable[[Any], Any] | None:
        process = col.type._cached_bind_processor(self.dialect)
        if process is None or not isinstance(col.type, Date | DateTime):
            return process
        seen: dict[Any, Any] = {}  # few distinct dates: convert each once

        def memo(value: Any) -> Any:
            try:
                return seen[value]
            except KeyError:
                seen[value] = out = process(value)
                return out
        return memo


def _run(cursor: Any, sql: str, data: list[tuple[Any, ...]]) -> None:
    if sql.startswith("COPY "):
        with cursor.copy(sql) as copy:
            for row in data:
                copy.write_row(row)
    else:
        cursor.executemany(sql, data)
