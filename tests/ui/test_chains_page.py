"""招商图谱 on the demo data (offscreen): a manager sees at a glance which segments of a chain
are missing, and a staff member turns a target firm there into a lead (issue 13 §3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt

from crm.services import users
from crm.views import chains as view
from ui.context import AppContext
from ui.dialogs.chain_dialogs import TargetDialog
from ui.pages.chains import ChainsPage


def opened(qtbot: Any, ctx: AppContext, wait_idle: Any) -> ChainsPage:
    page = ChainsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    wait_idle(ctx)
    return page


def test_a_manager_sees_the_gaps_at_a_glance(qtbot: Any, ctx: AppContext, wait_idle: Any,
                                             qtmodeltester: Any) -> None:
    page = opened(qtbot, ctx, wait_idle)
    assert page.chain_choice.currentText() == "新材料"
    assert [page.chain_choice.itemText(i) for i in range(page.chain_choice.count())] == [
        "新材料", "先进钢铁材料", "生物医药", "人工智能 / 智能网联"]
    assert page.completeness.text() == "完整度 83.33%"
    assert page.missing.text() == "缺链：医药新材料"
    assert [c.text() for c in page.chips.values()] == ["强链 5", "弱链 0", "缺链 1"]
    # the map draws the six segments, upstream left; it opens on the gap
    boxes = dict(page.map.boxes())
    assert len(boxes) == 8  # six segments and the chips of 新能源材料's two sub-segments
    chain = page.data.chain if page.data else None
    assert chain is not None
    by_name = {s.name: s for s in chain.top}
    assert boxes[by_name["石化基础原料"].id].left() < boxes[by_name["电子信息新材料"].id].left() \
        < boxes[by_name["复合材料与高分子制品"].id].left()
    assert page.side.title.text() == "中游 · 医药新材料　缺链"
    assert page.targets.rowCount() == 3 and page.projects.rowCount() == 0
    qtmodeltester.check(page.targets, force_py=True)
    # another chain: 先进钢铁材料's weak links (targets turned into leads, nothing signed)
    page.chain_choice.setCurrentIndex(1)
    wait_idle(ctx)
    assert page.missing.text() == "弱链：硅钢仓储、硅钢交易、新能源汽车驱动电机"
    # clicking a box shows its targets and projects beside it
    steel = page.data.chain if page.data else None
    assert steel is not None
    processing = next(s for s in steel.top if s.name.startswith("硅钢加工"))
    rect = dict(page.map.boxes())[processing.id]
    qtbot.mouseClick(page.map, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    wait_idle(ctx)
    assert page.side.title.text().endswith("强链")
    assert {p.name for p in page.projects.rows} == {"甬舜特种合金项目", "新锐特钢精密管材项目",
                                                    "精工焊材扩产项目"}
    assert page.map.selected == processing.id
    # managers edit chains and segments
    assert page.new_segment_button.isVisibleTo(page) and page.edit_segment_button.isVisibleTo(page)
    # 移出环节: a project taken out of the segment no longer counts there
    page.projects_table.selectRow(0)
    leaving = page.selected_project()
    assert leaving is not None and page.unlink_button.isEnabled()
    page.unlink_button.click()
    wait_idle(ctx)
    assert leaving.id not in {p.id for p in page.projects.rows}
    assert page.detail is not None and page.detail.segment.signed == 2


def test_staff_turns_a_target_into_a_lead(qtbot: Any, demo_db: Any, wait_idle: Any) -> None:
    staff = demo_db.read(users.find_user, "huangqian")  # 黄倩, owner of a target in 医药新材料
    assert staff is not None
    ctx = AppContext(demo_db, staff.actor())
    try:
        page = opened(qtbot, ctx, wait_idle)
        assert not page.new_segment_button.isVisibleTo(page)  # chains are the managers'
        assert not page.edit_segment_button.isVisibleTo(page)
        assert page.add_target_button.isEnabled()
        theirs = next(i for i, t in enumerate(page.targets.rows) if t.owner != "黄倩")
        page.targets_table.selectRow(theirs)  # someone else's: a lead for them is a manager's
        assert not page.convert_button.isEnabled()
        row = next(i for i, t in enumerate(page.targets.rows) if t.owner == "黄倩")
        page.targets_table.selectRow(row)
        target = page.selected_target()
        assert target is not None and page.convert_button.isEnabled()
        before = page.detail.segment.leads if page.detail else -1
        page.convert_button.click()
        wait_idle(ctx)
        assert page.detail is not None and page.detail.segment.leads == before + 1
        converted = next(t for t in page.targets.rows if t.id == target.id)
        assert converted.status == "已转线索（线索）" and converted.project_id is not None
        assert [p.name for p in page.projects.rows] == [f"{target.name}项目"]
        assert page.notice.text().startswith(f"已把“{target.name}”转为线索")
        # the gap became a weak link, on the map and in the summary
        assert page.missing.text() == "弱链：医药新材料"
        assert demo_db.read(view.get_target, target.id).owner == "黄倩"
        # a target firm added from the page, into the segment shown
        dialog = page.new_target()
        assert isinstance(dialog, TargetDialog)
        wait_idle(ctx)
        dialog.name.setText("宁波药用包材有限公司")
        dialog.city.setText("宁波")
        dialog.accept()
        wait_idle(ctx)
        assert "宁波药用包材有限公司" in {t.name for t in page.targets.rows}
    finally:
        ctx.stop()


def test_a_manager_imports_a_target_list_after_checking_it(qtbot: Any, ctx: AppContext,
                                                           wait_idle: Any, tmp_path: Any) -> None:
    import openpyxl
    from PySide6.QtWidgets import QMessageBox

    page = opened(qtbot, ctx, wait_idle)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["青山区医药新材料目标企业名录"])
    ws.append(["企业名称", "产业链", "环节", "城市", "层级", "理由"])
    ws.append(["江苏药包材料有限公司", "新材料", "医药新材料", "泰州", "头部企业", "药包材"])
    ws.append(["某某公司", "新材料", "没有的环节", "", "", ""])
    bad, good = tmp_path / "坏.xlsx", tmp_path / "好.xlsx"
    wb.save(bad)
    ws.delete_rows(4)
    wb.save(good)
    page.import_targets(str(bad))
    wait_idle(ctx)
    assert "第 4 行「环节」" in page.import_box.text() and "未导入" in page.import_box.text()
    page.import_box.close()
    page.import_targets(str(good))  # checked first: nothing written yet
    wait_idle(ctx)
    assert "将新增 1 个" in page.import_box.text()
    assert "江苏药包材料有限公司" not in {t.name for t in page.targets.rows}
    go = next(b for b in page.import_box.buttons()
              if page.import_box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    go.click()
    wait_idle(ctx)
    wait_idle(ctx)
    assert "新增 1 个" in page.import_box.text()
    assert "江苏药包材料有限公司" in {t.name for t in page.targets.rows}


def test_a_projects_detail_names_its_segment(demo_db: Any) -> None:
    from crm.views.projects import load_details

    rows = demo_db.read(view.segment_detail, 1, dt.date(2026, 11, 28))  # 石化基础原料
    assert rows is not None and rows.projects
    details = demo_db.read(load_details, rows.projects[0].id)
    assert details is not None and details.segment == "新材料 · 上游 · 石化基础原料"
