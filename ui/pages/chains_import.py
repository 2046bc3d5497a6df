"""导入名录 on the 招商图谱 page: a 目标企业名录 workbook is checked first (试导入) and written
only when every row is valid and the manager says so; errors are listed by row and column and
can be saved as a workbook of the bad rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from crm.excel.errorbook import write_error_book
from crm.excel.targets import TargetImport
from ui.context import AppContext
from ui.operations import chains as operations


class TargetListImport(QObject):
    """The page's 导入名录: ``box`` is the result shown last (tests read it); ``notify`` puts a
    line in the page's notice (where the error workbook went)."""

    def __init__(self, ctx: AppContext, page: QWidget, notify: Callable[[str], None]):
        super().__init__(page)
        self.ctx = ctx
        self.page = page
        self.notify = notify
        self.box: QMessageBox | None = None
        self.last: TargetImport | None = None

    def run(self, path: str | None = None, *, dry_run: bool = True) -> None:
        """Choose a file (unless ``path``) and check it, or with ``dry_run=False`` write it."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.page, self.tr("导入目标企业名录"), "",
                                                  self.tr("Excel 工作簿 (*.xlsx *.xlsm *.xls)"))
        if not path:
            return
        chosen = path

        def reported(report: TargetImport) -> None:
            self.last = report
            lines = [report.summary(), *(p.text() for p in report.errors[:30])]
            if len(report.errors) > 30:
                lines.append(self.tr("……另有 {0} 处错误").format(len(report.errors) - 30))
            box = QMessageBox(self.page)
            box.setWindowTitle(self.tr("导入目标企业名录"))
            box.setText("\n".join(lines))
            box.setObjectName("import-result")
            go = save = None
            if report.errors:
                box.setIcon(QMessageBox.Icon.Warning)
                save = box.addButton(self.tr("保存错误行…"), QMessageBox.ButtonRole.ActionRole)
            elif report.dry_run and (report.created or report.updated):
                box.setIcon(QMessageBox.Icon.Question)
                go = box.addButton(self.tr("导入"), QMessageBox.ButtonRole.AcceptRole)
            else:
                box.setIcon(QMessageBox.Icon.Information)
            box.addButton(self.tr("关闭") if go is None else self.tr("取消"),
                          QMessageBox.ButtonRole.RejectRole)

            def clicked(button: object) -> None:
                if go is not None and button is go:
                    self.run(chosen, dry_run=False)
                elif save is not None and button is save:
                    self.save_errors(report)
            box.buttonClicked.connect(clicked)
            self.box = box
            box.open()
        operations.import_target_list(self.ctx, chosen, dry_run=dry_run, parent=self.page,
                                      done=reported)

    def save_errors(self, report: TargetImport, path: str | None = None) -> None:
        """The rows with errors, as they were, with the reasons beside them."""
        if path is None:
            stem = Path(report.file).stem
            path, _ = QFileDialog.getSaveFileName(self.page, self.tr("保存错误行"),
                                                  f"{stem}_错误.xlsx", "Excel (*.xlsx)")
        if path:
            target = path
            self.ctx.long(lambda _task: write_error_book(report.as_ledger_report(), target),
                          done=lambda written: self.notify(
                              self.tr("错误行已保存到 {0}").format(written)))
