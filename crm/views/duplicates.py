"""The 重复企业 view of the 企业 page (managers): suspected pairs and the latest merges."""

from __future__ import annotations

from dataclasses import dataclass

from crm.db import UnitOfWork
from crm.services import duplicates, merge
from crm.services.common import Actor
from crm.services.duplicates import Pair
from crm.services.merge import MergeEntry

FIRST_PAIRS = 200  # the first screen and a few more: one page of the stored pairs (issue 16)


@dataclass(frozen=True)
class DuplicatesOverview:
    pairs: list[Pair]  # the first FIRST_PAIRS, surest first
    total: int  # all the pairs
    merges: list[MergeEntry]  # newest first, each undoable unless undone already


def load_duplicates(uow: UnitOfWork, actor: Actor) -> DuplicatesOverview:
    pairs = duplicates.duplicate_pairs(uow, actor, limit=FIRST_PAIRS)
    total = (len(pairs) if len(pairs) < FIRST_PAIRS
             else duplicates.count_pairs(uow, actor))
    return DuplicatesOverview(pairs, total, merge.merges(uow))
