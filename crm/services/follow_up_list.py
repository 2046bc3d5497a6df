"""Open follow-ups (跟进): the logs whose next contact is due, overdue first, by due date; the
工作台's and the 接洽记录 page's lists, read a screen at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select

from crm.db import UnitOfWork
from crm.models import ContactLog
from crm.services.contacts import LogRow, _row, _select

FOLLOW_SCREEN = 200  # rows of open follow-ups read at once; more on scroll


@dataclass(frozen=True)
class FollowUps:
    """Open follow-ups by when they are due: the rows (the first screen of them when read
    with a limit, in due order) and how many there are in all."""

    overdue: tuple[LogRow, ...]
    today: tuple[LogRow, ...]
    upcoming: tuple[LogRow, ...]
    overdue_count: int = -1  # -1: as many as the rows
    today_count: int = -1
    upcoming_count: int = -1

    def __post_init__(self) -> None:
        for name in ("overdue", "today", "upcoming"):
            if getattr(self, f"{name}_count") < 0:
                object.__setattr__(self, f"{name}_count", len(getattr(self, name)))

    @property
    def total(self) -> int:
        return self.overdue_count + self.today_count + self.upcoming_count


def _open_follow_ups(stmt: Select[Any], until: dt.date, user_id: int | None) -> Select[Any]:
    # one range of ix_contact_logs_follow_up (follow_up_done, follow_up_on): in due order
    stmt = stmt.where(ContactLog.follow_up_done.is_(False), ContactLog.follow_up_on.is_not(None),
                      ContactLog.follow_up_on <= until)
    return stmt if user_id is None else stmt.where(ContactLog.user_id == user_id)


def follow_ups(uow: UnitOfWork, today: dt.date, *, user_id: int | None = None,
               days_ahead: int = 7, limit: int | None = None) -> FollowUps:
    """Open follow-ups: overdue (before today), due today, and due within ``days_ahead``.
    With ``limit``, only the first ``limit`` rows in due order and the counts (a province's
    million logs hold a hundred thousand open ones); ``follow_up_page`` reads on."""
    until = today + dt.timedelta(days=days_ahead)
    stmt = _open_follow_ups(_select(), until, user_id).order_by(ContactLog.follow_up_on,
                                                                 ContactLog.id).limit(limit)
    rows = [_row(r) for r in uow.session.execute(stmt)]
    counts = (-1, -1, -1)
    if limit is not None:
        when = case((ContactLog.follow_up_on < today, 0), (ContactLog.follow_up_on == today, 1),
                    else_=2)
        grouped: Any = uow.session.execute(_open_follow_ups(
            select(when, func.count()), until, user_id).group_by(when))
        found = {int(k): int(n) for k, n in grouped}
        counts = (found.get(0, 0), found.get(1, 0), found.get(2, 0))
    return FollowUps(
        overdue=tuple(r for r in rows if r.follow_up_on and r.follow_up_on < today),
        today=tuple(r for r in rows if r.follow_up_on == today),
        upcoming=tuple(r for r in rows if r.follow_up_on and r.follow_up_on > today),
        overdue_count=counts[0], today_count=counts[1], upcoming_count=counts[2])


def follow_up_page(uow: UnitOfWork, today: dt.date, offset: int, *, user_id: int | None = None,
                   days_ahead: int = 7) -> list[LogRow]:
    """The next :data:`FOLLOW_SCREEN` open follow-ups in due order from row ``offset`` (the
    rows ``follow_ups`` returned with a limit, then these)."""
    stmt = (_open_follow_ups(_select(), today + dt.timedelta(days=days_ahead), user_id)
            .order_by(ContactLog.follow_up_on, ContactLog.id).offset(offset)
            .limit(FOLLOW_SCREEN))
    return [_row(r) for r in uow.session.execute(stmt)]
