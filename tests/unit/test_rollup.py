"""The figures' rollup (crm.rollup) against the definition (the rows), over random histories.

A random history of projects, agreements and receipts — created, moved between months and
dimensions, voided, deleted and restored, one transaction at a time as users would — keeps
the cells the triggers maintain equal to a rebuild from the rows, and every figure read
through the cells equal to the same figure read from the rows alone, for random periods,
as-of dates and filters (none, each dimension, a chain, a band, two dimensions at once).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from crm import clock, rollup
from crm.db import Database
from crm.models import (
    Agreement,
    Ambassador,
    Chain,
    Company,
    Event,
    Funding,
    Industry,
    Project,
    Segment,
    User,
)
from crm.services import cells, drill, metrics
from crm.services.metrics import Filters, Period

D = dt.date
NOW = dt.datetime(2026, 1, 1, 9, 0)
SOURCES = ("self", "referral", "ambassador", "event")
AMOUNTS = (Decimal("500"), Decimal("12000.5"), Decimal("100000"), Decimal("250000"),
           Decimal("600000"), None)


def _day(rng: random.Random) -> dt.date:
    return D(2024, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))


def _after(rng: random.Random, day: dt.date | None) -> dt.date | None:
    return None if day is None or rng.random() < 0.35 else day + dt.timedelta(
        days=rng.choice((0, 1, 20, 45, 200, 400)))


class History:
    """Reference rows and a random walk over projects and their agreements and receipts."""

    def __init__(self, db: Database, seed: int):
        self.db, self.rng = db, random.Random(seed)
        with db.uow() as uow:
            s = uow.session
            users = [User(login=f"u{i}", display_name=f"专员{i}", role="staff", active=True,
                          sort_key=f"u{i}") for i in range(3)]
            inds = [Industry(name=f"产业{i}", sort_key=f"c{i}", active=True) for i in range(3)]
            ambs = [Ambassador(name=f"大使{i}", organisation="", note="", sort_key=f"d{i}")
                    for i in range(2)]
            evs = [Event(name=f"推介会{i}", held_on=D(2025, 3 + i, 12), city="上海", theme="",
                         note="") for i in range(2)]
            chains = [Chain(name=f"链{i}") for i in range(2)]
            co = Company(name="测试企业有限公司", sort_key="csqy", initials="csqy")
            s.add_all([*users, *inds, *ambs, *evs, *chains, co])
            s.flush()
            segs = [Segment(chain_id=chains[i % 2].id, name=f"环节{i}", stage="中游")
                    for i in range(3)]
            s.add_all(segs)
            s.flush()
            self.users = [u.id for u in users]
            self.industries = [i.id for i in inds]
            self.ambassadors = [a.id for a in ambs]
            self.events = [e.id for e in evs]
            self.chains = [c.id for c in chains]
            self.segments = [g.id for g in segs]
            self.company = co.id
            uow.commit()
        self.projects: list[int] = []

    def maybe(self, values: list[int]) -> int | None:
        return None if self.rng.random() < 0.2 else self.rng.choice(values)

    def dates(self, p: Project) -> None:
        rng = self.rng
        p.lead_on = _day(rng)
        p.negotiating_on = _after(rng, p.lead_on)
        p.signed_on = _after(rng, p.negotiating_on)
        p.started_on = _after(rng, p.signed_on)
        p.producing_on = _after(rng, p.started_on)
        p.dropped_on = _after(rng, p.signed_on if rng.random() < 0.5 else p.lead_on) \
            if rng.random() < 0.3 else None

    def dims(self, p: Project) -> None:
        rng = self.rng
        p.industry_id = self.maybe(self.industries)
        p.owner_id = self.maybe(self.users)
        p.source = rng.choice(SOURCES)
        p.ambassador_id = self.maybe(self.ambassadors)
        p.signing_event_id = self.maybe(self.events)
        p.segment_id = self.maybe(self.segments)
        p.planned_investment = rng.choice(AMOUNTS)

    def new_project(self, s: Any) -> None:
        n = len(self.projects) + 1
        p = Project(name=f"项目{n}", company_id=self.company, stage="lead", sort_key=f"x{n}")
        self.dims(p)
        self.dates(p)
        s.add(p)
        s.flush()
        self.projects.append(p.id)
        for _ in range(self.rng.randrange(3)):
            self.new_agreement(s, p)
        for _ in range(self.rng.randrange(3)):
            self.new_receipt(s, p)

    def new_agreement(self, s: Any, p: Project) -> None:
        s.add(Agreement(project_id=p.id, kind="投资协议", amount=Decimal(self.rng.randrange(
            1, 90000)) / 4, signed_on=_after(self.rng, p.signed_on or _day(self.rng))
            or p.signed_on or _day(self.rng)))

    def new_receipt(self, s: Any, p: Project) -> None:
        s.add(Funding(project_id=p.id, amount=Decimal(self.rng.randrange(1, 50000)) / 8,
                      received_on=_day(self.rng), evidence=""))

    def on_the_edges(self) -> None:
        """Projects signed, started, paid and agreed on the days where months are cut: the
        first and last days of months, and the days the tests' periods and as-of dates name."""
        days = [D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 3), D(2025, 2, 10), D(2025, 2, 11),
                D(2025, 9, 28), D(2025, 9, 29), D(2025, 9, 30), D(2025, 10, 30),
                D(2025, 10, 31), D(2025, 11, 20), D(2025, 11, 21), D(2025, 12, 31)]
        with self.db.uow() as uow:
            s = uow.session
            for day in days:
                for later in (0, 1, 40):
                    n = len(self.projects) + 1
                    p = Project(name=f"项目{n}", company_id=self.company, stage="signed",
                                sort_key=f"x{n}", lead_on=day - dt.timedelta(days=30),
                                negotiating_on=day, signed_on=day,
                                started_on=day + dt.timedelta(days=later) if later < 40 else None)
                    self.dims(p)
                    s.add(p)
                    s.flush()
                    self.projects.append(p.id)
                    s.add(Agreement(project_id=p.id, kind="投资协议", amount=Decimal(n),
                                    signed_on=day + dt.timedelta(days=later)))
                    s.add(Funding(project_id=p.id, amount=Decimal(n) / 2, evidence="",
                                  received_on=day + dt.timedelta(days=later)))
            uow.commit()

    def step(self) -> None:
        rng = self.rng
        with self.db.uow() as uow:
            s = uow.session
            if not self.projects or rng.random() < 0.3:
                self.new_project(s)
            else:
                p = s.get(Project, rng.choice(self.projects))
                assert p is not None
                what = rng.randrange(9)
                if what == 0:
                    self.dates(p)
                elif what == 1:
                    self.dims(p)
                elif what == 2:
                    p.deleted_at = None if p.deleted_at else NOW
                elif what == 3:
                    p.started_on = _after(rng, p.signed_on)
                elif what == 4:
                    self.new_agreement(s, p)
                elif what == 5:
                    a = s.scalars(select(Agreement).where(Agreement.project_id == p.id)).first()
                    if a is not None:
                        a.voided_at = None if a.voided_at else NOW
                        a.amount = a.amount + 1
                elif what == 6:
                    self.new_receipt(s, p)
                elif what == 7:
                    f = s.scalars(select(Funding).where(Funding.project_id == p.id)).first()
                    if f is not None:
                        if rng.random() < 0.5:
                            s.delete(f)
                        else:
                            f.received_on = _day(rng)
                else:
                    p.note = "只改备注"  # no cell changes
            uow.commit()

    def filters(self) -> list[Filters]:
        return [Filters(), Filters(industry_ids=(self.industries[0],)),
                Filters(industry_ids=tuple(self.industries[:2])),
                Filters(owner_ids=(self.users[1],)), Filters(sources=("ambassador", "event")),
                Filters(ambassador_ids=(self.ambassadors[0],)),
                Filters(event_ids=(self.events[1],)), Filters(segment_ids=(self.segments[0],)),
                Filters(chain_ids=(self.chains[0],)),
                Filters(chain_ids=(self.chains[0],), segment_ids=tuple(self.segments)),
                Filters(band="10yi"), Filters(band="1yi"),
                Filters(owner_ids=(self.users[0],), band="1yi")]  # two dimensions: the rows


def _cells(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(text(
            "SELECT dim, member, kind, month, at_month, n, amount FROM figure_cells "
            "WHERE n <> 0 OR amount <> 0")))


def _periods(rng: random.Random) -> Iterator[tuple[Period, dt.date]]:
    fixed = [(Period(D(2025, 1, 1), D(2025, 12, 31)), D(2025, 12, 31)),
             (Period(D(2025, 1, 1), D(2025, 6, 30)), D(2025, 9, 15)),
             (Period(D(2025, 1, 1), D(2025, 12, 31)), D(2025, 7, 1)),
             (Period(D(2025, 2, 14), D(2025, 2, 20)), D(2025, 2, 18)),
             (Period(D(2024, 11, 30), D(2026, 2, 1)), D(2026, 3, 31)),
             # whole months less a few days at either end, as-of late in its month
             (Period(D(2025, 1, 3), D(2025, 12, 31)), D(2025, 9, 28)),
             (Period(D(2024, 3, 29), D(2025, 10, 30)), D(2025, 10, 30)),
             (Period(D(2025, 1, 1), D(2025, 3, 31)), D(2025, 11, 20)),
             (Period(D(2025, 1, 15), D(2025, 2, 10)), D(2025, 12, 31))]
    yield from fixed
    for _ in range(3):
        a, b = sorted((_day(rng), _day(rng)))
        yield Period(a, b), _day(rng)


def _figures(uow: Any, period: Period, as_of: dt.date, f: Filters) -> dict[str, Any]:
    return {
        "start_rate": metrics.start_rate(uow, period, as_of, f),
        "funnel": metrics.funnel(uow, period, as_of, f),
        "monthly": metrics.monthly(uow, period, as_of, f),
        "breakdowns": [metrics.breakdown(uow, by, period, as_of, f)
                       for by in metrics.BREAKDOWNS],
        "pending": metrics.count_signed_not_started(uow, period, as_of, f),
        "received": metrics.received(uow, period, as_of, f),
        "drill_counts": [drill.count(uow, drill.Drill(fig, period, as_of, f))
                         for fig in drill.FIGURES],
    }


@pytest.fixture
def history(db: Database) -> History:
    h = History(db, seed=20251129)
    h.on_the_edges()
    for _ in range(160):
        h.step()
    return h


def test_cells_kept_by_the_triggers_equal_a_rebuild_from_the_rows(history: History) -> None:
    kept = _cells(history.db)
    assert kept, "the history made no cell"
    with history.db.engine.begin() as conn:
        rollup.rebuild(conn)
    assert _cells(history.db) == kept


@pytest.mark.parametrize("today", [None, D(2025, 9, 28), D(2025, 11, 20)])
def test_every_figure_read_through_the_cells_equals_the_rows(
        history: History, today: dt.date | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Today decides which side of a cut month the rows read (after today: nothing yet)."""
    periods, filters = list(_periods(random.Random(7))), history.filters()
    if today is not None:  # the periods cut in the months of these todays
        monkeypatch.setattr(clock, "today", lambda: today)
        periods, filters = periods[5:9], filters[:4] + filters[-3:]
    checked = 0
    with history.db.uow() as uow:
        for period, as_of in periods:
            for f in filters:
                monkeypatch.setattr(cells, "ENABLED", True)
                through_cells = _figures(uow, period, as_of, f)
                monkeypatch.setattr(cells, "ENABLED", False)
                from_rows = _figures(uow, period, as_of, f)
                assert through_cells == from_rows, (today, period, as_of, f)
                checked += 1
    # the history is rich enough to say something: signings, starts, money in the year
    with history.db.uow() as uow:
        year = metrics.start_rate(uow, Period(D(2025, 1, 1), D(2025, 12, 31)), D(2026, 12, 31))
    assert year.signed > 5 and year.started > 0 and year.signed_amount > 0
    assert checked == (12 * 13 if today is None else 4 * 7)


def test_a_bulk_load_rebuilds_the_cells_once(db: Database) -> None:
    """crm.excel.bulk's path: triggers off while rows go in, cells rebuilt after."""
    h = History(db, seed=3)
    for _ in range(20):
        h.step()
    before = _cells(db)
    with db.uow() as uow:
        conn = uow.session.connection()
        with rollup.suspended(conn, ["projects", "agreements"]):
            conn.execute(text("UPDATE projects SET owner_id = NULL"))  # no trigger runs
        uow.commit()
    after = _cells(db)
    assert after != before
    assert [c for c in after if c[0] == "owner"] == [
        ("owner", "", *c[2:]) for c in before if c[0] == "all"]
    with db.engine.begin() as conn:  # the triggers are back
        conn.execute(text("UPDATE projects SET owner_id = :u"), {"u": h.users[0]})
    assert {c[1] for c in _cells(db) if c[0] == "owner"} == {str(h.users[0])}


def test_a_large_ledger_import_leaves_cells_equal_to_the_rows(
        db: Database, tmp_path: Any) -> None:
    """A first ledger of 1,200 rows goes in by the bulk path (indexes and triggers off, cells
    rebuilt once): the figures through the cells are the rows' own, and later edits by a
    user keep them so."""
    import openpyxl

    from crm.excel.importer import import_ledger
    from crm.services.common import SYSTEM

    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "企业名称", "计划总投资（万元）", "签约金额（万元）", "项目状态", "签约时间",
               "开工时间", "责任人"])
    rng = random.Random(5)
    for i in range(1200):
        signed = D(2024, 1, 1) + dt.timedelta(days=rng.randrange(500))
        started = signed + dt.timedelta(days=rng.randrange(300)) if i % 3 else None
        if started is not None and started > D(2025, 6, 30):
            started = None
        ws.append([f"项目{i}", f"企业{i % 700}有限公司", 1000 + i, 500 + i,
                   "已开工" if started else "已签约", signed.isoformat(),
                   started.isoformat() if started else None, "李晓明"])
    wb.save(path)
    report = import_ledger(db, SYSTEM, path)
    assert report.created == 1200 and not report.errors
    kept = _cells(db)
    with db.engine.begin() as conn:
        rollup.rebuild(conn)
    assert _cells(db) == kept
    period, as_of = Period(D(2024, 1, 1), D(2024, 12, 31)), D(2025, 6, 30)
    with db.uow() as uow:
        through_cells = _figures(uow, period, as_of, Filters())
        cells.ENABLED = False
        try:
            from_rows = _figures(uow, period, as_of, Filters())
        finally:
            cells.ENABLED = True
    assert through_cells == from_rows
    assert through_cells["start_rate"].signed == sum(
        1 for r in ws.iter_rows(min_row=2, values_only=True) if str(r[5]).startswith("2024"))
