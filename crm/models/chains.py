"""招商图谱 (DESIGN §2): industry chains, their segments, and the target firms of each segment."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, SortKey, Timestamps


class Chain(Timestamps, Base):
    """产业链: a chain of the district's industry system (招商图谱, DESIGN §2)."""

    __tablename__ = "chains"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class Segment(Base):
    """环节: a link of a chain, 上游 / 中游 / 下游, ordered; a sub-segment names its parent."""

    __tablename__ = "chain_segments"
    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("chain_segments.id"))
    name: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(8))  # 上游 | 中游 | 下游
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("chain_id", "name", name="uq_chain_segments_chain_name"),
                      Index("ix_chain_segments_chain", "chain_id", "position", "id"))


class TargetFirm(Timestamps, Base):
    """目标企业: a firm the team means to bring into a segment; becomes a lead project in one
    step (``project_id``) and may be matched to a stored company (``company_id``)."""

    __tablename__ = "target_firms"
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("chain_segments.id"))
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    city: Mapped[str] = mapped_column(String(64), default="")
    tier: Mapped[str] = mapped_column(String(16), default="其他")  # 链主 | 头部 | 专精特新 | 上市 | 其他
    why: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="self")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    sort_key: Mapped[str] = mapped_column(SortKey(600), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    # A segment's targets in pinyin order: what the map's side panel reads.
    __table_args__ = (UniqueConstraint("segment_id", "name", name="uq_target_firms_segment_name"),
                      Index("ix_target_firms_segment_sort", "segment_id", "sort_key", "id"))
