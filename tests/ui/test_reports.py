"""The 报表 page exports in the background, with progress, cancel and the stats' figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
from PySide6.QtCore import QDate

from crm.excel.reports import REPORTS
from crm.services import metrics
from crm.services.metrics import Period
from ui.context import AppContext
from ui.pages.reports import ReportsPage

Wait = Callable[[AppContext], None]


def page(qtbot: object, ctx: AppContext, wait_idle: Callable[[AppContext], None]) -> ReportsPage:
    p = ReportsPage(ctx)
    qtbot.addWidget(p)  # type: ignore[attr-defined]
    wait_idle(ctx)
    p.date_from.setDate(QDate(2025, 1, 1))
    p.date_to.setDate(QDate(2025, 6, 30))
    p.as_of.setDate(QDate(2025, 12, 31))
    return p


def test_export_start_rate_matches_stats(qtbot: object, ctx: AppContext, wait_idle: Wait,
                                         tmp_path: Path) -> None:
    p = page(qtbot, ctx, wait_idle)
    p.report.setCurrentIndex(p.report.findData("start-rate"))
    seen: list[tuple[int, int]] = []
    task = p.export_current(tmp_path / "r.xlsx")
    assert task is not None and p.cancel_button.isEnabled() and not p.export_button.isEnabled()
    task.progress_cb = lambda d, t: seen.append((d, t))
    wait_idle(ctx)
    assert p.last is not None and p.last.path.exists() and p.open_button.isEnabled()
    f = ctx.db.read(metrics.start_rate, Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
                    dt.date(2025, 12, 31))
    ws = openpyxl.load_workbook(p.last.path)["汇总"]
    assert (ws.cell(4, 1).value, ws.cell(4, 2).value) == (f.signed, f.started) == (26, 15)
    assert "已导出" in p.status.text()


def test_export_without_dialog_and_cancel(qtbot: object, ctx: AppContext, wait_idle: Wait,
                                          tmp_path: Path) -> None:
    p = page(qtbot, ctx, wait_idle)
    p.ask_path, p.out_dir = False, tmp_path
    p.report.setCurrentIndex(p.report.findData("ledger"))
    task = p.export_current()
    assert task is not None
    task.cancel()
    wait_idle(ctx)
    assert p.task is None and p.export_button.isEnabled()
    assert "取消" in p.status.text() or p.last is not None
    p.export_current()
    wait_idle(ctx)
    assert p.last is not None and p.last.path.name.startswith("项目台账_20250101-20250630")


def test_cards_choose_the_report_and_import_opens_the_wizard(
        qtbot: object, ctx: AppContext, wait_idle: Wait, tmp_path: Path) -> None:
    from ui.dialogs.import_wizard import ImportWizard

    p = page(qtbot, ctx, wait_idle)
    # a card per report (the 考核得分, 产业链图谱 and 载体 reports came later)
    assert set(p.cards) == set(REPORTS) >= {"ledger", "start-rate", "contacts", "staff", "events",
                                            "scorecard"}
    p.cards["staff"].clicked.emit()
    assert p.current_report() == "staff" and p.cards["staff"].property("selected")
    assert not p.cards["ledger"].property("selected") and p.chosen.text() == "人员考核"
    assert "2025-01-01 至 2025-06-30" in p.span.text()
    p.ask_path, p.out_dir = False, tmp_path
    assert p.export_current() is not None and not p.cancel_button.isHidden()
    assert not p.progress.isHidden() and p.open_button.isHidden()
    wait_idle(ctx)
    assert p.cancel_button.isHidden() and p.progress.isHidden() and not p.open_button.isHidden()
    assert str(tmp_path) in p.status.text()
    wizard = p.import_ledger()
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    wizard.close()
