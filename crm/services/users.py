"""User accounts, roles and passwords (argon2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from crm.db import UnitOfWork
from crm.errors import PermissionDenied, ValidationError
from crm.models import User
from crm.services.common import ROLES, Actor, audit, get_or_404, require_admin, required_text
from crm.text import normalize, sort_key

_hasher = PasswordHasher()
LOGIN_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    display_name: str
    role: str
    active: bool

    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.display_name)


def _row(u: User) -> UserRow:
    return UserRow(u.id, u.login, u.display_name, u.role, u.active)


def _check_password(password: str) -> None:
    if len(password) < 6:
        raise ValidationError("密码至少 6 位", code="password.short", field="password")


def create_user(uow: UnitOfWork, actor: Actor, login: str, role: str, *,
                display_name: str = "", password: str | None = None) -> UserRow:
    require_admin(actor, "添加用户")
    login = (login or "").strip()
    if not LOGIN_RE.match(login):
        raise ValidationError("登录名为 2–64 位字母、数字、下划线、点或横线", code="login.format",
                              field="login")
    if role not in ROLES:
        raise ValidationError(f"角色应为 {', '.join(ROLES)} 之一", code="role.unknown",
                              field="role")
    if uow.session.scalar(select(User.id).where(User.login == login)):
        raise ValidationError(f"登录名“{login}”已存在", code="login.duplicate", field="login")
    name = required_text(display_name or login, "姓名", "display_name", 64)
    if password is not None:
        _check_password(password)
    user = User(login=login, display_name=name, role=role, active=True,
                password_hash=_hasher.hash(password) if password else None,
                sort_key=sort_key(name))
    uow.session.add(user)
    uow.session.flush()
    audit(uow, actor, "create", "user", user.id, login=login, role=role)
    return _row(user)


def set_password(uow: UnitOfWork, actor: Actor, user_id: int, password: str) -> None:
    if actor.user_id != user_id:
        require_admin(actor, "修改他人密码")
    _check_password(password)
    user = get_or_404(uow.session, User, user_id, "用户")
    user.password_hash = _hasher.hash(password)
    audit(uow, actor, "password", "user", user_id)


def set_role(uow: UnitOfWork, actor: Actor, user_id: int, role: str, active: bool = True) -> None:
    require_admin(actor, "修改角色")
    if role not in ROLES:
        raise ValidationError(f"角色应为 {', '.join(ROLES)} 之一", code="role.unknown")
    user = get_or_404(uow.session, User, user_id, "用户")
    user.role, user.active = role, active
    audit(uow, actor, "update", "user", user_id, role=role, active=active)


def authenticate(uow: UnitOfWork, login: str, password: str) -> UserRow:
    """The user for these credentials; the same message for every failure."""
    user = uow.session.scalar(select(User).where(User.login == (login or "").strip()))
    failure = PermissionDenied("登录名或密码错误", code="login.failed")
    if user is None or not user.active or not user.password_hash:
        raise failure
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    return _row(user)


def list_users(uow: UnitOfWork, include_inactive: bool = False) -> list[UserRow]:
    stmt = select(User).order_by(User.sort_key, User.id)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return [_row(u) for u in uow.session.scalars(stmt)]


def get_user(uow: UnitOfWork, user_id: int) -> UserRow:
    return _row(get_or_404(uow.session, User, user_id, "用户"))


def find_user(uow: UnitOfWork, text: str) -> UserRow | None:
    """A user by login or display name (exact, width-insensitive)."""
    key = normalize(text)
    for u in uow.session.scalars(select(User)):
        if normalize(u.login) == key or normalize(u.display_name) == key:
            return _row(u)
    return None
