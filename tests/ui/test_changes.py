"""The seam's change notices: one broadcast per local write, saying what changed, and only the
views it concerns reload; the poll announces other processes' writes once and skips our own."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from crm.changes import EVERYTHING, Changes
from crm.db import Database
from crm.services import companies, projects, settings
from crm.services.common import SYSTEM
from ui.context import AppContext, op
from ui.pages.companies import CompaniesPage
from ui.pages.projects import ProjectsPage
from ui.pages.settings import SettingsPage


def _record(ctx: AppContext) -> list[tuple[Changes, object]]:
    seen: list[tuple[Changes, object]] = []
    ctx.operation_did_execute.connect(lambda changes, who: seen.append((changes, who)))
    return seen


def _first_project(db: Database) -> projects.ProjectRow:
    return db.read(projects.list_projects)[0]


def test_a_write_says_what_it_changed_once_and_the_poll_stays_quiet(
        qtbot: Any, ctx: AppContext, demo_db: Database, wait_idle: Callable[..., None]) -> None:
    seen = _record(ctx)
    row = _first_project(demo_db)
    initiator = object()
    ctx.write(op(projects.update_project, ctx.actor, row.id, row.to_input(note="改一下"),
                 row.version), initiator=initiator)
    wait_idle(ctx)
    assert len(seen) == 1
    changes, who = seen[0]
    assert who is initiator and not changes.everything
    assert changes.touches("projects") and changes.ids("projects") == frozenset({row.id})
    assert not changes.touches("users", "targets", "settings", "contact_logs")
    ctx._poll()  # the revision moved, but by this window's own write
    wait_idle(ctx)
    assert len(seen) == 1


def test_another_process_write_arrives_once_as_everything(
        qtbot: Any, ctx: AppContext, demo_db: Database, wait_idle: Callable[..., None]) -> None:
    seen = _record(ctx)
    other = Database(demo_db.url)
    try:
        row = _first_project(other)
        other.run(projects.update_project, SYSTEM, row.id, row.to_input(note="别的窗口"),
                  row.version)
    finally:
        other.dispose()
    ctx._poll()
    wait_idle(ctx)
    ctx._poll()
    wait_idle(ctx)
    assert seen == [(EVERYTHING, None)]


def test_only_the_views_a_change_concerns_reload(
        qtbot: Any, ctx: AppContext, demo_db: Database, wait_idle: Callable[..., None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    reloads: dict[str, int] = {"projects": 0, "companies": 0, "settings": 0}

    def counting(name: str, original: Callable[[Any], None]) -> Callable[[Any], None]:
        def reload(self: Any) -> None:
            reloads[name] += 1
            original(self)
        return reload
    monkeypatch.setattr(ProjectsPage, "reload", counting("projects", ProjectsPage.reload))
    monkeypatch.setattr(CompaniesPage, "reload", counting("companies", CompaniesPage.reload))
    monkeypatch.setattr(SettingsPage, "reload", counting("settings", SettingsPage.reload))
    pages = [ProjectsPage(ctx), CompaniesPage(ctx), SettingsPage(ctx)]
    for page in pages:
        qtbot.addWidget(page)
    wait_idle(ctx)
    before = dict(reloads)

    row = _first_project(demo_db)  # a project's note: the project list and the companies
    ctx.write(op(projects.update_project, ctx.actor, row.id, row.to_input(note="只改项目"),
                 row.version))
    wait_idle(ctx)
    assert reloads["projects"] == before["projects"] + 1
    assert reloads["companies"] == before["companies"] + 1  # it lists each company's projects
    assert reloads["settings"] == before["settings"]

    before = dict(reloads)  # a yearly target: only 设置 shows it
    ctx.write(op(settings.set_target, ctx.actor, 2026, "signed_count", Decimal(40)))
    wait_idle(ctx)
    assert reloads == {**before, "settings": before["settings"] + 1}

    before = dict(reloads)  # a company's contact: the companies page only
    company = demo_db.read(companies.list_companies)[0]
    ctx.write(op(companies.add_contact, ctx.actor, company.id, companies.ContactInput("周敏")))
    wait_idle(ctx)
    assert reloads == {**before, "companies": before["companies"] + 1}


def test_only_the_newest_answer_is_shown(qtbot: Any, ctx: AppContext,
                                         wait_idle: Callable[..., None]) -> None:
    """A view asked again while an older read was still under way: the older, slower answer
    arriving last must not replace the newer one (ui.context.Latest)."""
    import time

    from ui.context import Latest

    shown: list[str] = []
    latest = Latest(ctx)

    def slow(_uow: object) -> str:
        time.sleep(0.3)
        return "old"
    latest.read(slow, shown.append)
    latest.read(lambda _uow: "new", shown.append)
    wait_idle(ctx)
    assert shown == ["new"]
    latest.read(slow, shown.append)
    latest.forget()  # e.g. the project shown was deselected
    wait_idle(ctx)
    assert shown == ["new"]
