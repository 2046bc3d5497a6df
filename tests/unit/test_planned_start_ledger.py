"""计划开工(开业)日期 in the ledger: imported from the columns offices use, exported, and back."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from crm.db import Database
from crm.excel.importer import import_ledger
from crm.excel.reports import export_report
from crm.services import projects
from crm.services.common import SYSTEM
from crm.services.metrics import Period
from tests.unit.builders import world

D = dt.date


def _ledger(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _planned(db: Database) -> dict[str, tuple[dt.date | None, str | None]]:
    rows = db.read(projects.list_projects)
    return {r.name: (r.planned_start_on, r.planned_start_kind) for r in rows}


@pytest.mark.parametrize(("header", "kind"), [("计划开工时间", "开工"), ("预计开工时间", "开工"),
                                              ("计划开工日期", "开工"), ("计划开业时间", "开业"),
                                              ("计划开工(开业)时间", "开工")])
def test_each_column_name_is_read(sqlite_db: Database, tmp_path: Path, header: str,
                                  kind: str) -> None:
    world(sqlite_db)
    path = _ledger(tmp_path / "台账.xlsx",
                   ["项目名称", "企业名称", "项目状态", "签约时间", "签约金额(万元)", header],
                   [["芯片封测", "武汉芯片有限公司", "已签约", "2025-03-01", 5000, "2025年10月8日"],
                    ["显示面板", "武汉面板有限公司", "已签约", "2025-03-01", 5000, "2099年3月1日"]])
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert not report.errors, [p.text() for p in report.errors]
    assert _planned(sqlite_db)["芯片封测"] == (D(2025, 10, 8), kind)
    assert _planned(sqlite_db)["显示面板"] == (D(2099, 3, 1), kind)  # a plan may lie ahead


def test_a_plan_before_the_signing_is_refused_by_row_and_column(sqlite_db: Database,
                                                                tmp_path: Path) -> None:
    world(sqlite_db)
    path = _ledger(tmp_path / "台账.xlsx",
                   ["项目名称", "企业名称", "项目状态", "签约时间", "签约金额(万元)", "预计开工时间",
                    "计划开工类型"],
                   [["芯片封测", "武汉芯片有限公司", "已签约", "2025-03-01", 5000, "2025-02-01", "开工"],
                    ["显示面板", "武汉面板有限公司", "已签约", "2025-03-01", 5000, "2025-05-01", "投产"]])
    report = import_ledger(sqlite_db, SYSTEM, path)
    texts = [p.text() for p in report.errors]
    assert texts == ["第 2 行「预计开工时间」：计划开工(开业)日期 2025-02-01 早于签约日期 2025-03-01",
                     "第 3 行「计划开工类型」：计划开工类型应为 开工 或 开业"]
    assert sqlite_db.read(projects.list_projects) == []


def test_ledger_export_and_import_keep_the_plan(sqlite_db: Database, sqlite_template: Path,
                                                tmp_path: Path) -> None:
    w = world(sqlite_db)
    from tests.unit.test_steering import signed
    pid = signed(sqlite_db, w, "氢能装备", D(2025, 4, 8), D(2025, 10, 15), "开业")
    signed(sqlite_db, w, "无计划", D(2025, 4, 9))
    signed(sqlite_db, w, "明年计划", D(2025, 4, 10), D(2030, 6, 30))  # a plan lies ahead
    out = tmp_path / "台账.xlsx"
    export_report(sqlite_db, "ledger", out, Period(D(2025, 1, 1), D(2025, 12, 31)),
                  D(2025, 12, 31))
    ws = openpyxl.load_workbook(out).active
    header = next(r for r in ws.iter_rows(values_only=True) if r and "计划开工时间" in r)
    assert "计划开工类型" in header
    # back into an empty database: the same plan
    empty = tmp_path / "empty.db"
    shutil.copy(sqlite_template, empty)
    fresh = Database(f"sqlite:///{empty}")
    try:
        report = import_ledger(fresh, SYSTEM, out)
        assert not report.errors, [p.text() for p in report.errors]
        assert _planned(fresh) == {"氢能装备": (D(2025, 10, 15), "开业"), "无计划": (None, None),
                                   "明年计划": (D(2030, 6, 30), "开工")}
    finally:
        fresh.dispose()
    # and onto itself: nothing changes; a changed plan in the file updates the project
    again = import_ledger(sqlite_db, SYSTEM, out)
    assert not again.errors and again.updated == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    col = header.index("计划开工时间") + 1
    for row in ws.iter_rows():
        if row[1].value == "氢能装备":
            row[col - 1].value = D(2025, 11, 30)
    wb.save(out)
    changed = import_ledger(sqlite_db, SYSTEM, out)
    assert not changed.errors and changed.updated == 1
    assert sqlite_db.read(projects.get_project, pid).planned_start_on == D(2025, 11, 30)
