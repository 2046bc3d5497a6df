"""User accounts, roles and passwords (argon2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import PermissionDenied, ValidationError
from crm.models import User
from crm.services.audit_fields import diff, snapshot
from crm.services.common import ROLES, Actor, audit, get_or_404, required_text
from crm.text import normalize, sort_key

_hasher = PasswordHasher()
LOGIN_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str | None  # None: a person without an account yet (未开通登录)
    display_name: str
    role: str
    active: bool
    can_sign_in: bool = True

    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.display_name)

    @property
    def login_text(self) -> str:
        return self.login or "未开通登录"


def _row(u: User) -> UserRow:
    return UserRow(u.id, u.login, u.display_name, u.role, u.active,
                   bool(u.login and u.password_hash))


def _check_password(password: str | None) -> str:
    if not password:
        raise ValidationError("请设置初始密码（至少 6 位）：没有密码的账户无法登录",
                              code="password.required", field="password")
    if len(password) < 6:
        raise ValidationError("密码至少 6 位", code="password.short", field="password")
    return password


def _check_login(uow: UnitOfWork, login: str | None, own_id: int | None = None) -> str:
    clean = (login or "").strip()
    if not LOGIN_RE.match(clean):
        raise ValidationError("登录名为 2–64 位字母、数字、下划线、点或横线", code="login.format",
                              field="login")
    other = uow.session.scalar(select(User).where(func.lower(User.login) == clean.lower()))
    if other is not None and other.id != own_id:
        raise ValidationError(f"登录名“{clean}”已存在：账户“{other.login}”（{other.display_name}）"
                              "（登录名不区分大小写）", code="login.duplicate", field="login")
    return clean


def _check_name(uow: UnitOfWork, name: str, own_id: int | None = None) -> str:
    """Display names are unique among active accounts: a ledger's 责任人 or a filter names
    one person, never the first of two."""
    clean = required_text(name, "姓名", "display_name", 64)
    key = normalize(clean)
    for other in uow.session.scalars(select(User).where(User.active.is_(True))):
        if other.id != own_id and normalize(other.display_name) == key:
            raise ValidationError(
                f"已有在用账户叫“{other.display_name}”（登录名 {other.login or '未开通登录'}），"
                "请换一个能区分的姓名，例如加上部门", code="display_name.duplicate",
                field="display_name")
    return clean


def create_user(uow: UnitOfWork, actor: Actor, login: str, role: str, *,
                display_name: str = "", password: str | None = None) -> UserRow:
    """An account that can sign in: a login (unique ignoring case) and a password."""
    permissions.require(uow, actor, "users.create_user")
    clean = _check_login(uow, login)
    if role not in ROLES:
        raise ValidationError(f"角色应为 {', '.join(ROLES)} 之一", code="role.unknown",
                              field="role")
    name = _check_name(uow, display_name or clean)
    user = User(login=clean, display_name=name, role=role, active=True,
                password_hash=_hasher.hash(_check_password(password)), sort_key=sort_key(name))
    uow.session.add(user)
    uow.session.flush()
    audit(uow, actor, "create", "user", user.id, name=name, login=clean, role=role,
          changes=diff({}, snapshot(uow.session, "user", user)))
    return _row(user)


def create_person(uow: UnitOfWork, actor: Actor, display_name: str,
                  role: str = "staff") -> UserRow:
    """A person the bureau names (e.g. an owner in an imported ledger) who has no account yet:
    no login, no password, so nobody can sign in as them until an admin grants a login."""
    permissions.require(uow, actor, "users.create_person")
    if role not in ROLES:
        raise ValidationError(f"角色应为 {', '.join(ROLES)} 之一", code="role.unknown",
                              field="role")
    name = _check_name(uow, display_name)
    user = User(login=None, display_name=name, role=role, active=True, password_hash=None,
                sort_key=sort_key(name))
    uow.session.add(user)
    uow.session.flush()
    audit(uow, actor, "create", "user", user.id, name=name, role=role, login=None,
          changes=diff({}, snapshot(uow.session, "user", user)))
    return _row(user)


def grant_login(uow: UnitOfWork, actor: Actor, user_id: int, login: str,
                password: str) -> UserRow:
    """Give a person without an account a login and the password the admin chose."""
    permissions.require(uow, actor, "users.grant_login")
    user = get_or_404(uow.session, User, user_id, "用户")
    if user.login:
        raise ValidationError(f"“{user.display_name}”已有登录名 {user.login}",
                              code="login.exists", field="login")
    user.login = _check_login(uow, login, user.id)
    user.password_hash = _hasher.hash(_check_password(password))
    uow.session.flush()
    audit(uow, actor, "grant_login", "user", user_id, name=user.display_name, login=user.login,
          changes=[["login", "", user.login], ["password", "", "已设置"]])
    return _row(user)


def set_password(uow: UnitOfWork, actor: Actor, user_id: int, password: str) -> None:
    permissions.require(uow, actor, "users.set_password", user_id=user_id)
    user = get_or_404(uow.session, User, user_id, "用户")
    if not user.login:
        raise ValidationError(f"“{user.display_name}”还没有登录名：请用“开通登录”同时设置登录名和密码",
                              code="login.missing", field="password")
    user.password_hash = _hasher.hash(_check_password(password))
    # never the password, nor its hash: only that it changed
    audit(uow, actor, "password", "user", user_id, name=user.display_name,
          changes=[["password", "", "已修改"]])


def set_role(uow: UnitOfWork, actor: Actor, user_id: int, role: str, active: bool = True) -> None:
    permissions.require(uow, actor, "users.set_role")
    if role not in ROLES:
        raise ValidationError(f"角色应为 {', '.join(ROLES)} 之一", code="role.unknown")
    user = get_or_404(uow.session, User, user_id, "用户")
    if active and not user.active:
        _check_name(uow, user.display_name, user.id)
    before = snapshot(uow.session, "user", user)
    user.role, user.active = role, active
    changes = diff(before, snapshot(uow.session, "user", user))
    if changes:
        audit(uow, actor, "update", "user", user_id, name=user.display_name, changes=changes)


def authenticate(uow: UnitOfWork, login: str, password: str) -> UserRow:
    """The user for these credentials; the same message for every failure."""
    clean = (login or "").strip()
    # logins are unique ignoring case, so the one match is the account meant
    user = uow.session.scalar(select(User).where(func.lower(User.login) == clean.lower())) \
        if clean else None
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


def find_user(uow: UnitOfWork, login: str) -> UserRow | None:
    """The account with exactly this login (as typed: ``ADMIN`` is not ``admin``)."""
    clean = (login or "").strip()
    if not clean:
        return None
    user = uow.session.scalar(select(User).where(User.login == clean))
    return _row(user) if user is not None else None


def find_person(uow: UnitOfWork, ref: str) -> UserRow:
    """A person by id or exact display name (one match, else an error naming them)."""
    text = (ref or "").strip()
    if text.isdigit():
        return get_user(uow, int(text))
    found = [u for u in uow.session.scalars(select(User))
             if normalize(u.display_name) == normalize(text)]
    if not found:
        raise ValidationError(f"找不到人员“{text}”", code="user.missing")
    if len(found) > 1:
        raise ValidationError(f"有 {len(found)} 个人员叫“{text}”，请用编号："
                              + "、".join(str(u.id) for u in found), code="user.ambiguous")
    return _row(found[0])


def acting_user(uow: UnitOfWork, login: str) -> UserRow:
    """The account a command acts as (``--user LOGIN``): an exact, active login, else an error
    that says why; never the first of several near matches."""
    found = find_user(uow, login)
    if found is None:
        near = uow.session.scalar(select(User.login).where(
            func.lower(User.login) == (login or "").strip().lower()))
        hint = f"（登录名区分大小写，您是指“{near}”吗？）" if near else ""
        raise ValidationError(f"找不到登录名为“{login}”的用户{hint}", code="user.missing")
    if not found.active:
        raise PermissionDenied(f"账户“{found.login}”（{found.display_name}）已停用，不能再进行修改",
                               code="permission.inactive")
    return found
