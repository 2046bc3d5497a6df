"""设置: database, organisation name, industries, yearly targets, users and roles.

What a person may change follows their role (the services check it again): the database
choice is this computer's own; organisation, industries and users are the admin's; yearly
targets are the managers'. Others see the same values read-only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm import changes, presence
from crm.backup import BackupResult, backup
from crm.changes import EVERYTHING
from crm.errors import ValidationError
from crm.local import normalize_url, read_local_settings, write_local_settings
from crm.restore import RestoreResult, restore
from crm.services.common import ROLE_NAMES, ROLES
from crm.services.dictionaries import NamedRow
from crm.services.settings import TARGET_METRICS
from crm.services.users import UserRow
from crm.views.settings import SettingsData, read_settings
from ui import errors
from ui.context import AppContext, op
from ui.operations import settings as ops
from ui.pages.history import AuditLogTab
from ui.pages.tiers_tab import TierDictionaryTab
from ui.widgets.table import Column, RowsModel, rows_view

_SCHEMES = ("sqlite", "postgresql+psycopg")


def _primary(button: QPushButton) -> QPushButton:
    button.setProperty("class", "primary")
    return button


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-settings")
        self.ctx = ctx
        actor = ctx.actor
        self.data: SettingsData | None = None
        title = QLabel(self.tr("设置"), self)
        title.setProperty("class", "page-title")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings-tabs")
        self.tabs.addTab(self._database_tab(), self.tr("数据库"))
        self.tabs.addTab(self._org_tab(actor.is_admin), self.tr("单位"))
        self.tabs.addTab(self._industry_tab(actor.is_admin), self.tr("产业目录"))
        self.tabs.addTab(TierDictionaryTab(ctx, actor.is_admin, self), self.tr("企业层级"))
        self.tabs.addTab(self._target_tab(actor.is_manager), self.tr("年度目标"))
        if actor.is_admin:
            self.tabs.addTab(self._users_tab(), self.tr("用户与角色"))
        if actor.is_manager:  # the services refuse the whole log to staff as well
            self.audit_log = AuditLogTab(ctx, self)
            self.tabs.addTab(self.audit_log, self.tr("审计日志"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(14)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        ctx.on_change(changes.SETTINGS, self.reload)
        self.reload()

    # --- tabs -----------------------------------------------------------------------------
    def _tab(self, intro: str) -> tuple[QWidget, QVBoxLayout]:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        note = QLabel(intro, tab)
        note.setProperty("class", "muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        return tab, layout

    def _database_tab(self) -> QWidget:
        tab, layout = self._tab(self.tr(
            "数据库地址保存在本机设置中，重启后生效。单机使用 SQLite 文件；多人共用时填写办公室服务器的 "
            "PostgreSQL 地址，例如 postgresql://用户名:密码@服务器:5432/crm 。密码不写入设置文件："
            "有系统钥匙串时存在钥匙串中，否则每次启动时询问。"))
        form = QFormLayout()
        self.current_db = QLineEdit(self.ctx.db.describe(), tab)
        self.current_db.setObjectName("settings-current-db")
        self.current_db.setReadOnly(True)
        saved = str(read_local_settings().get("database_url") or "")
        self.db_url = QLineEdit(saved, tab)
        self.db_url.setObjectName("settings-db-url")
        self.db_url.setPlaceholderText(self.tr("SQLite 文件路径或 postgresql://…（留空：默认位置）"))
        browse = QPushButton(self.tr("选择 SQLite 文件…"), tab)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.db_url, 1)
        row.addWidget(browse)
        form.addRow(self.tr("当前数据库"), self.current_db)
        form.addRow(self.tr("下次启动使用"), row)
        layout.addLayout(form)
        save = _primary(QPushButton(self.tr("保存（重启后生效）"), tab))
        save.setObjectName("settings-db-save")
        save.clicked.connect(self.save_database)
        self.db_status = QLabel("", tab)
        self.db_status.setProperty("class", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(self.db_status, 1)
        layout.addLayout(buttons)
        if self.ctx.actor.is_admin:
            layout.addSpacing(12)
            note = QLabel(self.tr(
                "备份：把当前数据库复制成一个检查过的文件（不会写到数据库本身）。恢复：用备份替换当前"
                "数据库的全部内容；恢复前，当前数据库会先另存为安全副本（同一文件夹，名为“….恢复前-日期-时间”）。"),
                tab)
            note.setProperty("class", "muted")
            note.setWordWrap(True)
            layout.addWidget(note)
            self.backup_button = QPushButton(self.tr("备份…"), tab)
            self.backup_button.setObjectName("settings-db-backup")
            self.backup_button.clicked.connect(self._choose_backup)
            self.restore_button = QPushButton(self.tr("恢复…"), tab)
            self.restore_button.setObjectName("settings-db-restore")
            self.restore_button.clicked.connect(self._choose_restore)
            row = QHBoxLayout()
            row.addWidget(self.backup_button)
            row.addWidget(self.restore_button)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addStretch(1)
        return tab

    def _org_tab(self, editable: bool) -> QWidget:
        tab, layout = self._tab(self.tr("单位名称显示在窗口标题和导出的报表中。") if editable else
                                self.tr("只有管理员可以修改单位名称。"))
        form = QFormLayout()
        self.org_name = QLineEdit(tab)
        self.org_name.setObjectName("settings-org")
        self.org_name.setReadOnly(not editable)
        form.addRow(self.tr("单位名称"), self.org_name)
        layout.addLayout(form)
        if editable:
            save = _primary(QPushButton(self.tr("保存"), tab))
            save.setObjectName("settings-org-save")
            save.clicked.connect(self.save_org)
            layout.addWidget(save)
        layout.addStretch(1)
        return tab

    def _industry_tab(self, editable: bool) -> QWidget:
        tab, layout = self._tab(self.tr("项目和企业的“所属产业”从这里选择。") if editable else
                                self.tr("只有管理员可以维护产业目录。"))
        self.industry_model = RowsModel([Column(self.tr("产业名称"), lambda r: r.name)], self)
        self.industry_view = rows_view(self.industry_model, tab)
        self.industry_view.setObjectName("settings-industries")
        layout.addWidget(self.industry_view, 1)
        if editable:
            self.new_industry = QLineEdit(tab)
            self.new_industry.setObjectName("settings-new-industry")
            self.new_industry.setPlaceholderText(self.tr("新产业名称"))
            add = _primary(QPushButton(self.tr("添加"), tab))
            add.clicked.connect(self.add_industry)
            rename = QPushButton(self.tr("重命名所选…"), tab)
            rename.clicked.connect(self._rename_selected)
            row = QHBoxLayout()
            row.addWidget(self.new_industry, 1)
            row.addWidget(add)
            row.addWidget(rename)
            layout.addLayout(row)
        return tab

    def _target_tab(self, editable: bool) -> QWidget:
        tab, layout = self._tab(
            self.tr("工作台的“年度目标完成”按这里的目标计算；金额以万元填写。") if editable
            else self.tr("只有管理者可以设置年度目标。"))
        year_row = QHBoxLayout()
        self.target_year = QSpinBox(tab)
        self.target_year.setObjectName("settings-target-year")
        self.target_year.setRange(2000, 2100)
        self.target_year.setValue(self.ctx.today().year)
        self.target_year.setSuffix(self.tr(" 年"))
        self.target_year.valueChanged.connect(self.reload)
        year_row.addWidget(QLabel(self.tr("年度"), tab))
        year_row.addWidget(self.target_year)
        year_row.addStretch(1)
        layout.addLayout(year_row)
        self.target_table = QTableWidget(len(TARGET_METRICS), 2, tab)
        self.target_table.setObjectName("settings-targets")
        self.target_table.setHorizontalHeaderLabels([self.tr("指标"), self.tr("目标值")])
        self.target_table.verticalHeader().setVisible(False)
        self.target_table.verticalHeader().setDefaultSectionSize(34)
        self.target_table.horizontalHeader().setStretchLastSection(True)
        self.target_table.setColumnWidth(0, 220)
        for i, (metric, label) in enumerate(TARGET_METRICS.items()):
            name = QTableWidgetItem(self.tr(label))
            name.setData(Qt.ItemDataRole.UserRole, metric)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value = QTableWidgetItem("")
            value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not editable:
                value.setFlags(value.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.target_table.setItem(i, 0, name)
            self.target_table.setItem(i, 1, value)
        layout.addWidget(self.target_table, 1)
        if editable:
            save = _primary(QPushButton(self.tr("保存目标"), tab))
            save.setObjectName("settings-targets-save")
            save.clicked.connect(self.save_targets)
            layout.addWidget(save)
        return tab

    def _users_tab(self) -> QWidget:
        tab, layout = self._tab(self.tr("招商专员记录接洽、推进自己的项目；管理者可查看全部并设定目标；"
                                        "管理员另可维护用户、字典和设置。"))
        self.user_model = RowsModel([
            Column(self.tr("登录名"), lambda r: r.login or self.tr("未开通登录"), width=140,
                   alert=lambda r: r.login is None),
            Column(self.tr("姓名"), lambda r: r.display_name),
            Column(self.tr("角色"), lambda r: self.tr(ROLE_NAMES.get(r.role, r.role)), width=120),
            Column(self.tr("状态"), lambda r: self.tr("启用") if r.active else self.tr("停用"), width=80,
                   alert=lambda r: not r.active),
        ], self)
        self.user_view = rows_view(self.user_model, tab)
        self.user_view.setObjectName("settings-users")
        layout.addWidget(self.user_view, 1)
        form = QHBoxLayout()
        self.new_login = QLineEdit(tab)
        self.new_login.setObjectName("settings-new-login")
        self.new_login.setPlaceholderText(self.tr("登录名"))
        self.new_name = QLineEdit(tab)
        self.new_name.setPlaceholderText(self.tr("姓名"))
        self.new_role = QComboBox(tab)
        for role in ROLES:
            self.new_role.addItem(self.tr(ROLE_NAMES[role]), role)
        self.new_password = QLineEdit(tab)
        self.new_password.setPlaceholderText(self.tr("初始密码（至少 6 位）"))
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        add = _primary(QPushButton(self.tr("添加用户"), tab))
        add.clicked.connect(self.add_user)
        for w in (self.new_login, self.new_name, self.new_role, self.new_password):
            form.addWidget(w, 1)
        form.addWidget(add)
        layout.addLayout(form)
        actions = QHBoxLayout()
        change_role = QPushButton(self.tr("修改所选角色…"), tab)
        change_role.clicked.connect(self._change_role)
        toggle = QPushButton(self.tr("启用 / 停用所选"), tab)
        toggle.clicked.connect(self._toggle_active)
        password = QPushButton(self.tr("重设所选密码…"), tab)
        password.clicked.connect(self._reset_password)
        grant = QPushButton(self.tr("开通登录…"), tab)
        grant.setObjectName("settings-grant-login")
        grant.setToolTip(self.tr("为台账导入等登记的、尚未开通登录的人员设置登录名和初始密码"))
        grant.clicked.connect(self._grant_login)
        for b in (change_role, toggle, password, grant):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addLayout(actions)
        return tab

    # --- loading --------------------------------------------------------------------------
    def reload(self) -> None:
        self.ctx.read(op(read_settings, self.target_year.value(), self.ctx.actor.is_admin), done=self._loaded)

    def _loaded(self, data: SettingsData) -> None:
        self.data = data
        if not self.org_name.hasFocus():
            self.org_name.setText(data.org)
        self.industry_model.set_rows(data.industries)
        values = {t.metric: t.value for t in data.targets}
        for i in range(self.target_table.rowCount()):
            metric = self._cell(i, 0).data(Qt.ItemDataRole.UserRole)
            value = values.get(metric)
            self._cell(i, 1).setText("" if value is None else format(value.normalize(), "f"))
        if self.ctx.actor.is_admin:
            self.user_model.set_rows(data.users)

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.target_table.item(row, column)
        assert item is not None  # every cell is created with the table
        return item

    # --- actions --------------------------------------------------------------------------
    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("选择或新建 SQLite 数据库文件"), "", self.tr("SQLite 数据库 (*.db *.sqlite)"),
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.db_url.setText(path)

    def save_database(self) -> None:
        """Remember the database for this computer (used from the next start)."""
        text = self.db_url.text().strip()
        url = normalize_url(text) if text else ""
        if url and url.split("://", 1)[0] not in _SCHEMES:
            self.ctx.report(ValidationError(self.tr("数据库地址无效：{url}").format(url=text),
                                            field="database_url"))
            return
        try:
            write_local_settings({"database_url": url or None})
        except OSError as exc:
            self.ctx.report(ValidationError(self.tr("无法保存本机设置：{e}").format(e=exc)))
            return
        from crm import secrets

        bare, password = secrets.split(url) if url else ("", None)
        where = ""
        if password is not None:
            where = (self.tr("（密码保存在系统钥匙串中）") if secrets.keyring_available()
                     else self.tr("（本机没有系统钥匙串：密码不保存，启动时询问）"))
        self.db_status.setText(self.tr("已保存，重启后使用：{url}").format(
            url=secrets.account(bare) if password is not None else url) + where if url
            else self.tr("已保存，重启后使用默认数据库"))

    def _choose_backup(self) -> None:
        suffix = ".db" if self.ctx.db.is_sqlite else ".dump"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("备份到"), f"招商CRM备份{suffix}",
                                              self.tr("备份文件 (*{s})").format(s=suffix))
        if path:
            self.backup_to(path)

    def backup_to(self, path: str) -> None:
        """Write a checked backup to ``path`` (the save dialog asked before replacing a file)."""
        db = self.ctx.db

        def done(result: BackupResult) -> None:
            self.db_status.setText(self.tr("已备份到 {p}").format(p=result.path))
            errors.show_message(self.tr("已备份到 {p}（已检查完整）").format(p=result.path), self)
        self.ctx.long(lambda task: backup(db, path, force=True), done=done)

    def _choose_restore(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择要恢复的备份"), "",
                                              self.tr("备份文件 (*.db *.dump);;所有文件 (*)"))
        if path:
            self.restore_from(path)

    def restore_from(self, path: str) -> None:
        """Ask (naming every other window and program that has the database open), then
        replace the database with the backup ``path``; every view reloads."""
        ctx = self.ctx
        try:
            others = presence.others(ctx.db, exclude=ctx.presence)
        except Exception as exc:  # e.g. the server went away: the restore would fail anyway
            ctx.report(exc)
            return
        text = self.tr("恢复会用备份“{file}”替换当前数据库的全部内容；当前数据库会先另存为安全副本。"
                       ).format(file=path)
        if others:
            text += "\n\n" + self.tr("以下窗口或程序正打开着这个数据库，它们尚未保存的修改将丢失：")
            text += "\n" + "\n".join(s.describe() for s in others)
        if not errors.confirm(text + "\n\n" + self.tr("确定恢复吗？"), self):
            return

        def done(result: RestoreResult) -> None:
            ctx.broadcast(EVERYTHING, self)  # a whole other database
            kept = (self.tr("原数据库已另存为 {p}").format(p=result.safety_copy)
                    if result.safety_copy else "")
            self.db_status.setText(self.tr("已恢复。") + kept)
            errors.show_message(self.tr("已从 {f} 恢复。").format(f=path) + kept, self)
        ctx.long(lambda task: restore(ctx.db, path, ctx.actor, force=True, me=ctx.presence),
                 done=done)

    def save_org(self) -> None:
        ops.save_org_name(self.ctx, self.org_name.text(), parent=self,
                          done=lambda _r: errors.show_message(self.tr("单位名称已保存"), self))

    def add_industry(self) -> None:
        name = self.new_industry.text()
        ops.add_industry(self.ctx, name, parent=self, done=lambda _r: self.new_industry.clear())

    def rename_industry(self, industry_id: int, name: str) -> None:
        ops.rename_industry(self.ctx, industry_id, name, parent=self)

    def _selected(self, view: QWidget, model: RowsModel) -> object | None:
        rows = view.selectionModel().selectedRows()  # type: ignore[attr-defined]
        return model.row_at(rows[0].row()) if rows else None

    def _rename_selected(self) -> None:
        row = self._selected(self.industry_view, self.industry_model)
        if not isinstance(row, NamedRow):
            errors.show_message(self.tr("请先选择一个产业"), self)
            return
        name, ok = QInputDialog.getText(self, self.tr("重命名产业"), self.tr("新名称"), text=row.name)
        if ok:
            self.rename_industry(row.id, name)

    def save_targets(self) -> None:
        texts = {str(self._cell(i, 0).data(Qt.ItemDataRole.UserRole)): self._cell(i, 1).text()
                 for i in range(self.target_table.rowCount())}

        def saved(n: int) -> None:
            errors.show_message(self.tr("已保存 {n} 项目标").format(n=n) if n
                                else self.tr("目标没有变化"), self)
        ops.save_targets(self.ctx, self.target_year.value(), texts, parent=self, done=saved)

    def add_user(self) -> None:
        password = self.new_password.text() or None

        def added(_row: UserRow) -> None:
            for w in (self.new_login, self.new_name, self.new_password):
                w.clear()
        ops.add_user(self.ctx, self.new_login.text(), self.new_role.currentData(),
                     self.new_name.text(), password, parent=self, done=added)

    def _change_role(self) -> None:
        row = self._selected(self.user_view, self.user_model)
        if not isinstance(row, UserRow):
            errors.show_message(self.tr("请先选择一个用户"), self)
            return
        names = [self.tr(ROLE_NAMES[r]) for r in ROLES]
        choice, ok = QInputDialog.getItem(self, self.tr("修改角色"), row.display_name, names,
                                          ROLES.index(row.role), False)
        if ok:
            ops.set_role(self.ctx, row.id, ROLES[names.index(choice)], row.active, parent=self)

    def _toggle_active(self) -> None:
        row = self._selected(self.user_view, self.user_model)
        if isinstance(row, UserRow):
            ops.set_role(self.ctx, row.id, row.role, not row.active, parent=self)

    def _grant_login(self) -> None:
        row = self._selected(self.user_view, self.user_model)
        if not isinstance(row, UserRow):
            errors.show_message(self.tr("请先选择一个未开通登录的人员"), self)
            return
        if row.login:
            errors.show_message(self.tr("“{name}”已有登录名 {login}").format(
                name=row.display_name, login=row.login), self)
            return
        login, ok = QInputDialog.getText(self, self.tr("开通登录"), self.tr("{name} 的登录名：").format(
            name=row.display_name))
        if not ok:
            return
        password, ok = QInputDialog.getText(self, self.tr("开通登录"), self.tr("初始密码（至少 6 位）："),
                                            QLineEdit.EchoMode.Password)
        if ok:
            self.grant_login(row.id, login, password)

    def grant_login(self, user_id: int, login: str, password: str) -> None:
        ops.grant_login(self.ctx, user_id, login, password, parent=self,
                        done=lambda r: errors.show_message(
                           self.tr("已为“{name}”开通登录：{login}").format(
                               name=r.display_name, login=r.login), self))

    def _reset_password(self) -> None:
        row = self._selected(self.user_view, self.user_model)
        if not isinstance(row, UserRow):
            errors.show_message(self.tr("请先选择一个用户"), self)
            return
        password, ok = QInputDialog.getText(self, self.tr("重设密码"), row.display_name,
                                            QLineEdit.EchoMode.Password)
        if ok:
            ops.reset_password(self.ctx, row.id, password, parent=self,
                               done=lambda _r: errors.show_message(self.tr("密码已重设"), self))

