"""Writes of 设置: the organisation, industries, targets, accounts, remembered mappings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm.services import dictionaries, settings, users
from crm.services.dictionaries import NamedRow
from crm.services.users import UserRow
from ui.context import AppContext, op
from ui.ops import Task


def save_org_name(ctx: AppContext, name: str, *, parent: object,
                  done: Callable[[None], None] | None = None) -> Task:
    return ctx.write(op(settings.set_setting, ctx.actor, settings.ORG_NAME, name.strip()),
                     initiator=parent, done=done)


def remember_setting(ctx: AppContext, key: str, value: Any, *, parent: object) -> Task:
    """A setting everyone may write (e.g. the import wizard's column mapping)."""
    return ctx.write(op(settings.set_setting, ctx.actor, key, value), initiator=parent)


def add_industry(ctx: AppContext, name: str, *, parent: object,
                 done: Callable[[NamedRow], None] | None = None) -> Task:
    return ctx.write(op(dictionaries.add_industry, ctx.actor, name), initiator=parent,
                     done=done)


def rename_industry(ctx: AppContext, industry_id: int, name: str, *, parent: object) -> Task:
    return ctx.write(op(dictionaries.rename_industry, ctx.actor, industry_id, name),
                     initiator=parent)


def save_targets(ctx: AppContext, year: int, texts: dict[str, str], *, parent: object,
                 done: Callable[[int], None] | None = None) -> Task:
    """A year's targets as typed in the table; ``done(n)`` with how many changed."""
    return ctx.write(op(settings.set_targets, ctx.actor, year, texts), initiator=parent,
                     done=done)


def add_user(ctx: AppContext, login: str, role: str, display_name: str, password: str | None,
             *, parent: object, done: Callable[[UserRow], None] | None = None) -> Task:
    return ctx.write(op(users.create_user, ctx.actor, login, role, display_name=display_name,
                        password=password), initiator=parent, done=done)


def set_role(ctx: AppContext, user_id: int, role: str, active: bool, *, parent: object) -> Task:
    """Change an account's role, or switch it on or off."""
    return ctx.write(op(users.set_role, ctx.actor, user_id, role, active), initiator=parent)


def grant_login(ctx: AppContext, user_id: int, login: str, password: str, *, parent: object,
                done: Callable[[UserRow], None] | None = None) -> Task:
    return ctx.write(op(users.grant_login, ctx.actor, user_id, login, password),
                     initiator=parent, done=done)


def reset_password(ctx: AppContext, user_id: int, password: str, *, parent: object,
                   done: Callable[[None], None] | None = None) -> Task:
    return ctx.write(op(users.set_password, ctx.actor, user_id, password), initiator=parent,
                     done=done)
