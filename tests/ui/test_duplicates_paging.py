"""重复企业 with more pairs than a screen: the count of every pair shows at once, the rows come a
screen at a time, and scrolling down reads the pairs further on, in the list's order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert

from crm.db import Database
from crm.models import Company
from crm.services import duplicates
from crm.services.common import SYSTEM
from tests.unit.test_duplicate_pairs_scale import _corpus
from ui.context import AppContext
from ui.models.id_list import BATCH
from ui.pages.duplicates import DuplicatesView


@pytest.fixture
def many(qtbot: Any, sqlite_db: Database) -> Iterator[AppContext]:
    with sqlite_db.engine.begin() as conn:
        conn.execute(insert(Company), _corpus(duplicates.ALL_PAIRS_UP_TO + 1500, seed=21))
    context = AppContext(sqlite_db, SYSTEM)
    yield context
    context.stop()


def test_scrolling_reads_more_pairs(qtbot: Any, many: AppContext, wait_idle: Any,
                                    qtmodeltester: Any) -> None:
    whole = many.db.read(duplicates.duplicate_pairs, SYSTEM)
    assert len(whole) > 2 * BATCH
    view = DuplicatesView(many)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.reload()
    wait_idle(many)
    model = view.pairs_model
    assert view.count.text() == f"共 {len(whole)} 对"
    assert model.rowCount() == len(whole)
    # the first screen is read as it shows, the end of the list not
    qtbot.waitUntil(lambda: model.ids[0] is not None, timeout=5000)
    wait_idle(many)
    assert model.ids[:BATCH] == [p.id for p in whole[:BATCH]]
    assert model.ids[-1] is None
    first = model.index(0, 0)
    assert model.data(first) == whole[0].a_name
    assert model.data(model.index(0, 4)) == whole[0].reason
    assert view.selected_pair() == whole[0]
    view.pairs.scrollToBottom()
    wait_idle(many)
    qtbot.waitUntil(lambda: model.ids[-1] is not None, timeout=5000)
    last = len(whole) - 1
    assert model.data(model.index(last, 0)) == whole[last].a_name
    assert model.data(model.index(last, 2)) == whole[last].b_name
    assert [model.row_at(i) for i in range(last - 20, last + 1)] == whole[last - 20:]
    qtmodeltester.check(model, force_py=True)
