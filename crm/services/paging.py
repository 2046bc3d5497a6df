"""A long list read one screen at a time, in the order of an index.

A list's order is one or more :class:`Part` (e.g. the rows with a value, then the blanks), each
streaming from its own index. A screen from row ``offset`` is an OFFSET along that index, which
reads every row it skips: 0.1 µs a row on SQLite and 0.15–0.3 µs on PostgreSQL, so row 500,000
of a province's million cost up to 160 ms. :func:`marks` reads, once per list (in the
background, after the count), the keys of every :data:`MARK_EVERY`-th row and each part's
length; a jump then starts at the nearest mark before its row (keyset: the rows whose keys come
at or after the mark's) and skips fewer than :data:`MARK_EVERY` rows.

Marks describe the list as it was when they were read. After a change the list reloads and
reads them again; until then a jump starts at the right keys and may show the rows a few
places off, as a list read by row number does while others write.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CompoundSelect, Select, bindparam, func, select, tuple_, union_all

from crm.db import UnitOfWork
from crm.services.common import first_column

MARK_EVERY = 4000
MARKS_FROM = 20_000  # shorter lists jump by OFFSET alone (at most 2–6 ms of skipping)


@dataclass(frozen=True)
class Part:
    """One part of a list's order: the rows ``where`` selects (their id), ordered by ``order``.

    ``keys`` are the order's columns as plain expressions, the id last, none of them blank in
    this part; they give the marks. Empty: the part is read by OFFSET only (e.g. an order
    hidden from the planner, see the searches)."""

    where: Select[Any]
    order: tuple[Any, ...]
    keys: tuple[Any, ...] = ()
    descending: bool = False

    def ordered(self) -> Select[Any]:
        return self.where.order_by(*self.order)

    def after(self, values: tuple[Any, ...], dialect: str) -> Select[Any] | CompoundSelect:
        """The part from the row whose keys are ``values`` (that row included), in order: its
        rows' ids then their keys. PostgreSQL seeks the index to that row by comparing the
        keys as one row value; SQLite seeks only by the first key and would walk every row
        sharing it (an owner's 100,000 projects: 13 ms a jump), so there the range is cut
        into one seek per key, merged in order ((k1 = v1 and id >= i) then k1 > v1)."""
        # each value bound as its column's type (money is stored scaled: crm.money), by name:
        # marks() runs the statement again with the next mark's values
        bound = [bindparam(f"mark{i}", v, type_=k.type)
                 for i, (k, v) in enumerate(zip(self.keys, values, strict=True))]
        columns = (self.keys[-1], *(k.label(f"k{i}") for i, k in enumerate(self.keys)))
        later = operator.lt if self.descending else operator.gt
        if len(self.keys) == 1 or dialect != "sqlite":
            left = self.keys[0] if len(self.keys) == 1 else tuple_(*self.keys)
            right = bound[0] if len(self.keys) == 1 else tuple_(*bound)
            reached = left <= right if self.descending else left >= right
            return self.where.where(reached).with_only_columns(*columns).order_by(*self.order)
        last = len(self.keys) - 1
        arms = [self.where.where(*(k == v for k, v in zip(self.keys[:i], bound[:i], strict=True)),
                                 (self.keys[i] <= bound[i] if self.descending
                                  else self.keys[i] >= bound[i]) if i == last
                                 else later(self.keys[i], bound[i])).with_only_columns(*columns)
                for i in range(last, -1, -1)]
        merged = union_all(*arms)
        keys = [merged.selected_columns[f"k{i}"] for i in range(len(self.keys))]
        return merged.order_by(*(k.desc() if self.descending else k.asc() for k in keys))


@dataclass(frozen=True)
class Marks:
    """Each part's length and the keys of its rows 0, :attr:`every`, 2 × :attr:`every` …"""

    sizes: tuple[int, ...]
    points: tuple[tuple[tuple[Any, ...], ...], ...] = field(repr=False)
    every: int = MARK_EVERY


def marks(uow: UnitOfWork, parts: list[Part], every: int | None = None) -> Marks:
    """The marks of a list: the keys of every ``every``-th row of each part (default
    :data:`MARK_EVERY`) and its length. Each mark is found from the one before by skipping
    ``every`` rows along the order's index (one small query each: 250 for a million rows),
    which reads each row once, as a walk of the whole index would; numbering the rows in SQL
    (a window function) took 5–10 s at a million on SQLite."""
    every = every or MARK_EVERY
    dialect = uow.session.get_bind().dialect.name
    sizes: list[int] = []
    points: list[tuple[tuple[Any, ...], ...]] = []
    for part in parts:
        if not part.keys:
            counted = select(func.count()).select_from(part.where.subquery())
            sizes.append(int(uow.session.scalar(counted) or 0))
            points.append(())
            continue
        found: list[tuple[Any, ...]] = []
        row = uow.session.execute(part.ordered().with_only_columns(*part.keys).limit(1)).first()
        if row is not None:
            found.append(tuple(row))
            hop = part.after(found[0], dialect).offset(every).limit(1)  # built once
        while row is not None:
            row = uow.session.execute(hop, {f"mark{i}": v for i, v in enumerate(found[-1])}
                                      ).first()
            if row is not None:
                found.append(tuple(row)[1:])
        rest = 0
        if found:  # the rows from the last mark on: fewer than ``every``
            rest = int(uow.session.scalar(select(func.count()).select_from(
                part.after(found[-1], dialect).order_by(None).subquery())) or 0)
        sizes.append((len(found) - 1) * every + rest if found else 0)
        points.append(tuple(found))
    return Marks(tuple(sizes), tuple(points), every)


def ids_of_parts(uow: UnitOfWork, parts: list[Part], offset: int, limit: int | None,
                 marks: Marks | None = None) -> list[int]:
    """``limit`` ids from row ``offset`` of a list whose order is ``parts`` one after the
    other, each part streaming from its own index; from the nearest of ``marks`` when given."""
    first = 0
    start: Select[Any] | CompoundSelect | None = None
    if marks is not None and offset and len(marks.sizes) == len(parts):
        while first < len(parts) - 1 and offset >= marks.sizes[first]:
            offset -= marks.sizes[first]
            first += 1
        points = marks.points[first]
        j = min(offset // marks.every, len(points) - 1)
        if j > 0 and parts[first].keys:
            start = parts[first].after(points[j], uow.session.get_bind().dialect.name)
            offset -= j * marks.every
    ids: list[int] = []
    for i in range(first, len(parts)):
        if limit is not None and len(ids) >= limit:
            break
        base: Select[Any] | CompoundSelect = (
            start if i == first and start is not None else parts[i].ordered())
        stmt = base
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit - len(ids))
        found = first_column(uow, stmt)
        if offset and not found and i < len(parts) - 1:
            # the page starts in a later part: only then is this part counted
            # (without its order: a count need not sort)
            counted = select(func.count()).select_from(base.order_by(None).subquery())
            offset -= int(uow.session.scalar(counted) or 0)
            continue
        ids.extend(found)
        offset = 0
    return ids
