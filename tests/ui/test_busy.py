"""On a shared PostgreSQL server, a first large import holds the project tables until it
commits; a dialog opened meanwhile must not freeze the window for that long."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from crm.db import Database
from crm.errors import DatabaseBusy
from crm.services import projects
from tests.unit.builders import world
from ui import errors
from ui.context import AppContext

pytestmark = pytest.mark.pg


@pytest.fixture
def pg_ctx(qtbot: object, pg_db: Database) -> Iterator[AppContext]:
    w = world(pg_db)
    context = AppContext(pg_db, w.manager)
    yield context
    context.stop()


def test_a_lookup_while_an_import_holds_the_tables_says_so(pg_ctx: AppContext) -> None:
    """The synchronous lookups dialogs make (``ctx.call``) give up after a short wait with a
    message; the window's next lookup works once the import is done."""
    db = pg_ctx.db
    with db.engine.connect() as importer:
        importer.exec_driver_sql("LOCK TABLE projects IN ACCESS EXCLUSIVE MODE")
        start = time.perf_counter()
        with pytest.raises(DatabaseBusy) as caught:
            pg_ctx.call(lambda uow: projects.count_projects(uow))
        assert time.perf_counter() - start < 5
        assert errors.message_of(caught.value) == "数据库正在进行大批量写入（如导入台账），请稍后再试"
        importer.rollback()
    assert pg_ctx.call(lambda uow: projects.count_projects(uow)) == 0
