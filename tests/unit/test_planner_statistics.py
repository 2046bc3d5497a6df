"""SQLite's planner statistics: made after a bulk import and on a first open without them, and
not made again when a database is closed unchanged (closing a million-project database
re-analyzed it for 5–9 s at every close)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import event, text

from crm.db import Database
from crm.excel.importer import import_ledger
from crm.services import projects
from crm.services.common import SYSTEM
from tests.unit import builders
from tests.unit.builders import project


def _stats(db: Database) -> dict[tuple[str, str | None], str]:
    with db.engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first() \
                is None:
            return {}
        return {(str(t), None if i is None else str(i)): str(s) for t, i, s in conn.execute(
            text("SELECT tbl, idx, stat FROM sqlite_stat1"))}


def _path(db: Database) -> str:
    return str(db.engine.url.database)


def _some_projects(db: Database, n: int = 40) -> builders.World:
    w = builders.world(db)
    for i in range(n):  # no 计划开工日期: that partial index stays empty, so has no statistics
        project(db, w, f"项目{i:03d}")
    return w


def test_an_import_leaves_statistics_for_what_it_loaded(sqlite_db: Database,
                                                          tmp_path: Path) -> None:
    builders.world(sqlite_db)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "投资主体", "产业类别", "计划总投资(亿元)", "项目进展", "签约日期", "责任人"])
    for i in range(1200):  # enough to rebuild the projects' indexes (crm.excel.bulk)
        signed = i % 3 == 0
        ws.append([f"导入项目{i:04d}", f"导入公司{i % 700:03d}有限公司", "人工智能", 1,
                   "已签约" if signed else "在谈", dt.date(2025, 1, 1) + dt.timedelta(i % 300)
                   if signed else None, "李晓明"])
    wb.save(tmp_path / "ledger.xlsx")
    report = import_ledger(sqlite_db, SYSTEM, tmp_path / "ledger.xlsx")
    assert report.created == 1200
    stats = _stats(sqlite_db)
    # measured on the rows loaded, before any close
    assert int(stats[("projects", "ix_projects_live_sort")].split()[0]) == 1200
    assert int(stats[("companies", "ix_companies_live_sort")].split()[0]) >= 700
    assert ("agreements", "ix_agreements_project_amounts") in stats


def test_a_first_open_without_statistics_makes_them_once(sqlite_db: Database) -> None:
    _some_projects(sqlite_db)
    with sqlite3.connect(_path(sqlite_db)) as raw:  # a database never analyzed
        raw.execute("DELETE FROM sqlite_stat1")
    sqlite_db.engine.dispose()
    from ui.app import _warm_up  # what the window runs in the background once it shows

    _warm_up(None, sqlite_db)
    stats = _stats(sqlite_db)
    assert stats[("projects", "ix_projects_live_sort")].split()[0] == "40"
    assert stats[("users", "ix_users_sort_key")].split()[0] == "3"
    assert sqlite_db.refresh_statistics() == []  # and not again


def test_closing_an_unchanged_database_does_not_analyze_it(sqlite_db: Database) -> None:
    _some_projects(sqlite_db)
    sqlite_db.refresh_statistics()
    url = str(sqlite_db.engine.url)
    sqlite_db.dispose()
    # a mark in the statistics that any new ANALYZE of projects would overwrite
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        raw.execute("UPDATE sqlite_stat1 SET stat = '40 7 1' WHERE idx = 'ix_projects_sort'")
    db = Database(url)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    # a session that lists and counts projects through their indexes, then closes
    db.read(projects.project_ids, projects.ProjectQuery(), limit=10)
    db.read(projects.count_projects)
    db.dispose()
    assert not [s for s in statements if "ANALYZE" in s.upper() or "OPTIMIZE" in s.upper()]
    assert _stats(Database(url, upgrade=False))[("projects", "ix_projects_sort")] == "40 7 1"


def test_closing_after_a_table_doubled_measures_that_table(sqlite_db: Database) -> None:
    w = _some_projects(sqlite_db, 20)
    sqlite_db.refresh_statistics()
    before = _stats(sqlite_db)
    for i in range(25):
        project(sqlite_db, w, f"新项目{i:03d}")
    sqlite_db.dispose()
    after = _stats(Database(str(sqlite_db.engine.url), upgrade=False))
    assert after[("projects", "ix_projects_sort")].split()[0] == "45"
    assert after[("users", "ix_users_sort_key")] == before[("users", "ix_users_sort_key")]
