"""Read models of crm.views: what each screen shows, computed once in the core."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm import stages
from crm.db import Database
from crm.errors import ValidationError
from crm.services import pipeline, projects, settings, users
from crm.services.projects import ProjectQuery
from crm.views import projects as project_views
from crm.views.companies import load_company
from crm.views.settings import read_settings


def _actor(db: Database, login: str):  # type: ignore[no-untyped-def]
    user = db.read(users.find_user, login)
    assert user is not None
    return user.actor()


def test_project_details_sum_funds_as_the_pipeline_does(demo_db: Database) -> None:
    funded = next(p for p in demo_db.read(projects.list_projects)
                  if demo_db.read(pipeline.fundings, p.id))
    details = demo_db.read(project_views.load_details, funded.id, _actor(demo_db, "zhoujm"))
    assert details is not None
    assert details.funds_total == demo_db.read(pipeline.funds_total, funded.id) > 0
    assert details.funds_total == sum((f.amount for f in details.fundings), Decimal(0))


def test_what_a_screen_offers_follows_the_permission_table(demo_db: Database) -> None:
    staff = _actor(demo_db, "lixm")
    rows = demo_db.read(projects.list_projects)
    mine = next(r for r in rows if r.owner_id == staff.user_id)
    other = next(r for r in rows if r.owner_id != staff.user_id)
    own = demo_db.read(project_views.load_details, mine.id, staff)
    theirs = demo_db.read(project_views.load_details, other.id, staff)
    boss = demo_db.read(project_views.load_details, other.id, _actor(demo_db, "zhoujm"))
    assert own is not None and theirs is not None and boss is not None
    assert own.editable and "pipeline.advance" in own.allowed
    assert "pipeline.correct_back" not in own.allowed and "projects.delete_project" not in own.allowed
    assert not theirs.editable and theirs.allowed == frozenset()
    assert boss.editable and {"pipeline.correct_back", "projects.delete_project"} <= boss.allowed
    company = demo_db.read(load_company, other.company_id, staff)
    assert company is not None and not company.editable


def test_board_counts_every_project_of_a_stage_and_shows_the_newest(demo_db: Database) -> None:
    columns = demo_db.read(project_views.load_board, ProjectQuery(), 3)
    assert [c.stage for c in columns] == list(stages.ALL)
    for column in columns:
        total = demo_db.read(projects.count_projects, ProjectQuery(stages=(column.stage,)))
        assert column.total == total and len(column.rows) == min(3, total)


def test_targets_as_typed_are_checked_then_saved_together(demo_db: Database) -> None:
    manager = _actor(demo_db, "zhoujm")
    before = {t.metric: t.value for t in demo_db.read(settings.targets, 2025)}
    with pytest.raises(ValidationError, match="不是数字"):
        demo_db.run(settings.set_targets, manager, 2025,
                    {"signed_count": "55", "signed_amount": "五百"})
    assert {t.metric: t.value for t in demo_db.read(settings.targets, 2025)} == before
    changed = demo_db.run(settings.set_targets, manager, 2025,
                          {"signed_count": "55", "signed_amount": "1,200,000", "funds": ""})
    after = {t.metric: t.value for t in demo_db.read(settings.targets, 2025)}
    assert after["signed_count"] == 55 and after["signed_amount"] == Decimal(1200000)
    assert changed == sum(1 for m in ("signed_count", "signed_amount") if before.get(m) != after[m])
    assert demo_db.run(settings.set_targets, manager, 2025, {"signed_count": "55"}) == 0
    data = demo_db.read(read_settings, 2025, False)
    assert data.org == "青山区招商局" and data.users == []


def test_moves_are_the_pipeline_rule_and_the_permission_table(demo_db: Database) -> None:
    staff, boss = _actor(demo_db, "lixm"), _actor(demo_db, "zhoujm")
    rows = demo_db.read(projects.list_projects)
    mine = next(r for r in rows if r.owner_id == staff.user_id and r.stage == stages.NEGOTIATING)
    other = next(r for r in rows if r.owner_id != staff.user_id)
    own = {m.to: m for m in demo_db.read(pipeline.moves, staff, mine.id)}
    assert set(own) == {stages.SIGNED, stages.STARTED, stages.PRODUCING, stages.DROPPED}
    assert own[stages.SIGNED].needs_agreement and not own[stages.SIGNED].needs_start
    assert own[stages.STARTED].needs_agreement and own[stages.STARTED].needs_start
    assert own[stages.DROPPED].needs_reason and not own[stages.DROPPED].needs_agreement
    managed = {m.to: m for m in demo_db.read(pipeline.moves, boss, mine.id)}
    assert managed[stages.LEAD].back and managed[stages.LEAD].needs_reason
    assert demo_db.read(pipeline.moves, staff, other.id) == []
    # advance() applies the same rule: a move back is a correction the staff may not make
    from crm.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        demo_db.run(pipeline.advance, staff, mine.id, stages.LEAD, mine.signed_on or
                    demo_db.read(projects.get_project, mine.id).lead_on, reason="录错")
