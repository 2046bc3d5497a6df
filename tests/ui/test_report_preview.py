"""The 报表 page previews the chosen report for the chosen period, from the export's own code,
and saves it as PDF where LibreOffice is installed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QTableWidget

from crm.excel import pdf
from ui.context import AppContext
from ui.pages.reports import ReportsPage

Wait = Callable[[AppContext], None]


def _cells(table: QTableWidget, row: int) -> list[str]:
    return [(table.item(row, c).text() if table.item(row, c) else "")
            for c in range(table.columnCount())]


def test_preview_is_what_the_export_writes(qtbot: object, ctx: AppContext, wait_idle: Wait,
                                           tmp_path: Path) -> None:
    p = ReportsPage(ctx)
    qtbot.addWidget(p)  # type: ignore[attr-defined]
    p.select_report("start-rate")
    p.date_from.setDate(QDate(2025, 1, 1))
    p.date_to.setDate(QDate(2025, 6, 30))
    p.as_of.setDate(QDate(2025, 12, 31))
    qtbot.waitUntil(lambda: p.preview.shown is not None  # type: ignore[attr-defined]
                    and p.preview.shown.report == "start-rate"
                    and "2025-06-30" in p.preview.caption.text(), timeout=10000)
    wait_idle(ctx)
    tabs = p.preview.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "汇总", "按产业", "按招商专员", "按招商来源", "按招商大使", "按签约活动", "签约未开工",
        "年底预测", "冲刺清单"]
    summary = tabs.widget(0)
    assert isinstance(summary, QTableWidget)
    assert _cells(summary, 0) == ["26", "15", "57.69%", "164.52", "25.88", "15.73%"]
    by_industry = tabs.widget(1)
    assert isinstance(by_industry, QTableWidget)
    total = next(r for r in range(by_industry.rowCount()) if _cells(by_industry, r)[0] == "合计")
    assert _cells(by_industry, total) == ["合计", "26", "15", "57.69%", "164.52"]
    assert _cells(by_industry, total + 1)[0] == "……共 9 行"  # 9 industries, 8 shown
    assert "签约与开工情况" in p.preview.caption.text()

    p.export_current(tmp_path / "r.xlsx")
    wait_idle(ctx)
    assert p.last is not None
    ws = openpyxl.load_workbook(p.last.path)["按产业"]
    first = [ws.cell(4, c).value for c in range(1, 4)]
    assert _cells(by_industry, 0)[:3] == [str(v) for v in first]


def test_save_as_pdf(qtbot: object, ctx: AppContext, wait_idle: Wait, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    p = ReportsPage(ctx)
    qtbot.addWidget(p)  # type: ignore[attr-defined]
    wait_idle(ctx)
    if pdf.find_office() is None:
        assert not p.pdf_button.isEnabled() and "LibreOffice" in p.pdf_button.toolTip()
        return
    p.ask_path, p.out_dir = False, tmp_path / "out"
    p.out_dir.mkdir()
    p.select_report("staff")
    task = p.export_current(as_pdf=True)
    assert task is not None
    wait_idle(ctx, 120000)  # type: ignore[call-arg]
    assert p.last is not None and p.last.path.suffix == ".pdf"
    assert p.last.path.read_bytes().startswith(b"%PDF")
    assert [f.name for f in p.out_dir.iterdir()] == [p.last.path.name]  # nothing left beside it
