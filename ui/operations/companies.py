"""Writes of the 企业 page and the 接洽记录 page."""

from __future__ import annotations

from crm.services import companies, contacts
from ui.context import AppContext, op
from ui.ops import Task


def remove_contact(ctx: AppContext, contact_id: int, *, parent: object) -> Task:
    """Remove one of a company's contacts (联系人)."""
    return ctx.write(op(companies.remove_contact, ctx.actor, contact_id), initiator=parent)


def complete_follow_up(ctx: AppContext, log_id: int, *, parent: object) -> Task:
    """Mark a contact log's follow-up as done."""
    return ctx.write(op(contacts.complete_follow_up, ctx.actor, log_id), initiator=parent)
