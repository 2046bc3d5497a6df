"""A project's or company's 产业链环节 set with the other fields of its form, and the 项目台账's
产业链 / 环节 columns exported and imported back (招商图谱, issue 13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from crm.db import Database
from crm.errors import NotFoundError, PermissionDenied
from crm.excel.importer import import_ledger
from crm.excel.reports import export_report
from crm.models import AuditEntry, Project
from crm.services import chains, companies, projects
from crm.services.common import SYSTEM
from crm.services.metrics import Period
from crm.views import chains as view
from crm.views.companies import load_company
from crm.views.projects import load_details, segment_options
from tests.unit.builders import D
from tests.unit.test_chains import Map, build

H1 = Period(D(2025, 1, 1), D(2025, 6, 30))


@pytest.fixture
def m(sqlite_db: Database) -> Map:
    return build(sqlite_db)


def test_project_form_sets_its_segment_with_audit_and_permission(db: Database) -> None:
    sqlite_db, m = db, build(db)  # on SQLite and PostgreSQL
    w = m.w
    row = sqlite_db.run(projects.create_project, w.staff, projects.ProjectInput(
        "新项目", w.company, segment_id=m.c))
    assert row.segment_id == m.c
    edited = sqlite_db.run(projects.update_project, w.staff, row.id,
                            row.to_input(segment_id=m.b1, note="改"))
    assert edited.segment_id == m.b1
    assert sqlite_db.read(load_details, row.id).segment == "新材料 · 中游 · 靶材"
    # counted on the map in its sub-segment and the parent it rolls into
    detail = sqlite_db.read(view.segment_detail, m.b1, D(2025, 12, 31))
    assert "新项目" in {p.name for p in detail.projects}
    detail = sqlite_db.read(lambda uow: uow.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.entity == "project",
                                        AuditEntry.entity_id == row.id)
        .order_by(AuditEntry.id.desc())).first())
    assert ["segment_id", "新材料 · 医药材料", "新材料 · 靶材"] in json.loads(detail)["changes"]
    # an edit without the segment unchanged keeps it (the row carries it)
    again = sqlite_db.run(projects.update_project, w.staff, row.id, edited.to_input(note="x"))
    assert again.segment_id == m.b1
    with pytest.raises(NotFoundError):
        sqlite_db.run(projects.update_project, w.staff, row.id, again.to_input(segment_id=999))
    # someone else's project: refused as any edit of it is
    other = sqlite_db.run(projects.create_project, w.manager, projects.ProjectInput(
        "别人的", w.company, owner_id=w.manager.user_id))
    with pytest.raises(PermissionDenied):
        sqlite_db.run(projects.update_project, w.staff, other.id,
                       other.to_input(segment_id=m.a))
    assert sqlite_db.read(projects.get_project, other.id).segment_id is None


def test_company_form_sets_its_segment_shown_as_a_local_firm(db: Database) -> None:
    sqlite_db, m = db, build(db)  # on SQLite and PostgreSQL
    w = m.w
    row = sqlite_db.run(companies.create_company, w.staff, companies.CompanyInput(
        "本地材料有限公司", hq_city="武汉", segment_id=m.a))
    assert row.segment_id == m.a
    assert sqlite_db.read(load_company, row.id).segment == "新材料 · 上游 · 原料"
    assert sqlite_db.read(view.segment_detail, m.a, D(2025, 12, 31)).local_firms == (
        "本地材料有限公司",)
    moved = sqlite_db.run(companies.update_company, w.staff, row.id, companies.CompanyInput(
        row.name, hq_city="武汉", segment_id=None), expected_version=row.version)
    assert moved.segment_id is None
    assert sqlite_db.read(view.segment_detail, m.a, D(2025, 12, 31)).local_firms == ()


def test_segment_options_name_chain_position_and_parent(sqlite_db: Database, m: Map) -> None:
    assert [label for _, label in sqlite_db.read(segment_options)] == [
        "新材料 / 上游 / 原料", "新材料 / 中游 / 电子材料", "新材料 / 中游 / 电子材料 / 靶材",
        "新材料 / 中游 / 医药材料", "新材料 / 下游 / 应用"]


# --- the ledger -----------------------------------------------------------------------------
def _ledger(db: Database, path: Path) -> Path:
    return export_report(db, "ledger", path, H1, D(2025, 12, 31)).path


def _columns(path: Path) -> tuple[list[object], list[list[object]]]:
    ws = openpyxl.load_workbook(path)["项目台账"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    top = next(i for i, r in enumerate(rows) if "项目名称" in r)
    return rows[top], rows[top + 1:]


def _segments(db: Database) -> dict[str, str]:
    return {r.name: db.read(load_details, r.id).segment for r in db.read(projects.list_projects)}


def test_ledger_exports_chain_and_segment_and_imports_them_back(
        sqlite_db: Database, m: Map, sqlite_template: Path, tmp_path: Path) -> None:
    out = _ledger(sqlite_db, tmp_path / "l.xlsx")
    head, rows = _columns(out)
    by_name = {r[head.index("项目名称")]: (r[head.index("产业链")], r[head.index("环节")])
               for r in rows}
    assert by_name["p1"] == ("新材料", "原料") and by_name["p2"] == ("新材料", "靶材")
    # into the same database: nothing changes
    before = sqlite_db.revision()
    report = import_ledger(sqlite_db, SYSTEM, out)
    assert report.errors == () and report.updated == 0 and sqlite_db.revision() == before
    # into an empty database with the same chains: the links come back
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)
    empty = Database(f"sqlite:///{path}")
    try:
        with empty.uow() as uow:
            chain = chains.add_chain(uow, SYSTEM, chains.ChainInput("新材料")).id
            ids: dict[str, int] = {}
            for name, stage, parent in (("原料", "上游", None), ("电子材料", "中游", None),
                                        ("靶材", "中游", "电子材料"), ("医药材料", "中游", None),
                                        ("应用", "下游", None)):
                ids[name] = chains.add_segment(uow, SYSTEM, chain, chains.SegmentInput(
                    name, stage, parent_id=ids.get(parent or ""))).id
            uow.commit()
        report = import_ledger(empty, SYSTEM, out)
        assert report.errors == (), [p.text() for p in report.errors]
        assert _segments(empty) == _segments(sqlite_db)
        assert _segments(empty)["p2"] == "新材料 · 中游 · 靶材"
    finally:
        empty.dispose()


def _sheet(path: Path, head: list[str], rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_ledger_segment_synonyms_and_unknown_segment_by_cell(sqlite_db: Database, m: Map,
                                                             tmp_path: Path) -> None:
    ok = _sheet(tmp_path / "ok.xlsx", ["项目名称", "企业名称", "所属产业链", "链条环节"],
                [["甲项目", "甲公司", "新材料", "医药材料"], ["乙项目", "乙公司", "", "应用"]])
    report = import_ledger(sqlite_db, SYSTEM, ok)
    assert report.errors == () and report.created == 2
    assert {k: v for k, v in _segments(sqlite_db).items() if k in ("甲项目", "乙项目")} == {
        "甲项目": "新材料 · 中游 · 医药材料", "乙项目": "新材料 · 下游 · 应用"}
    # A chain or segment this database has not drawn: the project is imported all the same,
    # left out of the map, and a 提示 on its cell names what exists.
    unknown = _sheet(tmp_path / "unknown.xlsx", ["项目名称", "企业名称", "产业链", "产业链环节"],
                     [["丙项目", "丙公司", "新材料", "正极材料"], ["丁项目", "丁公司", "新能源", "应用"]])
    report = import_ledger(sqlite_db, SYSTEM, unknown)
    assert report.errors == () and not report.refused and report.created == 2
    texts = {(p.row, p.column): p.reason for p in report.warnings}
    assert texts[(2, "产业链环节")] == (
        "产业链“新材料”中没有环节“正极材料”；已有环节：原料、电子材料、靶材、医药材料、应用"
        "（环节在招商图谱中维护，导入不会新建）；项目照常导入，未归入招商图谱")
    assert texts[(3, "产业链")].startswith("本库没有产业链“新能源”；已有产业链：新材料")
    segments = _segments(sqlite_db)
    assert segments["丙项目"] == "" and segments["丁项目"] == ""


def test_ledger_segment_named_by_two_chains_is_refused(sqlite_db: Database, m: Map,
                                                       tmp_path: Path) -> None:
    with sqlite_db.uow() as uow:
        other = chains.add_chain(uow, SYSTEM, chains.ChainInput("生物医药")).id
        chains.add_segment(uow, SYSTEM, other, chains.SegmentInput("原料", "上游"))
        uow.commit()
    bad = _sheet(tmp_path / "bad.xlsx", ["项目名称", "企业名称", "环节"],
                 [["戊项目", "戊公司", "原料"]])
    before = sqlite_db.revision()
    report = import_ledger(sqlite_db, SYSTEM, bad)
    assert report.refused and sqlite_db.revision() == before
    assert [p.reason for p in report.errors] == [
        "环节“原料”在多条产业链中都有（新材料、生物医药），请填写产业链"]
    names = sqlite_db.read(lambda uow: set(uow.session.scalars(select(Project.name))))
    assert "戊项目" not in names


def test_ledger_without_chain_columns_keeps_links(sqlite_db: Database, m: Map,
                                                  tmp_path: Path) -> None:
    plain = _sheet(tmp_path / "plain.xlsx", ["项目名称", "企业名称", "备注"],
                   [["p1", "上海际数科技有限公司", "改了备注"]])
    before = _segments(sqlite_db)
    report = import_ledger(sqlite_db, SYSTEM, plain)
    assert report.errors == (), [p.text() for p in report.errors]
    assert _segments(sqlite_db) == before
