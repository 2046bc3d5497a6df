"""企业, 接洽记录, 签约与活动 and 载体 open on the demo data and do their jobs."""

from __future__ import annotations

from typing import Any

import pytest

from crm.changes import EVERYTHING
from crm.demo import EVENT_NAME
from crm.services import companies, follow_up_list
from ui.pages.carriers import CarriersPage
from ui.pages.companies import CompaniesPage
from ui.pages.contacts import ContactsPage, due_summary
from ui.pages.events import EventsPage
from ui.pages.projects import ProjectsPage


def opened(qtbot: Any, ctx: Any, wait_idle: Any, cls: type) -> Any:
    page = cls(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    wait_idle(ctx)
    return page


@pytest.mark.parametrize("cls", [ProjectsPage, CompaniesPage, ContactsPage, EventsPage,
                                 CarriersPage])
def test_every_page_opens_on_demo_data(qtbot, ctx, wait_idle, qtmodeltester, cls):
    page = opened(qtbot, ctx, wait_idle, cls)
    assert page.model.rowCount() > 0
    qtmodeltester.check(page.model, force_py=True)
    page.focus_search()
    ctx.broadcast(EVERYTHING)  # a live refresh keeps the page whole
    wait_idle(ctx)
    assert page.model.rowCount() > 0


def test_events_page_shows_the_article_event(qtbot, ctx, wait_idle):
    page = opened(qtbot, ctx, wait_idle, EventsPage)
    row = page.model.find(next(r.id for r in page.model.rows if r.name == EVENT_NAME))
    page.table.selectRow(row)
    wait_idle(ctx)
    event = page.model.row_at(row)
    assert event.signings == 8 and event.signed_amount_yi == "50.70"
    assert page.projects_model.rowCount() == 8
    assert page.model.data(page.model.index(row, 5)) == "50.70"
    dialog = page.edit_selected()
    assert dialog.name.text() == EVENT_NAME


def test_companies_page_search_contacts_and_projects(qtbot, ctx, wait_idle):
    page = opened(qtbot, ctx, wait_idle, CompaniesPage)
    qtbot.keyClicks(page.search, "syhg")  # 中韩（武汉）石油化工 by pinyin initials
    qtbot.waitUntil(lambda: 0 < page.model.rowCount() < 5, timeout=3000)
    wait_idle(ctx)
    page.table.selectRow(0)
    wait_idle(ctx)
    company = page.details.company
    assert page.projects_model.rowCount() == company.project_count >= 1
    before = len(company.contacts)
    dialog = page.add_contact()
    dialog.name.setText("王经理")
    dialog.phone.setText("027-8888 6666")
    dialog.accept()
    wait_idle(ctx)
    wait_idle(ctx)
    assert len(page.details.company.contacts) == before + 1
    page.contacts_table.selectRow(page.contacts_model.rowCount() - 1)
    page.remove_contact()
    wait_idle(ctx)
    wait_idle(ctx)
    assert len(ctx.db.read(lambda uow: companies.get_company(uow, company.id)).contacts) == before


def test_contacts_page_logs_follow_ups_and_reminder(qtbot, ctx, wait_idle):
    page = opened(qtbot, ctx, wait_idle, ContactsPage)
    page.mine.setChecked(False)
    wait_idle(ctx)
    total = page.model.rowCount()
    assert total > 0
    due = ctx.db.read(follow_up_list.follow_ups, ctx.today(), user_id=ctx.actor.user_id)
    summary = due_summary(due)
    if due.today or due.overdue:
        assert "跟进" in summary
    else:
        assert summary == ""
    page.all_staff.setChecked(True)
    wait_idle(ctx)
    if page.follow_model.rowCount():
        page.follow_table.selectRow(0)
        first = page.follow_model.row_at(0)
        page.complete_selected()
        wait_idle(ctx)
        wait_idle(ctx)
        assert page.follow_model.find(first.id) == -1
    page.search.setText("不存在的内容xyz")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=3000)
    assert page.list_area.currentWidget() is page.list_area.empty
