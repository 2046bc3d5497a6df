"""What a newcomer sees first: dialog buttons without Qt's fallback icons, and the two figures
that look alike (the 开工数 card, the funnel's 已开工) each saying what it counts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QStyle

from ui.app import apply_style
from ui.context import AppContext
from ui.pages.dashboard import DashboardPage

Wait = Callable[[AppContext], None]


def test_dialog_buttons_have_no_icons(qtbot: object) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                           | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)  # type: ignore[attr-defined]
    assert app.style().styleHint(QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons, None, box) == 0
    for button in box.buttons():
        assert button.icon().isNull()


def test_started_card_and_funnel_say_what_they_count(qtbot: object, ctx: AppContext,
                                                     wait_idle: Wait) -> None:
    page = DashboardPage(ctx)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    wait_idle(ctx)
    card = page.cards["kpi-started"]
    assert card.caption.text() == "本期签约、当年开工(开业)" and not card.caption.isHidden()
    assert "当年签约当年开工" in card.toolTip() and "漏斗" in card.toolTip()
    assert "不论何年签约" in page.funnel_caption.text()
    assert "开工数" in page.funnel_panel.toolTip()
    assert page.cards["kpi-signed"].caption.isHidden()  # only where a label is not enough
