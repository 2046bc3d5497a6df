"""The scorecard's schemes and targets (考核办法 and 考核目标): what an admin defines and a
manager sets, checked line by line; crm.services.scorecard scores them.

A scheme is for the bureau (``unit``) or for each staff member (``person``). Its lines:

- **score** items: an indicator of :data:`CATALOGUE`, a weight (points) and a cap (the highest
  completion that counts, e.g. 1.2 = 超额 20% still scores);
- **bonus** items (加分): points per counted item (e.g. per 世界500强 signing), up to a ceiling;
- **deduction** items (扣分): the same, taken off (e.g. per 超时限未开工 project).

Targets live in the one ``targets`` table (migration 0013): the year's (quarter 0 — the very
row the dashboard's 年度目标 shows) and the 时序目标 due by the end of quarters 1–3,
cumulative; ``scope`` says whether it is the bureau's or each person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import ScorecardItem, ScorecardScheme, Target
from crm.money import check_amount
from crm.services import settings
from crm.services.audit_fields import text as audit_text
from crm.services.common import Actor, audit
from crm.services.indicators import CATALOGUE, indicator

SCOPES = {"unit": "本单位", "person": "个人"}
KINDS = {"score": "考核指标", "bonus": "加分项", "deduction": "扣分项"}
QUARTERS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
ZERO = Decimal(0)


# --- the scheme -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemInput:
    """A scheme line as an admin defines it. Score: weight and cap; bonus/deduction: points
    per counted item and the ceiling (None: none)."""

    kind: str
    code: str
    label: str = ""
    weight: Decimal = ZERO
    cap: Decimal = Decimal(1)
    points_each: Decimal = ZERO
    points_max: Decimal | None = None


@dataclass(frozen=True)
class SchemeInput:
    year: int
    scope: str
    name: str
    basis: str = ""
    items: tuple[ItemInput, ...] = ()


@dataclass(frozen=True)
class ItemRow:
    id: int
    kind: str
    code: str
    label: str
    unit: str
    weight: Decimal
    cap: Decimal
    points_each: Decimal
    points_max: Decimal | None


@dataclass(frozen=True)
class SchemeRow:
    id: int
    year: int
    scope: str
    name: str
    basis: str
    items: tuple[ItemRow, ...]

    @property
    def full_marks(self) -> Decimal:
        """满分: the weights of the score items (bonus points come on top)."""
        return sum((i.weight for i in self.items if i.kind == "score"), ZERO)


def _item_row(item: ScorecardItem) -> ItemRow:
    spec = CATALOGUE.get(item.code)
    return ItemRow(item.id, item.kind, item.code, item.label or (spec.label if spec else item.code),
                   spec.unit if spec else "", item.weight, item.cap, item.points_each,
                   item.points_max)


def _scheme_row(s: ScorecardScheme) -> SchemeRow:
    return SchemeRow(s.id, s.year, s.scope, s.name, s.basis,
                     tuple(_item_row(i) for i in s.items))


def scheme(uow: UnitOfWork, year: int, scope: str = "unit") -> SchemeRow | None:
    found = uow.session.scalar(select(ScorecardScheme).where(ScorecardScheme.year == year,
                                                             ScorecardScheme.scope == scope))
    return _scheme_row(found) if found is not None else None


def _points(value: Decimal, label: str, field: str, *, positive: bool = True) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError(f"{label}必须是数字", code="scorecard.number", field=field)
    if value < 0 or (positive and value == 0):
        raise ValidationError(f"{label}必须大于 0", code="scorecard.positive", field=field)
    if value > 1000:
        raise ValidationError(f"{label}不能超过 1000", code="scorecard.range", field=field)
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationError(f"{label}最多四位小数", code="scorecard.precision", field=field)
    return value


def _check_item(n: int, item: ItemInput) -> ItemInput:
    where = f"第 {n} 项"
    if item.kind not in KINDS:
        raise ValidationError(f"{where}：类别应为考核指标、加分项或扣分项", code="scorecard.kind",
                              field="kind")
    spec = indicator(item.code)
    label = (item.label or "").strip()[:100]
    if item.kind == "score":
        _points(item.weight, f"{where}“{label or spec.label}”的分值", "weight")
        _points(item.cap, f"{where}“{label or spec.label}”的封顶系数", "cap")
        if item.cap < 1:
            raise ValidationError(f"{where}：封顶系数不能小于 1（1 即完成目标得满分为止）",
                                  code="scorecard.cap", field="cap")
        return ItemInput("score", item.code, label, item.weight, item.cap)
    if not spec.is_count:
        raise ValidationError(f"{where}：加分、扣分按个数计，“{spec.label}”不是个数",
                              code="scorecard.count", field="code")
    _points(item.points_each, f"{where}每个的分值", "points_each")
    if item.points_max is not None:
        _points(item.points_max, f"{where}的最高分", "points_max")
    return ItemInput(item.kind, item.code, label, points_each=item.points_each,
                     points_max=item.points_max)


def check_year(year: int) -> None:
    if not 1990 <= year <= 2100:
        raise ValidationError("年度超出范围", code="scorecard.year", field="year")


def check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValidationError("考核对象应为 unit（本单位）或 person（个人）",
                              code="scorecard.scope", field="scope")


def _describe(items: list[ItemInput] | tuple[ItemRow, ...]) -> str:
    """The lines in a sentence, for the audit log: 签约项目数 20分（完成率封顶 120%）…"""
    def n(x: Decimal) -> str:
        return format(x.normalize(), "f")
    lines = []
    for i in items:
        label = i.label or CATALOGUE[i.code].label
        if i.kind == "score":
            lines.append(f"{label} {n(i.weight)}分（完成率封顶 {n(i.cap * 100)}%）")
        else:
            top = f"，最高 {n(i.points_max)}分" if i.points_max is not None else ""
            sign = "+" if i.kind == "bonus" else "-"
            lines.append(f"{label} 每个{sign}{n(i.points_each)}分{top}")
    return "；".join(lines)


def save_scheme(uow: UnitOfWork, actor: Actor, data: SchemeInput) -> SchemeRow:
    """Create or replace the year's scheme for the unit or per person (every line checked
    before any is saved)."""
    permissions.require(uow, actor, "scorecard_schemes.save_scheme")
    check_year(data.year)
    check_scope(data.scope)
    name = (data.name or "").strip()
    if not name:
        raise ValidationError("请填写考核方案名称", code="scorecard.name", field="name")
    if len(name) > 200:
        raise ValidationError("考核方案名称不能超过200个字", code="scorecard.name", field="name")
    items = [_check_item(n, item) for n, item in enumerate(data.items, start=1)]
    row = uow.session.scalar(select(ScorecardScheme).where(ScorecardScheme.year == data.year,
                                                           ScorecardScheme.scope == data.scope))
    before = ("", "", "") if row is None else (row.name, row.basis,
                                               _describe(_scheme_row(row).items))
    if row is None:
        row = ScorecardScheme(year=data.year, scope=data.scope, name=name)
        uow.session.add(row)
    row.name, row.basis = name, (data.basis or "").strip()[:4000]
    row.items.clear()
    uow.session.flush()
    for position, item in enumerate(items):
        row.items.append(ScorecardItem(
            position=position, kind=item.kind, code=item.code, label=item.label,
            weight=item.weight, cap=item.cap, points_each=item.points_each,
            points_max=item.points_max))
    uow.session.flush()
    after = (row.name, row.basis, _describe(items))
    changes = [[key, old, new] for key, old, new in zip(("name", "basis", "items"), before, after,
                                                         strict=True) if old != new]
    if changes:
        audit(uow, actor, "scorecard", "scorecard", row.id, year=data.year, scope=data.scope,
              name=f"{data.year} {name}", changes=changes)
    return _scheme_row(row)


# --- targets --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetValue:
    code: str
    quarter: int  # 0: the year
    scope: str
    value: Decimal


def scheme_targets(uow: UnitOfWork, year: int, scope: str = "unit") -> list[TargetValue]:
    rows = uow.session.scalars(select(Target).where(Target.year == year, Target.scope == scope))
    return [TargetValue(t.metric, t.quarter, t.scope, t.value) for t in rows]


def set_target(uow: UnitOfWork, actor: Actor, year: int, code: str, value: Decimal | None,
               *, quarter: int = 0, scope: str = "unit") -> None:
    """Set (or with None clear) a target: the year's (quarter 0) or the 时序目标 due by the end
    of quarter 1–3, for the bureau or each person. The bureau's yearly target of a dashboard
    figure is the 年度目标 itself (settings.set_target)."""
    permissions.require(uow, actor, "scorecard_schemes.set_target")
    check_year(year)
    check_scope(scope)
    spec = indicator(code)
    if quarter not in (0, 1, 2, 3):
        raise ValidationError("季度应为 1–3（四季度即年度目标）", code="scorecard.quarter",
                              field="quarter")
    if value is not None and quarter == 0 and scope == "unit" and code in settings.TARGET_METRICS:
        settings.set_target(uow, actor, year, code, value)
        return
    if value is not None:
        money = spec.unit in ("万元", "万美元")
        check_amount(value, field="value", label="目标值", positive=True, money=money)
        if spec.is_count and value != value.to_integral_value():
            raise ValidationError(f"{spec.label}目标应为整数", code="target.whole", field="value")
        if spec.is_rate and value > 100:
            raise ValidationError(f"{spec.label}目标不能超过 100%", code="target.rate",
                                  field="value")
    row = uow.session.scalar(select(Target).where(
        Target.year == year, Target.metric == code, Target.quarter == quarter,
        Target.scope == scope))
    old = audit_text(row.value) if row is not None else ""
    if value is None:
        if row is not None:
            uow.session.delete(row)
    elif row is None:
        uow.session.add(Target(year=year, metric=code, quarter=quarter, scope=scope, value=value))
    else:
        row.value = value
    new = audit_text(value) if value is not None else ""
    if old != new:
        when = QUARTERS[quarter] + "时序目标" if quarter else "年度目标"
        who = "（每人）" if scope == "person" else ""
        audit(uow, actor, "target", "target", None, year=year, metric=code, quarter=quarter,
              scope=scope, name=f"{year} {spec.label}{who} {when}", changes=[["value", old, new]])


def set_targets(uow: UnitOfWork, actor: Actor, year: int, scope: str,
                texts: dict[tuple[str, int], str]) -> int:
    """Targets as typed in the scheme editor (``(code, quarter) → text``; an empty cell
    clears). Every value is checked before any is saved; returns how many changed."""
    permissions.require(uow, actor, "scorecard_schemes.set_targets")
    current = {(t.code, t.quarter): t.value for t in scheme_targets(uow, year, scope)}
    wanted: list[tuple[str, int, Decimal | None]] = []
    for (code, quarter), raw in texts.items():
        clean = (raw or "").strip().replace(",", "").replace("，", "")
        label = indicator(code).label
        value: Decimal | None = None
        if clean:
            try:
                value = Decimal(clean)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                raise ValidationError(f"“{label}”的目标值不是数字：{clean}",
                                      code="target.number", field=code)
        if current.get((code, quarter)) != value:
            wanted.append((code, quarter, value))
    for code, quarter, value in wanted:
        set_target(uow, actor, year, code, value, quarter=quarter, scope=scope)
    return len(wanted)


# --- the editor -----------------------------------------------------------------------------
def _decimal(text: str | None, label: str, field: str) -> Decimal | None:
    clean = (text or "").strip().replace(",", "").replace("，", "")
    if not clean:
        return None
    try:
        value = Decimal(clean)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ValidationError(f"{label}不是数字：{clean}", code="scorecard.number", field=field)
    return value


def item_from_texts(kind: str, code: str, label: str, weight: str = "", cap: str = "",
                    points_each: str = "", points_max: str = "") -> ItemInput:
    """A line as typed in the editor's table (empty cells: cap 1, no ceiling)."""
    name = label or (CATALOGUE[code].label if code in CATALOGUE else code)
    return ItemInput(kind, code, label,
                     _decimal(weight, f"“{name}”的分值", "weight") or ZERO,
                     _decimal(cap, f"“{name}”的封顶系数", "cap") or Decimal(1),
                     _decimal(points_each, f"“{name}”的每个计分", "points_each") or ZERO,
                     _decimal(points_max, f"“{name}”的最高分", "points_max"))


def save_scheme_with_targets(uow: UnitOfWork, actor: Actor, data: SchemeInput,
                             texts: dict[tuple[str, int], str]) -> SchemeRow:
    """The editor's save: the scheme and its targets in one transaction (all or nothing)."""
    permissions.require(uow, actor, "scorecard_schemes.save_scheme_with_targets")
    row = save_scheme(uow, actor, data)
    set_targets(uow, actor, data.year, data.scope, texts)
    return row
