"""报表: choose a report and its period, export it to Excel in the background."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm.excel.reports import REPORTS, ExportResult, export_report
from crm.services import settings
from crm.services.metrics import Period
from ui.context import AppContext
from ui.ops import Task

DESCRIPTIONS = {
    "ledger": "全部项目的台账，列名与导入一致，可改后再导入",
    "start-rate": "签约数、开工数、开工率、签约金额、资金到位率；按产业、专员、来源、大使、活动分解；"
                  "签约未开工清单；柱状图",
    "contacts": "期间内的全部接洽记录",
    "staff": "每位招商专员的新增线索、接洽次数、签约、金额与开工",
    "events": "期间内各招商活动的签约项目、金额与开工",
}


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class ReportsPage(QWidget):
    """The 报表 page; ``export_current()`` is what Ctrl+E calls."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self.last: ExportResult | None = None
        self.out_dir = Path.home()
        self.ask_path = True  # tests and scripts turn the file dialog off
        self.report = QComboBox(self)
        self.report.setObjectName("report-kind")
        for key, name in REPORTS.items():
            self.report.addItem(self.tr(name), key)
        self.about = QLabel(self)
        self.about.setWordWrap(True)
        self.report.currentIndexChanged.connect(self._describe)
        today = ctx.today()
        self.date_from = self._date_edit("report-from", dt.date(today.year, 1, 1))
        self.date_to = self._date_edit("report-to", dt.date(today.year, 12, 31))
        self.as_of = self._date_edit("report-as-of", today)
        self.export_button = QPushButton(self.tr("导出…"), self)
        self.export_button.setObjectName("report-export")
        self.export_button.clicked.connect(self.export_current)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.setObjectName("report-cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.open_button = QPushButton(self.tr("打开所在文件夹"), self)
        self.open_button.setObjectName("report-open-folder")
        self.open_button.clicked.connect(self.reveal)
        self.open_button.setEnabled(False)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("report-progress")
        self.progress.setVisible(False)
        self.status = QLabel(self)
        self.status.setObjectName("report-status")
        form = QFormLayout()
        form.addRow(self.tr("报表"), self.report)
        form.addRow("", self.about)
        period = QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(QLabel(self.tr("至"), self))
        period.addWidget(self.date_to)
        period.addStretch(1)
        form.addRow(self.tr("统计期间"), period)
        form.addRow(self.tr("截至日期"), self.as_of)
        buttons = QHBoxLayout()
        for b in (self.export_button, self.cancel_button, self.open_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        title = QLabel(self.tr("报表导出"), self)
        title.setObjectName("page-title")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._describe()
        self._load_period()

    def _date_edit(self, name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _describe(self) -> None:
        self.about.setText(self.tr(DESCRIPTIONS.get(self.current_report(), "")))

    def _load_period(self) -> None:
        """Start from the period the dashboard last showed for this database."""
        def got(choice: Any) -> None:
            if choice is not None:
                self.date_from.setDate(_qdate(choice.start))
                self.date_to.setDate(_qdate(choice.end))
        self.ctx.read(settings.dashboard_period, done=got)

    def current_report(self) -> str:
        return str(self.report.currentData())

    def period(self) -> tuple[Period, dt.date]:
        return (Period(_pydate(self.date_from.date()), _pydate(self.date_to.date())),
                _pydate(self.as_of.date()))

    def default_name(self) -> str:
        period, _ = self.period()
        return f"{REPORTS[self.current_report()]}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"

    def export_current(self, path: str | Path | None = None) -> Task | None:
        """Export the chosen report; asks where to save unless ``path`` is given."""
        if self.task is not None:
            return None
        if not path:
            if not self.ask_path:
                path = self.out_dir / self.default_name()
            else:
                chosen, _ = QFileDialog.getSaveFileName(
                    self, self.tr("导出报表"), str(self.out_dir / self.default_name()),
                    self.tr("Excel 工作簿 (*.xlsx)"))
                if not chosen:
                    return None
                path = chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx"
        try:
            period, as_of = self.period()
        except Exception as exc:
            self.ctx.report(exc)
            return None
        target = Path(path)
        self.out_dir = target.parent
        report, db = self.current_report(), self.ctx.db

        def job(task: Task) -> ExportResult:
            return export_report(db, report, target, period, as_of, progress=task.progress,
                                 cancelled=task.cancelled)

        self._busy(True)
        self.status.setText(self.tr("正在导出…"))
        self.task = self.ctx.long(job, done=self._done, progress=self._progress,
                                  failed=self._failed)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText(self.tr("正在取消…"))

    def reveal(self) -> None:
        if self.last is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last.path.parent)))

    def _busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _done(self, result: ExportResult) -> None:
        self.task = None
        self.last = result
        self._busy(False)
        self.open_button.setEnabled(True)
        self.status.setText(self.tr("已导出到 {0}（{1} 行）").format(result.path, result.rows))

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self._busy(False)
        if getattr(exc, "code", "") == "cancelled":
            self.status.setText(self.tr("已取消导出"))
            return
        self.status.setText(self.tr("导出失败"))
        self.ctx.report(exc)
