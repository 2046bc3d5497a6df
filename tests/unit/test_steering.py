"""Steering the 开工率 (issue 15): the year-end forecast and target gap against hand-computed
cohorts, each alert rule at its boundary, snapshots that later edits cannot reach, the trend's
months and the lag statistics. Definitions: docs/figures.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from crm import clock
from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.models import Snapshot
from crm.services import alerts, contacts, pipeline, projects, settings, snapshots, trend
from crm.services.common import SYSTEM
from crm.services.forecast import forecast
from crm.services.metrics import Period
from crm.services.pipeline import AgreementInput
from tests.unit import builders
from tests.unit.builders import D, World, project, start

Y2025 = Period(D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture(autouse=True)
def _late_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Milestones are never after today: let the data run into 2026."""
    monkeypatch.setattr(clock, "today", lambda: D(2026, 6, 30))


def signed(db: Database, w: World, name: str, on: dt.date, planned: dt.date | None = None,
           kind: str | None = None, **extra: object) -> int:
    pid = project(db, w, name, lead_on=D(2024, 1, 1), **extra)  # type: ignore[arg-type]
    db.run(pipeline.advance, SYSTEM, pid, "signed", on, agreement=AgreementInput(
        on, Decimal(1000), planned_start_on=planned, planned_start_kind=kind))
    return pid


def drop(db: Database, pid: int, on: dt.date) -> None:
    db.run(pipeline.advance, SYSTEM, pid, "dropped", on, reason="企业撤回")


@pytest.fixture
def cohort(sqlite_db: Database) -> tuple[Database, World, dict[str, int]]:
    return build_cohort(sqlite_db)


def build_cohort(db: Database) -> tuple[Database, World, dict[str, int]]:
    """A: started in its year; B, C, G planned in 2025 (C's plan passes 08-01); D planned in
    2026; E without a plan; F planned but dropped 07-01; G starts only in 2026; H signed after
    the September as-of; I signed in 2024, planned 2025; J signed and started in 2024."""
    w = builders.world(db)
    ids = {
        "A": signed(db, w, "A", D(2025, 2, 1)),
        "B": signed(db, w, "B", D(2025, 3, 1), D(2025, 10, 1)),
        "C": signed(db, w, "C", D(2025, 4, 1), D(2025, 8, 1)),
        "D": signed(db, w, "D", D(2025, 5, 1), D(2026, 2, 1)),
        "E": signed(db, w, "E", D(2025, 6, 1)),
        "F": signed(db, w, "F", D(2025, 2, 15), D(2025, 11, 1)),
        "G": signed(db, w, "G", D(2025, 7, 1), D(2025, 12, 1), "开业"),
        "H": signed(db, w, "H", D(2025, 10, 1), D(2025, 11, 20)),
        "I": signed(db, w, "I", D(2024, 12, 20), D(2025, 3, 10)),
        "J": signed(db, w, "J", D(2024, 8, 1)),
    }
    start(db, ids["A"], D(2025, 5, 1))
    start(db, ids["G"], D(2026, 1, 10))
    start(db, ids["J"], D(2024, 10, 1))
    drop(db, ids["F"], D(2025, 7, 1))
    db.run(settings.set_target, SYSTEM, 2025, "start_rate", Decimal(60))
    return db, w, ids


def test_forecast_in_september(cohort: tuple[Database, World, dict[str, int]]) -> None:
    db, _w, ids = cohort
    f = db.read(forecast, Y2025, D(2025, 9, 15))
    # signed A B C D E F G (F dropped later still counts); started A
    assert (f.signed, f.started) == (7, 1)
    # B (10-01) and G (12-01) are ahead; C's 08-01 passed: overdue, not counted
    assert (f.planned, f.overdue, f.no_plan, f.planned_later) == (2, 1, 1, 1)
    assert f.rate_text == "42.86%"  # (1 + 2) / 7
    # 60% of 7 = 4.2 → 5 starts; 1 made: 4 more; the 2 plans leave 2 short
    assert f.starts_needed == 4 and f.short_if_plans_hold == 2
    assert f.gap_text() == "距目标 60% 还需开工 4 个"
    assert [r.project_id for r in f.sprint] == [ids["C"], ids["B"], ids["G"]]
    assert [r.overdue for r in f.sprint] == [True, False, False]
    assert f.sprint[0].days_since_signing == (D(2025, 9, 15) - D(2025, 4, 1)).days
    assert f.sprint[2].planned_start_kind == "开业"
    assert f.to_json() == {"forecast_start_rate": 0.4286, "forecast_start_rate_text": "42.86%",
                           "forecast_started": 3, "planned_to_start": 2, "overdue_planned": 1,
                           "start_rate_target": 60.0, "starts_needed_for_target": 4}


def test_forecast_before_the_drop_and_on_the_planned_day(
        cohort: tuple[Database, World, dict[str, int]]) -> None:
    db, _w, _ids = cohort
    # as of 06-30: F not yet dropped (planned 11-01 counts), G and H not yet signed
    f = db.read(forecast, Y2025, D(2025, 6, 30))
    assert (f.signed, f.started, f.planned, f.overdue) == (6, 1, 3, 0)  # B C F
    assert f.rate_text == "66.67%"
    # on C's planned day itself the plan still holds
    assert db.read(forecast, Y2025, D(2025, 8, 1)).overdue == 0
    assert db.read(forecast, Y2025, D(2025, 8, 2)).overdue == 1


def test_forecast_after_year_end_is_the_actual_rate(
        cohort: tuple[Database, World, dict[str, int]]) -> None:
    db, _w, _ids = cohort
    f = db.read(forecast, Y2025, D(2026, 3, 1))
    # G started 2026-01-10: not in its signing year; H now signed; 2025 is over: no plan counts
    assert (f.signed, f.started, f.planned, f.overdue) == (8, 1, 0, 0)
    assert f.rate_text == "12.50%" and f.sprint == []
    assert f.starts_needed == 4  # ceil(4.8) − 1
    assert f.gap_text() == "2025 年已结束，距目标 60% 差 4 个开工"


def test_forecast_for_a_period_across_two_years(
        cohort: tuple[Database, World, dict[str, int]]) -> None:
    db, _w, ids = cohort
    period = Period(D(2024, 7, 1), D(2025, 6, 30))
    f = db.read(forecast, period, D(2025, 3, 1))
    # signed J I A F B (C later); started J; I's 2024 is over; A starts after as-of, no
    # plan; F is dropped only in July
    assert (f.signed, f.started) == (5, 1)
    assert (f.planned, f.no_plan, f.planned_later) == (2, 1, 1)
    assert [r.project_id for r in f.sprint] == [ids["B"], ids["F"]]
    assert f.rate_text == "60.00%" and f.target_year == 2025
    assert f.starts_needed == 2  # ceil(3.0) − 1


def test_forecast_on_both_databases(db: Database) -> None:
    """The year comparisons (extract) and the date ranges hold on PostgreSQL as on SQLite."""
    _db, _w, ids = build_cohort(db)
    september = db.read(forecast, Y2025, D(2025, 9, 15))
    assert (september.signed, september.started, september.planned, september.overdue,
            september.starts_needed) == (7, 1, 2, 1, 4)
    across = db.read(forecast, Period(D(2024, 7, 1), D(2025, 6, 30)), D(2025, 3, 1))
    assert [r.project_id for r in across.sprint] == [ids["B"], ids["F"]]
    assert db.read(forecast, Y2025, D(2026, 3, 1)).rate_text == "12.50%"
    months = db.read(trend.trend, 2025, D(2025, 9, 15))
    assert [(p.signed, p.started) for p in months][4:7] == [(5, 1), (6, 1), (7, 1)]


def test_no_target_no_gap(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    signed(sqlite_db, w, "A", D(2025, 2, 1), D(2025, 10, 1))
    f = sqlite_db.read(forecast, Y2025, D(2025, 9, 1))
    assert f.starts_needed is None and f.gap_text() == "未设 2025 年开工率目标"
    assert f.rate_text == "100.00%"
    empty = sqlite_db.read(forecast, Period(D(2023, 1, 1), D(2023, 12, 31)), D(2023, 12, 31))
    assert empty.rate_text == "—" and empty.starts_needed is None


def test_planned_start_is_checked_and_kept(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    pid = project(sqlite_db, w, "计划")
    with pytest.raises(ValidationError, match="早于签约日期"):
        sqlite_db.run(pipeline.advance, SYSTEM, pid, "signed", D(2025, 3, 1),
                      agreement=AgreementInput(D(2025, 3, 1), Decimal(10),
                                               planned_start_on=D(2025, 2, 1)))
    with pytest.raises(ValidationError, match="开工 或 开业"):
        sqlite_db.run(pipeline.advance, SYSTEM, pid, "signed", D(2025, 3, 1),
                      agreement=AgreementInput(D(2025, 3, 1), Decimal(10),
                                               planned_start_on=D(2025, 5, 1),
                                               planned_start_kind="投产"))
    assert sqlite_db.read(projects.get_project, pid).signed_on is None  # nothing written
    row = sqlite_db.run(pipeline.advance, SYSTEM, pid, "signed", D(2025, 3, 1),
                        agreement=AgreementInput(D(2025, 3, 1), Decimal(10),
                                                 planned_start_on=D(2025, 5, 1)))
    assert (row.planned_start_on, row.planned_start_kind) == (D(2025, 5, 1), "开工")
    assert row.overdue_on(D(2025, 5, 1)) is False and row.overdue_on(D(2025, 5, 2)) is True
    # the form changes it (the kind too), and refuses a plan before the signing
    row = sqlite_db.run(projects.update_project, SYSTEM, pid, row.to_input(
        planned_start_on=D(2025, 7, 1), planned_start_kind="开业"))
    assert (row.planned_start_on, row.planned_start_kind) == (D(2025, 7, 1), "开业")
    with pytest.raises(ValidationError, match="早于签约日期"):
        sqlite_db.run(projects.update_project, SYSTEM, pid,
                      row.to_input(planned_start_on=D(2025, 1, 1)))
    cleared = sqlite_db.run(projects.update_project, SYSTEM, pid,
                            row.to_input(planned_start_on=None))
    assert (cleared.planned_start_on, cleared.planned_start_kind) == (None, None)


# --- alerts ----------------------------------------------------------------------------------
def _rules(db: Database, today: dt.date, pid: int) -> set[str]:
    found = db.read(alerts.alerts, today)
    return {r.rule for r in found.rows if r.project_id == pid}


def test_signed_long_alert_at_day_n(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    pid = signed(sqlite_db, w, "久签", D(2025, 1, 1))
    n = alerts.DEFAULT_SIGNED_DAYS
    assert "signed_long" not in _rules(sqlite_db, D(2025, 1, 1) + dt.timedelta(n - 1), pid)
    assert "signed_long" in _rules(sqlite_db, D(2025, 1, 1) + dt.timedelta(n), pid)
    sqlite_db.run(alerts.set_thresholds, w.manager, 60, 30)
    assert "signed_long" in _rules(sqlite_db, D(2025, 3, 2), pid)  # day 60
    assert "signed_long" not in _rules(sqlite_db, D(2025, 3, 1), pid)  # day 59
    start(sqlite_db, pid, D(2025, 3, 2))
    assert _rules(sqlite_db, D(2025, 12, 1), pid) == set()  # started: nothing to push


def test_planned_passed_alert_the_day_after(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    pid = signed(sqlite_db, w, "逾期", D(2025, 1, 1), D(2025, 3, 1))
    assert "planned_passed" not in _rules(sqlite_db, D(2025, 3, 1), pid)
    row = next(r for r in sqlite_db.read(alerts.alerts, D(2025, 3, 2)).rows
               if r.rule == "planned_passed")
    assert row.days == 1 and row.detail == "计划 2025-03-01 开工，已逾期 1 天"
    drop(sqlite_db, pid, D(2025, 3, 5))
    assert _rules(sqlite_db, D(2025, 4, 1), pid) == set()  # dropped: no longer watched


def test_no_contact_alert_at_day_m(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    pid = signed(sqlite_db, w, "冷落", D(2025, 1, 1))
    m = alerts.DEFAULT_QUIET_DAYS
    # without a log: counted from the signing
    assert "no_contact" not in _rules(sqlite_db, D(2025, 1, 1) + dt.timedelta(m - 1), pid)
    assert "no_contact" in _rules(sqlite_db, D(2025, 1, 1) + dt.timedelta(m), pid)
    sqlite_db.run(contacts.add_log, w.staff, contacts.LogInput(
        D(2025, 2, 10), "电话", "问进度", project_id=pid))
    assert "no_contact" not in _rules(sqlite_db, D(2025, 2, 10) + dt.timedelta(m - 1), pid)
    last = sqlite_db.read(alerts.alerts, D(2025, 2, 10) + dt.timedelta(m))
    row = next(r for r in last.rows if r.rule == "no_contact")
    assert row.last_contact_on == D(2025, 2, 10) and row.days == m
    sqlite_db.run(alerts.set_thresholds, w.manager, 90, 45)
    assert "no_contact" not in _rules(sqlite_db, D(2025, 2, 10) + dt.timedelta(44), pid)


def test_staff_see_their_own_alerts_managers_everyones(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    mine = signed(sqlite_db, w, "我的", D(2025, 1, 1), owner=w.staff)
    theirs = signed(sqlite_db, w, "别人的", D(2025, 1, 1), owner=w.other_staff)
    today = D(2025, 6, 1)
    own = sqlite_db.read(alerts.alerts_for, w.staff, today)
    assert {r.project_id for r in own.rows} == {mine}
    every = sqlite_db.read(alerts.alerts_for, w.manager, today)
    assert {r.project_id for r in every.rows} == {mine, theirs}
    assert every.by_owner() == [("李晓明", 2), ("王芳", 2)]
    assert every.count("signed_long") == 2 and every.projects == 2


def test_thresholds_are_a_managers_and_checked(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    with pytest.raises(PermissionDenied):
        sqlite_db.run(alerts.set_thresholds, w.staff, 30, 10)
    with pytest.raises(ValidationError, match="1 到 3650"):
        sqlite_db.run(alerts.set_thresholds, w.manager, 0, 10)
    assert sqlite_db.read(alerts.thresholds) == alerts.Thresholds(90, 30)
    sqlite_db.run(alerts.set_thresholds, w.manager, 120, 21)
    assert sqlite_db.read(alerts.thresholds) == alerts.Thresholds(120, 21)


# --- snapshots -------------------------------------------------------------------------------
def test_a_snapshot_is_immune_to_later_edits(
        cohort: tuple[Database, World, dict[str, int]]) -> None:
    db, w, ids = cohort
    taken = db.run(snapshots.take_snapshot, w.manager, "2025-06")
    # 2025-01-01 … 06-30 as of 06-30: A B C D E F signed, A started
    assert (taken.signed, taken.started, taken.rate_text) == (6, 1, "16.67%")
    assert taken.taken_by == "周建明" and taken.as_of == D(2025, 6, 30)
    frozen = db.read(snapshots.snapshot_report, "2025-06")
    # a correction afterwards: B started in June after all, E deleted
    start(db, ids["B"], D(2025, 6, 20))
    db.run(projects.delete_project, w.manager, ids["E"])
    again = db.read(snapshots.snapshot_report, "2025-06")
    assert again == frozen
    assert (again.figures.signed, again.figures.started) == (6, 1)
    assert [p.name for p in again.pending] == ["F", "B", "C", "D", "E"]
    assert again.forecast.rate_text == frozen.forecast.rate_text == "66.67%"
    assert again.breakdowns["owner"][0].signed == 6
    live = db.read(snapshots.month_report, Period(D(2025, 1, 1), D(2025, 6, 30)), D(2025, 6, 30))
    assert (live.figures.signed, live.figures.started) == (5, 2)  # the data did change
    with pytest.raises(ValidationError, match="已冻结"):
        db.run(snapshots.take_snapshot, w.manager, "2025-06")
    with db.uow() as uow:
        assert uow.session.query(Snapshot).count() == 1


def test_a_snapshot_waits_for_the_month_end(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    with pytest.raises(ValidationError, match="尚未结束"):
        sqlite_db.run(snapshots.take_snapshot, w.manager, "2026-07")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        sqlite_db.run(snapshots.take_snapshot, w.manager, "2026-13")
    with pytest.raises(PermissionDenied):
        sqlite_db.run(snapshots.take_snapshot, w.staff, "2026-06")
    assert sqlite_db.run(snapshots.take_snapshot, w.manager, "2026-06").month == "2026-06"


def test_trend_months_from_snapshots_and_month_ends(
        cohort: tuple[Database, World, dict[str, int]]) -> None:
    db, w, ids = cohort
    db.run(snapshots.take_snapshot, w.manager, "2025-06")
    start(db, ids["B"], D(2025, 6, 20))  # after the snapshot: June stays as reported
    points = db.read(trend.trend, 2025, D(2025, 9, 15))
    assert [p.label for p in points] == [f"2025-{m:02d}" for m in range(1, 10)]
    by = {p.month: p for p in points}
    assert (by[2].signed, by[2].started, by[2].source) == (2, 0, "computed")  # A, F
    assert (by[5].signed, by[5].started, by[5].rate_text) == (5, 1, "20.00%")  # A started 05-01
    assert (by[6].signed, by[6].started, by[6].source) == (6, 1, "snapshot")
    assert (by[7].signed, by[7].started, by[7].mark) == (7, 2, "计算")  # G signed; B counts now
    assert by[9].partial and by[9].as_of == D(2025, 9, 15) and by[9].mark == "计算（截至今日）"
    assert by[8].as_of == D(2025, 8, 31) and not by[8].partial


def test_lag_quartiles_by_group(sqlite_db: Database) -> None:
    w = builders.world(sqlite_db)
    days = {"p10": 10, "p20": 20, "p40": 40, "p100": 100}
    for name, d in days.items():
        owner = w.other_staff if name == "p100" else w.staff
        pid = signed(sqlite_db, w, name, D(2025, 1, 1), owner=owner,
                     industry=w.ai if d < 40 else w.steel)
        start(sqlite_db, pid, D(2025, 1, 1) + dt.timedelta(d))
    signed(sqlite_db, w, "waiting", D(2025, 2, 1), owner=w.other_staff, industry=w.steel)
    lag = sqlite_db.read(trend.lag, Y2025, D(2025, 12, 31))
    o = lag.overall
    assert (o.started, o.waiting, o.fastest, o.slowest) == (4, 1, 10, 100)
    # QUARTILE.INC of 10 20 40 100: 17.5, 30, 55
    assert (o.q1, o.median, o.q3) == (Decimal("17.5"), Decimal(30), Decimal(55))
    assert (o.q1_text, o.median_text, o.q3_text) == ("17.5", "30", "55")
    owners = {r.label: r for r in lag.groups["owner"]}
    assert owners["李晓明"].median == Decimal(20) and owners["李晓明"].started == 3
    assert (owners["王芳"].median, owners["王芳"].waiting) == (Decimal(100), 1)
    assert [r.label for r in lag.groups["owner"]] == ["李晓明", "王芳"]  # fastest first
    industries = {r.label: r for r in lag.groups["industry"]}
    assert industries["人工智能"].median == Decimal(15)
    assert industries["钢铁深加工"].median == Decimal(70) and industries["钢铁深加工"].waiting == 1
    assert lag.groups["source"][0].label == "自主" and lag.groups["source"][0].started == 4
    # a start in the next year counts as slow, not as missing
    late = signed(sqlite_db, w, "late", D(2025, 12, 1))
    start(sqlite_db, late, D(2026, 2, 1))
    later = sqlite_db.read(trend.lag, Y2025, D(2026, 6, 30)).overall
    assert (later.started, later.median, later.waiting) == (5, Decimal(40), 1)  # 62 days


def test_demo_makes_the_forecast_gap_and_alerts_visible(demo_db: Database) -> None:
    h1 = Period(D(2025, 1, 1), D(2025, 6, 30))
    september = demo_db.read(forecast, h1, D(2025, 9, 15))
    assert (september.signed, september.started, september.planned) == (26, 12, 6)
    assert september.rate_text == "69.23%" and september.starts_needed == 4
    year_end = demo_db.read(forecast, h1, D(2025, 12, 31))
    assert (year_end.signed, year_end.started, year_end.rate_text) == (26, 15, "57.69%")
    now = demo_db.read(forecast, Period(D(2026, 1, 1), D(2026, 12, 31)), D(2026, 11, 28))
    assert (now.rate_text, now.starts_needed, now.overdue) == ("60.00%", 1, 1)
    found = demo_db.read(alerts.alerts, D(2026, 11, 28))
    assert all(found.count(rule) > 0 for rule in alerts.RULES)


def test_the_database_refuses_to_change_a_snapshot(db: Database) -> None:
    w = builders.world(db)
    db.run(snapshots.take_snapshot, w.manager, "2025-06")
    with pytest.raises(DBAPIError, match="只读"), db.uow() as uow:
        uow.session.execute(text("UPDATE snapshots SET data = '{}'"))
        uow.commit()
    assert db.read(snapshots.snapshot_report, "2025-06").figures.signed == 0


def test_the_rails_count_is_the_lists_projects(demo_db: Database) -> None:
    """alerted_projects counts in SQL what alerts() lists, every rule and owner alike."""
    owner = demo_db.read(lambda uow: alerts.alerts(uow, D(2026, 11, 28)).rows[0].owner_id)
    for day in (D(2025, 9, 15), D(2025, 12, 31), D(2026, 6, 1), D(2026, 11, 28)):
        listed = demo_db.read(alerts.alerts, day)
        assert demo_db.read(alerts.alerted_projects, day) == listed.projects
        mine = demo_db.read(alerts.alerts, day, (owner,))
        assert demo_db.read(alerts.alerted_projects, day, (owner,)) == mine.projects
