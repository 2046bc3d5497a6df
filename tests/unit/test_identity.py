"""Who acts: logins unique ignoring case, ``--user`` exact, inactive accounts, people without a
login, and command-line changes traced to the operating-system user (issue: identity)."""

from __future__ import annotations

import datetime as dt
import getpass
import io
import json

import pytest
from sqlalchemy import select

from crm.cli import main
from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.models import AuditEntry, Project
from crm.services import users
from crm.services.common import SYSTEM

TODAY = dt.date.today().isoformat()  # a move dated today is after any lead date in the demo


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _stage(db: Database, name: str) -> str:
    with db.uow() as uow:
        project = uow.session.scalar(select(Project).where(Project.name == name))
        assert project is not None
        return project.stage


def test_user_add_refuses_a_login_that_differs_only_in_case(
        demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", demo_db.url, "user", "add", "ADMIN", "--role", "admin",
                       "--name", "冒名", "--password", "secret12")
    assert code == 2 and "已存在" in err and "admin" in err and err.count("\n") == 1
    assert [u.login for u in demo_db.read(users.list_users, True)].count("admin") == 1
    assert "ADMIN" not in [u.login for u in demo_db.read(users.list_users, True)]


def test_user_add_without_a_password_is_refused(
        demo_db: Database, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    code, _, err = run(capsys, "--db", demo_db.url, "user", "add", "nopass", "--role", "staff")
    assert code == 2 and "密码" in err
    assert "nopass" not in [u.login for u in demo_db.read(users.list_users, True)]


def test_dash_user_matches_the_login_exactly(demo_db: Database,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(run(capsys, "--db", demo_db.url, "projects", "--stage", "lead",
                          "--json")[1])
    target = rows[0]
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(target["id"]), "--to",
                       "negotiating", "--date", TODAY, "--user", "ADMIN")
    assert code == 2 and "找不到登录名为“ADMIN”的用户" in err and "admin" in err
    assert _stage(demo_db, target["name"]) == "lead"
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(target["id"]), "--to",
                       "negotiating", "--date", TODAY, "--user", "周建明")
    assert code == 2 and "找不到" in err  # a display name is not a login
    assert _stage(demo_db, target["name"]) == "lead"


def test_an_inactive_account_cannot_act_through_dash_user(
        demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    zhou = next(u for u in demo_db.read(users.list_users, True) if u.login == "zhoujm")
    demo_db.run(users.set_role, SYSTEM, zhou.id, zhou.role, False)
    rows = json.loads(run(capsys, "--db", demo_db.url, "projects", "--stage", "lead",
                          "--json")[1])
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(rows[0]["id"]), "--to",
                       "negotiating", "--date", TODAY, "--user", "zhoujm")
    assert code == 2 and "已停用" in err
    assert _stage(demo_db, rows[0]["name"]) == "lead"
    with pytest.raises(PermissionDenied):
        demo_db.read(users.authenticate, "zhoujm", "demo1234")


def test_a_command_line_change_is_recorded_under_the_os_user(
        demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(run(capsys, "--db", demo_db.url, "projects", "--stage", "lead",
                          "--json")[1])
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(rows[0]["id"]), "--to",
                       "negotiating", "--date", TODAY)
    assert code == 0, err
    with demo_db.uow() as uow:
        entry = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.entity_id == rows[0]["id"]
        assert entry.actor_name == f"{getpass.getuser()}（命令行）"
        assert entry.actor_name != "系统"
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(rows[1]["id"]), "--to",
                       "negotiating", "--date", TODAY, "--user", "zhoujm")
    assert code == 0, err
    with demo_db.uow() as uow:
        entry = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.actor_name == "周建明"


def test_sign_in_ignores_case_because_logins_are_unique_ignoring_it(demo_db: Database) -> None:
    assert demo_db.read(users.authenticate, "ZhouJM", "demo1234").display_name == "周建明"


def test_a_person_without_a_login_until_an_admin_grants_one(
        sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    person = sqlite_db.run(users.create_person, SYSTEM, "周敏")
    assert person.login is None and not person.can_sign_in and person.login_text == "未开通登录"
    with pytest.raises(ValidationError, match="周敏"):  # one name, one active person
        sqlite_db.run(users.create_person, SYSTEM, "周敏")
    with pytest.raises(ValidationError, match="开通登录"):
        sqlite_db.run(users.set_password, SYSTEM, person.id, "secret12")
    code, out, err = run(capsys, "--db", sqlite_db.url, "user", "list")
    assert "未开通登录" in out and "周敏" in out
    code, out, err = run(capsys, "--db", sqlite_db.url, "user", "grant", "周敏", "--login",
                         "zhoumin", "--password", "secret12")
    assert code == 0 and "zhoumin" in out, err
    assert sqlite_db.read(users.authenticate, "zhoumin", "secret12").id == person.id
    code, _, err = run(capsys, "--db", sqlite_db.url, "user", "grant", "周敏", "--login",
                       "other", "--password", "secret12")
    assert code == 2 and "已有登录名" in err


def test_display_names_are_unique_among_active_accounts(sqlite_db: Database) -> None:
    a = sqlite_db.run(users.create_user, SYSTEM, "wang1", "staff", display_name="王芳",
                      password="secret12")
    with pytest.raises(ValidationError, match="王芳"):
        sqlite_db.run(users.create_user, SYSTEM, "wang2", "staff", display_name="王芳",
                      password="secret12")
    sqlite_db.run(users.set_role, SYSTEM, a.id, "staff", False)  # she left; a new 王芳 joins
    b = sqlite_db.run(users.create_user, SYSTEM, "wang2", "staff", display_name="王芳",
                      password="secret12")
    with pytest.raises(ValidationError, match="王芳"):  # two active 王芳 again: refused
        sqlite_db.run(users.set_role, SYSTEM, a.id, "staff", True)
    assert b.active
