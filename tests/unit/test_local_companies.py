"""The investor that signed and the local company that landed, in the record and the ledger;
and a ledger whose company is written another way than the stored one (the import preview)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.excel.importer import import_ledger
from crm.excel.reports import export_report
from crm.models import Company
from crm.services import audit, companies, local_companies, metrics, projects
from crm.services.common import SYSTEM
from crm.services.companies import CompanyInput
from crm.services.metrics import Period
from crm.uscc import make_uscc
from tests.unit.builders import World, count, project, sign, world

D = dt.date
H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
AS_OF = D(2025, 12, 31)
LICENCE = D(2025, 7, 21)


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _landed(db: Database, w: World) -> tuple[int, int]:
    """The article's case: 上海际数 signs on 2025-06-12, 际数科技(武汉) gets its licence on
    2025-07-21. Returns (project, local company)."""
    pid = project(db, w, "上海际数科技华中总部", invest=Decimal(20000))
    sign(db, pid, D(2025, 6, 12), "20000", event=w.event)
    local = db.run(companies.create_company, SYSTEM, CompanyInput("际数科技(武汉)有限公司")).id
    db.run(local_companies.set_parent, w.manager, local, w.company, LICENCE)
    db.run(local_companies.set_local_company, w.staff, pid, local)
    return pid, local


def test_the_project_names_investor_and_local_company(db: Database, w: World) -> None:
    pid, local = _landed(db, w)
    row = db.read(projects.get_project, pid)
    assert (row.company_id, row.local_company_id) == (w.company, local)
    found = db.read(companies.get_company, local)
    assert (found.parent_id, found.parent, found.licence_on) == (w.company, "上海际数科技有限公司",
                                                                 LICENCE)
    assert [c.name for c in db.read(local_companies.local_companies, w.company)] == [
        "际数科技(武汉)有限公司"]
    history = db.read(audit.project_history, pid)
    assert history[0].summary == "项目公司：际数科技(武汉)有限公司"
    assert db.read(audit.company_history, local)[0].summary == (
        "投资方：上海际数科技有限公司；营业执照取得日期：2025-07-21")


def test_the_licence_date_serves_as_the_opening_when_chosen(db: Database, w: World) -> None:
    pid, _ = _landed(db, w)
    before = db.read(metrics.start_rate, H1, AS_OF)
    assert (before.signed, before.started) == (1, 0)
    row = db.run(local_companies.start_from_licence, w.staff, pid)
    assert (row.stage, row.started_on, row.start_kind) == ("started", LICENCE, "开业")
    after = db.read(metrics.start_rate, H1, AS_OF)
    assert (after.signed, after.started, after.rate_text) == (1, 1, "100.00%")
    with pytest.raises(ValidationError, match="已有开工\\(开业\\)日期 2025-07-21"):
        db.run(local_companies.start_from_licence, w.staff, pid)


def test_a_local_company_of_another_investor_and_a_cycle_are_refused(db: Database,
                                                                     w: World) -> None:
    pid, local = _landed(db, w)
    other = db.run(companies.create_company, SYSTEM, CompanyInput("北京知数科技有限公司")).id
    mine = project(db, w, "知数科技项目", company=other)
    with pytest.raises(ValidationError,
                       match="是“上海际数科技有限公司”的项目公司，不是“北京知数科技有限公司”的"):
        db.run(local_companies.set_local_company, w.staff, mine, local)
    with pytest.raises(ValidationError, match="不能作其投资方"):
        db.run(local_companies.set_parent, w.manager, w.company, local)
    with pytest.raises(ValidationError, match="晚于今天"):
        db.run(local_companies.set_parent, w.manager, local, w.company, D(2099, 1, 1))
    with pytest.raises(PermissionDenied):
        db.run(local_companies.set_local_company, w.other_staff, pid, None)
    with pytest.raises(ValidationError, match="还没有项目公司"):
        db.run(local_companies.start_from_licence, w.staff, mine)


def test_the_ledger_shows_investor_and_local_company_side_by_side(db: Database, w: World,
                                                                    tmp_path: Path) -> None:
    _landed(db, w)
    project(db, w, "没有项目公司的项目")
    out = export_report(db, "ledger", tmp_path / "台账.xlsx", H1, AS_OF).path
    ws = openpyxl.load_workbook(out)["项目台账"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r and r[0] == "序号")
    at = header.index("企业名称")
    assert header[at:at + 4] == ["企业名称", "统一社会信用代码", "项目公司", "营业执照取得日期"]
    body = {r[1]: r for r in rows[rows.index(header) + 1:] if r[1]}
    landed = body["上海际数科技华中总部"]
    assert landed[at] == "上海际数科技有限公司" and landed[at + 2] == "际数科技(武汉)有限公司"
    assert landed[at + 3] == dt.datetime(2025, 7, 21)
    assert body["没有项目公司的项目"][at + 2:at + 4] == [None, None]


# --- the import preview ----------------------------------------------------------------------
def _ledger(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "投资主体", "统一社会信用代码", "产业类别", "计划总投资(万元)",
               "项目进展"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_the_preview_names_the_company_it_reuses_and_asks_when_unsure(db: Database, w: World,
                                                                     tmp_path: Path) -> None:
    db.run(companies.create_company, SYSTEM, CompanyInput("上海翼鸟智能科技有限公司"))
    other_code = make_uscc("91310000MA1FL0009")
    path = _ledger(tmp_path / "台账.xlsx", [
        [1, "际数科技数据标注基地", "际数科技（上海）有限公司", None, "人工智能", 20000, "在谈"],
        [2, "翼鸟无人机总装", "上海翼鸟智能化科技有限公司", None, "高端装备", 12000, "在谈"],
        [3, "际数二号", "际数科技(上海)有限公司", other_code, "人工智能", 3000, "在谈"],
        [4, "新公司项目", "武汉光谷新材料有限公司", None, "新材料", 3000, "在谈"],
        [5, "新公司二期", "光谷新材料（武汉）有限公司", None, "新材料", 3000, "在谈"],
    ])
    companies_before = count(db, Company)
    report = import_ledger(db, w.manager, path, dry_run=True)
    notes = [(p.row, p.reason) for p in report.warnings if p.column == "投资主体"]
    assert notes == [
        (2, "企业“际数科技（上海）有限公司”即系统中的“上海际数科技有限公司”（名称写法不同），"
            "按该企业导入"),
        (4, "企业“际数科技(上海)有限公司”与系统中的“上海际数科技有限公司”（"
            f"{make_uscc('91310000MA1FL0000')}）名称相同，但统一社会信用代码不同，作为另一家企业新建"),
        (6, "企业“光谷新材料（武汉）有限公司”与第 5 行的“武汉光谷新材料有限公司”是同一企业（名称写法不同），"
            "作为一家企业导入"),
    ]
    # the merely similar one is a question, not a 提示: nothing is written until it is answered
    assert [q.text() for q in report.questions] == [
        "第 3 行：企业“上海翼鸟智能化科技有限公司”与系统中的“上海翼鸟智能科技有限公司”相似（名称相似，"
        "相似度 92%）：是同一企业，还是另一家企业？"]
    assert count(db, Company) == companies_before  # a dry run writes nothing
    refused = import_ledger(db, w.manager, path)
    assert refused.refused and not refused.written and count(db, Company) == companies_before
    written = import_ledger(db, w.manager, path, new_company=["上海翼鸟智能化科技有限公司"])
    assert written.created == 5
    assert count(db, Company) == companies_before + 3  # 翼鸟智能化, 际数 (other USCC), 光谷新材料
    jishu = db.read(projects.find_project, "际数科技数据标注基地")
    assert jishu.company_id == w.company
    both = {db.read(projects.find_project, n).company_id for n in ("新公司项目", "新公司二期")}
    assert len(both) == 1
