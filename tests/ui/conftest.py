"""UI fixtures: an AppContext over a copy of the demo data, signed in as a manager."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from crm.db import Database
from crm.services import users
from ui.context import AppContext


@pytest.fixture
def ctx(qtbot: object, demo_db: Database) -> Iterator[AppContext]:
    """The demo database as the manager 周建明 (login ``zhoujm``) sees it."""
    manager = demo_db.read(users.find_user, "zhoujm")
    assert manager is not None
    context = AppContext(demo_db, manager.actor())
    yield context
    context.stop()


@pytest.fixture
def wait_idle(qtbot: object) -> Callable[[AppContext], None]:
    """Wait until every background job of ``ctx`` has delivered its result."""
    def wait(context: AppContext, timeout: int = 10000) -> None:
        qtbot.waitUntil(context.runner.idle, timeout=timeout)  # type: ignore[attr-defined]
    return wait
