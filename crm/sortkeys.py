"""The project list's orders by another table's name: 企业, 负责人, 产业 (DESIGN §7 at a million).

Sorting projects by their company's pinyin key joined the companies to the projects: the
database walked a million companies in pinyin order and looked up each one's projects, so the
first screen was quick but a jump to row 500,000 took a second. Each project now holds a copy
of those keys (``company_key``, ``owner_key``, ``industry_key``, migration 0019), with one
index per order (the live rows: key, then id), so every order of the list streams from an
index as the name order does.

The copies are kept by triggers in the database itself, in the same transaction as the write,
whatever writes (a service, an import, another process): a project inserted or moved to
another company, owner or industry takes that row's key; a company, person or industry whose
name (so its sort key) changes passes the new key to its projects. A project without an owner
or industry has no key there, and sorts after the others either way.
"""

from __future__ import annotations

from typing import Any

# the projects' copy -> (the project's foreign key, the table whose sort_key it copies)
KEYS: dict[str, tuple[str, str]] = {
    "company_key": ("company_id", "companies"),
    "owner_key": ("owner_id", "users"),
    "industry_key": ("industry_id", "industries"),
}
_FKS = ", ".join(fk for fk, _ in KEYS.values())


def _lookups(row: str) -> str:
    """``key = (the referenced row's sort_key), …`` for project row ``row`` (NEW)."""
    return ", ".join(f"{key} = (SELECT sort_key FROM {table} WHERE id = {row}.{fk})"
                     for key, (fk, table) in KEYS.items())


def _sqlite_triggers() -> dict[str, str]:
    copy = f"UPDATE projects SET {_lookups('new')} WHERE id = new.id;"
    out = {
        "projects_sortkeys_ai": f"CREATE TRIGGER projects_sortkeys_ai AFTER INSERT ON projects "
                                f"BEGIN {copy} END",
        "projects_sortkeys_au": f"CREATE TRIGGER projects_sortkeys_au AFTER UPDATE OF {_FKS} "
                                f"ON projects BEGIN {copy} END",
    }
    for key, (fk, table) in KEYS.items():
        out[f"{table}_sortkey_au"] = (
            f"CREATE TRIGGER {table}_sortkey_au AFTER UPDATE OF sort_key ON {table} "
            f"WHEN new.sort_key IS NOT old.sort_key "
            f"BEGIN UPDATE projects SET {key} = new.sort_key WHERE {fk} = new.id; END")
    return out


def _pg_statements() -> list[str]:
    sets = "; ".join(f"NEW.{key} := (SELECT sort_key FROM {table} WHERE id = NEW.{fk})"
                     for key, (fk, table) in KEYS.items())
    out = [
        "CREATE OR REPLACE FUNCTION projects_sortkeys() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {sets}; RETURN NEW; END $$",
        "DROP TRIGGER IF EXISTS projects_sortkeys ON projects",
        f"CREATE TRIGGER projects_sortkeys BEFORE INSERT OR UPDATE OF {_FKS} ON projects "
        "FOR EACH ROW EXECUTE FUNCTION projects_sortkeys()",
    ]
    for key, (fk, table) in KEYS.items():
        out += [f"CREATE OR REPLACE FUNCTION {table}_sortkey() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN UPDATE projects SET {key} = NEW.sort_key WHERE {fk} = NEW.id; "
                f"RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {table}_sortkey_au ON {table}",
                f"CREATE TRIGGER {table}_sortkey_au AFTER UPDATE OF sort_key ON {table} "
                f"FOR EACH ROW WHEN (NEW.sort_key IS DISTINCT FROM OLD.sort_key) "
                f"EXECUTE FUNCTION {table}_sortkey()"]
    return out


def fill(conn: Any) -> None:
    """Every project's copies again from the referenced rows (the migration; a repair)."""
    sets = ", ".join(f"{key} = (SELECT t.sort_key FROM {table} t WHERE t.id = projects.{fk})"
                     for key, (fk, table) in KEYS.items())
    conn.exec_driver_sql(f"UPDATE projects SET {sets}")


def install(conn: Any) -> None:
    """The triggers, and the copies filled for the rows there are (migration 0019; the
    columns and indexes are the model's)."""
    if conn.dialect.name == "sqlite":
        for sql in _sqlite_triggers().values():
            conn.exec_driver_sql(sql)
    else:
        for sql in _pg_statements():
            conn.exec_driver_sql(sql)
    fill(conn)


def uninstall(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        for name in _sqlite_triggers():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS projects_sortkeys ON projects")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS projects_sortkeys()")
    for _key, (_fk, table) in KEYS.items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_sortkey_au ON {table}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {table}_sortkey()")


def repair(conn: Any) -> list[str]:
    """After a migration: a SQLite table rebuilt by a later migration (batch mode copies it)
    loses its triggers; put back what is missing and fill the copies again. Returns the
    triggers put back."""
    if conn.dialect.name != "sqlite":
        return []
    present = {str(n) for n in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars()}
    columns = {str(r[1]) for r in conn.exec_driver_sql("PRAGMA table_info(projects)")}
    if not set(KEYS) <= columns:
        return []  # before migration 0019
    missing = [name for name in _sqlite_triggers() if name not in present]
    if missing:
        for name in missing:
            conn.exec_driver_sql(_sqlite_triggers()[name])
        fill(conn)
    return missing
