"""接洽记录: every logged contact, searchable by text and date, and the follow-ups due.

The list holds only the count and the pages it shows (300k logs: ``PagedListModel``); search,
filters and the order of a header click run in SQL (``contacts.log_ids``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.services import contacts, follow_up_list
from crm.services.contacts import LogQuery, LogRow
from crm.services.follow_up_list import FollowUps
from ui.context import AppContext, Latest, op
from ui.dialogs.log_dialog import LogDialog
from ui.forms import DateEdit
from ui.models.id_list import PagedListModel
from ui.models.more import MoreRowsModel
from ui.models.table import Column
from ui.operations import companies as company_ops
from ui.pages.common import icon, search_box, table_view, title_label
from ui.throttle import Throttle
from ui.widgets.panel import TableOrEmpty


def due_summary(due: FollowUps) -> str:
    """The reminder, e.g. "今天有 2 条跟进到期，3 条已逾期" ("" when nothing is due)."""
    parts = []
    if due.today_count:
        parts.append(_tr("今天有 {n} 条跟进到期").format(n=due.today_count))
    if due.overdue_count:
        parts.append(_tr("{n} 条已逾期").format(n=due.overdue_count))
    return _tr("，").join(parts)


def _tr(text: str) -> str:
    return QCoreApplication.translate("ContactsPage", text)


def due_text(row: LogRow, today: dt.date) -> str:
    if row.follow_up_on is None:
        return ""
    days = (row.follow_up_on - today).days
    if days < 0:
        return _tr("逾期 {n} 天").format(n=-days)
    return _tr("今天") if days == 0 else _tr("{n} 天后").format(n=days)


class ContactsPage(QWidget):
    """The 接洽记录 page. Signals: ``project_requested(id)`` opens a project."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page-contacts")
        self.dialog: LogDialog | None = None
        self._latest = Latest(ctx)
        self._follow_user: int | None = None

        self.count = QLabel(self)
        self.count.setObjectName("page-count")
        self.count.setProperty("class", "muted")
        self.new_button = QPushButton(icon("fa5s.plus", "white"), self.tr("记一笔"), self)
        self.new_button.setObjectName("primary")
        self.new_button.setProperty("class", "primary")
        self.new_button.setToolTip(self.tr("记录一次走访、来访、电话、会议或活动（Ctrl+L）"))
        self.new_button.clicked.connect(self.log_contact)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("接洽记录"), self))
        header.addWidget(self.count)
        header.addStretch(1)
        header.addWidget(self.new_button)

        self.search = search_box(self.tr("搜索内容、项目或企业"), self)
        self.date_from = DateEdit(self, optional=True, blank=self.tr("不限"))
        self.date_to = DateEdit(self, optional=True, blank=self.tr("不限"))
        self.mine = QCheckBox(self.tr("只看我的"), self)
        self.mine.setChecked(not ctx.actor.is_manager)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(QLabel(self.tr("日期"), self))
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel(self.tr("至"), self))
        filters.addWidget(self.date_to)
        filters.addWidget(self.mine)
        filters.addStretch(1)
        self._reload_later = Throttle(self.reload, 200, self)
        self.search.textChanged.connect(self._reload_later)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._reload_later)
        self.mine.toggled.connect(lambda _c: self.reload())

        # A header click sorts in the database; free text (内容, 下一步) is not a sort order.
        self.model: PagedListModel[LogQuery, LogRow] = PagedListModel(ctx, [
            Column(self.tr("日期"), lambda r: r.logged_on, "date", sort="logged_on"),
            Column(self.tr("方式"), lambda r: r.mode, sort="mode"),
            Column(self.tr("人员"), lambda r: r.user, sort="user"),
            Column(self.tr("项目"), lambda r: r.project, sort="project"),
            Column(self.tr("企业"), lambda r: r.company, sort="company"),
            Column(self.tr("内容"), lambda r: r.content),
            Column(self.tr("下一步"), lambda r: r.next_step),
            Column(self.tr("下次跟进"), lambda r: r.follow_up_on, "date", sort="follow_up_on"),
        ], LogQuery(), contacts.log_ids_or_count, contacts.log_page, contacts.log_rows, self,
            marks=contacts.log_marks, whole=contacts.log_ids)
        self.model.loaded.connect(self._list_loaded)
        # 内容 takes the spare width; the rest keep a width that fits their usual text.
        self.table = table_view(self.model, self, sortable=True, stretch=5)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        for i, width in enumerate((100, 52, 64, 140, 150, 0, 110, 100)):
            if width:
                self.table.setColumnWidth(i, width)
        self.table.doubleClicked.connect(self._open_log_project)
        self.list_area = TableOrEmpty(
            self.table, self.tr("还没有接洽记录 — 点“记一笔”记录走访、来访或电话"), self)

        # follow-ups
        side = QWidget(self)
        side.setObjectName("follow-up-panel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        self.follow_title = QLabel(self.tr("待跟进"), side)
        self.follow_title.setObjectName("section-title")
        self.follow_title.setProperty("class", "panel-title")
        self.all_staff = QCheckBox(self.tr("全部人员"), side)
        self.all_staff.setVisible(ctx.actor.is_manager)
        self.all_staff.setChecked(ctx.actor.is_manager)  # managers watch the whole team
        self.all_staff.toggled.connect(lambda _c: self.reload())
        self.done_button = QPushButton(icon("fa5s.check"), self.tr("完成"), side)
        self.done_button.clicked.connect(self.complete_selected)
        head = QHBoxLayout()
        head.addWidget(self.follow_title)
        head.addStretch(1)
        head.addWidget(self.all_staff)
        head.addWidget(self.done_button)
        side_layout.addLayout(head)
        self.follow_model = MoreRowsModel(ctx, [
            Column(self.tr("到期"), lambda r: due_text(r, self.ctx.today())),
            Column(self.tr("日期"), lambda r: r.follow_up_on, "date"),
            Column(self.tr("项目/企业"), lambda r: r.project or r.company),
            Column(self.tr("下一步"), lambda r: r.next_step or r.content),
            Column(self.tr("人员"), lambda r: r.user),
        ], self)
        self.follow_table = table_view(self.follow_model, side, stretch=3)
        for i, width in enumerate((84, 100, 150, 0, 60)):
            if width:
                self.follow_table.setColumnWidth(i, width)
        self.follow_table.selectionModel().currentRowChanged.connect(
            lambda *_a: self._update_done())
        self.follow_area = TableOrEmpty(
            self.follow_table, self.tr("没有待跟进的事项 — 记一笔时可约定下次跟进日期"), side)
        side_layout.addWidget(self.follow_area)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.list_area)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([900, 520])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        ctx.on_change(changes.LOGS, self.reload)
        self._update_done()
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def reload(self) -> None:
        self._reload_later.cancel()
        me = self.ctx.actor.user_id
        self.model.set_query(replace(
            self.model.query, search=self.search.text(), date_from=self.date_from.value(),
            date_to=self.date_to.value(), user_id=me if self.mine.isChecked() else None))
        follow_user = None if self.all_staff.isChecked() else me
        self._follow_user = follow_user
        self._latest.read(op(follow_up_list.follow_ups, self.ctx.today(), user_id=follow_user,
                             limit=follow_up_list.FOLLOW_SCREEN), self._loaded)

    def _list_loaded(self) -> None:
        """The count arrived: the true total, whatever part of the list is on screen."""
        n = self.model.rowCount()
        filtered = bool(self.search.text().strip() or self.date_from.value()
                        or self.date_to.value())
        self.list_area.update_state(n, self.tr("没有符合条件的接洽记录") if filtered else
                                    self.tr("还没有接洽记录 — 点“记一笔”记录走访、来访或电话"))
        self.count.setText(self.tr("{n} 条").format(n=n))

    def _loaded(self, due: FollowUps) -> None:
        rows = [*due.overdue, *due.today, *due.upcoming]
        # the first screen and the counts; more on scroll
        today, user = self.ctx.today(), self._follow_user
        self.follow_model.set_first(rows, due.total, lambda offset: op(
            follow_up_list.follow_up_page, today, offset, user_id=user))
        self.follow_area.update_state(due.total)
        self.follow_title.setText(self.tr("待跟进：逾期 {o} · 今天 {t} · 7 天内 {u}").format(
            o=due.overdue_count, t=due.today_count, u=due.upcoming_count))
        self._update_done()

    def _update_done(self) -> None:
        self.done_button.setEnabled(self.selected_follow_up() is not None)

    def selected_follow_up(self) -> LogRow | None:
        index = self.follow_table.currentIndex()
        return self.follow_model.row_at(index.row()) if index.isValid() else None

    def complete_selected(self) -> None:
        row = self.selected_follow_up()
        if row is not None:
            company_ops.complete_follow_up(self.ctx, row.id, parent=self)

    def log_contact(self) -> LogDialog:
        self.dialog = LogDialog(self.ctx, None, self)
        self.dialog.open()
        return self.dialog

    def _open_log_project(self, index: Any) -> None:
        row = self.model.row_at(index.row())
        if row is not None and row.project_id is not None:
            self.project_requested.emit(row.project_id)
