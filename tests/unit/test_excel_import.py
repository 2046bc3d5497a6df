"""Importing messy ledgers as staff keep them (DESIGN §6), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from crm.db import Database
from crm.errors import CrmError
from crm.excel.errorbook import write_error_book
from crm.excel.importer import import_ledger
from crm.excel.reader import ExcelFileError
from crm.models import Agreement, StageChange, Start
from crm.services import pipeline, projects
from crm.services.common import SYSTEM
from crm.uscc import make_uscc
from tests.unit.builders import World, count, world

D = dt.date
USCC_A = make_uscc("91420100MA4K00001")
USCC_B = make_uscc("91310000MA1G00002")
EVENT = "楚材聚汉 共建支点"
HEADERS = ["序号", "项目名称", "投资主体", "统一社会信用代码", "产业类别", "计划总投资(亿元)",
           "项目进展", "签约日期", "协议金额（万元）", "签约活动", "开工(开业)时间", "责任人",
           "引荐人", "用地面积(亩)", "备注"]


def ledger(path: Path, rows: list[list[object]], headers: list[str] | None = None) -> Path:
    """A ledger the way offices make them: a merged title, a date line, then the header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["青山区2025年招商引资项目台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    ws.append(["填报单位：区招商局", None, None, "填报日期：2025年7月1日"])
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


GOOD = [
    [1, "智能网联汽车零部件基地", "武汉际数汽车科技有限公司", USCC_A, "人工智能", "1.52",
     "已签约", D(2025, 6, 12), "１５２００", EVENT, None, "周建明", "冯立新", "１２０.５", "重点"],
    [2, "钢铁深加工二期", "宝武（武汉）钢材有限公司", None, "钢铁深加工", "7000万元", "已开业",
     "2025/3/1", None, None, "2025年4月1日", "李晓明", "以商招商：王总", None, None],
    [3, "新材料中试平台", "湖北新材料有限公司", None, "新材料", "50.7亿元", "在谈", None, None,
     None, None, "", "自主", None, "中试"],
    [None, None, None, None, None, None, None, None, None, None, None, None, None, None, None],
    [4, "已终止项目", "某某实业有限公司", None, "新材料", 0.3, "已终止", "2025.2.3", None, None,
     None, "王芳", None, None, "企业资金链断裂"],
    [5, "日期在前状态在后", "湖北数码有限公司", USCC_B, "人工智能", 2, "已签约", 20250110, 3000,
     None, "20250320", "王芳", "招商大使：冯立新", None, None],
    ["合计", None, None, None, None, "=SUM(F4:F9)"],
    ["小计", None, None, None, None, 55],
]


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def rows_by_name(db: Database) -> dict[str, projects.ProjectRow]:
    return {p.name: p for p in db.read(projects.list_projects)}


def test_every_value_of_a_messy_ledger_is_imported(db: Database, w: World, tmp_path: Path) -> None:
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "l.xlsx", GOOD))
    assert report.errors == (), [p.text() for p in report.errors]
    assert (report.header_row, report.rows, report.skipped, report.created) == (3, 5, 3, 5)
    assert report.written
    p = rows_by_name(db)
    a = p["智能网联汽车零部件基地"]
    assert (a.company, a.uscc, a.industry, a.stage, a.owner) == (
        "武汉际数汽车科技有限公司", USCC_A, "人工智能", "signed", "周建明")
    assert a.planned_investment == Decimal("15200") and a.signed_amount == Decimal("15200")
    assert a.signed_on == D(2025, 6, 12) and a.signing_event.startswith("楚材聚汉")
    assert (a.source, a.ambassador, a.land_mu, a.note) == ("ambassador", "冯立新",
                                                            Decimal("120.50"), "重点")
    assert a.is_key
    b = p["钢铁深加工二期"]
    assert (b.company, b.stage, b.start_kind, b.started_on, b.signed_on) == (
        "宝武（武汉）钢材有限公司", "started", "开业", D(2025, 4, 1), D(2025, 3, 1))
    assert b.planned_investment == Decimal(7000) and b.signed_amount == Decimal(7000)
    assert (b.source, b.referrer) == ("referral", "王总")
    c = p["新材料中试平台"]
    assert (c.stage, c.planned_investment, c.owner, c.source) == (
        "negotiating", Decimal(507000), "", "self")
    assert c.note == "中试"
    d = p["已终止项目"]
    assert (d.stage, d.drop_reason, d.signed_on, d.planned_investment) == (
        "dropped", "企业资金链断裂", D(2025, 2, 3), Decimal(3000))
    e = p["日期在前状态在后"]
    assert (e.stage, e.signed_on, e.started_on, e.start_kind) == (
        "started", D(2025, 1, 10), D(2025, 3, 20), "开工")
    assert e.signed_amount == Decimal(3000)
    assert any(x.row == 9 and x.column == "项目进展" and "按日期" in x.reason
               for x in report.warnings)
    # the stage history reads like the services' own
    hist = db.read(projects.stage_history, b.id)
    assert [(h.from_stage, h.to_stage, h.changed_on) for h in hist] == [
        (None, "lead", D(2025, 3, 1)), ("lead", "signed", D(2025, 3, 1)),
        ("signed", "started", D(2025, 4, 1))]
    hist = db.read(projects.stage_history, d.id)
    assert hist[-1].to_stage == "dropped" and hist[-1].reason == "企业资金链断裂"
    assert [s.kind for s in db.read(pipeline.starts, b.id)] == ["开业"]
    assert count(db, Agreement) == 4 and count(db, Start) == 2


def test_reimport_changes_nothing_and_an_updated_ledger_updates(db: Database, w: World,
                                                                  tmp_path: Path) -> None:
    path = ledger(tmp_path / "l.xlsx", GOOD)
    import_ledger(db, SYSTEM, path)
    revision, changes = db.revision(), count(db, StageChange)
    again = import_ledger(db, SYSTEM, path)
    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 5, False)
    assert db.revision() == revision and count(db, StageChange) == changes
    updated = [list(r) for r in GOOD]
    # 在谈 → 签约: the first import dated the undated talks by its own day, so the signing in
    # the next ledger is on or after that day, and never after today
    updated[2][6], updated[2][7], updated[2][8] = "已签约", dt.date.today().isoformat(), "8000"
    updated[0][5] = "1.6"  # planned 1.52 → 1.6 亿元
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "l2.xlsx", updated))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3), [
        e.text() for e in report.errors + report.warnings]
    p = rows_by_name(db)
    assert p["新材料中试平台"].stage == "signed"
    assert p["新材料中试平台"].signed_amount == Decimal(8000)
    assert p["智能网联汽车零部件基地"].planned_investment == Decimal(16000)
    assert db.revision() == revision + 1


BAD = [
    [1, "好项目", "好企业有限公司", None, "新材料", "1亿元", "在谈", None, None, None, None, "周建明",
     None, None, None],
    [2, "", "缺项目名有限公司", "123", None, "abc", "乱写", "2025-13-01", None, None, None, "查无此人",
     "谁", "十亩", None],
    [3, "开工早于签约", "某公司", None, None, 1, "已开工", "2025-05-01", None, None, "2025-04-01",
     None, None, None, None],
    [4, "签约无日期", "某公司", None, None, None, "已签约", None, None, None, None, None, None,
     None, None],
    [5, "好项目", "好企业有限公司", None, None, None, None, None, None, None, None, None, None,
     None, None],
    [6, "活动日期不符", "某公司", None, None, 1, "已签约", "2025-06-13", None, EVENT, None, None,
     None, None, None],
]


def test_every_bad_cell_is_reported_and_nothing_is_written(db: Database, w: World,
                                                          tmp_path: Path) -> None:
    before = (db.read(projects.count_projects), db.revision())
    path = ledger(tmp_path / "bad.xlsx", BAD)
    report = import_ledger(db, SYSTEM, path)
    found = {(p.row, p.column) for p in report.errors}
    assert {(5, "项目名称"), (5, "统一社会信用代码"), (5, "计划总投资(亿元)"), (5, "项目进展"),
            (5, "签约日期"), (5, "用地面积(亩)"),
            (6, "开工(开业)时间"), (7, "签约日期"), (8, "项目名称"), (9, "签约活动")} <= found
    reasons = {(p.row, p.column): p.reason for p in report.errors}
    assert "18位" in reasons[(5, "统一社会信用代码")]
    assert "不存在" in reasons[(5, "签约日期")]
    assert (5, "责任人") not in reasons  # an unknown owner becomes a person (see real ledgers)
    assert "不能早于签约日期" in reasons[(6, "开工(开业)时间")]
    assert "第 4 行" in reasons[(8, "项目名称")]
    assert "2025-06-12" in reasons[(9, "签约活动")]
    assert report.refused and not report.written
    assert (db.read(projects.count_projects), db.revision()) == before
    out = write_error_book(report, tmp_path / "errors.xlsx")
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    header = values[2]
    assert header[0] == "原行号" and header[-1] == "错误原因" and header[1:-1] == HEADERS
    assert [r[0] for r in values[3:]] == [5, 6, 7, 8, 9]
    assert "统一社会信用代码：" in values[3][-1] and values[3][3] == "缺项目名有限公司"


def test_skip_invalid_writes_the_valid_rows_only(db: Database, w: World, tmp_path: Path) -> None:
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "bad.xlsx", BAD), skip_invalid=True)
    assert report.written and report.created == 1
    assert list(rows_by_name(db)) == ["好项目"]


def test_dry_run_counts_but_writes_nothing(db: Database, w: World, tmp_path: Path) -> None:
    before = (db.read(projects.count_projects), db.revision())
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "l.xlsx", GOOD), dry_run=True)
    assert report.dry_run and not report.written and report.created == 5
    assert "试导入" in report.summary()
    assert (db.read(projects.count_projects), db.revision()) == before


def test_unreadable_files_get_one_clear_message(db: Database, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ExcelFileError, match="不是有效的 Excel 文件"):
        import_ledger(db, SYSTEM, junk)
    text = tmp_path / "notes.xlsx"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ExcelFileError):
        import_ledger(db, SYSTEM, text)
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "123"])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(ExcelFileError, match="找不到表头"):
        import_ledger(db, SYSTEM, tmp_path / "other.xlsx")
    with pytest.raises(ExcelFileError, match="找不到文件"):
        import_ledger(db, SYSTEM, tmp_path / "missing.xlsx")


def test_staff_may_not_import(db: Database, w: World, tmp_path: Path) -> None:
    with pytest.raises(CrmError):
        import_ledger(db, w.staff, ledger(tmp_path / "l.xlsx", GOOD))


def test_cancel_writes_nothing(db: Database, w: World, tmp_path: Path) -> None:
    before = db.revision()
    with pytest.raises(CrmError, match="取消"):
        import_ledger(db, SYSTEM, ledger(tmp_path / "l.xlsx", GOOD), cancelled=lambda: True)
    assert db.revision() == before and db.read(projects.count_projects) == 0


def test_user_mapping_overrides_the_guess(db: Database, w: World, tmp_path: Path) -> None:
    headers = ["名称", "单位", "金额"]
    path = ledger(tmp_path / "odd.xlsx", [["项目甲", "甲公司", "100"]], headers=headers)
    with pytest.raises(ExcelFileError):
        import_ledger(db, SYSTEM, path)
    mapping = {0: "name", 1: "company", 2: "planned"}
    refused = import_ledger(db, SYSTEM, path, header_row=3, mapping=mapping)
    assert refused.unit_needed == ("「金额」",) and not refused.written  # no unit: never guessed
    report = import_ledger(db, SYSTEM, path, header_row=3, mapping=mapping, unit="万元")
    assert report.created == 1
    assert rows_by_name(db)["项目甲"].planned_investment == Decimal(100)


def test_pinyin_keys_equal_pypinyin_on_whole_texts() -> None:
    """crm.text converts each Chinese run once (fast bulk import); the keys must be exactly
    those pypinyin gives for the whole text."""
    from pypinyin import Style, lazy_pinyin

    from crm import text

    def keep(chars: str) -> list[str]:
        return list(chars)

    def reference(name: str) -> tuple[str, str]:
        plain = text.normalize(name)
        tone3 = lazy_pinyin(plain, style=Style.TONE3, neutral_tone_with_five=True, errors=keep)
        first = lazy_pinyin(plain, style=Style.FIRST_LETTER, errors=keep)
        return "".join(p + " " for p in tone3)[:600], "".join(first)

    names = ["宝武（武汉）钢材有限公司", "重庆长安汽车", "上海科技项目12号", "ＡＢＣ１２３",
             "银行行长 A-1", "〇号", "中\n文", "", "音乐乐器①", "㐀𠀀豆豉", "长江重工行业银行"]
    for name in names:
        assert (text.sort_key(name), text.initials(name)) == reference(name), name
    for name, company in itertools.pairwise(names):
        if not name or not company:
            continue
        for uscc in (USCC_A, None, "ｘ1２"):
            assert text.project_keys(name, text.Named(company), uscc) == (
                text.sort_key(name), text.search_text(name, company, uscc)), (name, company)
        parts = [text.normalize(name), text.normalize(company)]
        assert text.search_text(name, company) == "|".join(
            [*parts, reference(name)[1], reference(company)[1]])


def test_a_second_ledger_adds_after_the_projects_already_there(db: Database, w: World,
                                                               tmp_path: Path) -> None:
    import_ledger(db, SYSTEM, ledger(tmp_path / "l.xlsx", GOOD))
    more = [[9, "第二批项目", "武汉际数汽车科技有限公司", USCC_A, "新材料", 2, "已开工", "2025-01-02",
             None, None, "2025-02-03", "王芳", "自主", None, None]]
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "m.xlsx", more))
    assert (report.created, report.errors) == (1, ())
    p = rows_by_name(db)
    assert len(p) == 6 and p["第二批项目"].company == "武汉际数汽车科技有限公司"
    assert p["第二批项目"].id > max(x.id for n, x in p.items() if n != "第二批项目")
    hist = db.read(projects.stage_history, p["第二批项目"].id)
    assert [h.to_stage for h in hist] == ["lead", "signed", "started"]


BULK_TABLES = ("companies", "projects", "stage_changes", "agreements", "starts")


def _indexes(db: Database) -> set[tuple[str, ...]]:
    """Every index and foreign key of the tables an import writes in bulk."""
    from sqlalchemy import inspect

    out: set[tuple[str, ...]] = set()
    with db.engine.connect() as conn:
        seen = inspect(conn)
        for table in BULK_TABLES:
            for i in seen.get_indexes(table):
                where = {k: str(v) for k, v in i.get("dialect_options", {}).items()}
                out.add((table, str(i["name"]), ",".join(map(str, i["column_names"])),
                         str(sorted(where.items()))))
            for k in seen.get_foreign_keys(table):
                out.add((table, "fk", ",".join(k["constrained_columns"]), k["referred_table"],
                         ",".join(k["referred_columns"]), str(k.get("options"))))
    return out


def test_a_large_ledger_into_a_small_table_keeps_every_index(db: Database, w: World,
                                                              tmp_path: Path) -> None:
    """Past 1000 new projects the importer rebuilds the projects' indexes (on PostgreSQL also
    the foreign keys) instead of growing them: they must all be back, also after an import
    that fails while writing."""
    before = _indexes(db)
    assert sum(1 for i in before if i[0] == "projects" and i[1] != "fk") >= 16
    if not db.is_sqlite:
        assert sum(1 for i in before if i[1] == "fk") >= 12
    many = [[i, f"批量项目{i}", f"批量企业{i}有限公司", None, "新材料", 1, "已开工", "2025-01-02", None,
             None, "2025-02-03", "王芳", "自主", None, None] for i in range(1, 1201)]
    path = ledger(tmp_path / "big.xlsx", many)
    calls = iter(range(10**6))  # reading asks twice, checking once; the 4th is mid-writing
    with pytest.raises(CrmError, match="取消"):
        import_ledger(db, SYSTEM, path, cancelled=lambda: next(calls) > 2)
    assert _indexes(db) == before and db.read(projects.count_projects) == 0
    report = import_ledger(db, SYSTEM, path)
    assert (report.created, report.errors) == (1200, ())
    assert _indexes(db) == before
    assert [p.name for p in db.read(projects.list_projects, projects.ProjectQuery(
        search="批量项目1199"))] == ["批量项目1199"]
    again = import_ledger(db, SYSTEM, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1200)


def test_a_lead_date_after_the_signing_is_asked_about_not_moved(db: Database, w: World,
                                                                 tmp_path: Path) -> None:
    """Which of the two dates is wrong only the ledger's keeper knows: the row is refused with
    both dates named, and nothing is written (it used to be moved to the signing date)."""
    headers = [*HEADERS, "立项日期"]
    row = [1, "立项在签约后", "湖北立项科技有限公司", None, "新材料", "1.2", "已签约",
           D(2025, 6, 1), None, None, None, "周建明", None, None, None, D(2025, 8, 1)]
    before = (db.read(projects.count_projects), db.revision())
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "lead.xlsx", [row], headers))
    texts = [e.text() for e in report.errors]
    assert any("立项日期 2025-08-01 晚于后面阶段的日期 2025-06-01" in t for t in texts), texts
    assert (db.read(projects.count_projects), db.revision()) == before
