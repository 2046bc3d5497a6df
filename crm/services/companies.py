"""Companies (企业) and their contacts (联系人)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, literal, select

from crm import permissions, search
from crm.companies_identity import name_key
from crm.db import UnitOfWork
from crm.errors import ConflictError, ValidationError
from crm.models import Company, Contact, Industry, Project, Segment
from crm.services import company_check, projects
from crm.services.audit_fields import diff, snapshot
from crm.services.common import (
    RELOAD,
    Actor,
    audit,
    get_or_404,
    optional_text,
    required_text,
)
from crm.services.paging import MARKS_FROM, Marks, Part, ids_of_parts, marks
from crm.services.project_list import live_count
from crm.text import ESC, contains, initials, normalize, search_text, sort_key
from crm.uscc import normalize_uscc

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")


@dataclass(frozen=True)
class ContactInput:
    name: str
    title: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class CompanyInput:
    name: str
    uscc: str | None = None
    hq_city: str = ""
    industry_id: int | None = None
    note: str = ""
    contacts: tuple[ContactInput, ...] = ()
    # companies the person was shown as possibly the same and said are other ones
    distinct_from: tuple[int, ...] = ()
    # 招商图谱: the chain segment it is a local firm (本地企业) of, None for none
    segment_id: int | None = None


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    title: str
    phone: str
    email: str


@dataclass(frozen=True)
class CompanyRow:
    id: int
    name: str
    uscc: str | None
    hq_city: str
    industry_id: int | None
    industry: str
    note: str
    version: int
    project_count: int = 0
    contacts: tuple[ContactRow, ...] = field(default_factory=tuple)
    former_names: str = ""  # 曾用名, "；"-separated
    parent_id: int | None = None  # 投资方, when this is a local project company
    parent: str = ""
    licence_on: dt.date | None = None  # 营业执照取得日期
    segment_id: int | None = None  # 产业链环节 it is a local firm of (招商图谱)


def _check_contact(c: ContactInput) -> ContactInput:
    name = required_text(c.name, "联系人姓名", "contact.name", 64)
    phone = (c.phone or "").strip()
    if phone and not PHONE_RE.match(normalize(phone)):
        raise ValidationError(f"联系电话“{phone}”格式不正确", code="contact.phone",
                              field="contact.phone")
    email = (c.email or "").strip()
    if email and not EMAIL_RE.match(email):
        raise ValidationError(f"邮箱“{email}”格式不正确", code="contact.email",
                              field="contact.email")
    return ContactInput(name=name, title=optional_text(c.title, 64), phone=phone, email=email)


def _check(uow: UnitOfWork, actor: Actor, data: CompanyInput, own_id: int | None, *,
           similar: bool = True) -> tuple[str, str | None]:
    name = required_text(data.name, "企业名称", "company.name")
    uscc = normalize_uscc(data.uscc, field="company.uscc")
    if uscc:
        other = uow.session.scalar(select(Company).where(Company.uscc == uscc))
        if other is not None and other.id != own_id:
            raise ValidationError(f"统一社会信用代码 {uscc} 已属于企业“{other.name}”",
                                  code="uscc.duplicate", field="company.uscc")
    if data.industry_id is not None:
        get_or_404(uow.session, Industry, data.industry_id, "产业")
    if data.segment_id is not None:
        get_or_404(uow.session, Segment, data.segment_id, "产业链环节")
    if similar:  # the same company under another spelling (crm.services.duplicates)
        company_check.check_new_name(uow, actor, name, uscc, own_id, data.distinct_from)
    return name, uscc


def create_company(uow: UnitOfWork, actor: Actor, data: CompanyInput) -> CompanyRow:
    """A new company; refused (DuplicateSuspected, naming them) when it may be a stored one
    that ``data.distinct_from`` does not say is another company."""
    permissions.require(uow, actor, "companies.create_company")
    return _create(uow, actor, data)


def _create(uow: UnitOfWork, actor: Actor, data: CompanyInput, *,
            similar: bool = True) -> CompanyRow:
    name, uscc = _check(uow, actor, data, None, similar=similar)
    contacts = [_check_contact(c) for c in data.contacts]
    company = Company(name=name, uscc=uscc, hq_city=optional_text(data.hq_city, 64),
                      industry_id=data.industry_id, note=optional_text(data.note),
                      segment_id=data.segment_id, sort_key=sort_key(name),
                      initials=initials(name), name_key=name_key(name))
    company.contacts = [Contact(**c.__dict__) for c in contacts]
    uow.session.add(company)
    uow.session.flush()
    company_check.remember_distinct(uow, actor, company.id, data.distinct_from)
    audit(uow, actor, "create", "company", company.id, name=name,
          changes=diff({}, snapshot(uow.session, "company", company)))
    return get_company(uow, company.id)


def update_company(uow: UnitOfWork, actor: Actor, company_id: int, data: CompanyInput,
                   expected_version: int | None = None) -> CompanyRow:
    company = get_or_404(uow.session, Company, company_id, "企业")
    permissions.require(uow, actor, "companies.update_company", company=company)
    if expected_version is not None and company.version != expected_version:
        raise ConflictError(f"该企业已被他人修改。{RELOAD}", code="company.conflict")
    # another company like it is asked about when the name changes, not on every edit of one
    # of a pair already stored (the 重复企业 list shows those)
    renamed = name_key(data.name or "") != (company.name_key or name_key(company.name))
    name, uscc = _check(uow, actor, data, company_id, similar=renamed)
    before = snapshot(uow.session, "company", company)
    company.name, company.uscc, company.name_key = name, uscc, name_key(name)
    company.hq_city = optional_text(data.hq_city, 64)
    company.industry_id = data.industry_id
    company.segment_id = data.segment_id
    company.note = optional_text(data.note)
    company.sort_key, company.initials = sort_key(name), initials(name)
    if data.contacts:
        company.contacts = [Contact(**_check_contact(c).__dict__) for c in data.contacts]
    uow.session.flush()
    _refresh_project_search(uow, company)
    changes = diff(before, snapshot(uow.session, "company", company))
    if changes:
        audit(uow, actor, "update", "company", company.id, name=name, changes=changes)
    return get_company(uow, company.id)


def _refresh_project_search(uow: UnitOfWork, company: Company) -> None:
    for project in uow.session.scalars(select(Project).where(Project.company_id == company.id)):
        project.search_text = search_text(project.name, company.name, company.uscc,
                                          company.former_names)


def delete_company(uow: UnitOfWork, actor: Actor, company_id: int) -> None:
    permissions.require(uow, actor, "companies.delete_company")
    company = get_or_404(uow.session, Company, company_id, "企业")
    live = uow.session.scalar(select(func.count()).select_from(Project).where(
        Project.company_id == company_id, Project.deleted_at.is_(None)))
    if live:
        raise ValidationError(f"企业“{company.name}”还有 {live} 个项目，不能删除",
                              code="company.in_use")
    company.deleted_at = dt.datetime.now()
    audit(uow, actor, "delete", "company", company_id, name=company.name)


def ensure_company(uow: UnitOfWork, actor: Actor, name: str, uscc: str | None = None,
                   **extra: object) -> CompanyRow:
    """The company with this USCC (else this name, as written or normalised: 际数科技（上海）
    for 上海际数科技有限公司, never one with another USCC), created when missing. A name only
    like a stored one (a guess) is created: the 重复企业 list shows the pair."""
    permissions.require(uow, actor, "companies.ensure_company")
    code = normalize_uscc(uscc, field="company.uscc")
    clean = required_text(name, "企业名称", "company.name")
    found = None
    if code:
        found = uow.session.scalar(select(Company).where(Company.uscc == code))
    if found is None:
        found = uow.session.scalar(select(Company).where(Company.name == clean,
                                                         Company.deleted_at.is_(None)))
        if found is None:
            sure = [m for m in company_check.similar_companies(uow, clean, code) if m.sure]
            found = uow.session.get(Company, sure[0].id) if sure else None
        if found is not None and code and not found.uscc:
            permissions.require(uow, actor, "companies.update_company", company=found)
            found.uscc = code
            audit(uow, actor, "update", "company", found.id, name=found.name,
                  changes=[["uscc", "", code]])
    if found is not None:
        return get_company(uow, found.id)
    return _create(uow, actor, CompanyInput(name=clean, uscc=code, **extra),  # type: ignore[arg-type]
                   similar=False)


def add_contact(uow: UnitOfWork, actor: Actor, company_id: int, data: ContactInput) -> ContactRow:
    company = get_or_404(uow.session, Company, company_id, "企业")
    permissions.require(uow, actor, "companies.add_contact", company=company)
    clean = _check_contact(data)
    contact = Contact(company_id=company.id, **clean.__dict__)
    uow.session.add(contact)
    uow.session.flush()
    audit(uow, actor, "contact.create", "company", company.id, name=company.name,
          contact_id=contact.id, changes=diff({}, snapshot(uow.session, "contact", contact),
                                              prefix="contact"))
    return ContactRow(contact.id, contact.name, contact.title, contact.phone, contact.email)


def remove_contact(uow: UnitOfWork, actor: Actor, contact_id: int) -> None:
    contact = get_or_404(uow.session, Contact, contact_id, "联系人")
    permissions.require(uow, actor, "companies.remove_contact", company=contact.company)
    audit(uow, actor, "contact.delete", "company", contact.company_id,
          name=contact.company.name, contact_id=contact_id,
          changes=diff(snapshot(uow.session, "contact", contact), {}, prefix="contact"))
    uow.session.delete(contact)


def get_company(uow: UnitOfWork, company_id: int) -> CompanyRow:
    company = get_or_404(uow.session, Company, company_id, "企业")
    industry = uow.session.get(Industry, company.industry_id) if company.industry_id else None
    count = uow.session.scalar(select(func.count()).select_from(Project).where(
        Project.company_id == company_id, Project.deleted_at.is_(None))) or 0
    contacts = tuple(ContactRow(c.id, c.name, c.title, c.phone, c.email)
                     for c in sorted(company.contacts, key=lambda c: c.id))
    parent = uow.session.get(Company, company.parent_id) if company.parent_id else None
    return CompanyRow(company.id, company.name, company.uscc, company.hq_city,
                      company.industry_id, industry.name if industry else "", company.note,
                      company.version, count, contacts, company.former_names,
                      company.parent_id, parent.name if parent else "", company.licence_on,
                      company.segment_id)


@dataclass(frozen=True)
class CompanyQuery:
    """Filters and order of the 企业 list; filtering and sorting happen in SQL."""

    search: str = ""  # in the name, the 曾用名, the USCC or the pinyin initials
    sort: str = "name"  # pinyin order, the only one the list offers
    descending: bool = False


def _filtered(uow: UnitOfWork, stmt: Select[Any], needle: str, raw: str = "") -> Select[Any]:
    if search.by_prefix(uow.session, needle or raw, "companies"):
        # one or two characters: the start of the name in pinyin (crm.search.prefix), one
        # range of ix_companies_live_sort
        return stmt.where(Company.deleted_at.is_(None), search.prefix(
            Company.sort_key, needle or raw, uow.session.get_bind().dialect.name))
    if not needle:
        return stmt.where(Company.deleted_at.is_(None))
    # A search reads every row: hiding deleted_at from SQLite's planner keeps it from walking
    # the sort index and fetching each row from it (430 ms at 100k companies against 65 ms).
    stmt = stmt.where(func.coalesce(Company.deleted_at, Company.deleted_at).is_(None))
    # the trigram index finds the candidates (crm.search), LIKE decides as it always did
    found = search.candidates(uow.session, "companies_fts", Company.id, [needle, raw or needle])
    if found is not None:
        stmt = stmt.where(found)
    like = contains(needle)
    # 曾用名 are kept as written (全角括号 …): matched as typed too; most companies have none,
    # and the test for an empty one keeps the extra LIKE off their rows (+8% at 100k, not +35%)
    typed = raw if raw and raw != needle else None
    sqlite = uow.session.get_bind().dialect.name == "sqlite"

    def matches(column: Any, pattern: str, text: str) -> Any:
        if sqlite:
            # SQLite's LIKE ignores ASCII case already; its ILIKE, lower() on each side,
            # costs another 90 ms at 100k companies.
            return column.like(pattern, escape=ESC)
        return _ilike(column, pattern, text) if search.short(needle) else \
            column.ilike(pattern, escape=ESC)

    former = (Company.former_names != "") & (
        matches(Company.former_names, like, needle) if typed is None else
        matches(Company.former_names, like, needle)
        | matches(Company.former_names, contains(typed), typed))
    return stmt.where(matches(Company.name, like, needle) | matches(Company.uscc, like, needle)
                      | Company.initials.like(like, escape=ESC) | former)


def _caseless(text: str) -> bool:
    """Whether no character of ``text`` has a case: ASCII other than letters, and the letters
    without case (Chinese characters …). No character lower-cases into one of them."""
    return all((c.isascii() and not c.isalpha()) or unicodedata.category(c) == "Lo"
               for c in text)


def _ilike(column: Any, pattern: str, text: str) -> Any:
    """``column ILIKE pattern`` on PostgreSQL for a short needle (no trigram index: every row
    is tested), at a third of its cost. ILIKE lower-cases the value and the pattern on every
    row, then compares as LIKE does (its definition for UTF-8): LIKE alone where the needle
    has no character with a case (汽, 泰丰, 12), else the value lower-cased and the pattern
    once (its ILIKE lower-cased the pattern again on each row: 265 against 80 ms for “泰”
    among 100k companies)."""
    if _caseless(text):
        return column.like(pattern, escape=ESC)
    return func.lower(column).like(func.lower(literal(pattern)), escape=ESC)


def _company_parts(uow: UnitOfWork, q: CompanyQuery) -> list[Part]:
    """The list in pinyin order: the live rows in the order of ix_companies_live_sort
    (migration 0010) rather than sorting 100k rows; a search sorts its few matches (one or
    two characters are a range of that index: crm.search.prefix)."""
    if q.sort != "name":
        raise ValidationError(f"未知排序“{q.sort}”", code="sort.unknown")
    needle = normalize(q.search)
    substring = needle and not search.by_prefix(uow.session, needle, "companies")
    where = _filtered(uow, select(Company.id), needle, q.search.strip())
    if substring:  # read whole: no marks
        order: tuple[Any, ...] = (func.coalesce(Company.sort_key, Company.sort_key),
                                  Company.id + 0)
        keys: tuple[Any, ...] = ()
    else:
        keys = (Company.sort_key, Company.id)
        order = (Company.deleted_at, *keys)
    return [Part(where, tuple(k.desc() if q.descending else k.asc() for k in order), keys,
                 q.descending)]


def company_ids(uow: UnitOfWork, q: CompanyQuery | None = None,
                limit: int | None = None, offset: int = 0,
                marks: Marks | None = None) -> list[int]:
    """The ids of the matching companies in pinyin order (the list view keeps only these);
    ``limit`` of them from row ``offset`` when given, from the nearest of ``marks``."""
    q = q or CompanyQuery()
    if limit is not None and (front := _in_front(uow, q, offset, limit)) is not None:
        return front
    return ids_of_parts(uow, _company_parts(uow, q), offset, limit, marks)


def company_marks(uow: UnitOfWork, q: CompanyQuery) -> Marks | None:
    """The marks of a long list (crm.services.paging), for jumps far down; None where the
    list is short or read whole (a substring search)."""
    parts = _company_parts(uow, q)
    if not parts[0].keys:
        return None
    needle = normalize(q.search)
    n = (live_count(uow, Company) if not needle else
         int(uow.session.scalar(_filtered(uow, select(func.count()), needle)) or 0))
    return marks(uow, parts) if n >= MARKS_FROM else None


def company_ids_or_count(uow: UnitOfWork, q: CompanyQuery) -> int | list[int]:
    """What the 企业 list reads first: all the ids when a search gives them (through the
    trigram index) or there are at most ``projects.ALL_IDS``, else the count (a province's
    400,000 companies), each screen then read with ``company_page``."""
    needle = normalize(q.search)
    if search.by_prefix(uow.session, needle, "companies"):  # a range of the name index
        return int(uow.session.scalar(_filtered(uow, select(func.count()), needle)) or 0)
    if needle:
        # a short needle that many companies hold: their count, then screens from the name
        # index (_in_front), where sorting all of them took twice as long
        front = _in_front(uow, q, 0, search.PROBE)
        if front is not None and len(front) == search.PROBE:
            return int(uow.session.scalar(_filtered(uow, select(func.count()), needle,
                                                    q.search.strip())) or 0)
        return company_ids(uow, q)
    n = live_count(uow, Company)
    return company_ids(uow, q) if n <= projects.ALL_IDS else n


def _in_front(uow: UnitOfWork, q: CompanyQuery, offset: int, limit: int) -> list[int] | None:
    """A screen of a short needle's substring matches, looked for among the first companies
    of the name index (crm.search.in_front); None where it is not there (a rare needle)."""
    needle = normalize(q.search)
    if q.sort != "name" or not search.short(needle) or \
            search.by_prefix(uow.session, needle, "companies"):
        return None
    live = Company.deleted_at.is_(None)
    return search.in_front(
        uow.session, select(Company.id).where(live),
        _filtered(uow, select(Company.id), needle, q.search.strip()).where(live),
        (Company.sort_key, Company.id), lead=(Company.deleted_at,), descending=q.descending,
        offset=offset, limit=limit)


def company_page(uow: UnitOfWork, q: CompanyQuery, offset: int, limit: int,
                 marks: Marks | None = None) -> list[CompanyRow]:
    """One screen of the 企业 list from row ``offset``, in pinyin order from the index."""
    return company_rows(uow, company_ids(uow, q, limit, offset, marks))


def company_rows(uow: UnitOfWork, ids: list[int]) -> list[CompanyRow]:
    """Rows for these ids, in the same order, each with its number of live projects."""
    if not ids:
        return []
    counts: dict[int, int] = {company: n for company, n in uow.session.execute(
        select(Project.company_id, func.count()).where(Project.company_id.in_(ids),
                                                       Project.deleted_at.is_(None))
        .group_by(Project.company_id))}
    rows: Any = uow.session.execute(select(Company, Industry.name)
                                    .outerjoin(Industry, Industry.id == Company.industry_id)
                                    .where(Company.id.in_(ids)))
    found = {c.id: CompanyRow(c.id, c.name, c.uscc, c.hq_city, c.industry_id, ind or "",
                              c.note, c.version, counts.get(c.id, 0),
                              former_names=c.former_names, parent_id=c.parent_id,
                              licence_on=c.licence_on) for c, ind in rows}
    return [found[i] for i in ids if i in found]


def list_companies(uow: UnitOfWork, search: str = "", limit: int = 5000) -> list[CompanyRow]:
    """The first ``limit`` companies in pinyin order, filtered by name, USCC or pinyin
    initials (pickers and short lists; the 企业 page reads ``company_ids``)."""
    return company_rows(uow, company_ids(uow, CompanyQuery(search=search), limit))
