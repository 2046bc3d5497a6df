"""从台账导入: choose a file → check the header and column mapping → dry run → import.

Reading, the dry run and the import run off the GUI thread (``ctx.long``) with progress and
cancel. The mapping the user settles on is remembered per set of headers in the database
settings, so next month's ledger of the same shape maps itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm.changes import EVERYTHING
from crm.excel.errorbook import write_error_book
from crm.excel.headers import LABELS, header_at, header_signature
from crm.excel.importer import UNIT_CHOICES, ImportReport, column_letter, import_ledger, preview
from crm.excel.reader import Book, Sheet
from crm.services import settings
from crm.services.settings import IMPORT_MAPPING_PREFIX
from ui.context import AppContext, op
from ui.dialogs.company_questions import CompanyQuestions
from ui.operations import settings as settings_ops
from ui.ops import Task
from ui.widgets.panel import TableOrEmpty

NOT_IMPORTED = ""


class ImportWizard(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.sheet: Sheet | None = None
        self.book: Book | None = None
        self.report: ImportReport | None = None
        self.task: Task | None = None
        self.setWindowTitle(self.tr("从台账导入"))
        self.resize(960, 720)
        self.path = QLineEdit(self)
        self.path.setObjectName("import-path")
        self.path.setPlaceholderText(self.tr("选择 Excel 台账文件（.xlsx / .xls）"))
        browse = QPushButton(self.tr("选择文件…"), self)
        browse.clicked.connect(self.browse)
        self.read_button = QPushButton(self.tr("读取"), self)
        self.read_button.setObjectName("import-read")
        self.read_button.clicked.connect(self.load)
        self.header_row = QSpinBox(self)
        self.header_row.setObjectName("import-header-row")
        self.header_row.setRange(1, 30)
        self.header_row.setPrefix(self.tr("表头在第 "))
        self.header_row.setSuffix(self.tr(" 行"))
        self.header_row.valueChanged.connect(self._header_moved)
        self.sheets = QComboBox(self)
        self.sheets.setObjectName("import-sheet")
        self.sheets.setToolTip(self.tr("要导入的工作表"))
        self.sheets.currentIndexChanged.connect(self._sheet_chosen)
        self.unit = QComboBox(self)
        self.unit.setObjectName("import-unit")
        self.unit.addItem(self.tr("金额单位：按表中注明"), None)
        for choice in UNIT_CHOICES:
            self.unit.addItem(self.tr("未注明的金额单位为 {0}").format(choice), choice)
        self.unit.currentIndexChanged.connect(lambda _: self._ask_unit_if_unstated())
        self.unit_question = QLabel(self)
        self.unit_question.setObjectName("import-unit-question")
        self.unit_question.setWordWrap(True)
        self.unit_question.setProperty("class", "warning")
        self.unit_question.setVisible(False)
        self.understanding = QPlainTextEdit(self)
        self.understanding.setObjectName("import-understanding")
        self.understanding.setReadOnly(True)
        self.understanding.setMaximumHeight(150)
        self.mapping = QTableWidget(0, 3, self)
        self.mapping.setObjectName("import-mapping")
        self.mapping.setHorizontalHeaderLabels([self.tr("列"), self.tr("表头"), self.tr("导入为")])
        _tidy(self.mapping, stretch=1, widths=(56, 0, 240))
        self.skip = QCheckBox(self.tr("跳过有错误的行，导入其余行"), self)
        self.skip.setObjectName("import-skip-invalid")
        self.check_button = QPushButton(self.tr("试导入（只检查）"), self)
        self.check_button.setObjectName("import-dry-run")
        self.check_button.clicked.connect(self.dry_run)
        self.import_button = QPushButton(self.tr("导入"), self)
        self.import_button.setObjectName("import-run")
        self.import_button.clicked.connect(self.run_import)
        self.errors_button = QPushButton(self.tr("导出错误行…"), self)
        self.errors_button.setObjectName("import-errors")
        self.errors_button.clicked.connect(self.save_errors)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.setObjectName("import-cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("import-progress")
        self.progress.setVisible(False)
        self.summary = QLabel(self)
        self.summary.setObjectName("import-summary")
        self.summary.setWordWrap(True)
        self.problems = QTableWidget(0, 4, self)
        self.problems.setObjectName("import-problems")
        self.problems.setHorizontalHeaderLabels(
            [self.tr("类别"), self.tr("行"), self.tr("列"), self.tr("原因")])
        _tidy(self.problems, stretch=3, widths=(72, 72, 160, 0))
        header_item = self.problems.horizontalHeaderItem(1)
        if header_item is not None:
            header_item.setTextAlignment(_RIGHT)
        self.problems_area = TableOrEmpty(
            self.problems, self.tr("试导入后，这里列出有错误或需留意的行"), self)
        self.problems_area.update_state(0)
        # 企业确认: a company only like a stored one is asked about, one answer each
        self.question_note = QLabel(self)
        self.question_note.setObjectName("import-question-note")
        self.question_note.setWordWrap(True)
        self.question_note.setProperty("class", "warning")
        self.question_note.setVisible(False)
        self.questions = CompanyQuestions(self)
        self.questions.setVisible(False)
        self.questions.answered.connect(self._enable)
        for button in (browse, self.read_button, self.check_button, self.import_button,
                       self.errors_button, self.cancel_button):
            button.setAutoDefault(False)
        self.import_button.setProperty("class", "primary")
        self.progress.setTextVisible(False)
        self.summary.setObjectName("import-summary")
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(browse)
        top.addWidget(self.read_button)
        actions = QHBoxLayout()
        for w in (self.sheets, self.header_row, self.unit, self.skip):
            actions.addWidget(w)
        actions.addStretch(1)
        for button in (self.check_button, self.import_button, self.errors_button, self.cancel_button):
            actions.addWidget(button)
        steps = QLabel(self.tr("① 选择台账并读取　② 核对列对应（可修改，下次同样的表头自动套用）"
                               "　③ 试导入检查　④ 导入"), self)
        steps.setProperty("class", "muted")
        mapping_title = QLabel(self.tr("列对应"), self)
        mapping_title.setProperty("class", "panel-title")
        problems_title = QLabel(self.tr("检查结果"), self)
        problems_title.setProperty("class", "panel-title")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(steps)
        layout.addLayout(top)
        layout.addWidget(mapping_title)
        layout.addWidget(self.mapping, 3)
        layout.addLayout(actions)
        layout.addWidget(self.unit_question)
        layout.addWidget(self.understanding, 1)
        layout.addWidget(self.progress)
        layout.addWidget(problems_title)
        layout.addWidget(self.summary)
        layout.addWidget(self.question_note)
        layout.addWidget(self.questions, 1)
        layout.addWidget(self.problems_area, 2)
        self._enable()

    # --- step 1: the file -----------------------------------------------------------------
    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("选择台账"), str(Path.home()),
                                                self.tr("Excel 文件 (*.xlsx *.xlsm *.xls *.ods)"))
        if chosen:
            self.path.setText(chosen)
            self.load()

    def load(self) -> Task | None:
        path = self.path.text().strip()
        if not path or self.task is not None:
            return None
        self.report = None
        self.questions.clear_questions()
        return self._start(lambda task: preview(path), self._loaded, self.tr("正在读取…"))

    def _loaded(self, book: Book) -> None:
        self.book = book
        self.sheets.blockSignals(True)
        self.sheets.clear()
        if len(book.sheets) > 1:
            self.sheets.addItem(self.tr("全部 {0} 个工作表").format(len(book.sheets)), None)
        for one in book.sheets:
            self.sheets.addItem(self.tr("工作表：{0}").format(one.name), one.name)
        self.sheets.setCurrentIndex(0)
        self.sheets.blockSignals(False)
        self.sheets.setVisible(len(book.sheets) > 1)
        self._show_sheet(book.sheets[0])
        lines = [self.tr("工作表“{0}”：表头在{1}").format(one.name, one.header.rows_text)
                 for one in book.sheets if one.header is not None]
        lines += [self.tr("工作表“{0}”：未导入（{1}）").format(name, why)
                  for name, why in book.skipped]
        for one in book.sheets:
            lines += list(one.notes)
        self.understanding.setPlainText("\n".join(lines))

    def _sheet_chosen(self, index: int) -> None:
        if self.book is None:
            return
        name = self.sheets.itemData(index)
        chosen = next((one for one in self.book.sheets if one.name == name), self.book.sheets[0])
        self._show_sheet(chosen)

    def _show_sheet(self, sheet: Sheet) -> None:
        self.sheet = sheet
        assert sheet.header is not None
        self.header_row.blockSignals(True)
        self.header_row.setValue(sheet.header.excel_row)
        self.header_row.blockSignals(False)
        self._show_mapping(list(sheet.header.headers), sheet.header.mapping)
        self.summary.setText(self.tr("工作表“{0}”，表头在{1}，共 {2} 行。请核对列对应，然后试导入。")
                             .format(sheet.name, sheet.header.rows_text, len(sheet.rows)))
        self._ask_unit_if_unstated()

    def _ask_unit_if_unstated(self) -> None:
        """Money columns whose unit no header and no row above the table states: ask, never
        guess (the dry run refuses bare amounts until a unit is chosen)."""
        header = self.sheet.header if self.sheet is not None else None
        unstated = [] if header is None or header.unit_row is not None else [
            header.headers[col] or LABELS[key] for col, key in header.mapping.items()
            if key in ("planned", "amount") and col not in header.units]
        asking = bool(unstated) and self.unit.currentData() is None
        self.unit_question.setVisible(asking)
        if asking:
            self.unit_question.setText(self.tr(
                "「{0}」没有注明金额单位：请在上方选择万元或亿元（单元格中写明单位的仍按所写）。"
                "不选择时，没有单位的金额不会导入。").format("」「".join(unstated)))

    def _header_moved(self, row: int) -> None:
        if self.sheet is None or not 0 < row <= len(self.sheet.rows):
            return
        header = header_at(self.sheet.rows, row - 1, self.sheet.merged, exact=True)
        self._show_mapping(list(header.headers), header.mapping)

    # --- step 2: the mapping --------------------------------------------------------------
    def _show_mapping(self, headers: list[str], guessed: dict[int, str]) -> None:
        """The guessed mapping now; the one remembered for these headers when it arrives (read
        off the GUI thread), unless the user has moved on to other headers meanwhile."""
        self.headers = headers
        self._fill_mapping(headers, guessed)
        key = IMPORT_MAPPING_PREFIX + header_signature(headers)

        def remembered(stored: object) -> None:
            if self.headers is headers and isinstance(stored, dict):
                self._fill_mapping(headers, {int(c): str(f) for c, f in stored.items()
                                             if str(f) in LABELS})
        self.ctx.read(op(settings.get_setting, key), done=remembered)

    def _fill_mapping(self, headers: list[str], mapping: dict[int, str]) -> None:
        self.mapping.setRowCount(len(headers))
        for col, text in enumerate(headers):
            self.mapping.setItem(col, 0, QTableWidgetItem(column_letter(col)))
            self.mapping.setItem(col, 1, QTableWidgetItem(text))
            combo = QComboBox(self.mapping)
            combo.addItem(self.tr("（不导入）"), NOT_IMPORTED)
            for key, label in LABELS.items():
                combo.addItem(self.tr(label), key)
            combo.setCurrentIndex(max(combo.findData(mapping.get(col, NOT_IMPORTED)), 0))
            self.mapping.setCellWidget(col, 2, combo)
        self._enable()

    def current_mapping(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for col in range(self.mapping.rowCount()):
            combo = self.mapping.cellWidget(col, 2)
            if isinstance(combo, QComboBox) and combo.currentData():
                out[col] = str(combo.currentData())
        return out

    def set_field(self, column: int, field: str) -> None:
        """Map a column to a field (what the user does with the combo box; tests use it)."""
        combo = self.mapping.cellWidget(column, 2)
        if isinstance(combo, QComboBox):
            combo.setCurrentIndex(max(combo.findData(field), 0))

    def _remember(self) -> None:
        key = IMPORT_MAPPING_PREFIX + header_signature(self.headers)
        value = {str(c): f for c, f in self.current_mapping().items()}
        settings_ops.remember_setting(self.ctx, key, value, parent=self)

    # --- step 3 and 4: dry run, import ----------------------------------------------------
    def dry_run(self) -> Task | None:
        return self._run(dry=True)

    def run_import(self) -> Task | None:
        return self._run(dry=False)

    def _run(self, dry: bool) -> Task | None:
        if self.sheet is None or self.task is not None:
            return None
        path, mapping, row = self.path.text().strip(), self.current_mapping(), self.header_row.value()
        skip, db, actor = self.skip.isChecked(), self.ctx.db, self.ctx.actor
        sheet, unit = self.sheets.currentData(), self.unit.currentData()
        if sheet is None and self.book is not None and len(self.book.sheets) == 1:
            sheet = self.book.sheets[0].name
        assert self.sheet is not None and self.sheet.header is not None
        # every sheet, each as detected, unless the user changed what this one shows
        moved = row != self.sheet.header.excel_row or mapping != self.sheet.header.mapping
        if sheet is None and moved:
            sheet = self.sheet.name
        self._remember()
        same, new = self.questions.same(), self.questions.new()

        def job(task: Task) -> ImportReport:
            return import_ledger(db, actor, path, mapping=mapping if sheet else None,
                                 header_row=row if sheet else None, sheet=sheet, unit=unit,
                                 dry_run=dry, skip_invalid=skip, progress=task.progress,
                                 cancelled=task.cancelled, same_company=same, new_company=new)
        message = self.tr("正在检查…") if dry else self.tr("正在导入…")
        return self._start(job, self._reported, message)

    def _reported(self, report: ImportReport) -> None:
        self.report = report
        self.summary.setText(report.summary())
        self.questions.add(report.questions)
        self.understanding.setPlainText(report.understanding())
        if report.unit_needed:
            self.unit_question.setText(self.tr(
                "{0}没有注明金额单位，未导入任何数据：请在上方选择万元或亿元后再试导入。")
                .format("、".join(report.unit_needed)))
            self.unit_question.setVisible(True)
            self.unit.setFocus()
        else:
            self.unit_question.setVisible(False)
        rows = [(self.tr("错误"), p) for p in report.errors]
        rows += [(self.tr("提示"), p) for p in report.warnings]
        self.problems.setRowCount(len(rows))
        for i, (kind, p) in enumerate(rows):
            for j, value in enumerate((kind, str(p.row), p.column, p.reason)):
                item = QTableWidgetItem(value)
                if j == 1:
                    item.setTextAlignment(_RIGHT)
                self.problems.setItem(i, j, item)
        self.problems_area.update_state(
            len(rows), self.tr("没有错误") if report.written else
            self.tr("没有发现错误 — 回答上面的企业确认后可以导入") if report.questions else
            self.tr("没有发现错误 — 可以导入"))
        if report.written:
            self.ctx.broadcast(EVERYTHING, self)  # rows written in bulk: ids not tracked
        self._enable()

    def save_errors(self, path: str | None = None) -> Path | None:
        if self.report is None or not self.report.errors:
            return None
        if not path:
            suggested = Path(self.report.file).with_name(Path(self.report.file).stem + "_错误.xlsx")
            path, _ = QFileDialog.getSaveFileName(self, self.tr("导出错误行"), str(suggested),
                                                  self.tr("Excel 工作簿 (*.xlsx)"))
            if not path:
                return None
        try:
            return write_error_book(self.report, path)
        except Exception as exc:
            self.ctx.report(exc)
            return None

    # --- background work ------------------------------------------------------------------
    def _start(self, fn: Any, done: Any, message: str) -> Task:
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.summary.setText(message)

        def finished(result: Any) -> None:
            self.task = None
            self.progress.setVisible(False)
            done(result)
            self._enable()

        self.task = self.ctx.long(fn, done=finished, progress=self._progress,
                                  failed=self._failed)
        self._enable()
        return self.task

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.progress.setVisible(False)
        message = getattr(exc, "message", None)
        if getattr(exc, "code", "") != "cancelled" and message is None:
            self.ctx.report(exc)
        self.summary.setText(str(message or self.tr("操作失败")))
        self._enable()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
        else:
            self.reject()

    def _enable(self) -> None:
        busy = self.task is not None
        ready = self.sheet is not None and not busy
        self.read_button.setEnabled(not busy)
        self.check_button.setEnabled(ready)
        waiting = self.questions.unanswered()
        self.import_button.setEnabled(ready and not waiting)
        self.question_note.setVisible(bool(self.questions.asked))
        self.question_note.setText(
            self.tr("企业确认：下列企业与系统中已有的企业名称相似，请逐一选择是同一企业（使用已有的）还是"
                    "另一家企业（新建）；还有 {0} 家未选择，选择后才能导入。").format(waiting)
            if waiting else self.tr("企业确认：已全部选择，导入时按所选处理。"))
        self.errors_button.setEnabled(bool(self.report and self.report.errors) and not busy)
        self.cancel_button.setText(self.tr("取消") if busy else self.tr("关闭"))


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _tidy(table: QTableWidget, stretch: int, widths: tuple[int, ...]) -> None:
    """The app's table look: no row numbers or grid, rows tall enough for a combo box."""
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(34)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for i, width in enumerate(widths):
        if i == stretch:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
        elif width:
            table.setColumnWidth(i, width)


def run_import_wizard(ctx: AppContext, parent: QWidget | None = None) -> ImportWizard:
    """Open the wizard (modal) — the 项目 page's 从台账导入 calls this."""
    wizard = ImportWizard(ctx, parent)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        wizard.show()  # headless (tests, scripts): never block on a modal loop
    else:
        wizard.exec()
    return wizard
