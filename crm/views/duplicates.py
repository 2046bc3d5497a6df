"""The 重复企业 view of the 企业 page (managers): suspected pairs and the latest merges."""

from __future__ import annotations

from dataclasses import dataclass

from crm.db import UnitOfWork
from crm.services import duplicates, merge
from crm.services.common import Actor
from crm.services.duplicates import Pair
from crm.services.merge import MergeEntry


@dataclass(frozen=True)
class DuplicatesOverview:
    pairs: list[Pair]
    merges: list[MergeEntry]  # newest first, each undoable unless undone already


def load_duplicates(uow: UnitOfWork, actor: Actor) -> DuplicatesOverview:
    return DuplicatesOverview(duplicates.duplicate_pairs(uow, actor), merge.merges(uow))
