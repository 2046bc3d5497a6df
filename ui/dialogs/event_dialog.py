"""招商活动 and 载体 forms (managers keep these lists)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QWidget

from crm.errors import ValidationError
from crm.services import dictionaries, events
from crm.services.dictionaries import CarrierInput, CarrierRow
from crm.services.events import EventInput, EventRow
from ui.context import AppContext, Op, op
from ui.forms import AmountEdit, Choice, DateEdit, FormDialog


class EventDialog(FormDialog):
    """登记 / 修改招商活动; its signings and amount are computed, never typed."""

    def __init__(self, ctx: AppContext, row: EventRow | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("修改活动") if row else self.tr("登记招商活动"), parent)
        self.row = row
        self.setMinimumWidth(460)
        f = self.form
        self.name = f.add("name", self.tr("活动名称"), QLineEdit(self), required=True)
        self.held_on = f.add("held_on", self.tr("活动日期"), DateEdit(self, value=ctx.today()),
                             required=True)
        self.city = f.add("city", self.tr("城市"), QLineEdit(self))
        self.theme = f.add("theme", self.tr("主题"), QLineEdit(self))
        self.theme.setPlaceholderText(self.tr("一月一主题，如“新材料产业链”"))
        self.note = f.add("note", self.tr("备注"), QPlainTextEdit(self))
        self.note.setFixedHeight(60)
        self.live("name", self._check_name, self.name.textChanged)
        if row is not None:
            self.name.setText(row.name)
            self.held_on.set_value(row.held_on)
            self.city.setText(row.city)
            self.theme.setText(row.theme)
            self.note.setPlainText(row.note)

    def _check_name(self) -> None:
        if not self.name.text().strip():
            raise ValidationError(self.tr("请填写活动名称"), field="name")

    def collect(self) -> Op:
        actor = self.ctx.actor
        self._check_name()
        data = EventInput(self.name.text(), self.held_on.value() or self.ctx.today(),
                          self.city.text(), self.theme.text(), self.note.toPlainText())
        if self.row is None:
            return lambda uow: events.add_event(uow, actor, data)
        event_id = self.row.id
        return lambda uow: events.update_event(uow, actor, event_id, data)


class CarrierDialog(FormDialog):
    """新增 / 修改载体 (areas in ㎡). Its free area is not typed: it is what placements leave."""

    aliases = {"carrier.name": "name"}

    def __init__(self, ctx: AppContext, row: CarrierRow | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("修改载体") if row else self.tr("新增载体"), parent)
        self.row = row
        self.setMinimumWidth(480)
        f = self.form
        self.name = f.add("name", self.tr("载体名称"), QLineEdit(self), required=True)
        self.kind = f.add("kind", self.tr("类型"), Choice(
            self, [(k, k) for k in dictionaries.CARRIER_KINDS]))
        self.park = f.add("park", self.tr("所在园区"), QLineEdit(self))
        self.total = f.add("total_area", self.tr("总面积(㎡)"),
                           AmountEdit(self, unit="㎡", units=("㎡",), field="total_area"))
        self.ready_on = f.add("ready_on", self.tr("交付日期"),
                              DateEdit(self, optional=True, blank=self.tr("（现可入驻）")))
        self.industries = f.add("industry_ids", self.tr("适宜产业"), QListWidget(self))
        self.industries.setFixedHeight(120)
        self.note = f.add("note", self.tr("备注"), QLineEdit(self))
        self.live(self.total.field, self.total.value, self.total.edited)
        if row is not None:
            self.name.setText(row.name)
            self.kind.set_value(row.kind)
            self.park.setText(row.park)
            self.total.set_value(row.total_area)
            self.ready_on.set_value(row.ready_on)
            self.note.setText(row.note)
        self.load(op(dictionaries.list_industries), self._fill_industries)

    def _fill_industries(self, rows: list[dictionaries.NamedRow]) -> None:
        chosen = set(self.row.industry_ids) if self.row else set()
        for r in rows:
            item = QListWidgetItem(r.name, self.industries)
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if r.id in chosen
                               else Qt.CheckState.Unchecked)

    def chosen_industries(self) -> tuple[int, ...]:
        items = (self.industries.item(i) for i in range(self.industries.count()))
        return tuple(int(it.data(Qt.ItemDataRole.UserRole)) for it in items
                     if it.checkState() == Qt.CheckState.Checked)

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = CarrierInput(self.name.text(), self.kind.value(), self.park.text(),
                            self.total.value() or Decimal(0), self.note.text(),
                            self.chosen_industries(), self.ready_on.value())
        if self.row is None:
            return lambda uow: dictionaries.add_carrier(uow, actor, data)
        carrier_id = self.row.id
        return lambda uow: dictionaries.update_carrier(uow, actor, carrier_id, data)
