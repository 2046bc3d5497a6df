"""The import wizard's 企业确认: a ledger's company only like a stored one, asked as a question.

Each pair the import finds (crm.excel.resolve.Question) is a row: the company as the ledger
writes it, the stored one it is like and why, and a choice — 使用已有的“上海际数科技有限公司” or
新建“际数科技”. Nothing is chosen for the user: taking the stored company would file another
legal person's projects and figures under it, a new one is the very duplicate the check is
there to catch, and a bureau's user expects to be asked when the app cannot tell. The wizard's
导入 stays disabled until every question has an answer (the dry run may still be run).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from crm.excel.resolve import Question

SAME, NEW = "same", "new"


class CompanyQuestions(QTableWidget):
    """The questions asked so far for this file, and their answers (kept across dry runs)."""

    answered = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 3, parent)
        self.setObjectName("import-questions")
        self.setHorizontalHeaderLabels([self.tr("台账中的企业"), self.tr("系统中相似的企业"),
                                        self.tr("是同一企业吗？")])
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(34)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 200)
        self.setColumnWidth(2, 320)
        self.asked: dict[str, Question] = {}  # as written → the question
        self.choices: dict[str, str] = {}  # as written → SAME | NEW

    def clear_questions(self) -> None:
        """A new file: nothing asked yet."""
        self.asked.clear()
        self.choices.clear()
        self.setRowCount(0)
        self.setVisible(False)

    def add(self, questions: tuple[Question, ...] | list[Question]) -> None:
        """The questions of a report, added to those asked before for this file."""
        fresh = [q for q in questions if q.written not in self.asked]
        for q in fresh:
            self.asked[q.written] = q
            row = self.rowCount()
            self.insertRow(row)
            where = self.tr("工作表“{0}”").format(q.sheet) if q.sheet else ""
            first = QTableWidgetItem(q.written)
            first.setToolTip(self.tr("{0}第 {1} 行").format(where, q.row))
            self.setItem(row, 0, first)
            self.setItem(row, 1, QTableWidgetItem(self.tr("{0}（{1}）").format(q.existing,
                                                                             q.reason)))
            combo = QComboBox(self)
            combo.addItem(self.tr("请选择…"), "")
            combo.addItem(self.tr("使用已有的“{0}”").format(q.existing), SAME)
            combo.addItem(self.tr("新建“{0}”").format(q.written), NEW)
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, w=q.written: self._chosen(w, str(c.currentData() or "")))
            self.setCellWidget(row, 2, combo)
        # every question in sight, up to five; more scroll
        shown = min(self.rowCount(), 5)
        self.setMinimumHeight(self.horizontalHeader().height() + 34 * shown + 4)
        self.setVisible(bool(self.asked))

    def choose(self, written: str, answer: str) -> None:
        """Answer one question (what the user does with its combo box; tests use it)."""
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            combo = self.cellWidget(row, 2)
            if item is not None and item.text() == written and isinstance(combo, QComboBox):
                combo.setCurrentIndex(max(combo.findData(answer), 0))

    def _chosen(self, written: str, answer: str) -> None:
        if answer:
            self.choices[written] = answer
        else:
            self.choices.pop(written, None)
        self.answered.emit()

    def unanswered(self) -> int:
        return sum(1 for w in self.asked if w not in self.choices)

    def same(self) -> dict[str, str]:
        """As written → the stored company's name, for import_ledger(same_company=…)."""
        return {w: self.asked[w].existing for w, a in self.choices.items() if a == SAME}

    def new(self) -> list[str]:
        return [w for w, a in self.choices.items() if a == NEW]
