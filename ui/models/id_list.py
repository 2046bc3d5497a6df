"""Big lists: a model that holds only the ids of its rows and fetches the rows in batches.

As Anki's card browser: the database filters and sorts (a query gives the ids in display
order); a view asks for the rows it shows, and they come in blocks of :data:`BATCH` ids, read
off the GUI thread through ``ctx.read`` and cached, so scrolling to row 50,000 of 300,000 costs
one small query. :class:`IdListModel` shows a list of ids it is given (the projects behind a
figure); :class:`QueryListModel` reads them for a query and re-reads them when the query, the
sort (a header click) or the data changes. :class:`PagedListModel` is for a list too long to
read all its ids within a keystroke (300k contact logs: 250 ms): it reads the count, and each
block's ids with its rows, a page at a time. Small lists use :class:`~ui.models.table.RowsModel`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from crm.services.paging import MARKS_FROM, Marks
from ui.context import AppContext, UnitOfWork, op
from ui.models.table import Column, ColumnsModel, Index, display

BATCH = 200
CACHE_LIMIT = 6000  # rows kept; older blocks are dropped beyond this


class HasId(Protocol):
    @property
    def id(self) -> int: ...


class Sorted(Protocol):
    """A query (a frozen dataclass) with a sort key and a direction."""

    @property
    def sort(self) -> str: ...

    @property
    def descending(self) -> bool: ...


R = TypeVar("R", bound=HasId)
Q = TypeVar("Q", bound=Sorted)


class IdListModel(ColumnsModel, Generic[R]):
    """Rows of ``ids`` shown through :class:`Column` definitions, read ``rows(uow, ids)`` a
    block at a time.

    Signals:
        loaded: a new id list is in place (the view restores its selection then).
    """

    loaded = Signal()

    def __init__(self, ctx: AppContext, columns: Sequence[Column],
                 rows: Callable[[UnitOfWork, list[int]], list[R]],
                 parent: QObject | None = None):
        super().__init__(columns, parent)
        self.ctx = ctx
        self.ids: list[int | None] = []  # None: not read yet (PagedListModel)
        self.ready = False  # an id list has arrived
        self._read_rows = rows
        self._rows: dict[int, R] = {}
        self._fresh: set[int] = set()      # blocks read since the ids last changed
        self._pending: set[int] = set()    # blocks being read
        self._generation = 0
        self._position: dict[int, int] | None = None

    def set_ids(self, ids: list[int | None]) -> None:
        """Show these ids (rows already cached show until their fresh copy comes)."""
        self._generation += 1
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

    # --- rows -----------------------------------------------------------------------------
    def row_of(self, ident: int) -> int:
        """The row showing ``ident`` (-1 when it is not in the list)."""
        if self._position is None:
            self._position = {pid: i for i, pid in enumerate(self.ids) if pid is not None}
        return self._position.get(ident, -1)

    def id_at(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_at(self, row: int) -> R | None:
        """The cached row (None until its block has arrived; the block is then requested)."""
        if not 0 <= row < len(self.ids):
            return None
        block = row // BATCH
        if block not in self._fresh:
            self._request(block)
        ident = self.ids[row]  # read again: a page just read may have filled it in
        return None if ident is None else self._rows.get(ident)

    def _request(self, block: int) -> None:
        if block in self._pending:
            return
        self._pending.add(block)
        generation = self._generation
        self.ctx.read(self._block_op(block),
                      done=lambda rows: self._arrived(generation, block, rows),
                      failed=lambda exc: self._failed(generation, block, exc))

    def _block_op(self, block: int) -> Callable[[UnitOfWork], list[R]]:
        """The read of one block's rows."""
        ids = [i for i in self.ids[block * BATCH:(block + 1) * BATCH] if i is not None]
        return op(self._read_rows, ids)

    def _arrived(self, generation: int, block: int, rows: list[R]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(block)
        self._fresh.add(block)
        if len(self._rows) + len(rows) > CACHE_LIMIT:
            self._rows.clear()
        for r in rows:
            self._rows[r.id] = r
        first = block * BATCH
        if None in self.ids[first:first + BATCH]:  # a page: its rows give the ids
            self.ids[first:first + len(rows)] = [r.id for r in rows][:len(self.ids) - first]
            self._position = None
        last = min(len(self.ids), first + BATCH) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def _failed(self, generation: int, block: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._pending.discard(block)
            self._fresh.add(block)  # not again in a loop; the next reload retries
        self.ctx.report(exc)

    def tooltip(self, column: int, text: str) -> str | None:
        """The cell's tool tip: long text, which the column may cut."""
        return text if self.columns[column].kind == "text" and len(text) > 20 else None

    # --- Qt model contract ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.ForegroundRole):
            return None
        row = self.row_at(index.row())
        if row is None:  # its block is on its way
            return "…" if index.column() == 0 and role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.ForegroundRole:
            alert = column.alert is not None and column.alert(row)
            return QBrush(QColor("#d4380d")) if alert else None
        text = display(column.value(row), column.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(index.column(), text)
        return text

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class QueryListModel(IdListModel[R], Generic[Q, R]):
    """The rows of one query: ``ids(uow, query)`` in display order, then rows in batches.

    A header click sorts by the column's :attr:`Column.sort` key in the database (columns
    without one keep the order); ``reload()`` re-reads the ids after a change.
    """

    def __init__(self, ctx: AppContext, columns: Sequence[Column], query: Q,
                 ids: Callable[[UnitOfWork, Q], list[int]],
                 rows: Callable[[UnitOfWork, list[int]], list[R]],
                 parent: QObject | None = None):
        super().__init__(ctx, columns, rows, parent)
        self.query = query
        self._read_ids = ids
        self._asked = 0

    def set_query(self, query: Q) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        """Re-read the ids (after a change); cached rows show until their fresh copy comes."""
        self._asked += 1
        asked = self._asked
        self.ctx.read(self._ids_op(), done=lambda ids: self._ids(asked, ids))

    def _ids_op(self) -> Callable[[UnitOfWork], list[int | None]]:
        return op(self._read_ids, self.query)  # type: ignore[arg-type]

    def _ids(self, asked: int, ids: list[int | None]) -> None:
        if asked == self._asked:  # else a newer query is on its way
            self.set_ids(ids)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header click: the database sorts (columns without a sort key keep the order)."""
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.query.sort and descending == self.query.descending:
            return
        self.set_query(replace(self.query, sort=key, descending=descending))  # type: ignore[type-var]

    def sort_column(self) -> int:
        for i, col in enumerate(self.columns):
            if col.sort == self.query.sort:
                return i
        return 0


def _unread(uow: UnitOfWork, count: Callable[[UnitOfWork, Q], int | Sequence[int | None]],
            query: Q) -> list[int | None]:
    found = count(uow, query)
    return [None] * found if isinstance(found, int) else list(found)


class PagedListModel(QueryListModel[Q, R]):
    """The rows of a query too long to hold all its ids: ``count(uow, query)`` first, then each
    block through ``page(uow, query, offset, limit)``, its ids and rows in one read. ``count``
    may return all the ids instead, where that costs no more (a search reading every row):
    the blocks are then read by id; or the first ones and None for each row still to read.

    ``row_of`` knows only the rows read so far (-1 for the others).

    A list of at least :data:`~crm.services.paging.MARKS_FROM` rows also reads, after its
    count and in the background, ``marks(uow, query)``: the keys of every 4,000th row, so
    that a jump far down (row 500,000 of a million) starts at the nearest mark instead of
    skipping every row before it (crm.services.paging). Pages read before they arrive skip.
    A list whose count came with only its first screen's ids (a search with many matches)
    reads, in the background, ``whole(uow, query)``: all its ids in order, so that scrolling
    reads rows by id instead of searching again for each screen.
    """

    def __init__(self, ctx: AppContext, columns: Sequence[Column], query: Q,
                 count: Callable[[UnitOfWork, Q], int | Sequence[int | None]],
                 page: Callable[..., list[R]],
                 rows: Callable[[UnitOfWork, list[int]], list[R]],
                 parent: QObject | None = None, *,
                 marks: Callable[[UnitOfWork, Q], Marks | None] | None = None,
                 whole: Callable[[UnitOfWork, Q], list[int]] | None = None):
        super().__init__(ctx, columns, query, lambda _uow, _q: [], rows, parent)
        self._count = count
        self._page = page
        self._read_marks = marks
        self._read_whole = whole
        self.marks: Marks | None = None
        self._marks_query: Q | None = None  # the query the marks were read for

    def _ids_op(self) -> Callable[[UnitOfWork], list[int | None]]:
        return op(_unread, self._count, self.query)

    def set_ids(self, ids: list[int | None]) -> None:
        if self.query != self._marks_query:
            # another order or filter: its marks are not this list's. The same query read
            # again after a change keeps its marks until the new ones come: a mark stays a
            # place in the order, at most as many rows off as changed (crm.services.paging)
            self.marks = None
        super().set_ids(ids)
        generation = self._generation
        if self._read_marks is not None and len(ids) >= MARKS_FROM and ids[0] is None:
            query = self.query
            self.ctx.read(op(self._read_marks, query),
                          done=lambda marks: self._marked(generation, query, marks))
            return
        self.marks = None
        if self._read_whole is not None and ids and ids[0] is not None and None in ids:
            # a search with many matches came with its first screen: all its ids follow in the
            # background, so that scrolling reads rows by id instead of searching again
            self.ctx.read(op(self._read_whole, self.query),
                          done=lambda whole: self._completed(generation, whole))

    def _marked(self, generation: int, query: Q, marks: Marks | None) -> None:
        if generation == self._generation:
            self.marks = marks
            self._marks_query = query

    def _completed(self, generation: int, whole: list[int]) -> None:
        if generation != self._generation or len(whole) != len(self.ids):
            return  # another query, or the data changed (a reload is on its way)
        self.ids[:] = whole
        self._position = None

    def _block_op(self, block: int) -> Callable[[UnitOfWork], list[R]]:
        if None not in self.ids[block * BATCH:(block + 1) * BATCH]:
            return super()._block_op(block)  # a reload: the ids are known, the rows are not
        if self.marks is not None:
            return op(self._page, self.query, block * BATCH, BATCH, self.marks)
        return op(self._page, self.query, block * BATCH, BATCH)
