"""A titled white panel (the building block of the dashboard and settings) and empty states."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStackedLayout, QVBoxLayout, QWidget


class Panel(QFrame):
    """A card with a title row (and optional widgets on its right) above its content."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("class", "panel")
        self.title = QLabel(title, self)
        self.title.setProperty("class", "panel-title")
        self.header = QHBoxLayout()
        self.header.setContentsMargins(0, 0, 0, 0)
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(self.header)
        layout.addLayout(self.body, 1)

    def add(self, widget: QWidget, stretch: int = 1) -> QWidget:
        self.body.addWidget(widget, stretch)
        return widget


class EmptyState(QWidget):
    """Shows ``content`` or, when there is nothing, a sentence saying what to do next."""

    def __init__(self, content: QWidget, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.content = content
        self.message = QLabel(empty_text, self)
        self.message.setObjectName("empty-state")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(content)
        self._stack.addWidget(self.message)

    def set_empty(self, empty: bool, text: str | None = None) -> None:
        if text is not None:
            self.message.setText(text)
        self._stack.setCurrentWidget(self.message if empty else self.content)

    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self.message


class Placeholder(QWidget):
    """Stands in for a page whose module is not available in this build."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        label = QLabel(text, self)
        label.setObjectName("empty-state")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.text = text
