"""The 报表 page's preview: each sheet of the chosen report — title, period, first rows and 合计 —
as :func:`crm.excel.preview.preview_report` reads them from the export's own code."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QWidget,
)

from crm.excel.preview import PREVIEW_ROWS, ReportPreview, SheetPreview
from ui.widgets.panel import Panel

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
NUMERIC = frozenset({"int", "money", "pct", "area"})


def tr(text: str) -> str:
    return QCoreApplication.translate("ReportPreview", text)


class ReportPreviewPanel(Panel):
    """预览: one tab per sheet, the summary figures first."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(tr("预览"), parent)
        self.setObjectName("report-preview-panel")
        self.caption = QLabel(self)
        self.caption.setObjectName("report-preview-caption")
        self.caption.setProperty("class", "muted")
        self.caption.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("report-preview")
        self.tabs.setDocumentMode(True)
        self.body.addWidget(self.caption)
        self.body.addWidget(self.tabs, 1)
        self.shown: ReportPreview | None = None
        self.show_loading()

    def show_loading(self) -> None:
        self.caption.setText(tr("正在读取预览…"))

    def show_preview(self, preview: ReportPreview) -> None:
        self.shown = preview
        current = self.tabs.currentIndex()
        self.tabs.clear()
        for sheet in preview.sheets:
            self.tabs.addTab(self._table(sheet), sheet.name)
        if 0 <= current < self.tabs.count():
            self.tabs.setCurrentIndex(current)
        first = preview.sheets[0] if preview.sheets else None
        if first is None:
            self.caption.setText("")
            return
        sheets = tr("共 {n} 个工作表；").format(n=len(preview.sheets)) if len(preview.sheets) > 1 else ""
        self.caption.setText(tr("{title} · {subtitle}。{sheets}每表显示前 {rows} 行，导出的文件与此同源。")
                             .format(title=first.title, subtitle=first.subtitle, sheets=sheets,
                                     rows=PREVIEW_ROWS))

    def _table(self, sheet: SheetPreview) -> QTableWidget:
        rows = list(sheet.rows)
        extra = 1 if sheet.total is not None else 0
        more = not sheet.complete or sheet.row_count > len(rows)
        table = QTableWidget(len(rows) + extra + (1 if more else 0), len(sheet.headers), self)
        table.setObjectName(f"report-preview-{sheet.name}")
        table.setHorizontalHeaderLabels(list(sheet.headers))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        for r, values in enumerate(rows):
            self._fill(table, r, values, sheet.kinds, bold=False)
        if sheet.total is not None:
            self._fill(table, len(rows), sheet.total, sheet.kinds, bold=True)
        if more:
            left = (tr("……共 {n} 行").format(n=sheet.row_count) if sheet.complete
                    else tr("……以下略（见导出的文件）"))
            item = QTableWidgetItem(left)
            item.setForeground(Qt.GlobalColor.gray)
            table.setItem(table.rowCount() - 1, 0, item)
            table.setSpan(table.rowCount() - 1, 0, 1, len(sheet.headers))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def _fill(self, table: QTableWidget, row: int, values: tuple[str, ...],
              kinds: tuple[str, ...], *, bold: bool) -> None:
        for c, text in enumerate(values):
            item = QTableWidgetItem(text)
            numeric = c < len(kinds) and kinds[c] in NUMERIC and not (bold and c == 0)
            item.setTextAlignment(RIGHT if numeric else LEFT)
            if bold:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            table.setItem(row, c, item)
