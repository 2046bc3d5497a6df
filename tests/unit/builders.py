"""Small hand-made data sets for the core tests: a few people, industries and projects.

Everything goes through the services, so the data obeys the same rules as typed data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from crm.db import Database
from crm.models import Base
from crm.services import companies, dictionaries, events, pipeline, projects, users
from crm.services.common import SYSTEM, Actor
from crm.services.pipeline import AgreementInput, StartInput
from crm.uscc import make_uscc

D = dt.date


@dataclass(frozen=True)
class World:
    """Ids of the reference data every test starts from."""

    manager: Actor
    staff: Actor
    other_staff: Actor
    steel: int  # industry 钢铁深加工
    ai: int  # industry 人工智能
    ambassador: int  # 冯立新
    event: int  # 楚材聚汉 on 2025-06-12
    company: int  # 上海际数科技有限公司


EVENT_DAY = D(2025, 6, 12)
LEAD_DAY = D(2024, 10, 1)


def world(db: Database) -> World:
    with db.uow() as uow:
        mgr = users.create_user(uow, SYSTEM, "zhou", "manager", display_name="周建明",
                                 password="secret12")
        st = users.create_user(uow, SYSTEM, "lixm", "staff", display_name="李晓明",
                                password="secret12")
        other = users.create_user(uow, SYSTEM, "wangf", "staff", display_name="王芳",
                                   password="secret12")
        steel = dictionaries.add_industry(uow, SYSTEM, "钢铁深加工").id
        ai = dictionaries.add_industry(uow, SYSTEM, "人工智能").id
        amb = dictionaries.add_ambassador(uow, SYSTEM, "冯立新", "上海湖北商会").id
        ev = events.add_event(uow, SYSTEM, events.EventInput(
            "楚材聚汉 共建支点", EVENT_DAY, "上海")).id
        co = companies.create_company(uow, SYSTEM, companies.CompanyInput(
            "上海际数科技有限公司", make_uscc("91310000MA1FL0000"), "上海")).id
        uow.commit()
    return World(mgr.actor(), st.actor(), other.actor(), steel, ai, amb, ev, co)


def project(db: Database, w: World, name: str, *, owner: Actor | None = None,
            industry: int | None = None, source: str = "self", ambassador: int | None = None,
            company: int | None = None, lead_on: dt.date = LEAD_DAY,
            invest: Decimal | None = None) -> int:
    owner = owner or w.staff
    row = db.run(projects.create_project, w.manager, projects.ProjectInput(
        name=name, company_id=company or w.company, industry_id=industry, source=source,
        ambassador_id=ambassador, owner_id=owner.user_id, lead_on=lead_on,
        planned_investment=invest))
    return row.id


def sign(db: Database, pid: int, on: dt.date, amount: str | Decimal, *,
         event: int | None = None, actor: Actor = SYSTEM) -> projects.ProjectRow:
    return db.run(pipeline.advance, actor, pid, "signed", on,
                  agreement=AgreementInput(on, Decimal(amount), event_id=event))


def start(db: Database, pid: int, on: dt.date, kind: str = "开工",
          actor: Actor = SYSTEM) -> projects.ProjectRow:
    return db.run(pipeline.advance, actor, pid, "started", on, start=StartInput(on, kind))


def count(db: Database, model: type[Base]) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)
