"""A project's 考核 tab on the demo data (offscreen): receipts, milestones, promises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QApplication

from crm.services import funds, projects, users
from ui.app import apply_style
from ui.context import AppContext
from ui.pages.project_assessment import ProjectAssessmentView

D = dt.date


def opened(qtbot: Any, ctx: Any, wait_idle: Any, name: str) -> ProjectAssessmentView:
    view = ProjectAssessmentView(ctx)
    qtbot.addWidget(view)
    view.resize(560, 800)
    view.show()
    project = ctx.db.read(projects.find_project, name)
    view.show_project(project.id)
    wait_idle(ctx)
    return view


def test_receipts_milestones_and_promises_of_a_project(qtbot, ctx, wait_idle):
    view = opened(qtbot, ctx, wait_idle, "湾区智能传感器项目")
    assert view.band.text() == "规模档次：亿元以上"
    assert [(r.received_on, r.origin, r.usd_amount) for r in view.receipts_model.rows] == [
        (D(2025, 2, 18), "省外", None), (D(2025, 4, 22), "境外", Decimal(500)),
        (D(2025, 9, 3), "省外", None)]
    assert view.values["landed_on"].text() == "2025-01-06"
    assert view.values["in_database_on"].text() == "2025-03-25（项目代码 2503-420107-04-01-207316）"
    # a receipt added through the dialog, from abroad in US dollars
    dialog = view.add_receipt()
    assert dialog is not None
    dialog.amount.setText("720")
    dialog.origin.set_value("境外")
    dialog.currency.set_value("USD")
    dialog.original.setText("100")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.saved is not None and dialog.saved.usd_amount == Decimal(100)
    view.show_project(view.project_id)
    wait_idle(ctx)
    assert len(view.receipts_model.rows) == 4


def test_a_foreign_receipt_without_dollars_is_refused_beside_the_field(qtbot, ctx, wait_idle):
    view = opened(qtbot, ctx, wait_idle, "鹏程储能电站")
    dialog = view.add_receipt()
    assert dialog is not None
    dialog.amount.setText("100")
    dialog.origin.set_value("境外")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.saved is None
    assert "折合美元" in dialog.form.error_text("usd_amount")


def test_overdue_promises_show_in_red(qtbot, ctx, wait_idle):
    view = opened(qtbot, ctx, wait_idle, "甬舜特种合金项目")
    assert view.broken.text().startswith("未履约\n逾期 ")
    assert "约定 2025-09-30 开工" in view.broken.text()


def test_another_staff_member_sees_but_cannot_change(qtbot, demo_db, wait_idle):
    staff = demo_db.read(users.find_user, "lixm")
    other = AppContext(demo_db, staff.actor())
    try:
        view = opened(qtbot, other, wait_idle, "湾区智能传感器项目")  # 李晓明 does not own it
        assert view.receipts_model.rowCount() == 3
        assert not view.add_button.isVisible() and not view.milestones_button.isVisible()
        assert view.add_receipt() is None
        before = demo_db.read(funds.receipts, view.project_id)
        assert len(before) == 3
    finally:
        other.stop()


def test_the_company_form_sets_the_tier_tags(qtbot, ctx, wait_idle):
    from crm.services import companies, tiers
    from ui.dialogs.company_dialog import CompanyDialog

    found = ctx.db.read(companies.list_companies, "深圳光华伟业", limit=1)[0]
    row = ctx.db.read(companies.get_company, found.id)
    dialog = CompanyDialog(ctx, row)
    qtbot.addWidget(dialog)
    dialog.open()
    wait_idle(ctx)
    ticked = [dialog.tiers.boxes[i].text() for i in dialog.tiers.value()]
    assert ticked == ["上市公司", "专精特新"]
    unicorn = next(i for i, b in dialog.tiers.boxes.items() if b.text() == "独角兽")
    dialog.tiers.boxes[unicorn].setChecked(True)
    dialog.accept()
    wait_idle(ctx)
    assert dialog.saved is not None
    assert [t.name for t in ctx.db.read(tiers.company_tiers, row.id)] == [
        "上市公司", "专精特新", "独角兽"]


def test_an_admin_keeps_the_tier_dictionary(qtbot, demo_db, wait_idle, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from crm.services import tiers
    from ui.pages.tiers_tab import TierDictionaryTab

    admin = AppContext(demo_db, demo_db.read(users.find_user, "admin").actor())
    try:
        tab = TierDictionaryTab(admin, True)
        qtbot.addWidget(tab)
        wait_idle(admin)
        assert [r.name for r in tab.model.rows][:3] == ["世界500强", "中国500强", "民营500强"]
        tab.new_name.setText("瞪羚企业")
        tab.add()
        wait_idle(admin)
        assert tab.model.rows[-1].name == "瞪羚企业" and tab.new_name.text() == ""
        tab.view.selectRow(len(tab.model.rows) - 1)
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("瞪羚", True))
        tab._rename_selected()
        wait_idle(admin)
        tab.view.selectRow(len(tab.model.rows) - 1)
        tab._toggle_selected()
        wait_idle(admin)
        assert (tab.model.rows[-1].name, tab.model.rows[-1].active) == ("瞪羚", False)
        assert "瞪羚" not in [t.name for t in demo_db.read(tiers.list_tiers)]
    finally:
        admin.stop()


def test_the_project_list_filters_by_size_band(qtbot, ctx, wait_idle):
    from ui.pages.projects import ProjectsPage

    page = ProjectsPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    page.band.set_value("10yi")
    wait_idle(ctx)
    for r in range(page.model.rowCount()):
        page.model.project_at(r)
    wait_idle(ctx)
    shown = sorted(page.model.project_at(r).name for r in range(page.model.rowCount()))
    # the demo's five projects of 10 亿元 or more (芯联微电子封测基地: exactly 10 亿元)
    assert shown == sorted(["先进钢铁材料制造产业园", "武汉生物医药产业基地一期", "武汉万众创城",
                            "翼鸟智能无人系统项目", "芯联微电子封测基地"])


def test_the_promises_page_lists_what_is_overdue(qtbot, ctx, wait_idle):
    from ui.pages.promises import PromisesPage

    page = PromisesPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    rows = page.model.rows
    assert rows and [r.days_overdue for r in rows] == sorted(
        (r.days_overdue for r in rows), reverse=True)  # most overdue first
    assert {"锡创智能装备华中基地", "甬舜特种合金项目"} <= {r.project for r in rows}
    assert page.summary.text().startswith(f"全员：{len(rows)} 项未履约")
    opened: list[int] = []
    page.project_requested.connect(opened.append)
    page.view.doubleClicked.emit(page.model.index(0, 0))
    assert opened == [rows[0].project_id]


def test_milestones_and_promises_through_their_dialogs(qtbot, ctx, wait_idle):
    from crm.services import milestones

    view = opened(qtbot, ctx, wait_idle, "疏能新材料华中基地")  # started 2025-06-16
    dialog = view.edit_milestones()
    assert dialog is not None
    dialog.dates["landed_on"].set_value(D(2025, 4, 1))
    dialog.dates["in_database_on"].set_value(D(2025, 7, 1))
    dialog.accept()  # 入库 without its evidence: refused beside the field
    wait_idle(ctx)
    assert dialog.saved is None and "凭证" in dialog.form.error_text("in_database_evidence")
    dialog.evidence.setText("项目代码 2507-420107-04-01-000777")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.saved is not None
    m = ctx.db.read(milestones.milestones, view.project_id)
    assert (m.landed_on, m.in_database_on) == (D(2025, 4, 1), D(2025, 7, 1))
    view.show_project(view.project_id)
    wait_idle(ctx)
    promise = view.edit_promises()
    assert promise is not None
    promise.start.set_value(D(2025, 6, 30))
    promise.intensity.setText("300")
    promise.accept()
    wait_idle(ctx)
    assert promise.saved is not None
    assert (promise.saved.agreed_start_on, promise.saved.investment_intensity) == (
        D(2025, 6, 30), Decimal(300))


def test_the_tab_reads_whole_in_the_detail_panel(qtbot, ctx, wait_idle):
    """In the detail panel's width: a foreign receipt reads 500.00 万美元 (not 500.0000 万USD),
    no table scrolls sideways, and the agreement column shows its kind and date whole; in the
    app's own font and style sheet, as the window has them."""
    apply_style(QApplication.instance())
    view = opened(qtbot, ctx, wait_idle, "湾区智能传感器项目")
    model = view.receipts_model
    foreign = next(i for i, r in enumerate(model.rows) if r.origin == "境外")
    assert model.data(model.index(foreign, 4)) == "500.00 万美元"
    for table in (view.receipts_table, view.promises_table):
        assert table.horizontalScrollBar().maximum() == 0
    promises = view.promises_model
    text = promises.data(promises.index(0, 0))
    assert text.startswith("投资协议 20")
    assert view.promises_table.columnWidth(0) >= view.promises_table.fontMetrics().horizontalAdvance(text)
