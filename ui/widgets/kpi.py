"""KPI cards: the figure large, its label, and the comparison with the previous period / target."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget


class KpiCard(QFrame):
    """A clickable card. ``clicked`` asks for the projects behind the figure."""

    clicked = Signal()

    def __init__(self, object_name: str, label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setProperty("class", "kpi")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.label = QLabel(label, self)
        self.label.setObjectName("kpi-label")
        self.caption = QLabel("", self)  # what the figure counts, where the label is not enough
        self.caption.setObjectName("kpi-caption")
        self.caption.setProperty("class", "muted")
        self.caption.setVisible(False)
        self.value = QLabel("—", self)
        self.value.setObjectName("kpi-value")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.unit = QLabel("", self)
        self.unit.setObjectName("kpi-unit")
        self.detail = QLabel("", self)
        self.detail.setObjectName("kpi-detail")
        self.detail.setWordWrap(True)
        figure = QHBoxLayout()
        figure.setSpacing(6)
        figure.addWidget(self.value, 0, Qt.AlignmentFlag.AlignBottom)
        figure.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignBottom)
        figure.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addLayout(figure)
        layout.addWidget(self.caption)  # under the figure: the cards' figures stay in one line
        layout.addWidget(self.detail)
        layout.addStretch(1)

    def set_caption(self, text: str) -> None:
        """A small line under the label saying what the figure counts."""
        self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def set_figure(self, value: str, unit: str = "", detail: str = "", tone: str = "") -> None:
        """Show ``value`` (and its unit), and a comparison line; ``tone`` up/down colours it."""
        self.value.setText(value)
        self.unit.setText(unit)
        self.unit.setVisible(bool(unit))
        self.detail.setText(detail)
        self.detail.setProperty("tone", tone)
        self.detail.style().unpolish(self.detail)
        self.detail.style().polish(self.detail)

    def value_text(self) -> str:
        """The figure as shown, with its unit: ``57.69%``, ``164.52 亿元``."""
        unit = self.unit.text()
        return f"{self.value.text()} {unit}" if unit else self.value.text()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)
