"""Settings kept in the database (shared by everyone using it) and yearly targets."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Setting, Target
from crm.money import check_amount
from crm.services.audit_fields import text as audit_text
from crm.services.common import Actor, audit

ORG_NAME = "org_name"
DASHBOARD_PERIOD = "dashboard_period"
IMPORT_MAPPING_PREFIX = "excel.mapping."
TARGET_METRICS = {
    "signed_count": "签约数",
    "signed_amount": "签约金额(万元)",
    "started_count": "开工数",
    "start_rate": "开工率(%)",
    "funds": "到位资金(万元)",
    "industrial_investment": "工业投资(万元)",
}
COUNT_METRICS = ("signed_count", "started_count")


def get_setting(uow: UnitOfWork, key: str, default: Any = None) -> Any:
    row = uow.session.get(Setting, key)
    if row is None:
        return default
    try:
        return json.loads(row.value)
    except ValueError:
        return default


def set_setting(uow: UnitOfWork, actor: Actor, key: str, value: Any) -> None:
    """Store a setting; the organisation name is the admin's, the dashboard period and the
    import wizard's remembered column mappings (``excel.mapping.*``) anyone's."""
    personal = key == DASHBOARD_PERIOD or key.startswith(IMPORT_MAPPING_PREFIX)
    permissions.require(uow, actor, "settings.personal" if personal else "settings.set_setting")
    _store(uow, actor, key, value)


def _store(uow: UnitOfWork, actor: Actor, key: str, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, default=str)
    row = uow.session.get(Setting, key)
    old = row.value if row is not None else ""
    if row is None:
        uow.session.add(Setting(key=key, value=text))
    else:
        row.value = text
    if key != DASHBOARD_PERIOD and old != text:
        shown = audit_text(json.loads(old)) if old else ""
        audit(uow, actor, "setting", "setting", None, key=key, name=key,
              changes=[["value", shown, audit_text(value)]])


def org_name(uow: UnitOfWork) -> str:
    return str(get_setting(uow, ORG_NAME, "") or "招商局")


@dataclass(frozen=True)
class PeriodChoice:
    """The period a dashboard shows: a preset name (本月 …) or custom, with its dates."""

    preset: str
    start: dt.date
    end: dt.date


def dashboard_period(uow: UnitOfWork) -> PeriodChoice | None:
    """The database's default period (the demo sets the article's); each user's own choice is
    a preference on their computer (:func:`period_from_json`)."""
    return period_from_json(get_setting(uow, DASHBOARD_PERIOD))


def period_to_json(choice: PeriodChoice) -> dict[str, str]:
    return {"preset": choice.preset, "from": choice.start.isoformat(),
            "to": choice.end.isoformat()}


def period_from_json(value: Any) -> PeriodChoice | None:
    if not isinstance(value, dict):
        return None
    try:
        return PeriodChoice(str(value.get("preset", "custom")),
                            dt.date.fromisoformat(value["from"]), dt.date.fromisoformat(value["to"]))
    except (KeyError, TypeError, ValueError):
        return None


def set_dashboard_period(uow: UnitOfWork, actor: Actor, choice: PeriodChoice) -> None:
    if choice.end < choice.start:
        raise ValidationError("结束日期不能早于开始日期", code="period.order")
    permissions.require(uow, actor, "settings.set_dashboard_period")
    _store(uow, actor, DASHBOARD_PERIOD, {"preset": choice.preset,
                                                "from": choice.start.isoformat(),
                                                "to": choice.end.isoformat()})


@dataclass(frozen=True)
class TargetRow:
    year: int
    metric: str
    label: str
    value: Decimal


def set_target(uow: UnitOfWork, actor: Actor, year: int, metric: str, value: Decimal) -> TargetRow:
    permissions.require(uow, actor, "settings.set_target")
    if metric not in TARGET_METRICS:
        raise ValidationError(f"未知指标“{metric}”", code="target.metric", field="metric")
    if not 1990 <= year <= 2100:
        raise ValidationError("年度超出范围", code="target.year", field="year")
    # Zero is no target (its completion would be a division by zero): leave the cell empty.
    check_amount(value, field="value", label="目标值", positive=True,
                 money=metric not in (*COUNT_METRICS, "start_rate"))
    if metric in COUNT_METRICS and value != value.to_integral_value():
        raise ValidationError(f"{TARGET_METRICS[metric]}目标应为整数", code="target.whole",
                              field="value")
    if metric == "start_rate" and value > 100:
        raise ValidationError("开工率目标不能超过 100%", code="target.rate", field="value")
    row = uow.session.scalar(select(Target).where(*_yearly(year), Target.metric == metric))
    old = audit_text(row.value) if row is not None else ""
    if row is None:
        row = Target(year=year, metric=metric, value=value)
        uow.session.add(row)
    else:
        row.value = value
    if old != audit_text(value):
        audit(uow, actor, "target", "target", None, year=year, metric=metric,
              name=f"{year} {TARGET_METRICS[metric]}", changes=[["value", old, audit_text(value)]])
    return TargetRow(year, metric, TARGET_METRICS[metric], value)



def set_targets(uow: UnitOfWork, actor: Actor, year: int, texts: dict[str, str]) -> int:
    """Save a year's targets as typed in the table (``metric → text``; an empty cell is left
    as it is). Every value is checked before any is saved; returns how many changed."""
    permissions.require(uow, actor, "settings.set_targets")
    current = {t.metric: t.value for t in targets(uow, year)}
    wanted: list[tuple[str, Decimal]] = []
    for metric, raw in texts.items():
        text = (raw or "").strip().replace(",", "").replace("，", "")
        if not text:
            continue
        label = TARGET_METRICS.get(metric, metric)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"“{label}”的目标值不是数字：{text}", code="target.number",
                                  field=metric) from None
        if not value.is_finite():
            raise ValidationError(f"“{label}”的目标值不是数字：{text}", code="target.number",
                                  field=metric)
        if current.get(metric) != value:
            wanted.append((metric, value))
    for metric, value in wanted:
        set_target(uow, actor, year, metric, value)
    return len(wanted)

def _yearly(year: int) -> tuple[Any, ...]:
    """The bureau's targets for the whole year: the rows 年度目标 shows and edits (the
    scorecard's quarterly and per-person rows share the table, crm.services.scorecard_schemes)."""
    return Target.year == year, Target.quarter == 0, Target.scope == "unit"


def targets(uow: UnitOfWork, year: int) -> list[TargetRow]:
    rows = uow.session.scalars(select(Target).where(*_yearly(year)))
    order = list(TARGET_METRICS)
    return sorted((TargetRow(t.year, t.metric, TARGET_METRICS.get(t.metric, t.metric), t.value)
                   for t in rows), key=lambda t: order.index(t.metric)
                  if t.metric in order else 99)
