"""The 招商图谱's map: a chain's segments as a flow of boxes, 上游 → 中游 → 下游, each coloured
by its coverage (强 green, 弱 amber, 缺 red) with its counts. A custom painted widget (no web
view): it holds the read model's plain rows and paints them; a click selects a segment.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from crm.views.chains import GAP, STRONG, WEAK, ChainCoverage, SegmentCoverage

STAGES = ("上游", "中游", "下游")
# (border and pill, light fill, label) per status
COLOURS = {STRONG: ("#2da44e", "#eaf7ee", "强链"), WEAK: ("#d29922", "#fff6e0", "弱链"),
           GAP: ("#cf222e", "#fdecec", "缺链")}
ACCENT = "#1f6feb"
BOX_HEIGHT = 112
GAP_Y = 14
COLUMN_GAP = 56
MARGIN = 16
HEAD = 40
CHIP_ROW = 30  # a box's strip of sub-segments, each one clickable on its own


@dataclass(frozen=True)
class _Box:
    segment: SegmentCoverage
    rect: QRectF
    sub: bool = False  # a sub-segment's chip inside its parent's box


class ChainMap(QWidget):
    """Signals: ``segment_clicked(segment_id)`` when a box is clicked."""

    segment_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chain-map")
        self.chain: ChainCoverage | None = None
        self.selected: int | None = None
        self._boxes: list[_Box] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_chain(self, chain: ChainCoverage | None, selected: int | None = None) -> None:
        self.chain = chain
        self.selected = selected
        self.updateGeometry()
        self._layout()
        self.update()

    def select(self, segment_id: int | None) -> None:
        self.selected = segment_id
        self.update()

    def boxes(self) -> list[tuple[int, QRectF]]:
        """Each segment's box (tests click them)."""
        return [(b.segment.id, b.rect) for b in self._boxes]

    # --- geometry ---------------------------------------------------------------------------
    def _columns(self) -> list[list[SegmentCoverage]]:
        top = self.chain.top if self.chain is not None else ()
        return [[s for s in top if s.stage == stage] for stage in STAGES]

    def _children(self, parent: SegmentCoverage) -> list[SegmentCoverage]:
        segments = self.chain.segments if self.chain is not None else ()
        return [s for s in segments if s.parent_id == parent.id]

    def _height(self, segment: SegmentCoverage) -> float:
        return BOX_HEIGHT + (CHIP_ROW if self._children(segment) else 0)

    def sizeHint(self) -> QSize:
        tallest = max((sum(self._height(s) + GAP_Y for s in c) for c in self._columns()),
                      default=0.0) or BOX_HEIGHT + GAP_Y
        return QSize(900, int(HEAD + MARGIN + tallest + MARGIN))

    def minimumSizeHint(self) -> QSize:
        return QSize(600, self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout()

    def _layout(self) -> None:
        self._boxes = []
        width = (self.width() - 2 * MARGIN - 2 * COLUMN_GAP) / 3
        for i, column in enumerate(self._columns()):
            x = MARGIN + i * (width + COLUMN_GAP)
            y: float = HEAD + MARGIN
            for segment in column:
                height = self._height(segment)
                self._boxes.append(_Box(segment, QRectF(x, y, width, height)))
                kids = self._children(segment)
                if kids:  # chips side by side in the strip under the figures
                    cw = (width - 28 - 6 * (len(kids) - 1)) / len(kids)
                    for k, kid in enumerate(kids):
                        self._boxes.append(_Box(kid, QRectF(
                            x + 14 + k * (cw + 6), y + BOX_HEIGHT - 4, cw, CHIP_ROW - 6), True))
                y += height + GAP_Y

    # --- input ------------------------------------------------------------------------------
    def _box_at(self, point: QPointF) -> _Box | None:
        """The sub-segment's chip under the point, else its box."""
        hits = [b for b in self._boxes if b.rect.contains(point)]
        return next((b for b in hits if b.sub), hits[0] if hits else None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        box = self._box_at(event.position())
        if box is not None and event.button() == Qt.MouseButton.LeftButton:
            self.select(box.segment.id)
            self.segment_clicked.emit(box.segment.id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        box = self._box_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if box else Qt.CursorShape.ArrowCursor)
        self.setToolTip(self._tip(box.segment) if box else "")

    @staticmethod
    def _tip(s: SegmentCoverage) -> str:
        parts = [f"{s.name}（{s.stage}）：{COLOURS[s.status][2]}",
                 f"目标企业 {s.targets}，已接洽 {s.contacted}",
                 f"线索 {s.leads}，在谈 {s.negotiating}，签约 {s.signed}，开工 {s.started}",
                 f"本地企业 {s.local_firms}"]
        if s.children:
            parts.append("含：" + "、".join(s.children))
        return "\n".join(parts)

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = (self.width() - 2 * MARGIN - 2 * COLUMN_GAP) / 3
        base = QFont(self.font())
        head = QFont(base)
        head.setPointSizeF(base.pointSizeF() * 1.1)
        head.setBold(True)
        columns = self._columns()
        for i, stage in enumerate(STAGES):
            x = MARGIN + i * (width + COLUMN_GAP)
            band = QRectF(x, MARGIN - 4, width, HEAD - 10)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#eef3fb"))
            p.drawRoundedRect(band, 6, 6)
            p.setFont(head)
            p.setPen(QColor("#24292f"))
            label = f"{stage}（{len(columns[i])} 个环节）" if columns[i] else f"{stage}（未设环节）"
            p.drawText(band, Qt.AlignmentFlag.AlignCenter, label)
            if i < 2:
                self._arrow(p, x + width + 8, x + width + COLUMN_GAP - 8, MARGIN - 4 + (HEAD - 10) / 2)
        for box in self._boxes:
            if box.sub:
                self._paint_chip(p, box, base)
            else:
                self._paint_box(p, box, base)
        p.end()

    def _paint_chip(self, p: QPainter, box: _Box, base: QFont) -> None:
        """A sub-segment: its name and signed/started figures on its status colour."""
        s, r = box.segment, box.rect
        line, fill, _label = COLOURS[s.status]
        chosen = s.id == self.selected
        p.setPen(QPen(QColor(ACCENT if chosen else line), 2.5 if chosen else 1))
        p.setBrush(QColor("white") if not chosen else QColor(fill))
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9)
        p.setFont(small)
        p.setPen(QColor("#1f2328"))
        text = f"{s.name} · 签约 {s.signed} · 目标 {s.targets}"
        fm = QFontMetrics(small)
        if fm.horizontalAdvance(text) > r.width() - 16:
            text = s.name
        p.drawText(r.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignCenter,
                   fm.elidedText(text, Qt.TextElideMode.ElideRight, int(r.width() - 16)))

    @staticmethod
    def _arrow(p: QPainter, x0: float, x1: float, y: float) -> None:
        pen = QPen(QColor("#8a94a6"), 2)
        p.setPen(pen)
        p.drawLine(QPointF(x0, y), QPointF(x1 - 6, y))
        p.setBrush(QColor("#8a94a6"))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(QPolygonF([QPointF(x1, y), QPointF(x1 - 9, y - 5), QPointF(x1 - 9, y + 5)]))

    def _paint_box(self, p: QPainter, box: _Box, base: QFont) -> None:
        s, r = box.segment, box.rect
        line, fill, label = COLOURS[s.status]
        chosen = s.id == self.selected
        path = QPainterPath()
        path.addRoundedRect(r, 8, 8)
        p.setPen(QPen(QColor(ACCENT if chosen else line), 3 if chosen else 1.2))
        p.setBrush(QColor(fill))
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(line))
        p.drawRoundedRect(QRectF(r.left(), r.top(), 6, r.height()), 3, 3)
        # the status pill, top right
        pill_font = QFont(base)
        pill_font.setBold(True)
        fm = QFontMetrics(pill_font)
        pw = fm.horizontalAdvance(label) + 12
        pill = QRectF(r.right() - pw - 8, r.top() + 10, pw, fm.height() + 4)
        p.setBrush(QColor(line))
        p.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        p.setFont(pill_font)
        p.setPen(QColor("white"))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        # the name
        name_font = QFont(base)
        name_font.setBold(True)
        name_font.setPointSizeF(base.pointSizeF() * 1.05)
        p.setFont(name_font)
        p.setPen(QColor("#1f2328"))
        name_rect = QRectF(r.left() + 14, r.top() + 8, r.width() - pw - 28, 26)
        name = QFontMetrics(name_font).elidedText(s.name, Qt.TextElideMode.ElideRight,
                                                   int(name_rect.width()))
        p.drawText(name_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        # the pipeline as four figures, large; targets and local firms below, small
        stats = (("签约", s.signed), ("开工", s.started), ("在谈", s.negotiating), ("线索", s.leads))
        cell = (r.width() - 28) / len(stats)
        big = QFont(base)
        big.setBold(True)
        big.setPointSizeF(base.pointSizeF() * 1.45)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9)
        for k, (word, value) in enumerate(stats):
            x = r.left() + 16 + k * cell
            p.setFont(big)
            p.setPen(QColor("#1f2328") if value else QColor("#afb8c1"))
            p.drawText(QRectF(x, r.top() + 36, cell, 26),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), str(value))
            p.setFont(small)
            p.setPen(QColor("#57606a"))
            p.drawText(QRectF(x, r.top() + 62, cell, 16),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), word)
        foot = f"目标 {s.targets} · 已接洽 {s.contacted} · 本地企业 {s.local_firms}"
        fm = QFontMetrics(small)
        p.setFont(small)
        p.setPen(QColor("#57606a"))
        p.drawText(QRectF(r.left() + 16, r.top() + BOX_HEIGHT - 26, r.width() - 28, 18),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                   fm.elidedText(foot, Qt.TextElideMode.ElideRight, int(r.width() - 28)))
