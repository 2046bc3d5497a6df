"""载体: the district's free space by kind at a glance, each carrier's bar, who holds its space,
and the projects whose needs it fits (with 落位)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm.changes import PROJECTS
from crm.errors import CrmError
from crm.services import carriers, dictionaries
from crm.services.carriers import LAND, SHORT, CarrierFigures, KindTotals, m2_to_mu
from crm.views.carriers import CarrierDetail, CarriersOverview, carrier_detail, carriers_overview
from ui.context import AppContext, Latest, op
from ui.dialogs.event_dialog import CarrierDialog
from ui.dialogs.place_dialog import PlaceDialog
from ui.errors import confirm
from ui.forms import Choice, FormDialog
from ui.models.table import Column, RowsModel
from ui.operations import carriers as carrier_ops
from ui.pages.common import icon, search_box, table_view, title_label
from ui.widgets import format as fmt
from ui.widgets.kpi import KpiCard
from ui.widgets.occupancy import OccupancyBar, OccupancyDelegate
from ui.widgets.panel import TableOrEmpty

TABLES = ("carriers", "carrier_placements", "carrier_industries", *PROJECTS)


def area(value: Decimal) -> str:
    """``12,345.00`` (㎡)."""
    return f"{value.quantize(Decimal('0.01')):,}"


def wan_m2(value: Decimal) -> str:
    """㎡ as 万㎡ with two decimals: ``22.15``."""
    return f"{(value / 10000).quantize(Decimal('0.01')):,}"


def area_cell(value: Decimal, kind: str) -> str:
    """A table cell: ㎡, land with its 亩."""
    return f"{area(value)}（{m2_to_mu(value):,} 亩）" if kind == LAND else area(value)


class KindCard(KpiCard):
    """One kind's totals: free area large, then total, placed and vacancy, and a bar."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(f"carriers-{kind}", kind, parent)
        self.kind = kind
        self.bar = OccupancyBar(self)
        column = self.layout()
        assert isinstance(column, QVBoxLayout)
        column.insertWidget(3, self.bar)  # under the figure, above the detail line

    def show_totals(self, t: KindTotals, rows: list[CarrierFigures]) -> None:
        mine = [r for r in rows if r.kind == t.kind]
        self.label.setText(self.tr("{kind} · {n} 处").format(kind=t.kind, n=t.carriers))
        mu = self.tr("（{mu} 亩）").format(mu=f"{m2_to_mu(t.free):,}") if t.kind == LAND else ""
        self.set_figure(wan_m2(t.free), self.tr("万㎡ 可用") + mu,
                        self.tr("总 {total} 万㎡ · 已落位 {placed} 万㎡ · 空置率 {rate}").format(
                            total=wan_m2(t.total), placed=wan_m2(t.placed), rate=fmt.rate(t.vacancy)))
        zero = Decimal(0)
        self.bar.set_parts(t.total, (sum((r.firm for r in mine), zero),
                                     sum((r.tentative for r in mine), zero),
                                     sum((r.other for r in mine), zero)))


class CarriersPage(QWidget):
    """Signals: ``project_requested(id)`` opens a project (the shell connects it)."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-carriers")
        self.ctx = ctx
        self.dialog: FormDialog | None = None
        self.detail: CarrierDetail | None = None
        self._selected: int | None = None
        self._all: list[CarrierFigures] = []
        self._latest, self._latest_detail = Latest(ctx), Latest(ctx)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)

        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("载体"), self))
        self.count = QLabel(self)
        self.count.setObjectName("page-count")
        self.count.setProperty("class", "muted")
        header.addWidget(self.count)
        header.addStretch(1)
        manager = ctx.actor.is_manager
        self.edit_button = QPushButton(icon("fa5s.edit"), self.tr("修改"), self)
        self.edit_button.clicked.connect(lambda _c=False: self.edit_selected())
        self.new_button = QPushButton(icon("fa5s.plus", "white"), self.tr("新增载体"), self)
        self.new_button.setObjectName("primary")
        self.new_button.setProperty("class", "primary")
        self.new_button.clicked.connect(lambda _c=False: self.new_carrier())
        for button in (self.edit_button, self.new_button):
            button.setVisible(manager)
            header.addWidget(button)
        layout.addLayout(header)

        self.kind = Choice(self, [(k, k) for k in dictionaries.CARRIER_KINDS],
                           blank=self.tr("全部类型"))
        self.kind.setObjectName("filter")
        cards = QHBoxLayout()
        cards.setSpacing(12)
        self.cards: dict[str, KindCard] = {}
        for kind in dictionaries.CARRIER_KINDS:
            card = KindCard(kind, self)
            card.clicked.connect(lambda k=kind: self.kind.set_value(
                None if self.kind.value() == k else k))
            self.cards[kind] = card
            cards.addWidget(card, 1)
        layout.addLayout(cards)

        filters = QHBoxLayout()
        self.search = search_box(self.tr("按名称或园区筛选"), self)
        self.search.setMaximumWidth(360)
        self.search.textChanged.connect(lambda _t: self._show())
        self.kind.currentIndexChanged.connect(lambda _i: self._show())
        legend = QLabel(self.tr('<span style="color:#1f6feb">■</span> 落位　'
                                '<span style="color:#8cb8f7">■</span> 拟落地　'
                                '<span style="color:#b8bec7">■</span> 其他占用　'
                                '<span style="color:#c9ced6">■</span> 可用'), self)
        legend.setProperty("class", "muted")
        self.need = QLineEdit(self)
        self.need.setObjectName("carriers-need")
        self.need.setPlaceholderText(self.tr("需要面积，如 5000 或 30亩"))
        self.need.setToolTip(self.tr("只列可用面积不小于此数的载体（平方米，土地也可写亩）"))
        self.need.setMinimumWidth(200)
        self.need.setMaximumWidth(240)
        self.need.textChanged.connect(lambda _t: self._show())
        filters.addWidget(self.search)
        filters.addWidget(self.kind)
        filters.addWidget(self.need)
        filters.addStretch(1)
        filters.addWidget(legend)
        layout.addLayout(filters)

        self.model = RowsModel([
            Column(self.tr("载体名称"), lambda r: r.name),
            Column(self.tr("类型"), lambda r: SHORT[r.kind]),
            Column(self.tr("所在园区"), lambda r: r.park),
            Column(self.tr("总面积(㎡)"), lambda r: area(r.total), "number"),
            Column(self.tr("已落位(㎡)"), lambda r: area(r.placed), "number"),
            Column(self.tr("可用(㎡)"), lambda r: area_cell(r.free, r.kind), "number"),
            Column(self.tr("空置率"), lambda r: fmt.rate(r.vacancy), "number"),
            Column(self.tr("占用"), lambda r: ""),
            Column(self.tr("项目"), lambda r: r.projects, "number"),
        ], self)
        self.table = table_view(self.model, self, stretch=7)
        self.table.setItemDelegateForColumn(7, OccupancyDelegate(self.table))
        for i, width in enumerate((200, 48, 120, 136, 120, 220, 76, 160, 52)):
            self.table.setColumnWidth(i, width)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.list_area = TableOrEmpty(
            self.table, self.tr("还没有载体 — 管理者可点“新增载体”登记楼宇、厂房或土地"), self)

        below = QWidget(self)
        b = QVBoxLayout(below)
        b.setContentsMargins(0, 6, 0, 0)
        caption_row = QHBoxLayout()
        self.caption = QLabel(below)
        self.caption.setObjectName("section-title")
        self.caption.setProperty("class", "panel-title")
        self.caption.setWordWrap(True)
        caption_row.addWidget(self.caption, 1)
        self.release_button = QPushButton(self.tr("释放"), below)
        self.release_button.setToolTip(self.tr("释放所选落位占用的面积"))
        self.release_button.clicked.connect(lambda _c=False: self.release_selected())
        self.place_button = QPushButton(icon("fa5s.map-marker-alt"), self.tr("落位…"), below)
        self.place_button.setToolTip(self.tr("把所选项目落位到这个载体"))
        self.place_button.clicked.connect(lambda _c=False: self.place_selected())
        caption_row.addWidget(self.release_button)
        caption_row.addWidget(self.place_button)
        b.addLayout(caption_row)
        self.tabs = QTabWidget(below)
        self.tabs.setObjectName("carrier-tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(lambda _i: self._buttons())
        self.placed_model = RowsModel([
            Column(self.tr("项目"), lambda r: r.project or r.note),
            Column(self.tr("企业"), lambda r: r.company),
            Column(self.tr("阶段"), lambda r: r.stage_name),
            Column(self.tr("状态"), lambda r: r.status),
            Column(self.tr("面积(㎡)"), lambda r: area_cell(r.area, r.kind), "number"),
            Column(self.tr("自"), lambda r: r.placed_on, "date"),
            Column(self.tr("经办"), lambda r: r.by),
        ], self)
        self.placed_table = self._sub_table(self.placed_model, (240, 240, 64, 72, 190, 92))
        self.placed_area = TableOrEmpty(self.placed_table, self.tr(
            "还没有项目落位该载体 — 在“适合的项目”中选一个点“落位…”，或在项目详情的“推荐载体”中落位"),
            below)
        self.fits_model = RowsModel([
            Column(self.tr("项目"), lambda r: r.project),
            Column(self.tr("企业"), lambda r: r.company),
            Column(self.tr("阶段"), lambda r: r.stage_name),
            Column(self.tr("需求"), lambda r: r.need),
            Column(self.tr("匹配度"), lambda r: r.score, "number"),
            Column(self.tr("理由"), lambda r: r.why),
        ], self)
        self.fits_table = self._sub_table(self.fits_model, (200, 220, 56, 150, 60))
        self.fits_area = TableOrEmpty(self.fits_table, self.tr(
            "没有在找载体、需求又放得下的项目 — 项目填写用地面积（亩）或需求面积（㎡）后才能匹配"), below)
        self.released_model = RowsModel([
            Column(self.tr("项目"), lambda r: r.project or r.note),
            Column(self.tr("面积(㎡)"), lambda r: area_cell(r.area, r.kind), "number"),
            Column(self.tr("自"), lambda r: r.placed_on, "date"),
            Column(self.tr("释放于"), lambda r: r.released_on, "date"),
            Column(self.tr("原因"), lambda r: r.release_reason),
        ], self)
        self.released_table = self._sub_table(self.released_model, (260, 190, 92, 92))
        self.tabs.addTab(self.placed_area, self.tr("落位项目"))
        self.tabs.addTab(self.fits_area, self.tr("适合的项目"))
        self.tabs.addTab(self.released_table, self.tr("已释放"))
        b.addWidget(self.tabs, 1)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.list_area)
        splitter.addWidget(below)
        splitter.setSizes([430, 280])
        layout.addWidget(splitter, 1)
        ctx.on_change(TABLES, self.reload)
        self.reload()

    def _sub_table(self, model: RowsModel, widths: tuple[int, ...]) -> Any:
        view = table_view(model, self)
        for i, width in enumerate(widths):
            view.setColumnWidth(i, width)
        view.doubleClicked.connect(lambda index, m=model: self._open_project(m, index))
        view.selectionModel().currentRowChanged.connect(lambda *_a: self._buttons())
        return view

    # --- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        self._latest.read(op(carriers_overview), self._loaded)

    def _loaded(self, overview: CarriersOverview) -> None:
        self._all = overview.rows
        for t in overview.totals:
            self.cards[t.kind].show_totals(t, overview.rows)
        self._show()

    def needed(self) -> Decimal | None:
        """The area typed in 需要面积 (㎡), or None when blank or not an area."""
        text = self.need.text().strip()
        if not text:
            return None
        try:
            return carriers.parse_area(text)
        except CrmError:
            return None

    def rows(self) -> list[CarrierFigures]:
        kind = self.kind.value()
        needle = self.search.text().strip()
        need = self.needed()
        rows = [r for r in self._all if (kind is None or r.kind == kind)
                and (not needle or needle in r.name or needle in r.park)
                and (need is None or r.free >= need)]
        if need is not None:  # asked for an area: the snuggest fit first
            rows.sort(key=lambda r: r.free)
        return rows

    def _show(self) -> None:
        rows = self.rows()
        self.model.set_rows(rows)
        free = sum((r.free for r in rows), Decimal(0))
        self.count.setText(self.tr("共 {n} 处 · 可用 {free} 万㎡").format(n=len(rows),
                                                                       free=wan_m2(free)))
        for kind, card in self.cards.items():
            card.setProperty("selected", kind == self.kind.value())
        self.list_area.update_state(len(rows), self.tr("没有符合条件的载体") if self._all else None)
        row = self.model.find(self._selected) if self._selected is not None else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
            self._load_detail(self.model.row_at(row).id)
        else:
            self._selected, self.detail = None, None
            self._show_detail(None)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        entry = self.model.row_at(current.row()) if current.isValid() else None
        if entry is not None and entry.id != self._selected:
            self._load_detail(entry.id)

    def _load_detail(self, carrier_id: int) -> None:
        self._selected = carrier_id
        self._latest_detail.read(op(carrier_detail, carrier_id), self._show_detail)

    def _show_detail(self, detail: CarrierDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.caption.setText("")
            for model in (self.placed_model, self.fits_model, self.released_model):
                model.set_rows([])
            self.placed_area.update_state(0)
            self.fits_area.update_state(0)
            self._buttons()
            return
        c = detail.carrier
        suits = "、".join(c.industries) or self.tr("未设")
        ready = self.tr("；{d} 交付").format(d=c.ready_on) if c.ready_on else ""
        self.caption.setText(self.tr(
            "{name}（{kind}，{park}）：总 {total} ㎡，已落位 {placed} ㎡，可用 {free} ㎡；"
            "适宜产业：{suits}{ready}").format(
                name=c.name, kind=c.kind, park=c.park or "—", total=area_cell(c.total, c.kind),
                placed=area(c.placed), free=area_cell(c.free, c.kind), suits=suits, ready=ready))
        self.placed_model.set_rows(detail.placements)
        self.placed_area.update_state(len(detail.placements))
        self.fits_model.set_rows(detail.fits)
        self.fits_area.update_state(len(detail.fits))
        self.released_model.set_rows(detail.released)
        self.tabs.setTabText(0, self.tr("落位项目（{n}）").format(n=len(detail.placements)))
        self.tabs.setTabText(1, self.tr("适合的项目（{n}）").format(n=len(detail.fits)))
        self.tabs.setTabText(2, self.tr("已释放（{n}）").format(n=len(detail.released)))
        self._buttons()

    def _buttons(self) -> None:
        tab = self.tabs.currentIndex()
        self.place_button.setVisible(tab == 1)
        self.release_button.setVisible(tab == 0)
        self.place_button.setEnabled(self.detail is not None
                                     and self.fits_table.currentIndex().isValid())
        self.release_button.setEnabled(self.detail is not None
                                       and self.placed_table.currentIndex().isValid())

    # --- actions ---------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def selected(self) -> CarrierFigures | None:
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row if isinstance(row, CarrierFigures) else None

    def _open_project(self, model: RowsModel, index: Any) -> None:
        row = model.row_at(index.row())
        ident = getattr(row, "project_id", None)
        if ident is not None:
            self.project_requested.emit(ident)

    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def new_carrier(self) -> FormDialog:
        return self._open(CarrierDialog(self.ctx, None, self))

    def edit_selected(self) -> FormDialog | None:
        if self.detail is None:
            return None
        return self._open(CarrierDialog(self.ctx, self.detail.row, self))

    def place_selected(self) -> FormDialog | None:
        """落位 the project chosen under 适合的项目 in the selected carrier, its need prefilled."""
        index = self.fits_table.currentIndex()
        fit = self.fits_model.row_at(index.row()) if index.isValid() else None
        if fit is None or self.detail is None:
            return None
        c = self.detail.carrier
        return self._open(PlaceDialog(self.ctx, fit.project_id, fit.project,
                                      [(c.id, c.name, c.kind, c.free)], fit.need_area, c.id, self))

    def release_selected(self) -> None:
        index = self.placed_table.currentIndex()
        row = self.placed_model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        who = row.project or row.note
        if confirm(self.tr("释放“{who}”在“{carrier}”占用的 {area} ㎡？").format(
                who=who, carrier=row.carrier, area=area(row.area)), self):
            carrier_ops.release_placement(self.ctx, row.id, self.tr("在载体页释放"), parent=self)
