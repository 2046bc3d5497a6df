"""Ledgers as bureaus really send them, into a new database with only the first administrator
(DESIGN §6, "Real ledgers"): every layout is written here with openpyxl, every value checked."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from crm.cli import main
from crm.db import Database
from crm.excel.importer import import_ledger
from crm.excel.reader import ExcelFileError
from crm.models import Ambassador, StageChange, User
from crm.services import audit, projects, users
from crm.services.common import SYSTEM
from crm.uscc import make_uscc
from tests.unit.builders import count

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
USCC = make_uscc("91420100MA4K00003")
LONG_NOTE = "企业诉求：" + "需要协调用地指标、电力增容和人才公寓。" * 2200  # ~40,000 characters
MARKER = "LONG-NOTE-HERE"


def with_long_text(path: Path) -> Path:
    """The file with MARKER replaced by LONG_NOTE: openpyxl (like Excel) stops a cell at 32,767
    characters, other tools that write ledgers do not."""
    import zipfile

    data = {i: zipfile.ZipFile(path).read(i.filename) for i in zipfile.ZipFile(path).infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, raw in data.items():
            out.writestr(info, raw.replace(MARKER.encode(), LONG_NOTE.encode()))
    return path


@pytest.fixture
def admin(db: Database) -> None:
    """A new installation: the first administrator and nothing else."""
    with db.uow() as uow:
        users.create_user(uow, SYSTEM, "admin", "admin", display_name="管理员",
                          password="admin1234")
        uow.commit()


def by_name(db: Database) -> dict[str, projects.ProjectRow]:
    return {p.name: p for p in db.read(projects.list_projects)}


def people(db: Database) -> dict[str, tuple[str | None, str | None, str, bool]]:
    with db.uow() as uow:
        return {u.display_name: (u.login, u.password_hash, u.role, u.active)
                for u in uow.session.scalars(select(User))}


def stats(capsys: pytest.CaptureFixture[str], db: Database) -> dict[str, object]:
    capsys.readouterr()
    code = main(["--db", db.url, "stats", "--from", "2025-01-01", "--to", "2025-12-31",
                 "--as-of", "2025-12-31", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


# --- a two-row merged header, the unit above the table, sections, footnotes -----------------
COLS = 12


def bureau_ledger(path: Path, *, unit_row: str | None = "金额单位：亿元",
                  note: str = MARKER, extra: list[list[object]] | None = None) -> Path:
    """青山区's layout: a merged title, the unit in a row above the table, a two-row header
    (计划总投资 merged over 总额 | 其中：固定资产投资, the others merged down), line breaks in
    header cells, a 合计 row under the header, section rows, placeholders, a footnote and a
    signature row under the data."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目台账"
    ws.append(["青山区2025年招商引资重点项目台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=COLS)
    ws.append(["填报单位：区招商局", None, None, None, None, None, None, None, None, unit_row])
    ws.append(["序号", "项目\n名称", "投资主体", "统一社会\n信用代码", "计划总投资", None, "项目状态",
               "签约\n时间", "开工时间", "责任人", "招商来源", "备注"])
    ws.append([None, None, None, None, "总额", "其中：固定资产投资"])
    for col in range(1, COLS + 1):
        if col not in (5, 6):
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells(start_row=3, start_column=5, end_row=3, end_column=6)
    ws.append(["合计", None, None, None, 45.2, 28, None, None, None, None, None, None])
    ws.append(["一、先进制造业（3个）"])
    ws.merge_cells(start_row=6, start_column=1, end_row=6, end_column=COLS)
    ws.append([1, "智能装备产业园", "武汉智装科技有限公司", USCC, 12.5, 10, "已签约未开工",
               dt.datetime(2025, 3, 15), "/", "周敏", "招商大使", "重点项目"])
    ws.append([2, "新能源电池项目", "湖北锂能有限公司", "/", 20, 18, "在建", "2025年2月", "2025-06",
               "李强", "以商招商：张总", None])
    ws.append([3, "精密铸件", "某某铸造有限公司", "—", 3, "待定", "已竣工投产",
               dt.datetime(2024, 5, 10), dt.datetime(2024, 8, 1), "周敏", "自主招商", note])
    ws.append(["二、现代服务业（3个）"])
    ws.merge_cells(start_row=10, start_column=1, end_row=10, end_column=COLS)
    ws.append([4, "区域总部", "上海某某集团有限公司", None, "8000万元", None, "已运营",
               dt.datetime(2025, 1, 8), dt.datetime(2025, 4, 1), "王磊", "中介招商", None])
    ws.append([5, "数字营销中心", "杭州云数科技有限公司", None, 0.5, None, "洽谈中", None, None,
               "王磊、周敏", "招商大使：冯立新", None])
    ws.append([6, "冷链物流", "武汉冷链有限公司", None, 1.2, None, "终止", None, None, "李强", "/",
               "企业战略调整"])
    for row in extra or []:
        ws.append(row)
    ws.append([])
    ws.append(["注：1.本表金额单位为亿元；2.项目状态截至填报日。"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=COLS)
    ws.append(["填报人：张三", None, None, "审核人：李四", None, None, "联系电话：027-88886666"])
    wb.save(path)
    return with_long_text(path)


def test_a_bureau_ledger_imports_exactly_on_a_new_database(
        db: Database, admin: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bureau_ledger(tmp_path / "台账.xlsx")
    report = import_ledger(db, SYSTEM, path)
    assert report.errors == (), [p.text() for p in report.errors]
    assert report.written and (report.created, report.rows) == (6, 6)
    (sheet,) = report.sheets
    assert sheet.header_rows == "第 3–4 行"
    assert ("E", "计划总投资/总额", "计划总投资，单位亿元（第 2 行注明）") in sheet.columns
    assert ("F", "计划总投资/其中：固定资产投资", "不导入") in sheet.columns
    assert [(r, why) for r, why in sheet.skipped_rows] == [
        (5, "合计/小计行"), (6, "分组行"), (10, "分组行"), (15, "注释或签字行"), (16, "注释或签字行")]
    assert sheet.sections == ((6, "一、先进制造业（3个）", "先进制造业"),
                              (10, "二、现代服务业（3个）", "现代服务业"))
    assert sheet.blank == 1 and report.skipped == 6
    p = by_name(db)
    a = p["智能装备产业园"]
    assert (a.company, a.uscc, a.industry, a.stage, a.signed_on, a.started_on) == (
        "武汉智装科技有限公司", USCC, "先进制造业", "signed", D(2025, 3, 15), None)
    assert a.planned_investment == Decimal(125000) and a.signed_amount == Decimal(125000)
    assert (a.owner, a.source, a.ambassador, a.note) == ("周敏", "ambassador", "", "重点项目")
    b = p["新能源电池项目"]
    assert (b.uscc, b.industry, b.stage, b.signed_on, b.started_on, b.start_kind) == (
        None, "先进制造业", "started", D(2025, 2, 1), D(2025, 6, 1), "开工")
    assert b.planned_investment == Decimal(200000)
    assert (b.owner, b.source, b.referrer) == ("李强", "referral", "张总")
    c = p["精密铸件"]
    assert (c.stage, c.signed_on, c.started_on, c.producing_on, c.industry) == (
        "producing", D(2024, 5, 10), D(2024, 8, 1), None, "先进制造业")
    assert c.planned_investment == Decimal(30000) and c.source == "self"
    assert c.note == LONG_NOTE and len(c.note) > 40000
    d = p["区域总部"]
    assert (d.industry, d.stage, d.start_kind, d.signed_on, d.started_on) == (
        "现代服务业", "started", "开业", D(2025, 1, 8), D(2025, 4, 1))
    assert d.planned_investment == Decimal(8000) and d.signed_amount == Decimal(8000)
    assert (d.owner, d.source, d.referrer) == ("王磊", "referral", "")
    e = p["数字营销中心"]
    assert (e.stage, e.planned_investment, e.owner, e.source, e.ambassador, e.industry) == (
        "negotiating", Decimal(5000), "王磊", "ambassador", "冯立新", "现代服务业")
    f = p["冷链物流"]
    assert (f.stage, f.drop_reason, f.planned_investment, f.owner) == (
        "dropped", "企业战略调整", Decimal(12000), "李强")
    # the owners became staff records without a login; nothing was invented for them
    assert people(db) == {"管理员": ("admin", people(db)["管理员"][1], "admin", True),
                          "周敏": (None, None, "staff", True), "李强": (None, None, "staff", True),
                          "王磊": (None, None, "staff", True)}
    assert report.people == ("周敏", "李强", "王磊")
    assert "建立 3 位人员档案（未开通登录）：周敏、李强、王磊" in report.summary()
    # the audit log says whom the import created, as for a person added by hand
    log = db.read(audit.audit_log, SYSTEM, audit.LogQuery(entity="user")).rows
    created = sorted((e.subject, e.action, tuple(c.text for c in e.changes)) for e in log
                     if e.subject != "管理员")
    assert created == sorted((name, "新建", (f"姓名：{name}", "角色：招商专员", "启用：是"))
                             for name in ("周敏", "李强", "王磊"))
    notes = {(w.row, w.column): w.reason for w in report.warnings}
    assert "按招商大使导入，大使留空" in notes[(7, "招商来源")]
    assert "按以商招商导入，引荐人留空" in notes[(11, "招商来源")]
    assert "按 2025-02-01（当月1日）导入" in notes[(8, "签约时间")]
    assert "按 2025-06-01（当月1日）导入" in notes[(8, "开工时间")]
    assert "投产日期暂缺" in notes[(9, "项目状态")]
    assert "导入第一位“王磊”" in notes[(12, "责任人")]
    assert all("\n" not in w.text() for w in report.warnings)
    assert count(db, Ambassador) == 1
    figures = stats(capsys, db)
    assert (figures["signed"], figures["started"], figures["start_rate_text"],
            figures["signed_amount_yi"]) == (3, 2, "66.67%", "33.30")
    # the same file again changes nothing; an updated ledger updates
    revision, changes = db.revision(), count(db, StageChange)
    again = import_ledger(db, SYSTEM, path)
    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 6, False)
    assert again.people == () and db.revision() == revision
    assert count(db, StageChange) == changes and len(people(db)) == 4
    newer = bureau_ledger(tmp_path / "台账2.xlsx", note="已补充协议")
    report = import_ledger(db, SYSTEM, newer)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    assert by_name(db)["精密铸件"].note == "已补充协议"


def test_the_unit_is_never_guessed(db: Database, admin: None, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = bureau_ledger(tmp_path / "无单位.xlsx", unit_row=None)
    before = (db.revision(), len(people(db)))
    report = import_ledger(db, SYSTEM, path)
    assert report.refused and not report.written and report.unit_needed == ("「计划总投资/总额」",)
    assert any("没有注明金额单位" in e.reason and e.column == "计划总投资/总额"
               for e in report.errors)
    assert (db.revision(), len(people(db))) == before and db.read(projects.count_projects) == 0
    skipped = import_ledger(db, SYSTEM, path, skip_invalid=True)  # no row is safe to write
    assert skipped.refused and not skipped.written and db.read(projects.count_projects) == 0
    capsys.readouterr()
    assert main(["--db", db.url, "import", str(path)]) == 2
    _out, err = capsys.readouterr()
    assert "--unit 万元 或 --unit 亿元" in err and db.read(projects.count_projects) == 0
    assert main(["--db", db.url, "import", str(path), "--unit", "亿元"]) == 0
    p = by_name(db)
    assert p["智能装备产业园"].planned_investment == Decimal(125000)
    assert p["区域总部"].planned_investment == Decimal(8000)  # the cell's own unit wins
    assert p["数字营销中心"].planned_investment == Decimal(5000)


def test_amounts_that_carry_their_unit_need_no_unit_row(db: Database, admin: None,
                                                        tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "企业名称", "计划总投资", "项目状态", "签约时间"])
    ws.append(["甲项目", "甲公司", "1.5亿元", "已签约", "2025-05-05"])
    ws.append(["乙项目", "乙公司", "7000万元", "在谈", None])
    ws.append(["丙项目", "丙公司", None, "线索", None])
    wb.save(tmp_path / "u.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "u.xlsx")
    assert report.errors == () and report.created == 3
    p = by_name(db)
    assert (p["甲项目"].planned_investment, p["乙项目"].planned_investment) == (
        Decimal(15000), Decimal(7000))


def test_the_unit_in_a_title_row_and_in_a_group_header(db: Database, admin: None,
                                                       tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2025年签约项目表（单位：万元）"])
    ws.append(["项目名称", "企业名称", "投资情况（亿元）", None, "项目状态", "签约日期"])
    ws.append([None, None, "总投资", "签约金额", None, None])
    ws.merge_cells("C2:D2")
    for col in "ABEF":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append(["甲项目", "甲公司", 2, 1.5, "已签约", "2025-03-03"])
    wb.save(tmp_path / "g.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "g.xlsx")
    assert report.errors == (), [e.text() for e in report.errors]
    a = by_name(db)["甲项目"]
    assert (a.planned_investment, a.signed_amount) == (Decimal(20000), Decimal(15000))


# --- every sheet ----------------------------------------------------------------------------
def half_year_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "填表说明"
    info.append(["本表由各招商小分队每月25日前报送。"])
    for title, rows in (("2025上半年", [["上半年项目", "甲公司", 3, "已签约", "2025-03-01", "周敏"]]),
                        ("2025下半年", [["下半年项目", "乙公司", 1.5, "已开工", "2025-08-01", "李强"],
                                       ["下半年二期", "甲公司", 0.8, "在谈", None, "周敏"]])):
        ws = wb.create_sheet(title)
        ws.append(["项目名称", "企业名称", "计划总投资(亿元)", "项目状态", "签约时间", "责任人"])
        for r in rows:
            ws.append(r)
    summary = wb.create_sheet("汇总")
    summary.append(["月份", "签约数", "签约金额"])
    summary.append(["1月", 3, 5.2])
    wb.save(path)
    return path


def test_every_sheet_with_a_ledger_is_imported_and_the_others_are_named(
        db: Database, admin: None, tmp_path: Path) -> None:
    path = half_year_book(tmp_path / "半年.xlsx")
    report = import_ledger(db, SYSTEM, path)
    assert [e.text() for e in report.errors] == ["工作表“2025下半年”第 2 行「开工时间」："
                                                 "项目状态为“已开工”，请填写开工时间"]
    assert [s.name for s in report.sheets] == ["2025上半年", "2025下半年"]
    assert [name for name, _ in report.skipped_sheets] == ["填表说明", "汇总"]
    assert "找不到表头" in dict(report.skipped_sheets)["汇总"]
    assert report.refused and db.read(projects.count_projects) == 0
    from crm.excel.errorbook import write_error_book

    book = openpyxl.load_workbook(write_error_book(report, tmp_path / "错误.xlsx"))
    rows = [[c.value for c in r] for r in book["错误"].iter_rows()]
    assert rows[3][0] == 2 and rows[3][1:3] == ["下半年项目", "乙公司"]
    assert rows[3][-1] == "开工时间：项目状态为“已开工”，请填写开工时间"
    lines = report.sheet_lines()
    assert lines[0] == "工作表“2025上半年”：表头在第 1 行，1 行数据，跳过 0 行"
    assert lines[2].startswith("工作表“填表说明”：未导入（")
    report = import_ledger(db, SYSTEM, path, sheet="2025上半年")
    assert (report.created, report.errors, report.sheet) == (1, (), "2025上半年")
    assert list(by_name(db)) == ["上半年项目"]
    with pytest.raises(ExcelFileError, match="没有工作表“全年”"):
        import_ledger(db, SYSTEM, path, sheet="全年")


def test_the_same_project_in_two_sheets_is_imported_once(db: Database, admin: None,
                                                         tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for i, title in enumerate(("一季度", "二季度")):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        ws.append(["项目名称", "企业名称", "计划总投资(万元)", "项目状态"])
        ws.append(["同一项目", "同一公司", 500, "在谈"])
        ws.append([f"{title}项目", "某公司", 100 + i, "线索"])
    wb.save(tmp_path / "q.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "q.xlsx")
    assert report.errors == () and report.created == 3
    assert [w.text() for w in report.warnings] == [
        "工作表“二季度”第 2 行「项目名称」：与工作表“一季度”第 2 行相同，只导入一次"]


# --- people ---------------------------------------------------------------------------------
def test_a_name_shared_by_two_accounts_is_an_error_naming_both(db: Database, admin: None,
                                                               tmp_path: Path) -> None:
    with db.uow() as uow:  # two accounts from before names had to differ
        uow.session.add_all([User(login="wangf", display_name="王芳", role="staff",
                                  password_hash="x", active=True, sort_key="wang2 fang1 "),
                             User(login="wangf2", display_name="王芳", role="staff",
                                  password_hash="x", active=True, sort_key="wang2 fang1 ")])
        uow.commit()
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "企业名称", "责任人"])
    wb.active.append(["甲项目", "甲公司", "王芳"])
    wb.active.append(["乙项目", "乙公司", "wangf2"])
    wb.save(tmp_path / "p.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "p.xlsx")
    (error,) = report.errors
    assert (error.row, error.column) == (2, "责任人")
    assert "wangf" in error.reason and "wangf2" in error.reason
    report = import_ledger(db, SYSTEM, tmp_path / "p.xlsx", skip_invalid=True)
    assert by_name(db)["乙项目"].owner == "王芳" and count(db, User) == 3


def test_a_person_recorded_by_one_import_is_the_owner_in_the_next(db: Database, admin: None,
                                                                  tmp_path: Path) -> None:
    import_ledger(db, SYSTEM, half_year_book(tmp_path / "h.xlsx"), sheet="2025上半年")
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "企业名称", "责任人"])
    wb.active.append(["新项目", "新公司", "周敏"])
    wb.save(tmp_path / "n.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "n.xlsx")
    assert report.people == () and report.warnings == ()
    assert [n for n, v in people(db).items() if v[0] is None] == ["周敏"]


# --- what the dry run shows -----------------------------------------------------------------
def test_the_dry_run_shows_how_the_file_was_read(db: Database, admin: None, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = bureau_ledger(tmp_path / "台账.xlsx")
    capsys.readouterr()
    assert main(["--db", db.url, "import", str(path), "--dry-run"]) == 0
    out, _ = capsys.readouterr()
    for line in ("工作表“项目台账”：表头在第 3–4 行，6 行数据；金额单位：亿元（表头上方第 2 行注明",
                 "B 列「项目名称」→ 项目名称",
                 "E 列「计划总投资/总额」→ 计划总投资，单位亿元（第 2 行注明）",
                 "F 列「计划总投资/其中：固定资产投资」→ 不导入",
                 "第 6 行是分组“一、先进制造业（3个）”：其下各行所属产业为“先进制造业”",
                 "跳过第 5 行：合计/小计行", "跳过第 15 行：注释或签字行", "跳过空行 1 行",
                 "将建立人员档案（未开通登录）：周敏、李强、王磊", "试导入，未写入"):
        assert line in out, line
    assert db.read(projects.count_projects) == 0 and len(people(db)) == 1


def test_error_lines_carry_no_line_break(db: Database, admin: None, tmp_path: Path) -> None:
    path = bureau_ledger(tmp_path / "bad.xlsx", extra=[[7, "坏日期", "某公司", None, 1, None,
                                                         "已签约", "2025-13-45", None, None, None,
                                                         None]])
    report = import_ledger(db, SYSTEM, path)
    (error,) = report.errors
    assert error.text() == "第 14 行「签约时间」：日期“2025-13-45”不存在"


def test_sections_give_the_industry_only_where_there_is_no_industry_column(
        db: Database, admin: None, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "企业名称", "计划总投资(万元)", "项目状态"])
    ws.append(["（一）新一代信息技术（共2个）"])
    ws.append([1, "芯片封测", "甲公司", 100, "在谈"])
    ws.append(["二、已签约项目"])  # names a stage: the rows below have no industry, not a guess
    ws.append([2, "光模块", "乙公司", 200, "储备"])
    ws.append(["3、生物医药"])
    ws.append([3, "疫苗中试", "丙公司", 300, "对接中"])
    wb.save(tmp_path / "s.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "s.xlsx")
    assert report.errors == () and report.created == 3
    assert report.sheets[0].sections == ((2, "（一）新一代信息技术（共2个）", "新一代信息技术"),
                                         (4, "二、已签约项目", ""), (6, "3、生物医药", "生物医药"))
    p = by_name(db)
    assert [(p[n].industry, p[n].stage) for n in ("芯片封测", "光模块", "疫苗中试")] == [
        ("新一代信息技术", "negotiating"), ("", "lead"), ("生物医药", "negotiating")]
    with_column = openpyxl.Workbook()
    ws = with_column.active
    ws.append(["项目名称", "企业名称", "所属产业", "计划总投资(万元)"])
    ws.append(["一、先进制造业"])
    ws.append(["新项目", "丁公司", "新材料", 50])
    with_column.save(tmp_path / "c.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "c.xlsx")
    assert report.errors == () and by_name(db)["新项目"].industry == "新材料"
    assert report.sheets[0].sections == ((2, "一、先进制造业", ""),)  # shown as not used


@pytest.mark.parametrize(("written", "stage", "kind"), [
    ("已签约未开工", "signed", "开工"), ("未动工已签约", "signed", "开工"), ("在建", "started", "开工"),
    ("已开工在建", "started", "开工"), ("开工建设", "started", "开工"), ("已运营", "started", "开业"),
    ("已竣工投产", "producing", "开工"), ("达产", "producing", "开工"), ("洽谈中", "negotiating", ""),
    ("前期", "negotiating", ""), ("对接中", "negotiating", ""), ("拟寻求", "lead", ""),
    ("储备", "lead", ""), ("终止", "dropped", ""), ("已退出", "dropped", ""),
    ("已签约（未开工）", "signed", "开工"), ("在建（主体施工）", "started", "开工"),
    ("洽谈阶段", "negotiating", "")])
def test_status_words_as_bureaus_write_them(sqlite_db: Database, tmp_path: Path, written: str,
                                            stage: str, kind: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "企业名称", "计划总投资(万元)", "项目状态", "签约时间", "开工时间", "投产时间"])
    dated = stage in ("signed", "started", "producing")
    ws.append(["项目", "公司", 100, written, "2025-01-02" if dated else None,
               "2025-02-03" if stage in ("started", "producing") else None,
               "2025-09-30" if stage == "producing" else None])
    wb.save(tmp_path / "w.xlsx")
    report = import_ledger(sqlite_db, SYSTEM, tmp_path / "w.xlsx")
    assert report.errors == (), [e.text() for e in report.errors]
    p = by_name(sqlite_db)["项目"]
    assert p.stage == stage and (p.start_kind or "") == (kind if p.started_on else "")


def test_other_names_for_columns_and_a_header_repeated_in_the_data(
        db: Database, admin: None, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    header = ["序号", "项目名称", "建设单位", "产业领域", "项目总投资（亿元）", "签订时间", "实际开工时间",
              "招商责任人", "招商方式", "建设地点"]
    ws.append(header)
    ws.append([1, "甲项目", "甲公司", "新材料", 1, "2025-02-02", "2025-03-03", "周敏", "以商招商", "某园区"])
    ws.append(header)  # the header again (printed per page, or a second table)
    ws.append([2, "乙项目", "乙公司", "新能源", 2, None, None, "周敏", "自主招商", None])
    wb.save(tmp_path / "h.xlsx")
    report = import_ledger(db, SYSTEM, tmp_path / "h.xlsx")
    assert report.errors == () and report.created == 2
    assert report.sheets[0].skipped_rows == ((3, "重复的表头行"),)
    p = by_name(db)
    assert (p["甲项目"].company, p["甲项目"].industry, p["甲项目"].planned_investment,
            p["甲项目"].stage, p["甲项目"].owner, p["甲项目"].source) == (
        "甲公司", "新材料", Decimal(10000), "started", "周敏", "referral")
    assert (p["乙项目"].stage, p["乙项目"].source) == ("lead", "self")


@pytest.mark.parametrize(("above", "planned"), [
    (["单位：个、万元、亩"], Decimal(3)), (["（金额单位：亿元）"], Decimal(30000)),
    (["金额单位：亿元", None, "单位：万元"], None), ([None, "填报单位：区招商局"], None)])
def test_unit_rows_as_written(sqlite_db: Database, tmp_path: Path, above: list[object],
                              planned: Decimal | None) -> None:
    """A unit row above the table is read wherever it says 单位; two rows stating different
    units, or none, leave the unit unstated: the file is refused, nothing guessed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(above)
    ws.append(["项目名称", "企业名称", "计划总投资"])
    ws.append(["甲项目", "甲公司", 3])
    wb.save(tmp_path / "u.xlsx")
    report = import_ledger(sqlite_db, SYSTEM, tmp_path / "u.xlsx")
    if planned is None:
        assert report.unit_needed and report.refused and not report.written
    else:
        assert report.errors == () and by_name(sqlite_db)["甲项目"].planned_investment == planned
