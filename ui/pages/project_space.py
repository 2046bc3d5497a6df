"""A project's 载体 tab: where it is placed, and the 推荐载体 for its need, with 落位."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from crm.services.carriers import SHORT, area_text
from crm.views.carriers import ProjectSpace, project_space
from ui.context import AppContext, Latest, op
from ui.dialogs.place_dialog import PlaceDialog
from ui.errors import confirm
from ui.forms import FormDialog
from ui.models.table import Column, RowsModel
from ui.operations import carriers as carrier_ops
from ui.pages.common import row_layout, table_view
from ui.widgets.panel import TableOrEmpty


class ProjectSpaceView(QWidget):
    """``show_project(id)`` reads the project's placements and matches off the GUI thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("project-space")
        self.ctx = ctx
        self.project_id: int | None = None
        self.space: ProjectSpace | None = None
        self.dialog: FormDialog | None = None
        self._latest = Latest(ctx)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.need = QLabel(self)
        self.need.setObjectName("project-need")
        self.need.setWordWrap(True)
        layout.addWidget(self.need)

        placed = self.placed_title = QLabel(self.tr("已落位"), self)
        placed.setProperty("class", "panel-title")
        self.release_button = QPushButton(self.tr("释放"), self)
        self.release_button.clicked.connect(lambda _c=False: self.release_selected())
        layout.addLayout(row_layout(placed, self.release_button, stretch_after=0))
        self.placed_model = RowsModel([
            Column(self.tr("载体"), lambda r: r.carrier),
            Column(self.tr("状态"), lambda r: r.status),
            Column(self.tr("面积"), lambda r: area_text(r.area, r.kind), "number"),
            Column(self.tr("自"), lambda r: r.placed_on, "date"),
            Column(self.tr("释放于"), lambda r: r.released_on, "date"),
        ], self)
        self.placed_table = table_view(self.placed_model, self, stretch=0)
        self.placed_table.selectionModel().currentRowChanged.connect(lambda *_a: self._buttons())
        self.placed = TableOrEmpty(self.placed_table, self.tr(
            "还没有落位 — 在下面的推荐载体中选一个点“落位…”"), self)
        self.placed.setMaximumHeight(130)
        layout.addWidget(self.placed)

        heading = self.matches_title = QLabel(self.tr("推荐载体"), self)
        heading.setObjectName("section-title")
        heading.setProperty("class", "panel-title")
        self.place_button = QPushButton(self.tr("落位…"), self)
        self.place_button.setObjectName("place-button")
        self.place_button.setProperty("class", "primary")
        self.place_button.clicked.connect(lambda _c=False: self.place_selected())
        layout.addLayout(row_layout(heading, self.place_button, stretch_after=0))
        self.matches_model = RowsModel([
            Column(self.tr("载体"), lambda r: r.carrier),
            Column(self.tr("类型"), lambda r: SHORT[r.kind]),
            Column(self.tr("可用"), lambda r: area_text(r.free, r.kind), "number"),
            Column(self.tr("匹配度"), lambda r: r.score, "number"),
            Column(self.tr("理由"), lambda r: r.why),
        ], self)
        self.matches_table = table_view(self.matches_model, self)
        for i, width in enumerate((150, 44, 150, 56)):
            self.matches_table.setColumnWidth(i, width)
        self.matches_table.selectionModel().currentRowChanged.connect(lambda *_a: self._buttons())
        self.matches_table.doubleClicked.connect(lambda _i: self.place_selected())
        self.matches = TableOrEmpty(self.matches_table, "", self)
        layout.addWidget(self.matches, 1)
        self.why = QLabel(self)  # the chosen carrier's reasons in full (the column is narrow)
        self.why.setObjectName("match-why")
        self.why.setProperty("class", "muted")
        self.why.setWordWrap(True)
        layout.addWidget(self.why)
        self._buttons()

    def show_project(self, project_id: int | None) -> None:
        self.project_id = project_id
        if project_id is None:
            self._latest.forget()
            return
        self._latest.read(op(project_space, project_id, self.ctx.actor), self._loaded)

    def _loaded(self, space: ProjectSpace | None) -> None:
        self.space = space
        if space is None:
            return
        need = space.matches.need
        timing = self.tr("，需于 {d} 前入驻").format(d=need.by) if need.by else ""
        industry = f"，{need.industry}" if need.industry else ""
        self.need.setText(self.tr("需求：{need}{industry}{timing}").format(
            need=need.text, industry=industry, timing=timing))
        self.placed_model.set_rows(space.placements)
        # 选一个点落位 only when there is one to choose
        self.placed.update_state(len(space.placements), self.tr(
            "还没有落位 — 在下面的推荐载体中选一个点“落位…”") if space.shown
            else self.tr("还没有落位"))
        # no area entered and nothing placed: only the sentence saying what to fill, and how
        bare = need.total is None and not space.placements
        for widget in (self.need, self.placed_title, self.placed, self.matches_title):
            widget.setVisible(not bare)
        self.matches_model.set_rows(space.shown)
        self.matches.update_state(len(space.shown), space.matches.empty_text)
        if space.shown:
            self.matches_table.selectRow(0)
        self._buttons()

    def _buttons(self) -> None:
        may = self.space is not None and self.space.may_place
        bare = (self.space is not None and self.space.matches.need.total is None
                and not self.space.placements)
        self.place_button.setVisible(may and not bare)
        self.release_button.setVisible(may and not bare)
        self.place_button.setEnabled(self.matches_table.currentIndex().isValid())
        row = self.placed_model.row_at(self.placed_table.currentIndex().row())
        self.release_button.setEnabled(row is not None and row.released_on is None)
        match = self.matches_model.row_at(self.matches_table.currentIndex().row())
        self.why.setText(f"{match.carrier}：{match.why}" if match is not None else "")

    def place_selected(self) -> FormDialog | None:
        """落位 in the chosen 推荐载体, the project's need prefilled."""
        space = self.space
        index = self.matches_table.currentIndex()
        if space is None or not space.may_place or not index.isValid():
            return None
        chosen = self.matches_model.row_at(index.row())
        choices = [(m.carrier_id, m.carrier, m.kind, m.free) for m in space.matches.matches]
        self.dialog = PlaceDialog(self.ctx, space.matches.project_id, space.matches.project,
                                  choices, space.matches.need.area, chosen.carrier_id, self)
        self.dialog.open()
        return self.dialog

    def release_selected(self) -> None:
        row = self.placed_model.row_at(self.placed_table.currentIndex().row())
        if row is None or row.released_on is not None:
            return
        if confirm(self.tr("释放在“{carrier}”占用的 {area}？").format(
                carrier=row.carrier, area=area_text(row.area, row.kind)), self):
            carrier_ops.release_placement(self.ctx, row.id, self.tr("项目改选载体"), parent=self)
