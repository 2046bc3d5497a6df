"""The 企业 page: a company's detail."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import NotFoundError
from crm.models import Company
from crm.services import audit, companies, local_companies
from crm.services.audit import HistoryEntry
from crm.services.common import Actor
from crm.services.companies import CompanyRow
from crm.services.projects import ProjectQuery, ProjectRow, list_projects
from crm.views.projects import segment_label


@dataclass(frozen=True)
class CompanyDetails:
    company: CompanyRow
    projects: list[ProjectRow]
    changes: list[HistoryEntry]  # 变更记录, its contacts' included, newest first
    editable: bool = False  # whether the reader may change it (crm.permissions)
    # its local project companies (项目公司), when it is an investor
    local_companies: list[local_companies.LocalCompany] = field(default_factory=list)
    segment: str = ""  # 招商图谱: the segment it is a local firm of, ``产业链 · 上游 · 环节``


def load_company(uow: UnitOfWork, company_id: int, actor: Actor | None = None
                 ) -> CompanyDetails | None:
    try:
        company = companies.get_company(uow, company_id)
    except NotFoundError:
        return None
    stored = uow.session.get(Company, company_id)
    editable = (actor is not None and stored is not None
                and permissions.allowed(uow, actor, "companies.update_company", company=stored))
    return CompanyDetails(company, list_projects(uow, ProjectQuery(company_id=company_id)),
                          audit.company_history(uow, company_id), editable,
                          local_companies.local_companies(uow, company_id),
                          segment_label(uow, company.segment_id))
