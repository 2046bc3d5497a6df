"""Who and what a project refers to: users, industries, companies (their tiers, contacts
and dismissed duplicate pairs), 招商大使 and events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, SortKey, Timestamps, _now


class User(Timestamps, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a person who has no account yet (未开通登录), e.g. an owner named in a ledger;
    # unique ignoring case (uq_users_login_lower), so ``ADMIN`` can never sit beside ``admin``.
    login: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # staff | manager | admin
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_key: Mapped[str] = mapped_column(SortKey(255), default="", index=True)

    @property
    def can_sign_in(self) -> bool:
        return bool(self.login and self.password_hash and self.active)


# ``ADMIN`` beside ``admin`` would let ``--user`` act as the wrong account
Index("uq_users_login_lower", func.lower(User.login), unique=True)


class Industry(Base):
    __tablename__ = "industries"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sort_key: Mapped[str] = mapped_column(SortKey(255), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Company(Timestamps, Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    hq_city: Mapped[str] = mapped_column(String(64), default="")
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(SortKey(600), default="", index=True)
    initials: Mapped[str] = mapped_column(String(200), default="")
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # 招商图谱: the chain segment a local firm belongs to (migration 0014)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("chain_segments.id"), index=True)
    # One company, one record (migration 0016): the name as a duplicate check compares it
    # (crm.companies_identity.name_key), the names it had before a merge (曾用名,
    # "；"-separated, searched like the name), its parent investor (投资方) when it is a
    # local project company (项目公司), and that company's 营业执照取得日期.
    name_key: Mapped[str] = mapped_column(String(200), default="")
    former_names: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    licence_on: Mapped[dt.date | None] = mapped_column(Date)

    contacts: Mapped[list[Contact]] = relationship(back_populates="company",
                                                   cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}
    # The companies list in pinyin order (migration 0010); every live company's normalised
    # name read from the index alone, and one name looked up (the duplicate check, 0016).
    __table_args__ = (Index("ix_companies_live_sort", "deleted_at", "sort_key", "id"),
                      Index("ix_companies_live_name_key", "deleted_at", "name_key", "id"))


class Tier(Base):
    """An investor tier (世界500强, 上市公司, 专精特新 …): a dictionary admins keep."""

    __tablename__ = "tiers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CompanyTier(Base):
    """A tier tag on a company; a company may carry several (migration 0012)."""

    __tablename__ = "company_tiers"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            primary_key=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"), primary_key=True, index=True)


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(128), default="")
    company: Mapped[Company] = relationship(back_populates="contacts")


class DuplicateDismissal(Base):
    """Two companies a manager has said are not the same (not shown as 疑似重复 again);
    the pair is kept with the smaller id first (migration 0016)."""

    __tablename__ = "company_pair_dismissals"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_a_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    company_b_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                              index=True)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dismissed_by_name: Mapped[str] = mapped_column(String(64), default="")
    dismissed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("company_a_id", "company_b_id",
                                       name="uq_company_pair_dismissals_pair"),)


class Ambassador(Base):
    __tablename__ = "ambassadors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    appointed_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(SortKey(255), default="", index=True)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    city: Mapped[str] = mapped_column(String(64), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
