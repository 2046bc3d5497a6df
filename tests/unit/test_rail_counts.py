"""The navigation rail's 提醒 count: read from the rollup and the recent signings, it equals the
count over every watched project (the definition), whatever the day, thresholds and owner."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from crm import clock
from crm.db import Database
from crm.services import alerts, contacts, pipeline, projects
from crm.services.common import SYSTEM
from crm.services.pipeline import AgreementInput, StartInput
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
