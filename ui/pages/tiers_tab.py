"""设置 → 企业层级: the tier dictionary (世界500强, 上市公司, 专精特新 …) admins keep."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from crm.services import tiers
from crm.services.tiers import TierRow
from ui.context import AppContext, Latest
from ui.operations import assessment as ops
from ui.widgets.table import Column, RowsModel, rows_view


class TierDictionaryTab(QWidget):
    """The tiers in their order, retired ones marked; an admin adds, renames and retires."""

    def __init__(self, ctx: AppContext, editable: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settings-tiers")
        self.ctx = ctx
        self._latest = Latest(ctx)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        note = QLabel(self.tr("企业的“企业层级”标签从这里选择；签约按层级计数（考核加分项）。停用的层级"
                              "不再可选、不再计数，已有的标签保留。") if editable else
                      self.tr("只有管理员可以维护企业层级。"), self)
        note.setProperty("class", "muted")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.model = RowsModel([
            Column(self.tr("企业层级"), lambda r: r.name),
            Column(self.tr("状态"), lambda r: self.tr("启用") if r.active else self.tr("已停用")),
        ], self)
        self.view = rows_view(self.model, self)
        layout.addWidget(self.view, 1)
        if editable:
            self.new_name = QLineEdit(self)
            self.new_name.setPlaceholderText(self.tr("新层级名称，如 瞪羚企业"))
            add = QPushButton(self.tr("添加"), self)
            add.setProperty("class", "primary")
            add.clicked.connect(lambda _c=False: self.add())
            rename = QPushButton(self.tr("重命名所选…"), self)
            rename.clicked.connect(lambda _c=False: self._rename_selected())
            toggle = QPushButton(self.tr("停用/启用所选"), self)
            toggle.clicked.connect(lambda _c=False: self._toggle_selected())
            row = QHBoxLayout()
            row.addWidget(self.new_name, 1)
            for button in (add, rename, toggle):
                row.addWidget(button)
            layout.addLayout(row)
        ctx.on_change(("tiers",), self.reload)
        self.reload()

    def reload(self) -> None:
        self._latest.read(lambda uow: tiers.list_tiers(uow, include_inactive=True),
                          self.model.set_rows)

    def add(self) -> None:
        ops.add_tier(self.ctx, self.new_name.text(), parent=self,
                     done=lambda _r: self.new_name.clear())

    def _selected(self) -> TierRow | None:
        row: TierRow | None = self.model.row_at(self.view.currentIndex().row())
        return row

    def _rename_selected(self) -> None:
        row = self._selected()
        if row is None:
            return
        name, ok = QInputDialog.getText(self, self.tr("重命名企业层级"), self.tr("新名称"),
                                        text=row.name)
        if ok:
            ops.update_tier(self.ctx, row.id, name, row.active, parent=self)

    def _toggle_selected(self) -> None:
        row = self._selected()
        if row is not None:
            ops.update_tier(self.ctx, row.id, row.name, not row.active, parent=self)
