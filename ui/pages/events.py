"""签约与活动: events with their computed signings, amount and starts, and who signed there."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QWidget

from crm.services import events
from crm.services.events import EventRow
from crm.services.projects import ProjectQuery
from ui.context import AppContext, Operation, op
from ui.dialogs.event_dialog import EventDialog
from ui.forms import FormDialog
from ui.models.table import Column
from ui.pages.listing import MasterDetailPage


class EventsPage(MasterDetailPage):
    TABLES = ("events", *MasterDetailPage.TABLES)
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("签约与活动"), [
            Column(self.tr("活动日期"), lambda r: r.held_on, "date"),
            Column(self.tr("活动名称"), lambda r: r.name),
            Column(self.tr("城市"), lambda r: r.city),
            Column(self.tr("主题"), lambda r: r.theme),
            Column(self.tr("签约项目"), lambda r: r.signings, "number"),
            Column(self.tr("签约金额(亿元)"), lambda r: r.signed_amount, "yi"),
            Column(self.tr("当年开工"), lambda r: r.started, "number"),
        ], self.tr("还没有招商活动 — 管理者可点“登记活动”"), self.tr("在该活动首次签约的项目"),
            parent, stretch=1, no_projects=self.tr("没有项目在该活动上首次签约"))
        self.setObjectName("page-events")
        header = self.table.horizontalHeader()
        # Name and theme share the spare width; dates and figures keep a fixed, tidy width.
        for i, width in enumerate((104, 0, 80, 0, 96, 132, 96)):
            if width:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(i, width)
            else:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
        manager = ctx.actor.is_manager
        self.edit_button = self.add_button(self.tr("修改"), "fa5s.edit", self.edit_selected)
        self.new_button = self.add_button(self.tr("登记活动"), "fa5s.plus", self.new_event,
                                          primary=True)
        self.edit_button.setVisible(manager)
        self.new_button.setVisible(manager)
        self.reload()

    def loader(self) -> Operation[list[EventRow]]:
        return op(events.list_events, self.ctx.today())

    def project_query(self, entry: EventRow) -> ProjectQuery:
        return ProjectQuery(event_id=entry.id, sort="signed_on")

    def count_text(self, rows: list[Any]) -> str:
        return self.tr("共 {n} 场").format(n=len(rows))

    def new_event(self) -> FormDialog:
        return self._open(EventDialog(self.ctx, None, self))

    def edit_selected(self) -> FormDialog | None:
        entry = self.selected()
        return self._open(EventDialog(self.ctx, entry, self)) if entry else None
