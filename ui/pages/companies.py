"""企业: companies (search by name, USCC or pinyin initials), their contacts and projects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.services import companies
from crm.services.companies import CompanyQuery, CompanyRow
from crm.views.companies import CompanyDetails, load_company
from ui.context import AppContext, op
from ui.dialogs.company_dialog import CompanyDialog, ContactDialog
from ui.dialogs.project_dialog import ProjectDialog
from ui.errors import confirm
from ui.forms import FormDialog
from ui.models.id_list import PagedListModel
from ui.models.projects import project_columns
from ui.models.table import Column, RowsModel
from ui.operations import companies as company_ops
from ui.pages.common import icon, search_box, table_view, title_label
from ui.pages.duplicates import DuplicatesView
from ui.pages.history import HistoryView
from ui.throttle import Throttle
from ui.widgets.panel import EmptyMessage, TableOrEmpty


class CompaniesPage(QWidget):
    """The 企业 page. Signals: ``project_requested(id)`` opens a project."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("page-companies")
        self.dialog: FormDialog | None = None
        self.details: CompanyDetails | None = None
        self._selected: int | None = None

        self.count = QLabel(self)
        self.count.setObjectName("page-count")
        self.count.setProperty("class", "muted")
        self.new_button = QPushButton(icon("fa5s.plus", "white"), self.tr("新建企业"), self)
        self.new_button.setObjectName("primary")
        self.new_button.setProperty("class", "primary")
        self.new_button.clicked.connect(self.new_company)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("企业"), self))
        header.addWidget(self.count)
        header.addStretch(1)
        # 重复企业 (managers): the suspected pairs instead of the list, and back
        self.duplicates_button = QPushButton(icon("fa5s.clone"), self.tr("重复企业"), self)
        self.duplicates_button.setObjectName("show-duplicates")
        self.duplicates_button.setCheckable(True)
        self.duplicates_button.setVisible(ctx.actor.is_manager)
        self.duplicates_button.toggled.connect(self.show_duplicates)
        header.addWidget(self.duplicates_button)
        header.addWidget(self.new_button)
        self.search = search_box(self.tr("搜索企业名称、信用代码或拼音首字母"), self)
        self._reload_later = Throttle(self.reload, 200, self)
        self.search.textChanged.connect(self._reload_later)

        # Every company (100k), in pinyin order from SQL, rows read in batches as they show.
        # all ids up to 100,000 companies, else the count and a screen at a time
        self.model: PagedListModel[CompanyQuery, CompanyRow] = PagedListModel(ctx, [
            Column(self.tr("企业名称"), lambda r: r.name),
            Column(self.tr("统一社会信用代码"), lambda r: r.uscc or ""),
            Column(self.tr("总部"), lambda r: r.hq_city),
            Column(self.tr("产业"), lambda r: r.industry),
            Column(self.tr("项目数"), lambda r: r.project_count, "number"),
        ], CompanyQuery(), companies.company_ids_or_count, companies.company_page,
            companies.company_rows, self, marks=companies.company_marks)
        self.model.loaded.connect(self._loaded)
        self.table = table_view(self.model, self, stretch=0)
        for i, width in enumerate((260, 180, 70, 100, 64)):
            self.table.setColumnWidth(i, width)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.list_area = TableOrEmpty(self.table, self.tr("还没有企业 — 新建企业或从台账导入"), self)

        # detail
        detail = QWidget(self)
        detail.setObjectName("detail-panel")
        d = QVBoxLayout(detail)
        d.setContentsMargins(12, 0, 0, 0)
        self.heading = QLabel(detail)
        self.heading.setObjectName("detail-title")
        self.heading.setProperty("class", "panel-title")
        self.heading.setWordWrap(True)
        self.edit_button = QPushButton(icon("fa5s.edit"), self.tr("编辑"), detail)
        self.edit_button.clicked.connect(self.edit_selected)
        self.new_project_button = QPushButton(icon("fa5s.plus"), self.tr("新建项目"), detail)
        self.new_project_button.clicked.connect(self.new_project)
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.edit_button)
        head.addWidget(self.new_project_button)
        d.addLayout(head)
        self.info = QFormLayout()
        self.info_values = {}
        for key, label in (("uscc", "统一社会信用代码"), ("hq_city", "总部城市"),
                           ("industry", "产业"), ("segment", "产业链环节"),
                           ("former_names", "曾用名"), ("parent", "投资方"),
                           ("local", "项目公司"), ("note", "备注")):
            value = QLabel(detail)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.info.addRow(self.tr(label), value)
            self.info_values[key] = value
        d.addLayout(self.info)
        # 概况 (contacts and projects) and 变更记录 share the space below the facts
        self.tabs = QTabWidget(detail)
        self.tabs.setObjectName("company-tabs")
        self.tabs.setDocumentMode(True)
        overview = QWidget(self.tabs)
        o = QVBoxLayout(overview)
        o.setContentsMargins(0, 6, 0, 0)
        contacts_head = QHBoxLayout()
        caption = QLabel(self.tr("联系人"), detail)
        caption.setObjectName("section-title")
        caption.setProperty("class", "panel-title")
        self.add_contact_button = QPushButton(icon("fa5s.user-plus"), self.tr("添加"), detail)
        self.add_contact_button.clicked.connect(self.add_contact)
        self.remove_contact_button = QPushButton(icon("fa5s.user-minus"), self.tr("移除"), detail)
        self.remove_contact_button.clicked.connect(self.remove_contact)
        contacts_head.addWidget(caption)
        contacts_head.addStretch(1)
        contacts_head.addWidget(self.add_contact_button)
        contacts_head.addWidget(self.remove_contact_button)
        o.addLayout(contacts_head)
        self.contacts_model = RowsModel([
            Column(self.tr("姓名"), lambda r: r.name),
            Column(self.tr("职务"), lambda r: r.title),
            Column(self.tr("电话"), lambda r: r.phone),
            Column(self.tr("邮箱"), lambda r: r.email),
        ], self)
        self.contacts_table = table_view(self.contacts_model, detail, stretch=3)
        self.contacts_table.setMaximumHeight(160)
        o.addWidget(self.contacts_table)
        projects_caption = QLabel(self.tr("项目"), detail)
        projects_caption.setObjectName("section-title")
        projects_caption.setProperty("class", "panel-title")
        o.addWidget(projects_caption)
        self.projects_model = RowsModel(project_columns("name", "stage", "planned", "owner"),
                                        self)
        self.projects_table = table_view(self.projects_model, detail, stretch=0)
        for i, width in enumerate((200, 64, 130, 70)):
            self.projects_table.setColumnWidth(i, width)
        self.projects_table.doubleClicked.connect(self._open_project)
        o.addWidget(self.projects_table, 1)
        self.tabs.addTab(overview, self.tr("联系人与项目"))
        history = QWidget(self.tabs)
        hl = QVBoxLayout(history)
        hl.setContentsMargins(0, 0, 0, 0)
        self.changes = HistoryView(self.tr("还没有变更记录"), history)
        self.changes.setObjectName("company-changes")
        hl.addWidget(self.changes, 1)
        # a merge recorded here is undone from here (managers; refused when unsafe, saying why)
        self.undo_merge_button = QPushButton(icon("fa5s.undo"), self.tr("撤销所选的合并"), history)
        self.undo_merge_button.setObjectName("undo-merge-from-history")
        self.undo_merge_button.setVisible(ctx.actor.is_manager)
        self.undo_merge_button.setEnabled(False)
        self.undo_merge_button.clicked.connect(self.undo_selected_merge)
        self.changes.area.table.selectionModel().currentRowChanged.connect(
            lambda *_: self.undo_merge_button.setEnabled(self.selected_merge() is not None))
        hl.addWidget(self.undo_merge_button, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(history, self.tr("变更记录"))
        d.addWidget(self.tabs, 1)
        self.detail_widget = detail
        self.detail_empty = EmptyMessage(self.tr("在左侧选择一家企业"), self)
        right = QWidget(self)
        r = QVBoxLayout(right)
        r.setContentsMargins(0, 0, 0, 0)
        r.addWidget(detail)
        r.addWidget(self.detail_empty)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.list_area)
        splitter.addWidget(right)
        splitter.setSizes([760, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addLayout(header)
        layout.addWidget(self.search)
        self.duplicates: DuplicatesView | None = None
        self.stack = QStackedWidget(self)
        self.stack.addWidget(splitter)
        layout.addWidget(self.stack, 1)
        ctx.on_change(changes.COMPANIES, self.reload)
        self._show_details(None)
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        self._reload_later.cancel()
        self.model.set_query(CompanyQuery(search=self.search.text()))
        if self._selected is not None:
            self._load_details(self._selected)

    def _loaded(self) -> None:
        n = self.model.rowCount()
        self.count.setText(self.tr("共 {n} 家").format(n=n))
        self.list_area.update_state(n, self.tr("没有符合条件的企业") if self.search.text()
                                    else self.tr("还没有企业 — 新建企业或从台账导入"))
        row = self.model.row_of(self._selected) if self._selected is not None else -1
        if row < 0 and self._selected is None and n:
            row = 0  # open on the first company rather than an empty panel
        if row >= 0:
            self.table.selectRow(row)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        ident = self.model.id_at(current.row()) if current.isValid() else None
        if ident is not None and ident != self._selected:
            self._selected = ident
            self._load_details(ident)

    def _load_details(self, company_id: int) -> None:
        self.ctx.read(op(load_company, company_id, self.ctx.actor), done=self._show_details)

    def _show_details(self, details: CompanyDetails | None) -> None:
        self.details = details
        self.detail_widget.setVisible(details is not None)
        self.detail_empty.setVisible(details is None)
        if details is None:
            return
        c = details.company
        self.heading.setText(c.name)
        self.info_values["uscc"].setText(c.uscc or "—")
        self.info_values["hq_city"].setText(c.hq_city or "—")
        self.info_values["industry"].setText(c.industry or "—")
        # 招商图谱: the segment it is a local firm (本地企业) of
        self.info_values["segment"].setText(details.segment or "—")
        self.info_values["note"].setText(c.note or "—")
        self.info_values["former_names"].setText(c.former_names or "—")
        self.info_values["parent"].setText(
            (c.parent + (self.tr("（营业执照取得日期 {d}）").format(d=c.licence_on)
                         if c.licence_on else "")) if c.parent else "—")
        self.info_values["local"].setText("；".join(
            x.name + (self.tr("（营业执照 {d}）").format(d=x.licence_on) if x.licence_on else "")
            for x in details.local_companies) or "—")
        self.contacts_model.set_rows(c.contacts)
        self.projects_model.set_rows(details.projects)
        self.changes.set_entries(details.changes)

    # --- actions -----------------------------------------------------------------------------
    def select_company(self, company_id: int) -> None:
        self._selected = company_id
        row = self.model.row_of(company_id)
        if row >= 0:
            self.table.selectRow(row)
        self._load_details(company_id)

    def show_duplicates(self, on: bool = True) -> DuplicatesView:
        """The 重复企业 list in place of the companies (read when first shown)."""
        if self.duplicates is None:
            self.duplicates = DuplicatesView(self.ctx, self.stack)
            self.stack.addWidget(self.duplicates)
        if on:
            self.duplicates.reload()
        self.stack.setCurrentIndex(self.stack.indexOf(self.duplicates) if on else 0)
        self.search.setVisible(not on)
        if self.duplicates_button.isChecked() != on:
            self.duplicates_button.setChecked(on)
        return self.duplicates

    def selected_merge(self) -> int | None:
        """The audit id of the 合并企业 entry selected in the 变更记录, if one is."""
        index = self.changes.area.table.currentIndex()
        entry = self.changes.model.row_at(index.row()) if index.isValid() else None
        if entry is None or entry.action != "合并企业":
            return None
        return int(entry.id)

    def undo_selected_merge(self) -> None:
        ident = self.selected_merge()
        if ident is not None and confirm(self.tr("撤销这次合并？并入的企业恢复，移过的记录都移回。"),
                                         self):
            company_ops.undo_merge(self.ctx, ident, parent=self)

    def _open(self, dialog: FormDialog) -> FormDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def new_company(self) -> FormDialog:
        dialog = CompanyDialog(self.ctx, None, self)
        dialog.succeeded.connect(lambda c: setattr(self, "_selected", c.id))
        return self._open(dialog)

    def edit_selected(self) -> FormDialog | None:
        if self.details is None:
            return None
        # as last read (read again on every change); a save over a newer edit is refused
        return self._open(CompanyDialog(self.ctx, self.details.company, self))

    def new_project(self) -> FormDialog | None:
        if self.details is None:
            return None
        c = self.details.company
        return self._open(ProjectDialog(self.ctx, None, self, company=(c.id, c.name)))

    def add_contact(self) -> FormDialog | None:
        if self.details is None:
            return None
        return self._open(ContactDialog(self.ctx, self.details.company.id, self))

    def remove_contact(self) -> None:
        index = self.contacts_table.currentIndex()
        contact = self.contacts_model.row_at(index.row()) if index.isValid() else None
        if contact is not None:
            company_ops.remove_contact(self.ctx, contact.id, parent=self)

    def _open_project(self, index: Any) -> None:
        row = self.projects_model.row_at(index.row())
        if row is not None:
            self.project_requested.emit(row.id)
