"""The 重复企业 list's candidate pairs, kept in the database (crm.services.duplicate_index)."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, SortKey


class DuplicateKey(Base):
    """A live company's normalised name, its core and the core written backwards (the two
    orders in which the list compares each company with its neighbours, read by index) and
    its USCC (two USCCs: two legal persons, never a pair)."""

    __tablename__ = "duplicate_keys"
    company_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_key: Mapped[str] = mapped_column(SortKey(200))
    core: Mapped[str] = mapped_column(SortKey(200))
    core_back: Mapped[str] = mapped_column(SortKey(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    __table_args__ = (
        Index("ix_duplicate_keys_forward", "core", "name_key", "company_id"),
        Index("ix_duplicate_keys_backward", "core_back", "name_key", "company_id"),
    )


class DuplicateCandidate(Base):
    """Two live companies the list shows unless dismissed (smaller id first), with the verdict
    on their names and in which order(s) they are neighbours."""

    __tablename__ = "duplicate_candidates"
    company_a_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    company_b_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False,
                                              index=True)
    forward: Mapped[bool] = mapped_column(Boolean, default=False)
    backward: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(120))
    sure: Mapped[bool] = mapped_column(Boolean)


# the list's order, read a page at a time: the sure pairs first, then the higher score, the ids
Index("ix_duplicate_candidates_order", DuplicateCandidate.sure.desc(),
      DuplicateCandidate.score.desc(), DuplicateCandidate.company_a_id,
      DuplicateCandidate.company_b_id)


class DuplicateDirty(Base):
    """A company inserted, renamed, deleted or restored since the candidates were last brought
    up to date: written by the database's triggers on companies."""

    __tablename__ = "duplicate_dirty"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(Integer)
