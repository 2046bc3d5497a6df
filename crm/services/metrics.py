"""The figures of DESIGN §3. One function per figure; every screen, report and command uses them.

For a period [start, end] and an as-of date:
- signed: projects whose first signing date lies in the period and on or before as-of.
- started: those of signed with a start in the signing's calendar year, on or before as-of.
- start rate = started / signed; signed amount = their agreements (signed on or before as-of);
- 资金到位率 = their funds received on or before as-of / signed amount.

Each figure reads the whole months of its period from the rollup (crm.rollup, read through
crm.services.cells) and the rest from the rows (crm.services.figure_rows, the definition), so
that it costs the same at a thousand projects and at a million. ``cells.ENABLED = False``
reads everything from the rows: tests compare the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from crm import stages
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Ambassador, Event, Industry, Project, User
from crm.money import format_rate, format_yi, ratio
from crm.services import cells
from crm.services import figure_rows as rows_of
from crm.services.common import SOURCE_NAMES
from crm.services.pending import (
    PENDING_SCREEN,
    PendingRow,
    count_signed_not_started,
    signed_not_started,
)
from crm.services.periods import (  # noqa: F401
    PRESETS,
    Filters,
    Period,
    _signed_where,
    _started_expr,
    period_of,
    preset_period,
    previous_period,
    resolve_filters,
)
from crm.services.settings import TARGET_METRICS, targets


def _cells(uow: UnitOfWork, f: Filters) -> cells.Selection | None:
    return cells.selection(uow, f) if cells.ENABLED else None


# --- the start rate and its companions ------------------------------------------------------
@dataclass(frozen=True)
class StartRate:
    period: Period
    as_of: dt.date
    signed: int
    started: int
    signed_amount: Decimal  # 万元
    funds_received: Decimal  # 万元

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.started, self.signed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    @property
    def funds_rate(self) -> Decimal | None:
        return ratio(self.funds_received, self.signed_amount)

    @property
    def funds_rate_text(self) -> str:
        return format_rate(self.funds_rate)

    @property
    def signed_amount_yi(self) -> str:
        return format_yi(self.signed_amount)

    def to_json(self) -> dict[str, Any]:
        def four(x: Decimal | None) -> float | None:
            return None if x is None else float(x.quantize(Decimal("0.0001"), ROUND_HALF_UP))
        return {
            "period_from": self.period.start.isoformat(), "period_to": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(), "signed": self.signed, "started": self.started,
            "start_rate": four(self.rate), "start_rate_text": self.rate_text,
            "signed_amount_yi": self.signed_amount_yi,
            "signed_amount_wan": format(self.signed_amount.normalize(), "f"),
            "funds_received_yi": format_yi(self.funds_received),
            "funds_rate": four(self.funds_rate), "funds_rate_text": self.funds_rate_text,
        }


def start_rate(uow: UnitOfWork, period: Period, as_of: dt.date,
               filters: Filters | None = None) -> StartRate:
    """签约数, 开工数, 开工率, 签约金额 and 资金到位率 for the period (DESIGN §3)."""
    return StartRate(period, as_of, *_start_rate(uow, period, as_of, filters or Filters()))


def signed_and_started(uow: UnitOfWork, period: Period, as_of: dt.date,
                       filters: Filters | None = None) -> tuple[int, int]:
    """签约数 and 开工数 alone (what a drill-down counts)."""
    signed, started, _, _ = _start_rate(uow, period, as_of, filters or Filters(), money=False)
    return signed, started


def _start_rate(uow: UnitOfWork, period: Period, as_of: dt.date, f: Filters,
                money: bool = True) -> tuple[int, int, Decimal, Decimal]:
    sel = _cells(uow, f)
    if sel is None:
        reads = [(rows_of.start_rate_stmt(period, as_of, f, money=money), 1, 0)]
    else:
        # whole months from the cells, the cut ones and as-of's own from the rows: all in one
        # statement (each a read of a few hundred cells or rows; a round trip each cost more)
        sp = cells.split(period, as_of)
        reads = [(rows_of.start_rate_stmt(part, as_of, f, clamp=False, money=money), sign, 0)
                 for part, sign in sp.parts]
        if sp.full is not None:
            reads.append((cells.start_rate_stmt(sel, sp.months, sp.before, money), 1, 0))
            if sp.late is not None:
                since, until, sign = sp.late
                # no signing here: the starts, agreements and receipts dated then (from 开工数)
                reads.append((rows_of.dated_stmt(*sp.full, since, until, f, money), sign, 1))
    if not reads:
        return 0, 0, Decimal(0), Decimal(0)
    total: list[Any] = [0, 0, Decimal(0), Decimal(0)]
    for (_, sign, first), row in zip(reads, cells.together(uow, [r[0] for r in reads]),
                                     strict=True):
        for i, value in enumerate(row, start=first):
            total[i] += sign * (value or 0)
    return int(total[0]), int(total[1]), Decimal(total[2]), Decimal(total[3])


def figure_project_ids(uow: UnitOfWork, figure: str, period: Period, as_of: dt.date,
                       filters: Filters | None = None) -> list[int]:
    """The projects behind a figure: ``signed``, ``started`` or ``not_started``."""
    where = _signed_where(period, as_of, filters or Filters())
    if figure == "started":
        where.append(_started_expr(as_of))
    elif figure == "not_started":
        where.append(~_started_expr(as_of))
    elif figure != "signed":
        raise ValidationError(f"未知指标“{figure}”", code="figure.unknown")
    stmt = select(Project.id).where(*where).order_by(Project.signed_on, Project.id)
    return list(uow.session.scalars(stmt))


# --- funnel ---------------------------------------------------------------------------------
_REACHED = rows_of.REACHED


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    name: str
    reached: int
    conversion: Decimal | None  # of the previous step's projects, the share that got here

    @property
    def conversion_text(self) -> str:
        return format_rate(self.conversion)


def funnel(uow: UnitOfWork, period: Period, as_of: dt.date,
           filters: Filters | None = None) -> list[FunnelStep]:
    """Projects that reached each stage within the period (dropped ones included).

    The conversion into a stage follows a cohort: of the projects that reached the previous
    stage within the period, the share that reached this one by as-of. So it never exceeds
    100%, even when a project entered an earlier stage before the period began.
    """
    f = filters or Filters()
    sel = _cells(uow, f)
    if sel is None:
        reached, advanced = rows_of.funnel(uow, period.start, min(period.end, as_of), as_of, f)
    else:
        sp = cells.split(period, as_of)
        n = len(_REACHED)
        reached, advanced = [0] * n, [0] * n
        for part, sign in sp.parts:
            r, a = rows_of.funnel(uow, part.start, part.end, as_of, f)
            reached = [x + sign * y for x, y in zip(reached, r, strict=True)]
            advanced = [x + sign * y for x, y in zip(advanced, a, strict=True)]
        if sp.full is not None:
            kinds = list(_REACHED)
            whole = cells.totals(uow, sel, kinds, sp.months, by="kind")
            went = cells.totals(uow, sel, kinds, sp.months, before=sp.before, by="kind")
            late, sign = [0] * n, 0
            if sp.late is not None:
                since, until, sign = sp.late
                late = rows_of.funnel_dated(uow, *sp.full, since, until, f)
            for i, kind in enumerate(kinds):
                reached[i] += whole.get(kind, (0, 0))[0]
                if i + 1 < n:  # the last stage leads nowhere
                    advanced[i] += went.get(kind, (0, 0))[0] + sign * late[i]
    return [FunnelStep(code, stages.NAMES[code], reached[i],
                       None if i == 0 else ratio(advanced[i - 1], reached[i - 1]))
            for i, code in enumerate(_REACHED)]


# --- breakdowns -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BreakdownRow:
    key: int | str | None
    label: str
    signed: int
    started: int
    signed_amount: Decimal

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.started, self.signed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)


BREAKDOWNS = ("industry", "owner", "source", "ambassador", "event")


_BY: dict[str, Any] = {"industry": Project.industry_id, "owner": Project.owner_id,
                      "source": Project.source, "ambassador": Project.ambassador_id,
                      "event": Project.signing_event_id}


def breakdown(uow: UnitOfWork, by: str, period: Period, as_of: dt.date,
              filters: Filters | None = None) -> list[BreakdownRow]:
    """The start rate split by industry, owner, source, ambassador or event; largest first."""
    column = _BY.get(by)
    if column is None:
        raise ValidationError(f"未知分组“{by}”", code="breakdown.unknown")
    f = filters or Filters()
    sel = _cells(uow, f)
    if sel is None or sel.dim not in ("all", by):  # filtered on another dimension: the rows
        counts = rows_of.breakdown(uow, column, period, as_of, f)
    else:
        counts = _breakdown_cells(uow, by, cells.Selection(by, None if sel.dim == "all"
                                                           else sel.members),
                                  column, period, as_of, f)
    labels = _labels(uow, by, list(counts))
    rows = [BreakdownRow(k, labels.get(k, "（未填）") if k is not None else "（未填）", n, st,
                         am) for k, (n, st, am) in counts.items() if n or st or am]
    return sorted(rows, key=lambda r: (-r.signed, -r.signed_amount, r.label))


def _breakdown_cells(uow: UnitOfWork, by: str, sel: cells.Selection, column: Any,
                     period: Period, as_of: dt.date, f: Filters) -> dict[Any, list[Any]]:
    sp = cells.split(period, as_of)
    out: dict[Any, list[Any]] = {}

    def add(key: Any, n: int, st: int, am: Decimal) -> None:
        row = out.setdefault(key, [0, 0, Decimal(0)])
        row[0], row[1], row[2] = row[0] + n, row[1] + st, row[2] + am

    for part, sign in sp.parts:
        for k, (n, st, am) in rows_of.breakdown(uow, column, part, as_of, f,
                                                 clamp=False).items():
            add(k, sign * n, sign * st, sign * am)
    if sp.full is not None:
        months, before = sp.months, sp.before
        for member, (n, _) in cells.totals(uow, sel, ("signed",), months, by="member").items():
            add(cells.member_key(by, member), n, 0, Decimal(0))
        for member, (st, _) in cells.totals(uow, sel, ("signed",), months, before=before,
                                            same_year=True, by="member").items():
            add(cells.member_key(by, member), 0, st, Decimal(0))
        for member, (_, am) in cells.totals(uow, sel, ("amount",), months, before=before,
                                            by="member").items():
            add(cells.member_key(by, member), 0, 0, am)
        if sp.late is not None:
            since, until, sign = sp.late
            for k, (_, st, am) in rows_of.breakdown_dated(uow, column, *sp.full, since, until,
                                                          f).items():
                add(k, 0, sign * st, sign * am)
    return out


def _labels(uow: UnitOfWork, by: str, keys: Sequence[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if by == "source":
        return {k: SOURCE_NAMES.get(k, k) for k in ids}
    model: Any
    model, name = {"industry": (Industry, Industry.name), "owner": (User, User.display_name),
                   "ambassador": (Ambassador, Ambassador.name),
                   "event": (Event, Event.name)}[by]
    if not ids:
        return {}
    return dict(uow.session.execute(select(model.id, name).where(model.id.in_(ids))).all())


# --- by month -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    signed: int
    started: int

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def monthly(uow: UnitOfWork, period: Period, as_of: dt.date,
            filters: Filters | None = None) -> list[MonthRow]:
    """Signings and starts (of any signing year) in each month of the period."""
    f = filters or Filters()
    sel = _cells(uow, f)
    if sel is None:
        signed, started = rows_of.monthly(uow, period.start, min(period.end, as_of), f)
    else:
        sp = cells.split(period, as_of)
        signed, started = {}, {}
        if sp.full is not None:
            for target, kind in ((signed, "signed"), (started, "started")):
                for month, (n, _) in cells.totals(uow, sel, (kind,), sp.months,
                                                  by="month").items():
                    target[(month // 100, month % 100)] = n
        for part, sign in sp.parts:
            for target, counted in zip((signed, started),
                                       rows_of.monthly(uow, part.start, part.end, f),
                                       strict=True):
                for key, n in counted.items():
                    target[key] = target.get(key, 0) + sign * n
    rows: list[MonthRow] = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        rows.append(MonthRow(y, m, signed.get((y, m), 0), started.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


# --- targets --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetCompletion:
    metric: str
    label: str
    target: Decimal
    actual: Decimal

    @property
    def completion(self) -> Decimal | None:
        return ratio(self.actual, self.target)

    @property
    def completion_text(self) -> str:
        return format_rate(self.completion)


def target_completion(uow: UnitOfWork, year: int, as_of: dt.date,
                      filters: Filters | None = None) -> list[TargetCompletion]:
    """Actual against each yearly target set for ``year`` (completion = actual / target)."""
    goals = targets(uow, year)
    if not goals:
        return []
    whole = Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    figures = start_rate(uow, whole, as_of, filters)
    funds = received(uow, whole, as_of, filters)
    actual = {"signed_count": Decimal(figures.signed), "signed_amount": figures.signed_amount,
              "started_count": Decimal(figures.started),
              "start_rate": (figures.rate or Decimal(0)) * 100,
              "funds": funds, "industrial_investment": funds}
    return [TargetCompletion(g.metric, TARGET_METRICS.get(g.metric, g.metric), g.value,
                             actual.get(g.metric, Decimal(0))) for g in goals]


def received(uow: UnitOfWork, period: Period, as_of: dt.date,
             filters: Filters | None = None) -> Decimal:
    """Receipts dated in the period up to as-of, on any live project (当年实际到位资金)."""
    f = filters or Filters()
    sel = _cells(uow, f)
    if sel is None:
        return rows_of.receipts(uow, period.start, min(period.end, as_of), f)
    sp = cells.split(period, as_of)
    total = sum((sign * rows_of.receipts(uow, p.start, p.end, f) for p, sign in sp.parts),
                Decimal(0))
    if sp.full is not None:
        total += cells.total(uow, sel, "receipts", sp.months)[1]
    return total


@dataclass(frozen=True)
class Dashboard:
    """Everything the 工作台 shows, read in one unit of work."""

    figures: StartRate
    previous: StartRate
    funnel: list[FunnelStep]
    monthly: list[MonthRow]
    by_industry: list[BreakdownRow]
    pending: list[PendingRow]  # the first PENDING_SCREEN of them
    targets: list[TargetCompletion] = field(default_factory=list)
    pending_count: int = 0  # all of them


def dashboard(uow: UnitOfWork, period: Period, as_of: dt.date,
              filters: Filters | None = None) -> Dashboard:
    return Dashboard(
        figures=start_rate(uow, period, as_of, filters),
        previous=start_rate(uow, previous_period(period), as_of, filters),
        funnel=funnel(uow, period, as_of, filters),
        monthly=monthly(uow, period, as_of, filters),
        by_industry=breakdown(uow, "industry", period, as_of, filters),
        pending=signed_not_started(uow, period, as_of, filters, limit=PENDING_SCREEN),
        targets=target_completion(uow, period.end.year, as_of, filters),
        pending_count=count_signed_not_started(uow, period, as_of, filters))
