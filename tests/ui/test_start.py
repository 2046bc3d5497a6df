"""The window as it opens: what a page shows while its first reads are on their way (seconds
at a million projects), and that opening a list asks the database for it once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from crm.db import Database
from crm.services import projects
from crm.services.projects import ProjectQuery
from ui.context import AppContext
from ui.models.projects import ProjectListModel
from ui.pages.dashboard import DashboardPage
from ui.pages.projects import ProjectsPage
from ui.widgets.kpi import KpiCard

Wait = Callable[[AppContext], None]


def test_the_dashboard_says_it_is_loading_until_its_figures_come(
        qtbot: Any, ctx: AppContext, wait_idle: Wait) -> None:
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    signed = page.findChild(KpiCard, "kpi-signed")
    assert signed is not None
    assert page.as_of.text() == "加载中…" and signed.value_text() == "—"
    wait_idle(ctx)
    assert page.as_of.text() == "2025-01-01 至 2025-06-30，截至 " + ctx.today().isoformat()
    assert signed.value.text() == "26"

    page.picker.preset.setCurrentIndex(page.picker.preset.findData("year"))  # another period
    assert page.as_of.text() == "加载中…"
    wait_idle(ctx)
    assert page.as_of.text().startswith("2025-01-01 至 2025-12-31")


def test_the_project_list_says_it_is_loading_until_its_count_comes(
        qtbot: Any, ctx: AppContext, wait_idle: Wait, demo_db: Database) -> None:
    page = ProjectsPage(ctx)
    qtbot.addWidget(page)
    assert page.count.text() == "加载中…"
    wait_idle(ctx)
    total = demo_db.read(projects.count_projects)
    assert page.count.text() == f"共 {total} 个项目"


def test_opening_the_project_list_reads_it_once_in_the_order_its_header_shows(
        qtbot: Any, ctx: AppContext, wait_idle: Wait, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turning sorting on sorted by Qt's default indicator (first column, descending), then
    the page's own (ascending), then its filters: three reads of the whole list as it opened."""
    reads: list[ProjectQuery] = []
    reload = ProjectListModel.reload

    def counted(model: ProjectListModel) -> None:
        reads.append(model.query)
        reload(model)
    monkeypatch.setattr(ProjectListModel, "reload", counted)
    page = ProjectsPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    assert len(reads) == 1
    header = page.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) \
        == (0, Qt.SortOrder.AscendingOrder)
    assert (page.model.query.sort, page.model.query.descending) == ("name", False)


def test_every_page_on_the_rail_has_its_icon_drawn_to_files() -> None:
    """The rail's icons are files (scripts/nav_icons.py), so that the window shows without
    importing qtawesome; a page whose icon is missing would bring that cost back silently."""
    from ui.app import PAGES
    from ui.mainwindow import NAV_ICON, NAV_ICON_ON, nav_icon_files

    for spec in PAGES:
        off, on = nav_icon_files(spec.icon)
        assert f'fill="{NAV_ICON}"' in off.read_text(encoding="utf-8"), spec.key
        assert f'fill="{NAV_ICON_ON}"' in on.read_text(encoding="utf-8"), spec.key


def test_the_rail_shows_each_page_with_its_icon(qtbot: Any, ctx: AppContext,
                                                 wait_idle: Wait) -> None:
    from PySide6.QtWidgets import QToolButton

    from ui.app import PAGES
    from ui.mainwindow import MainWindow

    window = MainWindow(ctx, PAGES)
    qtbot.addWidget(window)
    wait_idle(ctx)
    for spec in PAGES:
        button = window.findChild(QToolButton, f"nav-{spec.key}")
        assert button is not None and not button.icon().isNull(), spec.key
        assert not button.icon().pixmap(20, 20).toImage().isNull(), spec.key
