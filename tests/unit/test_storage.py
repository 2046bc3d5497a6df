"""Storage: where the database is, SQLite settings, migrations, refusing newer databases."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from crm import db as dbmod
from crm import local
from crm.counts import is_counts_table
from crm.db import Database
from crm.errors import SchemaError
from crm.local import resolve_url
from crm.models import Base, Project
from crm.search import is_index_object
from crm.services import companies, projects
from crm.services.common import SYSTEM

ROOT = Path(__file__).resolve().parents[2]


def test_url_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = resolve_url(None)
    assert default == f"sqlite:///{tmp_path / 'data' / 'crm.db'}"
    local.write_local_settings({"database_url": "postgresql://office/crm", "other": 1})
    assert resolve_url(None) == "postgresql+psycopg://office/crm"
    assert json.loads(local.settings_file().read_text(encoding="utf-8"))["other"] == 1
    monkeypatch.setenv("CRM_DATABASE_URL", str(tmp_path / "env.db"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("sqlite:////x/option.db") == "sqlite:////x/option.db"
    monkeypatch.delenv("CRM_DATABASE_URL")
    assert resolve_url(None) == "postgresql+psycopg://office/crm"
    local.settings_file().write_text("not json", encoding="utf-8")
    assert resolve_url(None) == default


def test_url_order_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from crm.cli import main
    env_db, opt_db = tmp_path / "env.db", tmp_path / "opt.db"
    monkeypatch.setenv("CRM_DATABASE_URL", str(env_db))
    assert main(["init"]) == 0
    assert env_db.exists() and not opt_db.exists()
    assert main(["--db", str(opt_db), "init"]) == 0
    assert opt_db.exists()
    assert not (tmp_path / "data" / "crm.db").exists()
    capsys.readouterr()


def test_normalize_url() -> None:
    assert dbmod.normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert dbmod.normalize_url("relative.db").startswith("sqlite:////")
    assert dbmod.normalize_url("sqlite:///:memory:") == "sqlite:///:memory:"


def test_sqlite_has_wal_and_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: a power cut keeps commits
    with pytest.raises(IntegrityError), sqlite_db.uow() as uow:
        uow.session.add(Project(name="孤儿", company_id=424242))
        uow.session.flush()


def test_migrations_from_empty_match_the_models(db: Database) -> None:
    current, head = db.schema_state()
    assert current == head
    with db.engine.connect() as conn:
        # the search indexes (crm.search: FTS5 tables, GIN indexes) and the counters
        # (crm.counts) are not models
        skip = {"include_name": lambda name, *_: not (is_index_object(name)
                                                      or is_counts_table(name))}
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True,
                                                                        **skip}),
                                Base.metadata)
    assert diff == []
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
    assert db.revision() == 0


def test_the_known_head_is_the_newest_migration(db: Database) -> None:
    """Opening a database at SCHEMA_HEAD skips Alembic: it must be the scripts' head, or a
    database one migration behind would be taken as current."""
    from crm.db import SCHEMA_HEAD

    assert db.schema_state() == (SCHEMA_HEAD, SCHEMA_HEAD)


def test_opening_a_current_database_does_not_load_alembic(tmp_path: Path) -> None:
    """The app's start does not pay for Alembic's import when there is nothing to migrate."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    Database(url).dispose()
    code = ("import sys; from crm.db import Database; Database(sys.argv[1]).dispose(); "
            "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True)
    assert out.stdout.strip() == "False"


def test_opening_again_does_not_migrate(db: Database) -> None:
    again = Database(db.url)
    try:
        assert again.schema_state() == db.schema_state()
    finally:
        again.dispose()


def test_a_newer_database_is_refused(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaError) as err:
        Database(db.url)
    assert err.value.code == "db.too_new"
    assert "9999_future" in err.value.message and "升级" in err.value.message


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT)")
    con.close()
    with pytest.raises(SchemaError) as err:
        Database(str(path))
    assert err.value.code == "db.foreign"


def test_bad_urls(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as err:
        Database("nosuchdriver://x/y")
    assert err.value.code == "db.url"
    with pytest.raises(SchemaError) as err:
        Database(str(tmp_path))  # a folder
    assert err.value.code == "db.open"


def test_revision_counts_commits_only(db: Database) -> None:
    start = db.revision()
    db.run(companies.create_company, SYSTEM, companies.CompanyInput("某公司"))
    assert db.revision() == start + 1
    with db.uow() as uow:
        companies.create_company(uow, SYSTEM, companies.CompanyInput("未提交的公司"))
    assert db.revision() == start + 1
    assert [c.name for c in db.read(companies.list_companies)] == ["某公司"]


def test_another_connection_sees_the_change(db: Database) -> None:
    """What 'live' rests on: a second connection sees the revision and the row at once."""
    other = Database(db.url)
    try:
        seen = other.revision()
        company = db.run(companies.create_company, SYSTEM, companies.CompanyInput("某公司"))
        db.run(projects.create_project, SYSTEM, projects.ProjectInput("新项目", company.id))
        assert other.revision() == seen + 2
        assert [p.name for p in other.read(projects.list_projects)] == ["新项目"]
    finally:
        other.dispose()


def test_crm_imports_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys, crm\n"
        "for m in pkgutil.walk_packages(crm.__path__, 'crm.'):\n"
        "    if not m.name.startswith(('crm.migrations', 'crm.__main__')):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'ui', 'qtawesome'))\n"
        "print(len([n for n in sys.modules if n.startswith('crm')]), bad)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    count, bad = proc.stdout.split(" ", 1)
    assert int(count) >= 20  # the walk did import the services, cli, demo …
    assert bad.strip() == "[]"


@pytest.mark.pg
def test_postgres_url_without_driver_suffix(pg_db: Database) -> None:
    db = pg_db
    plain = db.url.replace("postgresql+psycopg://", "postgresql://")
    again = Database(plain)
    try:
        assert again.url.startswith("postgresql+psycopg://")
        assert again.schema_state()[0] == db.schema_state()[0]
    finally:
        again.dispose()
