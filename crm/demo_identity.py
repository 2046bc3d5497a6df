"""The demo's investors and local project companies, and one duplicate to find (issue 18).

The article: 上海际数科技有限公司 signs at the 2025-06-12 Shanghai event; 际数科技(武汉)有限公司
obtains its business licence on 2025-07-21, and that is the project's 开业 (recorded through
crm.services.local_companies.start_from_licence, the pipeline's own start: the figures are the
article's). A staff member later registers 上海翼鸟智能化科技有限公司 from an event's sign-in
sheet: the same firm as 上海翼鸟智能科技有限公司 spelt another way, which the 重复企业 list shows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.models import Company
from crm.services import companies, local_companies
from crm.services.common import Actor
from crm.services.projects import ProjectRow, get_project

# project → (its local project company, the licence date that is its 开业)
LOCAL = {"上海际数科技华中总部": ("际数科技(武汉)有限公司", dt.date(2025, 7, 21))}
VARIANT = ("上海翼鸟智能化科技有限公司", "上海翼鸟智能科技有限公司")


def open_with_licence(uow: UnitOfWork, actor: Actor, project: ProjectRow) -> ProjectRow:
    """The project's local company, its licence date, and the 开业 on that date."""
    name, licence_on = LOCAL[project.name]
    local = companies.create_company(uow, actor, companies.CompanyInput(name, hq_city="武汉"))
    local_companies.set_parent(uow, actor, local.id, project.company_id, licence_on)
    local_companies.set_local_company(uow, actor, project.id, local.id)
    local_companies.start_from_licence(uow, actor, project.id)
    return get_project(uow, project.id)


def load(uow: UnitOfWork, actor: Actor) -> None:
    """The duplicate spelling, registered with a contact and nothing else (no figure moves)."""
    variant, stored = VARIANT
    if uow.session.scalar(select(Company.id).where(Company.name == stored)) is None:
        return
    companies.ensure_company(uow, actor, variant, hq_city="上海", note="活动签到表录入",
                             contacts=(companies.ContactInput("何经理", "投资总监"),))
