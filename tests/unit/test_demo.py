"""The demo data set reproduces the article's figures (DESIGN §3 check, issue 2 §6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.db import Database
from crm.demo import load_demo
from crm.errors import ValidationError
from crm.models import Company, Project, StageChange
from crm.services import (
    carriers,
    contacts,
    dictionaries,
    follow_up_list,
    metrics,
    settings,
    users,
)
from crm.services.metrics import Period
from crm.uscc import normalize_uscc
from tests.unit.builders import D

H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
AS_OF = D(2025, 12, 31)
LOADED_ON = D(2026, 11, 28)  # the `today` the demo template was loaded with


def test_article_figures(demo_db: Database) -> None:
    r = demo_db.read(metrics.start_rate, H1, AS_OF)
    assert (r.signed, r.started, r.rate_text) == (26, 15, "57.69%")
    assert r.to_json()["start_rate"] == 0.5769


def test_shanghai_event(demo_db: Database) -> None:
    f = demo_db.read(metrics.resolve_filters, event="楚材聚汉")
    r = demo_db.read(metrics.start_rate, H1, AS_OF, f)
    assert (r.signed, r.signed_amount, r.signed_amount_yi) == (8, Decimal(507000), "50.70")


def test_carriers(demo_db: Database) -> None:
    rows = demo_db.read(dictionaries.list_carriers)
    by_kind: dict[str, list[Decimal]] = {}
    for r in rows:
        by_kind.setdefault(r.kind, []).append(r.total_area)
    assert len(by_kind["商务楼宇"]) == 18
    assert round(sum(by_kind["商务楼宇"]) / 10000) == 22  # ≈ 22万㎡
    assert round(sum(by_kind["标准化厂房"]) / 10000) == 14  # ≈ 14万㎡
    assert sum(by_kind["土地"]) == Decimal(13_000_000)  # 13 km²
    space = demo_db.read(carriers.carrier_figures)
    assert all(0 <= r.free <= r.total for r in space)
    assert len({r.vacancy for r in space}) > 10  # the projects placed make vacancy vary


def test_people_and_ambassadors(demo_db: Database) -> None:
    assert len(demo_db.read(dictionaries.list_ambassadors)) == 12
    people = demo_db.read(users.list_users)
    assert len([u for u in people if u.role in ("staff", "manager")]) == 12
    assert {u.role for u in people} == {"staff", "manager", "admin"}
    assert demo_db.read(users.authenticate, "zhoujm", "demo1234").role == "manager"


def test_follow_ups_some_overdue(demo_db: Database) -> None:
    f = demo_db.read(follow_up_list.follow_ups, LOADED_ON)
    assert len(f.overdue) >= 3
    assert all(r.follow_up_on is not None and r.follow_up_on < LOADED_ON for r in f.overdue)
    assert len(demo_db.read(contacts.list_logs, limit=None)) > 100


def test_dashboard_period_and_org(demo_db: Database) -> None:
    choice = demo_db.read(settings.dashboard_period)
    assert choice is not None
    assert (choice.start, choice.end) == (D(2025, 1, 1), D(2025, 6, 30))
    assert demo_db.read(settings.org_name) == "青山区招商局"
    assert {t.metric for t in demo_db.read(settings.targets, 2025)} >= {
        "signed_count", "started_count", "start_rate"}


def test_every_project_is_consistent(demo_db: Database) -> None:
    """The stage of each project is the last step of its history; every USCC is valid."""
    with demo_db.uow() as uow:
        s = uow.session
        for p in s.scalars(select(Project)):
            last = s.scalars(select(StageChange).where(StageChange.project_id == p.id)
                             .order_by(StageChange.id.desc()).limit(1)).one()
            assert last.to_stage == p.stage, p.name
            if p.started_on is not None:
                assert p.signed_on is not None and p.started_on >= p.signed_on, p.name
            assert p.search_text and p.sort_key
        for code in s.scalars(select(Company.uscc)):
            assert code is None or normalize_uscc(code) == code


def test_demo_only_into_an_empty_database(demo_db: Database) -> None:
    with pytest.raises(ValidationError) as err:
        load_demo(demo_db)
    assert err.value.code == "demo.not_empty"
