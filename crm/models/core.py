"""The pipeline: projects and what happens to them (stage changes, agreements, starts,
fundings, attachments) and the contact log.

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
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, SortKey, Timestamps, _now
from crm.money import Area, Money

_LIVE = text("deleted_at IS NULL")
_PLANNED = text("planned_start_on IS NOT NULL AND deleted_at IS NULL")
_REFERRER = text("referrer <> ''")
_INTRODUCED = text("ambassador_id IS NOT NULL OR referrer <> ''")
_FIXED_ASSETS = text("kind = '固定资产投资'")
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
    # The list's 企业, 负责人 and 产业 orders: copies of those rows' sort keys, kept by triggers
    # (crm.sortkeys, migration 0019), so that each order streams from one index.
    company_key: Mapped[str | None] = mapped_column(SortKey(600))
    owner_key: Mapped[str | None] = mapped_column(SortKey(255))
    industry_key: Mapped[str | None] = mapped_column(SortKey(255))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_projects_live_sort", "deleted_at", "sort_key", "id"),
        Index("ix_projects_company_key_live", "company_key", "company_id", "id",
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        *(Index(f"ix_projects_{key}_live", key, "id", sqlite_where=_LIVE, postgresql_where=_LIVE)
          for key in ("owner_key", "industry_key")),
        # Every project, deleted ones too: the contact log sorted by project (migration 0010).
        Index("ix_projects_sort", "sort_key", "id"),
        # Every figure of DESIGN §3 reads this range: it holds what they filter and count,
        # after the id so that the list sorted by signing date streams from it (migration 0008);
        # the planned start for the 提醒 count of the recent signings (0022).
        Index("ix_projects_signed_live", "deleted_at", "signed_on", "id", "started_on",
              "dropped_on", "industry_id", "owner_id", "source", "ambassador_id",
              "signing_event_id", "segment_id", "planned_investment", "planned_start_on"),
        # 超时限未开工: planned starts passed without a start (migration 0012)
        Index("ix_projects_planned_start_live", "planned_start_on", "id", sqlite_where=_PLANNED,
              postgresql_where=_PLANNED),
        # The project list's other sort orders, read straight from an index (DESIGN §7).
        # Partial (live rows only), so that without planner statistics SQLite does not take
        # them for a selective "deleted_at IS NULL" and prefer them to ix_projects_live_sort.
        *(Index(f"ix_projects_{name}_live", column, "id", sqlite_where=_LIVE,
                postgresql_where=_LIVE)
          for name, column in (("company", "company_id"), ("stage", "stage"),
                               ("started", "started_on"), ("investment", "planned_investment"),
                               ("dropped", "dropped_on"))),
        # The funnel (migration 0007): each stage's milestone date with the next one, so that
        # counting the projects that reached a stage in the period, and those of them that went
        # on, reads one index range.
        *(Index(f"ix_projects_{name}_live", *columns, sqlite_where=_LIVE, postgresql_where=_LIVE)
          for name, columns in (("lead", ("lead_on", "negotiating_on")),
                                ("negotiating", ("negotiating_on", "signed_on")),
                                ("started_next", ("started_on", "producing_on")),
                                ("producing", ("producing_on",)))),
        # The reward table's 引荐人 (a few projects in a hundred) by signing date (migration
        # 0024); the queries write '' as a constant, so that a prepared plan can use it.
        Index("ix_projects_referrer_live", "deleted_at", "signed_on", "id", "referrer",
              "referrer_registered_on", sqlite_where=_REFERRER, postgresql_where=_REFERRER),
        # The projects with an introducer by id: those with 固投 in the year, looked up for the
        # reward table without their rows (0024).
        Index("ix_projects_introduced", "id", "deleted_at", "signed_on", "ambassador_id",
              "referrer", "referrer_registered_on", sqlite_where=_INTRODUCED,
              postgresql_where=_INTRODUCED),
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
    signed_on: Mapped[dt.date] = mapped_column(Date, index=True)  # the as-of month's edge
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

    # The receipts of a period with what 当年实际到位资金 sums by origin and kind (PostgreSQL
    # reads them from the index alone; crm.services.assessment, migration 0024). A project's
    # receipts with what the figures sum (0018), as for agreements. The same by origin and
    # kind first: SQLite reads each origin and kind as a range, already grouped (0024). The
    # year's 固投 receipts for the reward table (0024; the queries write the kind as a
    # constant, so that a prepared plan can use it).
    __table_args__ = (Index("ix_fundings_received", "received_on", "project_id", "origin", "kind",
                            "amount", "usd_amount"),
                      Index("ix_fundings_origin_kind", "origin", "kind", "received_on",
                            "project_id", "amount", "usd_amount"),
                      Index("ix_fundings_project_amounts", "project_id", "received_on", "amount"),
                      Index("ix_fundings_fixed_assets", "received_on", "project_id", "amount",
                            sqlite_where=_FIXED_ASSETS, postgresql_where=_FIXED_ASSETS))


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
    # indexed with logged_on (ix_contact_logs_project_logged)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))  # 走访 | 来访 | 电话 | 会议 | 活动
    participants: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    # The list by project, company and person: copies of their sort keys (crm.sortkeys, 0019).
    project_key: Mapped[str | None] = mapped_column(SortKey(600))
    company_key: Mapped[str | None] = mapped_column(SortKey(600))
    user_key: Mapped[str | None] = mapped_column(SortKey(255))

    __table_args__ = (
        Index("ix_contact_logs_follow_up", "follow_up_done", "follow_up_on"),
        # 我的跟进 in the status bar: one person's open follow-ups, one range (migration 0022)
        Index("ix_contact_logs_user_follow_up", "user_id", "follow_up_done", "follow_up_on"),
        # a project's latest contact, or whether it had one since a day: one seek (0022)
        Index("ix_contact_logs_project_logged", "project_id", "logged_on"),
        # The log list's orders and 只看我的, read from an index (migration 0010).
        Index("ix_contact_logs_mode_sort", "mode", "id"),
        Index("ix_contact_logs_follow_up_sort", "follow_up_on", "id"),
        Index("ix_contact_logs_user_logged", "user_id", "logged_on", "id"),
        Index("ix_contact_logs_project_key", "project_key", "project_id", "id"),
        Index("ix_contact_logs_company_key", "company_key", "company_id", "id"),
        Index("ix_contact_logs_user_key", "user_key", "user_id", "id"),
        # newest first with ties by id: PostgreSQL's index on logged_on alone sorted each day
        Index("ix_contact_logs_logged_sort", "logged_on", "id"),
    )
