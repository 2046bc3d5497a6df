"""Writes of the 冲刺 and 提醒 pages: freeze a 月报, set the alert thresholds."""

from __future__ import annotations

from collections.abc import Callable

from crm.services import alerts, snapshots
from crm.services.alerts import Thresholds
from crm.services.snapshots import SnapshotRow
from ui.context import AppContext, op
from ui.ops import Task


def take_snapshot(ctx: AppContext, month: str, *, parent: object,
                  done: Callable[[SnapshotRow], None] | None = None) -> Task:
    """Freeze the 月报 of ``month`` (YYYY-MM), as the signed-in manager."""
    return ctx.write(op(snapshots.take_snapshot, ctx.actor, month), initiator=parent, done=done)


def set_thresholds(ctx: AppContext, signed_days: int, quiet_days: int, *, parent: object,
                   done: Callable[[Thresholds], None] | None = None) -> Task:
    return ctx.write(op(alerts.set_thresholds, ctx.actor, signed_days, quiet_days),
                     initiator=parent, done=done)
