"""``crm companies``: the suspected pairs, a merge and its undo, on the command line."""

from __future__ import annotations

import json

import pytest

from crm.cli import main
from crm.db import Database
from crm.models import Company
from crm.services import companies
from tests.unit.builders import World, world


def _twin(db: Database, name: str) -> int:
    with db.uow() as uow:
        company = Company(name=name, sort_key=name, initials="")
        uow.session.add(company)
        uow.session.flush()
        uow.commit()
        return company.id


@pytest.fixture
def w(sqlite_db: Database) -> World:
    return world(sqlite_db)


def _run(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db.engine.url), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_duplicates_merge_and_unmerge(sqlite_db: Database, w: World,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    twin = _twin(sqlite_db, "际数科技 (上海)")
    code, out, _ = _run(sqlite_db, capsys, "companies", "duplicates", "--json")
    assert code == 0
    assert json.loads(out) == [{
        "a": {"id": w.company, "name": "上海际数科技有限公司",
              "uscc": sqlite_db.read(companies.get_company, w.company).uscc, "projects": 0},
        "b": {"id": twin, "name": "际数科技 (上海)", "uscc": None, "projects": 0},
        "score": 100, "reason": "名称规范化后相同：括号、全半角、空格、城市写法或“有限公司”形式不同",
        "sure": True}]
    code, out, _ = _run(sqlite_db, capsys, "companies", "duplicates")
    assert out.splitlines()[-1] == "共 1 对疑似重复的企业；合并：crm companies merge A B"
    code, out, err = _run(sqlite_db, capsys, "companies", "merge", "上海际数科技有限公司",
                          str(twin), "--user", "lixm")
    assert (code, err.strip()) == (2, "错误：只有管理者可以合并企业")
    code, out, _ = _run(sqlite_db, capsys, "companies", "merge", "上海际数科技有限公司",
                        str(twin), "--user", "zhou")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "已将“际数科技 (上海)”并入“上海际数科技有限公司”；原名称记为曾用名"
    entry = lines[1].removeprefix("变更记录编号 ").split("（")[0]
    assert lines[1] == f"变更记录编号 {entry}（撤销：crm companies unmerge {entry}）"
    assert sqlite_db.read(companies.get_company, w.company).former_names == "际数科技 (上海)"
    code, out, _ = _run(sqlite_db, capsys, "companies", "duplicates", "--json")
    assert json.loads(out) == []
    code, out, _ = _run(sqlite_db, capsys, "companies", "unmerge", entry, "--user", "zhou")
    assert (code, out.strip()) == (0, "已撤销合并：“际数科技 (上海)”从“上海际数科技有限公司”分出，记录已移回")
    code, out, err = _run(sqlite_db, capsys, "companies", "unmerge", entry)
    assert (code, err.strip()) == (2, "错误：该合并已撤销过")
    code, out, _ = _run(sqlite_db, capsys, "companies", "dismiss", str(twin), str(w.company))
    assert out.strip() == "已记下：“际数科技 (上海)”与“上海际数科技有限公司”不是同一企业"
    code, out, _ = _run(sqlite_db, capsys, "companies")
    assert out.strip() == "共 0 对疑似重复的企业"


def test_bad_input_is_one_chinese_line(sqlite_db: Database, w: World,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(sqlite_db, capsys, "companies", "merge", "1", "不存在的企业")
    assert (code, err.strip()) == (
        2, "错误：找不到企业“不存在的企业”（请写编号、统一社会信用代码或完整名称）")
    code, _, err = _run(sqlite_db, capsys, "companies", "merge", "1", "1")
    assert (code, err.strip()) == (2, "错误：请选择两家不同的企业")
    code, _, err = _run(sqlite_db, capsys, "companies", "unmerge", "七")
    assert code == 2 and err.strip() == "错误：参数错误：ENTRY 应为变更记录编号（数字），而不是“七”"


def test_investor_and_local_company(sqlite_db: Database, w: World,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt
    from decimal import Decimal

    from crm.services import projects
    from tests.unit.builders import project, sign

    pid = project(sqlite_db, w, "上海际数科技华中总部", invest=Decimal(20000))
    sign(sqlite_db, pid, dt.date(2025, 6, 12), "20000")
    local = _twin(sqlite_db, "际数科技(武汉)有限公司")
    code, out, _ = _run(sqlite_db, capsys, "companies", "investor", str(local),
                        "上海际数科技有限公司", "--licence-date", "2025-07-21")
    assert (code, out.strip()) == (
        0, "“际数科技(武汉)有限公司”是“上海际数科技有限公司”的项目公司，营业执照取得日期 2025-07-21")
    code, out, _ = _run(sqlite_db, capsys, "companies", "local", "上海际数科技华中总部",
                        "际数科技(武汉)有限公司", "--open", "--user", "lixm")
    assert code == 0 and out.splitlines() == [
        "项目“上海际数科技华中总部”：投资方“上海际数科技有限公司”，项目公司“际数科技(武汉)有限公司”",
        "已登记开业 2025-07-21（营业执照取得日期）"]
    row = sqlite_db.read(projects.get_project, pid)
    assert (row.local_company_id, row.started_on, row.start_kind) == (
        local, dt.date(2025, 7, 21), "开业")
    code, _, err = _run(sqlite_db, capsys, "companies", "investor", str(local))
    assert (code, err.strip()) == (2, "错误：参数错误：请写投资方 INVESTOR，或用 --none 表示没有投资方")
