"""变更记录 on the project and company detail, 审计日志 in 设置: a change shows once it is made."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QTabWidget

from crm.services import companies, projects, users
from crm.services.companies import ContactInput
from crm.services.projects import ProjectQuery
from ui.context import AppContext, op
from ui.pages.companies import CompaniesPage
from ui.pages.history import AuditLogTab
from ui.pages.project_detail import ProjectDetail
from ui.pages.settings import SettingsPage


def cells(model: Any, row: int) -> list[str]:
    return [model.index(row, c).data() for c in range(model.columnCount())]


def test_project_changes_tab_shows_an_edit_once_saved(
        qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    row = ctx.db.read(lambda uow: projects.list_projects(uow, ProjectQuery())[0])
    detail = ProjectDetail(ctx)
    qtbot.addWidget(detail)
    detail.show_project(row.id)
    wait_idle(ctx)
    tabs = detail.findChild(QTabWidget, "detail-tabs")
    assert tabs is not None and tabs.tabText(tabs.indexOf(detail.changes)) == "变更记录"
    before = detail.changes.model.rowCount()

    old = row.planned_investment
    ctx.write(op(projects.update_project, ctx.actor, row.id,
                 row.to_input(planned_investment=(old or Decimal(0)) + 1000), row.version),
              done=lambda _r: detail.reload())
    wait_idle(ctx)

    model = detail.changes.model
    assert model.rowCount() == before + 1
    _time, person, action, what = cells(model, 0)
    assert (person, action) == ("周建明", "修改")
    old_text = "" if old is None else f"{old:.2f}"
    assert f"计划总投资：{old_text} → {(old or 0) + 1000:.2f} 万元" in what.splitlines()
    assert detail.changes.objectName() == "project-changes"


def test_company_changes_tab_follows_a_new_contact_live(
        qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    page = CompaniesPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    company = page.details.company  # type: ignore[union-attr]
    ctx.write(op(companies.add_contact, ctx.actor, company.id,
                 ContactInput(name="周敏", title="董事长助理")))
    wait_idle(ctx)  # the write's change signal reloads the shown company
    wait_idle(ctx)
    # the 变更记录 tab holds the history (with the merge's 撤销合并 beside it)
    assert page.tabs.tabText(page.tabs.indexOf(page.changes.parentWidget())) == "变更记录"
    top = cells(page.changes.model, 0)
    assert top[1:3] == ["周建明", "新增联系人"]
    assert top[3].splitlines() == ["联系人：周敏", "职务：董事长助理"]


def test_settings_audit_log_filters_by_person(qtbot: Any, ctx: AppContext,
                                              wait_idle: Any) -> None:
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    wait_idle(ctx)
    tabs = page.findChild(QTabWidget, "settings-tabs")
    assert tabs is not None and tabs.tabText(tabs.indexOf(page.audit_log)) == "审计日志"
    log: AuditLogTab = page.audit_log
    row = ctx.db.read(lambda uow: projects.list_projects(uow, ProjectQuery())[0])
    ctx.write(op(projects.update_project, ctx.actor, row.id, row.to_input(note="审计日志测试"),
                 row.version))
    wait_idle(ctx)
    wait_idle(ctx)
    assert log.area.table.objectName() == "audit-log"
    top = cells(log.model, 0)
    assert top[1:4] == ["周建明", "修改", f"项目 {row.name}"]
    assert "备注：" in top[4] and "审计日志测试" in top[4]

    staff = next(i for i in range(log.person.count()) if log.person.itemText(i) == "李晓明")
    log.person.setCurrentIndex(staff)
    wait_idle(ctx)
    shown = {cells(log.model, r)[1] for r in range(log.model.rowCount())}
    assert shown == {"李晓明"}  # the demo's projects of 李晓明, entered as him
    assert log.page is not None and log.page.total >= log.model.rowCount() > 0


def test_staff_have_no_audit_log_tab(qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    staff = ctx.db.read(lambda uow: users.find_user(uow, "lixm"))
    assert staff is not None
    context = AppContext(ctx.db, staff.actor())
    try:
        page = SettingsPage(context)
        qtbot.addWidget(page)
        wait_idle(context)
        tabs = page.findChild(QTabWidget, "settings-tabs")
        assert tabs is not None
        assert "审计日志" not in [tabs.tabText(i) for i in range(tabs.count())]
    finally:
        context.stop()
