"""The import wizard asks about a company only like a stored one and imports as answered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl

from crm.services import projects
from ui.context import AppContext
from ui.dialogs.company_questions import NEW, SAME
from ui.dialogs.import_wizard import ImportWizard


def _ledger(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "企业名称", "项目状态", "招商来源"])
    ws.append(["向导相似企业项目", "氢澜科技", "在谈", "自主"])
    ws.append(["向导另一相似企业项目", "翼鸟智能化科技", "在谈", "自主"])
    wb.save(path)
    return path


def test_each_similar_company_is_a_question_and_import_waits_for_the_answers(
        qtbot: object, ctx: AppContext, wait_idle: Callable[[AppContext], None],
        tmp_path: Path) -> None:
    w = ImportWizard(ctx)
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.path.setText(str(_ledger(tmp_path / "l.xlsx")))
    w.load()
    wait_idle(ctx)
    before = ctx.db.read(projects.count_projects)
    w.dry_run()
    wait_idle(ctx)
    q = w.questions
    assert set(q.asked) == {"氢澜科技", "翼鸟智能化科技"}
    assert q.asked["氢澜科技"].existing == "上海氢澜科技有限公司"
    combo = q.cellWidget(0, 2)
    assert [combo.itemText(i) for i in range(combo.count())] == [  # type: ignore[union-attr]
        "请选择…", "使用已有的“上海氢澜科技有限公司”", "新建“氢澜科技”"]
    # nothing chosen: the wizard does not import, and says what it waits for
    assert not w.import_button.isEnabled()
    assert "还有 2 家未选择" in w.question_note.text()
    q.choose("氢澜科技", SAME)
    assert not w.import_button.isEnabled()
    q.choose("翼鸟智能化科技", NEW)
    assert w.import_button.isEnabled() and "已全部选择" in w.question_note.text()
    w.run_import()
    wait_idle(ctx)
    assert w.report is not None and w.report.written, w.report.summary()
    assert ctx.db.read(projects.count_projects) == before + 2
    rows = {p.name: p.company for p in ctx.db.read(projects.list_projects)}
    assert rows["向导相似企业项目"] == "上海氢澜科技有限公司"
    assert rows["向导另一相似企业项目"] == "翼鸟智能化科技"
