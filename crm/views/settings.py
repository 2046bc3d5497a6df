"""设置: the organisation, the industries, a year's targets, the accounts."""

from __future__ import annotations

from dataclasses import dataclass

from crm.db import UnitOfWork
from crm.services import dictionaries, settings, users
from crm.services.dictionaries import NamedRow
from crm.services.settings import TargetRow
from crm.services.users import UserRow


@dataclass(frozen=True)
class SettingsData:
    org: str
    industries: list[NamedRow]
    targets: list[TargetRow]
    users: list[UserRow]


def read_settings(uow: UnitOfWork, year: int, with_users: bool) -> SettingsData:
    return SettingsData(settings.org_name(uow), dictionaries.list_industries(uow),
                        settings.targets(uow, year),
                        users.list_users(uow, include_inactive=True) if with_users else [])
