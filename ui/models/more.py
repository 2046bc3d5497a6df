"""A list read a screen at a time: the first screen and the total come with the page's read,
and Qt's views ask for the next screen (``canFetchMore``/``fetchMore``) as the user scrolls
to its end. For lists whose rows cost something to build (签约未开工 at a province's million
projects: thousands of rows, each with its company, industry, owner and amount) where
:class:`~ui.models.id_list.IdListModel`'s id list is not at hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QObject

from ui.context import AppContext, UnitOfWork
from ui.models.table import Column, Index, RowsModel

More = Callable[[int], Callable[[UnitOfWork], Any]]  # offset -> the read of the next screen


class MoreRowsModel(RowsModel):
    """Rows shown through :class:`Column` definitions, ``total`` of them, of which the first
    screen is set and the rest read on scroll through ``more(offset)``; ``unpack`` turns what
    that read returns into rows (and may keep the rest of it)."""

    def __init__(self, ctx: AppContext, columns: Sequence[Column],
                 parent: QObject | None = None):
        super().__init__(columns, parent)
        self.ctx = ctx
        self.total = 0
        self._more: More | None = None
        self._unpack: Callable[[Any], list[Any]] = list
        self._asking = False
        self._generation = 0

    def set_first(self, rows: Sequence[Any], total: int, more: More | None,
                  unpack: Callable[[Any], list[Any]] = list) -> None:
        """The first screen of ``total`` rows; ``more(offset)`` reads the next."""
        self._generation += 1
        self._asking = False
        self.total, self._more, self._unpack = total, more, unpack
        self.set_rows(rows)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and self._more is not None and not self._asking
                and len(self.rows) < self.total)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._more is None:
            return
        self._asking = True
        generation = self._generation
        self.ctx.read(self._more(len(self.rows)),
                      done=lambda found: self._arrived(generation, found),
                      failed=lambda exc: self._failed(generation, exc))

    def _arrived(self, generation: int, found: Any) -> None:
        if generation != self._generation:
            return  # the list was read again meanwhile
        self._asking = False
        rows = self._unpack(found)
        if not rows:  # fewer than counted (a change since): stop asking
            self.total = len(self.rows)
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._asking = False
            self.total = len(self.rows)  # not again in a loop; the next reload retries
        self.ctx.report(exc)
