"""重复企业 (in the 企业 page, managers): suspected pairs with why, merge or dismiss each, and
the latest merges with their undo. The pairs are a paged list: their count, then a screen at a
time as the list scrolls (a province's million companies hold hundreds of thousands)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from crm.services import duplicates, merge
from crm.services.duplicates import Pair
from crm.services.merge import MergeEntry
from crm.views.duplicates import PairQuery, pair_count, pair_marks, pair_page
from ui.context import AppContext, op
from ui.errors import confirm
from ui.models.id_list import PagedListModel
from ui.models.table import Column, RowsModel
from ui.operations import companies as company_ops
from ui.pages.common import icon, table_view
from ui.widgets.panel import TableOrEmpty

# what the view shows: companies, their projects, the pairs dismissed
TABLES = ("companies", "projects", "company_pair_dismissals", "contacts")


class DuplicatesView(QWidget):
    """The suspected pairs (left company: the one with more projects, kept by default)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("company-duplicates")
        self.count = QLabel(self)
        self.count.setObjectName("duplicates-count")
        self.count.setProperty("class", "muted")
        actor = ctx.actor
        self.pairs_model: PagedListModel[PairQuery, Pair] = PagedListModel(ctx, [
            Column(self.tr("企业（保留）"), lambda p: p.a_name),
            Column(self.tr("项目"), lambda p: p.a_projects, "number"),
            Column(self.tr("疑似同一企业"), lambda p: p.b_name),
            Column(self.tr("项目"), lambda p: p.b_projects, "number"),
            Column(self.tr("原因"), lambda p: p.reason),
        ], PairQuery(actor), pair_count, pair_page,
            lambda uow, ids: duplicates.pairs_by_id(uow, actor, ids), self, marks=pair_marks)
        self.pairs_model.loaded.connect(self._counted)
        self.pairs = table_view(self.pairs_model, self, stretch=4)
        for i, width in enumerate((240, 48, 240, 48)):
            self.pairs.setColumnWidth(i, width)
        self.pairs_area = TableOrEmpty(self.pairs, self.tr("没有疑似重复的企业"), self)
        self.merge_button = QPushButton(icon("fa5s.compress-arrows-alt", "white"),
                                        self.tr("合并（保留左侧）"), self)
        self.merge_button.setObjectName("merge-pair")
        self.merge_button.setProperty("class", "primary")
        self.merge_button.clicked.connect(lambda: self.merge_selected(keep_left=True))
        self.merge_right = QPushButton(self.tr("合并（保留右侧）"), self)
        self.merge_right.setObjectName("merge-pair-right")
        self.merge_right.clicked.connect(lambda: self.merge_selected(keep_left=False))
        self.dismiss_button = QPushButton(icon("fa5s.not-equal"), self.tr("不是同一企业"), self)
        self.dismiss_button.setObjectName("dismiss-pair")
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        actions = QHBoxLayout()
        caption = QLabel(self.tr("疑似重复的企业"), self)
        caption.setProperty("class", "panel-title")
        actions.addWidget(caption)
        actions.addWidget(self.count)
        actions.addStretch(1)
        for button in (self.merge_button, self.merge_right, self.dismiss_button):
            actions.addWidget(button)

        self.merges_model = RowsModel([
            Column(self.tr("合并时间"), lambda m: m.at.strftime("%Y-%m-%d %H:%M")),
            Column(self.tr("操作人"), lambda m: m.actor),
            Column(self.tr("保留的企业"), lambda m: m.survivor),
            Column(self.tr("并入的企业（曾用名）"), lambda m: m.merged),
            Column(self.tr("状态"), lambda m: self.tr("已撤销") if m.undone else self.tr("已合并")),
        ], self)
        self.merges = table_view(self.merges_model, self, stretch=3)
        for i, width in enumerate((130, 90, 220, 220)):
            self.merges.setColumnWidth(i, width)
        self.merges.setMaximumHeight(200)
        self.merges_area = TableOrEmpty(self.merges, self.tr("还没有合并过企业"), self)
        self.undo_button = QPushButton(icon("fa5s.undo"), self.tr("撤销合并"), self)
        self.undo_button.setObjectName("undo-merge")
        self.undo_button.clicked.connect(self.undo_selected)
        merges_head = QHBoxLayout()
        merges_caption = QLabel(self.tr("合并记录（变更记录中可撤销）"), self)
        merges_caption.setProperty("class", "panel-title")
        merges_head.addWidget(merges_caption)
        merges_head.addStretch(1)
        merges_head.addWidget(self.undo_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(actions)
        layout.addWidget(self.pairs_area, 3)
        layout.addLayout(merges_head)
        layout.addWidget(self.merges_area, 1)
        ctx.on_change(TABLES, self.reload)

    def reload(self) -> None:
        self.pairs_model.reload()  # the count, then the screens as they show
        self.ctx.read(op(merge.merges), done=self._show_merges)

    def _counted(self) -> None:
        total = self.pairs_model.rowCount()
        self.count.setText(self.tr("共 {n} 对").format(n=total))
        self.pairs_area.update_state(total)
        if total and not self.pairs.currentIndex().isValid():
            self.pairs.selectRow(0)
        for button in (self.merge_button, self.merge_right, self.dismiss_button):
            button.setEnabled(bool(total))

    def _show_merges(self, merges: list[MergeEntry]) -> None:
        self.merges_model.set_rows(merges)
        self.merges_area.update_state(len(merges))
        self.undo_button.setEnabled(any(not m.undone for m in merges))

    def selected_pair(self) -> Pair | None:
        """The pair selected (None while its screen is on its way)."""
        index = self.pairs.currentIndex()
        return self.pairs_model.row_at(index.row()) if index.isValid() else None

    def selected_merge(self) -> MergeEntry | None:
        index = self.merges.currentIndex()
        if index.isValid():
            found: MergeEntry | None = self.merges_model.row_at(index.row())
            return found
        return next((m for m in self.merges_model.rows if not m.undone), None)

    # --- actions -----------------------------------------------------------------------------
    def merge_selected(self, keep_left: bool = True) -> None:
        pair = self.selected_pair()
        if pair is None:
            return
        keep, drop = ((pair.a_id, pair.a_name), (pair.b_id, pair.b_name)) if keep_left else \
            ((pair.b_id, pair.b_name), (pair.a_id, pair.a_name))
        if confirm(self.tr("把“{drop}”并入“{keep}”？其项目、联系人、接洽记录都移到“{keep}”，"
                           "“{drop}”记为曾用名；可在合并记录中撤销。").format(
                drop=drop[1], keep=keep[1]), self):
            company_ops.merge_companies(self.ctx, keep[0], drop[0], parent=self)

    def dismiss_selected(self) -> None:
        pair = self.selected_pair()
        if pair is not None:
            company_ops.dismiss_pair(self.ctx, pair.a_id, pair.b_id, parent=self)

    def undo_selected(self) -> None:
        entry = self.selected_merge()
        if entry is None or entry.undone:
            return
        if confirm(self.tr("撤销“{merged}”并入“{survivor}”的合并？移过的记录都移回。").format(
                merged=entry.merged, survivor=entry.survivor), self):
            company_ops.undo_merge(self.ctx, entry.audit_id, parent=self)
