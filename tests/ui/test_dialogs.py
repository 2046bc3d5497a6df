"""Forms validate as the user types, show the core's message beside the field, save once."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QWidget

from crm.services import companies, contacts, projects
from crm.uscc import make_uscc
from ui.dialogs.company_dialog import CompanyDialog
from ui.dialogs.event_dialog import EventDialog
from ui.dialogs.log_dialog import LogDialog, log_contact
from ui.dialogs.project_dialog import ProjectDialog, new_project


def test_shell_entry_points_open_without_blocking(qtbot, ctx):
    parent = QWidget()
    qtbot.addWidget(parent)
    assert new_project(ctx, parent) is None
    pid = ctx.db.read(lambda uow: projects.list_projects(uow)[0].id)
    assert log_contact(ctx, parent, project_id=pid) is None
    dialogs = parent.findChildren(ProjectDialog) + parent.findChildren(LogDialog)
    assert len(dialogs) == 2
    log = parent.findChildren(LogDialog)[0]
    assert log.project.value() == pid
    for d in dialogs:
        d.reject()


def test_log_dialog_saves_one_contact_with_follow_up(qtbot, ctx, wait_idle):
    row = ctx.db.read(lambda uow: projects.list_projects(uow)[5])
    before = len(ctx.db.read(lambda uow: contacts.list_logs(uow, project_id=row.id)))
    dialog = LogDialog(ctx, row.id)
    qtbot.addWidget(dialog)
    dialog.accept()
    wait_idle(ctx)
    assert "接洽内容" in dialog.form.error_text("content")
    dialog.mode.set_value("电话")
    dialog.content.setPlainText("电话沟通用地指标")
    assert dialog.form.error_text("content") == ""  # cleared as the user types
    dialog.follow_up.set_value(dt.date.today() - dt.timedelta(days=30))
    dialog.logged_on.set_value(dt.date.today())
    assert "不能早于" in dialog.form.error_text("follow_up_on")
    dialog.follow_up.set_value(dt.date.today() + dt.timedelta(days=7))
    dialog.next_step.setText("发送项目建议书")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.form.error_text()
    logs = ctx.db.read(lambda uow: contacts.list_logs(uow, project_id=row.id))
    assert len(logs) == before + 1
    assert logs[0].mode == "电话" and logs[0].follow_up_on == dt.date.today() + dt.timedelta(7)


def test_log_dialog_needs_a_project_or_company(qtbot, ctx, wait_idle):
    dialog = LogDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.content.setPlainText("随访")
    dialog.accept()
    wait_idle(ctx)
    assert "项目或企业" in dialog.form.error_text("project_id")


def test_company_dialog_checks_uscc_as_typed(qtbot, ctx, wait_idle):
    count = len(ctx.db.read(companies.list_companies))
    dialog = CompanyDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.line_name.setText("武汉青山氢能科技有限公司")
    good = make_uscc("91420107MA4K0T2X8")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    dialog.uscc.setText(bad)
    assert "校验位" in dialog.form.error_text("uscc")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert len(ctx.db.read(companies.list_companies)) == count
    dialog.uscc.setText(good.lower())
    assert dialog.form.error_text("uscc") == ""
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.saved.uscc == good


def test_company_duplicate_uscc_shows_beside_field(qtbot, ctx, wait_idle):
    existing = next(c for c in ctx.db.read(companies.list_companies) if c.uscc)
    dialog = CompanyDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.line_name.setText("另一家公司")
    dialog.uscc.setText(existing.uscc)
    dialog.accept()
    wait_idle(ctx)
    assert existing.name in dialog.form.error_text("uscc")


def test_project_dialog_requires_company_and_ambassador(qtbot, ctx, wait_idle):
    dialog = ProjectDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.name.setText("测试项目")
    dialog.accept()
    wait_idle(ctx)
    assert "企业" in dialog.form.error_text("company_id")
    dialog.source.set_value("ambassador")
    assert "大使" in dialog.form.error_text("ambassador_id")
    dialog.ambassador.setCurrentIndex(1)
    assert dialog.form.error_text("ambassador_id") == ""
    dialog.planned.setText("abc")
    assert dialog.form.error_text("planned_investment")
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Save).isEnabled()


def test_company_picker_finds_by_pinyin_initials(qtbot, ctx, wait_idle):
    dialog = ProjectDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.company.line.setText("syhg")
    dialog.company.refresh()  # off the GUI thread: nothing yet
    assert dialog.company._choices == []
    wait_idle(ctx)
    assert any("石油化工" in label for _id, label in dialog.company._choices)


def test_company_picker_drops_an_answer_to_older_text(qtbot, ctx, wait_idle):
    dialog = ProjectDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.company.line.setText("syhg")
    dialog.company.refresh()
    dialog.company.line.setText("zzzz-无此企业")  # typed on before the first answer came
    dialog.company.refresh()
    wait_idle(ctx)
    assert dialog.company._choices == []
    assert dialog.company.model.stringList() == []


def test_event_dialog_saves_event(qtbot, ctx, wait_idle):
    dialog = EventDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.name.setText("生物医药专题招商会")
    dialog.city.setText("苏州")
    dialog.held_on.set_value(dt.date(2025, 10, 16))
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.form.error_text()
    assert dialog.saved.signings == 0
