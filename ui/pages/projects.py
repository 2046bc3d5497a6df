"""项目: the project list (fast at 100,000: ids from SQL, rows in batches), its detail panel,
the 看板, and the actions 新建, 编辑, 推进阶段, 终止, 回退/更正, 删除 and 恢复."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from crm import changes, stages
from crm.bands import BANDS
from crm.services.common import SOURCE_NAMES
from crm.services.metrics import preset_period
from crm.services.projects import ProjectQuery, ProjectRow
from ui import errors
from ui.context import AppContext
from ui.dialogs.advance_dialog import AdvanceDialog
from ui.dialogs.assessment_dialogs import ReceiptDialog
from ui.dialogs.log_dialog import LogDialog
from ui.dialogs.project_dialog import Lookups, ProjectDialog, load_lookups
from ui.dialogs.records_dialog import AgreementDialog, RegisteredDialog
from ui.forms import Choice, FormDialog
from ui.models.projects import ProjectListModel
from ui.operations import projects as project_ops
from ui.pages.board import BoardView
from ui.pages.common import icon, search_box, table_view, title_label
from ui.pages.project_detail import ProjectDetail
from ui.throttle import Throttle
from ui.widgets.panel import TableOrEmpty

SEARCH_DELAY_MS = 200
PERIODS = (("month", "本月签约"), ("quarter", "本季度签约"), ("h1", "上半年签约"),
           ("h2", "下半年签约"), ("year", "今年签约"), ("last_year", "去年签约"))
WIDTHS = (160, 140, 64, 80, 100, 104, 92, 92, 60, 80)


def import_wizard_available() -> bool:
    try:
        return importlib.util.find_spec("ui.dialogs.import_wizard") is not None
    except (ImportError, ValueError):
        return False


class ProjectsPage(QWidget):
    """The 项目 page. ``dialog`` is the last dialog it opened (tests drive it)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page-projects")
        self.dialog: FormDialog | None = None
        self._selected: int | None = None

        # --- header: title, count, view switch, 导入, 新建 ----------------------------------
        self.count = QLabel(self.tr("加载中…"), self)  # the count, once the list is read
        self.count.setObjectName("page-count")
        self.count.setProperty("class", "muted")
        self.view_list = QPushButton(icon("fa5s.list"), self.tr("列表"), self)
        self.view_board = QPushButton(icon("fa5s.columns"), self.tr("看板"), self)
        self.views = QButtonGroup(self)
        for i, button in enumerate((self.view_list, self.view_board)):
            button.setCheckable(True)
            button.setObjectName("segment")
            self.views.addButton(button, i)
        self.view_list.setChecked(True)
        self.views.idClicked.connect(self.show_view)
        self.import_button = QPushButton(icon("fa5s.file-import"), self.tr("从台账导入"), self)
        self.import_button.setObjectName("import-ledger")
        self.import_button.clicked.connect(self.import_ledger)
        self.import_button.setVisible(import_wizard_available())
        if not ctx.actor.is_manager:  # the import refuses staff: say so before they start
            self.import_button.setEnabled(False)
            self.import_button.setToolTip(self.tr("导入台账由管理者进行"))
        self.new_button = QPushButton(icon("fa5s.plus", "white"), self.tr("新建项目"), self)
        self.new_button.setObjectName("primary")
        self.new_button.setProperty("class", "primary")
        self.new_button.clicked.connect(self.new_project)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("项目"), self))
        header.addWidget(self.count)
        header.addStretch(1)
        for w in (self.view_list, self.view_board, self.import_button, self.new_button):
            header.addWidget(w)

        # --- filters -----------------------------------------------------------------------
        self.search = search_box(self.tr("搜索项目、企业、信用代码或拼音首字母"), self)
        self.stage = Choice(self, [(self.tr(n), c) for c, n in stages.NAMES.items()],
                            blank=self.tr("全部阶段"))
        self.industry = Choice(self, blank=self.tr("全部产业"))  # filled by _lookups
        self.owner = Choice(self, blank=self.tr("全部负责人"))
        self.source = Choice(self, [(n, c) for c, n in SOURCE_NAMES.items()],
                             blank=self.tr("全部来源"))
        self.period = Choice(self, [(self.tr(n), c) for c, n in PERIODS],
                             blank=self.tr("全部签约期间"))
        self.band = Choice(self, [(self.tr(n), c) for c, n, _f in BANDS],  # 计划总投资, inclusive
                           blank=self.tr("全部规模"))
        self.band.setObjectName("band-filter")
        self.trash = QPushButton(icon("fa5s.trash-restore"), self.tr("回收站"), self)
        self.trash.setCheckable(True)
        self.trash.setObjectName("trash-toggle")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        choices: tuple[QWidget, ...] = (self.stage, self.industry, self.owner, self.source,
                                        self.band, self.period)
        for choice in choices:
            if choice is not self.band:
                choice.setObjectName("filter")
            filters.addWidget(choice)
        filters.addStretch(0)
        filters.addWidget(self.trash)
        self._search_later = Throttle(self.apply_filters, SEARCH_DELAY_MS, self)
        self.search.textChanged.connect(self._search_later)
        for combo in (self.stage, self.industry, self.owner, self.source, self.band,
                      self.period):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.trash.toggled.connect(self.apply_filters)

        # --- actions -----------------------------------------------------------------------
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("page-toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.act_edit = self._action("fa5s.edit", self.tr("编辑"), self.edit_selected)
        self.act_advance = self._action("fa5s.forward", self.tr("推进阶段"), self.advance_selected)
        self.act_drop = self._action("fa5s.ban", self.tr("终止"), self.drop_selected)
        self.act_correct = self._action("fa5s.undo", self.tr("回退/更正"), self.correct_selected)
        self.act_log = self._action("fa5s.comment-dots", self.tr("记一笔"), self.log_selected)
        self.act_delete = self._action("fa5s.trash", self.tr("删除"), self.delete_selected)
        self.act_restore = self._action("fa5s.trash-restore", self.tr("恢复"),
                                        self.restore_selected)
        self.act_edit.setShortcut(QKeySequence(Qt.Key.Key_F2))
        for act in (self.act_edit, self.act_advance, self.act_drop, self.act_correct,
                    self.act_log, self.act_delete, self.act_restore):
            self.toolbar.addAction(act)

        # --- list + detail, board ------------------------------------------------------------
        self.model = ProjectListModel(ctx, self)
        self.table = table_view(self.model, self, sortable=True)
        self.table.setObjectName("project-table")
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        for i, width in enumerate(WIDTHS):
            self.table.setColumnWidth(i, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.list_area = TableOrEmpty(self.table, self.tr("还没有项目 — 新建或从台账导入"), self)
        self.detail = ProjectDetail(ctx, self)
        self.detail.action.connect(self._detail_action)
        self.detail.loaded.connect(lambda _details: self._update_actions())
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.list_area)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1040, 350])
        self.board = BoardView(ctx, self)
        self.board.moved.connect(self.on_card_dropped)
        self.board.opened.connect(self._board_open)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.board)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)

        self.model.loaded.connect(self._list_loaded)
        self.model.modelReset.connect(self._update_actions)
        ctx.on_change(changes.PROJECTS, self.reload)
        ctx.on_change(("users", "industries"), self._read_lookups)
        self._read_lookups()
        self._update_actions()
        self.model.set_query(self.filter_query())

    def _action(self, name: str, text: str, slot: Any) -> QAction:
        action = QAction(icon(name), text, self)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # --- what the shell calls ----------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def open_project(self, project_id: int) -> None:
        """Show one project (e.g. from the dashboard): in the list when it is there."""
        self.show_view(0)
        self._selected = project_id
        self.detail.show_project(project_id)
        row = self.model.row_of(project_id)
        if row >= 0:
            self._select_row(row)
        else:
            self.clear_filters()

    def clear_filters(self) -> None:
        for combo in (self.stage, self.industry, self.owner, self.source, self.period):
            combo.blockSignals(True)
            combo.set_value(None)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.trash.blockSignals(True)
        self.trash.setChecked(False)
        self.trash.blockSignals(False)
        self.apply_filters()

    # --- querying ------------------------------------------------------------------------------
    def filter_query(self) -> ProjectQuery:
        stage, industry, owner = self.stage.value(), self.industry.value(), self.owner.value()
        source = self.source.value()
        signed_from = signed_to = None
        period = self.period.value()
        today = self.ctx.today()
        if period == "last_year":
            signed_from, signed_to = dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
        elif period:
            p = preset_period(period, today)
            signed_from, signed_to = p.start, p.end
        return replace(self.model.query if hasattr(self, "model") else ProjectQuery(),
                       search=self.search.text().strip(),
                       stages=(stage,) if stage else (),
                       industry_ids=(industry,) if industry else (),
                       owner_ids=(owner,) if owner else (),
                       sources=(source,) if source else (),
                       signed_from=signed_from, signed_to=signed_to,
                       band=self.band.value(), deleted=self.trash.isChecked())

    def apply_filters(self, *_args: object) -> None:
        self._search_later.cancel()
        query = self.filter_query()
        self.model.set_query(query)
        if self.stack.currentWidget() is self.board:
            self.board.set_query(query)

    def reload(self) -> None:
        """Something changed (here or elsewhere): re-read, keeping the selection."""
        self.model.reload()
        self.detail.reload()
        if self.stack.currentWidget() is self.board:
            self.board.reload()

    def show_view(self, which: int) -> None:
        self.views.button(which).setChecked(True)
        self.stack.setCurrentIndex(which)
        if which == 1:
            self.board.set_query(self.filter_query())

    def _list_loaded(self) -> None:
        n = self.model.rowCount()
        filtered = self.filter_query() != replace(ProjectQuery(), sort=self.model.query.sort,
                                           descending=self.model.query.descending)
        if self.trash.isChecked():
            self.count.setText(self.tr("回收站中 {n} 个项目").format(n=n))
            empty = self.tr("回收站是空的")
        else:
            self.count.setText(self.tr("共 {n} 个项目").format(n=n))
            empty = (self.tr("没有符合条件的项目 — 换个关键词或清除筛选") if filtered
                     else self.tr("还没有项目 — 新建或从台账导入"))
        self.list_area.update_state(n, empty)
        row = self.model.row_of(self._selected) if self._selected is not None else -1
        if row < 0 and self._selected is None and n:
            row = 0  # open on the first project rather than an empty detail panel
        if row >= 0:
            self._select_row(row)
        self._update_actions()

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        pid = self.model.id_at(current.row()) if current.isValid() else None
        if pid is not None and pid != self._selected:
            self._selected = pid
            self.detail.show_project(pid)
        self._update_actions()

    # --- actions -----------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        return self._selected

    def current_project_id(self) -> int | None:
        """For the shell's Ctrl+L: the project the user is looking at."""
        return self._selected if self.stack.currentWidget() is self.splitter else None

    def selected_row(self) -> ProjectRow | None:
        """The selected project as last read: its detail (read again whenever it changes),
        else its list row. A save from an older version is refused by the core and says so."""
        pid = self._selected
        if pid is None:
            return None
        details = self.detail.details
        if details is not None and details.row.id == pid:
            return details.row
        index = self.model.row_of(pid)
        return self.model.row_at(index) if index >= 0 else None

    def _read_lookups(self) -> None:
        """The filters' lists (industries, people), off the GUI thread."""
        self.ctx.read(load_lookups, done=self._lookups)

    def _lookups(self, look: Lookups) -> None:
        self.industry.set_items([(i.name, i.id) for i in look.industries])
        self.owner.set_items([(u.display_name, u.id) for u in look.users])

    def _update_actions(self) -> None:
        has = self._selected is not None and self.model.row_of(self._selected) >= 0
        trash = self.trash.isChecked()
        # what crm.permissions lets this user do to the project shown (none until it is read)
        details = self.detail.details
        may = (details.allowed if details is not None and has
               and details.row.id == self._selected else frozenset())
        self.act_log.setEnabled(has and not trash)
        for act, action in ((self.act_edit, "projects.update_project"),
                            (self.act_advance, "pipeline.advance"),
                            (self.act_drop, "pipeline.drop"),
                            (self.act_correct, "pipeline.correct_back"),
                            (self.act_delete, "projects.delete_project")):
            act.setEnabled(has and not trash and action in may)
        self.act_delete.setVisible(not trash)
        self.act_restore.setVisible(trash)
        self.act_restore.setEnabled(has and trash and "projects.restore_project" in may)

    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.succeeded.connect(self._after_save)
        dialog.open()
        return dialog

    def _after_save(self, result: Any) -> None:
        if isinstance(result, ProjectRow):
            self._selected = result.id
            self.detail.show_project(result.id)

    def new_project(self) -> FormDialog:
        return self._open(ProjectDialog(self.ctx, None, self))

    def edit_selected(self) -> FormDialog | None:
        row = self.selected_row()
        return self._open(ProjectDialog(self.ctx, row, self)) if row else None

    def advance_selected(self, to: str | None = None) -> FormDialog | None:
        row = self.selected_row()
        return self._open(AdvanceDialog(self.ctx, row, to, self)) if row else None

    def drop_selected(self) -> FormDialog | None:
        return self.advance_selected(stages.DROPPED)

    def correct_selected(self) -> FormDialog | None:
        row = self.selected_row()
        if row is None:
            return None
        back = None
        if row.stage == stages.DROPPED:
            back = stages.NEGOTIATING
        elif stages.rank(row.stage) > 0:
            back = stages.FORWARD[stages.rank(row.stage) - 1]
        return self._open(AdvanceDialog(self.ctx, row, back, self))

    def log_selected(self) -> FormDialog:
        return self._open(LogDialog(self.ctx, self._selected, self))

    def delete_selected(self, confirm: bool = True) -> None:
        row = self.selected_row()
        if row is None:
            return
        if confirm and not errors.confirm(
                self.tr("把项目“{name}”移入回收站？各项统计将不再计入它，可从回收站恢复。")
                .format(name=row.name), self):
            return
        project_ops.delete_project(self.ctx, row.id, parent=self)

    def restore_selected(self) -> None:
        pid = self._selected
        if pid is not None:
            project_ops.restore_project(self.ctx, pid, parent=self)

    def import_ledger(self) -> None:
        try:
            module = importlib.import_module("ui.dialogs.import_wizard")
        except ImportError:
            self.import_button.hide()
            return
        module.run_import_wizard(self.ctx, self)

    def _detail_action(self, name: str, row: ProjectRow) -> None:
        dialogs = {"log": lambda: LogDialog(self.ctx, row.id, self),
                   "agreement": lambda: AgreementDialog(self.ctx, row, self),
                   "funding": lambda: ReceiptDialog(self.ctx, row.id, row.name, parent=self),
                   "registered": lambda: RegisteredDialog(self.ctx, row, self)}
        self._open(dialogs[name]())

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self._select_row(index.row())
        menu = QMenu(self)
        for act in (self.act_edit, self.act_advance, self.act_drop, self.act_correct,
                    self.act_log, self.act_delete, self.act_restore):
            if act.isVisible():
                menu.addAction(act)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # --- board ---------------------------------------------------------------------------------
    def on_card_dropped(self, project_id: int, stage: str) -> FormDialog | None:
        """A card moved to another column: the same dialog as 推进阶段 (cancel changes nothing)."""
        row = self.board.row(project_id)
        if row is None or row.stage == stage:
            return None
        self._selected = project_id
        return self._open(AdvanceDialog(self.ctx, row, stage, self))

    def _board_open(self, project_id: int) -> None:
        self.open_project(project_id)

