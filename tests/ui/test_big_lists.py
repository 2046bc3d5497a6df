"""Big lists: the contact log, companies and a figure's projects hold ids, not rows.

Each list counts every row, sorts and searches in SQL and reads the rows it shows in batches
(``ui.models.id_list``). The databases here have a few thousand rows more than the demo, bulk
inserted: beyond the 2,000 logs and 5,000 companies the pages used to stop at.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, insert, select

from crm.db import Database
from crm.models import Company, ContactLog, Project
from crm.services import companies, contacts, drill, paging, projects
from crm.services.companies import CompanyQuery
from crm.text import initials, sort_key
from tests.unit.test_jumps import offsets
from ui.context import AppContext
from ui.models import id_list
from ui.pages.companies import CompaniesPage
from ui.pages.contacts import ContactsPage
from ui.widgets.project_list import ProjectListDialog

EXTRA_LOGS = 4000
MARKER = "园区配套对接"  # in the content of every third log added


def add_logs(db: Database, n: int = EXTRA_LOGS) -> int:
    """``n`` logs on the demo's projects, by its people; returns how many logs there are."""
    rng = random.Random(3)
    with db.engine.begin() as conn:
        targets = conn.execute(select(Project.id, Project.company_id, Project.owner_id)).all()
        rows = []
        for i in range(n):
            project_id, company_id, owner_id = targets[rng.randrange(len(targets))]
            day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(600))
            rows.append({"logged_on": day, "user_id": owner_id, "project_id": project_id,
                         "company_id": company_id, "mode": rng.choice(contacts.MODES),
                         "participants": "", "next_step": "",
                         "content": f"第 {i} 次接洽" + (MARKER if i % 3 == 0 else ""),
                         "follow_up_on": day + dt.timedelta(days=7) if i % 4 == 0 else None,
                         "follow_up_done": True, "created_at": dt.datetime(2025, 1, 1)})
        conn.execute(insert(ContactLog), rows)
        return int(conn.execute(select(func.count()).select_from(ContactLog)).scalar_one())


def add_companies(db: Database, n: int) -> int:
    """``n`` companies without projects; returns how many live companies there are."""
    now = dt.datetime(2025, 1, 1)
    with db.engine.begin() as conn:
        rows = []
        for i in range(n):
            name = f"批量企业{i:05d}号有限公司"
            rows.append({"name": name, "uscc": None, "hq_city": "", "industry_id": None,
                         "note": "", "sort_key": sort_key(name), "initials": initials(name),
                         "deleted_at": None, "version": 1, "created_at": now,
                         "updated_at": now})
        conn.execute(insert(Company), rows)
        return int(conn.execute(select(func.count()).select_from(Company)
                                .where(Company.deleted_at.is_(None))).scalar_one())


def read_all(model: id_list.IdListModel[Any], ctx: AppContext, wait_idle: Any) -> list[Any]:
    """Every row of ``model``, asking for each block as a scrolling view would."""
    for row in range(0, model.rowCount(), id_list.BATCH):
        model.row_at(row)
        wait_idle(ctx)
    rows = [model.row_at(r) for r in range(model.rowCount())]
    assert None not in rows
    return rows


def open_page(qtbot: Any, ctx: AppContext, wait_idle: Any, cls: type) -> Any:
    page = cls(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    wait_idle(ctx)
    return page


@pytest.fixture
def pages_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The (offset, limit) of every page of the contact log read from the database."""
    read: list[tuple[int, int]] = []
    original = contacts.log_page

    def recording(uow: Any, q: Any, offset: int, limit: int, *marks: Any) -> list[Any]:
        read.append((offset, limit))
        return original(uow, q, offset, limit, *marks)
    monkeypatch.setattr(contacts, "log_page", recording)
    return read


def test_contact_log_counts_every_log(qtbot, ctx, demo_db, wait_idle, qtmodeltester,
                                      pages_read):
    total = add_logs(demo_db)
    page = open_page(qtbot, ctx, wait_idle, ContactsPage)
    assert not page.mine.isChecked()  # a manager sees the whole team's log
    assert page.model.rowCount() == total > 2000
    assert page.count.text() == f"{total} 条"
    qtbot.waitUntil(lambda: page.model.row_at(0) is not None, timeout=5000)  # painted
    wait_idle(ctx)
    # only the pages on screen were read, not the 4,000 rows
    assert pages_read and all(limit == id_list.BATCH for _offset, limit in pages_read)
    assert {offset for offset, _limit in pages_read} == {0}
    qtmodeltester.check(page.model, force_py=True)


def test_contact_log_sorts_all_rows_in_sql(qtbot, ctx, demo_db, wait_idle, pages_read):
    total = add_logs(demo_db)
    page = open_page(qtbot, ctx, wait_idle, ContactsPage)
    assert page.table.model() is page.model  # no proxy sorting what happens to be loaded
    shown = read_all(page.model, ctx, wait_idle)
    days = [r.logged_on for r in shown]
    assert days == sorted(days, reverse=True) and len(days) == total
    assert page.model.data(page.model.index(total - 1, 0)) == days[-1].isoformat()

    header = page.table.horizontalHeader()
    mode = next(i for i, c in enumerate(page.model.columns) if c.sort == "mode")
    header.setSortIndicator(mode, Qt.SortOrder.AscendingOrder)
    wait_idle(ctx)
    assert (page.model.query.sort, page.model.query.descending) == ("mode", False)
    pages_read.clear()
    shown = read_all(page.model, ctx, wait_idle)
    assert [(r.mode, r.id) for r in shown] == sorted((r.mode, r.id) for r in shown)
    assert len({r.id for r in shown}) == total
    # one read per page, in SQL (the first may have come with the painting, before the clear)
    offsets = [offset for offset, _limit in pages_read]
    assert len(offsets) == len(set(offsets))
    assert set(offsets) | {0} == set(range(0, total, id_list.BATCH))

    follow = next(i for i, c in enumerate(page.model.columns) if c.sort == "follow_up_on")
    header.setSortIndicator(follow, Qt.SortOrder.DescendingOrder)
    wait_idle(ctx)
    dates = [r.follow_up_on for r in read_all(page.model, ctx, wait_idle)]
    planned = [d for d in dates if d is not None]
    assert planned == sorted(planned, reverse=True) and dates[:len(planned)] == planned

    person = next(i for i, c in enumerate(page.model.columns) if c.sort == "project")
    header.setSortIndicator(person, Qt.SortOrder.AscendingOrder)
    wait_idle(ctx)
    names = [r.project for r in read_all(page.model, ctx, wait_idle)]
    assert [sort_key(n) for n in names] == sorted(sort_key(n) for n in names)
    assert len(names) == total


def test_a_jump_far_down_starts_at_the_nearest_mark(qtbot, ctx, demo_db, wait_idle,
                                                    pages_read, monkeypatch):
    """A long list reads its marks after the count; a jump then reads the screen from the
    mark before it (the database skips fewer rows than between two marks)."""
    monkeypatch.setattr(id_list, "MARKS_FROM", 1000)
    monkeypatch.setattr(contacts, "MARKS_FROM", 1000)
    monkeypatch.setattr(paging, "MARK_EVERY", 100)
    total = add_logs(demo_db)
    page = open_page(qtbot, ctx, wait_idle, ContactsPage)
    qtbot.waitUntil(lambda: page.model.marks is not None, timeout=5000)
    marks = page.model.marks
    assert marks is not None and sum(marks.sizes) == total and marks.every == 100
    whole = ctx.db.read(lambda uow: contacts.log_ids(uow, page.model.query))
    row = total - 1 - 2 * id_list.BATCH - 37
    with offsets(demo_db) as skipped:
        page.model.row_at(row)
        wait_idle(ctx)
    assert page.model.row_at(row).id == whole[row]
    assert page.model.data(page.model.index(row, 3)) == page.model.row_at(row).project
    assert pages_read[-1][0] == row // id_list.BATCH * id_list.BATCH
    assert skipped and max(skipped) < 100

    # the same list read again after a change keeps its marks until the new ones come; another
    # order starts without any
    held: list[object] = []
    page.model.loaded.connect(lambda: held.append(page.model.marks))
    page.model.reload()
    qtbot.waitUntil(lambda: len(held) == 1, timeout=5000)
    wait_idle(ctx)
    assert held == [marks] and page.model.marks is not None
    page.model.sort(2, Qt.SortOrder.AscendingOrder)  # 人员
    qtbot.waitUntil(lambda: len(held) == 2, timeout=5000)
    wait_idle(ctx)
    assert held[1] is None and page.model.marks is not None
    assert page.model.marks.points != marks.points

    page.search.setText("第 1")  # a search reads all its ids: no marks to read
    qtbot.waitUntil(lambda: page.model.rowCount() < total, timeout=5000)
    wait_idle(ctx)
    assert page.model.marks is None


def test_contact_log_search_is_counted_in_sql(qtbot, ctx, demo_db, wait_idle, pages_read):
    add_logs(demo_db)
    marked = EXTRA_LOGS // 3 + 1  # logs 0, 3, 6 … 3999
    assert marked > contacts.ALL_FOUND  # the count and the first screen come first
    page = open_page(qtbot, ctx, wait_idle, ContactsPage)
    page.search.setText(MARKER)
    qtbot.waitUntil(lambda: page.model.rowCount() == marked, timeout=5000)
    wait_idle(ctx)
    assert page.count.text() == f"{marked} 条"
    # all the matches' ids followed in the background: scrolling reads rows by id, it does
    # not search again for each screen
    assert page.model.ids == ctx.db.read(lambda uow: contacts.log_ids(uow, page.model.query))
    pages_read.clear()
    assert all(MARKER in r.content for r in read_all(page.model, ctx, wait_idle))
    assert pages_read == []


def test_companies_beyond_5000_are_all_reachable(qtbot, ctx, demo_db, wait_idle,
                                                 qtmodeltester):
    total = add_companies(demo_db, 5200)
    page = open_page(qtbot, ctx, wait_idle, CompaniesPage)
    assert page.model.rowCount() == total > 5000
    assert page.count.text() == f"共 {total} 家"
    qtmodeltester.check(page.model, force_py=True)
    expected = ctx.db.read(lambda uow: companies.company_ids(uow, CompanyQuery()))
    last = expected[-1]
    page.select_company(last)
    wait_idle(ctx)
    assert page.model.row_of(last) == total - 1
    assert page.table.currentIndex().row() == total - 1
    page.model.row_at(total - 1)
    wait_idle(ctx)
    assert page.details is not None and page.details.company.id == last
    assert page.model.data(page.model.index(total - 1, 0)) == page.details.company.name
    page.search.setText("批量企业0519")  # 05190 … 05199, in SQL
    qtbot.waitUntil(lambda: page.model.rowCount() == 10, timeout=5000)
    assert page.count.text() == "共 10 家"


@pytest.fixture
def host(qtbot: Any) -> Iterator[QWidget]:
    """A parent outliving the model tester's clean-up (the dashboard is a dialog's parent)."""
    widget = QWidget()
    yield widget
    widget.deleteLater()


def test_drill_down_shows_the_true_count_and_reads_on_scroll(qtbot, ctx, wait_idle, host,
                                                             qtmodeltester):
    ids = tuple(ctx.db.read(projects.project_ids))
    assert len(ids) > 30
    screen = ctx.db.read(drill.first_screen, ids, 10)  # the count and the first screen only
    dialog = ProjectListDialog(ctx, "全部项目", screen, host)
    assert dialog.summary.text() == f"共 {len(ids)} 个项目，双击打开"
    assert dialog.model.rowCount() == 10
    qtmodeltester.check(dialog.model, force_py=True)
    dialog.resize(1100, 400)
    dialog.show()

    def scrolled_to_the_end() -> bool:  # the view asks for the next screen at the end
        dialog.model.fetchMore()  # (nothing while a screen is on its way)
        return dialog.model.rowCount() == len(ids)
    qtbot.waitUntil(scrolled_to_the_end, timeout=10000)
    assert [r.id for r in dialog.model.rows] == list(ids)
    opened: list[int] = []
    dialog.project_requested.connect(opened.append)
    dialog.view.doubleClicked.emit(dialog.model.index(len(ids) - 1, 0))
    assert opened == [ids[-1]]
    assert dialog.model.data(dialog.model.index(len(ids) - 1, 0)) == \
        ctx.db.read(lambda uow: projects.get_project(uow, ids[-1])).name
    dialog.close()
