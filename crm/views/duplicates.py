"""The 重复企业 view of the 企业 page (managers): the suspected pairs.

The pairs are a paged list (ui.models.id_list.PagedListModel): their count first, then a
screen at a time in the list's order, each read from the pairs' index (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass

from crm.db import UnitOfWork
from crm.services import duplicates
from crm.services.common import Actor
from crm.services.duplicates import Pair
from crm.services.paging import Marks


@dataclass(frozen=True)
class PairQuery:
    """The 重复企业 list as ``actor`` reads it (one order: surest first, then by score)."""

    actor: Actor
    sort: str = ""
    descending: bool = False


def pair_count(uow: UnitOfWork, query: PairQuery) -> int:
    """How many pairs the list has (共 n 对)."""
    return duplicates.count_pairs(uow, query.actor)


def pair_page(uow: UnitOfWork, query: PairQuery, offset: int, limit: int,
              marks: Marks | None = None) -> list[Pair]:
    """``limit`` pairs from row ``offset`` of the list (from the nearest of ``marks``)."""
    return duplicates.duplicate_pairs(uow, query.actor, limit=limit, offset=offset,
                                      marks=marks)


def pair_marks(uow: UnitOfWork, query: PairQuery) -> Marks | None:
    """Every 4,000th pair's place in the order, read once in the background, for jumps far
    down the list."""
    return duplicates.pair_marks(uow, query.actor)
