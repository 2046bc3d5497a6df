"""The catalogue of computed figures a scorecard (考核) can assess (crm.services.scorecard).

Each :class:`Indicator` is a code, its Chinese label, its unit and the function computing
its actual for a period and an as-of date, for the bureau or one person (the owner filter):
the figures of DESIGN §3 (crm.services.metrics) and the assessment figures of issue 19a
(crm.services.assessment). Nothing is computed here that those modules define; definitions
in docs/figures.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Integer, func, literal, select, union_all

from crm import stages
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import CompanyTier, ContactLog, Project, Tier, User
from crm.services import assessment, cells, metrics
from crm.services import figure_rows as rows_of
from crm.services.metrics import Filters, Period, _signed_where

ZERO = Decimal(0)

# --- the catalogue of computed figures ------------------------------------------------------
T = TypeVar("T")


class Reading:
    """One scorecard's read: the unit of work, period, as-of date and whose figures (the
    filters carry the owner of a per-person scorecard). Lines often read the same figure
    (签约数, 金额 and 开工率 are one ``start_rate``; the band lines one ``band_counts``): each is
    computed once per reading (:meth:`once`)."""

    def __init__(self, uow: UnitOfWork, period: Period, as_of: dt.date,
                 owner_id: int | None = None, memo: dict[tuple[object, ...], object] | None = None):
        """``memo``: shared by the readings of one answer (every person's scorecard), so that a
        figure read for all people at once (by owner) is read once."""
        self.uow, self.period, self.as_of, self.owner_id = uow, period, as_of, owner_id
        self.filters = Filters(owner_ids=(owner_id,)) if owner_id is not None else Filters()
        self._memo = memo if memo is not None else {}

    def once(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(uow, *args)``, computed the first time it is asked for in this reading."""
        key = (fn, *args)
        if key not in self._memo:
            self._memo[key] = fn(self.uow, *args)
        return self._memo[key]  # type: ignore[return-value]


Compute = Callable[[Reading], Decimal | None]


@dataclass(frozen=True)
class Indicator:
    """A figure the scorecard can assess: its code, Chinese label, unit and computation.

    ``compute(reading)`` gives the actual (rates as a ratio, 0.5769), or None where it is
    undefined (a rate over nothing). ``reference``, where set, is the figure's direct
    computation (a function of crm.services.assessment or metrics for the reading's filters)
    that ``compute`` answers faster (from the rollup, or for every owner at once): the tests
    hold the two equal.
    """

    code: str
    label: str
    unit: str  # 个 | 次 | 万元 | 万美元 | %
    compute: Compute
    source: str = "metrics"  # metrics (DESIGN §3) | assessment (issue 19a)
    reference: Compute | None = None  # None: compute is the direct computation

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    @property
    def is_count(self) -> bool:
        return self.unit in ("个", "次")


def _by_owner(uow: UnitOfWork, period: Period, as_of: dt.date) -> dict[int | str | None, Any]:
    """签约数, 开工数, 签约金额 and 开工率 of every owner at once (metrics.breakdown)."""
    return {row.key: row for row in metrics.breakdown(uow, "owner", period, as_of)}


def _signing(attr: str) -> Compute:
    """A figure of DESIGN §3's start rate (signed, started, signed_amount, rate): the
    bureau's, or one person's from the breakdown of all owners (read once for everyone)."""
    def compute(r: Reading) -> Decimal | None:
        if r.owner_id is None:
            source: Any = r.once(metrics.start_rate, r.period, r.as_of, r.filters)
        else:
            source = r.once(_by_owner, r.period, r.as_of).get(r.owner_id)
            if source is None:  # nothing signed: no rate, zero of the rest
                return None if attr == "rate" else ZERO
        value = getattr(source, attr)
        return None if value is None else Decimal(value)
    return compute


def _funds_rate(r: Reading) -> Decimal | None:
    return r.once(metrics.start_rate, r.period, r.as_of, r.filters).funds_rate


def _leads_by_owner(uow: UnitOfWork, period: Period, as_of: dt.date) -> dict[int | None, int]:
    """新增线索 per owner: the first step of metrics.funnel (projects whose 线索 date lies in
    the period, up to as-of, dropped ones included), grouped in one query."""
    stmt = (select(Project.owner_id, func.count())
            .where(Project.lead_on >= period.start, Project.lead_on <= min(period.end, as_of),
                   *Filters().conditions())
            .group_by(Project.owner_id))
    return {owner: int(n) for owner, n in uow.session.execute(stmt)}


def _reached_by_owner(uow: UnitOfWork, stage: str, period: Period,
                      as_of: dt.date) -> dict[int | None, int]:
    """The projects that reached ``stage`` (its date, rows_of.REACHED) within the period up
    to as-of, dropped ones included, per owner: metrics.funnel's count of the stage for every
    owner at once, the whole months from the rollup's owner cells and the cut months from the
    rows (crm.services.cells.split), so that it reads a few hundred cells at any scale."""
    col = rows_of.REACHED[stage]
    out: dict[int | None, int] = defaultdict(int)

    def rows(start: dt.date, end: dt.date, sign: int) -> None:
        for owner, n in uow.session.execute(
                select(Project.owner_id, func.count())
                .where(col >= start, col <= end, *Filters().conditions())
                .group_by(Project.owner_id)):
            out[owner] += sign * int(n)

    if not cells.ENABLED:
        rows(period.start, min(period.end, as_of), 1)
        return dict(out)
    sp = cells.split(period, as_of)
    for part, sign in sp.parts:
        rows(part.start, part.end, sign)
    if sp.full is not None:
        for member, (n, _) in cells.totals(uow, cells.Selection("owner", None), (stage,),
                                           sp.months, by="member").items():
            owner = cells.member_key("owner", member)
            out[owner if owner is None else int(owner)] += n
    return dict(out)


def _leads(r: Reading) -> Decimal:
    if r.owner_id is not None:
        return Decimal(r.once(_reached_by_owner, stages.LEAD, r.period, r.as_of)
                       .get(r.owner_id, 0))
    return Decimal(r.once(metrics.funnel, r.period, r.as_of, r.filters)[0].reached)


def _leads_reference(r: Reading) -> Decimal:
    if r.owner_id is not None:
        return Decimal(r.once(_leads_by_owner, r.period, r.as_of).get(r.owner_id, 0))
    return Decimal(r.once(metrics.funnel, r.period, r.as_of, r.filters)[0].reached)


def _contact_counts_reference(uow: UnitOfWork, period: Period, as_of: dt.date
                              ) -> dict[int | None, int]:
    stmt = (select(ContactLog.user_id, func.count())
            .where(ContactLog.logged_on >= period.start,
                   ContactLog.logged_on <= min(period.end, as_of))
            .group_by(ContactLog.user_id))
    return {user: int(n) for user, n in uow.session.execute(stmt)}


def _contact_counts(uow: UnitOfWork, period: Period, as_of: dt.date) -> dict[int | None, int]:
    """The logs of the period per person (None: no one's), each person's counted in its own
    range of ix_contact_logs_user_logged (user_id, logged_on): grouped, PostgreSQL read the
    whole index for the period's logs (at a million, 1,000,000 entries for 166,000: 60-84 ms)."""
    end = min(period.end, as_of)

    def count(whose: Any) -> Any:
        return (select(func.count()).select_from(ContactLog)
                .where(whose, ContactLog.logged_on >= period.start, ContactLog.logged_on <= end)
                .scalar_subquery())

    stmt = union_all(select(User.id, count(ContactLog.user_id == User.id)),
                     select(literal(None, Integer), count(ContactLog.user_id.is_(None))))
    rows: Any = uow.session.execute(stmt)
    return {user: int(n) for user, n in rows if n}


def _contacts_by(counting: Callable[[UnitOfWork, Period, dt.date], dict[int | None, int]]
                 ) -> Compute:
    def compute(r: Reading) -> Decimal:
        """接洽次数: contact logs dated in the period, by the person (per person) or anyone."""
        counts = r.once(counting, r.period, r.as_of)
        if r.owner_id is not None:
            return Decimal(counts.get(r.owner_id, 0))
        return Decimal(sum(counts.values()))
    return compute


_contacts = _contacts_by(_contact_counts)
_contacts_reference = _contacts_by(_contact_counts_reference)


def _funds(uow: UnitOfWork, period: Period, as_of: dt.date,
           filters: Filters) -> assessment.FundsFigures:
    """assessment.funds_received without its count of projects (no line shows it)."""
    return assessment.funds_received(uow, period, as_of, filters, count_projects=False)


def _received(pick: Callable[[assessment.FundsFigures], Decimal | None]) -> Compute:
    def compute(r: Reading) -> Decimal | None:
        return pick(r.once(_funds, r.period, r.as_of, r.filters))
    return compute


def _band(code: str, what: str) -> Compute:
    """亿元以上 … signed or started: DESIGN §3's 签约数 and 开工数 of the projects in the band
    or above (metrics with the band filter: the bureau's from the rollup's band cells)."""
    index = ("signed", "started").index(what)

    def compute(r: Reading) -> Decimal:
        counts = r.once(metrics.signed_and_started, r.period, r.as_of,
                        replace(r.filters, band=code))
        return Decimal(counts[index])
    return compute


def _band_reference(code: str, what: str) -> Compute:
    def compute(r: Reading) -> Decimal:
        for band in r.once(assessment.band_counts, r.period, r.as_of, r.filters):
            if band.code == code:
                return Decimal(getattr(band, what))
        return ZERO
    return compute


def _milestone(pick: Callable[[assessment.MilestoneRates], Decimal | None]) -> Compute:
    def compute(r: Reading) -> Decimal | None:
        return pick(r.once(assessment.milestone_rates, r.period, r.as_of, r.filters))
    return compute


# the 七个一批 milestones a scorecard can assess, and the stage of the rollup that counts them
_BATCH_STAGES = {"started": stages.STARTED, "producing": stages.PRODUCING}


def _batch_by_owner(uow: UnitOfWork, key: str, year: int,
                    as_of: dt.date) -> dict[int | None, int]:
    """assessment.seven_batches' count ``key`` of every owner at once: the projects whose
    milestone date lies in ``year`` and on or before ``as_of``."""
    year_period = Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    if key in _BATCH_STAGES:  # the rollup's cells of the stage (a funnel's count)
        return _reached_by_owner(uow, _BATCH_STAGES[key], year_period, as_of)
    col = {"registered": Project.registered_on, "above_scale": Project.above_scale_on}[key]
    end = min(year_period.end, as_of)
    return {owner: int(n) for owner, n in uow.session.execute(
        select(Project.owner_id, func.count())
        .where(col >= year_period.start, col <= end, *Filters().conditions())
        .group_by(Project.owner_id))}


def _batch(key: str) -> Compute:
    """A 七个一批 count of the period's year (up to as-of and the period's end), read for
    every owner at once (the bureau's is their sum)."""
    def compute(r: Reading) -> Decimal:
        counts = r.once(_batch_by_owner, key, r.period.end.year, min(r.as_of, r.period.end))
        if r.owner_id is not None:
            return Decimal(counts.get(r.owner_id, 0))
        return Decimal(sum(counts.values()))
    return compute


def _batch_reference(key: str) -> Compute:
    def compute(r: Reading) -> Decimal:
        batches = r.once(assessment.seven_batches, r.period.end.year,
                         min(r.as_of, r.period.end), r.filters)
        return Decimal(getattr(batches, key))
    return compute


def _tier_by_owner(uow: UnitOfWork, name: str, period: Period,
                   as_of: dt.date) -> dict[int | None, int]:
    """assessment.tier_counts' signings of the active tiers called ``name``, of every owner at
    once: read from the few companies tagged with them, not from every signing."""
    ids = list(uow.session.scalars(select(Tier.id).where(Tier.active.is_(True),
                                                         Tier.name == name)))
    if not ids:
        return {}
    return {owner: int(n) for owner, n in uow.session.execute(
        select(Project.owner_id, func.count(Project.id))
        .select_from(CompanyTier)
        .join(Project, Project.company_id == CompanyTier.company_id)
        .where(CompanyTier.tier_id.in_(ids), *_signed_where(period, as_of, Filters()))
        .group_by(Project.owner_id))}


def _tier(name: str) -> Compute:
    def compute(r: Reading) -> Decimal:
        counts = r.once(_tier_by_owner, name, r.period, r.as_of)
        if r.owner_id is not None:
            return Decimal(counts.get(r.owner_id, 0))
        return Decimal(sum(counts.values()))
    return compute


def _tier_reference(name: str) -> Compute:
    def compute(r: Reading) -> Decimal:
        tiers = r.once(assessment.tier_counts, r.period, r.as_of, r.filters)
        return Decimal(sum(t.signed for t in tiers if t.name == name))
    return compute


def _overdue_starts(r: Reading) -> Decimal:
    """超时限未开工: projects whose agreed (else planned) start is past, on the as-of date."""
    broken = r.once(assessment.broken_promises, min(r.as_of, r.period.end), r.filters)
    return Decimal(len({b.project_id for b in broken if b.promise == "开工"}))


TIERS = ("世界500强", "中国500强", "民营500强", "服务业500强", "新经济500强", "上市公司", "央企",
         "外资", "专精特新", "独角兽")
A = "assessment"
_CATALOGUE: list[Indicator] = [
    Indicator("signed_count", "签约项目数", "个", _signing("signed")),
    Indicator("signed_amount", "签约金额", "万元", _signing("signed_amount")),
    Indicator("started_count", "当年签约当年开工(开业)数", "个", _signing("started")),
    Indicator("start_rate", "开工率", "%", _signing("rate")),
    Indicator("funds", "当年实际到位资金", "万元", _received(lambda r: r.total), A),
    Indicator("funds_rate", "资金到位率", "%", _funds_rate),
    Indicator("leads", "新增线索", "个", _leads, reference=_leads_reference),
    Indicator("contacts", "接洽次数", "次", _contacts, reference=_contacts_reference),
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
    *(Indicator(f"{what}_{code}", f"{name}{label}", "个", _band(code, what), A,
                _band_reference(code, what))
      for code, name, _floor in assessment.BANDS
      for what, label in (("signed", "签约项目数"), ("started", "开工项目数"))),
    Indicator("start_complete_rate", "开竣工率", "%",
              _milestone(lambda m: m.start_complete_rate), A),
    Indicator("producing_rate", "投产率", "%", _milestone(lambda m: m.producing_rate), A),
    Indicator("fulfilment_rate", "履约率", "%", _milestone(lambda m: m.fulfilment_rate), A),
    *(Indicator(f"batch_{key}", label, "个", _batch(key), A, _batch_reference(key))
      for key, label in (("started", "新开工项目数"), ("registered", "入统项目数"),
                         ("producing", "新投产项目数"), ("above_scale", "入规项目数"))),
    *(Indicator(f"tier:{name}", f"{name}签约项目数", "个", _tier(name), A, _tier_reference(name))
      for name in TIERS),
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
