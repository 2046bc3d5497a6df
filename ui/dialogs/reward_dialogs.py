"""Rewards for 招商大使 and 引荐人: the year's rules (admin) and a project's 引荐 registration
(managers). The numbers are checked in crm.services.rewards."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from crm.errors import ValidationError
from crm.services import rewards
from crm.services.rewards import ROLES, RuleRow
from crm.views.projects import project_choices
from ui.context import AppContext, Op
from ui.forms import AmountEdit, DateEdit, FormDialog, SearchPicker


class RewardRuleDialog(FormDialog):
    """One role's rule for a year: ‰ of the 固投 received, cap per project, cap per person."""

    aliases = {"year": "permille", "role": "permille"}

    def __init__(self, ctx: AppContext, year: int, role: str, current: RuleRow | None,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("{year} 年{who}奖励规则").format(
            year=year, who=self.tr(ROLES[role])), parent)
        self.setObjectName("reward-rule-dialog")
        self.year, self.role = year, role
        f = self.form
        self.permille = f.add("permille", self.tr("按实际到位固投的（‰）"), QLineEdit(self),
                              required=True)
        self.per_project = f.add("cap_per_project", self.tr("单个项目最高"),
                                 AmountEdit(self, field="cap_per_project"))
        self.per_person = f.add("cap_per_person", self.tr("每人每年最高"),
                                AmountEdit(self, field="cap_per_person"))
        if current is not None:
            self.permille.setText(format(current.permille.normalize(), "f"))
            self.per_project.set_value(current.cap_per_project)
            self.per_person.set_value(current.cap_per_person)

    def collect(self) -> Op:
        actor, year, role = self.ctx.actor, self.year, self.role
        permille = rewards.parse_permille(self.permille.text())
        per_project, per_person = self.per_project.value(), self.per_person.value()
        return lambda uow: rewards.save_reward_rule(uow, actor, year, role, permille, per_project,
                                                    per_person)


class ReferrerDialog(FormDialog):
    """登记引荐: who introduced a project and when the bureau registered it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("登记引荐人"), parent)
        self.setObjectName("referrer-dialog")
        f = self.form
        self.project = f.add("project_id", self.tr("项目"), SearchPicker(
            ctx, project_choices, self, self.tr("项目名、企业名或拼音首字母")), required=True)
        self.referrer = f.add("referrer", self.tr("引荐人"), QLineEdit(self), required=True)
        self.on = f.add("referrer_registered_on", self.tr("登记日期"), DateEdit(self))

    def collect(self) -> Op:
        actor, project_id = self.ctx.actor, self.project.value()
        if project_id is None:
            raise ValidationError(self.tr("请选择项目"), code="project.required",
                                  field="project_id")
        name, on = self.referrer.text(), self.on.value()
        return lambda uow: rewards.register_referrer(uow, actor, project_id, name, on)
