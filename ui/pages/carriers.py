"""载体: buildings, standard factories and land, their free area and the projects placed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QWidget

from crm.services import dictionaries
from crm.services.dictionaries import CarrierRow
from crm.services.projects import ProjectQuery
from ui.context import AppContext, Operation, op
from ui.dialogs.event_dialog import CarrierDialog
from ui.forms import Choice, FormDialog
from ui.models.table import Column
from ui.pages.listing import MasterDetailPage
from ui.widgets import format as fmt


def _area(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


def _free_share(r: CarrierRow) -> str:
    if not r.total_area:
        return "—"
    return fmt.rate(r.available_area / r.total_area)


class CarriersPage(MasterDetailPage):
    TABLES = ("carriers", *MasterDetailPage.TABLES)
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("载体"), [
            Column(self.tr("载体名称"), lambda r: r.name),
            Column(self.tr("类型"), lambda r: r.kind),
            Column(self.tr("所在园区"), lambda r: r.park),
            Column(self.tr("总面积(㎡)"), lambda r: _area(r.total_area), "number"),
            Column(self.tr("可用面积(㎡)"), lambda r: _area(r.available_area), "number"),
            Column(self.tr("空置率"), _free_share, "number"),
            Column(self.tr("落地项目"), lambda r: r.project_count, "number"),
        ], self.tr("还没有载体 — 管理者可点“新增载体”登记楼宇、厂房或土地"),
            self.tr("拟落地该载体的项目"), parent, stretch=2,
            no_projects=self.tr("还没有项目拟落地该载体 — 在项目的“编辑”中选择拟落地载体"))
        self.setObjectName("page-carriers")
        for i, width in enumerate((240, 100, 200, 132, 132, 96, 96)):
            self.table.setColumnWidth(i, width)
        self.kind = Choice(self, [(k, k) for k in dictionaries.CARRIER_KINDS],
                           blank=self.tr("全部类型"))
        self.kind.setObjectName("filter")
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())
        self.filters.insertWidget(1, self.kind)
        manager = ctx.actor.is_manager
        self.edit_button = self.add_button(self.tr("修改"), "fa5s.edit", self.edit_selected)
        self.new_button = self.add_button(self.tr("新增载体"), "fa5s.plus", self.new_carrier,
                                          primary=True)
        self.edit_button.setVisible(manager)
        self.new_button.setVisible(manager)
        self.reload()

    def loader(self) -> Operation[list[CarrierRow]]:
        kind = self.kind.value() if hasattr(self, "kind") else None
        return op(dictionaries.list_carriers, kind)

    def project_query(self, entry: CarrierRow) -> ProjectQuery:
        return ProjectQuery(carrier_id=entry.id)

    def count_text(self, rows: list[Any]) -> str:
        free = sum((r.available_area for r in rows), Decimal(0))
        return self.tr("共 {n} 处 · 可用 {free} ㎡").format(n=len(rows), free=_area(free))

    def new_carrier(self) -> FormDialog:
        return self._open(CarrierDialog(self.ctx, None, self))

    def edit_selected(self) -> FormDialog | None:
        entry = self.selected()
        return self._open(CarrierDialog(self.ctx, entry, self)) if entry else None
