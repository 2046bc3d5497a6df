"""Writes of a project's 考核 tab that are not forms (the forms: ui.dialogs.assessment_dialogs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crm.services import funds, tiers
from crm.services.tiers import TierRow
from ui.context import AppContext, op
from ui.ops import Task


def delete_receipt(ctx: AppContext, receipt_id: int, *, parent: object,
                   done: Callable[[None], None] | None = None) -> Task:
    """Remove a receipt recorded in error."""
    return ctx.write(op(funds.delete_receipt, ctx.actor, receipt_id), initiator=parent,
                     done=done)


def set_company_tiers(ctx: AppContext, company_id: int, tier_ids: Sequence[int], *,
                      parent: object, done: Callable[[list[TierRow]], None] | None = None
                      ) -> Task:
    """Replace a company's tier tags."""
    return ctx.write(op(tiers.set_company_tiers, ctx.actor, company_id, list(tier_ids)),
                     initiator=parent, done=done)


def add_tier(ctx: AppContext, name: str, *, parent: object,
             done: Callable[[TierRow], None] | None = None) -> Task:
    return ctx.write(op(tiers.add_tier, ctx.actor, name), initiator=parent, done=done)


def update_tier(ctx: AppContext, tier_id: int, name: str, active: bool, *, parent: object,
                done: Callable[[TierRow], None] | None = None) -> Task:
    return ctx.write(op(tiers.update_tier, ctx.actor, tier_id, name, active), initiator=parent,
                     done=done)
