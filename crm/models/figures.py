"""The figures' rollup (crm.rollup): cells of the §3 figures kept by month, by triggers; the
reward table's receipts (crm.reward_rollup), kept by triggers too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base


class FigureCell(Base):
    """One cell: the projects (``n``) and the amount in 万元 × 10⁴ (``amount``) of one
    dimension's member, of one kind, by the month of its date and of the date that decides it
    later (crm.rollup has the kinds). Written only by the database's triggers and
    crm.rollup.rebuild."""

    __tablename__ = "figure_cells"
    dim: Mapped[str] = mapped_column(String(12), primary_key=True)
    # the key's order is the reads': a dimension's kind over a range of months, then members
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    member: Mapped[str] = mapped_column(String(32), primary_key=True)
    at_month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(BigInteger, default=0)


class RewardReceipt(Base):
    """A 固定资产投资 receipt of a live project with an introducer, with the project's signing
    date and introducers (``amount`` in 万元 × 10⁴, as the receipt's). Written only by the
    database's triggers and crm.reward_rollup.rebuild."""

    __tablename__ = "reward_receipts"
    funding_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    project_id: Mapped[int] = mapped_column(Integer, index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    ambassador_id: Mapped[int | None] = mapped_column(Integer)
    referrer: Mapped[str] = mapped_column(String(200))
    referrer_registered_on: Mapped[dt.date | None] = mapped_column(Date)
    # the year's rows with every column the reward table reads, from the index alone
    __table_args__ = (Index("ix_reward_receipts_received", "received_on", "project_id",
                            "amount", "signed_on", "ambassador_id", "referrer",
                            "referrer_registered_on"),)
