"""The project list model: only the sorted ids of a query, rows fetched in batches on demand.

Filtering and sorting happen in SQL (``project_ids``); a header click re-queries with another
sort key. Rows come in blocks of :data:`BATCH` ids through ``project_rows`` off the GUI thread
and are cached, so scrolling to row 50,000 of 100,000 costs one small query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal

from crm.money import format_yi
from crm.services.projects import ProjectQuery, ProjectRow, project_ids, project_rows
from ui.context import op
from ui.models.table import LEFT, RIGHT, Index

BATCH = 200
CACHE_LIMIT = 6000  # rows kept; older blocks are dropped beyond this


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


class ProjectListModel(QAbstractTableModel):
    """Projects of one :class:`ProjectQuery`; ``reload()`` re-reads ids and visible rows.

    Signals:
        loaded: the id list of a query arrived (the view restores its selection then).
    """

    loaded = Signal()

    def __init__(self, ctx: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.query = ProjectQuery()
        self.ids: list[int] = []
        self._rows: dict[int, ProjectRow] = {}
        self._fresh: set[int] = set()      # blocks read since the last reload
        self._pending: set[int] = set()    # blocks being read
        self._generation = 0
        self._position: dict[int, int] | None = None
        self.ready = False
        # (title, sort key or None, how to show a row, right-aligned)
        self.columns: list[tuple[str, str | None, Callable[[ProjectRow], str], bool]] = [
            (self.tr("项目名称"), "name", lambda r: r.name, False),
            (self.tr("企业"), "company", lambda r: r.company, False),
            (self.tr("阶段"), "stage", lambda r: r.stage_name, False),
            (self.tr("产业"), "industry", lambda r: r.industry, False),
            (self.tr("总投资(亿元)"), "planned_investment",
             lambda r: format_yi(r.planned_investment) if r.planned_investment is not None
             else "", True),
            (self.tr("签约金额(亿元)"), None,
             lambda r: format_yi(r.signed_amount) if r.signed_on else "", True),
            (self.tr("签约日期"), "signed_on", lambda r: _date(r.signed_on), True),
            (self.tr("开工日期"), "started_on", lambda r: _date(r.started_on), True),
            (self.tr("负责人"), "owner", lambda r: r.owner, False),
            (self.tr("来源"), None, lambda r: r.source_name, False),
        ]

    # --- querying -------------------------------------------------------------------------
    def set_query(self, query: ProjectQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        """Re-read the ids (after a change); cached rows show until their fresh copy comes."""
        self._generation += 1
        generation = self._generation
        self.ctx.read(op(project_ids, self.query), done=lambda ids: self._ids(generation, ids))

    def _ids(self, generation: int, ids: list[int]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        self.beginResetModel()
        self.ids = ids
        self._position = None
        self._fresh.clear()
        self._pending.clear()
        if len(self._rows) > CACHE_LIMIT:
            self._rows.clear()
        self.endResetModel()
        self.ready = True
        self.loaded.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header click: the database sorts (columns without a sort key keep the order)."""
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column][1]
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.query.sort and descending == self.query.descending:
            return
        self.set_query(replace(self.query, sort=key, descending=descending))

    def sort_column(self) -> int:
        for i, col in enumerate(self.columns):
            if col[1] == self.query.sort:
                return i
        return 0

    # --- rows -----------------------------------------------------------------------------
    def row_of(self, project_id: int) -> int:
        if self._position is None:
            self._position = {pid: i for i, pid in enumerate(self.ids)}
        return self._position.get(project_id, -1)

    def id_at(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def project_at(self, row: int) -> ProjectRow | None:
        """The cached row (None until its block has arrived; the block is then requested)."""
        pid = self.id_at(row)
        if pid is None:
            return None
        block = row // BATCH
        if block not in self._fresh:
            self._request(block)
        return self._rows.get(pid)

    def _request(self, block: int) -> None:
        if block in self._pending:
            return
        self._pending.add(block)
        generation = self._generation
        ids = self.ids[block * BATCH:(block + 1) * BATCH]
        self.ctx.read(op(project_rows, ids),
                      done=lambda rows: self._arrived(generation, block, rows),
                      failed=lambda exc: self._failed(generation, block, exc))

    def _arrived(self, generation: int, block: int, rows: list[ProjectRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(block)
        self._fresh.add(block)
        if len(self._rows) + len(rows) > CACHE_LIMIT:
            self._rows.clear()
        for r in rows:
            self._rows[r.id] = r
        first = block * BATCH
        last = min(len(self.ids), first + BATCH) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def _failed(self, generation: int, block: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._pending.discard(block)
            self._fresh.add(block)  # not again in a loop; the next reload retries
        self.ctx.report(exc)

    # --- Qt model contract ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section][0]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(RIGHT if self.columns[section][3] else LEFT)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        _title, _key, show, right = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if right else LEFT)
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.project_at(index.row())
        if row is None:
            return "…" if index.column() == 0 and role == Qt.ItemDataRole.DisplayRole else None
        text = show(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return text if index.column() <= 1 and len(text) > 12 else None
        return text

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
