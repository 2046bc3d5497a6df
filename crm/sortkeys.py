"""The project list's orders by another table's name: 企业, 负责人, 产业 (DESIGN §7 at a million).

Sorting projects by their company's pinyin key joined the companies to the projects: the
database walked a million companies in pinyin order and looked up each one's projects, so the
first screen was quick but a jump to row 500,000 took a second. Each project now holds a copy
of those keys (``company_key``, ``owner_key``, ``industry_key``, migration 0019), with one
index per order (the live rows: key, then id), so every order of the list streams from an
index as the name order does. The 接洽记录 list's orders by project, company and person
likewise (``contact_logs.project_key``, ``company_key``, ``user_key``).

The copies are kept by triggers in the database itself, in the same transaction as the write,
whatever writes (a service, an import, another process): a project inserted or moved to
another company, owner or industry takes that row's key; a company, person or industry whose
name (so its sort key) changes passes the new key to its projects. A project without an owner
or industry has no key there, and sorts after the others either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import inspect

from crm import triggers

# table -> its copy -> (the table's foreign key, the table whose sort_key it copies)
COPIES: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {"company_key": ("company_id", "companies"), "owner_key": ("owner_id", "users"),
                 "industry_key": ("industry_id", "industries")},
    # the 接洽记录 list by project, by company and by person
    "contact_logs": {"project_key": ("project_id", "projects"),
                     "company_key": ("company_id", "companies"),
                     "user_key": ("user_id", "users")},
}
KEYS = COPIES["projects"]
# a table whose sort key is copied -> [(the copying table, its copy, its foreign key)]
SOURCES: dict[str, list[tuple[str, str, str]]] = {}
for _table, _copies in COPIES.items():
    for _key, (_fk, _source) in _copies.items():
        SOURCES.setdefault(_source, []).append((_table, _key, _fk))


def _lookups(table: str, row: str, op: str = " = ") -> str:
    """``key = (the referenced row's sort_key), …`` for row ``row`` (NEW) of ``table``."""
    return ", ".join(f"{key}{op}(SELECT sort_key FROM {source} WHERE id = {row}.{fk})"
                     for key, (fk, source) in COPIES[table].items())


def _fks(table: str) -> str:
    return ", ".join(fk for fk, _ in COPIES[table].values())


def _sqlite_triggers() -> dict[str, str]:
    out: dict[str, str] = {}
    for table in COPIES:
        copy = f"UPDATE {table} SET {_lookups(table, 'new')} WHERE id = new.id;"
        out[f"{table}_sortkeys_ai"] = (f"CREATE TRIGGER {table}_sortkeys_ai AFTER INSERT ON "
                                       f"{table} BEGIN {copy} END")
        out[f"{table}_sortkeys_au"] = (f"CREATE TRIGGER {table}_sortkeys_au AFTER UPDATE OF "
                                       f"{_fks(table)} ON {table} BEGIN {copy} END")
    for source, copies in SOURCES.items():
        sets = " ".join(f"UPDATE {table} SET {key} = new.sort_key WHERE {fk} = new.id;"
                        for table, key, fk in copies)
        out[f"{source}_sortkey_au"] = (
            f"CREATE TRIGGER {source}_sortkey_au AFTER UPDATE OF sort_key ON {source} "
            f"WHEN new.sort_key IS NOT old.sort_key BEGIN {sets} END")
    return out


def _pg_statements() -> list[str]:
    out: list[str] = []
    for table in COPIES:
        sets = "; ".join(f"NEW.{key} := (SELECT sort_key FROM {source} WHERE id = NEW.{fk})"
                         for key, (fk, source) in COPIES[table].items())
        out += [f"CREATE OR REPLACE FUNCTION {table}_sortkeys() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {sets}; RETURN NEW; END $$",
                f"DROP TRIGGER IF EXISTS {table}_sortkeys ON {table}",
                f"CREATE TRIGGER {table}_sortkeys BEFORE INSERT OR UPDATE OF {_fks(table)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_sortkeys()"]
    for source, copies in SOURCES.items():
        sets = " ".join(f"UPDATE {table} SET {key} = NEW.sort_key WHERE {fk} = NEW.id;"
                        for table, key, fk in copies)
        out += [f"CREATE OR REPLACE FUNCTION {source}_sortkey() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN {sets} RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {source}_sortkey_au ON {source}",
                f"CREATE TRIGGER {source}_sortkey_au AFTER UPDATE OF sort_key ON {source} "
                f"FOR EACH ROW WHEN (NEW.sort_key IS DISTINCT FROM OLD.sort_key) "
                f"EXECUTE FUNCTION {source}_sortkey()"]
    return out


def fill(conn: Any, tables: tuple[str, ...] = tuple(COPIES)) -> None:
    """The copies again from the referenced rows (the migration; a repair)."""
    for table in tables:
        sets = ", ".join(f"{key} = (SELECT t.sort_key FROM {source} t WHERE t.id = {table}.{fk})"
                         for key, (fk, source) in COPIES[table].items())
        conn.exec_driver_sql(f"UPDATE {table} SET {sets}")


def install(conn: Any) -> None:
    """The triggers, and the copies filled for the rows there are (migration 0019; the
    columns and indexes are the model's)."""
    triggers.create(conn, _sqlite_triggers().values(), _pg_statements())
    fill(conn)


def uninstall(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        for name in _sqlite_triggers():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in COPIES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_sortkeys ON {table}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {table}_sortkeys()")
    for source in SOURCES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {source}_sortkey_au ON {source}")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {source}_sortkey()")


def repair(conn: Any) -> list[str]:
    """After a migration: a SQLite table rebuilt by a later migration (batch mode copies it)
    loses its triggers; put back what is missing and fill the copies again. Returns the
    triggers put back."""
    if conn.dialect.name != "sqlite":
        return []
    present = {str(n) for n in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars()}
    columns = {str(r[1]) for r in conn.exec_driver_sql("PRAGMA table_info(contact_logs)")}
    if not set(COPIES["contact_logs"]) <= columns:
        return []  # before migration 0019
    missing = [name for name in _sqlite_triggers() if name not in present]
    if missing:
        for name in missing:
            conn.exec_driver_sql(_sqlite_triggers()[name])
        fill(conn)
    return missing


def _installed(conn: Any, table: str) -> bool:
    columns = {str(c["name"]) for c in inspect(conn).get_columns(table)}
    return set(COPIES[table]) <= columns


@contextmanager
def suspended(conn: Any, tables: Sequence[str]) -> Iterator[None]:
    """For a bulk load into ``tables`` inside one transaction: the rows go in without a
    trigger each (on SQLite one more UPDATE a row: +35 µs, +66 % of a bare insert), and the
    new rows' copies are filled in one statement afterwards. A failed load rolls it all back.
    Renames (the triggers on the named tables) keep working meanwhile."""
    chosen = [t for t in COPIES if t in tables and _installed(conn, t)]
    if not chosen:
        yield
        return
    since = {t: int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {t}").scalar() or 0)
             for t in chosen}
    sqlite = conn.dialect.name == "sqlite"
    for t in chosen:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {t}_sortkeys_ai" if sqlite else
                             f"ALTER TABLE {t} DISABLE TRIGGER {t}_sortkeys")
    yield
    for t in chosen:
        sets = ", ".join(f"{key} = (SELECT s.sort_key FROM {source} s WHERE s.id = {t}.{fk})"
                         for key, (fk, source) in COPIES[t].items())
        conn.exec_driver_sql(f"UPDATE {t} SET {sets} WHERE id > {since[t]}")
        if sqlite:
            conn.exec_driver_sql(_sqlite_triggers()[f"{t}_sortkeys_ai"])
        else:
            conn.exec_driver_sql(f"ALTER TABLE {t} ENABLE TRIGGER {t}_sortkeys")
