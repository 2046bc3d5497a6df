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
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select

from crm.bands import BAND_NAMES, BANDS, band_of
from crm.db import UnitOfWork
from crm.models import Agreement, Company, CompanyTier, Funding, Project, Tier, User
from crm.money import format_rate, format_yi, ratio
from crm.services.metrics import Filters, Period, _signed_where, _started_expr

__all__ = ["BANDS", "BAND_NAMES", "band_of"]

# 到位资金: where the money comes from (考核办法 set separate targets per origin) and what it is.
ORIGINS = ("境外", "省外", "省内市外", "市内", "区内")
KINDS = ("固定资产投资", "流动资金", "其他")
UNKNOWN = "未填"  # receipts recorded before origin and kind were kept
FOREIGN = "境外"
CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")



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
    projects: int | None  # projects with at least one receipt counted (None: not counted)

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
                   filters: Filters | None = None, *,
                   count_projects: bool = True) -> FundsFigures:
    """当年实际到位资金: the receipts dated within ``period`` and on or before ``as_of``, on any
    live project (signed in the period, in an earlier year, or later), summed by origin and
    kind; 实际利用外资 = their 境外 receipts' USD amounts (万美元); 固投转化率 = the
    固定资产投资 part / the total. Unlike the cohort 资金到位率 of DESIGN §3, the project's
    signing date plays no part. Without ``count_projects`` (a scorecard's lines), the
    projects are not counted (a second read of the receipts): ``projects`` is None."""
    f = filters or Filters()
    end = min(period.end, as_of)
    dated = [Funding.received_on >= period.start, Funding.received_on <= end]
    if f == Filters():
        # every live project's receipts: those of the few deleted projects left out (an index
        # read), not each receipt's project looked up (at 1M: 0.3-0.45 s → 0.05-0.18 s)
        where = [*dated, Funding.project_id.not_in(
            select(Project.id).where(Project.deleted_at.is_not(None)))]

        def scope(stmt: Any) -> Any:
            return stmt.where(*where)
    else:
        where = [*dated, *f.conditions()]

        def scope(stmt: Any) -> Any:
            return stmt.join(Project, Project.id == Funding.project_id).where(*where)
    # grouped by the columns themselves (their NULL: UNKNOWN, below): SQLite reads the bureau's
    # receipts from ix_fundings_origin_kind, an origin and kind at a time, already grouped,
    # where it sorted every receipt of the period by coalesce(…) (at 1M: 45,000, 62 → 22 ms)
    rows: Any = uow.session.execute(scope(
        select(Funding.origin, Funding.kind, func.sum(Funding.amount),
               func.sum(case((Funding.origin == FOREIGN, Funding.usd_amount), else_=0))))
        .group_by(Funding.origin, Funding.kind))
    by_origin: dict[str, Decimal] = {o: Decimal(0) for o in ORIGINS}
    by_kind: dict[str, Decimal] = {k: Decimal(0) for k in KINDS}
    by_origin_kind: dict[tuple[str, str], Decimal] = {}
    total = usd = Decimal(0)
    for o, k, amount, dollars in rows:
        o, k, amount = o or UNKNOWN, k or UNKNOWN, Decimal(amount or 0)
        by_origin[o] = by_origin.get(o, Decimal(0)) + amount
        by_kind[k] = by_kind.get(k, Decimal(0)) + amount
        by_origin_kind[(o, k)] = by_origin_kind.get((o, k), Decimal(0)) + amount
        total += amount
        usd += Decimal(dollars or 0)
    projects = None
    if count_projects:
        projects = int(uow.session.scalar(
            scope(select(func.count(func.distinct(Funding.project_id))))) or 0)
    return FundsFigures(period, as_of, total, by_origin, by_kind, by_origin_kind, usd,
                        by_kind.get("固定资产投资", Decimal(0)), projects)


@dataclass(frozen=True)
class BandCount:
    code: str  # 1yi | 10yi | 20yi | 50yi
    name: str  # 亿元以上 …
    floor: Decimal  # 万元, inclusive
    signed: int
    started: int
    funded: int
    signed_amount: Decimal  # 万元, agreements of the signed ones


def band_counts(uow: UnitOfWork, period: Period, as_of: dt.date,
                filters: Filters | None = None) -> list[BandCount]:
    """Per band (cumulative: a 25亿 project counts in 亿元以上, 10亿元以上 and 20亿元以上):
    signed = the DESIGN §3 signed projects whose 计划总投资 ≥ the band's floor; started = those
    of them started in their signing year by as-of (the §3 started); funded = those of them
    with any receipt on or before as-of."""
    where = _signed_where(period, as_of, filters or Filters())
    funded = exists().where(Funding.project_id == Project.id, Funding.received_on <= as_of)
    started = _started_expr(as_of)
    cols: list[Any] = []
    for _code, _name, floor in BANDS:
        inside = Project.planned_investment >= floor
        cols += [func.coalesce(func.sum(case((inside, 1), else_=0)), 0),
                 func.coalesce(func.sum(case((and_(inside, started), 1), else_=0)), 0),
                 func.coalesce(func.sum(case((and_(inside, funded), 1), else_=0)), 0)]
    counted: Any = uow.session.execute(select(*cols).select_from(Project).where(*where)).one()
    amounts = uow.session.execute(
        select(*[func.sum(case((Project.planned_investment >= floor, Agreement.amount),
                               else_=None)) for _, _, floor in BANDS])
        .join(Project, Project.id == Agreement.project_id)
        .where(*where, Agreement.voided_at.is_(None), Agreement.signed_on <= as_of)).one()
    return [BandCount(code, name, floor, int(counted[3 * i]), int(counted[3 * i + 1]),
                      int(counted[3 * i + 2]), _money(amounts[i]))
            for i, (code, name, floor) in enumerate(BANDS)]


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
    where = _signed_where(period, as_of, filters or Filters())
    counts: dict[int, int] = dict(uow.session.execute(
        select(CompanyTier.tier_id, func.count(Project.id))
        .join(Project, Project.company_id == CompanyTier.company_id)
        .where(*where).group_by(CompanyTier.tier_id)).all())
    amounts: dict[int, Any] = dict(uow.session.execute(
        select(CompanyTier.tier_id, func.sum(Agreement.amount))
        .join(Project, Project.company_id == CompanyTier.company_id)
        .join(Agreement, Agreement.project_id == Project.id)
        .where(*where, Agreement.voided_at.is_(None), Agreement.signed_on <= as_of)
        .group_by(CompanyTier.tier_id)).all())
    tiers = uow.session.scalars(select(Tier).where(Tier.active.is_(True))
                                .order_by(Tier.position, Tier.id))
    return [TierCount(t.id, t.name, int(counts.get(t.id, 0)), _money(amounts.get(t.id)))
            for t in tiers]


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
    where = _signed_where(period, as_of, filters or Filters())
    built, building = _built(as_of), _building(as_of)
    producing = and_(Project.producing_on.is_not(None), Project.producing_on <= as_of)
    row: Any = uow.session.execute(
        select(func.count(), *[func.coalesce(func.sum(case((c, 1), else_=0)), 0)
                               for c in (building, built, producing)])
        .select_from(Project).where(*where)).one()
    promised = kept = 0
    for judged in _judge(uow, where, as_of).values():
        due = [p for p in judged if p.due_on < as_of]
        if due:
            promised += 1
            kept += all(p.kept for p in due)
    return MilestoneRates(period, as_of, int(row[0]), int(row[1]), int(row[2]), int(row[3]),
                          promised, kept)


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
    f = filters or Filters()
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), as_of)
    parts: dict[str, ColumnElement[bool]] = {
        "planned": and_(Project.lead_kind == "谋划", _within(Project.lead_on, start, end)),
        "reserve": and_(Project.lead_kind == "储备", _within(Project.lead_on, start, end)),
        "negotiating": _within(Project.negotiating_on, start, end),
        "signed": _within(Project.signed_on, start, end),
        "started": _within(Project.started_on, start, end),
        "building": _building(end),
        "producing": _within(Project.producing_on, start, end),
        "full_production": _within(Project.full_production_on, start, end),
        "landed": _within(Project.landed_on, start, end),
        "completed": _within(Project.completed_on, start, end),
        "in_database": _within(Project.in_database_on, start, end),
        "registered": _within(Project.registered_on, start, end),
        "above_scale": _within(Project.above_scale_on, start, end),
    }
    row: Any = uow.session.execute(
        select(*[func.coalesce(func.sum(case((c, 1), else_=0)), 0) for c in parts.values()])
        .select_from(Project).where(*f.conditions())).one()
    counts = {key: int(n) for key, n in zip(parts, row, strict=True)}
    return SevenBatches(year, as_of, counts=counts, **counts)


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


def broken_promises(uow: UnitOfWork, as_of: dt.date, filters: Filters | None = None, *,
                    project_id: int | None = None) -> list[BrokenPromise]:
    """Promises of live, not dropped projects due before ``as_of`` and not kept by it, most
    overdue first. 超时限未开工: no start on or before as-of and the agreed start date (else
    the planned start, 计划开工日期) earlier than as-of; a promise due on as-of itself is not
    yet broken."""
    f = filters or Filters()
    not_dropped = or_(Project.dropped_on.is_(None), Project.dropped_on > as_of)
    where = [Project.signed_on.is_not(None), Project.signed_on <= as_of, not_dropped,
             *f.conditions()]
    if project_id is not None:  # one project's (its detail panel)
        where.append(Project.id == project_id)
    judged = _judge(uow, where, as_of, planned_start=True)
    if not judged:
        return []
    names: dict[int, tuple[str, str, str]] = {
        pid: (name, company, owner or "") for pid, name, company, owner in uow.session.execute(
            select(Project.id, Project.name, Company.name, User.display_name)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(User, User.id == Project.owner_id)
            .where(Project.id.in_(list(judged))))}
    out = [BrokenPromise(pid, *names[pid], p.promise, p.due_on, (as_of - p.due_on).days,
                         p.detail)
           for pid, promises in judged.items() for p in promises
           if p.due_on < as_of and not p.done]
    return sorted(out, key=lambda b: (-b.days_overdue, b.project, b.promise))


# --- shared pieces --------------------------------------------------------------------------
def _money(value: Any) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


def _within(col: Any, start: dt.date, end: dt.date) -> ColumnElement[bool]:
    return and_(col.is_not(None), col >= start, col <= end)


def _built(day: dt.date) -> ColumnElement[bool]:
    """建成 on ``day``: 竣工, or 投产 (a producing project is built), on or before it."""
    return or_(and_(Project.completed_on.is_not(None), Project.completed_on <= day),
               and_(Project.producing_on.is_not(None), Project.producing_on <= day))


def _building(day: dt.date) -> ColumnElement[bool]:
    """在建 on ``day``: started on or before it, not yet 建成, not dropped by then."""
    return and_(Project.started_on.is_not(None), Project.started_on <= day,
                not_(_built(day)),
                or_(Project.dropped_on.is_(None), Project.dropped_on > day))


@dataclass(frozen=True)
class _Judged:
    promise: str  # 开工 | 投产 | 达产 | 投资强度
    due_on: dt.date
    kept: bool  # fulfilled on or before the due date
    done: bool  # fulfilled on or before as-of (late or not)
    detail: str


_PROMISE_COLS = ("agreed_start_on", "agreed_producing_on", "agreed_full_production_on",
                 "investment_intensity")


def _judge(uow: UnitOfWork, where: list[ColumnElement[bool]], as_of: dt.date, *,
           planned_start: bool = False) -> dict[int, list[_Judged]]:
    """Each promise of the projects matching ``where``, judged on ``as_of``.

    A promise comes from the latest live agreement (signed on or before as-of) that states
    it: a 正式合同 restating a 框架协议's date replaces it. With ``planned_start``, a project
    with no agreed start date is held to its 计划开工(开业)日期 (超时限未开工)."""
    has_promise = or_(*[getattr(Agreement, c).is_not(None) for c in _PROMISE_COLS])
    # From the few agreements that promise anything (ix_agreements_promised), not from every
    # signed project: 1.3 s → 0.1 s on 100k projects with none.
    chosen = set(uow.session.scalars(select(Project.id).where(
        *where, Project.id.in_(select(Agreement.project_id).where(has_promise)))))
    agreements: Any = uow.session.execute(
        select(Agreement.project_id, *[getattr(Agreement, c) for c in _PROMISE_COLS])
        .where(has_promise, Agreement.voided_at.is_(None), Agreement.signed_on <= as_of)
        .order_by(Agreement.project_id, Agreement.signed_on, Agreement.id)) if chosen else []
    promised: dict[int, dict[str, Any]] = defaultdict(dict)
    for pid, *values in agreements:
        if pid not in chosen:
            continue
        for col, value in zip(_PROMISE_COLS, values, strict=True):
            if value is not None:
                promised[pid][col] = value  # later agreements override earlier ones
    if planned_start:
        # only the plans already passed without a start (ix_projects_planned_start_live)
        for pid, day, kind in uow.session.execute(
                select(Project.id, Project.planned_start_on, Project.planned_start_kind)
                .where(*where, Project.planned_start_on.is_not(None),
                       Project.planned_start_on < as_of,
                       or_(Project.started_on.is_(None), Project.started_on > as_of))):
            promised[pid].setdefault("planned_start_on", day)
            promised[pid]["planned_start_kind"] = kind or "开工"
    if not promised:
        return {}
    facts: dict[int, Any] = {
        r.id: r for r in uow.session.execute(
            select(Project.id, Project.started_on, Project.producing_on,
                   Project.full_production_on, Project.land_mu)
            .where(Project.id.in_(list(promised))))}
    fixed: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    if any("investment_intensity" in p for p in promised.values()):
        for pid, day, amount in uow.session.execute(
                select(Funding.project_id, Funding.received_on, Funding.amount)
                .where(Funding.project_id.in_([k for k, p in promised.items()
                                               if "investment_intensity" in p]),
                       Funding.kind == "固定资产投资", Funding.received_on <= as_of)):
            fixed[pid].append((day, amount))
    out: dict[int, list[_Judged]] = {}
    for pid, p in promised.items():
        fact = facts[pid]
        judged: list[_Judged] = []
        start_due = p.get("agreed_start_on") or p.get("planned_start_on")
        for name, due, happened in (("开工", start_due, fact.started_on),
                                    ("投产", p.get("agreed_producing_on"), fact.producing_on),
                                    ("达产", p.get("agreed_full_production_on"),
                                     fact.full_production_on)):
            if due is None:
                continue
            done = happened is not None and happened <= as_of
            basis, word = "约定", name
            if name == "开工" and not p.get("agreed_start_on"):
                basis, word = "计划", p.get("planned_start_kind", "开工")
            detail = (f"{basis} {due} {word}，" +
                      (f"{happened} 才{word}" if done else f"至 {as_of} 未{word}"))
            judged.append(_Judged(name, due, done and happened <= due, done, detail))
        intensity = p.get("investment_intensity")
        due = p.get("agreed_producing_on")
        if intensity is not None and due is not None and fact.land_mu:
            need = intensity * fact.land_mu
            by_due = sum((a for d, a in fixed[pid] if d <= due), Decimal(0))
            by_now = sum((a for _, a in fixed[pid]), Decimal(0))
            judged.append(_Judged(
                "投资强度", due, by_due >= need, by_now >= need,
                f"约定投资强度 {intensity} 万元/亩 × {fact.land_mu} 亩 = {need} 万元固定资产投资，"
                f"至 {as_of} 到位 {by_now} 万元"))
        if judged:
            out[pid] = judged
    return out


# --- one object for `crm stats --json` ------------------------------------------------------
def _four(x: Decimal | None) -> float | None:
    return None if x is None else float(x.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def summary_json(uow: UnitOfWork, period: Period, as_of: dt.date,
                 filters: Filters | None = None) -> dict[str, Any]:
    """The assessment figures of a period as JSON keys (amounts in 亿元 as text, two
    decimals; USD in 万美元; rates as numbers with four decimals and as text). 七个一批 is for
    the calendar year of the period's end."""
    f = funds_received(uow, period, as_of, filters)
    m = milestone_rates(uow, period, as_of, filters)
    seven = seven_batches(uow, period.end.year, as_of, filters)
    return {
        "funds_year_yi": format_yi(f.total),
        "funds_year_by_origin_yi": {k: format_yi(v) for k, v in f.by_origin.items()},
        "funds_year_by_kind_yi": {k: format_yi(v) for k, v in f.by_kind.items()},
        "foreign_usd_wan": format(f.foreign_usd.normalize(), "f"),
        "fixed_asset_conversion": _four(f.conversion),
        "fixed_asset_conversion_text": f.conversion_text,
        "bands": {b.name: {"signed": b.signed, "started": b.started, "funded": b.funded}
                  for b in band_counts(uow, period, as_of, filters)},
        "tiers": {t.name: t.signed for t in tier_counts(uow, period, as_of, filters)},
        "start_complete_rate": _four(m.start_complete_rate),
        "start_complete_rate_text": format_rate(m.start_complete_rate),
        "producing_rate": _four(m.producing_rate),
        "producing_rate_text": format_rate(m.producing_rate),
        "fulfilment_rate": _four(m.fulfilment_rate),
        "fulfilment_rate_text": format_rate(m.fulfilment_rate),
        "seven_batches": seven.counts,
        "broken_promises": len(broken_promises(uow, as_of, filters)),
    }
