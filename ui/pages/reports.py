"""报表: choose a report and its period, see a preview, export it to Excel or PDF in the
background; 导入台账."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.excel import pdf
from crm.excel.preview import preview_report
from crm.excel.reports import REPORTS, ExportResult, export_report, export_snapshot
from crm.services import settings
from crm.services.metrics import Period
from crm.services.snapshots import SnapshotRow, list_snapshots
from ui.context import AppContext
from ui.ops import Task
from ui.pages.common import icon, scroll_page, title_label
from ui.pages.report_preview import ReportPreviewPanel
from ui.throttle import Throttle
from ui.widgets import format as fmt
from ui.widgets.panel import Panel
from ui.widgets.period import PeriodPicker

# What each report holds (one line on its card) and its icon.
DESCRIPTIONS = {
    "ledger": "全部项目的台账，列名与导入一致，可改后再导入",
    "start-rate": "签约、开工、开工率与资金到位率，按产业、专员、来源、活动分解，附签约未开工清单",
    "contacts": "期间内的全部接洽记录",
    "staff": "每位招商专员的新增线索、接洽次数、签约、金额与开工",
    "events": "期间内各招商活动的签约项目、金额与开工",
    "scorecard": "按考核方案的各项指标得分与合计（期间为 1 月 1 日至季末时按季度时序目标），"
                 "个人得分排名，招商大使与引荐人奖励",
    "carriers": "楼宇、厂房、土地的总面积、已落位、可用与空置率，每个载体和每项落位",
}
ICONS = {
    "ledger": "fa5s.table",
    "start-rate": "fa5s.chart-bar",
    "contacts": "fa5s.comments",
    "staff": "fa5s.user-check",
    "events": "fa5s.calendar-check",
    "scorecard": "fa5s.clipboard-check",
    "carriers": "mdi6.domain",
}
WHOLE_LEDGER = ("ledger",)  # reports that list everything as of a date, whatever the period
ACCENT = "#1f6feb"


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class ReportCard(QFrame):
    """One selectable report: its icon, name and what it contains."""

    clicked = Signal()

    def __init__(self, key: str, name: str, about: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"report-card-{key}")
        self.setProperty("class", "report-card")
        self.setProperty("selected", False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.icon = QLabel(self)
        self.icon.setObjectName("report-card-icon")
        self.icon.setPixmap(icon(ICONS.get(key, "fa5s.file-excel"), ACCENT).pixmap(24, 24))
        self.icon.setFixedSize(40, 40)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel(name, self)
        self.name.setObjectName("report-card-name")
        self.about = QLabel(about, self)
        self.about.setObjectName("report-card-about")
        self.about.setWordWrap(True)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.name)
        text.addWidget(self.about)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(12)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)

    def set_selected(self, selected: bool) -> None:
        for w in (self, self.name, self.about):
            w.setProperty("selected", selected)
            w.style().unpolish(w)
            w.style().polish(w)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class ReportsPage(QWidget):
    """The 报表 page; ``export_current()`` is what Ctrl+E calls."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-reports")
        self.ctx = ctx
        self.task: Task | None = None
        self.last: ExportResult | None = None
        self.out_dir = Path.home()
        self.ask_path = True  # tests and scripts turn the file dialog off
        today = ctx.today()

        # --- header: title, subtitle, 导入台账 ------------------------------------------------
        subtitle = QLabel(self.tr("选择报表和统计期间，先看预览，再导出为 Excel 工作簿或 PDF（可直接打印）"),
                          self)
        subtitle.setObjectName("page-count")
        subtitle.setProperty("class", "muted")
        self.import_button = QPushButton(icon("fa5s.file-import"), self.tr("导入台账"), self)
        self.import_button.setObjectName("import-ledger")
        self.import_button.setToolTip(self.tr("从 Excel 台账批量新建或更新项目"))
        self.import_button.clicked.connect(self.import_ledger)
        if not ctx.actor.is_manager:  # the import refuses staff: say so before they start
            self.import_button.setEnabled(False)
            self.import_button.setToolTip(self.tr("导入台账由管理者进行"))
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("报表"), self))
        header.addWidget(subtitle)
        header.addStretch(1)
        header.addWidget(self.import_button)

        # --- the reports: a hidden combo holds the choice, the cards show it -----------------
        self.report = QComboBox(self)
        self.report.setObjectName("report-kind")
        self.report.setVisible(False)
        for key, name in REPORTS.items():
            self.report.addItem(self.tr(name), key)
        self.cards: dict[str, ReportCard] = {}
        reports_panel = Panel(self.tr("选择报表"))
        for key, name in REPORTS.items():
            card = ReportCard(key, self.tr(name), self.tr(DESCRIPTIONS.get(key, "")), reports_panel)
            card.clicked.connect(lambda k=key: self.report.setCurrentIndex(self.report.findData(k)))
            self.cards[key] = card
            reports_panel.add(card, 0)
        self.report.currentIndexChanged.connect(self._describe)

        # --- the period, the as-of date and the export --------------------------------------
        self.picker = PeriodPicker(today, self, label=False)
        self.picker.setObjectName("report-period")
        self.date_from = self.picker.start
        self.date_to = self.picker.end
        self.date_from.setObjectName("report-from")
        self.date_to.setObjectName("report-to")
        self.span = QLabel(self)
        self.span.setObjectName("report-span")
        self.span.setProperty("class", "muted")
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._show_span)
        self.as_of = QDateEdit(_qdate(today), self)
        self.as_of.setObjectName("report-as-of")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setMinimumWidth(140)
        as_of_note = QLabel(self.tr("开工、到位等按截至日期统计"), self)
        as_of_note.setProperty("class", "muted")
        self.about = QLabel(self)
        self.about.setObjectName("report-about")
        self.about.setWordWrap(True)

        self.export_button = QPushButton(icon("fa5s.file-export", "white"), self.tr("导出"), self)
        self.export_button.setObjectName("report-export")
        self.export_button.setProperty("class", "primary")
        self.export_button.setMinimumWidth(120)
        self.export_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.export_button.clicked.connect(lambda _c=False: self.export_current())
        self.pdf_button = QPushButton(icon("fa5s.file-pdf"), self.tr("另存为 PDF"), self)
        self.pdf_button.setObjectName("report-pdf")
        self.pdf_button.setToolTip(self.tr("按打印版式（一页宽、每页重复表头、页眉页脚）保存为 PDF"))
        self.pdf_button.clicked.connect(lambda _c=False: self.export_current(as_pdf=True))
        if pdf.find_office() is None:
            self.pdf_button.setEnabled(False)
            self.pdf_button.setToolTip(self.tr(pdf.MISSING))
        self.progress = QProgressBar(self)
        self.progress.setObjectName("report-progress")
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.setObjectName("report-cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.cancel_button.setVisible(False)
        self.status = QLabel(self)
        self.status.setObjectName("report-status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton(icon("fa5s.folder-open"), self.tr("打开所在文件夹"), self)
        self.open_button.setObjectName("report-open-folder")
        self.open_button.clicked.connect(self.reveal)
        self.open_button.setEnabled(False)
        self.open_button.setVisible(False)

        export_panel = Panel(self.tr("导出设置"))
        form = QGridLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(10)
        form.setColumnStretch(1, 1)
        form.addWidget(self._label(self.tr("报表")), 0, 0)
        self.chosen = QLabel(self)
        self.chosen.setObjectName("report-chosen")
        form.addWidget(self.chosen, 0, 1)
        form.addWidget(self.about, 1, 1)
        form.addWidget(self._label(self.tr("统计期间")), 2, 0)
        form.addWidget(self.picker, 2, 1, Qt.AlignmentFlag.AlignLeft)
        form.addWidget(self.span, 3, 1)
        form.addWidget(self._label(self.tr("截至日期")), 4, 0)
        as_of_row = QHBoxLayout()
        as_of_row.setSpacing(10)
        as_of_row.addWidget(self.as_of)
        as_of_row.addWidget(as_of_note)
        as_of_row.addStretch(1)
        form.addLayout(as_of_row, 4, 1)
        # 签约与开工 from a frozen 月报快照 instead of today's data (issue 15)
        self.source = QComboBox(self)
        self.source.setObjectName("report-source")
        self.source.addItem(self.tr("实时数据（按上面的期间与截至日期）"), None)
        self.source_label = self._label(self.tr("数据来源"))
        form.addWidget(self.source_label, 5, 0)
        form.addWidget(self.source, 5, 1, Qt.AlignmentFlag.AlignLeft)
        self.report.currentIndexChanged.connect(self._show_source)
        ctx.on_change(("snapshots",), self._load_snapshots)
        self._load_snapshots()
        export_panel.body.addLayout(form)
        run = QHBoxLayout()
        run.setSpacing(10)
        run.addWidget(self.export_button)
        run.addWidget(self.pdf_button)
        run.addWidget(self.progress, 4)
        run.addWidget(self.cancel_button)
        run.addStretch(1)
        export_panel.body.addSpacing(6)
        export_panel.body.addLayout(run)
        result = QHBoxLayout()
        result.setSpacing(10)
        result.addWidget(self.status, 1)
        result.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        export_panel.body.addLayout(result)

        columns = QHBoxLayout()
        columns.setSpacing(12)
        columns.addWidget(reports_panel, 5, Qt.AlignmentFlag.AlignTop)
        columns.addWidget(export_panel, 6, Qt.AlignmentFlag.AlignTop)

        content = QWidget(self)
        content.setObjectName("page-content")
        body = QVBoxLayout(content)
        body.setContentsMargins(16, 12, 16, 8)
        body.setSpacing(12)
        body.addLayout(header)
        body.addLayout(columns)
        # --- the preview: what the chosen report holds for the chosen period ----------------
        self.preview = ReportPreviewPanel(content)
        self.preview.setMinimumHeight(360)
        body.addWidget(self.preview, 1)
        # one read after a burst of changes (typing a date)
        self.preview_later = Throttle(self.refresh_preview, 250, self)
        self._preview_wanted: tuple[Any, ...] | None = None
        self.report.currentIndexChanged.connect(self.preview_later)
        for edit in (self.date_from, self.date_to, self.as_of):
            edit.dateChanged.connect(self.preview_later)
        ctx.on_change((*changes.FIGURES, "contact_logs"), self.preview_later)
        scroll_page(self, content)
        self._describe()
        self._show_span()
        self._load_period()
        self.preview_later()

    def _label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setProperty("class", "form-label")
        return label

    def _describe(self) -> None:
        key = self.current_report()
        for k, card in self.cards.items():
            card.set_selected(k == key)
        self.chosen.setText(self.tr(REPORTS.get(key, "")))
        about = self.tr(DESCRIPTIONS.get(key, ""))
        if key in WHOLE_LEDGER:
            about += self.tr("（不按期间筛选，列出截至日期的全部项目）")
        self.about.setText(about)

    def _show_span(self) -> None:
        self.span.setText(self.tr("{start} 至 {end}").format(
            start=fmt.date(_pydate(self.date_from.date())), end=fmt.date(_pydate(self.date_to.date()))))

    def _load_period(self) -> None:
        """Start from the period the dashboard last showed for this database."""
        def got(choice: Any) -> None:
            if choice is not None:
                self.picker.set_choice(choice)
        mine = settings.period_from_json(self.ctx.preference("dashboard_period"))
        if mine is not None:
            got(mine)
        else:
            self.ctx.read(settings.dashboard_period, done=got)

    def current_report(self) -> str:
        return str(self.report.currentData())

    def _load_snapshots(self) -> None:
        def got(rows: list[SnapshotRow]) -> None:
            wanted = self.source.currentData()
            self.source.clear()
            self.source.addItem(self.tr("实时数据（按上面的期间与截至日期）"), None)
            for r in rows:
                self.source.addItem(self.tr("{m} 月报快照（{who} 冻结，开工率 {rate}）").format(
                    m=r.month, who=r.taken_by, rate=r.rate_text), r.month)
            self.source.setCurrentIndex(max(self.source.findData(wanted), 0))
            self._show_source()
        self.ctx.read(list_snapshots, done=got)

    def _show_source(self, *_args: object) -> None:
        shown = self.current_report() == "start-rate" and self.source.count() > 1
        self.source.setVisible(shown)
        self.source_label.setVisible(shown)

    def snapshot_month(self) -> str | None:
        """The 月报快照 the 签约与开工 report is exported from, if one is chosen."""
        month = self.source.currentData()
        return str(month) if month and self.current_report() == "start-rate" else None

    def select_report(self, key: str) -> None:
        """Choose a report as a click on its card does."""
        self.report.setCurrentIndex(self.report.findData(key))

    def period(self) -> tuple[Period, dt.date]:
        return (Period(_pydate(self.date_from.date()), _pydate(self.date_to.date())),
                _pydate(self.as_of.date()))

    def default_name(self, suffix: str = ".xlsx") -> str:
        period, _ = self.period()
        return f"{REPORTS[self.current_report()]}_{period.start:%Y%m%d}-{period.end:%Y%m%d}{suffix}"

    def refresh_preview(self) -> None:
        """Read the chosen report's preview (off the GUI thread); a late answer for an earlier
        choice is dropped."""
        try:
            period, as_of = self.period()
        except Exception:  # an impossible range while a date is being typed: wait for the next
            return
        wanted = (self.current_report(), period, as_of)
        self._preview_wanted = wanted
        self.preview.show_loading()

        def done(result: Any) -> None:
            if self._preview_wanted == wanted:
                self.preview.show_preview(result)
        report = wanted[0]
        self.ctx.read(lambda uow: preview_report(uow, report, period, as_of), done=done)

    def import_ledger(self) -> Any:
        """Open the import wizard (the same one as the 项目 page's 从台账导入)."""
        from ui.dialogs.import_wizard import run_import_wizard

        return run_import_wizard(self.ctx, self)

    def export_current(self, path: str | Path | None = None, *, as_pdf: bool = False) -> Task | None:
        """Export the chosen report (a ``.pdf`` path, or ``as_pdf``, saves it as PDF); asks
        where to save unless ``path`` is given."""
        if self.task is not None:
            return None
        suffix = ".pdf" if as_pdf or (path and str(path).lower().endswith(".pdf")) else ".xlsx"
        if not path:
            if not self.ask_path:
                path = self.out_dir / self.default_name(suffix)
            else:
                kind = self.tr("PDF 文件 (*.pdf)") if suffix == ".pdf" else self.tr("Excel 工作簿 (*.xlsx)")
                chosen, _ = QFileDialog.getSaveFileName(
                    self, self.tr("导出报表"), str(self.out_dir / self.default_name(suffix)), kind)
                if not chosen:
                    return None
                path = chosen if chosen.lower().endswith(suffix) else chosen + suffix
        try:
            period, as_of = self.period()
        except Exception as exc:
            self.ctx.report(exc)
            return None
        target = Path(path)
        self.out_dir = target.parent
        report, db = self.current_report(), self.ctx.db

        write = pdf.export_report_pdf if suffix == ".pdf" else export_report
        month = self.snapshot_month() if suffix == ".xlsx" else None

        def job(task: Task) -> ExportResult:
            if month is not None:  # the frozen figures, whatever the period above says
                return export_snapshot(db, month, target)
            return write(db, report, target, period, as_of, progress=task.progress,
                         cancelled=task.cancelled)

        self._busy(True)
        self._set_status(self.tr("正在导出“{0}”…").format(self.tr(REPORTS[report])), "")
        self.task = self.ctx.long(job, done=self._done, progress=self._progress,
                                  failed=self._failed)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self._set_status(self.tr("正在取消…"), "")

    def reveal(self) -> None:
        if self.last is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last.path.parent)))

    def _set_status(self, text: str, tone: str) -> None:
        self.status.setText(text)
        self.status.setProperty("tone", tone)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.pdf_button.setEnabled(not busy and pdf.find_office() is not None)
        self.cancel_button.setEnabled(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        if busy:
            self.open_button.setVisible(False)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _done(self, result: ExportResult) -> None:
        self.task = None
        self.last = result
        self._busy(False)
        self.open_button.setEnabled(True)
        self.open_button.setVisible(True)
        self._set_status(self.tr("已导出到 {0}（{1} 行）").format(result.path, result.rows), "up")

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self._busy(False)
        self.open_button.setVisible(self.last is not None)
        if getattr(exc, "code", "") == "cancelled":
            self._set_status(self.tr("已取消导出"), "")
            return
        self._set_status(self.tr("导出失败"), "down")
        self.ctx.report(exc)
