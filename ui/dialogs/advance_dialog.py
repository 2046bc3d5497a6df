"""推进阶段 / 终止 / 回退(更正): one dialog asks for what the move needs, then one write.

Reaching 已签约 asks for the agreement (kind, date, amount, optional event); reaching 已开工
asks for the date and kind (开工/开业); a skip asks for each skipped milestone; 终止 and any move
back ask for a reason. The rules themselves live in :func:`crm.services.pipeline.advance`.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from crm import stages
from crm.errors import CrmError, ValidationError
from crm.services import events, pipeline
from crm.services.pipeline import AgreementInput, StartInput
from crm.services.projects import ProjectRow
from ui.context import AppContext, Op, op
from ui.forms import AmountEdit, Choice, DateEdit, FormDialog

DATE_LABELS = {stages.NEGOTIATING: "进入在谈日期", stages.SIGNED: "签约日期",
               stages.STARTED: "开工(开业)日期", stages.PRODUCING: "投产日期",
               stages.DROPPED: "终止日期"}


class AdvanceDialog(FormDialog):
    """Move ``row`` to another stage (``to`` preselected when given)."""

    def __init__(self, ctx: AppContext, row: ProjectRow, to: str | None = None,
                 parent: QWidget | None = None, *, may_correct: bool | None = None):
        super().__init__(ctx, self.tr("推进阶段 — {name}").format(name=row.name), parent)
        self.row = row
        self.setMinimumWidth(480)
        self.buttons.button(self.buttons.StandardButton.Save).setText(self.tr("确定"))
        # the moves crm.pipeline allows from here; corrections only where crm.permissions
        # allows them (the page knows from the project's read model; else the signed-in role)
        if may_correct is None:
            may_correct = ctx.actor.is_manager
        self.moves = {m.to: m for m in pipeline.possible_moves(
            row.stage, row.signed_on is not None, row.started_on is not None, may_correct)}
        targets = [(stages.NAMES[m.to] + (self.tr("（回退更正）") if m.back else ""), m.to)
                   for m in self.moves.values()]
        f = self.form
        self.stage = f.add("stage", self.tr("目标阶段"), Choice(self, targets))
        self.on = f.add("on", self.tr("日期"), DateEdit(self, value=ctx.today()))
        # the agreement (first signing)
        self.agreement_kind = f.add("kind", self.tr("协议类型"), Choice(
            self, [(k, k) for k in stages.AGREEMENT_KINDS]))
        self.agreement_kind.set_value("投资协议")
        self.signed_on = f.add("signed_on", self.tr("签约日期"), DateEdit(self, value=ctx.today()))
        self.amount = f.add("amount", self.tr("签约金额"), AmountEdit(self, unit="亿元"),
                            required=True)
        self.event_choice = f.add("event_id", self.tr("签约活动"), Choice(
            self, blank=self.tr("（无）")))
        self._event_days: dict[int, dt.date] = {}
        # the planned start, asked at signing (the year-end forecast reads it)
        plan_box = QWidget(self)
        plan_line = QHBoxLayout(plan_box)
        plan_line.setContentsMargins(0, 0, 0, 0)
        self.planned_start = DateEdit(plan_box, optional=True)
        self.planned_start.setObjectName("planned-start-on")
        self.planned_kind = Choice(plan_box, [(k, k) for k in stages.START_KINDS])
        self.planned_kind.setObjectName("planned-start-kind")
        plan_line.addWidget(self.planned_start, 1)
        plan_line.addWidget(self.planned_kind)
        f.add("planned_start_on", self.tr("计划开工(开业)日期"), plan_box)
        # the start
        self.start_kind = f.add("start_kind", self.tr("开工类型"), Choice(
            self, [(k, k) for k in stages.START_KINDS]))
        self.started_on = f.add("started_on", self.tr("开工(开业)日期"),
                                DateEdit(self, value=ctx.today()))
        self.reason = f.add("reason", self.tr("原因"), QLineEdit(self))

        self.live("amount", self._check_amount, self.amount.edited, self.stage.currentIndexChanged)
        self.live("reason", self._check_reason, self.reason.textChanged,
                  self.stage.currentIndexChanged)
        self.form.clear_errors()  # nothing typed yet: no complaints before the user starts
        self.stage.currentIndexChanged.connect(self._layout_for_target)
        self.event_choice.currentIndexChanged.connect(self._event_changed)
        codes = [code for _label, code in targets]
        if to not in codes:  # e.g. 推进 on a project already past ``to``: the next step
            following = stages.rank(row.stage) + 1
            to = (stages.FORWARD[following] if 0 < following < len(stages.FORWARD)
                  else stages.DROPPED)
        self.stage.set_value(to)
        self._layout_for_target()
        self.load(op(events.list_events, ctx.today()), self._events)

    def _events(self, rows: list[events.EventRow]) -> None:
        self.event_choice.set_items([(f"{e.held_on.isoformat()} {e.name}", e.id) for e in rows])
        self._event_days = {e.id: e.held_on for e in rows}

    # --- what the chosen move needs ------------------------------------------------------------
    def target(self) -> str:
        return str(self.stage.value() or "")

    def planned_move(self) -> pipeline.Move:
        """The chosen move as crm.pipeline plans it."""
        to = self.target()
        return self.moves.get(to) or pipeline.plan_move(
            self.row.stage, self.row.signed_on is not None, self.row.started_on is not None, to)

    def needs_agreement(self) -> bool:
        return self.planned_move().needs_agreement

    def needs_start(self) -> bool:
        return self.planned_move().needs_start

    def needs_reason(self) -> bool:
        return self.planned_move().needs_reason

    def _layout_for_target(self, *_args: object) -> None:
        to = self.target()
        back = self.planned_move().back
        label = self.tr("更正日期") if back else self.tr(DATE_LABELS.get(to, "日期"))
        self.form.labels["on"].setText(label + " *")
        agreement, start = self.needs_agreement(), self.needs_start()
        for field in ("kind", "amount", "event_id"):
            self.form.set_row_visible(field, agreement)
        self.form.set_row_visible("signed_on", agreement and to != stages.SIGNED)
        self.form.set_row_visible("planned_start_on", agreement and not start)
        self.form.set_row_visible("start_kind", start)
        self.form.set_row_visible("started_on", start and to != stages.STARTED)
        self.form.set_row_visible("reason", self.needs_reason())
        self.form.labels["reason"].setText(
            self.tr("终止原因 *") if to == stages.DROPPED else self.tr("更正原因 *"))
        self.setWindowTitle((self.tr("回退 / 更正 — {name}") if back else
                             self.tr("终止项目 — {name}") if to == stages.DROPPED else
                             self.tr("推进阶段 — {name}")).format(name=self.row.name))
        self.adjustSize()

    def _event_changed(self, *_args: object) -> None:
        day = self._event_days.get(self.event_choice.value())
        if day is None:
            return
        if self.target() == stages.SIGNED:
            self.on.set_value(day)
        else:
            self.signed_on.set_value(day)

    def _check_amount(self) -> None:
        if not self.needs_agreement():
            return
        if self.amount.value() is None and self.amount.line.text().strip() == "" \
                and self.amount.line.isModified():
            raise ValidationError(self.tr("请填写签约金额"), field="amount")

    def _check_reason(self) -> None:
        if self.needs_reason() and self.reason.isModified() and not self.reason.text().strip():
            raise ValidationError(self.tr("请填写原因"), field="reason")

    # --- saving ----------------------------------------------------------------------------
    def field_for(self, exc: CrmError) -> str | None:
        field = exc.field or ""
        to = self.target()
        if field == "kind" and (exc.code or "").startswith("start"):
            field = "start_kind"
        if (field == "signed_on" and to == stages.SIGNED) or \
                (field == "started_on" and to == stages.STARTED):
            field = "on"
        if field in self.form.errors and not self.form.widgets[field].isVisibleTo(self):
            return None
        return field if field in self.form.errors else None

    def collect(self) -> Op:
        actor = self.ctx.actor
        to = self.target()
        on = self.on.value() or dt.date.today()
        agreement = start = None
        if self.needs_agreement():
            amount = self.amount.value()
            if amount is None:
                raise ValidationError(self.tr("请填写签约金额"), field="amount")
            agreement = AgreementInput(
                signed_on=on if to == stages.SIGNED else self.signed_on.value() or on,
                amount=amount, kind=self.agreement_kind.value(), event_id=self.event_choice.value(),
                planned_start_on=None if self.needs_start() else self.planned_start.value(),
                planned_start_kind=self.planned_kind.value())
        if self.needs_start():
            start = StartInput(started_on=on if to == stages.STARTED
                               else self.started_on.value() or on,
                               kind=self.start_kind.value())
        reason = self.reason.text().strip()
        if self.needs_reason() and not reason:
            raise ValidationError(self.tr("请填写原因"), field="reason")
        project_id, version = self.row.id, self.row.version
        return lambda uow: pipeline.advance(uow, actor, project_id, to, on, agreement=agreement,
                                            start=start, reason=reason,
                                            expected_version=version)

