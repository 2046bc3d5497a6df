"""记一笔: log a contact (visit, call, meeting …) and plan the next follow-up, from anywhere."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from crm.errors import ValidationError
from crm.services import contacts
from crm.services.contacts import LogInput
from crm.services.projects import get_project
from crm.views.projects import company_choices, project_choices
from ui.context import AppContext, Op, op
from ui.forms import Choice, DateEdit, FormDialog, SearchPicker


class LogDialog(FormDialog):
    """One contact log; the project (or, without one, the company) is picked by typing."""

    aliases = {"company_id": "project_id"}

    def __init__(self, ctx: AppContext, project_id: int | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("记一笔接洽"), parent)
        self.setMinimumWidth(520)
        f = self.form
        self.logged_on = f.add("logged_on", self.tr("接洽日期"), DateEdit(self, value=ctx.today()),
                               required=True)
        self.mode = f.add("mode", self.tr("方式"), Choice(self, [(m, m) for m in contacts.MODES]))
        self.project = f.add("project_id", self.tr("项目"), SearchPicker(
            ctx, project_choices, self, self.tr("输入项目、企业名称或拼音首字母")))
        self.company = f.add("company_id_only", self.tr("或企业"), SearchPicker(
            ctx, company_choices, self, self.tr("没有具体项目时选择企业")))
        self.participants = f.add("participants", self.tr("参与人"), QLineEdit(self))
        self.content = f.add("content", self.tr("接洽内容"), QPlainTextEdit(self), required=True)
        self.content.setFixedHeight(90)
        self.next_step = f.add("next_step", self.tr("下一步"), QLineEdit(self))
        self.follow_up = f.add("follow_up_on", self.tr("下次跟进"), DateEdit(self, optional=True))
        self.live("content", self._check_content, self.content.textChanged)
        self.live("follow_up_on", self._check_follow_up, self.follow_up.dateChanged,
                  self.logged_on.dateChanged)
        self.live("logged_on", self._check_logged_on, self.logged_on.dateChanged)
        self.project.picked.connect(lambda _v: self.form.clear_error("project_id"))
        self.company.picked.connect(lambda _v: self.form.clear_error("project_id"))
        if project_id is not None:
            self.project.set_value(project_id, "…")  # its name follows, read off the GUI thread
            self.load(op(get_project, project_id), lambda row: self.project.set_value(
                row.id, f"{row.name}（{row.company}）"))

    def _check_content(self) -> None:
        if not self.content.toPlainText().strip():
            raise ValidationError(self.tr("请填写接洽内容"), field="content")

    def _check_logged_on(self) -> None:
        day = self.logged_on.value()
        if day is not None and day > dt.date.today():
            raise ValidationError(self.tr("接洽日期不能晚于今天"), field="logged_on")

    def _check_follow_up(self) -> None:
        follow, day = self.follow_up.value(), self.logged_on.value()
        if follow is not None and day is not None and follow < day:
            raise ValidationError(self.tr("下次跟进日期不能早于接洽日期"), field="follow_up_on")

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = LogInput(logged_on=self.logged_on.value() or self.ctx.today(),
                        mode=self.mode.value(), content=self.content.toPlainText(),
                        project_id=self.project.value(), company_id=self.company.value(),
                        participants=self.participants.text(), next_step=self.next_step.text(),
                        follow_up_on=self.follow_up.value())
        return lambda uow: contacts.add_log(uow, actor, data)


def log_contact(ctx: AppContext, parent: QWidget | None = None, project_id: int | None = None) -> None:
    """Open 记一笔 (Ctrl+L), optionally for a project; it saves on its own and closes."""
    dialog = LogDialog(ctx, project_id, parent)
    dialog.open()
