"""How full a carrier is, as a bar: firm placements, 拟落地, other occupancy, free."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

FIRM, TENTATIVE, OTHER, FREE = QColor("#1f6feb"), QColor("#8cb8f7"), QColor("#b8bec7"), \
    QColor("#e7ebf0")


def paint_bar(painter: QPainter, rect: QRectF, total: Decimal,
              parts: tuple[Decimal, Decimal, Decimal]) -> None:
    """Segments of ``rect`` for (firm, tentative, other) out of ``total``; the rest is free."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    radius = rect.height() / 2
    painter.setBrush(FREE)
    painter.drawRoundedRect(rect, radius, radius)
    if total > 0:
        painter.setClipRect(rect)
        x = rect.left()
        for value, colour in zip(parts, (FIRM, TENTATIVE, OTHER), strict=True):
            width = float(min(value / total, Decimal(1))) * rect.width()
            if width > 0:
                painter.setBrush(colour)
                painter.drawRect(QRectF(x, rect.top(), width, rect.height()))
                x += width
    painter.restore()


def _parts(row: Any) -> tuple[Decimal, Decimal, Decimal]:
    return row.firm, row.tentative, row.other


class OccupancyBar(QWidget):
    """A thin bar under a figure (the totals cards)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.total = Decimal(0)
        self.parts = (Decimal(0), Decimal(0), Decimal(0))
        self.setFixedHeight(8)

    def set_parts(self, total: Decimal, parts: tuple[Decimal, Decimal, Decimal]) -> None:
        self.total, self.parts = total, parts
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_bar(painter, QRectF(self.rect()), self.total, self.parts)
        painter.end()


class OccupancyDelegate(QStyledItemDelegate):
    """Paints a carrier row's bar in its cell (the model's ``row_at`` gives the figures)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        row = index.model().row_at(index.row())  # type: ignore[attr-defined]
        if row is None:
            return
        r = QRectF(option.rect).adjusted(8, 0, -8, 0)
        bar = QRectF(r.left(), r.center().y() - 4, r.width(), 8)
        paint_bar(painter, bar, row.total, _parts(row))

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(140, 20)
