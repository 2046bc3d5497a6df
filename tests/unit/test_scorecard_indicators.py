"""The scorecard's figures (crm.services.indicators) read the fast way — from the rollup, or
for every owner at once — equal their direct computation (crm.services.assessment and
metrics for the reading's owner, each indicator's ``reference``) over a random history:
the bureau's and each person's, for random periods and as-of dates, with the rollup and
without it, and the whole scorecard's points equal the points scored from the references.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm import clock
from crm.db import Database
from crm.models import Company, CompanyTier, Funding, Project, Tier, User
from crm.services import assessment, cells, indicators, scorecard, scorecard_schemes
from crm.services.common import SYSTEM
from crm.services.indicators import CATALOGUE, Reading
from crm.services.metrics import Filters
from crm.services.scorecard_schemes import ItemInput, SchemeInput
from tests.unit.test_rollup import History, _day, _periods

D = dt.date


def _tiered_history(db: Database) -> History:
    """test_rollup's random history, its projects spread over companies tagged with tiers (one
    of them inactive) and some of them 入统 and 入规."""
    h = History(db, seed=20251130)
    h.on_the_edges()
    for _ in range(160):
        h.step()
    rng = random.Random(3)
    with db.uow() as uow:
        s = uow.session
        tiers = {t.name: t for t in s.scalars(select(Tier))}
        for name in ("世界500强", "上市公司", "央企"):
            if name not in tiers:
                tiers[name] = Tier(name=name, position=len(tiers), active=True)
                s.add(tiers[name])
        s.flush()
        tiers["央企"].active = False
        companies = [Company(name=f"分级企业{i}", sort_key=f"fj{i}", initials=f"fj{i}")
                     for i in range(4)]
        s.add_all(companies)
        s.flush()
        tags = [(0, "世界500强"), (1, "世界500强"), (1, "上市公司"), (2, "央企"), (2, "上市公司")]
        s.add_all(CompanyTier(company_id=companies[i].id, tier_id=tiers[name].id)
                  for i, name in tags)
        # in id order: the same history on both databases (PostgreSQL returns rows unordered)
        for p in s.scalars(select(Project).order_by(Project.id)):
            if rng.random() < 0.6:
                p.company_id = rng.choice(companies).id
            p.registered_on = _day(rng) if rng.random() < 0.3 else None
            p.above_scale_on = _day(rng) if rng.random() < 0.2 else None
        for receipt in s.scalars(select(Funding).order_by(Funding.id)):
            receipt.origin = rng.choice((*assessment.ORIGINS, None))
            receipt.kind = rng.choice((*assessment.KINDS, None))
            receipt.usd_amount = Decimal(rng.randrange(1, 900)) if rng.random() < 0.5 else None
        uow.commit()
    return h


@pytest.fixture
def history(db: Database) -> History:
    return _tiered_history(db)


@pytest.mark.parametrize("today", [None, D(2025, 9, 28)])
def test_every_indicator_equals_its_direct_computation(
        history: History, today: dt.date | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if today is not None:  # which side of a cut month the rows read
        monkeypatch.setattr(clock, "today", lambda: today)
    fast = [spec for spec in CATALOGUE.values() if spec.reference is not None]
    assert {s.code for s in fast} >= {"leads", "signed_10yi", "started_1yi", "batch_started",
                                      "batch_registered", "tier:世界500强"}
    periods = list(_periods(random.Random(11)))
    if today is not None:  # the periods cut in that month
        periods = periods[5:9]
    periods += [(scorecard.scorecard_period(2025, q), as_of) for q in (None, 1, 2, 3)
                for as_of in (D(2025, 5, 17), D(2025, 12, 31))]
    owners: list[int | None] = [None, *history.users, 987654]  # 987654: owns nothing
    seen: dict[str, set[Decimal | None]] = {s.code: set() for s in fast}
    with history.db.uow() as uow:
        for enabled in (True, False):
            monkeypatch.setattr(cells, "ENABLED", enabled)
            for period, as_of in periods:
                memo: dict[tuple[object, ...], object] = {}  # shared by the people, as read
                for owner in owners:
                    quick = Reading(uow, period, as_of, owner, memo)
                    direct = Reading(uow, period, as_of, owner)
                    for spec in fast:
                        assert spec.reference is not None
                        want = spec.reference(direct)
                        assert spec.compute(quick) == want, (spec.code, period, as_of, owner)
                        seen[spec.code].add(want)
    # the history says something: each figure took several values, the 入统 one included
    for code in ("leads", "signed_1yi", "signed_10yi", "started_1yi", "batch_started",
                 "batch_producing", "batch_registered", "batch_above_scale", "tier:世界500强",
                 "tier:上市公司"):
        assert len(seen[code]) > 2, code
    assert seen["tier:央企"] == {Decimal(0)}  # an inactive tier counts nothing


def test_the_scorecards_points_equal_those_of_the_direct_figures(
        history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every person's card and the bureau's, lines of every kind, scored both ways."""
    items = tuple(ItemInput("score" if i % 3 == 0 or not spec.is_count
                            else "bonus" if i % 3 == 1 else "deduction",
                            spec.code, spec.label, weight=Decimal(2),
                            points_each=Decimal(1), points_max=Decimal(50))
                  for i, spec in enumerate(CATALOGUE.values()))
    for scope in ("unit", "person"):
        history.db.run(scorecard_schemes.save_scheme, SYSTEM,
                       SchemeInput(2025, scope, "考核", "", items))
    as_of = D(2025, 10, 20)

    def cards() -> list[list[tuple[str, Decimal | None, Decimal]]]:
        with history.db.uow() as uow:
            found = [scorecard.score(uow, 2025, q, as_of) for q in (None, 2, 3)]
            found += scorecard.people_scores(uow, 2025, 3, as_of)
            return [[(line.code, line.actual, line.points) for line in c.lines] for c in found]

    quick = cards()
    for code, spec in list(CATALOGUE.items()):
        if spec.reference is not None:
            monkeypatch.setitem(CATALOGUE, code, replace(spec, compute=spec.reference))
    assert cards() == quick
    assert any(points for card in quick for _, _, points in card)
    assert indicators.CATALOGUE is CATALOGUE


def test_who_is_assessed(db: Database) -> None:
    """Active staff, and anyone else owning a live project: not a manager whose projects are
    all deleted, nor an inactive colleague owning nothing; in pinyin order."""
    with db.uow() as uow:
        s = uow.session
        co = Company(name="考核测试企业", sort_key="khcs", initials="khcs")
        people = {name: User(login=name, display_name=name, role=role, active=active,
                             sort_key=key)
                  for name, role, active, key in (
                      ("张三", "staff", True, "zhangsan"), ("李四", "staff", False, "lisi"),
                      ("王五", "manager", True, "wangwu"), ("赵六", "manager", True, "zhaoliu"),
                      ("钱七", "staff", False, "qianqi"), ("孙八", "admin", True, "sunba"))}
        s.add_all([co, *people.values()])
        s.flush()
        for n, (owner, deleted) in enumerate((("李四", False), ("王五", False), ("王五", True),
                                              ("赵六", True), ("赵六", True))):
            s.add(Project(name=f"考核项目{n}", company_id=co.id, stage="lead",
                          sort_key=f"kh{n}", owner_id=people[owner].id,
                          deleted_at=dt.datetime(2025, 5, 1) if deleted else None))
        uow.commit()
    names = [name for _, name in db.read(scorecard.assessed_people)]
    assert [n for n in names if n in ("张三", "李四", "王五", "赵六", "钱七", "孙八")] == \
        ["李四", "王五", "张三"]


def test_the_bureaus_receipts_leave_out_those_of_deleted_projects(history: History) -> None:
    """到位资金 of the bureau (no filter) reads the receipts without their projects: the same
    sums as the receipts joined to their live projects."""
    with history.db.uow() as uow:
        deleted = {p.id for p in uow.session.scalars(select(Project).where(
            Project.deleted_at.is_not(None)))}
        receipts = list(uow.session.scalars(select(Funding)))
        assert deleted and any(r.project_id in deleted for r in receipts)
        for period, as_of in list(_periods(random.Random(5)))[:9]:
            got = assessment.funds_received(uow, period, as_of, Filters())
            counted = [r for r in receipts if r.project_id not in deleted
                       and period.start <= r.received_on <= min(period.end, as_of)]
            by: dict[tuple[str, str], Decimal] = {}
            for r in counted:
                key = (r.origin or assessment.UNKNOWN, r.kind or assessment.UNKNOWN)
                by[key] = by.get(key, Decimal(0)) + r.amount
            assert got.by_origin_kind == by
            assert got.total == sum(by.values(), Decimal(0))
            assert got.foreign_usd == sum((r.usd_amount or Decimal(0) for r in counted
                                           if r.origin == assessment.FOREIGN), Decimal(0))
            assert got.projects == len({r.project_id for r in counted})
