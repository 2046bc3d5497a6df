"""Whole lists' counts on PostgreSQL, kept by the database (DESIGN §7: a list's first screen
within 50 ms at a million rows).

A list that pages shows its true total; counting a million live projects reads a whole index
on PostgreSQL (90–190 ms at 1M), where SQLite counts a table from its b-tree pages in 2 ms
(crm.services.project_list.live_count). So on PostgreSQL the counts of the unfiltered lists
(the live projects, the live companies, every contact log) are kept in ``row_counts``, one
row per list, by statement-level triggers that add what a statement inserted and subtract
what it deleted or moved to the 回收站, in the same transaction, whatever writes (a service,
an import's COPY, another process). An edit that changes no count writes no counter, so it
takes no lock on it; an insert or a delete holds that list's counter row until it commits
(a concurrent insert into the same table waits for it: a short wait, or an import's length).

Filtered lists are counted as before. Where the table is missing (SQLite; a database before
migration 0019), callers count the rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

TABLE = "row_counts"
# list -> the rows it counts
COUNTED: dict[str, str] = {"projects": "deleted_at IS NULL", "companies": "deleted_at IS NULL",
                           "contact_logs": "TRUE"}


def _statements(table: str) -> list[str]:
    cond = COUNTED[table]
    moves = cond != "TRUE"  # an update can move a row in or out of the count
    body = (
        "DECLARE d bigint := 0; BEGIN "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        f"d := d + (SELECT count(*) FROM added WHERE {cond}); END IF; "
        f"IF TG_OP IN ('DELETE', 'UPDATE') THEN d := d - (SELECT count(*) FROM removed WHERE "
        f"{cond}); END IF; "
        f"IF TG_OP = 'TRUNCATE' THEN UPDATE {TABLE} SET n = 0 WHERE name = '{table}'; "
        f"ELSIF d <> 0 THEN UPDATE {TABLE} SET n = n + d WHERE name = '{table}'; END IF; "
        "RETURN NULL; END")
    out = [f"CREATE OR REPLACE FUNCTION {table}_count() RETURNS trigger LANGUAGE plpgsql AS "
           f"$$ {body} $$"]
    triggers = {"ins": ("INSERT", "REFERENCING NEW TABLE AS added "),
                "del": ("DELETE", "REFERENCING OLD TABLE AS removed "),
                "trunc": ("TRUNCATE", "")}
    if moves:
        triggers["upd"] = ("UPDATE", "REFERENCING OLD TABLE AS removed NEW TABLE AS added ")
    for kind, (event, referencing) in triggers.items():
        out += [f"DROP TRIGGER IF EXISTS {table}_count_{kind} ON {table}",
                f"CREATE TRIGGER {table}_count_{kind} AFTER {event} ON {table} {referencing}"
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_count()"]
    return out


def install(conn: Any) -> None:
    """The counters, their triggers, and the counts of the rows there are (migration 0019;
    PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {TABLE} "
                         "(name varchar(32) PRIMARY KEY, n bigint NOT NULL)")
    for table, cond in COUNTED.items():
        for sql in _statements(table):
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE name = '{table}'")
        conn.exec_driver_sql(f"INSERT INTO {TABLE} (name, n) "
                             f"SELECT '{table}', count(*) FROM {table} WHERE {cond}")


def uninstall(conn: Any) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in COUNTED:
        for kind in ("ins", "del", "trunc", "upd"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_count_{kind} ON {table}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {table}_count()")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


def kept(session: Any, table: str) -> int | None:
    """The kept count of ``table``'s list (see :data:`COUNTED`), or None where there is none
    (SQLite; before migration 0019)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    present = session.info.get("crm.counts")  # looked up once per unit of work
    if present is None:
        present = session.info["crm.counts"] = bool(session.execute(
            text(f"SELECT to_regclass('{TABLE}') IS NOT NULL")).scalar())
    if not present:
        return None
    found = session.execute(text(f"SELECT n FROM {TABLE} WHERE name = :t"),
                            {"t": table}).scalar()
    return None if found is None else int(found)


def is_counts_table(name: str | None) -> bool:
    """Whether a table is the counters' (the models do not declare it)."""
    return name == TABLE
