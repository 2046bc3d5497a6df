"""The 招商图谱's forms: a target firm (新增 / 修改目标企业), a chain and a segment (managers)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from crm.services import chains, dictionaries
from crm.services.common import SOURCE_NAMES
from crm.views import chains as view
from ui.context import AppContext, Op, op
from ui.forms import Choice, FormDialog, SearchPicker, UsccEdit


class TargetDialog(FormDialog):
    """新增 / 修改目标企业 (everyone)."""

    aliases = {"target.name": "name", "target.uscc": "uscc", "target.tier": "tier",
               "target.source": "source"}

    def __init__(self, ctx: AppContext, chain_id: int, segment_id: int | None,
                 row: view.TargetRow | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("修改目标企业") if row else self.tr("新增目标企业"), parent)
        self.setObjectName("target-dialog")
        self.row = row
        f = self.form
        self.name = f.add("name", self.tr("企业名称"), QLineEdit(self), required=True)
        self.segment = f.add("segment", self.tr("环节"), Choice(self))
        self.uscc = f.add("uscc", self.tr("统一社会信用代码"), UsccEdit(self, "uscc"))
        self.city = f.add("city", self.tr("所在城市"), QLineEdit(self))
        self.tier = f.add("tier", self.tr("层级"), Choice(self, [(t, t) for t in chains.TIERS]))
        self.source = f.add("source", self.tr("招商来源"), Choice(
            self, [(SOURCE_NAMES[s], s) for s in chains.TARGET_SOURCES]))
        self.owner = f.add("owner", self.tr("负责人"), Choice(self, blank=self.tr("（本人）")))
        self.why = f.add("why", self.tr("理由"), QLineEdit(self))
        self.why.setPlaceholderText(self.tr("为什么招这家企业：补链、强链、配套 …"))
        self.segment.set_value(row.segment_id if row else segment_id)
        self.tier.set_value(row.tier if row else "其他")
        self.source.set_value(row.source if row else "self")
        self.owner.set_value(row.owner_id if row else ctx.actor.user_id)
        if row is not None:
            self.name.setText(row.name)
            self.uscc.setText(row.uscc or "")
            self.city.setText(row.city)
            self.why.setText(row.why)
        self.load(op(view.segment_choices, chain_id),
                  lambda rows: self.segment.set_items((r.label, r.id) for r in rows))
        self.load(op(view.people_choices), self.owner.set_items)
        self.resize(480, self.sizeHint().height())

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = chains.TargetInput(self.name.text(), self.segment.value(), self.uscc.value(),
                                  self.city.text(), self.tier.value(), self.why.text(),
                                  self.owner.value(), self.source.value())
        if self.row is None:
            return lambda uow: chains.add_target(uow, actor, data)
        target_id, version = self.row.id, self.row.version
        return lambda uow: chains.update_target(uow, actor, target_id, data, version)


class ChainDialog(FormDialog):
    """新增 / 修改产业链 (managers)."""

    aliases = {"chain.name": "name"}

    def __init__(self, ctx: AppContext, row: Any = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("修改产业链") if row else self.tr("新增产业链"), parent)
        self.setObjectName("chain-dialog")
        self.row = row
        f = self.form
        self.name = f.add("name", self.tr("产业链名称"), QLineEdit(self), required=True)
        self.industry = f.add("industry", self.tr("对应产业"), Choice(self, blank=self.tr("（无）")))
        self.note = f.add("note", self.tr("说明"), QLineEdit(self))
        if row is not None:
            self.name.setText(row.name)
        self.load(op(dictionaries.list_industries),
                  lambda rows: self.industry.set_items((r.name, r.id) for r in rows))
        self.resize(420, self.sizeHint().height())

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = chains.ChainInput(self.name.text(), self.industry.value(), self.note.text())
        if self.row is None:
            return lambda uow: chains.add_chain(uow, actor, data)
        chain_id = self.row.id
        return lambda uow: chains.update_chain(uow, actor, chain_id, data)


class SegmentDialog(FormDialog):
    """新增 / 修改环节 (managers): its place in the flow, and its parent for a sub-segment."""

    aliases = {"segment.name": "name", "segment.stage": "stage", "segment.parent_id": "parent"}

    def __init__(self, ctx: AppContext, chain_id: int, row: view.SegmentCoverage | None = None,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("修改环节") if row else self.tr("新增环节"), parent)
        self.setObjectName("segment-dialog")
        self.chain_id, self.row = chain_id, row
        f = self.form
        self.name = f.add("name", self.tr("环节名称"), QLineEdit(self), required=True)
        self.stage = f.add("stage", self.tr("位置"), Choice(self, [(s, s) for s in chains.STAGES]))
        self.parent_choice = f.add("parent", self.tr("上级环节"),
                                   Choice(self, blank=self.tr("（无：一级环节）")))
        if row is not None:
            self.name.setText(row.name)
            self.stage.set_value(row.stage)
            self.parent_choice.set_value(row.parent_id)
        own = row.id if row else None
        self.load(op(view.segment_choices, chain_id), lambda rows: self.parent_choice.set_items(
            (r.label, r.id) for r in rows if not r.label.startswith("　") and r.id != own))
        self.resize(420, self.sizeHint().height())

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = chains.SegmentInput(self.name.text(), self.stage.value(),
                                   self.parent_choice.value())
        if self.row is None:
            chain_id = self.chain_id
            return lambda uow: chains.add_segment(uow, actor, chain_id, data)
        segment_id = self.row.id
        return lambda uow: chains.update_segment(uow, actor, segment_id, data)


class LinkProjectDialog(FormDialog):
    """归入项目: put an existing project into the segment shown (its owner or a manager)."""

    aliases = {"project_id": "project"}

    def __init__(self, ctx: AppContext, segment_id: int, segment_name: str,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("把项目归入“{0}”").format(segment_name), parent)
        self.setObjectName("link-project-dialog")
        self.segment_id = segment_id
        self.project = self.form.add("project", self.tr("项目"), SearchPicker(
            ctx, view.project_choices, self, self.tr("输入项目名、企业名或拼音首字母")), required=True)
        self.resize(480, self.sizeHint().height())

    def collect(self) -> Op:
        from crm.errors import ValidationError

        actor, segment_id, project_id = self.ctx.actor, self.segment_id, self.project.value()
        if project_id is None:
            raise ValidationError(self.tr("请选择项目"), code="project.required", field="project_id")
        return lambda uow: chains.link_project(uow, actor, project_id, segment_id)
