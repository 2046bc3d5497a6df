"""The 考核 page: the score indicator by indicator for any period, the editor, who may edit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QDate

from crm.db import Database
from crm.services import scorecard_schemes, users
from crm.services.common import SYSTEM, Actor
from tests.unit import builders
from tests.unit.test_scorecard import scene, unit_scheme
from ui.context import AppContext
from ui.dialogs.scheme_dialog import SchemeDialog
from ui.pages.scorecard import ScorecardPage


@pytest.fixture
def world(sqlite_db: Database) -> builders.World:
    s = scene(sqlite_db)
    unit_scheme(sqlite_db)
    return s.w


@pytest.fixture
def as_who(qtbot: Any, sqlite_db: Database) -> Iterator[Callable[[Actor], AppContext]]:
    made: list[AppContext] = []

    def make(actor: Actor) -> AppContext:
        ctx = AppContext(sqlite_db, actor)
        made.append(ctx)
        return ctx
    yield make
    for ctx in made:
        ctx.stop()


def opened(qtbot: Any, ctx: AppContext, wait_idle: Any) -> ScorecardPage:
    page = ScorecardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1500, 950)
    page.show()
    wait_idle(ctx)
    return page


def test_the_page_shows_the_score_for_any_quarter_and_as_of_date(
        qtbot: Any, world: builders.World, as_who: Any, wait_idle: Any, qtmodeltester: Any
) -> None:
    ctx = as_who(world.manager)
    page = opened(qtbot, ctx, wait_idle)
    # the latest year with a scheme, whole, as of its last day (today is later)
    assert (page.year.value(), page.as_of.date()) == (2025, QDate(2025, 12, 31))
    assert page.total_card.value.text() == "59.67"
    assert page.lines.rowCount() == 6
    qtmodeltester.check(page.lines, force_py=True)
    page.quarter.setCurrentIndex(page.quarter.findData(2))
    wait_idle(ctx)
    assert page.as_of.date() == QDate(2025, 6, 30)  # a past quarter: as of its end
    assert page.total_card.value.text() == "86.50"
    shown = [[page.lines.index(r, c).data() for c in (1, 2, 3, 4, 6, 8)] for r in range(4)]
    assert shown[0] == ["签约项目数", "3 个", "2 个", "150.00%", "20.00", "已满分"]
    assert shown[1][1:] == ["3.30 亿元", "2.00 亿元", "165.00%", "36.00", "已满分"]
    assert shown[3] == ["接洽次数", "3 次", "4 次", "75.00%", "7.50", "再完成 1 次 得满分"]
    assert page.lines.index(5, 6).data() == "-2.00"
    # what moves 开工率: the signed projects still to start (疏能, past its planned start too)
    for row in (2, 5):
        page._line_chosen(page.lines.index(row, 1))
        wait_idle(ctx)
        assert page.line_dialog is not None and page.line_dialog.model.rowCount() == 1
        wait_idle(ctx)
        assert page.line_dialog.model.index(0, 0).data() == "疏能新材料基地"
        page.line_dialog.close()
    page.as_of.setDate(QDate(2025, 3, 31))  # the same Q2 targets, as they stood in March
    wait_idle(ctx)
    assert page.lines.index(0, 2).data() == "2 个"
    assert page.edit_button.isVisible()  # a manager edits the targets


def test_staff_see_the_page_but_no_editor(qtbot: Any, world: builders.World, as_who: Any,
                                          wait_idle: Any) -> None:
    page = opened(qtbot, as_who(world.staff), wait_idle)
    assert page.total_card.value.text() == "59.67"
    assert not page.edit_button.isVisible()


def test_the_admin_edits_the_scheme_a_manager_only_the_targets(
        qtbot: Any, sqlite_db: Database, world: builders.World, as_who: Any, wait_idle: Any
) -> None:
    admin = sqlite_db.run(users.create_user, SYSTEM, "root", "admin", display_name="管理员",
                          password="secret12").actor()
    ctx = as_who(admin)
    page = opened(qtbot, ctx, wait_idle)
    dialog = SchemeDialog(ctx, 2025, "unit", may_edit_scheme=True, parent=page)
    qtbot.addWidget(dialog)
    wait_idle(ctx)
    assert dialog.table.rowCount() == 6 and dialog.name.isEnabled()
    assert dialog.table.item(0, 7).text() == "8" and dialog.table.item(0, 9).text() == "2"
    dialog.table.item(0, 3).setText("25")  # 签约项目数 now 25 points
    dialog.table.item(0, 7).setText("6")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.saved is not None
    row = sqlite_db.read(scorecard_schemes.scheme, 2025)
    assert row is not None and row.items[0].weight == Decimal(25)
    targets = {(t.code, t.quarter): t.value for t in sqlite_db.read(scorecard_schemes.scheme_targets, 2025)}
    assert targets[("signed_count", 0)] == Decimal(6)
    assert page.total_card.value.text() != "59.67"  # the page followed the change
    # a manager: the scheme is read-only, the targets are theirs
    mctx = as_who(world.manager)
    limited = SchemeDialog(mctx, 2025, "unit", may_edit_scheme=False, parent=page)
    qtbot.addWidget(limited)
    wait_idle(mctx)
    assert not limited.name.isEnabled() and not limited.add_button.isEnabled()
    limited.table.item(1, 7).setText("50000")
    limited.accept()
    wait_idle(mctx)
    targets = {(t.code, t.quarter): t.value for t in sqlite_db.read(scorecard_schemes.scheme_targets, 2025)}
    assert targets[("signed_amount", 0)] == Decimal(50000)
    row = sqlite_db.read(scorecard_schemes.scheme, 2025)
    assert row is not None and row.items[0].weight == Decimal(25)
    # a bad number stays in the dialog, nothing saved
    limited2 = SchemeDialog(mctx, 2025, "unit", may_edit_scheme=False, parent=page)
    qtbot.addWidget(limited2)
    wait_idle(mctx)
    limited2.table.item(1, 7).setText("很多")
    limited2.accept()
    wait_idle(mctx)
    assert limited2.saved is None and "不是数字" in limited2.form.general.text()


def test_reward_rules_and_a_referrer_through_the_page(
        qtbot: Any, sqlite_db: Database, world: builders.World, as_who: Any, wait_idle: Any
) -> None:
    from crm.services import rewards
    from ui.dialogs.reward_dialogs import ReferrerDialog, RewardRuleDialog

    admin = sqlite_db.run(users.create_user, SYSTEM, "root", "admin", display_name="管理员",
                          password="secret12").actor()
    ctx = as_who(admin)
    page = opened(qtbot, ctx, wait_idle)
    assert page.rules_button.isVisible() and page.referrer_button.isVisible()
    dialog = RewardRuleDialog(ctx, 2025, "ambassador", None, page)
    qtbot.addWidget(dialog)
    dialog.permille.setText("五")
    dialog.accept()
    assert "奖励比例应为数字" in dialog.form.general.text() + "".join(
        e.text() for e in dialog.form.errors.values())
    dialog.permille.setText("5")
    dialog.per_project.setText("50")
    dialog.accept()
    wait_idle(ctx)
    assert [r.text for r in sqlite_db.read(rewards.reward_rules, 2025)] == [
        "招商大使：实际到位固投的 5‰，单个项目最高 50 万元"]
    assert "招商大使：实际到位固投的 5‰" in page.rules_label.text()
    referrer = ReferrerDialog(ctx, page)
    qtbot.addWidget(referrer)
    referrer.referrer.setText("商会周会长")
    referrer.accept()  # no project chosen
    assert referrer.saved is None
    project = sqlite_db.read(rewards.rewards, 2025, builders.D(2025, 12, 31))[0].project_id
    referrer.project.set_value(project, "先进钢铁材料产业园")
    referrer.on.set_value(builders.D(2025, 1, 20))
    referrer.accept()
    wait_idle(ctx)
    lines = [r for r in sqlite_db.read(rewards.rewards, 2025, builders.D(2025, 12, 31))
             if r.role == "referrer"]
    assert [(r.person, r.registered_on, r.eligible) for r in lines] == [
        ("商会周会长", builders.D(2025, 1, 20), False)]  # no 引荐人 rule for 2025 yet
    staff = opened(qtbot, as_who(world.staff), wait_idle)
    assert not staff.rules_button.isVisible() and not staff.referrer_button.isVisible()
