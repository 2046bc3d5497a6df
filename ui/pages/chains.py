"""招商图谱: pick a chain; its segments as a flow of boxes (上游 → 中游 → 下游) coloured by
coverage (强 / 弱 / 缺); click a segment to see its target firms and projects beside it, turn a
target into a lead (转为线索), add and edit targets (everyone), edit chains and segments
(managers), import a 目标企业名录 (managers)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm.excel.targets import TargetImport
from crm.services.chains import Conversion
from crm.views import chains as view
from ui.context import AppContext, Latest, op
from ui.dialogs.chain_dialogs import (
    ChainDialog,
    LinkProjectDialog,
    SegmentDialog,
    TargetDialog,
)
from ui.forms import Choice, FormDialog
from ui.models.table import Column, RowsModel
from ui.operations import chains as operations
from ui.pages.chains_import import TargetListImport
from ui.pages.common import icon, table_view, title_label
from ui.widgets.chain_map import COLOURS
from ui.widgets.chain_map import ChainMap as MapWidget
from ui.widgets.panel import Panel, TableOrEmpty

TABLES = ("chains", "chain_segments", "target_firms", "projects", "companies", "contact_logs",
          "agreements", "starts", "stage_changes", "users")


def _chip(text: str, colour: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setStyleSheet(f"QLabel {{ background: {colour}; color: white; border-radius: 9px;"
                        " padding: 2px 10px; font-weight: bold; }")
    return label


class ChainsPage(QWidget):
    """Signals: ``project_requested(id)`` opens a project (the window connects it)."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-chains")
        self.ctx = ctx
        self.data: view.ChainMap | None = None
        self.detail: view.SegmentDetail | None = None
        self.chain_id: int | None = None
        self.segment_id: int | None = None
        self.dialog: FormDialog | None = None
        self._map_reads, self._detail_reads = Latest(ctx), Latest(ctx)
        self.importer = TargetListImport(ctx, self, self.notice_text)
        manager = ctx.actor.is_manager

        self.count = QLabel(self)
        self.count.setObjectName("page-count")
        self.count.setProperty("class", "muted")
        self.chain_choice = Choice(self)
        self.chain_choice.setObjectName("chain-choice")
        self.chain_choice.setMinimumWidth(220)
        self.chain_choice.currentIndexChanged.connect(self._chain_chosen)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("招商图谱"), self))
        header.addWidget(self.count)
        header.addStretch(1)
        header.addWidget(QLabel(self.tr("产业链"), self))
        header.addWidget(self.chain_choice)
        self.import_button = self._button(header, self.tr("导入名录"), "fa5s.file-import",
                                          self.import_targets)
        self.new_chain_button = self._button(header, self.tr("新增产业链"), "fa5s.plus",
                                             self.new_chain)
        self.edit_chain_button = self._button(header, self.tr("修改产业链"), "fa5s.edit",
                                              self.edit_chain)
        self.new_segment_button = self._button(header, self.tr("新增环节"), "fa5s.plus-square",
                                               self.new_segment)
        for button in (self.import_button, self.new_chain_button, self.edit_chain_button,
                       self.new_segment_button):
            button.setVisible(manager)

        # what a manager reads first: how complete the chain is and what is missing
        self.summary = QHBoxLayout()
        self.completeness = QLabel(self)
        self.completeness.setObjectName("chain-completeness")
        self.completeness.setStyleSheet("font-size: 20px; font-weight: bold; color: #1f2328;")
        self.summary.addWidget(self.completeness)
        self.chips = {status: _chip("", COLOURS[status][0], self) for status in COLOURS}
        for chip in self.chips.values():
            self.summary.addWidget(chip)
        self.missing = QLabel(self)
        self.missing.setObjectName("chain-missing")
        self.missing.setStyleSheet("color: #cf222e; font-weight: bold;")
        self.missing.setWordWrap(True)
        self.summary.addWidget(self.missing, 1)

        self.map = MapWidget(self)
        self.map.segment_clicked.connect(self.show_segment)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.map)
        self.empty = QLabel(self.tr(
            "还没有产业链 — 管理者可点“新增产业链”，再为它添加上游、中游、下游环节"), self)
        self.empty.setObjectName("empty-state")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(scroll, 1)
        ll.addWidget(self.empty, 1)
        self.map_area = scroll

        self.side = Panel(self.tr("环节"), self)
        self.side.setObjectName("segment-panel")
        self.side_counts = QLabel(self.side)
        self.side_counts.setProperty("class", "muted")
        self.side_counts.setWordWrap(True)
        self.side.add(self.side_counts, 0)
        self.notice = QLabel(self.side)
        self.notice.setObjectName("chain-notice")
        self.notice.setStyleSheet("color: #1a7f37;")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.side.add(self.notice, 0)
        buttons = QHBoxLayout()
        self.add_target_button = self._button(buttons, self.tr("新增目标企业"), "fa5s.plus",
                                              self.new_target)
        self.edit_target_button = self._button(buttons, self.tr("修改"), "fa5s.edit",
                                               self.edit_target)
        self.delete_target_button = self._button(buttons, self.tr("删除"), "fa5s.times",
                                                 self.delete_target)
        self.convert_button = self._button(buttons, self.tr("转为线索"), "fa5s.arrow-right",
                                           self.convert_target, primary=True)
        self.convert_button.setObjectName("convert-target")
        buttons.addStretch(1)
        # the segment's own edits sit on its title row
        self.edit_segment_button = self._button(self.side.header, self.tr("修改环节"), "fa5s.pen",
                                                self.edit_segment)
        self.delete_segment_button = self._button(self.side.header, self.tr("删除环节"),
                                                  "fa5s.trash-alt", self.delete_segment)
        self.edit_segment_button.setVisible(manager)
        self.delete_segment_button.setVisible(manager)
        self.delete_target_button.setVisible(manager)
        self.side.body.addLayout(buttons)
        self.targets = RowsModel([
            Column(self.tr("目标企业"), lambda t: t.name),
            Column(self.tr("层级"), lambda t: t.tier),
            Column(self.tr("城市"), lambda t: t.city),
            Column(self.tr("负责人"), lambda t: t.owner),
            Column(self.tr("状态"), lambda t: t.status,
                   alert=lambda t: t.project_id is None and not t.contacted),
        ], self)
        self.targets_table = table_view(self.targets, self.side, stretch=0)
        self.targets_table.setObjectName("segment-targets")
        for i, width in enumerate((0, 72, 64, 64, 120)):
            if width:
                self.targets_table.setColumnWidth(i, width)
        self.targets_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons())
        self.targets_table.doubleClicked.connect(lambda _i: self.edit_target())
        self.targets_area = TableOrEmpty(self.targets_table, self.tr(
            "这个环节还没有目标企业 — 点“新增目标企业”，或由管理者导入目标企业名录"), self.side)
        self.side.add(self.targets_area, 3)
        caption = QLabel(self.tr("已落在这个环节的项目"), self.side)
        caption.setProperty("class", "panel-title")
        self.side.add(caption, 0)
        self.projects = RowsModel([
            Column(self.tr("项目"), lambda p: p.name),
            Column(self.tr("阶段"), lambda p: p.stage_name),
            Column(self.tr("签约"), lambda p: p.signed_on, "date"),
            Column(self.tr("开工"), lambda p: p.started_on, "date"),
            Column(self.tr("负责人"), lambda p: p.owner),
        ], self)
        self.projects_table = table_view(self.projects, self.side, stretch=0)
        self.projects_table.setObjectName("segment-projects")
        for i, width in enumerate((0, 64, 92, 92, 64)):
            if width:
                self.projects_table.setColumnWidth(i, width)
        self.projects_table.doubleClicked.connect(self._open_project)
        project_buttons = QHBoxLayout()
        self.link_button = self._button(project_buttons, self.tr("归入项目…"), "fa5s.link",
                                        self.link_project)
        self.unlink_button = self._button(project_buttons, self.tr("移出环节"), "fa5s.unlink",
                                          self.unlink_project)
        project_buttons.addStretch(1)
        self.projects_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons())
        self.projects_area = TableOrEmpty(self.projects_table, self.tr(
            "这个环节还没有项目 — 把上面的目标企业转为线索，开始招引"), self.side)
        self.side.body.addLayout(project_buttons)
        self.side.add(self.projects_area, 2)
        self.local = QLabel(self.side)
        self.local.setProperty("class", "muted")
        self.local.setWordWrap(True)
        self.side.add(self.local, 0)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([820, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addLayout(header)
        layout.addLayout(self.summary)
        layout.addWidget(splitter, 1)
        ctx.on_change(TABLES, self.reload)
        self._update_buttons()
        self.reload()

    def _button(self, row: QHBoxLayout, text: str, icon_name: str, slot: Any, *,
                primary: bool = False) -> QPushButton:
        button = QPushButton(icon(icon_name, "white" if primary else None), text, self)
        if primary:
            button.setProperty("class", "primary")
        button.clicked.connect(lambda _c=False: slot())
        row.addWidget(button)
        return button

    # --- reading ----------------------------------------------------------------------------
    def reload(self) -> None:
        self._map_reads.read(op(view.chain_map, self.ctx.actor, self.chain_id, self.ctx.today()),
                             self._loaded)

    def _loaded(self, data: view.ChainMap) -> None:
        self.data = data
        chain = data.chain
        self.chain_id = chain.id if chain else None
        self.chain_choice.blockSignals(True)
        self.chain_choice.set_items((c.name, c.id) for c in data.chains)
        self.chain_choice.set_value(self.chain_id)
        self.chain_choice.blockSignals(False)
        self.map_area.setVisible(chain is not None)
        self.empty.setVisible(chain is None)
        self.edit_chain_button.setEnabled(chain is not None)
        self.new_segment_button.setEnabled(chain is not None)
        self.add_target_button.setVisible(data.can_add_targets)
        ids = {s.id for s in chain.segments} if chain else set()
        if self.segment_id not in ids:
            # a manager's eye goes to what is missing: open on the first gap (else the first)
            first = next((s for s in chain.top if s.gap), None) if chain else None
            first = first or (chain.top[0] if chain and chain.top else None)
            self.segment_id = first.id if first else None
        self.map.set_chain(chain, self.segment_id)
        self._summarise(chain)
        self._load_detail()

    def _summarise(self, chain: view.ChainCoverage | None) -> None:
        if chain is None:
            self.count.setText("")
            self.completeness.setText("")
            self.missing.setText("")
            for chip in self.chips.values():
                chip.hide()
            return
        self.count.setText(self.tr("{n} 条产业链 · 本链 {s} 个环节").format(
            n=len(self.data.chains) if self.data else 0, s=len(chain.top)))
        self.completeness.setText(self.tr("完整度 {0}").format(chain.completeness_text))
        for status, chip in self.chips.items():
            chip.setText(f"{COLOURS[status][2]} {chain.count(status)}")
            chip.show()
        gaps = [s.name for s in chain.top if s.gap]
        weak = [s.name for s in chain.top if s.weak]
        parts = []
        if gaps:
            parts.append(self.tr("缺链：{0}").format("、".join(gaps)))
        if weak:
            parts.append(self.tr("弱链：{0}").format("、".join(weak)))
        self.missing.setText("　".join(parts) or self.tr("各环节都已有签约或开工项目"))

    def _load_detail(self) -> None:
        if self.segment_id is None:
            self._show_detail(None)
            return
        self._detail_reads.read(op(view.segment_detail, self.segment_id, self.ctx.today(),
                                   self.ctx.actor), self._show_detail)

    def _show_detail(self, detail: view.SegmentDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.side.title.setText(self.tr("环节"))
            self.side_counts.setText(self.tr("选择左侧的一个环节，查看它的目标企业和项目"))
            self.targets.set_rows([])
            self.projects.set_rows([])
            self.targets_area.update_state(0)
            self.projects_area.update_state(0)
            self.local.setText("")
            self._update_buttons()
            return
        s = detail.segment
        chain = self.data.chain if self.data is not None else None
        parent = next((x for x in chain.segments if x.id == s.parent_id), None) if chain else None
        path = f"{parent.name} › {s.name}" if parent is not None else s.name  # a sub-segment
        self.side.title.setText(f"{s.stage} · {path}　{COLOURS[s.status][2]}")
        self.side_counts.setText(self.tr(
            "目标企业 {t}（已接洽 {c}）· 线索 {l} · 在谈 {n} · 签约 {g} · 开工 {st} · 本地企业 {f}")
            .format(t=s.targets, c=s.contacted, l=s.leads, n=s.negotiating, g=s.signed,
                    st=s.started, f=s.local_firms))
        self.targets.set_rows(detail.targets)
        self.projects.set_rows(detail.projects)
        self.targets_area.update_state(len(detail.targets))
        self.projects_area.update_state(len(detail.projects))
        # the first target this reader may win, ready for 转为线索
        first = next((i for i, t in enumerate(detail.targets) if t.id in detail.convertible),
                     None)
        if first is not None:
            self.targets_table.selectRow(first)
        self.local.setText(self.tr("本地企业：{0}").format("、".join(detail.local_firms))
                           if detail.local_firms else "")
        self._update_buttons()

    def _chain_chosen(self, _index: int) -> None:
        chosen = self.chain_choice.value()
        if chosen is not None and chosen != self.chain_id:
            self.chain_id, self.segment_id = chosen, None
            self.notice.hide()
            self.reload()

    def show_segment(self, segment_id: int) -> None:
        self.segment_id = segment_id
        self.map.select(segment_id)
        self._load_detail()

    def selected_target(self) -> view.TargetRow | None:
        index = self.targets_table.currentIndex()
        row: view.TargetRow | None = self.targets.row_at(index.row()) if index.isValid() else None
        return row

    def _update_buttons(self) -> None:
        target = self.selected_target()
        has_segment = self.detail is not None
        self.add_target_button.setEnabled(has_segment)
        self.edit_target_button.setEnabled(target is not None)
        self.convert_button.setEnabled(target is not None and self.detail is not None
                                       and target.id in self.detail.convertible)
        self.edit_segment_button.setEnabled(has_segment)
        self.delete_segment_button.setEnabled(has_segment)
        self.delete_target_button.setEnabled(target is not None)
        self.link_button.setEnabled(has_segment)
        self.unlink_button.setEnabled(self.selected_project() is not None)

    def selected_project(self) -> view.SegmentProject | None:
        index = self.projects_table.currentIndex()
        row: view.SegmentProject | None = (self.projects.row_at(index.row()) if index.isValid()
                                           else None)
        return row

    def _open_project(self, index: Any) -> None:
        row = self.projects.row_at(index.row())
        if row is not None:
            self.project_requested.emit(row.id)

    # --- writing ----------------------------------------------------------------------------
    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def new_target(self) -> FormDialog | None:
        if self.chain_id is None:
            return None
        return self._open(TargetDialog(self.ctx, self.chain_id, self.segment_id, None, self))

    def edit_target(self) -> FormDialog | None:
        target = self.selected_target()
        if target is None or self.chain_id is None:
            return None
        return self._open(TargetDialog(self.ctx, self.chain_id, target.segment_id, target, self))

    def convert_target(self) -> None:
        target = self.selected_target()
        if target is None or target.project_id is not None:
            return

        def converted(done: Conversion) -> None:
            self.notice.setText(self.tr("已把“{0}”转为线索：项目“{1}”（编号 {2}），在“项目”中继续跟进")
                                .format(target.name, done.project_name, done.project_id))
            self.notice.show()
        operations.convert_target(self.ctx, target.id, parent=self, done=converted)

    def delete_target(self) -> None:
        target = self.selected_target()
        if target is None:
            return
        answer = QMessageBox.question(self, self.tr("删除目标企业"),
                                      self.tr("删除目标企业“{0}”？").format(target.name))
        if answer == QMessageBox.StandardButton.Yes:
            operations.delete_target(self.ctx, target.id, parent=self)

    def link_project(self) -> FormDialog | None:
        if self.detail is None:
            return None
        s = self.detail.segment
        return self._open(LinkProjectDialog(self.ctx, s.id, s.name, self))

    def unlink_project(self) -> None:
        project = self.selected_project()
        if project is not None:
            operations.unlink_project(self.ctx, project.id, parent=self)

    def new_chain(self) -> FormDialog:
        dialog = self._open(ChainDialog(self.ctx, None, self))
        dialog.succeeded.connect(lambda row: self._choose_chain(row.id))
        return dialog

    def _choose_chain(self, chain_id: int) -> None:
        self.chain_id, self.segment_id = chain_id, None
        self.reload()

    def edit_chain(self) -> FormDialog | None:
        if self.data is None or self.data.chain is None:
            return None
        return self._open(ChainDialog(self.ctx, self.data.chain, self))

    def new_segment(self) -> FormDialog | None:
        if self.chain_id is None:
            return None
        return self._open(SegmentDialog(self.ctx, self.chain_id, None, self))

    def edit_segment(self) -> FormDialog | None:
        if self.chain_id is None or self.detail is None:
            return None
        return self._open(SegmentDialog(self.ctx, self.chain_id, self.detail.segment, self))

    def delete_segment(self) -> None:
        if self.detail is None:
            return
        s = self.detail.segment
        answer = QMessageBox.question(self, self.tr("删除环节"),
                                      self.tr("删除环节“{0}”？").format(s.name))
        if answer == QMessageBox.StandardButton.Yes:
            self.segment_id = None
            operations.delete_segment(self.ctx, s.id, parent=self)

    def import_targets(self, path: str | None = None, *, dry_run: bool = True) -> None:
        """导入名录 (ui.pages.chains_import): checked first, written when every row is valid."""
        self.importer.run(path, dry_run=dry_run)

    def save_import_errors(self, report: TargetImport, path: str | None = None) -> None:
        self.importer.save_errors(report, path)

    @property
    def import_box(self) -> QMessageBox | None:
        """The last import's result box."""
        return self.importer.box

    def notice_text(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()
