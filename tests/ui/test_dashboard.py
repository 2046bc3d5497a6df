"""工作台: the article's figures for the saved period, period changes, writes, drill-down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from crm.db import Database
from crm.services import metrics, pipeline, settings, users
from crm.services.metrics import Period
from crm.services.pipeline import StartInput
from ui.context import AppContext, op
from ui.pages.dashboard import DashboardPage
from ui.widgets.kpi import KpiCard
from ui.widgets.project_list import ProjectListDialog

H1 = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))


@pytest.fixture
def page(qtbot, ctx: AppContext, wait_idle: Callable[[AppContext], None]) -> DashboardPage:
    widget = DashboardPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    wait_idle(ctx)
    return widget


def card(page: DashboardPage, name: str) -> KpiCard:
    found = page.findChild(KpiCard, name)
    assert found is not None, name
    return found


def test_opens_on_the_saved_period_with_the_article_figures(page: DashboardPage, ctx: AppContext,
                                                             demo_db: Database) -> None:
    assert page.period is not None and (page.period.start, page.period.end) == (H1.start, H1.end)
    assert page.picker.preset.currentData() == "h1" and page.picker.year.value() == 2025
    expected = demo_db.read(metrics.start_rate, H1, ctx.today())
    assert card(page, "kpi-signed").value.text() == str(expected.signed) == "26"
    assert card(page, "kpi-started").value.text() == str(expected.started) == "15"
    assert card(page, "kpi-start-rate").value_text() == expected.rate_text == "57.69%"
    assert card(page, "kpi-signed-amount").value_text() == f"{expected.signed_amount_yi} 亿元" \
        == "164.52 亿元"
    assert card(page, "kpi-funds-rate").value_text() == expected.funds_rate_text
    assert card(page, "kpi-target").value_text().endswith("%")
    assert page.pending_model.rowCount() == len(
        demo_db.read(metrics.signed_not_started, H1, ctx.today()))


def test_changing_the_period_is_one_read_and_no_write(page: DashboardPage, ctx: AppContext,
                                                       demo_db: Database, wait_idle,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The period is this user's preference on this computer: picking it reads the dashboard
    once, writes nothing to the database and reloads nobody else's window."""
    reads: list[object] = []
    plain_read = ctx.read

    def counted(op: Any, **kwargs: Any) -> Any:
        reads.append(op)
        return plain_read(op, **kwargs)
    monkeypatch.setattr(ctx, "read", counted)
    broadcasts: list[object] = []
    ctx.operation_did_execute.connect(lambda changes, who: broadcasts.append(changes))
    revision = demo_db.revision()
    page.picker.set_preset("year", 2025)
    wait_idle(ctx)
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    expected = demo_db.read(metrics.start_rate, year, ctx.today())
    assert card(page, "kpi-signed").value.text() == str(expected.signed)
    assert card(page, "kpi-start-rate").value_text() == expected.rate_text
    assert expected.signed != 26
    assert len(reads) == 1 and broadcasts == [] and demo_db.revision() == revision
    default = demo_db.read(settings.dashboard_period)  # the database's default is untouched
    assert default is not None and (default.start, default.end) == (H1.start, H1.end)

    again = DashboardPage(ctx)  # this user, on this computer, opens on the chosen year
    again.setParent(page)
    wait_idle(ctx)
    assert again.period is not None and (again.period.start, again.period.end) == (
        year.start, year.end)
    other = demo_db.read(users.find_user, "lixm")
    assert other is not None
    theirs = AppContext(demo_db, other.actor())  # another user still starts on the default
    try:
        page2 = DashboardPage(theirs)
        page2.setParent(page)
        wait_idle(theirs)
        assert page2.period is not None and (page2.period.start, page2.period.end) == (
            H1.start, H1.end)
    finally:
        theirs.stop()


def test_custom_period(page: DashboardPage, ctx: AppContext, demo_db: Database, wait_idle) -> None:
    from PySide6.QtCore import QDate
    page.picker.set_preset("custom")
    page.picker.start.setDate(QDate(2025, 6, 1))
    page.picker.end.setDate(QDate(2025, 6, 30))
    wait_idle(ctx)
    june = Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    expected = demo_db.read(metrics.start_rate, june, ctx.today())
    assert card(page, "kpi-signed").value.text() == str(expected.signed)


def test_a_write_changes_the_start_rate(page: DashboardPage, ctx: AppContext, demo_db: Database,
                                        wait_idle) -> None:
    waiting = demo_db.read(metrics.signed_not_started, H1, ctx.today())[0]
    on = waiting.signed_on + dt.timedelta(days=1)
    ctx.write(op(pipeline.advance, ctx.actor, waiting.project_id, "started", on,
                 start=StartInput(on, "开工")))
    wait_idle(ctx)
    assert card(page, "kpi-started").value.text() == "16"
    assert card(page, "kpi-start-rate").value_text() == "61.54%"


def test_clicking_a_card_lists_the_projects_behind_it(page: DashboardPage, ctx: AppContext, qtbot,
                                                      wait_idle, qtmodeltester) -> None:
    opened: list[int] = []
    page.project_requested.connect(opened.append)
    from PySide6.QtCore import Qt
    qtbot.mouseClick(card(page, "kpi-started"), Qt.MouseButton.LeftButton)
    wait_idle(ctx)
    dialog = page.findChild(ProjectListDialog)
    assert dialog is not None and dialog.model.rowCount() == 15
    qtmodeltester.check(dialog.model)
    dialog.view.doubleClicked.emit(dialog.model.index(0, 0))
    assert opened == [dialog.model.row_at(0).id]
    dialog.close()


def test_models_pass_the_model_tester(page: DashboardPage, qtmodeltester) -> None:
    for model in (page.industry_model, page.pending_model, page.follow_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_empty_database_says_what_to_do(qtbot, sqlite_db: Database, wait_idle) -> None:
    from crm.services.common import SYSTEM
    context = AppContext(sqlite_db, SYSTEM)
    widget = DashboardPage(context)
    qtbot.addWidget(widget)
    widget.show()
    wait_idle(context)
    assert widget.banner.isVisible() and "还没有项目" in widget.banner.text()
    assert card(widget, "kpi-start-rate").value_text() == "—"
    assert widget.pending.is_empty()
    context.stop()


def test_pending_list_shows_whole_project_names(page: DashboardPage) -> None:
    """At the window's usual size the 签约未开工 list shows each project's whole name: the
    fixed columns (dates, days, the planned start) must not squeeze it to two characters."""
    view = page.findChild(QTableView, "pending-list")
    assert view is not None and page.pending_model.headerData(0, Qt.Orientation.Horizontal) == "项目名称"
    names = [page.pending_model.row_at(i).name for i in range(page.pending_model.rowCount())]
    longest = max(view.fontMetrics().horizontalAdvance(n) for n in names)
    assert view.columnWidth(0) >= longest + 8, (view.columnWidth(0), longest)
