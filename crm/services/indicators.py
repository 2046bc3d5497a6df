"""The catalogue of computed figures a scorecard (考核) can assess (crm.services.scorecard).

Each :class:`Indicator` is a code, its Chinese label, its unit and the function computing
its actual for a period and an as-of date, for the bureau or one person (the owner filter):
the figures of DESIGN §3 (crm.services.metrics) and the assessment figures of issue 19a
(crm.services.assessment). Nothing is computed here that those modules define; definitions
in docs/figures.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import ContactLog
from crm.services import assessment, metrics
from crm.services.metrics import Filters, Period

ZERO = Decimal(0)

# --- the catalogue of computed figures ------------------------------------------------------
Compute = Callable[[UnitOfWork, Period, dt.date, Filters, int | None], Decimal | None]


@dataclass(frozen=True)
class Indicator:
    """A figure the scorecard can assess: its code, Chinese label, unit and computation.

    ``compute(uow, period, as_of, filters, owner_id)`` gives the actual (rates as a ratio,
    0.5769), or None where it is undefined (a rate over nothing). ``owner_id`` is the person
    of a per-person scorecard (the filters already carry it as the owner filter).
    """

    code: str
    label: str
    unit: str  # 个 | 次 | 万元 | 万美元 | %
    compute: Compute
    source: str = "metrics"  # metrics (DESIGN §3) | assessment (issue 19a)

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    @property
    def is_count(self) -> bool:
        return self.unit in ("个", "次")


def _start_rate(pick: Callable[[metrics.StartRate], Decimal | int | None]) -> Compute:
    def compute(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                _owner: int | None) -> Decimal | None:
        value = pick(metrics.start_rate(uow, period, as_of, f))
        return None if value is None else Decimal(value)
    return compute


def _leads(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
           _owner: int | None) -> Decimal:
    return Decimal(metrics.funnel(uow, period, as_of, f)[0].reached)


def _contacts(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
              owner: int | None) -> Decimal:
    """接洽次数: contact logs dated in the period, by the person (per person) or anyone."""
    stmt = select(func.count()).select_from(ContactLog).where(
        ContactLog.logged_on >= period.start, ContactLog.logged_on <= min(period.end, as_of))
    if owner is not None:
        stmt = stmt.where(ContactLog.user_id == owner)
    return Decimal(uow.session.scalar(stmt) or 0)


def _received(pick: Callable[[assessment.FundsFigures], Decimal | None]) -> Compute:
    def compute(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                _owner: int | None) -> Decimal | None:
        return pick(assessment.funds_received(uow, period, as_of, f))
    return compute


def _band(code: str, what: str) -> Compute:
    def compute(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                _owner: int | None) -> Decimal:
        for band in assessment.band_counts(uow, period, as_of, f):
            if band.code == code:
                return Decimal(getattr(band, what))
        return ZERO
    return compute


def _milestone(pick: Callable[[assessment.MilestoneRates], Decimal | None]) -> Compute:
    def compute(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                _owner: int | None) -> Decimal | None:
        return pick(assessment.milestone_rates(uow, period, as_of, f))
    return compute


def _batch(key: str) -> Compute:
    """A 七个一批 count of the period's year (up to as-of and the period's end)."""
    def compute(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                _owner: int | None) -> Decimal:
        batches = assessment.seven_batches(uow, period.end.year, min(as_of, period.end), f)
        return Decimal(getattr(batches, key))
    return compute


def _tier(name: str) -> Compute:
    def compute(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                _owner: int | None) -> Decimal:
        return Decimal(sum(t.signed for t in assessment.tier_counts(uow, period, as_of, f)
                           if t.name == name))
    return compute


def _overdue_starts(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                    _owner: int | None) -> Decimal:
    """超时限未开工: projects whose agreed (else planned) start is past, on the as-of date."""
    day = min(as_of, period.end)
    return Decimal(len({b.project_id for b in assessment.broken_promises(uow, day, f)
                        if b.promise == "开工"}))


TIERS = ("世界500强", "中国500强", "民营500强", "服务业500强", "新经济500强", "上市公司", "央企",
         "外资", "专精特新", "独角兽")
A = "assessment"
_CATALOGUE: list[Indicator] = [
    Indicator("signed_count", "签约项目数", "个", _start_rate(lambda s: s.signed)),
    Indicator("signed_amount", "签约金额", "万元", _start_rate(lambda s: s.signed_amount)),
    Indicator("started_count", "当年签约当年开工(开业)数", "个", _start_rate(lambda s: s.started)),
    Indicator("start_rate", "开工率", "%", _start_rate(lambda s: s.rate)),
    Indicator("funds", "当年实际到位资金", "万元", _received(lambda r: r.total), A),
    Indicator("funds_rate", "资金到位率", "%", _start_rate(lambda s: s.funds_rate)),
    Indicator("leads", "新增线索", "个", _leads),
    Indicator("contacts", "接洽次数", "次", _contacts),
    # issue 19a's figures (crm.services.assessment)
    Indicator("funds_outside_province", "省外到位资金", "万元",
              _received(lambda r: r.by_origin.get("省外", ZERO)), A),
    Indicator("funds_other_city", "省内市外到位资金", "万元",
              _received(lambda r: r.by_origin.get("省内市外", ZERO)), A),
    Indicator("funds_city", "市内到位资金", "万元",
              _received(lambda r: r.by_origin.get("市内", ZERO)), A),
    Indicator("funds_abroad", "境外到位资金", "万元",
              _received(lambda r: r.by_origin.get("境外", ZERO)), A),
    Indicator("foreign_usd", "实际利用外资", "万美元", _received(lambda r: r.foreign_usd), A),
    Indicator("fixed_assets", "固定资产投资到位额", "万元",
              _received(lambda r: r.fixed_assets), A),
    Indicator("fixed_conversion", "固投转化率", "%", _received(lambda r: r.conversion), A),
    *(Indicator(f"{what}_{code}", f"{name}{label}", "个", _band(code, what), A)
      for code, name, _floor in assessment.BANDS
      for what, label in (("signed", "签约项目数"), ("started", "开工项目数"))),
    Indicator("start_complete_rate", "开竣工率", "%",
              _milestone(lambda m: m.start_complete_rate), A),
    Indicator("producing_rate", "投产率", "%", _milestone(lambda m: m.producing_rate), A),
    Indicator("fulfilment_rate", "履约率", "%", _milestone(lambda m: m.fulfilment_rate), A),
    Indicator("batch_started", "新开工项目数", "个", _batch("started"), A),
    Indicator("batch_registered", "入统项目数", "个", _batch("registered"), A),
    Indicator("batch_producing", "新投产项目数", "个", _batch("producing"), A),
    Indicator("batch_above_scale", "入规项目数", "个", _batch("above_scale"), A),
    *(Indicator(f"tier:{name}", f"{name}签约项目数", "个", _tier(name), A) for name in TIERS),
    Indicator("overdue_starts", "超时限未开工项目数", "个", _overdue_starts, A),
]
CATALOGUE: dict[str, Indicator] = {i.code: i for i in _CATALOGUE}


def catalogue() -> list[Indicator]:
    """Every figure a scheme can use, in the order a picker lists them."""
    return list(_CATALOGUE)


def indicator(code: str) -> Indicator:
    found = CATALOGUE.get(code)
    if found is None:
        raise ValidationError(f"未知考核指标“{code}”", code="scorecard.code", field="code")
    return found
