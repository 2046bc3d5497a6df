"""The ledger's assessment columns: 到位资金 by origin, 实际利用外资, 企业层级, milestone dates."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.db import Database
from crm.excel.importer import import_ledger
from crm.excel.reports import export_report
from crm.models import Funding, Project
from crm.services import funds, milestones, tiers
from crm.services.common import SYSTEM
from crm.services.funds import ReceiptInput
from crm.services.metrics import Period
from crm.services.milestones import MilestoneInput
from tests.unit.builders import project, sign, start, world

D = dt.date


def _receipts(db: Database) -> dict[tuple[str, str], tuple[Decimal, Decimal | None]]:
    """(project, origin) → (万元, 万美元) of every receipt."""
    with db.uow() as uow:
        rows = uow.session.execute(
            select(Project.name, Funding.origin, func.sum(Funding.amount),
                   func.sum(Funding.usd_amount))
            .join(Project, Project.id == Funding.project_id)
            .group_by(Project.name, Funding.origin)).all()
    return {(n, o): (Decimal(a), None if u is None else Decimal(u)) for n, o, a, u in rows}


def _state(db: Database) -> tuple[object, ...]:
    with db.uow() as uow:
        pid = uow.session.scalar(select(Project.id).where(Project.name == "际数科技华中总部"))
        company = uow.session.scalar(select(Project.company_id).where(Project.id == pid))
        assert pid is not None and company is not None
        m = milestones.milestones(uow, pid)
        tags = [t.name for t in tiers.company_tiers(uow, company)]
    return (_receipts(db), tags, m.lead_kind, m.landed_on, m.completed_on, m.in_database_on,
            m.in_database_evidence, m.registered_on, m.above_scale_on)


def test_the_exported_ledger_carries_the_assessment_columns_and_imports_back(
        sqlite_db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    db = sqlite_db
    w = world(db)
    pid = project(db, w, "际数科技华中总部", invest=Decimal(200000))
    sign(db, pid, D(2025, 1, 10), "200000")
    start(db, pid, D(2025, 3, 1))
    db.run(funds.add_receipt, SYSTEM, pid, ReceiptInput(
        D(2025, 4, 1), Decimal(3600), "境外", "固定资产投资", "USD", Decimal(500)))
    db.run(funds.add_receipt, SYSTEM, pid, ReceiptInput(
        D(2025, 5, 1), Decimal("1200.5"), "省外", "流动资金"))
    db.run(milestones.set_milestones, SYSTEM, pid, MilestoneInput(
        landed_on=D(2025, 2, 1), completed_on=D(2025, 9, 30), in_database_on=D(2025, 4, 2),
        in_database_evidence="项目代码 2504-420107-04-01-000001", registered_on=D(2025, 5, 5),
        above_scale_on=D(2025, 10, 8)))
    with db.uow() as uow:
        known = {t.name: t.id for t in tiers.list_tiers(uow)}
    db.run(tiers.set_company_tiers, SYSTEM, w.company, [known["上市公司"], known["专精特新"]])
    lead = project(db, w, "数据标注基地")
    db.run(milestones.set_milestones, SYSTEM, lead, MilestoneInput(lead_kind="谋划"))
    out = tmp_path / "台账.xlsx"
    export_report(db, "ledger", out, Period(D(2025, 1, 1), D(2025, 12, 31)), D(2025, 12, 31))
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[3]]
    row = {h: c.value for h, c in zip(header, sheet[5 if sheet["B4"].value != "际数科技华中总部"
                                                    else 4], strict=False)}
    assert row["规模档次"] == "20亿元以上"
    assert row["企业层级"] == "上市公司、专精特新"
    assert row["实际到位资金（境外）(万元)"] == 3600 and row["实际利用外资(万美元)"] == 500
    assert row["实际到位资金（省外）(万元)"] == 1200.5
    assert row["资金到位时间"].date() == D(2025, 5, 1)
    expected = _state(db)

    fresh_path = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, fresh_path)
    fresh = Database(f"sqlite:///{fresh_path}")
    try:
        report = import_ledger(fresh, SYSTEM, out)
        assert report.ok and report.created == 2, report.errors
        got = _state(fresh)
        # on a new database the receipts of an origin arrive as one, of kind 固定资产投资
        assert got == expected
        again = import_ledger(fresh, SYSTEM, out)
        assert again.ok and not again.written
        assert _state(fresh) == expected
    finally:
        fresh.dispose()


def _ledger(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["青山区2025年招商引资项目台账"])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


HEADERS = ["项目名称", "企业名称", "计划总投资(万元)", "项目状态", "签约时间", "开工时间",
           "企业类型", "省外到位资金(亿元)", "境外到位资金(万元)", "利用外资(万美元)", "到位时间",
           "入统日期", "落地日期"]


def test_a_ledger_with_synonyms_and_bad_cells(db: Database, tmp_path: Path) -> None:
    with db.uow() as uow:  # seeded by the migration; a reused test schema is emptied
        known = {t.name for t in tiers.list_tiers(uow)}
        for name in ("上市公司", "专精特新"):
            if name not in known:
                tiers.add_tier(uow, SYSTEM, name)
        uow.commit()
    good = [["智算中心", "湖北云图智算科技有限公司", 26000, "已开工", D(2025, 4, 24),
             D(2025, 7, 8), "专精特新、上市公司", "0.5", 720, 100, D(2025, 8, 1),
             D(2025, 9, 1), D(2025, 5, 6)]]
    path = _ledger(tmp_path / "a.xlsx", HEADERS, good)
    report = import_ledger(db, SYSTEM, path)
    assert report.ok, report.errors
    assert _receipts(db) == {("智算中心", "省外"): (Decimal(5000), None),
                             ("智算中心", "境外"): (Decimal(720), Decimal(100))}
    with db.uow() as uow:
        p = uow.session.scalar(select(Project).where(Project.name == "智算中心"))
        assert p is not None
        assert (p.registered_on, p.landed_on) == (D(2025, 9, 1), D(2025, 5, 6))
        assert [t.name for t in tiers.company_tiers(uow, p.company_id)] == ["上市公司", "专精特新"]
    # the ledger's running total grew: one receipt of the difference
    grown = [[*good[0][:7], "0.8", *good[0][8:]]]
    report = import_ledger(db, SYSTEM, _ledger(tmp_path / "b.xlsx", HEADERS, grown))
    assert _receipts(db)[("智算中心", "省外")] == (Decimal(8000), None)
    assert (report.updated, report.unchanged) == (1, 0)  # only its 到位资金 changed

    bad = [["氢能装备", "上海氢澜科技有限公司", 42000, "已签约", D(2025, 4, 8), None,
            "五百强", None, 300, None, None, None, None],
           ["树脂项目", "山东蓝化新材料有限公司", 26000, "在谈", None, None, None, "0.1",
            None, None, D(2025, 3, 1), None, None]]
    before = _receipts(db)
    report = import_ledger(db, SYSTEM, _ledger(tmp_path / "c.xlsx", HEADERS, bad))
    reasons = {(p.row, p.column): p.reason for p in report.errors}
    assert reasons[(3, "企业类型")].startswith("未知企业层级“五百强”")
    assert reasons[(3, "境外到位资金(万元)")] == "境外到位资金须同时填写实际利用外资（万美元）"
    assert not report.written and _receipts(db) == before
    # what the services refuse is reported on its row, and nothing is written
    report = import_ledger(db, SYSTEM, _ledger(tmp_path / "d.xlsx", HEADERS, bad[1:]))
    assert [(p.row, p.reason) for p in report.errors] == [(3, "项目尚未签约，不能登记到位资金")]
    assert not report.written and _receipts(db) == before
    with db.uow() as uow:
        assert uow.session.scalar(select(Project.id).where(Project.name == "树脂项目")) is None


@pytest.mark.parametrize("header", ["实际到位资金（省外）", "到位资金省外"])
def test_an_amount_without_a_unit_is_never_guessed(sqlite_db: Database, tmp_path: Path,
                                                   header: str) -> None:
    path = _ledger(tmp_path / "u.xlsx", ["项目名称", "企业名称", "项目状态", "签约时间", "签约金额(万元)",
                                         header],
                   [["智算中心", "湖北云图智算科技有限公司", "已签约", D(2025, 4, 24), 26000, 500]])
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert [(p.column, p.reason) for p in report.errors] == [
        (header, "没有注明金额单位：请在表头写明（万元）或（亿元）")]
