"""The schema: SQLAlchemy 2 typed models for every entity of DESIGN §2.

Milestone dates (``signed_on``, ``started_on`` …) are kept on the project as well as in the
agreement and start rows, so that the figures of §3 are single indexed queries at 100k rows.
The services keep both in step inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crm.money import Area, Money, Scaled

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def SortKey(length: int) -> String:
    """A pinyin sort key (crm.text.sort_key): compared byte by byte on every database, so that
    a PostgreSQL server's locale cannot reorder the keys' syllables and tone digits."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


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


_LIVE = text("deleted_at IS NULL")
_PLANNED = text("planned_start_on IS NOT NULL AND deleted_at IS NULL")
_PROMISED = text("agreed_start_on IS NOT NULL OR agreed_producing_on IS NOT NULL OR "
                 "agreed_full_production_on IS NOT NULL OR investment_intensity IS NOT NULL")


class Project(Timestamps, Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"), index=True)
    planned_investment: Mapped[Decimal | None] = mapped_column(Money())  # 万元
    source: Mapped[str] = mapped_column(String(16), default="self")
    ambassador_id: Mapped[int | None] = mapped_column(ForeignKey("ambassadors.id"), index=True)
    referrer: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # stage and signed_on: read through ix_projects_stage_live / _signed_live (migration 0006).
    stage: Mapped[str] = mapped_column(String(16), default="lead")
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), index=True)
    land_mu: Mapped[Decimal | None] = mapped_column(Area())
    floor_area: Mapped[Decimal | None] = mapped_column(Area())
    expected_output: Mapped[Decimal | None] = mapped_column(Money())
    expected_tax: Mapped[Decimal | None] = mapped_column(Money())
    expected_jobs: Mapped[int | None] = mapped_column(Integer)
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # Milestones, kept in step with StageChange / Agreement / Start rows by the services.
    lead_on: Mapped[dt.date | None] = mapped_column(Date)
    negotiating_on: Mapped[dt.date | None] = mapped_column(Date)
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    signing_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    start_kind: Mapped[str | None] = mapped_column(String(8))
    # 计划开工(开业)日期 and its kind (开工 | 开业), migration 0011: the year-end forecast and
    # the 逾期未开工 alert (crm.services.forecast, crm.services.alerts) read them.
    planned_start_on: Mapped[dt.date | None] = mapped_column(Date)
    planned_start_kind: Mapped[str | None] = mapped_column(String(8))
    # 招商图谱: the chain segment the project fills (migration 0014)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("chain_segments.id"), index=True)
    producing_on: Mapped[dt.date | None] = mapped_column(Date)
    dropped_on: Mapped[dt.date | None] = mapped_column(Date)
    drop_reason: Mapped[str] = mapped_column(Text, default="")
    registered_on: Mapped[dt.date | None] = mapped_column(Date)  # 入统
    # Lifecycle milestones of 七个一批 / 三个一批 (migration 0012, docs/figures.md): a lead's
    # kind (谋划 | 储备, None for an ordinary 线索), 落地, 竣工, 达产, 入库 with its evidence, 入规.
    lead_kind: Mapped[str | None] = mapped_column(String(8))
    landed_on: Mapped[dt.date | None] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    full_production_on: Mapped[dt.date | None] = mapped_column(Date)
    in_database_on: Mapped[dt.date | None] = mapped_column(Date)
    in_database_evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    above_scale_on: Mapped[dt.date | None] = mapped_column(Date)
    # when the 引荐人 registered this lead with the bureau: a reward needs it before signing
    referrer_registered_on: Mapped[dt.date | None] = mapped_column(Date)
    # The investor is the project's company; the local project company (项目公司) that lands
    # here, when there is one (migration 0016).
    local_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    # Search and pinyin order.
    sort_key: Mapped[str] = mapped_column(SortKey(600), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_projects_live_sort", "deleted_at", "sort_key", "id"),
        # Every project, deleted ones too: the contact log sorted by project (migration 0010).
        Index("ix_projects_sort", "sort_key", "id"),
        # Every figure of DESIGN §3 reads this range: it holds what they filter and count,
        # after the id so that the list sorted by signing date streams from it (migration 0008).
        Index("ix_projects_signed_live", "deleted_at", "signed_on", "id", "started_on",
              "dropped_on", "industry_id", "owner_id", "source", "ambassador_id",
              "signing_event_id"),
        # 超时限未开工: planned starts passed without a start (migration 0012)
        Index("ix_projects_planned_start_live", "planned_start_on", "id", sqlite_where=_PLANNED,
              postgresql_where=_PLANNED),
        # The project list's other sort orders, read straight from an index (DESIGN §7).
        # Partial (live rows only), so that without planner statistics SQLite does not take
        # them for a selective "deleted_at IS NULL" and prefer them to ix_projects_live_sort.
        *(Index(f"ix_projects_{name}_live", column, "id", sqlite_where=_LIVE,
                postgresql_where=_LIVE)
          for name, column in (("company", "company_id"), ("stage", "stage"),
                               ("started", "started_on"), ("investment", "planned_investment"))),
        # The funnel (migration 0007): each stage's milestone date with the next one, so that
        # counting the projects that reached a stage in the period, and those of them that went
        # on, reads one index range.
        *(Index(f"ix_projects_{name}_live", *columns, sqlite_where=_LIVE, postgresql_where=_LIVE)
          for name, columns in (("lead", ("lead_on", "negotiating_on")),
                                ("negotiating", ("negotiating_on", "signed_on")),
                                ("started_next", ("started_on", "producing_on")),
                                ("producing", ("producing_on",)))),
    )


class StageChange(Base):
    __tablename__ = "stage_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[bool] = mapped_column(Boolean, default=False)


class Agreement(Base):
    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    kind: Mapped[str] = mapped_column(String(16))  # 框架协议 | 投资协议 | 正式合同
    signed_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # What the 投资合同 promises (migration 0012): agreed dates, 投资强度 and 亩均税收 (万元/亩).
    agreed_start_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_producing_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_full_production_on: Mapped[dt.date | None] = mapped_column(Date)
    investment_intensity: Mapped[Decimal | None] = mapped_column(Money())
    tax_per_mu: Mapped[Decimal | None] = mapped_column(Money())

    # A project's agreements with what the signed amounts need (migration 0008); the few that
    # promise something, for 履约率 and the 未履约清单 (migration 0012).
    __table_args__ = (Index("ix_agreements_project_amounts", "project_id", "voided_at",
                            "signed_on", "amount"),
                      Index("ix_agreements_promised", "project_id", sqlite_where=_PROMISED,
                            postgresql_where=_PROMISED))


class Start(Base):
    __tablename__ = "starts"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # 开工 | 开业
    started_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Funding(Base):
    __tablename__ = "fundings"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())  # 万元 (CNY, converted for foreign money)
    evidence: Mapped[str] = mapped_column(Text, default="")
    # Migration 0012: origin 境外 | 省外 | 省内市外 | 市内 | 区内 and kind 固定资产投资 | 流动资金 |
    # 其他 (None: recorded before they were kept); foreign money in its currency and in 万美元;
    # the evidence file (验资报告, 银行进账单 …) among the project's attachments.
    origin: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    original_amount: Mapped[Decimal | None] = mapped_column(Money())  # 万, in ``currency``
    usd_amount: Mapped[Decimal | None] = mapped_column(Money())  # 万美元
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id",
                                                                 ondelete="SET NULL"))

    # 当年实际到位资金 reads the receipts of a period (crm.services.assessment).
    __table_args__ = (Index("ix_fundings_received", "received_on", "project_id"),)


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class ContactLog(Base):
    __tablename__ = "contact_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    logged_on: Mapped[dt.date] = mapped_column(Date, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))  # 走访 | 来访 | 电话 | 会议 | 活动
    participants: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    __table_args__ = (
        Index("ix_contact_logs_follow_up", "follow_up_done", "follow_up_on"),
        # The log list's orders and 只看我的, read from an index (migration 0010).
        Index("ix_contact_logs_mode_sort", "mode", "id"),
        Index("ix_contact_logs_follow_up_sort", "follow_up_on", "id"),
        Index("ix_contact_logs_user_logged", "user_id", "logged_on", "id"),
    )


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


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    # who acted, as a name kept even if the account is renamed; the OS user for the command line
    actor_name: Mapped[str] = mapped_column(String(64), default="", server_default="")

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),
                      Index("ix_audit_log_user", "user_id", "at"))


class Revision(Base):
    """One row whose counter every write bumps: how windows and processes see changes."""

    __tablename__ = "revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
