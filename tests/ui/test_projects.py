"""The 项目 page: the list over ids, search, sort, the detail panel and the actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from crm import stages
from crm.services import companies, metrics, projects, users
from crm.services.common import SYSTEM
from crm.services.projects import ProjectQuery
from crm.text import initials
from ui.context import AppContext
from ui.models.projects import ProjectListModel
from ui.pages.projects import ProjectsPage


def make_page(qtbot: Any, ctx: AppContext, wait_idle: Any) -> ProjectsPage:
    page = ProjectsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    wait_idle(ctx)
    return page


def names(page: ProjectsPage, ctx: AppContext, wait_idle: Any) -> list[str]:
    for r in range(page.model.rowCount()):
        page.model.project_at(r)
    wait_idle(ctx)
    return [page.model.project_at(r).name for r in range(page.model.rowCount())]  # type: ignore[union-attr]


def select(page: ProjectsPage, ctx: AppContext, wait_idle: Any, project_id: int) -> None:
    page.open_project(project_id)
    wait_idle(ctx)
    assert page.selected_id() == project_id


@pytest.fixture
def staff_ctx(qtbot: Any, demo_db: Any) -> Iterator[AppContext]:
    staff = demo_db.read(users.find_user, "lixm")
    context = AppContext(demo_db, staff.actor())
    yield context
    context.stop()


def test_model_contract(qtmodeltester, ctx, wait_idle):
    model = ProjectListModel(ctx)
    model.set_query(ProjectQuery())
    wait_idle(ctx)
    qtmodeltester.check(model, force_py=True)
    wait_idle(ctx)
    qtmodeltester.check(model, force_py=True)


def test_list_shows_demo_projects_in_pinyin_order(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    expected = ctx.db.read(lambda uow: [r.name for r in projects.list_projects(uow)])
    assert page.model.rowCount() == len(expected) > 30
    shown = names(page, ctx, wait_idle)
    assert shown == expected
    from crm.text import sort_key
    assert shown == sorted(shown, key=sort_key)
    assert page.model.data(page.model.index(0, 0)) == expected[0]
    assert "个项目" in page.count.text()


def test_search_by_pinyin_initials(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    target = "半导体新材料产业园"
    qtbot.keyClicks(page.search, initials(target)[:6])
    qtbot.waitUntil(lambda: page.model.query.search != "", timeout=3000)
    wait_idle(ctx)
    assert target in names(page, ctx, wait_idle)
    assert page.model.rowCount() < 5


def test_sort_by_signing_date(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    column = next(i for i, c in enumerate(page.model.columns) if c.sort == "signed_on")
    page.table.horizontalHeader().setSortIndicator(column, Qt.SortOrder.DescendingOrder)
    wait_idle(ctx)
    assert page.model.query.sort == "signed_on" and page.model.query.descending
    for r in range(page.model.rowCount()):
        page.model.project_at(r)
    wait_idle(ctx)
    dates = [page.model.project_at(r).signed_on for r in range(page.model.rowCount())]
    signed = [d for d in dates if d is not None]
    assert signed == sorted(signed, reverse=True)
    assert dates[:len(signed)] == signed  # blanks last
    shown = page.model.data(page.model.index(0, column))
    assert shown == signed[0].isoformat()
    amount_col = next(i for i, c in enumerate(page.model.columns) if c.title == "签约金额(亿元)")
    text = page.model.data(page.model.index(0, amount_col))
    assert text.count(".") == 1 and len(text.split(".")[1]) == 2
    assert page.model.data(page.model.index(0, amount_col), Qt.ItemDataRole.TextAlignmentRole) \
        & int(Qt.AlignmentFlag.AlignRight)


def _year(ctx: AppContext) -> metrics.StartRate:
    today = ctx.today()
    period = metrics.Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    return ctx.db.read(lambda uow: metrics.start_rate(uow, period, today))


def test_create_sign_and_start_through_the_dialogs(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    before = _year(ctx)
    count = page.model.rowCount()
    company = ctx.db.read(lambda uow: companies.list_companies(uow)[0])

    dialog = page.new_project()
    dialog.name.setText("青山氢能装备测试项目")
    dialog.company.set_value(company.id, company.name)
    dialog.planned.setText("3.5亿元")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted
    created = dialog.saved
    assert created.planned_investment == 35000
    wait_idle(ctx)
    assert page.model.rowCount() == count + 1
    assert page.selected_id() == created.id

    sign = page.advance_selected()
    assert sign.target() == stages.NEGOTIATING
    sign.stage.set_value(stages.SIGNED)
    assert sign.needs_agreement() and sign.form.row_visible("amount")
    sign.amount.setText("1.25")  # 亿元 by default
    sign.accept()
    wait_idle(ctx)
    assert sign.result() == sign.DialogCode.Accepted, sign.form.error_text()
    assert sign.saved.stage == stages.SIGNED and sign.saved.signed_amount == 12500
    after_sign = _year(ctx)
    assert after_sign.signed == before.signed + 1

    start = page.advance_selected()
    assert start.target() == stages.STARTED and start.needs_start()
    start.start_kind.set_value("开业")
    start.accept()
    wait_idle(ctx)
    assert start.result() == start.DialogCode.Accepted, start.form.error_text()
    after = _year(ctx)
    assert after.started == before.started + 1
    assert after.rate_text != before.rate_text
    row = page.model.row_of(created.id)
    page.model.project_at(row)
    wait_idle(ctx)
    assert page.model.project_at(row).stage == stages.STARTED
    assert page.detail.details.row.start_kind == "开业"


def test_bad_amount_shows_message_and_saves_nothing(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    lead = ctx.db.read(lambda uow: projects.list_projects(
        uow, ProjectQuery(stages=(stages.NEGOTIATING,)))[0])
    select(page, ctx, wait_idle, lead.id)
    dialog = page.advance_selected(stages.SIGNED)
    dialog.amount.setText("一百万")
    assert "金额" in dialog.form.error_text("amount")  # as the user types
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "无法识别" in dialog.form.error_text("amount")
    assert ctx.db.read(lambda uow: projects.get_project(uow, lead.id)).stage == stages.NEGOTIATING

    edit = page.edit_selected()
    edit.planned.setText("-5")
    edit.accept()
    wait_idle(ctx)
    assert "不能为负数" in edit.form.error_text("planned_investment")
    assert ctx.db.read(lambda uow: projects.get_project(uow, lead.id)).version == lead.version


def test_stale_edit_shows_conflict(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    row = ctx.db.read(lambda uow: projects.list_projects(uow)[3])
    select(page, ctx, wait_idle, row.id)
    dialog = page.edit_selected()
    ctx.db.run(projects.update_project, SYSTEM, row.id, row.to_input(note="别人刚改过"))
    dialog.name.setText(row.name + "（改）")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "已被他人修改" in dialog.form.error_text()
    assert ctx.db.read(lambda uow: projects.get_project(uow, row.id)).name == row.name


def test_staff_are_offered_only_what_they_may_do(qtbot, staff_ctx, wait_idle):
    """编辑, 推进 and 终止 are offered on their own projects only: crm.permissions decides what
    the window offers, so nobody fills a form to learn at save that it is refused."""
    page = make_page(qtbot, staff_ctx, wait_idle)
    everyone = staff_ctx.db.read(lambda uow: projects.list_projects(uow))
    other = next(r for r in everyone if r.owner_id != staff_ctx.actor.user_id)
    mine = next(r for r in everyone if r.owner_id == staff_ctx.actor.user_id
                and r.stage not in (stages.DROPPED,))
    select(page, staff_ctx, wait_idle, other.id)
    wait_idle(staff_ctx)
    for act in (page.act_edit, page.act_advance, page.act_drop, page.act_delete,
                page.act_correct):
        assert not act.isEnabled(), act.text()
    assert page.act_log.isEnabled()  # anyone may log a contact
    select(page, staff_ctx, wait_idle, mine.id)
    wait_idle(staff_ctx)
    assert page.act_edit.isEnabled() and page.act_advance.isEnabled()
    assert page.act_drop.isEnabled()
    assert not page.act_delete.isEnabled() and not page.act_correct.isEnabled()
    dialog = page.edit_selected()  # and if someone else took it over meanwhile, the save says so
    staff_ctx.db.run(projects.update_project, SYSTEM, mine.id,
                     mine.to_input(owner_id=other.owner_id))
    dialog.note.setPlainText("试图修改")
    dialog.accept()
    wait_idle(staff_ctx)
    assert "只能修改自己负责的项目" in dialog.form.error_text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_drop_delete_and_restore(qtbot, ctx, wait_idle):
    page = make_page(qtbot, ctx, wait_idle)
    count = page.model.rowCount()
    row = ctx.db.read(lambda uow: projects.list_projects(uow, ProjectQuery(stages=(stages.LEAD,)))[0])
    select(page, ctx, wait_idle, row.id)
    drop = page.drop_selected()
    drop.accept()
    wait_idle(ctx)
    assert "原因" in drop.form.error_text("reason")
    drop.reason.setText("企业战略调整")
    drop.accept()
    wait_idle(ctx)
    assert drop.saved.stage == stages.DROPPED

    page.delete_selected(confirm=False)
    wait_idle(ctx)
    assert page.model.rowCount() == count - 1
    page.trash.setChecked(True)
    wait_idle(ctx)
    assert page.model.ids == [row.id]
    select_row = page.model.row_of(row.id)
    page.table.selectRow(select_row)
    page.restore_selected()
    wait_idle(ctx)
    assert page.model.rowCount() == 0
    page.trash.setChecked(False)
    wait_idle(ctx)
    assert page.model.rowCount() == count
