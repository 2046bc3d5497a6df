"""Staff are not offered 导入台账 (the import refuses them only after file, mapping and check)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crm.db import Database
from crm.services import users
from ui.context import AppContext
from ui.pages.projects import ProjectsPage
from ui.pages.reports import ReportsPage


@pytest.fixture
def staff_ctx(qtbot: Any, demo_db: Database) -> Iterator[AppContext]:
    staff = demo_db.read(users.find_user, "lixm")
    assert staff is not None and staff.role == "staff"
    context = AppContext(demo_db, staff.actor())
    yield context
    context.stop()


@pytest.mark.parametrize("page_cls", [ProjectsPage, ReportsPage])
def test_import_button_is_for_managers(qtbot: Any, staff_ctx: AppContext, ctx: AppContext,
                                       wait_idle: Any, page_cls: type) -> None:
    staff_page = page_cls(staff_ctx)
    manager_page = page_cls(ctx)
    qtbot.addWidget(staff_page)
    qtbot.addWidget(manager_page)
    assert not staff_page.import_button.isEnabled()
    assert "管理者" in staff_page.import_button.toolTip()
    assert manager_page.import_button.isEnabled()
    wait_idle(staff_ctx)
    wait_idle(ctx)
