"""工作台 and the window's chrome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm.db import UnitOfWork
from crm.services import follow_up_list, metrics, projects, settings
from crm.services.follow_up_list import FollowUps
from crm.services.forecast import Forecast, forecast, planned_starts
from crm.services.metrics import Dashboard, Period


@dataclass(frozen=True)
class DashboardData:
    board: Dashboard
    follow_ups: FollowUps
    project_count: int  # 0 when there is no project yet (else 1: not counted)
    forecast: Forecast | None = None  # 按计划年底开工率, 还需开工 and the 冲刺清单
    planned: dict[int, dt.date] = field(default_factory=dict)  # 签约未开工's planned starts


def read_dashboard(uow: UnitOfWork, period: Period, as_of: dt.date,
                   follow_user_id: int | None) -> DashboardData:
    """Everything the 工作台 shows: the figures of §3, today's follow-ups (a staff member's
    own; everyone's for a manager) and whether there is any project at all."""
    board = metrics.dashboard(uow, period, as_of)
    return DashboardData(board,
                         follow_up_list.follow_ups(uow, as_of, user_id=follow_user_id, days_ahead=0,
                                             limit=follow_up_list.FOLLOW_SCREEN),
                         _any_project(uow), forecast(uow, period, as_of),
                         planned_starts(uow, [p.project_id for p in board.pending]))


def _any_project(uow: UnitOfWork) -> int:
    """1 when there is a live project, else 0: the 工作台 only asks whether there is any
    (counting a province's million would cost it 100 ms)."""
    return len(projects.project_ids(uow, projects.ProjectQuery(), limit=1))


@dataclass(frozen=True)
class PendingScreen:
    """More of 签约未开工, as the 工作台 reads it on scroll."""

    rows: list[metrics.PendingRow]
    planned: dict[int, dt.date]


def read_pending(uow: UnitOfWork, period: Period, as_of: dt.date, offset: int) -> PendingScreen:
    """The next screen of the 工作台's 签约未开工 (from row ``offset``) with its planned starts."""
    rows = metrics.signed_not_started(uow, period, as_of, offset=offset,
                                      limit=metrics.PENDING_SCREEN)
    return PendingScreen(rows, planned_starts(uow, [p.project_id for p in rows]))


@dataclass(frozen=True)
class Chrome:
    """What the window's frame shows around the pages."""

    org_name: str
    follow_ups: FollowUps


def read_chrome(uow: UnitOfWork, today: dt.date, user_id: int | None) -> Chrome:
    return Chrome(settings.org_name(uow),
                  follow_up_list.follow_ups(uow, today, user_id=user_id, days_ahead=0, limit=0))
