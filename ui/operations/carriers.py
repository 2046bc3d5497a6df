"""Writes of the 载体 page and a project's 推荐载体 (placing is a form: ui.dialogs.place_dialog)."""

from __future__ import annotations

from collections.abc import Callable

from crm.services import carriers
from crm.services.carriers import PlacementRow
from ui.context import AppContext, op
from ui.ops import Task


def release_placement(ctx: AppContext, placement_id: int, reason: str, *, parent: object,
                      done: Callable[[PlacementRow], None] | None = None) -> Task:
    """Give back the space a placement holds (today)."""
    return ctx.write(op(carriers.release, ctx.actor, placement_id, None, reason),
                     initiator=parent, done=done)
