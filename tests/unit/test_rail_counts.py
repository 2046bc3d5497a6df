"""The navigation rail's 提醒 count: read from the rollup and the recent signings, it equals the
count over every watched project (the definition), whatever the day, thresholds and owner; the
status bar's follow-ups likewise equal a count over every log; both read their indexes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from crm import clock
from crm.db import Database
from crm.models import ContactLog, Project
from crm.services import alerts, contacts, follow_up_list, pipeline, projects
from crm.services.common import SYSTEM
from crm.services.pipeline import AgreementInput, StartInput
from crm.views.dashboard import read_chrome
from tests.unit import builders
from tests.unit.builders import D, project

TODAYS = (D(2025, 6, 30), D(2025, 7, 1), D(2025, 7, 15), D(2025, 8, 31), D(2025, 9, 29),
          D(2025, 12, 31), D(2026, 1, 1))


@pytest.fixture(autouse=True)
def _late_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Milestones are never after today: let the data run into 2026."""
    monkeypatch.setattr(clock, "today", lambda: D(2026, 6, 30))


@pytest.mark.parametrize("db", ["sqlite", "pg"], indirect=True)
def test_the_alert_count_equals_the_count_over_every_watched_project(db: Database) -> None:
    w = builders.world(db)
    rng = random.Random(16)
    owners = (w.staff, w.other_staff, w.manager)
    for i in range(70):
        # signings around each day asked about, month edges and 30/60/90 days before them
        base = rng.choice(TODAYS)
        on = base - dt.timedelta(days=rng.choice((0, 1, 29, 30, 31, 59, 60, 61, 89, 90, 91,
                                                  120, 200, rng.randrange(400))))
        pid = project(db, w, f"项目{i}", owner=rng.choice(owners), lead_on=D(2023, 1, 1))
        if rng.random() < 0.1:
            continue  # a lead, never watched
        planned = on + dt.timedelta(days=rng.randrange(0, 200)) if rng.random() < 0.5 else None
        db.run(pipeline.advance, SYSTEM, pid, "signed", on, agreement=AgreementInput(
            on, Decimal(1000), planned_start_on=planned,
            planned_start_kind="开工" if planned else None))
        for _ in range(rng.randrange(4)):
            # some on the very days a quiet spell of 30, 45 or 1 days begins or ends
            day = (on + dt.timedelta(days=rng.randrange(-20, 150)) if rng.random() < 0.5 else
                   rng.choice(TODAYS) - dt.timedelta(days=rng.choice((0, 1, 2, 29, 30, 31, 44,
                                                                      45, 46))))
            db.run(contacts.add_log, w.staff, contacts.LogInput(day, "电话", "问进度",
                                                                project_id=pid))
        fate = rng.random()
        later = on + dt.timedelta(days=rng.randrange(0, 150))
        if fate < 0.15:
            db.run(pipeline.advance, SYSTEM, pid, "started", later,
                   start=StartInput(later, "开工"))
        elif fate < 0.25:
            db.run(pipeline.advance, SYSTEM, pid, "dropped", later, reason="企业撤回")
        elif fate < 0.3:
            db.run(projects.delete_project, SYSTEM, pid)
    for i, today in enumerate(TODAYS):  # signed since the cut, last contact M days ago
        pid = project(db, w, f"边界{i}", lead_on=D(2023, 1, 1))
        on = today - dt.timedelta(days=50)
        db.run(pipeline.advance, SYSTEM, pid, "signed", on,
               agreement=AgreementInput(on, Decimal(1000)))
        for back in (30, 45):
            db.run(contacts.add_log, w.staff, contacts.LogInput(
                today - dt.timedelta(days=back), "电话", "问进度", project_id=pid))
    seen = 0
    for signed_days, quiet_days in ((90, 30), (60, 45), (20, 30), (1, 1)):
        db.run(alerts.set_thresholds, w.manager, signed_days, quiet_days)
        for today in TODAYS:
            for owners_asked in ((), (w.staff.user_id,), (w.other_staff.user_id,),
                                 (w.staff.user_id, w.manager.user_id)):
                owner_ids = tuple(i for i in owners_asked if i is not None)
                fast = db.read(alerts.alerted_projects, today, owner_ids)
                direct = db.read(alerts._alerted_from_rows, today, owner_ids)
                assert fast == direct, (signed_days, quiet_days, today, owner_ids)
                seen += fast
            # and the count is what the 提醒 page lists
            assert db.read(alerts.alerted_projects, today) == \
                db.read(alerts.alerts, today).projects
    assert seen > 0


def _random_follow_ups(db: Database, seed: int) -> builders.World:
    """Logs by three people with follow-ups due around the days asked about, some done."""
    w = builders.world(db)
    rng = random.Random(seed)
    people = (w.staff, w.other_staff, w.manager)
    pids = [project(db, w, f"跟进{i}", lead_on=D(2023, 1, 1)) for i in range(4)]
    for _ in range(60):
        who = rng.choice(people)
        due = rng.choice(TODAYS) + dt.timedelta(days=rng.choice((-40, -1, 0, 0, 1, 7, 8, 30)))
        logged = min(due - dt.timedelta(days=rng.randrange(0, 30)), D(2026, 6, 30))
        follow = due if rng.random() < 0.85 and due >= logged else None
        log = db.run(contacts.add_log, who, contacts.LogInput(
            logged, "电话", "问进度", project_id=rng.choice(pids), follow_up_on=follow))
        if follow is not None and rng.random() < 0.3:
            db.run(contacts.complete_follow_up, w.manager, log.id)
    return w


@pytest.mark.parametrize("db", ["sqlite", "pg"], indirect=True)
def test_the_status_bar_follow_ups_equal_a_count_over_every_log(db: Database) -> None:
    """我的跟进: each person's open follow-ups overdue and due today (and within a week, as
    the 工作台 asks), as counted over every log."""
    w = _random_follow_ups(db, 22)
    with db.uow() as uow:
        logs = [(u, on, done) for u, on, done in uow.session.execute(select(
            ContactLog.user_id, ContactLog.follow_up_on, ContactLog.follow_up_done))]
    seen = 0
    for today in TODAYS:
        for actor in (w.staff, w.other_staff, w.manager):
            mine = [on for u, on, done in logs
                    if u == actor.user_id and on is not None and not done]
            chrome = db.read(read_chrome, today, actor.user_id)
            assert (chrome.follow_ups.overdue_count, chrome.follow_ups.today_count) == (
                sum(on < today for on in mine), sum(on == today for on in mine)), today
            week = db.read(follow_up_list.follow_ups, today, user_id=actor.user_id, days_ahead=7,
                           limit=3)
            assert week.upcoming_count == sum(
                today < on <= today + dt.timedelta(days=7) for on in mine)
            seen += chrome.follow_ups.total
    assert seen > 0


def _plans(db: Database, read: Callable[[], object]) -> str:
    """The plans of the SELECTs ``read`` runs (SQLite: as they are; PostgreSQL: with
    sequential scans off, as a small table would be read whole)."""
    statements: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))
    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    plans = []
    with db.engine.begin() as conn:
        if not db.is_sqlite:
            # the statistics of these rows, not of what an earlier test left in the schema
            conn.exec_driver_sql("ANALYZE contact_logs, projects, starts, agreements")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        for statement, params in statements:
            pre = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            plans += [str(r[-1]) for r in conn.exec_driver_sql(pre + statement, params)]
    return "\n".join(plans)


def _crowd(db: Database, w: builders.World) -> None:
    """Another person's 5,000 open follow-ups over two years of one project's logs: among a
    few dozen rows PostgreSQL's planner takes either index as well, among these only the one
    that reads a person's range or a project's latest contact."""
    with db.engine.begin() as conn:
        pid, cid = conn.execute(select(Project.id, Project.company_id).limit(1)).one()
        conn.execute(insert(ContactLog), [
            {"logged_on": D(2024, 1, 1) + dt.timedelta(days=i % 700),
             "user_id": w.manager.user_id, "project_id": pid, "company_id": cid,
             "mode": "电话", "participants": "", "content": "问进度", "next_step": "",
             "follow_up_on": D(2025, 7, 1) + dt.timedelta(days=i % 30), "follow_up_done": False,
             "created_at": dt.datetime(2026, 1, 1)} for i in range(5000)])


@pytest.mark.parametrize("db", ["sqlite", "pg"], indirect=True)
def test_the_frame_counts_read_their_indexes(db: Database) -> None:
    """The status bar's follow-ups read one person's range of their index, and the 提醒 count
    reads the recent signings and whether each had a contact from indexes alone (a million
    logs: every open follow-up of everyone, or every log of each project, read otherwise)."""
    w = _random_follow_ups(db, 23)
    _crowd(db, w)
    follow = _plans(db, lambda: db.read(read_chrome, D(2025, 7, 15), w.staff.user_id))
    assert "ix_contact_logs_user_follow_up" in follow, follow
    signed = project(db, w, "签约", lead_on=D(2023, 1, 1))
    db.run(pipeline.advance, SYSTEM, signed, "signed", D(2025, 6, 1),
           agreement=AgreementInput(D(2025, 6, 1), Decimal(1000)))
    rail = _plans(db, lambda: db.read(alerts.alerted_projects, D(2025, 7, 15)))
    assert "ix_contact_logs_project_logged" in rail, rail
    if db.is_sqlite:
        assert "COVERING INDEX ix_contact_logs_user_follow_up" in follow, follow
        assert "COVERING INDEX ix_contact_logs_project_logged" in rail, rail
        assert "SEARCH projects USING COVERING INDEX ix_projects_signed_live" in rail, rail
