"""The scheme editor: a year's 考核 lines (indicator, weight, cap, bonus and deduction items)
and their targets (the year's and the 时序目标 of quarters 1–3) in one table.

An admin saves the scheme and its targets in one transaction; a manager may change only the
targets (the same right as 设置 → 年度目标). Every number is checked in crm
(``scorecard_schemes.item_from_texts`` and the services); an error shows above the table.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from crm.services import scorecard_schemes
from crm.services.scorecard_schemes import KINDS, SCOPES, SchemeInput
from crm.views.scorecard import SchemeEditor, read_scheme_editor
from ui.context import AppContext, Op, op
from ui.forms import FormDialog

# kind, indicator, name, weight, cap, each, max, year target, Q1, Q2, Q3
HEADERS = ("类别", "指标", "名称（可改）", "分值", "封顶系数", "每个计分", "最高分", "年度目标",
           "一季度末累计", "二季度末累计", "三季度末累计")
KIND_COL, CODE_COL, NAME_COL = 0, 1, 2
TARGET_COLS = {7: 0, 8: 1, 9: 2, 10: 3}  # column → quarter (0: the year)


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


class SchemeDialog(FormDialog):
    aliases = {"name": "name", "year": "name", "scope": "name"}

    def __init__(self, ctx: AppContext, year: int, scope: str, *, may_edit_scheme: bool,
                 parent: QWidget | None = None):
        super().__init__(ctx, self.tr("{year} 年{who}考核方案").format(
            year=year, who=self.tr(SCOPES[scope])), parent)
        self.setObjectName("scheme-dialog")
        self.year, self.scope, self.may_edit = year, scope, may_edit_scheme
        self.codes: list[tuple[str, str]] = []
        self.name = self.form.add("name", self.tr("方案名称"), QLineEdit(self), required=True)
        self.basis = self.form.add("basis", self.tr("依据（考核办法）"), QLineEdit(self))
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("scheme-table")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col, width in enumerate((116, 250, 0, 60, 72, 72, 60, 96, 100, 100, 100)):
            if width:
                self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(NAME_COL, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumSize(1340, 380)
        self.form.add("items", self.tr("指标与目标"), self.table)
        buttons = QWidget(self)
        line = QHBoxLayout(buttons)
        line.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(self.tr("添加一行"), buttons)
        self.remove_button = QPushButton(self.tr("删除所选行"), buttons)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        line.addWidget(self.add_button)
        line.addWidget(self.remove_button)
        line.addStretch(1)
        self.form.add("rows", "", buttons)
        for w in (self.name, self.basis, self.add_button, self.remove_button):
            w.setEnabled(may_edit_scheme)
        self.load(op(read_scheme_editor, year, scope), self.fill)

    # --- filling ----------------------------------------------------------------------------
    def fill(self, editor: SchemeEditor) -> None:
        self.codes = [(i.code, f"{i.label}（{i.unit}）") for i in editor.catalogue]
        scheme = editor.scheme
        what = "招商人员" if editor.scope == "person" else "招商引资工作"
        self.name.setText(scheme.name if scheme else f"{editor.year}年度{what}考核")
        self.basis.setText(scheme.basis if scheme else "")
        targets = {(t.code, t.quarter): t.value for t in editor.targets}
        for item in scheme.items if scheme else ():
            cells = [item.label, _text(item.weight) if item.kind == "score" else "",
                     _text(item.cap) if item.kind == "score" else "",
                     "" if item.kind == "score" else _text(item.points_each),
                     _text(item.points_max)]
            cells += [_text(targets.get((item.code, q))) if item.kind == "score" else ""
                      for q in TARGET_COLS.values()]
            self.add_row(item.kind, item.code, cells)

    def add_row(self, kind: str = "score", code: str = "signed_count",
                cells: list[str] | None = None) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        kinds = QComboBox(self.table)
        for key, name in KINDS.items():
            kinds.addItem(self.tr(name), key)
        kinds.setCurrentIndex(max(0, kinds.findData(kind)))
        codes = QComboBox(self.table)
        for key, label in self.codes:
            codes.addItem(label, key)
        codes.setCurrentIndex(max(0, codes.findData(code)))
        for combo in (kinds, codes):
            combo.setEnabled(self.may_edit)
        self.table.setCellWidget(row, KIND_COL, kinds)
        self.table.setCellWidget(row, CODE_COL, codes)
        for col, value in enumerate(cells or [""] * (len(HEADERS) - 2), start=NAME_COL):
            cell = QTableWidgetItem(value)
            if not self.may_edit and col not in TARGET_COLS:
                cell.setFlags(cell.flags() & ~cell.flags().ItemIsEditable)
            self.table.setItem(row, col, cell)
        return row

    def remove_selected(self) -> None:
        for index in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(index)

    # --- saving -----------------------------------------------------------------------------
    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text().strip() if item is not None else ""

    def _combo(self, row: int, col: int) -> str:
        widget = self.table.cellWidget(row, col)
        return str(widget.currentData()) if isinstance(widget, QComboBox) else ""

    def collect(self) -> Op:
        items, texts = [], {}
        for row in range(self.table.rowCount()):
            kind, code = self._combo(row, KIND_COL), self._combo(row, CODE_COL)
            items.append(scorecard_schemes.item_from_texts(
                kind, code, self._cell(row, NAME_COL), *(self._cell(row, c) for c in (3, 4, 5, 6))))
            if kind == "score":
                for col, quarter in TARGET_COLS.items():
                    texts[(code, quarter)] = self._cell(row, col)
        if not self.may_edit:
            return op(scorecard_schemes.set_targets, self.ctx.actor, self.year, self.scope, texts)
        data = SchemeInput(self.year, self.scope, self.name.text(), self.basis.text(),
                           tuple(items))
        return op(scorecard_schemes.save_scheme_with_targets, self.ctx.actor, data, texts)
