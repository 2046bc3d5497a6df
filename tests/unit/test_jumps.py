"""Jumps far down a long list start at the nearest mark (crm.services.paging): every screen
read from a mark is exactly that slice of the whole order, in every order of the project list,
the contact log and the company list, on both databases; and the database skips fewer rows
than between two marks, where a screen read by row number skips every row before it."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, insert, select, update

from crm import stages
from crm.db import Database
from crm.models import ContactLog, Project, User
from crm.services import companies, contacts, paging, project_list, projects
from crm.services.companies import CompanyQuery
from crm.services.contacts import LOG_SORTS, LogQuery
from crm.services.projects import SORTS, ProjectQuery
from crm.text import sort_key
from tests.unit.test_trigram_search import _corpus

D = dt.date
EVERY = 7  # a mark every 7 rows: a few hundred rows give dozens of marks


def _varied(db: Database, seed: int) -> None:
    """The search corpus, with every order's column given ties and blanks: stages, signing
    and start dates, planned investment, owners, follow-ups and people on the logs."""
    _corpus(db, seed)
    rng = random.Random(seed)
    with db.engine.begin() as conn:
        people = [conn.execute(insert(User).values(
            display_name=name, role="staff", sort_key=sort_key(name),
            created_at=dt.datetime(2025, 1, 1), updated_at=dt.datetime(2025, 1, 1)
        ).returning(User.id)).scalar_one() for name in ("王敏", "李强", "张伟")]
        for pid in conn.execute(select(Project.id)).scalars().all():
            signed = rng.choice([None, D(2025, 3, 1), D(2025, 3, 2), D(2025, 6, 30)])
            conn.execute(update(Project).where(Project.id == pid).values(
                stage=rng.choice(stages.ALL), signed_on=signed,
                started_on=rng.choice([None, D(2025, 9, 1)]) if signed else None,
                planned_investment=rng.choice([None, Decimal(5000), Decimal(20000), Decimal(150000)]),
                owner_id=rng.choice([None, *people])))
        for lid in conn.execute(select(ContactLog.id)).scalars().all():
            conn.execute(update(ContactLog).where(ContactLog.id == lid).values(
                user_id=rng.choice([None, *people]),
                mode=rng.choice(contacts.MODES),
                follow_up_on=rng.choice([None, D(2025, 5, 1), D(2025, 5, 9)]),
                project_id=rng.choice([None, lid % 300 + 1])))


@contextmanager
def offsets(db: Database) -> Iterator[list[int]]:
    """The OFFSET of every statement sent to the database meanwhile (0 where none)."""
    seen: list[int] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found = re.search(r"OFFSET (?:%\((\w+)\)s|\?)", statement)
        if found:  # PostgreSQL names the parameter; SQLite's is the last one
            seen.append(int(parameters[found[1]] if found[1] else parameters[-1]))
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _check_jumps(db: Database, whole: list[int], marks: paging.Marks | None,
                 read: Callable[[int, int, paging.Marks | None], list[int]], what: str) -> None:
    assert marks is not None and sum(marks.sizes) == len(whole), what
    for offset in range(0, len(whole) + 9, 11):
        with offsets(db) as skipped:
            assert read(offset, 25, marks) == whole[offset:offset + 25], (what, offset)
        if offset < len(whole):
            assert max(skipped, default=0) < marks.every, (what, offset, skipped)


def test_every_project_order_jumps_from_its_marks(db: Database) -> None:
    _varied(db, seed=21)
    with db.uow() as uow:
        for sort in SORTS:
            for descending in (False, True):
                for q in (ProjectQuery(sort=sort, descending=descending),
                          ProjectQuery(sort=sort, descending=descending,
                                       stages=("signed", "started", "lead"), band="1yi"),
                          ProjectQuery(sort=sort, descending=descending, deleted=True)):
                    whole = projects.project_ids(uow, q)
                    marks = paging.marks(uow, project_list._parts(uow, q, walk=False), EVERY)
                    _check_jumps(db, whole, marks, lambda o, n, m, q=q: projects.project_ids(
                        uow, q, offset=o, limit=n, marks=m), f"{q}")


def test_every_log_order_and_the_companies_jump_from_their_marks(db: Database) -> None:
    _varied(db, seed=22)
    with db.uow() as uow:
        for sort in LOG_SORTS:
            for descending in (False, True):
                lq = LogQuery(sort=sort, descending=descending)
                whole = contacts.log_ids(uow, lq)
                marks = paging.marks(uow, contacts._log_parts(uow, lq), EVERY)
                _check_jumps(db, whole, marks, lambda o, n, m, q=lq: contacts.log_ids(
                    uow, q, o, n, m), f"{lq}")
        for descending in (False, True):
            cq = CompanyQuery(descending=descending)
            whole = companies.company_ids(uow, cq)
            marks = paging.marks(uow, companies._company_parts(uow, cq), EVERY)
            _check_jumps(db, whole, marks, lambda o, n, m, q=cq: companies.company_ids(
                uow, q, n, o, m), f"{cq}")


def test_a_long_list_has_marks_a_short_one_or_a_search_none(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _varied(db, seed=23)
    with db.uow() as uow:
        assert projects.project_marks(uow, ProjectQuery()) is None  # 380 rows: skipped fast
        monkeypatch.setattr(project_list, "MARKS_FROM", 100)
        monkeypatch.setattr(contacts, "MARKS_FROM", 100)
        monkeypatch.setattr(companies, "MARKS_FROM", 100)
        q = ProjectQuery(sort="owner")
        marks = projects.project_marks(uow, q)
        assert marks is not None and marks.every == paging.MARK_EVERY
        assert marks.sizes == (projects.count_projects(uow, ProjectQuery(sort="owner")) -
                               marks.sizes[1], marks.sizes[1])  # owners, then the blanks
        assert marks.sizes[1] == len([1 for r in projects.list_projects(uow, q)
                                      if r.owner in ("", None)])
        # a substring search reads all its ids at once: nothing to mark
        assert projects.project_marks(uow, ProjectQuery(search="产业园")) is None
        assert contacts.log_marks(uow, LogQuery(sort="user")) is not None
        assert contacts.log_marks(uow, LogQuery(search="商议")) is None
        assert companies.company_marks(uow, CompanyQuery()) is not None


def test_marks_read_before_a_change_still_give_whole_screens(db: Database) -> None:
    """Others write while the list is open: until it reloads, a jump from an old mark shows
    the rows in order from the mark's keys, at most as many places off as rows changed."""
    _varied(db, seed=24)
    q = ProjectQuery(sort="signed_on")
    with db.uow() as uow:
        marks = paging.marks(uow, project_list._parts(uow, q, walk=False), EVERY)
    with db.engine.begin() as conn:
        gone = conn.execute(select(Project.id).where(Project.deleted_at.is_(None))
                            .order_by(Project.id).limit(4)).scalars().all()
        conn.execute(update(Project).where(Project.id.in_(gone))
                     .values(deleted_at=dt.datetime(2026, 1, 1)))
    with db.uow() as uow:
        whole = projects.project_ids(uow, q)
        for offset in range(0, len(whole), 13):
            screen = projects.project_ids(uow, q, offset=offset, limit=20, marks=marks)
            start = whole.index(screen[0])
            assert abs(start - offset) <= len(gone)
            assert screen == whole[start:start + len(screen)]
            assert len(screen) == min(20, len(whole) - start)
