"""What only a real PostgreSQL server shows: concurrent sessions, the CLI on a server URL,
pg_dump backups. Skipped cleanly where no server answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from crm.db import Database
from crm.errors import ConflictError
from crm.services import companies, pipeline, projects
from crm.services.common import SYSTEM
from crm.services.pipeline import AgreementInput
from tests.conftest import _PG, _drop_pg_schema, _pg_schema_url
from tests.unit.builders import D

pytestmark = pytest.mark.pg
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[tuple[str, str]]:
    """A fresh schema on the server: (URL with search_path, schema name)."""
    if _PG is None:
        pytest.skip("PostgreSQL server not available (set CRM_TEST_PG_URL)")
    url, schema = _pg_schema_url(_PG)
    yield url, schema
    _drop_pg_schema(_PG, schema)


@pytest.fixture
def pg(server: tuple[str, str]) -> Iterator[Database]:
    db = Database(server[0])
    yield db
    db.dispose()


def _one_project(db: Database) -> projects.ProjectRow:
    company = db.run(companies.create_company, SYSTEM, companies.CompanyInput("某公司"))
    # a lead from before the signings the tests date (a lead date defaults to today)
    return db.run(projects.create_project, SYSTEM, projects.ProjectInput(
        "并发项目", company.id, lead_on=D(2025, 1, 2)))


def test_two_sessions_edit_the_same_project(pg: Database) -> None:
    """Both read version 1; the first saves; the second, still holding version 1, is refused."""
    row = _one_project(pg)
    second = Database(pg.url)  # another window or process: its own engine and connections
    try:
        with second.uow() as b:
            seen = projects.get_project(b, row.id)
            projects.load_for_write(b, SYSTEM, row.id, None)  # B holds the row in its session
            pg.run(projects.update_project, SYSTEM, row.id, seen.to_input(note="A 先保存"),
                   expected_version=seen.version)
            with pytest.raises(ConflictError):
                projects.update_project(b, SYSTEM, row.id, seen.to_input(note="B 后保存"),
                                        expected_version=seen.version)
        now = pg.read(projects.get_project, row.id)
        assert (now.note, now.version) == ("A 先保存", seen.version + 1)
    finally:
        second.dispose()


def test_concurrent_writers_one_wins(pg: Database) -> None:
    """Two threads sign the same project at once: one commits, the other gets ConflictError;
    exactly one agreement and one StageChange row exist afterwards."""
    row = _one_project(pg)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def sign(amount: str) -> None:
        db = Database(pg.url, upgrade=False)
        try:
            with db.uow() as uow:
                projects.get_project(uow, row.id)
                barrier.wait()
                try:
                    pipeline.advance(uow, SYSTEM, row.id, "signed", D(2025, 3, 1),
                                     agreement=AgreementInput(D(2025, 3, 1), Decimal(amount)),
                                     expected_version=row.version)
                    uow.commit()
                    results.append("ok")
                except ConflictError:
                    results.append("conflict")
        finally:
            db.dispose()

    threads = [threading.Thread(target=sign, args=(a,)) for a in ("100", "200")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["conflict", "ok"]
    final = pg.read(projects.get_project, row.id)
    assert final.stage == "signed" and final.signed_amount in (Decimal(100), Decimal(200))
    assert len(pg.read(pipeline.agreements, row.id)) == 1
    assert len(pg.read(projects.stage_history, row.id)) == 2  # lead, signed


def _cli(url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crm", "--db", url, *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_demo_and_stats_on_the_server(server: tuple[str, str]) -> None:
    url = server[0].replace("postgresql+psycopg://", "postgresql://")  # as a person types it
    assert _cli(url, "init").returncode == 0
    demo = _cli(url, "demo")
    assert demo.returncode == 0, demo.stderr
    h1 = ["--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-12-31", "--json"]
    stats = json.loads(_cli(url, "stats", *h1).stdout)
    assert (stats["signed"], stats["started"], stats["start_rate"], stats["start_rate_text"]) \
        == (26, 15, 0.5769, "57.69%")
    event = json.loads(_cli(url, "stats", *h1, "--event", "楚材聚汉").stdout)
    assert (event["signed"], event["signed_amount_yi"]) == (8, "50.70")
    listed = json.loads(_cli(url, "projects", "--json").stdout)
    assert len(listed) == 56  # with the two leads made from 招商图谱 targets
    bad = _cli(url, "advance", "没有这个项目", "--to", "signed", "--date", "2025-01-01")
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1


def test_backup_with_pg_dump(pg: Database, server: tuple[str, str], tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore not installed")
    row = _one_project(pg)
    target = tmp_path / "crm.dump"
    proc = _cli(pg.url, "backup", str(target))
    if proc.returncode != 0 and "server version" in proc.stderr:
        pytest.skip(f"pg_dump does not match the server: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert target.stat().st_size > 0
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                             text=True, timeout=60)
    assert listing.returncode == 0
    schema = server[1]
    assert f"TABLE {schema} projects" in listing.stdout
    assert f"TABLE DATA {schema} projects" in listing.stdout
    # restore into a new database-less schema: the data is really there
    sql = subprocess.run(["pg_restore", "--data-only", "--table=projects", "-f", "-",
                          str(target)], capture_output=True, text=True, timeout=60)
    assert row.name in sql.stdout


def test_pinyin_order_does_not_depend_on_the_server_locale(pg_db: Database) -> None:
    """Under a glibc locale like en_US.UTF-8, PostgreSQL ignores spaces when comparing text,
    which would put 杭州 (hang2) before 海口 (hai3); the sort keys compare byte by byte."""
    from sqlalchemy import text

    with pg_db.engine.connect() as conn:
        collations = dict(conn.execute(text(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'sort_key' AND table_schema = current_schema()")).all())
    # every table with a pinyin sort key (target firms and the like included) sorts bytewise
    assert {"users", "industries", "companies", "ambassadors", "projects"} <= set(collations)
    assert {t: c for t, c in collations.items() if c != "C"} == {}
    company = pg_db.run(companies.create_company, SYSTEM, companies.CompanyInput("某企业"))
    for name in ("杭州项目", "海口项目", "安庆项目"):
        pg_db.run(projects.create_project, SYSTEM, projects.ProjectInput(name, company.id))
    names = [p.name for p in pg_db.read(projects.list_projects)]
    assert names == ["安庆项目", "海口项目", "杭州项目"]


def test_a_large_import_does_not_wait_for_a_reader(pg: Database, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A first large ledger is copied with the tables' indexes and foreign keys dropped and
    rebuilt, which needs the tables to itself. While another session reads the projects in an
    open transaction (a window in the middle of a query), the import does not queue behind it
    (and everyone behind the import): after a short wait it writes with them in place."""
    from sqlalchemy import func, select

    from crm.excel import bulk
    from crm.excel.importer import import_ledger
    from crm.models import Project
    from tests.unit.builders import world
    from tests.unit.test_excel_import import _indexes, ledger

    world(pg)
    before = _indexes(pg)
    monkeypatch.setattr(bulk, "LOCK_WAIT_MS", 300)
    caplog.set_level("INFO", logger=bulk.__name__)
    many = [[i, f"批量项目{i}", f"批量企业{i}有限公司", None, "新材料", 1, "已开工", "2025-01-02", None,
             None, "2025-02-03", "王芳", "自主", None, None] for i in range(1, 1201)]
    path = ledger(tmp_path / "big.xlsx", many)
    with pg.engine.connect() as reader:
        assert reader.execute(select(func.count()).select_from(Project)).scalar() == 0
        report = import_ledger(pg, SYSTEM, path)  # the reader's transaction is still open
        assert (report.created, report.errors) == (1200, ())
        assert "in use by another session" in caplog.text
    assert _indexes(pg) == before
    assert pg.read(projects.count_projects) == 1200
    # the tables were not held, so the rollup's triggers counted row by row: exact all the same
    from crm import rollup
    from tests.unit.test_rollup import _cells

    kept = _cells(pg)
    assert ("all", "", "signed", 202501, 202502, 1200, 0) in kept
    with pg.engine.begin() as conn:
        rollup.rebuild(conn)
    assert _cells(pg) == kept


def test_a_dry_run_of_a_large_ledger_takes_no_table(pg: Database, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """试导入 only counts the new projects: it neither writes them nor takes the tables to
    rebuild their indexes, so a reader in the middle of a transaction never delays it."""
    from crm.excel import bulk
    from crm.excel.importer import import_ledger
    from tests.unit.builders import world
    from tests.unit.test_excel_import import ledger

    world(pg)
    monkeypatch.setattr(bulk, "LOCK_WAIT_MS", 300)
    caplog.set_level("INFO", logger=bulk.__name__)
    many = [[i, f"批量项目{i}", f"批量企业{i}有限公司", None, "新材料", 1, "已开工", "2025-01-02", None,
             None, "2025-02-03", "王芳", "自主", None, None] for i in range(1, 1201)]
    revision = pg.revision()
    with pg.engine.connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM projects")
        report = import_ledger(pg, SYSTEM, ledger(tmp_path / "big.xlsx", many), dry_run=True)
        assert (report.created, report.written, report.errors) == (1200, False, ())
    assert "in use by another session" not in caplog.text
    assert pg.read(projects.count_projects) == 0 and pg.revision() == revision


def test_while_a_first_import_rebuilds_other_windows_can_still_sign_in(pg: Database) -> None:
    """Rebuilding the project tables' keys and indexes holds those tables until the import
    commits, and nothing else: users (signing in), industries, events … stay readable."""
    from typing import Any

    from sqlalchemy.exc import OperationalError

    from crm.excel.bulk import Bulk
    from crm.models import Agreement, Company, Project, StageChange, Start
    from tests.unit.builders import world

    world(pg)
    tables: list[Any] = [m.__table__ for m in (Company, Project, StageChange, Agreement, Start)]
    with pg.uow() as uow:
        bulk = Bulk(uow)
        with bulk.rebuilt(tables), pg.engine.connect() as other:
            other.exec_driver_sql("SET lock_timeout = 500")
            for free in ("users", "industries", "events", "ambassadors", "carriers"):
                assert other.exec_driver_sql(f"SELECT count(*) FROM {free}").scalar() >= 0
            other.rollback()
            other.exec_driver_sql("SET lock_timeout = 500")
            with pytest.raises(OperationalError, match="lock timeout"):
                other.exec_driver_sql("SELECT count(*) FROM projects")
