"""The reward table read a page at a time (crm.services.reward_list) equals the reference,
crm.services.rewards.rewards (every line of the year in Python), on random histories on both
databases: every line in order, every amount, the count and the total, with caps per project
and per person or none, a missing rule, 引荐人 not registered or registered late, ambassadors
without an appointment date, deleted projects, receipts of other kinds and other years; and
between rounds, projects and receipts changed (introducers, signing, deletion; a receipt's
kind, amount, date, project; receipts added and deleted), so that the rows the count and the
total read (reward_receipts, kept by triggers) follow every write and equal a rebuild."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import delete, select, text

from crm import reward_rollup
from crm.db import Database
from crm.models import Ambassador, Funding, Project, RewardRule
from crm.services import reward_list, rewards
from tests.unit import builders

D = dt.date
N = Decimal
KINDS = (rewards.FIXED_ASSETS, rewards.FIXED_ASSETS, "流动资金", None)


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _history(db: Database, seed: int) -> None:
    """Projects signed around 2025 (many on the same days), with ambassadors and 引荐人 (a few
    names shared by many projects), and receipts of every kind around the year."""
    rng = random.Random(seed)
    w = builders.world(db)
    with db.uow() as uow:
        s = uow.session
        ambassadors = [w.ambassador]
        for i, name in enumerate(("Zoe", "王大使", "安大使", "李大使", "Ann")):
            appointed = None if i == 3 else _day(rng, D(2024, 1, 1), D(2025, 9, 1))
            amb = Ambassador(name=name, appointed_on=appointed, sort_key=name)
            s.add(amb)
            s.flush()
            ambassadors.append(amb.id)
        referrers = ["周会长", "商会A", "Bob", "张三", "张三丰"]
        days = [_day(rng, D(2024, 6, 1), D(2026, 2, 1)) for _ in range(25)]
        for i in range(140):
            signed = rng.choice(days) if rng.random() < 0.9 else None
            p = Project(name=f"项目{i}", company_id=w.company, owner_id=w.staff.user_id,
                        stage="signed" if signed else "lead", signed_on=signed,
                        lead_on=D(2024, 1, 1), sort_key=f"xm{i:03}")
            if rng.random() < 0.6:
                p.ambassador_id, p.source = rng.choice(ambassadors), "ambassador"
            if rng.random() < 0.45:
                p.referrer = rng.choice(referrers)
                if signed is not None and rng.random() < 0.8:
                    p.referrer_registered_on = signed + dt.timedelta(days=rng.randrange(-90, 20))
            if rng.random() < 0.05:
                p.deleted_at = dt.datetime(2025, 11, 1)
            s.add(p)
            s.flush()
            if signed is not None:
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                    whole = rng.choice((rng.randrange(1, 500), rng.randrange(1000, 40000),
                                        10 ** 8))
                    s.add(Funding(project_id=p.id, amount=N(whole) + N(rng.randrange(10000)) / 10000,
                                  received_on=_day(rng, max(signed, D(2024, 9, 1)), D(2026, 2, 1)),
                                  kind=rng.choice(KINDS), evidence=""))
        uow.commit()


def _rules(db: Database, rng: random.Random) -> None:
    """This round's rules for 2025: each role's rate, caps or none, or no rule at all."""
    with db.uow() as uow:
        s = uow.session
        s.execute(delete(RewardRule))
        for role in rewards.ROLES:
            if rng.random() < 0.2:
                continue
            s.add(RewardRule(
                year=2025, role=role, permille=rng.choice((N(5), N("2.5"), N("0.3333"), N(1000))),
                cap_per_project=rng.choice((None, N(20), N("37.5"), N(500))),
                cap_per_person=rng.choice((None, N(50), N("80.25"), N(200)))))
        uow.commit()


def _churn(db: Database, rng: random.Random) -> None:
    """A few writes of every kind the rows of reward_receipts depend on."""
    with db.uow() as uow:
        s = uow.session
        projects = list(s.scalars(select(Project).order_by(Project.id)))
        ambassadors = list(s.scalars(select(Ambassador.id)))
        for p in rng.sample(projects, 12):
            change = rng.randrange(5)
            if change == 0:
                p.ambassador_id = rng.choice((None, *ambassadors))
            elif change == 1:
                p.referrer = rng.choice(("", "周会长", "新引荐人"))
            elif change == 2:
                p.referrer_registered_on = rng.choice((None, D(2024, 12, 1), D(2025, 6, 1)))
            elif change == 3 and p.signed_on is not None:
                p.signed_on = _day(rng, D(2024, 6, 1), D(2026, 2, 1))
            else:
                p.deleted_at = None if p.deleted_at else dt.datetime(2025, 12, 1)
        fundings = list(s.scalars(select(Funding).order_by(Funding.id)))
        for f in rng.sample(fundings, min(10, len(fundings))):
            change = rng.randrange(5)
            if change == 0:
                f.kind = rng.choice(KINDS)
            elif change == 1:
                f.amount = N(rng.randrange(1, 30000))
            elif change == 2:
                f.received_on = _day(rng, D(2024, 9, 1), D(2026, 2, 1))
            elif change == 3:
                f.project_id = rng.choice(projects).id
            else:
                s.delete(f)
        for p in rng.sample([p for p in projects if p.signed_on is not None], 4):
            s.add(Funding(project_id=p.id, amount=N(rng.randrange(1, 9000)),
                          received_on=_day(rng, D(2025, 1, 1), D(2025, 12, 31)),
                          kind=rewards.FIXED_ASSETS, evidence=""))
        uow.commit()


def _receipts(db: Database) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            f"SELECT * FROM {reward_rollup.TABLE} ORDER BY funding_id"))]


def _paged(db: Database, year: int, as_of: dt.date, size: int
           ) -> tuple[reward_list.RewardSummary, list[rewards.RewardLine]]:
    with db.uow() as uow:
        summary = reward_list.reward_summary(uow, year, as_of)
        lines: list[rewards.RewardLine] = []
        while len(lines) < summary.count:
            page = reward_list.reward_page(uow, summary, len(lines), size)
            assert page, "a page short of the count"
            lines.extend(page)
        assert reward_list.reward_page(uow, summary, summary.count, size) == []
    return summary, lines


def test_the_paged_table_equals_every_line_of_the_reference(db: Database) -> None:
    _history(db, seed=20251129)
    rng = random.Random(7)
    seen_capped = seen_spent = 0
    reasons: set[str] = set()
    for round_ in range(8):
        if round_:
            _churn(db, rng)
        kept = _receipts(db)
        with db.engine.begin() as conn:
            reward_rollup.rebuild(conn)
        assert _receipts(db) == kept, round_
        _rules(db, rng)
        as_of = rng.choice((D(2025, 12, 31), D(2026, 3, 1), _day(rng, D(2025, 2, 1),
                                                                    D(2025, 11, 30))))
        expected = db.read(rewards.rewards, 2025, as_of)
        summary, lines = _paged(db, 2025, as_of, rng.choice((1, 3, 7, 50, 200)))
        assert lines == expected, (round_, as_of)
        assert len({line.id for line in lines}) == len(lines)
        assert summary.count == len(expected)
        assert summary.total == sum((r.reward for r in expected), N(0))
        assert summary.totals() == rewards.reward_totals(expected)
        # a page from anywhere is the reference's slice
        start = rng.randrange(max(1, len(expected)))
        with db.uow() as uow:
            assert reward_list.reward_page(uow, summary, start, 9) == expected[start:start + 9]
        seen_capped += sum(1 for r in expected if r.eligible and 0 < r.reward < r.computed)
        seen_spent += sum(1 for r in expected if r.eligible and r.reward == 0 < r.computed)
        reasons |= {r.reason.split("（")[0][-6:] for r in expected}
    # the history reaches what it is meant to test: capped lines, persons whose cap is spent,
    # each reason a line is not rewarded
    assert seen_capped and seen_spent
    assert {"", "未登记", "无聘任日期", "登记"} <= reasons
    assert any("奖励规则" in r for r in reasons)


def test_a_year_without_lines_or_rules(db: Database) -> None:
    builders.world(db)
    summary, lines = _paged(db, 2025, D(2025, 12, 31), 200)
    assert (summary.count, summary.total, lines) == (0, N(0), [])
