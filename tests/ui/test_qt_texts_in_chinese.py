"""Qt's own texts (standard buttons of the login dialogs, message boxes) are Chinese too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QDialogButtonBox

from crm.db import Database
from ui import app as uiapp
from ui.login import FirstRunDialog, LoginDialog


def test_login_dialogs_have_chinese_buttons(qtbot: Any, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    uiapp.install_qt_chinese(app)
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        for dialog in (FirstRunDialog(db), LoginDialog(db, "admin")):
            qtbot.addWidget(dialog)
            ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
            cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
            assert ok.text().replace("&", "").startswith("确定"), ok.text()
            assert cancel.text().replace("&", "").startswith("取消"), cancel.text()
    finally:
        db.dispose()
