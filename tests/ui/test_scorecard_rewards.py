"""The 考核 page's reward table at length: the first screen, the count and the total come with
the page; the lines further down are read as the table scrolls to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QTableView

from crm.db import Database
from crm.models import Ambassador, Funding, Project
from crm.services import reward_list, rewards, scorecard_schemes
from crm.services.common import SYSTEM
from tests.unit import builders
from tests.unit.test_scorecard import UNIT
from ui.context import AppContext
from ui.pages.scorecard import ScorecardPage

D = dt.date
LINES = 2 * reward_list.SCREEN + 50  # three screens' worth


@pytest.fixture
def ctx(sqlite_db: Database) -> Iterator[AppContext]:
    w = builders.world(sqlite_db)
    sqlite_db.run(scorecard_schemes.save_scheme, SYSTEM, UNIT)
    sqlite_db.run(rewards.save_reward_rule, SYSTEM, 2025, "ambassador", Decimal(5),
                  Decimal(20), Decimal(300))
    with sqlite_db.uow() as uow:
        s = uow.session
        second = Ambassador(name="王大使", appointed_on=D(2024, 1, 1), sort_key="wds")
        s.add(second)
        s.flush()
        amb = s.get(Ambassador, w.ambassador)
        assert amb is not None
        amb.appointed_on = D(2024, 1, 1)
        for i in range(LINES):
            signed = D(2025, 1, 1) + dt.timedelta(days=i % 360)
            p = Project(name=f"签约项目{i:03}", company_id=w.company, owner_id=w.staff.user_id,
                        stage="signed", signed_on=signed, lead_on=D(2024, 6, 1),
                        ambassador_id=w.ambassador if i % 3 else second.id,
                        source="ambassador", sort_key=f"qy{i:03}")
            s.add(p)
            s.flush()
            s.add(Funding(project_id=p.id, received_on=signed, amount=Decimal(1000 + i),
                          kind=rewards.FIXED_ASSETS, evidence=""))
        uow.commit()
    context = AppContext(sqlite_db, w.manager)
    yield context
    context.stop()


def test_the_reward_table_shows_its_first_screen_count_and_total_and_scrolls_for_more(
        qtbot: Any, sqlite_db: Database, ctx: AppContext, wait_idle: Any,
        qtmodeltester: Any) -> None:
    expected = sqlite_db.read(rewards.rewards, 2025, D(2025, 12, 31))
    assert len(expected) == LINES
    page = ScorecardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1500, 950)
    page.show()
    wait_idle(ctx)
    model = page.rewards
    view = page.findChild(QTableView, "scorecard-rewards")
    assert view is not None and view.model() is model
    assert (page.year.value(), model.rowCount()) == (2025, LINES)
    total = sum((r.reward for r in expected), Decimal(0))
    assert 0 < total < sum((r.computed for r in expected), Decimal(0))  # the caps bite
    assert f"{LINES} 条，奖励合计 {total.normalize()} 万元" in page.rules_label.text()
    # the first screen is read, the rest not yet
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=5000)
    wait_idle(ctx)
    first = [model.row_at(r) for r in range(reward_list.SCREEN)]
    assert first == expected[:reward_list.SCREEN]
    assert model.ids[LINES - 1] is None
    # the table scrolls to its end: the last screen is read, as the reference has it
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.ids[LINES - 1] is not None, timeout=5000)
    wait_idle(ctx)
    last = model.row_at(LINES - 1)
    assert last == expected[-1]
    assert model.data(model.index(LINES - 1, 1)) == expected[-1].person
    assert model.data(model.index(LINES - 1, 2)) == expected[-1].project
    assert model.data(model.index(LINES - 1, 6)) == (
        str(expected[-1].reward.normalize()) if expected[-1].eligible else "—")
    for row in range(LINES):
        model.row_at(row)
        wait_idle(ctx)
    assert [model.row_at(r) for r in range(LINES)] == expected
    qtmodeltester.check(model, force_py=True)
