"""The assessment figures (issue 19) against a small data set computed by hand.

Projects (计划总投资 = agreement amount, 万元):
  A 10000 (exactly 1 亿)   signed 2025-03-01, started 2025-05-01, agreed start 2025-04-01 (late)
  B 9999.9999 (under)      signed 2025-04-01, not started, agreed start 2025-08-01 (broken)
  C 100000 (exactly 10 亿) signed 2025-06-12, started 2026-02-01, agreed start 2026-06-30
  D 500000 (exactly 50 亿) signed 2025-02-01, started 2025-03-01, 竣工 2025-10-01,
                           投产 2025-11-01, agreed start 2025-03-01 and 投产 2025-12-31,
                           投资强度 10 万元/亩 on 50 亩 (500 万元 of 固定资产投资 due by 2025-12-31)
  E 30000                  signed 2024-06-01, started 2024-08-01
  F (no amount)            signed 2024-05-01, planned start 2024-09-30, not started
Receipts (万元): E 2024-12-20 200 省内市外 固投; E 2025-03-10 500 省外 固投;
  A 2025-05-05 78 境外 其他 (10 万欧元 = 11 万美元); A 2025-06-30 300 境外 固投 (42 万美元);
  D 2025-01-01 150 区内 其他; D 2025-07-01 1000 市内 流动资金; D 2025-09-01 600 省外 固投.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.models import Project
from crm.services import assessment, audit, funds, metrics, milestones, pipeline, projects, tiers
from crm.services.common import SYSTEM
from crm.services.companies import CompanyInput, create_company
from crm.services.funds import ReceiptInput
from crm.services.metrics import Filters, Period
from crm.services.milestones import MilestoneInput, PromiseInput
from tests.conftest import _PG, _drop_pg_schema, _pg_schema_url
from tests.unit.builders import World, project, sign, start, world

D = dt.date
H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
Y2025 = Period(D(2025, 1, 1), D(2025, 12, 31))


def _tier(db: Database, name: str) -> int:
    """The tier of this name (the migration seeds them; an emptied test schema may not)."""
    with db.uow() as uow:
        found = [t.id for t in tiers.list_tiers(uow) if t.name == name]
        if found:
            return found[0]
        row = tiers.add_tier(uow, SYSTEM, name)
        uow.commit()
        return row.id


def _agreement(db: Database, pid: int) -> int:
    with db.uow() as uow:
        return pipeline.agreements(uow, pid)[0].id


def _receipt(db: Database, pid: int, on: dt.date, amount: str, origin: str, kind: str,
             currency: str = "CNY", original: str | None = None,
             usd: str | None = None) -> None:
    db.run(funds.add_receipt, SYSTEM, pid, ReceiptInput(
        on, Decimal(amount), origin, kind, currency,
        Decimal(original) if original else None, Decimal(usd) if usd else None))


def _build(db: Database) -> dict[str, int]:
    w: World = world(db)
    other = db.run(create_company, SYSTEM, CompanyInput("中国建材集团有限公司")).id
    ids: dict[str, int] = {}
    ids["A"] = project(db, w, "A", invest=Decimal(10000))
    ids["B"] = project(db, w, "B", invest=Decimal("9999.9999"))
    ids["C"] = project(db, w, "C", invest=Decimal(100000))
    ids["D"] = db.run(projects.create_project, SYSTEM, projects.ProjectInput(
        "D", other, planned_investment=Decimal(500000), land_mu=Decimal(50),
        owner_id=w.staff.user_id, lead_on=D(2024, 10, 1))).id
    ids["E"] = project(db, w, "E", invest=Decimal(30000), lead_on=D(2024, 1, 1))
    ids["F"] = project(db, w, "F", lead_on=D(2024, 1, 1))
    for key, day, amount in (("A", D(2025, 3, 1), "10000"), ("B", D(2025, 4, 1), "9999.9999"),
                             ("C", D(2025, 6, 12), "100000"), ("D", D(2025, 2, 1), "500000"),
                             ("E", D(2024, 6, 1), "30000")):
        sign(db, ids[key], day, amount)
    db.run(pipeline.advance, SYSTEM, ids["F"], "signed", D(2024, 5, 1),
           agreement=pipeline.AgreementInput(D(2024, 5, 1), Decimal(800),
                                             planned_start_on=D(2024, 9, 30),
                                             planned_start_kind="开工"))
    for key, day in (("A", D(2025, 5, 1)), ("C", D(2026, 2, 1)), ("D", D(2025, 3, 1)),
                     ("E", D(2024, 8, 1))):
        start(db, ids[key], day)
    db.run(pipeline.advance, SYSTEM, ids["D"], "producing", D(2025, 11, 1))
    for key, promise in (
            ("A", PromiseInput(agreed_start_on=D(2025, 4, 1))),
            ("B", PromiseInput(agreed_start_on=D(2025, 8, 1))),
            ("C", PromiseInput(agreed_start_on=D(2026, 6, 30))),
            ("D", PromiseInput(agreed_start_on=D(2025, 3, 1), agreed_producing_on=D(2025, 12, 31),
                               investment_intensity=Decimal(10), tax_per_mu=Decimal(30)))):
        db.run(milestones.set_promises, SYSTEM, _agreement(db, ids[key]), promise)
    db.run(milestones.set_milestones, SYSTEM, ids["D"], MilestoneInput(
        completed_on=D(2025, 10, 1), in_database_on=D(2025, 11, 15),
        in_database_evidence="项目代码 2025-420107-30-03-000001", above_scale_on=D(2025, 12, 20)))
    db.run(milestones.set_milestones, SYSTEM, ids["A"], MilestoneInput(
        landed_on=D(2025, 4, 1), registered_on=D(2025, 12, 1)))
    ids["G"] = project(db, w, "G", lead_on=D(2025, 2, 1))
    db.run(milestones.set_milestones, SYSTEM, ids["G"], MilestoneInput(lead_kind="谋划"))
    ids["H"] = project(db, w, "H", lead_on=D(2025, 1, 10))
    db.run(pipeline.advance, SYSTEM, ids["H"], "negotiating", D(2025, 3, 1))
    _receipt(db, ids["E"], D(2024, 12, 20), "200", "省内市外", "固定资产投资")
    _receipt(db, ids["E"], D(2025, 3, 10), "500", "省外", "固定资产投资")
    _receipt(db, ids["A"], D(2025, 5, 5), "78", "境外", "其他", "EUR", "10", "11")
    _receipt(db, ids["A"], D(2025, 6, 30), "300", "境外", "固定资产投资", "USD", "42")
    _receipt(db, ids["D"], D(2025, 1, 1), "150", "区内", "其他")
    _receipt(db, ids["D"], D(2025, 7, 1), "1000", "市内", "流动资金")
    _receipt(db, ids["D"], D(2025, 9, 1), "600", "省外", "固定资产投资")
    listed, state = _tier(db, "上市公司"), _tier(db, "央企")
    special = _tier(db, "专精特新")
    db.run(tiers.set_company_tiers, SYSTEM, w.company, [listed, special])
    db.run(tiers.set_company_tiers, SYSTEM, other, [state])
    return ids


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def data(request: pytest.FixtureRequest, sqlite_template: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, dict[str, int]]]:
    """The data set above, built once per database for the read-only tests of this module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("assessment") / "crm.db"
        shutil.copy(sqlite_template, path)
        db = Database(f"sqlite:///{path}")
        yield db, _build(db)
        db.dispose()
        return
    if _PG is None:
        pytest.skip("PostgreSQL server not available (set CRM_TEST_PG_URL)")
    url, schema = _pg_schema_url(_PG)
    db = Database(url)
    try:
        yield db, _build(db)
    finally:
        db.dispose()
        _drop_pg_schema(_PG, schema)


def test_funds_of_a_period_count_every_project_whatever_its_signing_year(
        data: tuple[Database, dict[str, int]]) -> None:
    db, _ = data
    with db.uow() as uow:
        f = assessment.funds_received(uow, H1, D(2025, 12, 31))
        early = assessment.funds_received(uow, H1, D(2025, 6, 29))
    # E (signed 2024) 500 + A 78 + A 300 (the period's last day) + D 150 (its first day)
    assert f.total == Decimal(1028)
    assert f.by_origin == {"境外": Decimal(378), "省外": Decimal(500), "省内市外": Decimal(0),
                           "市内": Decimal(0), "区内": Decimal(150)}
    assert f.by_kind == {"固定资产投资": Decimal(800), "流动资金": Decimal(0),
                         "其他": Decimal(228)}
    assert f.by_origin_kind[("境外", "其他")] == Decimal(78)
    assert f.foreign_usd == Decimal(53)  # 11 (the EUR receipt's dollars) + 42
    assert f.fixed_assets == Decimal(800)
    assert f.conversion == Decimal(800) / Decimal(1028)
    assert f.conversion_text == "77.82%"
    assert f.projects == 3
    assert f.outside_province == Decimal(500)
    # as-of the day before the period's last: A's 300 has not arrived
    assert early.total == Decimal(728) and early.foreign_usd == Decimal(11)


def test_bands_count_signed_started_and_funded_with_inclusive_edges(
        data: tuple[Database, dict[str, int]]) -> None:
    db, ids = data
    with db.uow() as uow:
        rows = {b.code: b for b in assessment.band_counts(uow, Y2025, D(2025, 12, 31))}
        ten = metrics.start_rate(uow, Y2025, D(2025, 12, 31), Filters(band="10yi"))
        listed = projects.project_ids(uow, projects.ProjectQuery(band="10yi", sort="id"))
    # 亿元以上: A (exactly 1 亿), C, D — not B (one 元 under)
    assert [(r.signed, r.started, r.funded) for r in rows.values()] == [
        (3, 2, 2), (2, 1, 1), (1, 1, 1), (1, 1, 1)]
    assert rows["1yi"].signed_amount == Decimal(610000)
    assert rows["50yi"].name == "50亿元以上" and rows["50yi"].floor == Decimal(500000)
    assert (ten.signed, ten.started) == (2, 1)
    assert sorted(listed) == sorted([ids["C"], ids["D"]])  # the list's filter: the same edge


def test_signings_by_tier(data: tuple[Database, dict[str, int]]) -> None:
    db, _ = data
    with db.uow() as uow:
        rows = {t.name: t for t in assessment.tier_counts(uow, Y2025, D(2025, 12, 31))}
    assert (rows["上市公司"].signed, rows["上市公司"].signed_amount) == (
        3, Decimal("119999.9999"))
    assert rows["专精特新"].signed == 3
    assert (rows["央企"].signed, rows["央企"].signed_amount) == (1, Decimal(500000))
    assert all(t.signed == 0 for name, t in rows.items()
               if name not in ("上市公司", "专精特新", "央企"))


def test_milestone_rates_of_a_signing_cohort(data: tuple[Database, dict[str, int]]) -> None:
    db, _ = data
    with db.uow() as uow:
        r = assessment.milestone_rates(uow, Y2025, D(2026, 6, 30))
    assert (r.signed, r.building, r.built, r.producing) == (4, 2, 1, 1)
    assert r.start_complete_rate == Decimal("0.75")
    assert r.producing_rate == Decimal("0.25")
    # A started late, B never, D kept 开工 (on the day), 投产 and 投资强度 (600 ≥ 500);
    # C's start falls due on as-of itself: not judged yet
    assert (r.promised, r.kept) == (3, 1)
    with db.uow() as uow:
        before = assessment.milestone_rates(uow, Y2025, D(2025, 12, 31))
    # on 2025-12-31 D's 投产 promise (due that day) is not judged yet, C not started
    assert (before.building, before.built, before.promised, before.kept) == (1, 1, 3, 1)


def test_seven_batches_of_a_year(data: tuple[Database, dict[str, int]]) -> None:
    db, _ = data
    with db.uow() as uow:
        s = assessment.seven_batches(uow, 2025, D(2025, 12, 31))
    # 洽谈: H, and A–D (a signing that skipped 在谈 reached it on its signing day)
    assert s.counts == {"planned": 1, "reserve": 0, "negotiating": 5, "signed": 4,
                        "started": 2, "building": 2, "producing": 1, "full_production": 0,
                        "landed": 1, "completed": 1, "in_database": 1, "registered": 1,
                        "above_scale": 1}


def test_broken_promises_with_days_overdue(data: tuple[Database, dict[str, int]]) -> None:
    db, ids = data
    with db.uow() as uow:
        rows = assessment.broken_promises(uow, D(2026, 6, 30))
    got = [(r.project, r.promise, r.due_on, r.days_overdue) for r in rows]
    # F by its planned start (no agreed date), B by its agreement; A started late (kept late,
    # no longer outstanding); C's start is due on as-of itself
    assert got == [("F", "开工", D(2024, 9, 30), 638), ("B", "开工", D(2025, 8, 1), 333)]
    assert rows[0].detail == "计划 2024-09-30 开工，至 2026-06-30 未开工"
    with db.uow() as uow:
        on_the_day = assessment.broken_promises(uow, D(2025, 8, 1))
        day_after = assessment.broken_promises(uow, D(2025, 8, 2))
    assert [r.project for r in on_the_day] == ["F"]
    assert [(r.project, r.days_overdue) for r in day_after] == [("F", 306), ("B", 1)]
    # B dropped on 2026-01-05: not listed after that day, listed before it
    with db.uow() as uow:
        project_b = uow.session.get(Project, ids["B"])
        assert project_b is not None
        project_b.dropped_on = D(2026, 1, 5)
        uow.session.flush()
        assert [r.project for r in assessment.broken_promises(uow, D(2026, 1, 5))] == ["F"]
        assert [r.project for r in assessment.broken_promises(uow, D(2026, 1, 4))] == ["F", "B"]
        uow.session.rollback()


def test_receipt_rules(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "际数科技华中总部", invest=Decimal(20000))
    with pytest.raises(ValidationError, match="尚未签约"):
        _receipt(db, pid, D(2025, 1, 1), "10", "省外", "固定资产投资")
    sign(db, pid, D(2025, 1, 5), "20000")
    for args, code in ((("100", "外省", "固定资产投资"), "origin.unknown"),
                       (("100", "省外", "设备"), "kind.unknown"),
                       (("100", "境外", "固定资产投资"), "usd_amount.required"),
                       (("100", "境外", "固定资产投资", "EUR"), "original_amount.required"),
                       (("100", "境外", "固定资产投资", "usd"), "original_amount.required"),
                       (("0", "省外", "固定资产投资"), "amount.positive")):
        with pytest.raises(ValidationError) as err:
            _receipt(db, pid, D(2025, 2, 1), *args)
        assert err.value.code == code
    _receipt(db, pid, D(2025, 2, 1), "70", "境外", "固定资产投资", "usd", "10")
    with db.uow() as uow:
        [row] = funds.receipts(uow, pid)
    assert (row.currency, row.original_amount, row.usd_amount) == ("USD", Decimal(10),
                                                                   Decimal(10))
    db.run(funds.update_receipt, w.staff, row.id, ReceiptInput(
        D(2025, 2, 2), Decimal(71), "境外", "固定资产投资", "USD", Decimal(10)))
    with db.uow() as uow:
        assert funds.receipts(uow, pid)[0].amount == Decimal(71)
    db.run(funds.delete_receipt, w.staff, row.id)
    with db.uow() as uow:
        assert funds.receipts(uow, pid) == []
        history = audit.project_history(uow, pid)
    # newest first: who changed what, with the old and new values
    assert [e.action for e in history[:3]] == ["删除到位资金", "修改到位资金", "登记到位资金"]
    assert {(c.label, c.old, c.new) for c in history[1].changes} == {
        ("到位日期", "2025-02-01", "2025-02-02"), ("到位金额", "70.00", "71.00")}
    with pytest.raises(PermissionDenied):  # another staff member's project
        db.run(funds.add_receipt, w.other_staff, pid, ReceiptInput(
            D(2025, 2, 3), Decimal(1), "省外", "其他"))


def test_milestone_and_promise_rules(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "际数科技华中总部", invest=Decimal(20000))
    with pytest.raises(ValidationError, match="尚未签约"):
        db.run(milestones.set_milestones, SYSTEM, pid, MilestoneInput(landed_on=D(2025, 3, 1)))
    sign(db, pid, D(2025, 2, 1), "20000")
    for data, code in ((MilestoneInput(completed_on=D(2025, 3, 1)), "completed_on.order"),
                       (MilestoneInput(landed_on=D(2025, 1, 1)), "landed_on.order"),
                       (MilestoneInput(in_database_on=D(2025, 3, 1)),
                        "in_database_evidence.required"),
                       (MilestoneInput(lead_kind="想法"), "lead_kind.unknown")):
        with pytest.raises(ValidationError) as err:
            db.run(milestones.set_milestones, SYSTEM, pid, data)
        assert err.value.code == code
    agreement = _agreement(db, pid)
    with pytest.raises(ValidationError) as err:
        db.run(milestones.set_promises, SYSTEM, agreement, PromiseInput(
            agreed_start_on=D(2025, 9, 1), agreed_producing_on=D(2025, 6, 1)))
    assert err.value.code == "agreed_producing_on.order"
    with pytest.raises(ValidationError) as err:
        db.run(milestones.set_promises, SYSTEM, agreement, PromiseInput(
            agreed_start_on=D(2025, 1, 1)))
    assert err.value.code == "agreed_start_on.order"


def test_the_demo_classifies_its_receipts_and_keeps_the_article(demo_db: Database) -> None:
    with demo_db.uow() as uow:
        year = assessment.funds_received(uow, Y2025, D(2025, 12, 31))
        cohort = metrics.start_rate(uow, H1, D(2025, 12, 31))
        tagged = {t.name: t.signed for t in assessment.tier_counts(uow, H1, D(2025, 12, 31))}
    assert assessment.UNKNOWN not in year.by_origin  # every receipt has its origin and kind
    # 湾区智能传感器项目 500 万美元 and 鹏程储能电站 300 万美元, both signed in 2024
    assert year.foreign_usd == Decimal(800)
    assert year.by_origin["境外"] == Decimal(3600 + 2160)
    assert (cohort.signed, cohort.started, cohort.rate_text) == (26, 15, "57.69%")
    assert cohort.funds_received == Decimal(258_840)  # 20% of the 15 starters, as before
    assert tagged["专精特新"] == 3  # 光华伟业, 芯联微电子, 云图智算
