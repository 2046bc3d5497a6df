"""变更记录 and 审计日志: who changed what and when, read from crm.services.audit.

:class:`HistoryView` is the 变更记录 tab of a project's or company's detail; :class:`AuditLogTab`
is the managers' whole log in 设置, filtered by person and date, a page at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.services import audit
from crm.services.audit import HistoryEntry, LogPage, LogQuery, Person
from ui.context import AppContext, Latest, op
from ui.models.table import Column, RowsModel
from ui.pages.common import table_view
from ui.widgets.panel import TableOrEmpty

PAGE_SIZE = 200


def _columns(widget: QWidget, with_record: bool) -> list[Column]:
    columns = [Column(widget.tr("时间"), lambda e: f"{e.at:%Y-%m-%d %H:%M}", width=130),
               Column(widget.tr("人员"), lambda e: e.actor, width=110 if with_record else 80),
               Column(widget.tr("操作"), lambda e: e.action, width=120 if with_record else 96)]
    if with_record:
        columns.append(Column(widget.tr("记录"), lambda e: f"{e.entity} {e.subject}".strip(),
                              width=200))
        columns.append(Column(widget.tr("变更内容"), lambda e: e.summary))
    else:  # a narrow detail panel: one changed field a line
        columns.append(Column(widget.tr("变更内容"), lambda e: "\n".join(
            [c.text for c in e.changes] + ([e.note] if e.note else []))))
    return columns


def _entries_view(widget: QWidget, with_record: bool, name: str, empty: str
                  ) -> tuple[RowsModel, TableOrEmpty]:
    columns = _columns(widget, with_record)
    model = RowsModel(columns, widget)
    view = table_view(model, widget)
    view.setObjectName(name)
    for i, column in enumerate(columns):
        if column.width:
            view.setColumnWidth(i, column.width)
    return model, TableOrEmpty(view, empty, widget)


def _key(person: Person) -> str:
    return f"user:{person.user_id}" if person.user_id is not None else f"name:{person.name}"


class HistoryView(QWidget):
    """A record's 变更记录, newest first; the detail that owns it loads the entries."""

    def __init__(self, empty: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.model, self.area = _entries_view(self, False, "history-table", empty)
        view = self.area.table  # rows as tall as their changes (a record has at most 500)
        view.setWordWrap(True)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.area)

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        self.model.set_rows(entries)
        self.area.update_state(len(entries))


class AuditLogTab(QWidget):
    """设置 → 审计日志 (managers): the whole log by person and date range, newest first."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("audit-tab")
        self.page: LogPage | None = None
        self.offset = 0
        self._latest = Latest(ctx)
        self._people_by_key: dict[str, Person] = {}
        self.person = QComboBox(self)
        self.person.setObjectName("audit-person")
        self.person.setMinimumContentsLength(10)
        self.person.addItem(self.tr("全部人员"), None)
        today = ctx.today()
        self.date_from = self._date_edit("audit-from", today - dt.timedelta(days=30))
        self.date_to = self._date_edit("audit-to", today)
        self.count = QLabel(self)
        self.count.setObjectName("audit-count")
        self.count.setProperty("class", "muted")
        self.previous = QPushButton(self.tr("上一页"), self)
        self.previous.setObjectName("audit-previous")
        self.previous.clicked.connect(lambda: self._turn(-1))
        self.next = QPushButton(self.tr("下一页"), self)
        self.next.setObjectName("audit-next")
        self.next.clicked.connect(lambda: self._turn(1))
        filters = QHBoxLayout()
        for caption, widget in ((self.tr("人员"), self.person), (self.tr("从"), self.date_from),
                                (self.tr("到"), self.date_to)):
            filters.addWidget(QLabel(caption, self))
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.count)
        filters.addWidget(self.previous)
        filters.addWidget(self.next)
        self.model, self.area = _entries_view(
            self, True, "audit-log", self.tr("这段时间没有变更记录 — 换一个人员或日期范围"))
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.area, 1)
        self.person.currentIndexChanged.connect(lambda _i: self.search())
        self.date_from.dateChanged.connect(lambda _d: self.search())
        self.date_to.dateChanged.connect(lambda _d: self.search())
        ctx.on_change(changes.HISTORY, self.refresh)
        self.refresh()

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def chosen_filter(self) -> LogQuery:
        """The filter as chosen: the person (an account or a name) and the two days."""
        chosen = self._people_by_key.get(self.person.currentData())
        start, end = self.date_from.date(), self.date_to.date()
        q = LogQuery(date_from=dt.date(start.year(), start.month(), start.day()),
                     date_to=dt.date(end.year(), end.month(), end.day()))
        if chosen is not None:
            q = replace(q, user_id=chosen.user_id) if chosen.user_id is not None \
                else replace(q, actor_name=chosen.name)
        if q.date_from and q.date_to and q.date_to < q.date_from:
            q = replace(q, date_from=q.date_to, date_to=q.date_from)
        return q

    def refresh(self) -> None:
        """The people the log names and the current page again (after any change)."""
        self.ctx.read(op(audit.log_people, self.ctx.actor), done=self._people)
        self._load()

    def search(self) -> None:
        self.offset = 0
        self._load()

    def _turn(self, step: int) -> None:
        self.offset = max(0, self.offset + step * PAGE_SIZE)
        self._load()

    def _load(self) -> None:
        self._latest.read(op(audit.audit_log, self.ctx.actor, self.chosen_filter(), self.offset,
                             PAGE_SIZE), self._loaded)

    def _people(self, people: list[Person]) -> None:
        chosen = self.person.currentData()
        self.person.blockSignals(True)
        self.person.clear()
        self.person.addItem(self.tr("全部人员"), None)
        self._people_by_key = {_key(p): p for p in people}
        for p in people:
            label = p.name if p.user_id is not None else self.tr("{name}（无账号）").format(
                name=p.name)
            self.person.addItem(label, _key(p))
        self.person.setCurrentIndex(max(0, self.person.findData(chosen)))
        self.person.blockSignals(False)

    def _loaded(self, page: LogPage) -> None:
        self.page = page
        self.model.set_rows(page.rows)
        self.area.update_state(len(page.rows))
        pages = max(1, -(-page.total // page.limit))
        self.count.setText(self.tr("共 {total} 条 · 第 {page}/{pages} 页").format(
            total=page.total, page=page.offset // page.limit + 1, pages=pages))
        self.previous.setEnabled(page.offset > 0)
        self.next.setEnabled(page.offset + len(page.rows) < page.total)
