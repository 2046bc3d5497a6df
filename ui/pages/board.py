"""看板: a column per stage with project cards; dropping a card on a column asks to move it.

Each column shows the newest :data:`crm.views.projects.CARD_LIMIT` projects of its stage (most
recently changed first) and says how many more there are, so the board stays light at 100,000
projects.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crm import stages
from crm.money import format_yi
from crm.services.projects import ProjectQuery, ProjectRow
from crm.views.projects import BoardColumn, load_board
from ui.context import AppContext, Latest, op


class StageList(QListWidget):
    """One column's cards; accepts cards dragged from the other columns."""

    dropped = Signal(int, str)  # dropped(project_id, stage): a card from another column

    def __init__(self, stage: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.stage = stage
        self.setObjectName("board-cards")
        self.setProperty("stage", stage)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _from_other(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        source = event.source()
        return isinstance(source, StageList) and source is not self

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._from_other(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._from_other(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        source = event.source()
        if not self._from_other(event) or not isinstance(source, StageList):
            event.ignore()
            return
        item = source.currentItem()
        # The cards stay where they are: the move happens only if the dialog saves, and
        # the board then reloads from the database.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if item is not None:
            self.dropped.emit(int(item.data(Qt.ItemDataRole.UserRole)), self.stage)


class BoardView(QWidget):
    """The 看板. Signals: ``moved(project_id, stage)`` on a drop; ``opened(project_id)``."""

    moved = Signal(int, str)
    opened = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("board")
        self.query = ProjectQuery()
        self.columns: dict[str, StageList] = {}
        self.counts: dict[str, QLabel] = {}
        self.more: dict[str, QLabel] = {}
        self.data: list[BoardColumn] = []
        self._latest = Latest(ctx)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(scroll)
        row = QHBoxLayout(inner)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        for code in stages.ALL:
            column = QFrame(inner)
            column.setObjectName("board-column")
            column.setProperty("class", "panel")
            column.setProperty("stage", code)
            column.setMinimumWidth(200)
            col = QVBoxLayout(column)
            col.setContentsMargins(8, 8, 8, 8)
            head = QHBoxLayout()
            title = QLabel(self.tr(stages.NAMES[code]), column)
            title.setObjectName("board-column-title")
            title.setProperty("class", "panel-title")
            count = QLabel("0", column)
            count.setObjectName("board-count")
            count.setProperty("class", "muted")
            head.addWidget(title)
            head.addStretch(1)
            head.addWidget(count)
            col.addLayout(head)
            cards = StageList(code, column)
            cards.dropped.connect(self.handle_drop)
            cards.itemDoubleClicked.connect(
                lambda item: self.opened.emit(int(item.data(Qt.ItemDataRole.UserRole))))
            col.addWidget(cards, 1)
            more = QLabel(column)
            more.setObjectName("board-more")
            more.setProperty("class", "muted")
            more.setWordWrap(True)
            more.hide()
            col.addWidget(more)
            row.addWidget(column, 1)
            self.columns[code], self.counts[code], self.more[code] = cards, count, more
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def set_query(self, query: ProjectQuery) -> None:
        self.query = replace(query, stages=())
        self.reload()

    def reload(self) -> None:
        self._latest.read(op(load_board, self.query), self._loaded)

    def row(self, project_id: int) -> ProjectRow | None:
        """The card's project as the board last read it."""
        for column in self.data:
            for row in column.rows:
                if row.id == project_id:
                    return row
        return None

    def _loaded(self, columns: list[BoardColumn]) -> None:
        self.data = columns
        for col in columns:
            cards = self.columns[col.stage]
            current = cards.currentItem()
            keep = current.data(Qt.ItemDataRole.UserRole) if current else None
            cards.clear()
            for r in col.rows:
                amount = r.signed_amount if r.signed_on else r.planned_investment
                lines = [r.name, r.company]
                if amount:
                    lines.append(f"{format_yi(amount)} 亿元")
                item = QListWidgetItem("\n".join(lines))
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                item.setToolTip(f"{r.name}\n{r.company}\n{r.owner}")
                item.setSizeHint(QSize(0, 22 * len(lines) + 10))
                cards.addItem(item)
                if r.id == keep:
                    cards.setCurrentItem(item)
            self.counts[col.stage].setText(str(col.total))
            hidden = col.total - len(col.rows)
            self.more[col.stage].setText(self.tr("还有 {n} 个未显示，请用搜索或筛选缩小范围")
                                         .format(n=hidden))
            self.more[col.stage].setVisible(hidden > 0)

    def card_ids(self, stage: str) -> list[int]:
        cards = self.columns[stage]
        return [int(cards.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(cards.count())]

    def handle_drop(self, project_id: int, stage: str) -> None:
        """A card landed on ``stage`` (also what tests call instead of a real drag)."""
        self.moved.emit(project_id, stage)
