"""The figures a bureau is assessed on (issue 19; definitions in docs/figures.md).

One module of figures, read-only, each a plain function of a unit of work, a period (or a
year), an as-of date and the same :class:`~crm.services.metrics.Filters` as DESIGN §3:

- :func:`funds_received` — 当年实际到位资金 by origin and kind, 实际利用外资 (万美元), 固投转化率;
- :func:`band_counts` — 亿元以上 / 10亿元以上 / 20亿元以上 / 50亿元以上: signed, started, funded;
- :func:`tier_counts` — signings by investor tier (世界500强 …);
- :func:`milestone_rates` — 开竣工率, 投产率, 履约率 of a signing cohort;
- :func:`seven_batches` — the year's 七个一批 and the other milestone counts (落地, 入库 …);
- :func:`broken_promises` — 超时限未开工 and the other promises of the agreements not kept.

Money is Decimal 万元 (USD in 万美元), counts are ints, rates are exact Decimals (None when the
denominator is 0); nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from crm.db import UnitOfWork
from crm.money import format_rate, ratio
from crm.services.metrics import Filters, Period

# 到位资金: where the money comes from (考核办法 set separate targets per origin) and what it is.
ORIGINS = ("境外", "省外", "省内市外", "市内", "区内")
KINDS = ("固定资产投资", "流动资金", "其他")
UNKNOWN = "未填"  # receipts recorded before origin and kind were kept
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")

# Size bands by 计划总投资 (万元), each "以上" edge inclusive: 10000 万元 is 亿元以上.
BANDS: tuple[tuple[str, str, Decimal], ...] = (
    ("1yi", "亿元以上", Decimal(10_000)),
    ("10yi", "10亿元以上", Decimal(100_000)),
    ("20yi", "20亿元以上", Decimal(200_000)),
    ("50yi", "50亿元以上", Decimal(500_000)),
)
BAND_NAMES = {code: name for code, name, _ in BANDS}


@dataclass(frozen=True)
class FundsFigures:
    """当年实际到位资金 of a period: receipts dated in it (and on or before as-of), any project."""

    period: Period
    as_of: dt.date
    total: Decimal  # 万元
    by_origin: dict[str, Decimal]  # every ORIGINS key, plus UNKNOWN when such receipts exist
    by_kind: dict[str, Decimal]  # every KINDS key, plus UNKNOWN when such receipts exist
    by_origin_kind: dict[tuple[str, str], Decimal]
    foreign_usd: Decimal  # 实际利用外资, 万美元: USD amounts of 境外 receipts
    fixed_assets: Decimal  # the 固定资产投资 part, 万元
    projects: int  # projects with at least one receipt counted

    @property
    def outside_province(self) -> Decimal:
        """省外到位资金 (境外 counted apart, as the 考核办法 do)."""
        return self.by_origin.get("省外", Decimal(0))

    @property
    def conversion(self) -> Decimal | None:
        """固投转化率 = 固定资产投资 / 当年实际到位资金."""
        return ratio(self.fixed_assets, self.total)

    @property
    def conversion_text(self) -> str:
        return format_rate(self.conversion)


def funds_received(uow: UnitOfWork, period: Period, as_of: dt.date,
                   filters: Filters | None = None) -> FundsFigures:
    """当年实际到位资金: the receipts dated within ``period`` and on or before ``as_of``, on any
    live project (signed in the period, in an earlier year, or later), summed by origin and
    kind; 实际利用外资 = their 境外 receipts' USD amounts (万美元); 固投转化率 = the
    固定资产投资 part / the total. Unlike the cohort 资金到位率 of DESIGN §3, the project's
    signing date plays no part."""
    raise NotImplementedError


@dataclass(frozen=True)
class BandCount:
    code: str  # 1yi | 10yi | 20yi | 50yi
    name: str  # 亿元以上 …
    floor: Decimal  # 万元, inclusive
    signed: int
    started: int
    funded: int
    signed_amount: Decimal  # 万元, agreements of the signed ones


def band_of(planned: Decimal | None) -> str | None:
    """The highest band whose floor ``planned`` (万元) reaches, or None (under 1 亿元)."""
    found = None
    for code, _name, floor in BANDS:
        if planned is not None and planned >= floor:
            found = code
    return found


def band_counts(uow: UnitOfWork, period: Period, as_of: dt.date,
                filters: Filters | None = None) -> list[BandCount]:
    """Per band (cumulative: a 25亿 project counts in 亿元以上, 10亿元以上 and 20亿元以上):
    signed = the DESIGN §3 signed projects whose 计划总投资 ≥ the band's floor; started = those
    of them started in their signing year by as-of (the §3 started); funded = those of them
    with any receipt on or before as-of."""
    raise NotImplementedError


@dataclass(frozen=True)
class TierCount:
    tier_id: int
    name: str
    signed: int
    signed_amount: Decimal  # 万元


def tier_counts(uow: UnitOfWork, period: Period, as_of: dt.date,
                filters: Filters | None = None) -> list[TierCount]:
    """Signings (DESIGN §3 signed) by the investor's tier tags; a company with two tags counts
    under both, so the rows do not add up to the signed total. Every active tier is listed."""
    raise NotImplementedError


@dataclass(frozen=True)
class MilestoneRates:
    """A signing cohort (the §3 signed projects) and where it stands on as-of."""

    period: Period
    as_of: dt.date
    signed: int
    building: int  # 在建: started, not yet 建成, not dropped
    built: int  # 建成: 竣工 or 投产 on or before as-of
    producing: int  # 投产 on or before as-of
    promised: int  # with at least one promise due by as-of
    kept: int  # of those, every promise due was kept

    @property
    def start_complete_rate(self) -> Decimal | None:
        """开竣工率 = (在建 + 建成) / 签约."""
        return ratio(self.building + self.built, self.signed)

    @property
    def producing_rate(self) -> Decimal | None:
        """投产率 = 投产 / 签约."""
        return ratio(self.producing, self.signed)

    @property
    def fulfilment_rate(self) -> Decimal | None:
        """履约率 = projects keeping every promise due / projects with a promise due."""
        return ratio(self.kept, self.promised)


def milestone_rates(uow: UnitOfWork, period: Period, as_of: dt.date,
                    filters: Filters | None = None) -> MilestoneRates:
    """开竣工率, 投产率 and 履约率 of the projects signed in ``period`` (docs/figures.md)."""
    raise NotImplementedError


@dataclass(frozen=True)
class SevenBatches:
    """七个一批 of a year (谋划, 洽谈, 签约, 开工, 在建, 投产, 达产) and the statistical
    milestones reached in it (落地, 竣工, 入库, 入统, 入规)."""

    year: int
    as_of: dt.date
    planned: int  # 谋划一批: 谋划 leads recorded in the year
    reserve: int  # 储备: 储备 leads recorded in the year
    negotiating: int  # 洽谈一批
    signed: int  # 签约一批
    started: int  # 开工一批
    building: int  # 在建一批: started (any year), not 建成 nor dropped on as-of
    producing: int  # 投产一批
    full_production: int  # 达产一批
    landed: int  # 落地
    completed: int  # 竣工
    in_database: int  # 入库
    registered: int  # 入统
    above_scale: int  # 入规
    counts: dict[str, int] = field(default_factory=dict)  # every count above by its key


def seven_batches(uow: UnitOfWork, year: int, as_of: dt.date,
                  filters: Filters | None = None) -> SevenBatches:
    """Projects whose milestone date lies in ``year`` and on or before ``as_of``, one count
    per milestone; 在建 is a state on min(as-of, 31 December)."""
    raise NotImplementedError


@dataclass(frozen=True)
class BrokenPromise:
    project_id: int
    project: str
    company: str
    owner: str
    promise: str  # 开工 | 投产 | 达产 | 投资强度
    due_on: dt.date
    days_overdue: int
    detail: str  # e.g. 约定 2025-06-30 开工，至今未开工


def broken_promises(uow: UnitOfWork, as_of: dt.date,
                    filters: Filters | None = None) -> list[BrokenPromise]:
    """Promises of live, not dropped projects due before ``as_of`` and not kept by it, most
    overdue first. 超时限未开工: no start on or before as-of and the agreed start date (else
    the planned start, 计划开工日期) earlier than as-of; a promise due on as-of itself is not
    yet broken."""
    raise NotImplementedError
