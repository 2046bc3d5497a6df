"""Issue 18 through the ledger: the local project company and its licence date read back, a
merely similar company asked about (never silently a second one), 曾用名 search for bulk-imported
projects, and a referrer written with a space read back as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from crm.cli import main
from crm.db import Database
from crm.excel.importer import import_ledger
from crm.excel.ledger import ledger_rows
from crm.excel.reports import export_report
from crm.excel.sources import parse_source
from crm.models import Company, Project
from crm.services import companies, duplicates, merge, projects
from crm.services.common import SYSTEM
from crm.services.companies import CompanyInput
from crm.services.metrics import Period
from crm.uscc import make_uscc
from tests.unit.builders import world
from tests.unit.test_excel_import import ledger

D = dt.date
H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
AS_OF = D(2025, 12, 31)
LOCAL_HEADERS = ["项目名称", "企业名称", "落地公司", "执照取得日期", "项目状态", "招商来源"]


def _landed(db: Database) -> list[tuple[str, str, str, dt.date | None]]:
    """(project, investor, local company, licence date) of every project with a local one."""
    with db.uow() as uow:
        s = uow.session
        out = []
        for p in s.scalars(select(Project).where(Project.local_company_id.is_not(None))):
            investor, local = s.get(Company, p.company_id), s.get(Company, p.local_company_id)
            assert investor is not None and local is not None
            assert local.parent_id == investor.id  # its investor is set too
            out.append((p.name, investor.name, local.name, local.licence_on))
        return sorted(out)


def _without_chains(path: Path) -> Path:
    """The export without its 产业链 and 环节 columns: an empty database has no chains, and the import
    refuses (by design, issue 13) to create them; this test is about the local company."""
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws is not None
    for cell in reversed(ws[3]):
        if cell.value in ("产业链", "环节"):
            ws.delete_cols(cell.column)
    book.save(path)
    return path


def test_the_exported_ledger_carries_the_local_company_into_an_empty_database(
        demo_db: Database, db: Database, tmp_path: Path) -> None:
    out = _without_chains(export_report(demo_db, "ledger", tmp_path / "ledger.xlsx", H1,
                                        AS_OF).path)
    landed = _landed(demo_db)
    assert ("际数科技(武汉)有限公司", D(2025, 7, 21)) in [(r[2], r[3]) for r in landed]
    report = import_ledger(db, SYSTEM, out)
    assert report.errors == (), [p.text() for p in report.errors]
    assert _landed(db) == landed
    # the ledger's investor, local company, licence date and 招商来源 (referrers with a
    # space in them) read the same from both databases
    def cols(d: Database) -> list[tuple[object, ...]]:
        with d.uow() as uow:
            return [(r[1], r[2], r[3], r[4], r[5], r[20]) for r in ledger_rows(uow)]
    assert cols(db) == cols(demo_db)
    # and importing it again, into the database it went to, changes nothing
    revision = db.revision()
    again = import_ledger(db, SYSTEM, out)
    assert (again.created, again.updated, again.errors) == (0, 0, ())
    assert db.revision() == revision


def test_a_ledger_names_the_local_company_under_its_usual_headers(
        db: Database, tmp_path: Path) -> None:
    world(db)
    path = ledger(tmp_path / "l.xlsx", [
        ["钢材深加工基地", "上海际数科技有限公司", "际数科技（武汉）有限公司", "2025年7月21日", "在谈",
         "自主"],
        ["数据中心二期", "上海际数科技有限公司", "际数科技(武汉)有限公司", None, "在谈", "自主"],
        ["无项目公司", "上海际数科技有限公司", None, "2025-07-01", "在谈", "自主"],
    ], LOCAL_HEADERS)
    report = import_ledger(db, SYSTEM, path)
    assert report.errors == (), [p.text() for p in report.errors]
    assert any("没有项目公司" in p.text() for p in report.warnings)
    landed = _landed(db)
    # one local company for both spellings, its licence date kept from the first row
    assert landed == [("数据中心二期", "上海际数科技有限公司", "际数科技（武汉）有限公司", D(2025, 7, 21)),
                      ("钢材深加工基地", "上海际数科技有限公司", "际数科技（武汉）有限公司",
                       D(2025, 7, 21))]


def test_a_local_company_of_another_investor_is_refused_on_its_row(
        db: Database, tmp_path: Path) -> None:
    world(db)
    path = ledger(tmp_path / "l.xlsx", [
        ["甲项目", "上海际数科技有限公司", "际数科技(武汉)有限公司", "2025-07-21", "在谈", "自主"],
        ["乙项目", "宝武（武汉）钢材有限公司", "际数科技(武汉)有限公司", None, "在谈", "自主"],
        ["丙项目", "宝武（武汉）钢材有限公司", "宝武（武汉）钢材有限公司", "2099-01-01", "在谈", "自主"],
    ], LOCAL_HEADERS)
    report = import_ledger(db, SYSTEM, path)  # a bad date: refused before anything is written
    assert len(report.errors) == 1 and not report.written
    assert report.errors[0].text().startswith("第 6 行「执照取得日期」：日期 2099-01-01 晚于今天")
    path = ledger(tmp_path / "l.xlsx", [
        ["甲项目", "上海际数科技有限公司", "际数科技(武汉)有限公司", "2025-07-21", "在谈", "自主"],
        ["乙项目", "宝武（武汉）钢材有限公司", "际数科技(武汉)有限公司", None, "在谈", "自主"],
        ["丙项目", "宝武（武汉）钢材有限公司", "宝武（武汉）钢材有限公司", None, "在谈", "自主"],
    ], LOCAL_HEADERS)
    report = import_ledger(db, SYSTEM, path)  # refused by the services, on their rows
    texts = [p.text() for p in report.errors]
    assert texts == ["第 5 行「项目公司」：“际数科技(武汉)有限公司”是“上海际数科技有限公司”的项目公司，"
                     "不是“宝武（武汉）钢材有限公司”的",
                     "第 6 行「项目公司」：项目公司“宝武（武汉）钢材有限公司”就是投资方本身（企业名称），"
                     "未作为项目公司导入"], texts
    assert not report.written and _landed(db) == []


def test_bulk_imported_projects_are_found_by_their_company_s_former_name(
        db: Database, tmp_path: Path) -> None:
    w = world(db)
    with db.uow() as uow:
        twin = Company(name="际数科技（上海）有限公司", sort_key="j", initials="")
        uow.session.add(twin)
        uow.session.flush()
        twin_id = twin.id
        uow.commit()
    db.run(merge.merge_companies, w.manager, w.company, twin_id)
    path = ledger(tmp_path / "l.xlsx", [["新导入项目", "上海际数科技有限公司", None, None, "在谈", "自主"]],
                  LOCAL_HEADERS)
    assert import_ledger(db, SYSTEM, path).created == 1
    found = db.read(projects.list_projects, projects.ProjectQuery(search="际数科技（上海）"))
    assert "新导入项目" in [p.name for p in found]


@pytest.mark.parametrize(("cell", "header", "kind", "name"), [
    ("以商招商：武汉楚商联合会 周会长", "招商来源", "referral", "武汉楚商联合会 周会长"),
    ("以 商 招 商：王总", "招商来源", "referral", "王总"),
    ("招商大使：冯 立新", "招商来源", "ambassador", "冯立新"),
    ("自 主", "招商来源", "self", ""),
    ("上海湖北商会 刘秘书长", "引荐人", "?", "上海湖北商会 刘秘书长"),
])
def test_a_name_keeps_its_space_and_a_channel_word_does_not_need_one(
        cell: str, header: str, kind: str, name: str) -> None:
    source = parse_source(cell, header)
    assert source is not None and (source.kind, source.name) == (kind, name)


# --- a company only like a stored one is asked about, never silently a second one -----------
def _companies(db: Database) -> list[str]:
    with db.uow() as uow:
        return sorted(uow.session.scalars(select(Company.name).where(
            Company.deleted_at.is_(None))))


def test_a_merely_similar_company_refuses_the_command_line_import_naming_the_fix(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = world(db)
    path = ledger(tmp_path / "l.xlsx", [
        ["甲项目", "际数科技", None, None, "在谈", "自主"],
        ["乙项目", "际数科技（上海）有限公司", None, None, "在谈", "自主"],  # the same: automatic
    ], LOCAL_HEADERS)
    before = _companies(db)
    code = main(["--db", db.url, "import", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and db.read(projects.count_projects) == 0 and _companies(db) == before
    assert ("需确认  第 4 行：企业“际数科技”与系统中的“上海际数科技有限公司”相似"
            "（名称相同，其一未写城市“上海”）：是同一企业，还是另一家企业？\n"
            "        同一企业：--same-company \"际数科技=上海际数科技有限公司\"；"
            "另一家企业：--new-company \"际数科技\"") in err
    assert "1 家企业与系统中的企业相似，须确认是同一企业还是另一家企业，未导入任何数据" in out
    # the answer: the same company (a half-width spelling of the answer is found too)
    code = main(["--db", db.url, "import", str(path), "--same-company", "际数科技=上海际数科技有限公司"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert {p.company_id for p in db.read(projects.list_projects)} == {w.company}
    assert _companies(db) == before


def test_the_answer_may_be_a_new_company_and_two_usccs_never_merge(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = world(db)
    path = ledger(tmp_path / "l.xlsx", [["甲项目", "际数科技", None, None, "在谈", "自主"]],
                  LOCAL_HEADERS)
    code = main(["--db", db.url, "import", str(path), "--new-company", "际数科技"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已确认是另一家企业：新建" in out
    assert _companies(db) == ["上海际数科技有限公司", "际数科技"]
    # the answer is remembered: the 重复企业 list does not ask again
    assert db.read(duplicates.duplicate_pairs, w.manager) == []
    # an answer never makes two USCCs one company
    other = make_uscc("91420100MA4K00009")
    path = ledger(tmp_path / "u.xlsx", [["乙项目", "际数科技武汉分公司", other, "在谈"]],
                  ["项目名称", "企业名称", "统一社会信用代码", "项目状态"])
    code = main(["--db", db.url, "import", str(path), "--same-company",
                 "际数科技武汉分公司=上海际数科技有限公司"])
    out, err = capsys.readouterr()
    assert code == 2 and "两个信用代码是两家企业" in err
    assert code == 2 and db.read(projects.count_projects) == 1


def test_a_malformed_answer_is_a_one_line_usage_error(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ledger(tmp_path / "l.xlsx", [["甲项目", "际数科技", None, None, "在谈", "自主"]],
                  LOCAL_HEADERS)
    assert main(["--db", db.url, "import", str(path), "--same-company", "际数科技"]) == 2
    assert "--same-company 应写成" in capsys.readouterr().err


def test_a_local_company_only_like_a_stored_one_is_asked_too(db: Database, tmp_path: Path) -> None:
    w = world(db)
    stored = db.run(companies.create_company, SYSTEM, CompanyInput("武汉氢澜科技有限公司")).id
    path = ledger(tmp_path / "l.xlsx", [["甲项目", "上海际数科技有限公司", "氢澜科技", None, "在谈", "自主"]],
                  LOCAL_HEADERS)
    before = _companies(db)
    report = import_ledger(db, SYSTEM, path)
    assert [q.text() for q in report.questions] == [
        "第 4 行：企业“氢澜科技”与系统中的“武汉氢澜科技有限公司”相似（名称相同，其一未写城市“武汉”）："
        "是同一企业，还是另一家企业？"]
    assert report.refused and _companies(db) == before
    report = import_ledger(db, SYSTEM, path, same_company={"氢澜科技": "武汉氢澜科技有限公司"})
    assert report.written, [p.text() for p in report.errors]
    assert _companies(db) == before
    with db.uow() as uow:
        local = uow.session.get(Company, stored)
        assert local is not None and local.parent_id == w.company
