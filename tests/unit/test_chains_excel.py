"""招商图谱 and Excel: importing a 目标企业名录 (all or nothing, errors by row and column,
dry run, re-import changes nothing) and the ``chains`` report (issue 13 §4)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from crm.cli import main
from crm.db import Database
from crm.errors import PermissionDenied
from crm.excel.reports import export_report
from crm.excel.targets import import_targets
from crm.models import TargetFirm
from crm.services.common import SYSTEM
from crm.services.metrics import Filters, Period
from crm.uscc import make_uscc
from crm.views import chains as view
from tests.unit.builders import D, count
from tests.unit.test_chains import Map, build

HEADER = ["序号", "企业名称", "产业链", "环节", "城市", "层级", "理由", "负责人", "统一社会信用代码"]
GOOD: list[list[object]] = [
    [1, "宁德时代新能源科技股份有限公司", "新材料", "医药材料", "宁德", "链主企业", "补链", "李晓明",
     make_uscc("91350900MA2YC0000")],
    [2, "高纯靶材有限公司", "新材料", "靶材", "北京", "专精特新“小巨人”", "", "wangf", None],
    [3, "应用示范有限公司", "", "应用", "上海", "", "下游应用", "/", None],
]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "目标企业名录"
    ws.append(["青山区新材料产业链目标企业名录（2025 年）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append(["合计", "3 家"])
    wb.save(path)
    return path


@pytest.fixture
def m(sqlite_db: Database) -> Map:
    return build(sqlite_db)


def test_import_a_target_list_then_again(sqlite_db: Database, m: Map, tmp_path: Path) -> None:
    path = workbook(tmp_path / "名录.xlsx", GOOD)
    before = count(sqlite_db, TargetFirm)
    trial = import_targets(sqlite_db, m.w.manager, path, dry_run=True)
    assert (trial.created, trial.written, trial.errors) == (3, False, ())
    assert "试导入" in trial.summary() and count(sqlite_db, TargetFirm) == before
    done = import_targets(sqlite_db, m.w.manager, path)
    assert (done.header_row, done.rows, done.created, done.written) == (2, 3, 3, True)
    rows = {t.name: t for t in sqlite_db.read(view.list_targets)}
    catl = rows["宁德时代新能源科技股份有限公司"]
    assert (catl.segment, catl.tier, catl.city, catl.owner, catl.why, catl.uscc) == (
        "医药材料", "链主", "宁德", "李晓明", "补链", make_uscc("91350900MA2YC0000"))
    assert (rows["高纯靶材有限公司"].tier, rows["高纯靶材有限公司"].owner) == ("专精特新", "王芳")
    assert (rows["应用示范有限公司"].segment, rows["应用示范有限公司"].tier) == ("应用", "其他")
    again = import_targets(sqlite_db, m.w.manager, path)
    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 3, False)


def test_a_bad_list_writes_nothing_and_names_each_cell(sqlite_db: Database, m: Map,
                                                       tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    bad: list[list[object]] = [
        *GOOD[:1],
        [2, "某企业", "新能源汽车", "电池", "", "", "", "", None],
        [3, "某企业二", "新材料", "冶炼", "", "龙头老大", "", "", "123"],
        [4, "某企业三", "新材料", "应用", "", "", "", "张三丰", None],
        [5, "宁德时代新能源科技股份有限公司", "新材料", "医药材料", "", "", "", "", None],
    ]
    path = workbook(tmp_path / "名录.xlsx", bad)
    before = count(sqlite_db, TargetFirm)
    report = import_targets(sqlite_db, m.w.manager, path)
    assert not report.written and count(sqlite_db, TargetFirm) == before
    got = {(p.row, p.column) for p in report.errors}
    assert got == {(4, "产业链"), (5, "环节"), (5, "层级"), (5, "统一社会信用代码"), (6, "负责人"),
                   (7, "企业名称")}
    reasons = {(p.row, p.column): p.reason for p in report.errors}
    assert "没有名为“新能源汽车”的产业链" in reasons[(4, "产业链")]
    assert "与第 3 行重复" in reasons[(7, "企业名称")]
    assert "未导入任何目标企业" in report.summary()
    errors = tmp_path / "错误.xlsx"
    code = main(["--db", sqlite_db.url, "targets", "import", str(path), "--errors", str(errors)])
    _out, err = capsys.readouterr()
    assert code == 2 and "第 6 行「负责人」：找不到负责人“张三丰”" in err
    sheet = openpyxl.load_workbook(errors).active
    assert sheet is not None
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert any(row and row[0] == 6 and "找不到负责人" in str(row[-1]) for row in cells)


def test_only_managers_import_target_lists(sqlite_db: Database, m: Map, tmp_path: Path) -> None:
    path = workbook(tmp_path / "名录.xlsx", GOOD)
    with pytest.raises(PermissionDenied, match="只有管理者"):
        import_targets(sqlite_db, m.w.staff, path)
    assert import_targets(sqlite_db, SYSTEM, path).created == 3


def test_chains_report(sqlite_db: Database, m: Map, tmp_path: Path) -> None:
    out = tmp_path / "产业链图谱.xlsx"
    result = export_report(sqlite_db, "chains", out, Period(D(2025, 1, 1), D(2025, 12, 31)),
                           D(2025, 12, 31), Filters())
    assert result.rows == 5  # the segments, sub-segment included
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["产业链", "环节覆盖", "缺链清单", "未接洽目标企业"]

    def table(name: str) -> list[tuple[object, ...]]:
        return [r for r in wb[name].iter_rows(min_row=4, values_only=True) if any(r)]
    assert table("产业链") == [("新材料", 4, 2, 1, 1, 0.5, 3, 1)]
    assert table("环节覆盖")[3] == ("新材料", "中游", "医药材料", "弱", 2, 0, 1, 0, 0, 0, 0)
    waiting = "高分子医材有限公司、药玻科技有限公司"
    assert table("缺链清单") == [("新材料", "下游", "应用", "缺", 0, 1, None),
                             ("新材料", "中游", "医药材料", "弱", 2, 1, waiting)]
    assert [r[2] for r in table("未接洽目标企业")] == ["高分子医材有限公司", "药玻科技有限公司"]
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
