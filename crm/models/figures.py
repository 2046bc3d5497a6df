"""The figures' rollup (crm.rollup): cells of the §3 figures kept by month, by triggers."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Integer, String
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
