"""招商活动: events and the signings credited to them (computed, never typed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from crm import permissions
from crm.db import UnitOfWork
from crm.models import Event
from crm.money import format_yi
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    Actor,
    audit,
    check_date,
    get_or_404,
    optional_text,
    required_text,
)
from crm.services.metrics import Period, breakdown

ALL_TIME = Period(dt.date(1990, 1, 1), dt.date(2100, 12, 31))


@dataclass(frozen=True)
class EventInput:
    name: str
    held_on: dt.date
    city: str = ""
    theme: str = ""
    note: str = ""


@dataclass(frozen=True)
class EventRow:
    id: int
    name: str
    held_on: dt.date
    city: str
    theme: str
    note: str
    signings: int
    signed_amount: Decimal  # 万元
    started: int

    @property
    def signed_amount_yi(self) -> str:
        return format_yi(self.signed_amount)


def add_event(uow: UnitOfWork, actor: Actor, data: EventInput) -> EventRow:
    permissions.require(uow, actor, "events.add_event")
    name = required_text(data.name, "活动名称", "name")
    check_date(data.held_on, "活动日期", "held_on")
    event = Event(name=name, held_on=data.held_on, city=optional_text(data.city, 64),
                  theme=optional_text(data.theme, 200), note=optional_text(data.note))
    uow.session.add(event)
    uow.session.flush()
    audit(uow, actor, "create", "event", event.id, name=name,
          changes=diff({}, snapshot(uow.session, "event", event)))
    return get_event(uow, event.id, dt.date.today())


def update_event(uow: UnitOfWork, actor: Actor, event_id: int, data: EventInput) -> EventRow:
    permissions.require(uow, actor, "events.update_event")
    event = get_or_404(uow.session, Event, event_id, "招商活动")
    before = snapshot(uow.session, "event", event)
    event.name = required_text(data.name, "活动名称", "name")
    event.held_on = check_date(data.held_on, "活动日期", "held_on") or event.held_on
    event.city, event.theme = optional_text(data.city, 64), optional_text(data.theme, 200)
    event.note = optional_text(data.note)
    changes = diff(before, snapshot(uow.session, "event", event))
    if changes:
        audit(uow, actor, "update", "event", event.id, name=event.name, changes=changes)
    return get_event(uow, event.id, dt.date.today())


def list_events(uow: UnitOfWork, as_of: dt.date) -> list[EventRow]:
    """Events, newest first, each with the projects first signed there."""
    results = {r.key: r for r in breakdown(uow, "event", ALL_TIME, as_of)}
    out = []
    for e in uow.session.scalars(select(Event).order_by(Event.held_on.desc(), Event.id)):
        r = results.get(e.id)
        out.append(EventRow(e.id, e.name, e.held_on, e.city, e.theme, e.note,
                            r.signed if r else 0, r.signed_amount if r else Decimal(0),
                            r.started if r else 0))
    return out


def get_event(uow: UnitOfWork, event_id: int, as_of: dt.date) -> EventRow:
    get_or_404(uow.session, Event, event_id, "招商活动")
    return next(e for e in list_events(uow, as_of) if e.id == event_id)
