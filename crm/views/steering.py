"""What the 冲刺 and 提醒 pages and the navigation rail's alert count show, read in one unit of
work each (the figures themselves are crm.services.forecast, alerts, snapshots and trend)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.db import UnitOfWork
from crm.services import alerts, snapshots, trend
from crm.services.alerts import Alerts
from crm.services.common import Actor
from crm.services.forecast import Forecast, forecast
from crm.services.metrics import Period
from crm.services.snapshots import SnapshotRow
from crm.services.trend import Lag, TrendPoint


@dataclass(frozen=True)
class SteeringData:
    """The 冲刺 page: the year-end forecast and the 冲刺清单, the trend of the period's end
    year, the lag of the period's signings, and the snapshots taken."""

    forecast: Forecast
    trend: list[TrendPoint]
    lag: Lag
    snapshots: list[SnapshotRow]


def read_steering(uow: UnitOfWork, period: Period, as_of: dt.date) -> SteeringData:
    return SteeringData(forecast(uow, period, as_of),
                        trend.trend(uow, period.end.year, as_of),
                        trend.lag(uow, period, as_of),
                        snapshots.list_snapshots(uow))


def read_alerts(uow: UnitOfWork, actor: Actor, today: dt.date) -> Alerts:
    """The 提醒 page: a staff member's own alerts, a manager's everyone's."""
    return alerts.alerts_for(uow, actor, today)


def alert_count(uow: UnitOfWork, actor: Actor, today: dt.date) -> int:
    """The number beside 提醒 on the navigation rail: projects with an alert (one's own; a
    manager's, everyone's)."""
    if actor.is_manager:
        return alerts.alerted_projects(uow, today)
    if actor.user_id is None:
        return 0
    return alerts.alerted_projects(uow, today, (actor.user_id,))
