"""Signing in: the login dialog, and the first-run dialog that creates the administrator."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from crm.db import Database
from crm.errors import CrmError
from crm.services import users
from crm.services.common import SYSTEM
from crm.services.users import UserRow


class _Dialog(QDialog):
    def __init__(self, db: Database, title: str, intro: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.user: UserRow | None = None
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        heading = QLabel(intro, self)
        heading.setWordWrap(True)
        heading.setProperty("class", "dialog-intro")
        self.where = QLabel(self.tr("数据库：{db}").format(db=db.describe()), self)
        self.where.setProperty("class", "muted")
        self.where.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setVerticalSpacing(10)
        self.message = QLabel("", self)
        self.message.setObjectName("login-error")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.where)
        layout.addWidget(self.buttons)

    def _line(self, label: str, name: str, password: bool = False) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(label, edit)
        return edit

    def show_error(self, text: str) -> None:
        """Errors stay in the dialog, beside the fields (never a second modal box)."""
        self.message.setText(text)
        self.message.setVisible(True)

    def submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class LoginDialog(_Dialog):
    """Login name and password, checked with argon2 by ``users.authenticate``."""

    def __init__(self, db: Database, login: str = "", parent: QWidget | None = None):
        super().__init__(db, self.tr("登录 — 招商 CRM"), self.tr("请输入登录名和密码"), parent)
        self.login = self._line(self.tr("登录名"), "login-name")
        self.password = self._line(self.tr("密码"), "login-password", password=True)
        self.login.setText(login)
        (self.password if login else self.login).setFocus()

    def submit(self) -> None:
        try:
            self.user = self.db.read(users.authenticate, self.login.text(), self.password.text())
        except CrmError as exc:
            self.password.clear()
            self.password.setFocus()
            self.show_error(exc.message)
            return
        self.accept()


class FirstRunDialog(_Dialog):
    """A database without any user: create the administrator account first."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(db, self.tr("首次使用 — 创建管理员"),
                         self.tr("这是一个新数据库。请先创建管理员账号，之后可在“设置 → 用户”中添加同事。"),
                         parent)
        self.login = self._line(self.tr("登录名"), "first-login")
        self.login.setText("admin")
        self.name = self._line(self.tr("姓名"), "first-name")
        self.password = self._line(self.tr("密码"), "first-password", password=True)
        self.repeat = self._line(self.tr("再次输入密码"), "first-repeat", password=True)
        self.name.setFocus()

    def submit(self) -> None:
        if self.password.text() != self.repeat.text():
            self.show_error(self.tr("两次输入的密码不一致"))
            return
        try:
            self.user = self.db.run(users.create_user, SYSTEM, self.login.text(), "admin",
                                    display_name=self.name.text().strip() or self.login.text(),
                                    password=self.password.text())
        except CrmError as exc:
            self.show_error(exc.message)
            return
        self.accept()
