"""The names a 接洽记录 search finds a log by, beside its content, on PostgreSQL (DESIGN §7 at
1,000,000 logs: a search keystroke within 50 ms).

A log is found by its content, its project's name or its company's name. The names were
matched in their own tables, then each matching project's or company's logs looked up: a
needle that 14,000 projects hold (“精密产业” among a million) read 14,000 rows of the wide
projects table again (pg_trgm's match is only a candidate: LIKE decides on the row) and looked
up the logs of each, 115 ms on a quiet machine. Here each log has one narrow row holding its
project's and its company's name, with a pg_trgm GIN index: the same search is one index read
and a check of its narrow rows (100 MB at a million logs, where the projects are 760 MB).

``contact_log_names`` (migration 0023) is kept by statement-level triggers, in the same
transaction as the write, whatever writes: a log inserted, moved to another project or company,
deleted or truncated; a project or company renamed. A trigger that copies a name first takes a
share lock on the named rows, so a rename committed meanwhile cannot leave a log with the old
name: the copy waits for the rename, then reads the new name (and the rename, waiting for the
copy, then sees the new log).

The two names are joined by :data:`SEP`: ``LIKE '%needle%'`` on the joined text is the
project's name LIKE it or the company's, for any needle without that character (a match
cannot run across the separator); a needle holding it is searched as before.
Where pg_trgm is missing (the server refused it, crm.search) the table is not made, and the
search reads the names as before. SQLite has its FTS5 index, which reads a name's matches from
the index alone (crm.search.holding): no copy is needed there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, Text, column, select, table, text

TABLE = "contact_log_names"
INDEX = f"ix_{TABLE}_trgm"
SEP = "\x1f"  # the unit separator, chr(31): nobody types it
_NAMES = "coalesce(p.name, '') || chr(31) || coalesce(c.name, '')"
_JOINED = (" LEFT JOIN projects p ON p.id = a.project_id"
           " LEFT JOIN companies c ON c.id = a.company_id")
_MOVED = ("a.project_id IS DISTINCT FROM r.project_id "
          "OR a.company_id IS DISTINCT FROM r.company_id")


def _lock(rows: str) -> str:
    """The projects and companies that ``rows`` (log rows, as ``a``) name, locked against a
    rename until this transaction ends, then read: a rename committed meanwhile is seen."""
    return "".join(f"PERFORM 1 FROM {t} WHERE id IN (SELECT a.{fk} FROM {rows}) FOR SHARE; "
                   for t, fk in (("projects", "project_id"), ("companies", "company_id")))


def _statements() -> list[str]:
    out: list[str] = []

    def trigger(name: str, on: str, event: str, referencing: str, body: str) -> None:
        out.extend([
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {on}",
            f"CREATE TRIGGER {name} AFTER {event} ON {on} {referencing}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"])

    trigger(f"{TABLE}_ins", "contact_logs", "INSERT", "REFERENCING NEW TABLE AS added ",
            _lock("added a") + f"INSERT INTO {TABLE} (id, names) SELECT a.id, {_NAMES} "
            f"FROM added a{_JOINED};")
    # (a statement-level trigger with transition tables takes no column list: every update
    # comes here, and only the logs moved to another project or company are locked and
    # written)
    trigger(f"{TABLE}_upd", "contact_logs", "UPDATE",
            "REFERENCING OLD TABLE AS removed NEW TABLE AS added ",
            _lock(f"added a JOIN removed r ON r.id = a.id WHERE {_MOVED}")
            + f"UPDATE {TABLE} n SET names = {_NAMES} FROM added a{_JOINED} "
            f"JOIN removed r ON r.id = a.id WHERE n.id = a.id AND ({_MOVED});")
    trigger(f"{TABLE}_del", "contact_logs", "DELETE", "REFERENCING OLD TABLE AS removed ",
            f"DELETE FROM {TABLE} WHERE id IN (SELECT id FROM removed);")
    trigger(f"{TABLE}_trunc", "contact_logs", "TRUNCATE", "", f"TRUNCATE {TABLE};")
    for source, fk in (("projects", "project_id"), ("companies", "company_id")):
        trigger(f"{TABLE}_{source}", source, "UPDATE",
                "REFERENCING OLD TABLE AS removed NEW TABLE AS added ",
                f"UPDATE {TABLE} n SET names = {_NAMES} FROM contact_logs a{_JOINED} "
                f"WHERE n.id = a.id AND a.{fk} IN (SELECT x.id FROM added x JOIN removed r "
                "ON r.id = x.id WHERE x.name IS DISTINCT FROM r.name);")
    return out


_TRIGGERS = (("contact_logs", "ins"), ("contact_logs", "upd"), ("contact_logs", "del"),
             ("contact_logs", "trunc"), ("projects", "projects"), ("companies", "companies"))


def install(conn: Any) -> bool:
    """The table, filled with every log's names, its GIN index and the triggers (migration
    0023); False where there is none to make (SQLite; PostgreSQL without pg_trgm)."""
    from crm import search  # (search names this table among its index objects)

    if conn.dialect.name != "postgresql":
        return False
    schema = search.trgm_schema(conn)
    if schema is None:
        return False
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {TABLE} "
                         "(id integer PRIMARY KEY, names text NOT NULL)")
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    conn.exec_driver_sql(f"INSERT INTO {TABLE} (id, names) SELECT a.id, {_NAMES} "
                         f"FROM contact_logs a{_JOINED}")
    ops = f'"{schema}".gin_trgm_ops'
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin (names {ops})")
    for sql in _statements():
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f"ANALYZE {TABLE}")
    return True


def uninstall(conn: Any) -> None:
    if conn.dialect.name != "postgresql":
        return
    for on, kind in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TABLE}_{kind} ON {on}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TABLE}_{kind}()")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


def is_names_object(name: str | None) -> bool:
    """Whether a table or index is this copy's (the models do not declare it)."""
    return name in (TABLE, INDEX)


def present(session: Any) -> bool:
    """Whether the copy is there to search (looked up once per unit of work)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    found = session.info.get("crm.log_names")
    if found is None:
        found = session.info["crm.log_names"] = bool(session.execute(
            text(f"SELECT to_regclass('{TABLE}') IS NOT NULL")).scalar())
    return bool(found)


def named(pattern: Any, escape: str) -> Select[Any]:
    """The ids of the logs whose project's or company's name is LIKE ``pattern`` (a bound
    ``%…%``; its needle without :data:`SEP`)."""
    names = table(TABLE, column("id", Integer), column("names", Text))
    return select(names.c.id).where(names.c.names.like(pattern, escape=escape))
