"""The benchmark's lines for the window's frame: the rail's 提醒 count and the status bar's
follow-ups (read in the background after each change), and closing a SQLite database."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import text

from crm import clock
from crm.db import Database
from crm.services import projects
from crm.services.common import Actor
from crm.services.projects import ProjectQuery
from crm.views.dashboard import read_chrome
from crm.views.steering import alert_count
from tests.benchmarks.benchdata import D
from tests.benchmarks.measuring import Result, timed


def measure_rail(db: Database) -> list[Result]:
    """The window's frame: the rail's 提醒 count and the status bar's follow-ups, read in the
    background after each change; and closing a SQLite database (its planner statistics)."""
    out: list[Result] = []
    with db.engine.connect() as conn:  # the first manager and the first staff member
        rows: Any = conn.execute(text("SELECT role, min(id) FROM users GROUP BY role"))
        people = {str(role): int(uid) for role, uid in rows}
    today, busy = clock.today(), D(2025, 6, 30)  # busy: inside the generated signings
    for who, actor in (("a manager's", Actor(people["manager"], "manager")),
                       ("a staff member's", Actor(people["staff"], "staff"))):
        for label, day in (("today", today), (f"on {busy}", busy)):
            def count(a: Actor = actor, d: dt.date = day) -> object:
                return db.read(alert_count, a, d)
            out.append(Result(f"rail: 提醒 count, {who}, {label}", timed(count), 50))

    def follow_ups() -> object:
        return db.read(read_chrome, today, people["staff"])
    out.append(Result("status bar: a staff member's follow-ups due today and overdue (counts)",
                      timed(follow_ups), 50))
    if db.is_sqlite:
        def close() -> float:
            other = Database(db.url)
            other.read(projects.project_ids, ProjectQuery(), limit=200)
            t = time.perf_counter()
            other.dispose()
            return (time.perf_counter() - t) * 1000
        close()  # a first close may make statistics the build left missing
        closes = sorted(close() for _ in range(5))
        out.append(Result("close the database, unchanged (planner statistics checked, not "
                          "made)", closes[2], 500))
    return out
