"""Writes of the 企业 page and the 接洽记录 page."""

from __future__ import annotations

from crm.services import companies, contacts, duplicates, merge
from ui.context import AppContext, op
from ui.ops import Task


def remove_contact(ctx: AppContext, contact_id: int, *, parent: object) -> Task:
    """Remove one of a company's contacts (联系人)."""
    return ctx.write(op(companies.remove_contact, ctx.actor, contact_id), initiator=parent)


def complete_follow_up(ctx: AppContext, log_id: int, *, parent: object) -> Task:
    """Mark a contact log's follow-up as done."""
    return ctx.write(op(contacts.complete_follow_up, ctx.actor, log_id), initiator=parent)


def merge_companies(ctx: AppContext, survivor_id: int, merged_id: int, *,
                    parent: object) -> Task:
    """Merge a company into another (managers): its records move, its name becomes 曾用名."""
    return ctx.write(op(merge.merge_companies, ctx.actor, survivor_id, merged_id),
                     initiator=parent)


def undo_merge(ctx: AppContext, audit_id: int, *, parent: object) -> Task:
    """Undo the merge recorded as audit entry ``audit_id`` (refused when unsafe, saying why)."""
    return ctx.write(op(merge.undo_merge, ctx.actor, audit_id), initiator=parent)


def dismiss_pair(ctx: AppContext, company_a: int, company_b: int, *, parent: object) -> Task:
    """Two suspected companies are different ones: not listed as 疑似重复 again."""
    return ctx.write(op(duplicates.dismiss_pair, ctx.actor, company_a, company_b),
                     initiator=parent)
