"""On a shared PostgreSQL server, a first large import holds the project tables until it
commits; the window must stay usable meanwhile: every read runs off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from crm.db import Database
from crm.services import projects
from tests.unit.builders import world
from ui.context import AppContext, op

pytestmark = pytest.mark.pg


@pytest.fixture
def pg_ctx(qtbot: object, pg_db: Database) -> Iterator[AppContext]:
    w = world(pg_db)
    context = AppContext(pg_db, w.manager)
    yield context
    context.stop()


def test_a_read_waits_for_an_import_off_the_gui_thread(
        qtbot, pg_ctx: AppContext, wait_idle: Callable[..., None]) -> None:
    """While the tables are held, a read waits in the background: the GUI thread returns at
    once and keeps handling events; the answer arrives when the import commits."""
    got: list[list[int]] = []
    with pg_ctx.db.engine.connect() as importer:
        importer.exec_driver_sql("LOCK TABLE projects IN ACCESS EXCLUSIVE MODE")
        # a read of the rows (the whole list's count comes from row_counts, which is not held)
        pg_ctx.read(op(projects.project_ids, projects.ProjectQuery(), limit=5),
                    done=got.append)  # returns at once
        ticks: list[int] = []
        for i in range(5):  # the event loop keeps running meanwhile
            qtbot.wait(50)
            ticks.append(i)
        assert ticks == [0, 1, 2, 3, 4] and got == []
        importer.rollback()
    wait_idle(pg_ctx)
    assert got == [[]]
