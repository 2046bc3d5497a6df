"""What the bureau is measured against: targets, scorecard schemes and their items, reward
rules, and the frozen monthly reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, _now
from crm.money import Money, Scaled


class Target(Base):
    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal] = mapped_column(Money())
    # 0: the year (the dashboard's 年度目标); 1–3: the 时序目标 due by that quarter's end,
    # cumulative. scope: the bureau's (unit) or each staff member's (person). Migration 0013.
    quarter: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    scope: Mapped[str] = mapped_column(String(8), default="unit", server_default="unit")
    __table_args__ = (UniqueConstraint("year", "metric", "quarter", "scope",
                                       name="uq_targets_year_metric_quarter_scope"),)


class ScorecardScheme(Base):
    """A year's assessment scheme (考核办法), for the bureau (unit) or for each person."""

    __tablename__ = "scorecard_schemes"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(8))  # unit | person
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text, default="")  # the document it follows
    items: Mapped[list[ScorecardItem]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan",
        order_by="ScorecardItem.position")
    __table_args__ = (UniqueConstraint("year", "scope", name="uq_scorecard_schemes_year_scope"),)


class ScorecardItem(Base):
    """One line of a scheme: an indicator (score), a bonus or a deduction (crm.services.scorecard)."""

    __tablename__ = "scorecard_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("scorecard_schemes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12))  # score | bonus | deduction
    code: Mapped[str] = mapped_column(String(32))  # a figure of the catalogue
    label: Mapped[str] = mapped_column(String(100), default="")
    weight: Mapped[Decimal] = mapped_column(Scaled(4), default=Decimal(0))  # points
    cap: Mapped[Decimal] = mapped_column(Scaled(4), default=Decimal(1))  # ratio ceiling
    points_each: Mapped[Decimal] = mapped_column(Scaled(4), default=Decimal(0))
    points_max: Mapped[Decimal | None] = mapped_column(Scaled(4))
    scheme: Mapped[ScorecardScheme] = relationship(back_populates="items")


class RewardRule(Base):
    """招商大使 / 引荐人 reward: ‰ of a project's actual 固定资产投资 received, capped."""

    __tablename__ = "reward_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(12))  # ambassador | referrer
    permille: Mapped[Decimal] = mapped_column(Scaled(4))
    cap_per_project: Mapped[Decimal | None] = mapped_column(Money())  # 万元
    cap_per_person: Mapped[Decimal | None] = mapped_column(Money())  # 万元
    __table_args__ = (UniqueConstraint("year", "role", name="uq_reward_rules_year_role"),)


class Snapshot(Base):
    """A frozen 月报 (crm.services.snapshots): inserted once, never updated (migration 0011)."""

    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    as_of: Mapped[dt.date] = mapped_column(Date)  # the month's last day
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    taken_by_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    data: Mapped[str] = mapped_column(Text)  # JSON
