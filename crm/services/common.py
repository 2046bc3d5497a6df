"""What every service shares: who is acting, permissions, audit, lookups."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, Select, or_, select
from sqlalchemy.orm import Session

from crm import clock
from crm.db import UnitOfWork
from crm.errors import NotFoundError, ValidationError
from crm.models import AuditEntry, Base
from crm.text import ESC, contains, normalize

ROLES = ("staff", "manager", "admin")
ROLE_NAMES = {"staff": "招商专员", "manager": "管理者", "admin": "管理员"}
# What a user is told when someone else saved the record first (nothing of theirs was saved).
RELOAD = "您的修改未保存：请关闭后重新打开，在最新内容上再修改"
SOURCES = ("ambassador", "event", "self", "referral")
SOURCE_NAMES = {"ambassador": "招商大使", "event": "活动", "self": "自主", "referral": "以商招商"}

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Actor:
    """Who performs an operation. ``user_id`` is None for the command line's system account."""

    user_id: int | None
    role: str
    name: str = "系统"

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


SYSTEM = Actor(user_id=None, role="admin", name="系统")


def os_user_name() -> str:
    """The operating-system account running this process."""
    try:
        return getpass.getuser()
    except Exception:  # no such user in the password database, no environment variable
        return os.environ.get("USERNAME") or os.environ.get("USER") or "未知用户"


def command_line_actor() -> Actor:
    """Who a command-line change without ``--user`` is: whoever runs it on this computer, with
    the rights of the database's owner, and recorded under the operating-system user's name
    so that every change can be traced to a person, never to an anonymous 系统."""
    return Actor(user_id=None, role="admin", name=f"{os_user_name()}（命令行）"[:64])


def get_or_404(session: Session, model: type[M], ident: int | None, label: str) -> M:
    obj = session.get(model, ident) if ident is not None else None
    if obj is None:
        raise NotFoundError(f"{label}不存在（编号 {ident}）", code=f"{model.__tablename__}.missing")
    return obj


def audit(uow: UnitOfWork, actor: Actor, action: str, entity: str, entity_id: int | None,
          *, changes: list[list[str]] | None = None, **detail: Any) -> None:
    """Record a write in the audit log, inside the caller's transaction.

    Args:
        entity, entity_id: the record whose history shows the entry (an agreement is on its
            project's, a contact on its company's).
        changes: each changed field as ``[key, old, new]`` (see crm.services.audit_fields).
        detail: what else a reader needs, e.g. ``name`` (the record's name at the time).
    """
    if changes:
        detail["changes"] = changes
    uow.session.add(AuditEntry(user_id=actor.user_id, actor_name=actor.name[:64],
                               action=action, entity=entity, entity_id=entity_id,
                               detail=json.dumps(detail, ensure_ascii=False, default=str)))


def required_text(value: str | None, label: str, field: str, max_len: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"请填写{label}", code=f"{field}.required", field=field)
    if len(text) > max_len:
        raise ValidationError(f"{label}不能超过{max_len}个字", code=f"{field}.length", field=field)
    return text


def optional_text(value: str | None, max_len: int = 2000) -> str:
    return (value or "").strip()[:max_len]


def check_date(value: object, label: str, field: str, *, required: bool = True,
               past: bool = False) -> dt.date | None:
    """A date within 1990–2100; with ``past``, also not after today (a milestone, money
    received: things that have happened), as :func:`crm.clock.today` gives it."""
    if value is None:
        if required:
            raise ValidationError(f"请填写{label}", code=f"{field}.required", field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise ValidationError(f"{label}不是有效日期", code=f"{field}.format", field=field)
    if not dt.date(1990, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValidationError(f"{label}超出合理范围（1990–2100）", code=f"{field}.range",
                              field=field)
    if past and value > (today := clock.today()):
        raise ValidationError(f"{label} {value} 晚于今天（{today}），不能登记尚未发生的事",
                              code=f"{field}.future", field=field)
    return value


def resolve_ids(session: Session, model: type[Any], name_col: Any, text: str | int,
                label: str) -> list[int]:
    """Ids matching an id or a part of the name (case- and width-insensitive; ``%`` and ``_``
    are themselves)."""
    raw = str(text).strip()
    if raw.isdigit() and session.get(model, int(raw)) is not None:
        return [int(raw)]
    ids: list[int] = list(session.scalars(select(model.id).where(or_(
        name_col.ilike(contains(normalize(raw)), escape=ESC),
        name_col.ilike(contains(raw), escape=ESC)))))
    if not ids:
        raise NotFoundError(f"找不到{label}“{raw}”", code=f"{model.__tablename__}.missing")
    return ids


_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date_text(text: str, label: str = "日期") -> dt.date:
    """Parse ``YYYY-MM-DD`` (command line and settings), nothing else: Python 3.11's
    ``date.fromisoformat`` also takes ISO week dates (2025-W24-4), ordinal dates (2025-163) and
    20250612, which a person typing a date never means."""
    clean = text.strip() if isinstance(text, str) else ""
    if not _YMD.fullmatch(clean):
        raise ValidationError(f"{label}“{text}”格式错误，应为 YYYY-MM-DD（如 2025-06-12）",
                              code="date.format")
    try:
        return dt.date.fromisoformat(clean)
    except ValueError as exc:
        raise ValidationError(f"{label}“{text}”不是有效日期，应为 YYYY-MM-DD（如 2025-06-12）",
                              code="date.invalid") from exc


def first_column(uow: UnitOfWork, stmt: Select[Any] | CompoundSelect) -> list[Any]:
    """The first value of every row, taken from the driver's cursor: for 100k ids SQLAlchemy's
    row objects cost more than the query itself (70 ms against 31 ms on SQLite, 137 against
    97 ms on PostgreSQL). Only for columns the driver already returns as they are (ids)."""
    uow.session.flush()  # what the session's own queries would see
    result = uow.session.connection().execute(stmt)
    try:
        return [row[0] for row in result.cursor.fetchall()]
    finally:
        result.close()
