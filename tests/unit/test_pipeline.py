"""The stage rules of DESIGN §2, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.db import Database
from crm.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from crm.models import Agreement, AuditEntry, Project, StageChange, Start
from crm.services import metrics, pipeline, projects
from crm.services.common import SYSTEM
from crm.services.pipeline import AgreementInput, StartInput
from tests.unit.builders import EVENT_DAY, D, World, count, project, sign, start, world

H1 = metrics.Period(D(2025, 1, 1), D(2025, 6, 30))
AS_OF = D(2025, 12, 31)


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _history(db: Database, pid: int) -> list[projects.StageChangeRow]:
    return db.read(projects.stage_history, pid)


def _figures(db: Database) -> metrics.StartRate:
    return db.read(metrics.start_rate, H1, AS_OF)


def _snapshot(db: Database) -> tuple[int, ...]:
    """Everything a refused operation must leave as it was."""
    return (db.revision(), count(db, StageChange), count(db, Agreement), count(db, Start),
            count(db, AuditEntry))


def test_create_records_the_lead_stage(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心", lead_on=D(2025, 1, 2))
    history = _history(db, pid)
    assert [(h.from_stage, h.to_stage, h.changed_on) for h in history] == [
        (None, "lead", D(2025, 1, 2))]


def test_forward_moves_record_who_when_from_to_why(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    db.run(pipeline.advance, w.staff, pid, "negotiating", D(2025, 2, 1), reason="首次洽谈")
    sign(db, pid, D(2025, 3, 5), "12000", actor=w.staff)
    start(db, pid, D(2025, 4, 6), actor=w.staff)
    row = db.run(pipeline.advance, w.staff, pid, "producing", D(2025, 9, 1))
    history = _history(db, pid)
    assert [(h.from_stage, h.to_stage, h.changed_on) for h in history[1:]] == [
        ("lead", "negotiating", D(2025, 2, 1)), ("negotiating", "signed", D(2025, 3, 5)),
        ("signed", "started", D(2025, 4, 6)), ("started", "producing", D(2025, 9, 1))]
    assert {h.user for h in history[1:]} == {"李晓明"}
    assert history[1].reason == "首次洽谈"
    assert not any(h.correction for h in history)
    assert (row.stage, row.negotiating_on, row.signed_on, row.started_on, row.producing_on) == (
        "producing", D(2025, 2, 1), D(2025, 3, 5), D(2025, 4, 6), D(2025, 9, 1))
    assert row.signed_amount == Decimal("12000")


def test_stage_change_is_in_the_same_transaction(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    before = count(db, StageChange)
    with db.uow() as uow:
        pipeline.advance(uow, w.staff, pid, "negotiating", D(2025, 2, 1))
        # not committed: rolled back together with the stage
    assert count(db, StageChange) == before
    assert db.read(projects.get_project, pid).stage == "lead"


def test_signing_needs_an_agreement_and_writes_nothing_without(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    before = _snapshot(db)
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, w.staff, pid, "signed", D(2025, 3, 5))
    assert err.value.code == "agreement.required"
    assert "协议" in err.value.message
    assert _snapshot(db) == before
    assert db.read(projects.get_project, pid).stage == "lead"


def test_signing_at_an_event_on_another_day_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    with pytest.raises(ValidationError) as err:
        sign(db, pid, D(2025, 6, 13), "100", event=w.event)
    assert err.value.code == "agreement.event_date"
    row = sign(db, pid, EVENT_DAY, "100", event=w.event)
    assert row.signing_event_id == w.event


def test_starting_needs_a_start_record(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    before = _snapshot(db)
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 4, 1))
    assert err.value.code == "start.required"
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 4, 1),
               start=StartInput(D(2025, 4, 1), "动工"))
    assert err.value.code == "start.kind"
    assert "开工 或 开业" in err.value.message
    assert _snapshot(db) == before


def test_start_kind_opening_is_kept(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    row = start(db, pid, D(2025, 3, 20), "开业")
    assert (row.stage, row.started_on, row.start_kind) == ("started", D(2025, 3, 20), "开业")
    assert [(s.kind, s.started_on) for s in db.read(pipeline.starts, pid)] == [
        ("开业", D(2025, 3, 20))]


def test_a_start_before_the_signing_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    before = _snapshot(db)
    with pytest.raises(ValidationError) as err:
        start(db, pid, D(2025, 3, 4))
    assert err.value.code == "start.before_signing"
    assert "2025-03-04" in err.value.message and "2025-03-05" in err.value.message
    assert _snapshot(db) == before
    assert start(db, pid, D(2025, 3, 5)).started_on == D(2025, 3, 5)  # same day is fine


def test_dropping_needs_a_reason(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    before = _snapshot(db)
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.drop, w.staff, pid, D(2025, 5, 1), "  ")
    assert err.value.code == "reason.required"
    assert _snapshot(db) == before
    row = db.run(pipeline.drop, w.staff, pid, D(2025, 5, 1), "企业放弃")
    assert (row.stage, row.dropped_on, row.drop_reason) == ("dropped", D(2025, 5, 1), "企业放弃")
    assert _history(db, pid)[-1].reason == "企业放弃"


def test_moving_to_the_same_stage_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, SYSTEM, pid, "lead", D(2025, 5, 1))
    assert err.value.code == "stage.same"


def test_unknown_stage_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, SYSTEM, pid, "won", D(2025, 5, 1))
    assert err.value.code == "stage.unknown"


def test_moving_back_is_a_managers_correction_with_a_reason(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100", actor=w.staff)
    start(db, pid, D(2025, 4, 6), actor=w.staff)
    assert (_figures(db).signed, _figures(db).started) == (1, 1)
    before = _snapshot(db)
    with pytest.raises(PermissionDenied) as denied:
        db.run(pipeline.advance, w.staff, pid, "negotiating", D(2025, 7, 1), reason="录错了")
    assert denied.value.code == "permission.manager"
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, w.manager, pid, "negotiating", D(2025, 7, 1))
    assert err.value.code == "reason.required"
    assert _snapshot(db) == before

    row = db.run(pipeline.advance, w.manager, pid, "negotiating", D(2025, 7, 1),
                 reason="协议未生效，录入有误")
    assert (row.stage, row.signed_on, row.started_on, row.start_kind) == (
        "negotiating", None, None, None)
    assert row.signed_amount == 0
    assert all(a.voided for a in db.read(pipeline.agreements, pid))
    assert all(s.voided for s in db.read(pipeline.starts, pid))
    last = _history(db, pid)[-1]
    assert (last.from_stage, last.to_stage, last.correction, last.user) == (
        "started", "negotiating", True, "周建明")
    figures = _figures(db)
    assert (figures.signed, figures.started, figures.signed_amount) == (0, 0, 0)


def test_moving_back_from_started_to_signed_keeps_the_signing(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    start(db, pid, D(2025, 4, 6))
    row = db.run(pipeline.advance, w.manager, pid, "signed", D(2025, 7, 1), reason="开工未确认")
    assert (row.stage, row.signed_on, row.started_on) == ("signed", D(2025, 3, 5), None)
    assert (_figures(db).signed, _figures(db).started) == (1, 0)


def test_skipping_from_lead_to_started_sets_every_milestone(db: Database, w: World) -> None:
    pid = project(db, w, "翼鸟智能", lead_on=D(2025, 1, 5))
    before = _snapshot(db)
    with pytest.raises(ValidationError) as err:  # the signing's data is missing
        db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 8, 18),
               start=StartInput(D(2025, 8, 18)))
    assert err.value.code == "agreement.required"
    with pytest.raises(ValidationError) as err:  # the start's data is missing
        db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 8, 18),
               agreement=AgreementInput(EVENT_DAY, Decimal(120000), event_id=w.event))
    assert err.value.code == "start.required"
    assert _snapshot(db) == before

    row = db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 8, 18),
                 agreement=AgreementInput(EVENT_DAY, Decimal(120000), event_id=w.event),
                 start=StartInput(D(2025, 8, 18), "开工"))
    assert (row.stage, row.lead_on, row.negotiating_on, row.signed_on, row.started_on,
            row.start_kind, row.signing_event_id) == (
        "started", D(2025, 1, 5), EVENT_DAY, EVENT_DAY, D(2025, 8, 18), "开工", w.event)
    assert row.signed_amount == Decimal(120000)
    assert [(h.from_stage, h.to_stage) for h in _history(db, pid)[1:]] == [("lead", "started")]
    figures = _figures(db)
    assert (figures.signed, figures.started, figures.signed_amount_yi) == (1, 1, "12.00")


def test_skip_refuses_a_start_before_the_signing(db: Database, w: World) -> None:
    pid = project(db, w, "翼鸟智能")
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 5, 1),
               agreement=AgreementInput(EVENT_DAY, Decimal(1)), start=StartInput(D(2025, 5, 1)))
    assert err.value.code == "start.before_signing"
    assert count(db, Agreement) == 0


def test_producing_not_before_the_start(db: Database, w: World) -> None:
    pid = project(db, w, "翼鸟智能")
    sign(db, pid, D(2025, 3, 5), "100")
    start(db, pid, D(2025, 4, 6))
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.advance, SYSTEM, pid, "producing", D(2025, 4, 5))
    assert err.value.code == "producing.before_start"


def test_restoring_a_dropped_project(db: Database, w: World) -> None:
    pid = project(db, w, "绿源再生")
    sign(db, pid, D(2025, 1, 22), "12000")
    db.run(pipeline.drop, w.staff, pid, D(2025, 10, 15), "企业调整投资计划")
    assert _figures(db).signed == 1  # dropped later still counts as signed
    with pytest.raises(PermissionDenied):
        db.run(pipeline.advance, w.staff, pid, "signed", D(2025, 11, 1), reason="恢复")
    with pytest.raises(ValidationError) as err:  # cannot restore beyond what was reached
        db.run(pipeline.advance, w.manager, pid, "started", D(2025, 11, 1), reason="恢复",
               start=StartInput(D(2025, 11, 1)))
    assert err.value.code == "stage.restore_too_far"
    row = db.run(pipeline.advance, w.manager, pid, "signed", D(2025, 11, 1), reason="企业重启项目")
    assert (row.stage, row.dropped_on, row.drop_reason, row.signed_on) == (
        "signed", None, "", D(2025, 1, 22))
    last = _history(db, pid)[-1]
    assert (last.from_stage, last.to_stage, last.correction) == ("dropped", "signed", True)


def test_staff_change_only_their_own_projects(db: Database, w: World) -> None:
    mine = project(db, w, "我的项目", owner=w.staff)
    theirs = project(db, w, "别人的项目", owner=w.other_staff)
    before = _snapshot(db)
    with pytest.raises(PermissionDenied) as denied:
        db.run(pipeline.advance, w.staff, theirs, "negotiating", D(2025, 2, 1))
    assert denied.value.code == "permission.owner"
    with pytest.raises(PermissionDenied):
        row = db.read(projects.get_project, theirs)
        db.run(projects.update_project, w.staff, theirs, row.to_input(note="改"))
    with pytest.raises(PermissionDenied):
        db.run(pipeline.add_funding, w.staff, theirs, D(2025, 2, 1), Decimal(1))
    with pytest.raises(PermissionDenied):  # nor hand their own to someone else
        row = db.read(projects.get_project, mine)
        db.run(projects.update_project, w.staff, mine, row.to_input(owner_id=w.other_staff.user_id))
    with pytest.raises(PermissionDenied):
        db.run(projects.create_project, w.staff, projects.ProjectInput(
            "替人建的项目", w.company, owner_id=w.other_staff.user_id))
    assert _snapshot(db) == before
    assert db.run(pipeline.advance, w.staff, mine, "negotiating", D(2025, 2, 1)).stage == \
        "negotiating"
    assert db.run(pipeline.advance, w.manager, theirs, "negotiating",
                  D(2025, 2, 1)).stage == "negotiating"


def test_stale_version_is_a_conflict_and_changes_nothing(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    seen = db.read(projects.get_project, pid)
    db.run(projects.update_project, w.manager, pid, seen.to_input(note="经理先改"),
           expected_version=seen.version)
    before = _snapshot(db)
    with pytest.raises(ConflictError) as err:
        db.run(projects.update_project, w.staff, pid, seen.to_input(note="专员后改"),
               expected_version=seen.version)
    assert err.value.code == "project.conflict"
    with pytest.raises(ConflictError):
        db.run(pipeline.advance, w.staff, pid, "negotiating", D(2025, 2, 1),
               expected_version=seen.version)
    assert _snapshot(db) == before
    now = db.read(projects.get_project, pid)
    assert (now.note, now.stage, now.version) == ("经理先改", "lead", seen.version + 1)


def test_unknown_project_is_not_found(db: Database, w: World) -> None:
    with pytest.raises(NotFoundError) as err:
        db.run(pipeline.advance, SYSTEM, 999999, "negotiating", D(2025, 2, 1))
    assert err.value.code == "projects.missing"
    with pytest.raises(NotFoundError) as by_name:
        db.read(projects.find_project, "没有这个项目")
    # the message a user reads names what they typed, never 编号 None
    assert str(by_name.value) == "找不到项目“没有这个项目”：请写项目编号或完整名称"


def test_deleted_project_cannot_move_and_can_be_restored(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    with pytest.raises(PermissionDenied):
        db.run(projects.delete_project, w.staff, pid)
    db.run(projects.delete_project, w.manager, pid)
    assert _figures(db).signed == 0
    with pytest.raises(ValidationError) as err:
        start(db, pid, D(2025, 4, 1))
    assert err.value.code == "project.deleted"
    db.run(projects.restore_project, w.manager, pid)
    assert _figures(db).signed == 1


def test_further_agreements_add_up_and_the_first_date_counts(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.add_agreement, SYSTEM, pid, AgreementInput(D(2025, 3, 1), Decimal(1)))
    assert err.value.code == "agreement.not_signed"
    db.run(pipeline.advance, SYSTEM, pid, "negotiating", D(2025, 1, 10))
    sign(db, pid, D(2025, 3, 5), "0.1")
    row = db.run(pipeline.add_agreement, SYSTEM, pid,
                 AgreementInput(D(2025, 2, 1), Decimal("0.2"), kind="框架协议"))
    assert row.signed_on == D(2025, 2, 1)  # the first signing
    assert row.signed_amount == Decimal("0.3")


def test_funding_and_registration(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.add_funding, SYSTEM, pid, D(2025, 3, 1), Decimal(10))
    assert err.value.code == "funding.not_signed"
    sign(db, pid, D(2025, 3, 5), "100")
    with pytest.raises(ValidationError) as err:
        db.run(pipeline.add_funding, SYSTEM, pid, D(2025, 3, 6), Decimal(-1))
    assert err.value.code == "amount.negative"
    db.run(pipeline.add_funding, SYSTEM, pid, D(2025, 3, 6), Decimal("30.0001"), "回单")
    db.run(pipeline.add_funding, SYSTEM, pid, D(2025, 4, 6), Decimal("9.9999"))
    assert db.read(pipeline.funds_total, pid) == Decimal("40.0000")
    row = db.run(pipeline.set_registered, SYSTEM, pid, D(2025, 5, 1))
    assert row.registered_on == D(2025, 5, 1)


def test_projects_stage_index_is_consistent(db: Database, w: World) -> None:
    """The milestone columns on the project agree with the agreement and start rows."""
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    start(db, pid, D(2025, 4, 6), "开业")
    with db.uow() as uow:
        p = uow.session.get(Project, pid)
        assert p is not None
        a = uow.session.query(Agreement).filter_by(project_id=pid).one()
        s = uow.session.query(Start).filter_by(project_id=pid).one()
        assert (p.signed_on, p.started_on, p.start_kind) == (a.signed_on, s.started_on, s.kind)
