"""Steering the 开工率 in the window (issue 15), offscreen on the demo data: the 工作台's forecast
cards in September 2025, the 冲刺 page, the 提醒 panel for a manager and for staff, the rail's
count, and the planned start in the signing dialog and the project form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from crm.db import Database
from crm.services import alerts, projects, users
from crm.services.settings import PeriodChoice
from crm.views.steering import read_alerts
from ui.context import AppContext
from ui.dialogs.advance_dialog import AdvanceDialog
from ui.dialogs.project_dialog import ProjectDialog
from ui.pages.alerts import AlertsPage
from ui.pages.dashboard import DashboardPage
from ui.pages.sprint import SprintPage
from ui.widgets.kpi import KpiCard

D = dt.date
SEPTEMBER = D(2025, 9, 15)
H1 = PeriodChoice("h1", D(2025, 1, 1), D(2025, 6, 30))
Wait = Callable[[AppContext], None]


def card(page: object, name: str) -> KpiCard:
    found = page.findChild(KpiCard, name)  # type: ignore[attr-defined]
    assert found is not None, name
    return found


def test_dashboard_in_september_says_how_the_year_ends(
        qtbot: QtBot, ctx: AppContext, wait_idle: Wait, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctx, "today", lambda: SEPTEMBER)
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    assert card(page, "kpi-start-rate").value.text() == "46.15%"  # 12 / 26 so far
    assert card(page, "kpi-forecast").value.text() == "69.23%"
    assert "计划年内开工 6 个" in card(page, "kpi-forecast").detail.text()
    assert card(page, "kpi-target-gap").value.text() == "4"
    assert "目标 60%" in card(page, "kpi-target-gap").detail.text()
    # the 签约未开工 list shows each plan; a passed one in the alert colour
    rows = [page.pending_model.row_at(i) for i in range(page.pending_model.rowCount())]
    xichuang = next(r for r in rows if r.name == "锡创智能装备华中基地")
    assert page._planned_text(xichuang) == "2025-08-31" and page._overdue_plan(xichuang)
    yongshun = next(r for r in rows if r.name == "甬舜特种合金项目")
    assert page._planned_text(yongshun) == "2025-09-30" and not page._overdue_plan(yongshun)
    with qtbot.waitSignal(page.page_requested) as asked:
        card(page, "kpi-target-gap").clicked.emit()
    assert asked.args == ["sprint"]


def test_sprint_page_lists_whom_to_push_and_freezes_a_month(
        qtbot: QtBot, ctx: AppContext, wait_idle: Wait, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setattr(ctx, "today", lambda: SEPTEMBER)
    page = SprintPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 1000)
    wait_idle(ctx)
    assert page.period is not None and page.period.start == D(2025, 1, 1)  # this year
    page.set_period(H1)
    wait_idle(ctx)
    assert card(page, "kpi-forecast").value.text() == "69.23%"
    assert card(page, "kpi-gap").value.text() == "4"
    assert card(page, "kpi-sprint").value.text() == "8"
    names = [page.sprint_model.row_at(i).name for i in range(page.sprint_model.rowCount())]
    assert names[:3] == ["绿源再生资源利用项目", "锡创智能装备华中基地", "甬舜特种合金项目"]
    assert page._state(page.sprint_model.row_at(0)) == "逾期 46 天"
    assert page.sprint_panel.title.text() == "冲刺清单（8）"
    assert "距目标 60% 还需开工 4 个" in page.gap.text()
    assert "；按招商专员：" in page.gap.text() and "郭静 " in page.gap.text()  # whom to push
    assert page.data is not None and [p.month for p in page.data.trend] == list(range(1, 10))
    assert page.lag_model.rowCount() > 0 and "中位数" in page.lag_overall.text()
    page.lag_by.setCurrentIndex(page.lag_by.findData("owner"))
    owners = {page.lag_model.row_at(i).label for i in range(page.lag_model.rowCount())}
    assert "何涛" in owners
    # a manager freezes August; the list shows it and the report is written from it
    assert not page.take_button.isHidden()
    page.take_snapshot("2025-08")
    wait_idle(ctx)
    wait_idle(ctx)
    assert page.snap_model.rowCount() == 1 and page.snap_model.row_at(0).month == "2025-08"
    assert "已冻结 2025-08 月报" in page.snap_status.text()
    out = tmp_path / "八月.xlsx"
    page.export_snapshot_to("2025-08", out)
    wait_idle(ctx)
    summary = list(openpyxl.load_workbook(out)["汇总"].iter_rows(values_only=True))
    assert summary[3][:2] == (27, 11)  # 2025-01-01 … 08-31 as of 08-31
    assert page.data.trend[7].source == "snapshot"


def test_alerts_panel_for_a_manager_by_owner(qtbot: QtBot, ctx: AppContext, wait_idle: Wait,
                                             demo_db: Database) -> None:
    page = AlertsPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    expected = demo_db.read(read_alerts, ctx.actor, ctx.today())
    assert page.model.rowCount() == len(expected.rows) > 0
    assert page.by_owner_model.rowCount() == len(expected.by_owner())
    assert page.signed_days.value() == 90 and page.quiet_days.value() == 30
    page.owner.setCurrentIndex(page.owner.findData("何涛"))
    assert {page.model.row_at(i).owner for i in range(page.model.rowCount())} == {"何涛"}
    page.rule.setCurrentIndex(page.rule.findData("planned_passed"))
    assert {page.model.row_at(i).rule for i in range(page.model.rowCount())} == {"planned_passed"}
    before = expected.count("signed_long")
    page.save_thresholds(10000 // 10, 30)  # 1000 days: fewer projects signed that long
    wait_idle(ctx)
    wait_idle(ctx)
    assert demo_db.read(alerts.thresholds).signed_days == 1000
    assert page.signed_days.value() == 1000
    assert page.data is not None and page.data.count("signed_long") < before


def test_alerts_panel_for_staff_is_their_own(qtbot: QtBot, demo_db: Database, wait_idle: Wait) -> None:
    staff = demo_db.read(users.find_user, "hetao")
    assert staff is not None
    context = AppContext(demo_db, staff.actor())
    try:
        page = AlertsPage(context)
        qtbot.addWidget(page)
        wait_idle(context)
        owners = {page.model.row_at(i).owner for i in range(page.model.rowCount())}
        assert owners == {"何涛"}
        assert not page.signed_days.isEnabled() and page.save.isHidden()
        assert page.by_owner_panel.isHidden() and page.list_panel.title.text().startswith("我的提醒")
    finally:
        context.stop()


def test_the_rail_counts_alerts(qtbot: QtBot, ctx: AppContext, wait_idle: Wait, demo_db: Database) -> None:
    from ui.app import PAGES
    from ui.mainwindow import MainWindow

    window = MainWindow(ctx, PAGES)
    qtbot.addWidget(window)
    wait_idle(ctx)
    expected = demo_db.read(read_alerts, ctx.actor, ctx.today()).projects
    button = window.findChild(type(window.nav.buttons()[0]), "nav-alerts")
    assert button is not None and button.text() == f"提醒  {expected}"


def test_planned_start_at_signing_and_in_the_form(qtbot: QtBot, ctx: AppContext, wait_idle: Wait,
                                                  demo_db: Database) -> None:
    row = demo_db.read(projects.find_project, "航空铝材深加工项目")  # in talks
    dialog = AdvanceDialog(ctx, row, "signed")
    qtbot.addWidget(dialog)
    assert dialog.form.widgets["planned_start_on"].isVisibleTo(dialog)
    dialog.on.set_value(D(2026, 11, 2))
    dialog.amount.line.setText("4")
    dialog.planned_start.set_value(D(2027, 3, 1))
    dialog.planned_kind.set_value("开业")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.form.error_text()
    signed = demo_db.read(projects.get_project, row.id)
    assert (signed.planned_start_on, signed.planned_start_kind) == (D(2027, 3, 1), "开业")
    form = ProjectDialog(ctx, signed)
    qtbot.addWidget(form)
    wait_idle(ctx)
    assert form.planned_start.value() == D(2027, 3, 1)
    form.planned_start.set_value(D(2026, 10, 1))  # before the signing: refused beside the field
    form.accept()
    wait_idle(ctx)
    assert "早于签约日期" in form.form.error_text("planned_start_on")
    form.planned_start.set_value(D(2026, 12, 20))
    form.planned_kind.set_value("开工")
    form.accept()
    wait_idle(ctx)
    assert form.result() == form.DialogCode.Accepted, form.form.error_text()
    assert demo_db.read(projects.get_project, row.id).planned_start_on == D(2026, 12, 20)


def test_reports_page_exports_from_a_snapshot(qtbot: QtBot, ctx: AppContext, wait_idle: Wait,
                                              demo_db: Database, tmp_path: Path) -> None:
    from crm.services import snapshots
    from ui.pages.reports import ReportsPage

    demo_db.run(snapshots.take_snapshot, ctx.actor, "2025-06")
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    page.select_report("contacts")
    assert page.source.isHidden()  # only the 签约与开工 report comes from a snapshot
    page.select_report("start-rate")
    assert not page.source.isHidden() and page.source.count() == 2
    page.source.setCurrentIndex(page.source.findData("2025-06"))
    assert page.snapshot_month() == "2025-06"
    page.export_current(tmp_path / "六月.xlsx")
    wait_idle(ctx)
    assert page.last is not None
    summary = list(openpyxl.load_workbook(page.last.path)["汇总"].iter_rows(values_only=True))
    assert summary[3][:2] == (26, 7)  # as frozen on 2025-06-30, not today's 15 started
    assert "2025-06 月报快照" in str(summary[1][0])


def test_project_detail_says_overdue(qtbot: QtBot, ctx: AppContext, wait_idle: Wait,
                                     demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.pages.project_detail import ProjectDetail

    pid = demo_db.read(projects.find_project, "锡创智能装备华中基地").id  # planned 2025-08-31
    detail = ProjectDetail(ctx)
    qtbot.addWidget(detail)
    monkeypatch.setattr(ctx, "today", lambda: D(2025, 8, 31))
    detail.show_project(pid)
    wait_idle(ctx)
    label = detail.info_values["planned_start"]
    assert label.text() == "2025-08-31（开工）" and label.property("tone") == ""
    monkeypatch.setattr(ctx, "today", lambda: SEPTEMBER)
    detail.reload()
    wait_idle(ctx)
    assert label.text() == "2025-08-31（开工）— 逾期未开工 15 天"
    assert label.property("tone") == "down"
