"""Shared fixtures: databases on SQLite (always) and PostgreSQL (where a server answers)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crm.db import Database
from crm.services.common import SYSTEM

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_url() -> str | None:
    """The PostgreSQL server for tests, or None where there is none."""
    url = os.environ.get("CRM_TEST_PG_URL", PG_DEFAULT)
    if url in ("", "0", "off"):
        return None
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return None
    return url


_PG = pg_url()


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    """argon2 with its lightest parameters: tests create hundreds of accounts, and the
    production cost (~50 ms a hash, on purpose) would add minutes without testing anything."""
    from argon2 import PasswordHasher

    from crm.services import users

    kept = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    users._hasher = kept


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's settings and default database out of the user's real folders."""
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    Database(f"sqlite:///{path}").dispose()
    return path


def _pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def _drop_pg_schema(base: str, schema: str) -> None:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "crm.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


def _empty_pg_schema(db: Database) -> bool:
    """Empty every table of a migrated schema (fast: one TRUNCATE); False when a test left the
    schema itself changed, so that it must be made anew."""
    from crm.models import Base, Revision

    current, head = db.schema_state()
    if current != head:
        return False
    with db.engine.begin() as conn:
        # DELETE is far quicker than TRUNCATE on a handful of rows (no new files per table).
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
            if "id" in table.c and table.c.id.autoincrement:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  "1, false)"))
        conn.execute(Revision.__table__.insert().values(id=1, value=0))
        # what the migrations themselves write (the investor tiers …) is there in a new
        # database, so an emptied one has it back
        for table in Base.metadata.sorted_tables:
            rows = _SEEDED.get(table.name)
            if rows:
                conn.execute(table.insert(), rows)
                if "id" in table.c and table.c.id.autoincrement:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                      f"'id'), {max(r['id'] for r in rows)})"))
    return True


_SEEDED: dict[str, list[dict[str, object]]] = {}  # table → the rows a new schema holds


def _new_pg_schema(db: Database) -> None:
    """Migrate a new schema and note the rows the migrations wrote (see _empty_pg_schema)."""
    from crm.models import Base, Revision

    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table is Revision.__table__:
                continue
            rows = [dict(r._mapping) for r in conn.execute(table.select())]
            if rows:
                _SEEDED[table.name] = rows
    db.dispose()


@pytest.fixture(scope="session")
def _pg_shared() -> Iterator[dict[str, str]]:
    """One migrated schema for the session; each test gets it emptied (migrating per test
    costs about a second on the server)."""
    if _PG is None:
        yield {}
        return
    url, schema = _pg_schema_url(_PG)
    _new_pg_schema(Database(url))
    state = {"url": url, "schema": schema}
    yield state
    _drop_pg_schema(_PG, state["schema"])


@pytest.fixture
def pg_db(_pg_shared: dict[str, str]) -> Iterator[Database]:
    if _PG is None:
        pytest.skip("PostgreSQL server not available (set CRM_TEST_PG_URL)")
    db = Database(_pg_shared["url"])
    yield db
    db.dispose()
    check = Database(_pg_shared["url"], upgrade=False)
    try:
        reusable = _empty_pg_schema(check)
    except Exception:
        reusable = False
    finally:
        check.dispose()
    if not reusable:  # the test changed the schema itself: start from a new one
        _drop_pg_schema(_PG, _pg_shared["schema"])
        _pg_shared["url"], _pg_shared["schema"] = _pg_schema_url(_PG)
        _new_pg_schema(Database(_pg_shared["url"]))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db(request: pytest.FixtureRequest) -> Database:
    """An empty, migrated database: every core test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    from crm.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    load_demo(db, today=dt.date(2026, 11, 28))
    db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A copy of the demo data set on SQLite (loaded once per test run)."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def system() -> object:
    return SYSTEM
