"""The role × action matrix of crm.permissions, proved for every mutating service function.

The suite finds every public function of ``crm.services`` that takes ``(uow, actor, …)`` and
fails when one has no rule in ``crm.permissions.RULES`` or no case (tests/unit/permission_cases.py).
Each case calls the function on another staff member's records; the outcome for each kind of
account must be what the rule says: refused with PermissionDenied (and nothing written), or let
through.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import crm.services
from crm import permissions
from crm.db import Database
from crm.errors import CrmError, PermissionDenied
from crm.models import AuditEntry, Company, Contact, Project
from crm.permissions import RULES, Rule
from crm.services import companies, projects, users
from crm.services.common import Actor
from tests.unit.permission_cases import Call, World, build_world, cases

D = dt.date
# take (uow, actor) but write nothing of their own: helpers and a permission question
NOT_MUTATING = {"common.audit",
                # a step of pipeline.advance's drop (its space goes back): the drop's rule
                "carriers.release_for_drop",
                # reads that take the actor to say what it may do (the table decides)
                "pipeline.moves",
                # the 提醒 a person sees: their own, a manager everyone's (a read)
                "alerts.alerts_for",
                # steps of companies.create_company / update_company and of
                # duplicates.dismiss_pair, under their rules
                "company_check.check_new_name", "company_check.remember_distinct",
                "company_check.remember"}


def mutating_functions() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(crm.services.__path__):
        module = importlib.import_module(f"crm.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["uow", "actor"]:
                found.add(f"{info.name}.{name}")
    return found - NOT_MUTATING


@pytest.fixture
def world(sqlite_db: Database) -> World:
    return build_world(sqlite_db)


@pytest.fixture(scope="module")
def shared(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Database, World]]:
    """One world for the whole matrix: every call there is rolled back."""
    path = tmp_path_factory.mktemp("matrix") / "crm.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db, build_world(db)
    db.dispose()


def expected(rule: Rule, who: str) -> bool:
    """Whether account ``who`` passes ``rule`` on 王芳's records."""
    if who == "retired":
        return False
    if who == "admin":
        return True
    if who == "manager":
        return rule is not Rule.ADMIN and rule is not Rule.SELF
    if rule is Rule.ANYONE:
        return True
    if rule in (Rule.OWN_PROJECT, Rule.OWN_COMPANY, Rule.OWN_LOG, Rule.SELF):
        return who == "owner"
    return False


def test_every_mutating_function_has_a_rule_and_a_case(world: World, tmp_path: Path) -> None:
    functions = mutating_functions()
    assert functions - set(RULES) == set(), "mutating functions without a permission rule"
    listed = set(cases(world, tmp_path))
    assert functions - listed == set(), "mutating functions without a case in permission_cases"
    assert set(RULES) - listed - OUTSIDE_SERVICES == set()


ACCOUNTS = ("admin", "manager", "owner", "other", "retired")
# checked by functions outside crm.services, each proved by a test of its own
OUTSIDE_SERVICES = {"excel.import_ledger", "backup.restore", "excel.import_targets"}


def _outcome(db: Database, actor: Actor, call: Call) -> str:
    with db.uow() as uow:
        audit_before = uow.session.scalar(select(func.count()).select_from(AuditEntry))
        try:
            call(uow, actor)
        except PermissionDenied as exc:
            uow.session.flush()
            after = uow.session.scalar(select(func.count()).select_from(AuditEntry))
            assert after == audit_before, "a refused action left an audit entry"
            return f"denied: {exc.message}"
        except CrmError as exc:  # let through, then refused for another reason
            return f"allowed ({exc.code})"
        finally:
            uow.rollback()
    return "allowed"


@pytest.mark.parametrize("action", sorted(a for a in RULES if a not in OUTSIDE_SERVICES))
def test_matrix(shared: tuple[Database, World], tmp_path: Path, action: str) -> None:
    db, world = shared
    call = cases(world, tmp_path)[action]
    rule = RULES[action].rule
    for who in ACCOUNTS:
        outcome = _outcome(db, getattr(world, who), call)
        want = expected(rule, who)
        assert outcome.startswith("allowed") == want, f"{action} as {who}: {outcome}"
        if not want:
            assert "denied: " in outcome and len(outcome) > len("denied: ") + 4


def test_staff_cannot_change_a_company_whose_projects_are_anothers(
        sqlite_db: Database, world: World) -> None:
    """The defect as found: 李晓明 renamed 王芳's company, cleared its USCC, removed its contact."""
    with pytest.raises(PermissionDenied, match="王芳"):
        sqlite_db.run(companies.update_company, world.other, world.company,
                      companies.CompanyInput("改名了"))
    with pytest.raises(PermissionDenied):
        sqlite_db.run(companies.remove_contact, world.other, world.contact)
    with sqlite_db.uow() as uow:
        company = uow.session.get(Company, world.company)
        assert company is not None and company.name == "上海际数科技有限公司"
        assert uow.session.get(Contact, world.contact) is not None


def test_staff_may_edit_a_company_they_created_without_projects(
        sqlite_db: Database, world: World) -> None:
    made = sqlite_db.run(companies.create_company, world.other, companies.CompanyInput("李的新企业"))
    row = sqlite_db.run(companies.update_company, world.other, made.id,
                        companies.CompanyInput("李的新企业（武汉）"))
    assert row.name == "李的新企业（武汉）"
    with pytest.raises(PermissionDenied, match="不是您创建的"):
        sqlite_db.run(companies.update_company, world.owner, made.id,
                      companies.CompanyInput("王改李的"))


def test_an_account_deactivated_while_signed_in_can_no_longer_act(
        sqlite_db: Database, world: World) -> None:
    sqlite_db.run(users.set_role, world.admin, world.owner.user_id or 0, "staff", False)
    with pytest.raises(PermissionDenied, match="停用"):
        sqlite_db.run(projects.update_project, world.owner, world.project, projects.ProjectInput(
            "际数科技华中总部", world.company, lead_on=D(2025, 1, 5), note="停用后",
            owner_id=world.owner.user_id))
    with sqlite_db.uow() as uow:
        project = uow.session.get(Project, world.project)
        assert project is not None and project.note == ""


def test_a_demoted_manager_acts_as_staff_at_once(sqlite_db: Database, world: World) -> None:
    sqlite_db.run(users.set_role, world.admin, world.manager.user_id or 0, "staff", True)
    with pytest.raises(PermissionDenied, match="只有管理者"):
        sqlite_db.run(projects.delete_project, world.manager, world.project)


def test_readme_prints_the_matrix() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert permissions.matrix_markdown() in readme, \
        "README's permission table differs from crm.permissions (paste matrix_markdown())"


def test_import_and_restore_check_their_rules(sqlite_db: Database, world: World,
                                              tmp_path: Path) -> None:
    """The two actions outside crm.services: a ledger import (managers) and a restore (admins)."""
    from crm.excel.importer import import_ledger
    from crm.restore import restore

    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(b"not read: refused before the file is opened")
    for who in (world.owner, world.other, world.retired):
        with pytest.raises(PermissionDenied, match=r"管理者|停用"):
            import_ledger(sqlite_db, who, ledger)
    for who in (world.manager, world.owner):
        with pytest.raises(PermissionDenied, match="管理员"):
            restore(sqlite_db, ledger, who)
