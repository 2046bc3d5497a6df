"""The import wizard: read → mapping (fixable, remembered) → dry run → import, in the background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl

from crm.services import projects
from ui.context import AppContext
from ui.dialogs.import_wizard import ImportWizard


def make_ledger(path: Path, bad: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["青山区招商项目台账"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "项目名称", "投资方", "计划总投资(亿元)", "项目进展", "签约日期", "对接单位"])
    ws.append([1, "向导测试项目", "向导测试有限公司", "1.2", "已签约", "2025-05-06", "甲"])
    ws.append([2, "向导测试项目二", "向导测试有限公司", "0.5", "在谈", None, "乙"])
    if bad:
        ws.append([3, "坏行", "某公司", "abc", "已签约", None, "丙"])
    wb.save(path)
    return path


def wizard(qtbot: object, ctx: AppContext) -> ImportWizard:
    w = ImportWizard(ctx)
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    return w


def test_read_check_and_import(qtbot: object, ctx: AppContext,
                               wait_idle: Callable[[AppContext], None], tmp_path: Path) -> None:
    w = wizard(qtbot, ctx)
    w.path.setText(str(make_ledger(tmp_path / "l.xlsx", bad=True)))
    w.load()
    wait_idle(ctx)
    assert w.header_row.value() == 2
    assert w.current_mapping() == {0: "seq", 1: "name", 2: "company", 3: "planned", 4: "stage",
                                   5: "signed_on"}
    before = ctx.db.read(projects.count_projects)
    w.dry_run()
    wait_idle(ctx)
    assert w.report is not None and w.report.dry_run and not w.report.written
    cells = [(w.problems.item(r, 1).text(), w.problems.item(r, 2).text())
             for r in range(w.problems.rowCount()) if w.problems.item(r, 0).text() == "错误"]
    assert ("5", "计划总投资(亿元)") in cells
    saved = w.save_errors(str(tmp_path / "errors.xlsx"))
    assert saved is not None and saved.exists()
    w.run_import()
    wait_idle(ctx)
    assert w.report is not None and w.report.refused
    assert ctx.db.read(projects.count_projects) == before
    w.skip.setChecked(True)
    w.run_import()
    wait_idle(ctx)
    assert w.report is not None and w.report.written and w.report.created == 2
    assert ctx.db.read(projects.count_projects) == before + 2


def test_fixed_mapping_is_remembered(qtbot: object, ctx: AppContext,
                                     wait_idle: Callable[[AppContext], None], tmp_path: Path) -> None:
    path = make_ledger(tmp_path / "l.xlsx")
    w = wizard(qtbot, ctx)
    w.path.setText(str(path))
    w.load()
    wait_idle(ctx)
    w.set_field(6, "note")  # 对接单位 → 备注
    w.dry_run()
    wait_idle(ctx)
    again = wizard(qtbot, ctx)
    again.path.setText(str(path))
    again.load()
    wait_idle(ctx)
    assert again.current_mapping()[6] == "note"


def test_a_damaged_file_gets_a_message(qtbot: object, ctx: AppContext,
                                       wait_idle: Callable[[AppContext], None], tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not excel")
    w = wizard(qtbot, ctx)
    w.path.setText(str(junk))
    w.load()
    wait_idle(ctx)
    assert "不是有效的 Excel 文件" in w.summary.text() and not w.import_button.isEnabled()


def test_a_large_file_imports_with_the_key_helper_from_the_window(
        qtbot: object, ctx: AppContext, wait_idle: Callable[[AppContext], None], tmp_path: Path,
        monkeypatch: object) -> None:
    """The window imports on a worker thread; a large file's pinyin keys then come from a helper
    in a fresh interpreter (crm.excel.keys). The projects must be found by their initials."""
    import multiprocessing

    from crm.excel import keys

    monkeypatch.setattr(keys, "HELPER_MIN_BYTES", 0)  # type: ignore[attr-defined]
    w = wizard(qtbot, ctx)
    w.path.setText(str(make_ledger(tmp_path / "l.xlsx")))
    w.load()
    wait_idle(ctx)
    w.run_import()
    wait_idle(ctx)
    assert w.report is not None and w.report.written and w.report.created == 2
    found = ctx.db.read(projects.list_projects, projects.ProjectQuery(search="xdcsxme"))
    assert [p.name for p in found] == ["向导测试项目二"]
    assert multiprocessing.active_children() == []


def test_a_ledger_without_a_unit_is_asked_about(qtbot: object, ctx: AppContext,
                                                wait_idle: Callable[[AppContext], None],
                                                tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "上半年"
    first.append(["项目名称", "企业名称", "计划总投资", "项目状态", "签约时间", "责任人"])
    first.append(["单位未注明项目", "某某有限公司", 2.5, "已签约", "2025-03-01", "周敏"])
    second = wb.create_sheet("下半年")
    second.append(["项目名称", "企业名称", "计划总投资", "项目状态"])
    second.append(["下半年项目", "某某有限公司", 1, "在谈"])
    wb.create_sheet("说明").append(["本表每月报送"])
    wb.save(tmp_path / "u.xlsx")
    w = wizard(qtbot, ctx)
    w.path.setText(str(tmp_path / "u.xlsx"))
    w.load()
    wait_idle(ctx)
    assert [w.sheets.itemText(i) for i in range(w.sheets.count())] == [
        "全部 2 个工作表", "工作表：上半年", "工作表：下半年"]
    assert "工作表“说明”：未导入" in w.understanding.toPlainText()
    assert not w.unit_question.isHidden() and "计划总投资" in w.unit_question.text()
    before = ctx.db.read(projects.count_projects)
    w.run_import()
    wait_idle(ctx)
    assert w.report is not None and w.report.refused and w.report.unit_needed
    assert ctx.db.read(projects.count_projects) == before
    w.unit.setCurrentIndex(w.unit.findData("亿元"))
    assert w.unit_question.isHidden()
    w.dry_run()
    wait_idle(ctx)
    assert w.report is not None and "周敏" in w.report.understanding()
    assert "计划总投资，单位亿元（导入时指明）" in w.understanding.toPlainText()
    w.run_import()
    wait_idle(ctx)
    assert w.report is not None and w.report.written and w.report.created == 2
    rows = {p.name: p for p in ctx.db.read(projects.list_projects)}
    assert rows["单位未注明项目"].planned_investment == 25000
    assert rows["下半年项目"].planned_investment == 10000


def test_a_far_cell_does_not_take_the_window_down(qtbot: object, ctx: AppContext,
                                                  wait_idle: Callable[[AppContext], None],
                                                  tmp_path: Path) -> None:
    path = make_ledger(tmp_path / "far.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active["XFD1048576"] = "误触"
    wb.save(path)
    w = wizard(qtbot, ctx)
    w.path.setText(str(path))
    w.load()
    wait_idle(ctx)
    assert "声明的范围到 XFD1048576" in w.understanding.toPlainText()
    w.dry_run()
    wait_idle(ctx)
    assert w.report is not None and w.report.errors == () and w.report.created == 2
