"""载体: the buildings, factories and land a project can land in, the industries each suits,
and the areas taken from them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, _now
from crm.money import Area


class Carrier(Base):
    __tablename__ = "carriers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # 商务楼宇 | 标准化厂房 | 土地
    park: Mapped[str] = mapped_column(String(200), default="")
    total_area: Mapped[Decimal] = mapped_column(Area(), default=Decimal(0))  # ㎡
    # Free area is never stored: total − what CarrierPlacement rows hold (crm.services.carriers).
    ready_on: Mapped[dt.date | None] = mapped_column(Date)  # 交付日期; None: ready now
    note: Mapped[str] = mapped_column(Text, default="")


class CarrierIndustry(Base):
    """An industry a carrier's park suits (主导产业), for matching projects to it."""

    __tablename__ = "carrier_industries"
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id", ondelete="CASCADE"),
                                            primary_key=True)
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"), primary_key=True)


class CarrierPlacement(Base):
    """An area of a carrier taken from a date: by a project (拟落地 until it signs, then
    落位), or, without a project, space already occupied otherwise (其他占用, e.g. what a
    typed 可用面积 said before migration 0015). Released rows keep their history."""

    __tablename__ = "carrier_placements"
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    area: Mapped[Decimal] = mapped_column(Area())  # ㎡
    placed_on: Mapped[dt.date] = mapped_column(Date)
    released_on: Mapped[dt.date | None] = mapped_column(Date)
    release_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    # a carrier's placements still held: what its free area subtracts
    __table_args__ = (Index("ix_carrier_placements_carrier", "carrier_id", "released_on"),)
