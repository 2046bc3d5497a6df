"""The audit trail: every write says who, when, and each changed field's old and new value."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.cli import main
from crm.db import Database
from crm.errors import PermissionDenied
from crm.models import AuditEntry
from crm.services import audit, companies, projects
from crm.services.audit import FieldChange, LogQuery
from crm.services.common import command_line_actor
from crm.services.companies import ContactInput
from tests.unit.builders import D, project, sign, world


def entries(db: Database) -> list[AuditEntry]:
    with db.uow() as uow:
        rows = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


def test_an_update_records_exactly_the_changed_fields(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "际数智算中心", invest=Decimal("5000"), industry=w.steel)
    before = len(entries(db))
    current = db.read(projects.get_project, pid)
    db.run(projects.update_project, w.staff, pid,
           current.to_input(planned_investment=Decimal("6000"), industry_id=w.ai,
                            note="追加二期"))
    new = entries(db)[before:]
    assert len(new) == 1
    entry = new[0]
    assert (entry.action, entry.entity, entry.entity_id) == ("update", "project", pid)
    assert (entry.user_id, entry.actor_name) == (w.staff.user_id, "李晓明")
    assert json.loads(entry.detail)["changes"] == [
        ["industry_id", "钢铁深加工", "人工智能"],  # a related record by its name
        ["planned_investment", "5000.00", "6000.00"],
        ["note", "", "追加二期"]]

    # saving the same values again changes nothing, and writes nothing
    db.run(projects.update_project, w.staff, pid, db.read(projects.get_project, pid).to_input())
    assert len(entries(db)) == before + 1


def test_history_reads_in_chinese_newest_first_with_the_actor(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "际数智算中心", invest=Decimal("5000"))
    current = db.read(projects.get_project, pid)
    db.run(projects.update_project, w.manager, pid,
           current.to_input(planned_investment=Decimal("6000"), owner_id=w.other_staff.user_id))
    sign(db, pid, D(2025, 6, 12), "5800", actor=w.manager)

    history = db.read(audit.project_history, pid)
    assert [(e.action, e.actor) for e in history] == [
        ("阶段变更", "周建明"), ("修改", "周建明"), ("新建", "周建明")]
    assert history[0].at >= history[1].at >= history[2].at
    edit = history[1]
    assert edit.changes == (FieldChange("计划总投资", "5000.00", "6000.00", "万元"),
                            FieldChange("负责人", "李晓明", "王芳"))
    assert edit.changes[0].text == "计划总投资：5000.00 → 6000.00 万元"
    signed = {c.label: (c.old, c.new) for c in history[0].changes}
    assert signed["阶段"] == ("线索", "已签约")
    assert signed["签约日期"] == ("", "2025-06-12")
    assert signed["协议金额"] == ("", "5800.00")
    assert ("项目名称", "", "际数智算中心") in [(c.label, c.old, c.new)
                                          for c in history[2].changes]


def test_a_companys_history_holds_its_contacts(db: Database) -> None:
    w = world(db)
    contact = db.run(companies.add_contact, w.manager, w.company,
                     ContactInput(name="周敏", title="董事长助理", phone="13800138000"))
    row = db.read(companies.get_company, w.company)
    db.run(companies.update_company, w.manager, w.company,
           companies.CompanyInput(row.name, row.uscc, "杭州", row.industry_id, row.note),
           row.version)
    db.run(companies.remove_contact, w.manager, contact.id)

    history = db.read(audit.company_history, w.company)
    assert [e.action for e in history] == ["删除联系人", "修改", "新增联系人", "新建"]
    assert history[0].changes[0] == FieldChange("联系人", "周敏", "")
    assert history[1].changes == (FieldChange("总部城市", "上海", "杭州"),)
    assert [c.text for c in history[2].changes] == [
        "联系人：周敏", "职务：董事长助理", "电话：13800138000"]


def test_staff_cannot_read_the_whole_log(db: Database) -> None:
    w = world(db)
    with pytest.raises(PermissionDenied) as refused:
        db.read(audit.audit_log, w.staff)
    assert "管理者" in refused.value.message
    with pytest.raises(PermissionDenied):
        db.read(audit.log_people, w.staff)
    assert db.read(audit.audit_log, w.manager).total > 0


def test_the_whole_log_by_person_date_and_record_newest_first(db: Database) -> None:
    w = world(db)
    first = project(db, w, "甲项目")  # created by the manager
    second = project(db, w, "乙项目")
    current = db.read(projects.get_project, first)
    db.run(projects.update_project, w.staff, first, current.to_input(note="第一次"))
    db.run(projects.update_project, w.staff, first,
           db.read(projects.get_project, first).to_input(note="第二次"))

    mine = db.read(audit.audit_log, w.manager, LogQuery(user_id=w.staff.user_id))
    assert mine.total == 2
    assert [e.changes[0].new for e in mine.rows] == ["第二次", "第一次"]  # newest first
    paged = db.read(audit.audit_log, w.manager, LogQuery(user_id=w.staff.user_id), 1, 1)
    assert (paged.total, [e.changes[0].new for e in paged.rows]) == (2, ["第一次"])

    today = mine.rows[0].at.date()
    assert db.read(audit.audit_log, w.manager, LogQuery(date_from=today, date_to=today)).total \
        == db.read(audit.audit_log, w.manager).total
    yesterday = today.fromordinal(today.toordinal() - 1)
    assert db.read(audit.audit_log, w.manager,
                   LogQuery(date_from=yesterday, date_to=yesterday)).total == 0
    only = db.read(audit.audit_log, w.manager, LogQuery(entity="project", entity_id=second))
    assert [e.subject for e in only.rows] == ["乙项目"]
    people = db.read(audit.log_people, w.manager)
    assert {p.name for p in people} >= {"周建明", "李晓明"}


def test_a_command_line_change_is_recorded_with_the_actors_name(
        db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    w = world(db)
    pid = project(db, w, "命令行项目")
    url = db.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "advance", str(pid), "--to", "negotiating",
                 "--date", "2025-01-10"]) == 0
    # whoever the command line acts as (the identity work makes it the OS user), the entry
    # carries that actor's name, not a blank
    cli_actor = command_line_actor()
    last = entries(db)[-1]
    assert (last.action, last.entity_id, last.user_id) == ("stage", pid, None)
    assert last.actor_name == cli_actor.name != ""
    capsys.readouterr()

    assert main(["--db", url, "audit", "--project", str(pid), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["actor"] == cli_actor.name
    assert {"field": "阶段", "old": "线索", "new": "在谈", "unit": ""} in listed[0]["changes"]
    assert main(["--db", url, "audit", "--user", cli_actor.name]) == 0
    assert "阶段：线索 → 在谈" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--from", "2025-13-01"], ["--project", "甲"],
                                  ["--user", "没有这个人"], ["--from", "2025-06-02",
                                                             "--to", "2025-06-01"]])
def test_audit_bad_input_is_one_chinese_line(db: Database, capsys: pytest.CaptureFixture[str],
                                             argv: list[str]) -> None:
    world(db)
    url = db.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "audit", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("错误：")
