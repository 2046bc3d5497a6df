"""落位: a project takes an area of a carrier from a date (拟落地 until it signs)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from crm.errors import CrmError
from crm.services import carriers
from crm.services.carriers import LAND, SHORT
from ui.context import AppContext, Op
from ui.errors import confirm
from ui.forms import AmountEdit, Choice, DateEdit, FormDialog


class PlaceDialog(FormDialog):
    """Place ``project`` in one of ``choices`` ((carrier id, name, kind, free ㎡), the best
    first). The core refuses more than the free area and says both figures beside 面积; more
    than the project still needs (its need minus what it holds) is asked about, naming the
    figures, and placed only when the user says so."""

    aliases = {"placed_on": "date", "carrier": "carrier_id"}

    def __init__(self, ctx: AppContext, project_id: int, project: str,
                 choices: Sequence[tuple[int, str, str, Decimal]], area: Decimal | None = None,
                 carrier_id: int | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("落位到载体"), parent)
        self.setMinimumWidth(460)
        self.project_id = project_id
        self.beyond_need = False  # the user confirmed placing more than the project needs
        self.kinds = {ident: kind for ident, _n, kind, _f in choices}
        f = self.form
        f.add("project", self.tr("项目"), QLabel(project, self))
        self.carrier = f.add("carrier_id", self.tr("载体"), Choice(self, [
            (f"{name}（{SHORT[kind]}，可用 {carriers.area_text(free, kind)}）", ident)
            for ident, name, kind, free in choices]), required=True)
        self.area = f.add("area", self.tr("面积"),
                          AmountEdit(self, unit="㎡", units=("㎡", "亩"), field="area"),
                          required=True)
        self.date = f.add("date", self.tr("自何日起"), DateEdit(self, value=ctx.today()))
        self.note = f.add("note", self.tr("备注"), QLineEdit(self))
        hint = QLabel(self.tr("签约前为“拟落地”，签约后自动转为“落位”；项目终止时自动释放。"), self)
        hint.setProperty("class", "muted")
        hint.setWordWrap(True)
        f.add("hint", "", hint)
        if carrier_id is not None:
            self.carrier.set_value(carrier_id)
        if area is not None:
            land = self.kinds.get(self.carrier.value()) == LAND
            self.area.set_value(carriers.m2_to_mu(area) if land else area, "亩" if land else "㎡")
        self.live("area", self._m2, self.area.edited)

    def _m2(self) -> Decimal | None:
        value = self.area.value()
        if value is None:
            return None
        return carriers.mu_to_m2(value) if self.area.unit.currentText() == "亩" else value

    def collect(self) -> Op:
        actor, project_id = self.ctx.actor, self.project_id
        carrier_id, area = self.carrier.value(), self._m2() or Decimal(0)
        on, note, beyond = self.date.value(), self.note.text(), self.beyond_need
        return lambda uow: carriers.place(uow, actor, project_id, carrier_id, area, on, note,
                                          beyond_need=beyond)

    def _failed(self, exc: BaseException) -> None:
        if (isinstance(exc, CrmError) and exc.code == "carrier.beyond_need"
                and not self.beyond_need
                and confirm(self.tr("{figures}。仍要超出需求落位吗？").format(
                    figures=exc.message.removesuffix("，未落位")), self)):
            self.busy = False
            self.beyond_need = True
            self.accept()
            return
        super()._failed(exc)
