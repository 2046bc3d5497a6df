"""Bulk inserts for an import: rows straight through the database driver, in one transaction.

SQLAlchemy's own executemany converts every value of every row through its type (and on
SQLite, with RETURNING, falls back to a statement per row): at 100k projects that was most of
the import. Here each column's converter is looked up once, dates are converted once per
distinct date, and ids are reserved up front so dependent rows need no round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Date, DateTime, Table, func, select, text
from sqlalchemy.schema import ColumnDefault

from crm.db import UnitOfWork

CHUNK = 10000  # rows per INSERT … executemany
SQLITE_CACHE_KIB = -131072  # negative: KiB, i.e. up to 128 MiB while an import writes


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

    @contextmanager
    def indexes_rebuilt(self, table: Table, adding: int) -> Iterator[None]:
        """On SQLite, when the rows ``adding`` are at least as many as the table holds: drop the
        table's plain (non-unique) indexes, and create them again, with the very same SQL, once
        the rows are in. Sorting every key once is faster than inserting 100k keys one by one
        into each of the projects' 16 indexes (or the companies' name and sort key). All inside
        the import's transaction: a failed or cancelled import rolls the indexes back with the
        rows, and other connections keep reading the committed database meanwhile (WAL)."""
        if self.dialect.name != "sqlite" or adding < 1000:
            yield
            return
        name = table.name
        held = int(self.conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar() or 0)
        if adding < held:
            yield
            return
        found = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name", (name,)).all()
        indexes = [(str(index), str(sql)) for index, sql in found
                   if not str(sql).lstrip().upper().startswith("CREATE UNIQUE")]
        for index, _ in indexes:
            self.conn.exec_driver_sql(f'DROP INDEX "{index}"')
        yield
        for _, sql in indexes:
            self.conn.exec_driver_sql(sql)

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
