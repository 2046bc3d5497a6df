"""Lists that page (a province's million projects): each screen read from its row in the
list's order is exactly that slice of the whole list, and each count is the whole list's."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.db import Database
from crm.services import (
    companies,
    follow_up_list,
    metrics,
    project_list,
    projects,
)
from crm.services.companies import CompanyQuery
from crm.services.forecast import planned_starts
from crm.services.metrics import Period
from crm.services.projects import ProjectQuery
from crm.views.dashboard import read_dashboard, read_pending
from tests.unit.test_trigram_search import _corpus

D = dt.date
# one of each kind of order: an index, a join, parts by stage, blanks last, another table's key
SORTS = (("name", False), ("company", True), ("stage", False), ("signed_on", True),
         ("owner", False))


def _screens(read: object, total: int, size: int) -> list[int]:
    out: list[int] = []
    for offset in range(0, total + size, size):
        out += read(offset, size)  # type: ignore[operator]
    return out


def test_project_screens_are_slices_of_the_whole_order(db: Database,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus(db, seed=9)
    monkeypatch.setattr(project_list, "ALL_IDS", 100)  # the corpus's 380 live projects page
    with db.uow() as uow:
        for sort, descending in SORTS:
            q = ProjectQuery(sort=sort, descending=descending)
            whole = projects.project_ids(uow, q)
            assert projects.project_ids_or_count(uow, q) == len(whole) > 100
            assert _screens(lambda o, n, q=q: projects.project_ids(uow, q, offset=o, limit=n),
                            len(whole), 70) == whole, sort
            assert [r.id for r in projects.project_page(uow, q, 140, 70)] == whole[140:210]
        staged = ProjectQuery(sort="stage", stages=("lead",))
        assert projects.project_ids_or_count(uow, staged) == len(
            projects.project_ids(uow, staged))
        searched = ProjectQuery(search="产业园")  # a search: its matches, all of them
        assert projects.project_ids_or_count(uow, searched) == projects.project_ids(uow,
                                                                                    searched)
    monkeypatch.setattr(project_list, "ALL_IDS", 100_000)
    with db.uow() as uow:  # a district: all ids at once, as before
        assert projects.project_ids_or_count(uow, ProjectQuery()) == projects.project_ids(
            uow, ProjectQuery())


def test_company_screens_are_slices_of_the_whole_order(db: Database,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus(db, seed=10)
    monkeypatch.setattr(projects, "ALL_IDS", 50)
    with db.uow() as uow:
        for descending in (False, True):
            q = CompanyQuery(descending=descending)
            whole = companies.company_ids(uow, q)
            assert companies.company_ids_or_count(uow, q) == len(whole) > 50
            assert _screens(lambda o, n, q=q: [r.id for r in companies.company_page(
                uow, q, o, n)], len(whole), 40) == whole


def test_signed_not_started_and_follow_ups_come_a_screen_at_a_time(
        demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "PENDING_SCREEN", 3)
    monkeypatch.setattr(follow_up_list, "FOLLOW_SCREEN", 2)
    today = D(2026, 11, 28)
    period = Period(D(2025, 1, 1), D(2026, 12, 31))
    with demo_db.uow() as uow:
        whole = metrics.signed_not_started(uow, period, today)
        assert len(whole) > 6
        assert metrics.count_signed_not_started(uow, period, today) == len(whole)
        data = read_dashboard(uow, period, today, None)
        assert data.board.pending == whole[:3] and data.board.pending_count == len(whole)
        assert data.planned == planned_starts(uow, [p.project_id for p in whole[:3]])
        more = [read_pending(uow, period, today, o) for o in range(3, len(whole) + 3, 3)]
        assert [r for m in more for r in m.rows] == whole[3:]
        assert all(m.planned == planned_starts(uow, [p.project_id for p in m.rows])
                   for m in more)
        assert any(m.planned for m in more)

        for user, ahead in ((None, 0), (None, 7), (None, 400), (3, 400)):
            every = follow_up_list.follow_ups(uow, today, user_id=user, days_ahead=ahead)
            first = follow_up_list.follow_ups(uow, today, user_id=user, days_ahead=ahead, limit=2)
            assert (first.overdue_count, first.today_count, first.upcoming_count) == (
                len(every.overdue), len(every.today), len(every.upcoming))
            rows = [*every.overdue, *every.today, *every.upcoming]
            assert [*first.overdue, *first.today, *first.upcoming] == rows[:2]
            assert _screens(lambda o, _n, u=user, a=ahead: follow_up_list.follow_up_page(
                uow, today, o, user_id=u, days_ahead=a), len(rows), 2) == rows
        assert follow_up_list.follow_ups(uow, today, days_ahead=400).total > 2
