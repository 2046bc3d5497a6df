"""The ledger's 到位资金明细 sheet and promise columns: an exported ledger imports back with
every receipt and every promise, so 当年实际到位资金, 固投转化率 and 履约率 stay the same."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select

from crm.db import Database
from crm.excel.importer import import_ledger
from crm.excel.reports import export_report
from crm.models import Agreement, Funding, Project
from crm.services import assessment, forecast, funds, metrics, pipeline
from crm.services.common import SYSTEM
from crm.services.funds import ReceiptInput
from crm.services.metrics import Period

D = dt.date
LEDGER = ["项目名称", "企业名称", "计划总投资(万元)", "项目状态", "签约时间", "签约金额(万元)",
          "开工时间"]


def _book(path: Path, ledger: list[list[Any]], receipts: list[list[Any]] | None = None, *,
          extra: list[str] = (), receipt_header: list[str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目台账"
    ws.append(LEDGER + list(extra))
    for row in ledger:
        ws.append(row)
    if receipts is not None:
        rs = wb.create_sheet("到位资金明细")
        rs.append(receipt_header or ["项目名称", "企业名称", "到位日期", "金额（万元）", "资金来源地",
                                     "资金类型", "币种", "原币金额", "折合美元（万美元）", "凭证"])
        for row in receipts:
            rs.append(row)
    wb.save(path)
    return path


def _receipts(db: Database) -> list[tuple[Any, ...]]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(Project.name, Funding.received_on, Funding.amount, Funding.origin,
                   Funding.kind, Funding.currency, Funding.original_amount, Funding.usd_amount,
                   Funding.evidence)
            .join(Project, Project.id == Funding.project_id)).all()
    return sorted((tuple(None if v is None else (Decimal(v) if isinstance(v, Decimal) else v)
                         for v in r) for r in rows), key=repr)


def _promises(db: Database) -> dict[str, tuple[Any, ...]]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(Project.name, Agreement.agreed_start_on, Agreement.agreed_producing_on,
                   Agreement.agreed_full_production_on, Agreement.investment_intensity,
                   Agreement.tax_per_mu)
            .join(Project, Project.id == Agreement.project_id)
            .where(Agreement.voided_at.is_(None))).all()
    return {r[0]: tuple(r[1:]) for r in rows if any(v is not None for v in r[1:])}


TWO = [["甲项目", "甲公司", 20000, "已开工", D(2024, 11, 1), 20000, D(2024, 12, 1)],
       ["乙项目", "乙公司", 9000, "已签约", D(2025, 2, 1), 9000, None]]


def test_a_receipts_sheet_is_read_as_receipts_one_row_each(sqlite_db: Database,
                                                          tmp_path: Path) -> None:
    path = _book(tmp_path / "l.xlsx", TWO, [
        ["甲项目", "甲公司", D(2024, 12, 20), 900, "省外", "固定资产投资", None, None, None, "银行进账单"],
        ["甲项目", "甲公司", D(2025, 3, 1), 720, "境外", "流动资金", "USD", 100, None, "验资报告，一"],
        ["乙项目", "乙公司", "2025-04-02", "0.05亿", "市内", "其他", None, None, None, None],
    ])
    # the window names the one ledger sheet and its header row: the receipts still count
    report = import_ledger(sqlite_db, SYSTEM, path, sheet="项目台账", header_row=1)
    assert report.written and not report.errors, report.errors
    assert report.sheet == "项目台账" and len(report.sheets) == 1  # not a second ledger
    assert report.receipts == (("到位资金明细", 3),)
    assert any("到位资金明细 3 笔" in line for line in report.sheet_lines())
    assert _receipts(sqlite_db) == sorted([
        ("甲项目", D(2024, 12, 20), Decimal(900), "省外", "固定资产投资", "CNY", None, None,
         "银行进账单"),
        ("甲项目", D(2025, 3, 1), Decimal(720), "境外", "流动资金", "USD", Decimal(100),
         Decimal(100), "验资报告，一"),
        ("乙项目", D(2025, 4, 2), Decimal(500), "市内", "其他", "CNY", None, None, ""),
    ], key=repr)
    again = import_ledger(sqlite_db, SYSTEM, path)
    assert not again.written and again.updated == 0
    assert again.receipts == (("到位资金明细", 3),) and len(again.sheets) == 1


def test_a_hand_made_receipts_sheet_with_its_own_words_works(sqlite_db: Database,
                                                            tmp_path: Path) -> None:
    path = _book(tmp_path / "l.xlsx", TWO, [
        ["甲项目", "甲公司", D(2025, 1, 5), 300, "区内", "固定资产投资", "首笔"],
    ], receipt_header=["项目名称", "投资方", "到账时间", "到位金额(万元)", "资金来源", "资金性质",
                       "备注"])
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert report.written and not report.errors, report.errors
    assert _receipts(sqlite_db) == [("甲项目", D(2025, 1, 5), Decimal(300), "区内", "固定资产投资",
                                     "CNY", None, None, "首笔")]


def test_the_sheet_decides_for_the_projects_it_lists_and_totals_only_cross_check(
        db: Database, tmp_path: Path) -> None:
    sqlite_db = db  # and PostgreSQL where a server answers
    extra = ["实际到位资金（省外）(万元)", "资金到位时间"]
    first = _book(tmp_path / "a.xlsx", [TWO[0] + [5000, D(2025, 1, 1)],
                                        TWO[1] + [400, D(2025, 5, 1)]], extra=extra)
    assert import_ledger(sqlite_db, SYSTEM, first).written  # running totals: one receipt each
    assert len(_receipts(sqlite_db)) == 2
    second = _book(tmp_path / "b.xlsx", [TWO[0] + [5000, D(2025, 1, 1)],
                                         TWO[1] + [400, D(2025, 5, 1)]], [
        ["甲项目", "甲公司", D(2024, 12, 20), 3000, "省外", "固定资产投资", None, None, None, None],
        ["甲项目", "甲公司", D(2025, 1, 1), 1000, "省外", "流动资金", None, None, None, None],
    ], extra=extra)
    report = import_ledger(sqlite_db, SYSTEM, second)
    assert report.written and not report.errors, report.errors
    # 甲: exactly the sheet's two rows (the old running-total receipt removed); 乙 untouched
    assert _receipts(sqlite_db) == sorted([
        ("甲项目", D(2024, 12, 20), Decimal(3000), "省外", "固定资产投资", "CNY", None, None, ""),
        ("甲项目", D(2025, 1, 1), Decimal(1000), "省外", "流动资金", "CNY", None, None, ""),
        ("乙项目", D(2025, 5, 1), Decimal(400), "省外", "固定资产投资", "CNY", None, None, "台账导入"),
    ], key=repr)
    hint = [(w.row, w.reason) for w in report.warnings if w.column.startswith("实际到位资金")]
    assert hint == [(2, "台账的省外到位资金 5000.0000 万元与到位资金明细的合计 4000.0000 万元不一致，"
                        "按到位资金明细导入")]


def test_bad_receipts_are_errors_by_sheet_row_and_column_and_nothing_is_written(
        sqlite_db: Database, tmp_path: Path) -> None:
    path = _book(tmp_path / "l.xlsx", TWO, [
        ["甲项目", "甲公司", "2025-13-01", 900, "省外", "固定资产投资", None, None, None, None],
        ["甲项目", "甲公司", D(2025, 3, 1), 720, "海外", "流动资金", None, None, None, None],
        ["丙项目", "丙公司", D(2025, 3, 1), 720, "省外", "流动资金", None, None, None, None],
        ["乙项目", "乙公司", D(2099, 3, 1), "abc", "省外", "资本金", None, None, None, None],
    ])
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert report.refused and not report.written
    where = {(p.sheet, p.row, p.column) for p in report.errors}
    assert where == {("到位资金明细", 2, "到位日期"), ("到位资金明细", 3, "资金来源地"),
                     ("到位资金明细", 4, "项目名称"), ("到位资金明细", 5, "到位日期"),
                     ("到位资金明细", 5, "金额（万元）"), ("到位资金明细", 5, "资金类型")}
    with sqlite_db.uow() as uow:
        assert uow.session.scalar(select(Project.id)) is None
    # an unsigned project's receipt: refused by the service, reported on its row, all undone
    unsigned = _book(tmp_path / "u.xlsx", [["丁项目", "丁公司", 100, "洽谈", None, None, None]], [
        ["丁项目", "丁公司", D(2025, 3, 1), 10, "省外", "流动资金", None, None, None, None]])
    report = import_ledger(sqlite_db, SYSTEM, unsigned)
    assert not report.written and [(p.sheet, p.row) for p in report.errors] == [("到位资金明细", 2)]
    assert "尚未签约" in report.errors[0].reason
    with sqlite_db.uow() as uow:
        assert uow.session.scalar(select(Project.id)) is None


def test_promise_columns_go_to_the_signing_agreement(sqlite_db: Database, tmp_path: Path) -> None:
    extra = ["约定开工日期", "约定投产日期", "约定达产日期", "投资强度（万元/亩）", "亩均税收（万元/亩）"]
    path = _book(tmp_path / "l.xlsx", [
        TWO[0] + [D(2025, 3, 31), D(2026, 6, 30), None, 400, 30],
        TWO[1] + [None, None, None, None, None]], extra=extra)
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert report.written and not report.errors, report.errors
    assert _promises(sqlite_db) == {"甲项目": (D(2025, 3, 31), D(2026, 6, 30), None, Decimal(400),
                                              Decimal(30))}
    assert not import_ledger(sqlite_db, SYSTEM, path).written  # unchanged
    # an empty cell keeps what is stored; a new value replaces it
    change = _book(tmp_path / "c.xlsx", [TWO[0] + [None, D(2026, 9, 30), None, None, None]],
                   extra=extra)
    assert import_ledger(sqlite_db, SYSTEM, change).updated == 1
    assert _promises(sqlite_db)["甲项目"] == (D(2025, 3, 31), D(2026, 9, 30), None, Decimal(400),
                                            Decimal(30))
    bad = _book(tmp_path / "b.xlsx", [
        TWO[0] + ["明年", None, None, "很多", None],
        TWO[1] + [D(2024, 1, 1), None, None, None, None],  # before its signing (2025-02-01)
        ["戊项目", "戊公司", 100, "洽谈", None, None, None, D(2026, 1, 1), None, None, None, None]],
        extra=extra)
    report = import_ledger(sqlite_db, SYSTEM, bad)
    assert not report.written
    assert {(p.row, p.column) for p in report.errors} == {(2, "约定开工日期"), (2, "投资强度（万元/亩）")}
    # cells that read well but that the service refuses: on their row, nothing written
    refused = _book(tmp_path / "o.xlsx", [
        TWO[1] + [D(2024, 1, 1), None, None, None, None],
        ["戊项目", "戊公司", 100, "洽谈", None, None, None, D(2026, 1, 1), None, None, None, None]],
        extra=extra)
    report = import_ledger(sqlite_db, SYSTEM, refused)
    assert not report.written
    assert {(p.row, p.column) for p in report.errors} == {(2, "约定开工日期"), (3, "约定开工日期")}
    assert _promises(sqlite_db)["甲项目"][1] == D(2026, 9, 30)


def _stats(db: Database, period: Period, as_of: dt.date) -> dict[str, Any]:
    """What `crm stats --json` prints."""
    with db.uow() as uow:
        return {**metrics.start_rate(uow, period, as_of).to_json(),
                **forecast.forecast(uow, period, as_of).to_json(),
                **assessment.summary_json(uow, period, as_of)}


def test_the_demo_ledger_round_trip_keeps_every_receipt_promise_and_figure(
        demo_db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    as_of = D(2026, 11, 28)
    year, half = Period(D(2025, 1, 1), D(2025, 12, 31)), Period(D(2025, 1, 1), D(2025, 6, 30))
    out = tmp_path / "台账.xlsx"
    export_report(demo_db, "ledger", out, year, as_of)
    fresh_path = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, fresh_path)
    fresh = Database(f"sqlite:///{fresh_path}")
    try:
        report = import_ledger(fresh, SYSTEM, out)
        assert report.written and not report.errors, report.errors
        assert _receipts(fresh) == _receipts(demo_db) and len(_receipts(fresh)) == 33
        assert _promises(fresh) == _promises(demo_db) and len(_promises(demo_db)) == 7
        for period in (year, half):
            before, after = _stats(demo_db, period, as_of), _stats(fresh, period, as_of)
            # the start-rate target is a setting and 洽谈 dates are not in a ledger
            for key in ("start_rate_target", "starts_needed_for_target", "seven_batches"):
                before.pop(key), after.pop(key)
            assert after == before
        figures = _stats(fresh, year, as_of)
        assert (figures["funds_year_yi"], figures["fixed_asset_conversion_text"]) == (
            "30.24", "96.69%")
        assert figures["fulfilment_rate_text"] != "—"
        for db in (demo_db, fresh):  # re-import: nothing changes
            again = import_ledger(db, SYSTEM, out)
            assert not again.written and again.updated == 0 and not again.errors
        assert _receipts(fresh) == _receipts(demo_db)
    finally:
        fresh.dispose()
    # the export's second sheet: its header, then one row per receipt
    sheet = openpyxl.load_workbook(out, read_only=True)["到位资金明细"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][:5] == ("项目名称", "企业名称", "统一社会信用代码", "到位日期", "金额(万元)")
    assert len(rows) == 34


def test_a_receipt_of_a_stored_project_not_in_the_ledger(sqlite_db: Database,
                                                         tmp_path: Path) -> None:
    assert import_ledger(sqlite_db, SYSTEM, _book(tmp_path / "a.xlsx", TWO)).written
    with sqlite_db.uow() as uow:
        pid = uow.session.scalar(select(Project.id).where(Project.name == "乙项目"))
    assert pid is not None
    sqlite_db.run(funds.add_receipt, SYSTEM, pid, ReceiptInput(
        D(2025, 3, 3), Decimal(50), "市内", "其他"))
    path = _book(tmp_path / "b.xlsx", [TWO[0]], [
        ["乙项目", "乙公司", D(2025, 3, 3), 50, "市内", "其他", None, None, None, None],
        ["乙项目", "乙公司", D(2025, 4, 4), 60, "市内", "其他", None, None, None, None]])
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert report.written and not report.errors
    assert [r[1] for r in _receipts(sqlite_db)] == [D(2025, 3, 3), D(2025, 4, 4)]


def test_a_receipt_without_origin_reads_back_unchanged_and_is_refused_only_when_new(
        sqlite_db: Database, sqlite_template: Path, tmp_path: Path) -> None:
    """Receipts recorded before origins and kinds were kept (未填) export with those cells
    empty: the same database takes the file back unchanged; a new one is told what is missing."""
    assert import_ledger(sqlite_db, SYSTEM, _book(tmp_path / "a.xlsx", TWO)).written
    with sqlite_db.uow() as uow:
        pid = uow.session.scalar(select(Project.id).where(Project.name == "甲项目"))
    assert pid is not None
    sqlite_db.run(pipeline.add_funding, SYSTEM, pid, D(2025, 2, 2), Decimal(80), "旧记录")
    out = tmp_path / "台账.xlsx"
    export_report(sqlite_db, "ledger", out, Period(D(2025, 1, 1), D(2025, 12, 31)), D(2025, 12, 31))
    again = import_ledger(sqlite_db, SYSTEM, out)
    assert not again.written and not again.errors, again.errors
    fresh_path = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, fresh_path)
    fresh = Database(f"sqlite:///{fresh_path}")
    try:
        report = import_ledger(fresh, SYSTEM, out)
        assert not report.written
        assert [(p.sheet, p.row, p.column) for p in report.errors] == [
            ("到位资金明细", 4, "资金来源地")]
        assert "资金来源地" in report.errors[0].reason
    finally:
        fresh.dispose()


def test_the_error_workbook_lists_bad_receipts_under_the_sheets_own_headers(
        sqlite_db: Database, tmp_path: Path) -> None:
    from crm.excel.errorbook import write_error_book

    path = _book(tmp_path / "l.xlsx", TWO, [
        ["甲项目", "甲公司", D(2025, 3, 1), 720, "海外", "流动资金", None, None, None, "凭证甲"]])
    report = import_ledger(sqlite_db, SYSTEM, path)
    assert not report.written
    sheet = openpyxl.load_workbook(write_error_book(report, tmp_path / "e.xlsx")).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][:4] == ("原行号", "项目名称", "企业名称", "到位日期")
    assert rows[1][0] == 2 and rows[1][1] == "甲项目" and rows[1][10] == "凭证甲"
    assert "资金来源地：资金来源地应为" in rows[1][-1]
