"""A form's error line shows whole: the dialog grows when a message appears beside a field."""

from __future__ import annotations

from typing import Any

from ui.context import AppContext
from ui.dialogs.company_dialog import CompanyDialog


def test_uscc_error_is_not_cut(qtbot: Any, ctx: AppContext) -> None:
    dialog = CompanyDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.uscc.setText("91350100M000100Y44")  # wrong check digit: a two-line message
    error = dialog.form.errors["uscc"]
    assert "校验位" in error.text()
    qtbot.waitUntil(lambda: error.height() >= error.heightForWidth(error.width()), timeout=2000)
    assert dialog.note.height() == 60  # the rows below were squeezed before
