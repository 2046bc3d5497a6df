"""A titled white panel (the building block of the dashboard and settings) and empty states."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStackedLayout, QTableView, QVBoxLayout, QWidget


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


class EmptyMessage(QLabel):
    """What to do when there is nothing to show ("还没有项目 — 新建或从台账导入")."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setObjectName("empty-state")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)


class EmptyState(QWidget):
    """Shows ``content`` or, when there is nothing, a sentence saying what to do next."""

    def __init__(self, content: QWidget, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.content = content
        self.message = EmptyMessage(empty_text, self)
        self.empty = self.message
        self._stack = QStackedLayout(self)
        self._stack.addWidget(content)
        self._stack.addWidget(self.message)

    def set_empty(self, empty: bool, text: str | None = None) -> None:
        if text is not None:
            self.message.setText(text)
        self._stack.setCurrentWidget(self.message if empty else self.content)

    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self.message

    def update_state(self, rows: int, message: str | None = None) -> None:
        """The content when there are ``rows``, else the sentence (``message`` if given)."""
        self.set_empty(not rows, message)

    def currentWidget(self) -> QWidget | None:
        """The content or the sentence, whichever shows (named as QStackedWidget names it)."""
        return self._stack.currentWidget()


class TableOrEmpty(EmptyState):
    """A table that gives way to a sentence when it has no rows."""

    def __init__(self, table: QTableView, empty: str, parent: QWidget | None = None):
        super().__init__(table, empty, parent)
        self.table = table


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
