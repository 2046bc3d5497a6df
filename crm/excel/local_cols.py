"""The ledger's 项目公司 and 营业执照取得日期 columns (issue 18): the local company that landed.

The 项目台账 export writes, beside the investor that signed (企业名称), the project's local
project company and its licence date; the import reads them back (also under 本地项目公司 /
落地公司 and 执照取得日期 / 注册日期), so that an exported ledger imports into an empty
database, or into the same one, with nothing changed.

After the rows' projects are written (crm.excel.importer), each row naming a local company:

- finds it as a new company is found (crm.services.companies.ensure_company: the same name or
  another spelling of it — brackets, width, city in brackets, 有限公司 forms), or creates it;
  a merely similar stored name that the user said is the same company (``same``) is that one;
- makes it a local company of the row's investor with the licence date
  (crm.services.local_companies.set_parent), unless it is another investor's (refused, naming
  it) or the investor itself;
- names it the project's local company (set_local_company).

An empty cell keeps what is stored (an import never removes), as for the other columns.
Everything goes through the services, so their rules, permissions and audit hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.excel.assessment_cols import _date, _project_ids
from crm.excel.company_match import match
from crm.excel.headers import LABELS, HeaderGuess, header_label
from crm.excel.layout import is_placeholder
from crm.excel.resolve import Lookups, Problems, Question
from crm.excel.rows import LedgerRow, Problem, plain_text
from crm.models import Company, Project
from crm.services import companies, company_check, local_companies
from crm.services.common import Actor
from crm.text import normalize


@dataclass(frozen=True)
class Local:
    name: str
    licence_on: dt.date | None


@dataclass
class Checked:
    locals: dict[tuple[str, int], Local] = field(default_factory=dict)  # (sheet, row) → cells
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _text(raw: object) -> str:
    """A name as written (full-width brackets kept, like 企业名称); a placeholder is empty."""
    text = plain_text(raw)
    return "" if not text or is_placeholder(text) else text


def check(rows: Iterable[LedgerRow], headers: dict[str, HeaderGuess]) -> Checked:
    """Every row's 项目公司 and licence date, read; a bad date is an error on its cell."""
    out = Checked()
    for row in rows:
        if not row.local:
            continue
        header = headers.get(row.sheet)
        name = _text(row.local.get("local_company"))
        licence: dt.date | None = None
        raw = row.local.get("licence_on")
        if _text(raw):
            licence, why = _date(raw)
            if why is not None:
                out.errors.append(Problem(row.row, header_label(header, "licence_on"), why, row.sheet))
                continue
        if not name:
            if licence is not None:
                out.warnings.append(Problem(
                    row.row, header_label(header, "licence_on"),
                    "没有项目公司：营业执照取得日期是项目公司的，未导入", row.sheet))
            continue
        if len(name) > 200:
            out.errors.append(Problem(row.row, header_label(header, "local_company"),
                                      "项目公司名称不能超过200个字", row.sheet))
            continue
        out.locals[(row.sheet, row.row)] = Local(name, licence)
    return out


def ask(checked: Checked, lk: Lookups, problems: Problems) -> dict[str, int]:
    """A local company only like a stored one is asked about as the investor is
    (crm.excel.resolve): the answers in ``problems``' context are applied — the stored
    company's id by name as written for ``same`` (what :func:`write` takes), a new one for
    ``new`` —, an unanswered one is added to ``problems.questions``."""
    same: dict[str, int] = {}
    answers = problems.answers
    seen: set[str] = set()
    for (sheet, row), local in checked.locals.items():
        name = local.name
        if name in seen or name in lk.company_by_name:
            continue
        seen.add(name)
        key = normalize(name)
        if answers is not None and key in answers.same:
            target = answers.same[key]
            hit = lk.company_by_name.get(target)
            if hit is not None:
                same[name] = hit[0]
                continue
        found = match(lk.stored_names, name, None, row, len(checked.locals))
        if found.company_id is not None or found.similar is None:
            continue  # another spelling (ensure_company finds it) or nothing like it
        cid, existing, reason = found.similar
        if answers is not None and key in answers.new:
            problems.distinct.append((name, cid))
            continue
        if key in problems.asked:
            continue
        problems.asked.add(key)
        problems.questions.append(Question(sheet, row, name, cid, existing, reason))
    return same


def remember_distinct(uow: UnitOfWork, actor: Actor, pairs: list[tuple[str, int]]) -> None:
    """The companies created as other companies, as the user answered: each pair is remembered
    as not the same (企业 → 重复企业 does not show it again), as the company form does."""
    for written, other in pairs:
        made = uow.session.scalar(select(Company.id).where(
            Company.name == written, Company.deleted_at.is_(None), Company.id != other))
        if made is not None:
            company_check.remember_distinct(uow, actor, made, [other])


def write(uow: UnitOfWork, actor: Actor, rows: Iterable[LedgerRow], checked: Checked,
          same: Mapping[str, int] | None = None
          ) -> tuple[list[Problem], list[Problem], set[tuple[str, int]]]:
    """Apply the checked cells to the rows' projects (already written): (errors, warnings,
    the (sheet, Excel row) of the rows that changed something). ``same``: a name → the stored
    company the user said it is (the import's answers to a merely similar name)."""
    errors: list[Problem] = []
    changed: set[tuple[str, int]] = set()
    todo = [r for r in rows if (r.sheet, r.row) in checked.locals]
    if not todo:
        return errors, [], changed
    uow.session.flush()
    ids = _project_ids(uow, todo)
    found: dict[str, int] = {}  # name as written → company id (a ledger repeats a few)
    for row in todo:
        local = checked.locals[(row.sheet, row.row)]
        hit = ids.get(row.key())
        if hit is None:
            continue
        pid, investor_id = hit
        try:
            with uow.session.begin_nested():
                if _apply(uow, actor, pid, investor_id, local, found, same or {}):
                    changed.add((row.sheet, row.row))
        except CrmError as exc:
            key = "licence_on" if exc.field == "licence_on" else "local_company"
            errors.append(Problem(row.row, LABELS[key], exc.message, row.sheet))
    return errors, [], changed


def _apply(uow: UnitOfWork, actor: Actor, pid: int, investor_id: int, local: Local,
           found: dict[str, int], same: Mapping[str, int]) -> bool:
    s = uow.session
    cid = found.get(local.name) or same.get(local.name)
    if cid is None:
        cid = companies.ensure_company(uow, actor, local.name).id
    found[local.name] = cid
    company = s.get(Company, cid)
    project = s.get(Project, pid)
    assert company is not None and project is not None
    if cid == investor_id:
        raise CrmError(f"项目公司“{company.name}”就是投资方本身（企业名称），未作为项目公司导入",
                       code="local_company.same")
    changed = False
    parent = company.parent_id if company.parent_id is not None else investor_id
    licence = local.licence_on or company.licence_on
    if parent == investor_id and (company.parent_id, company.licence_on) != (parent, licence):
        local_companies.set_parent(uow, actor, cid, parent, licence)
        changed = True
    if project.local_company_id != cid:
        local_companies.set_local_company(uow, actor, pid, cid)  # refuses another's company
        changed = True
    elif local.licence_on and company.licence_on != local.licence_on:
        raise CrmError(f"项目公司“{company.name}”是另一投资方的项目公司，营业执照取得日期未修改",
                       code="local_company.parent")
    return changed
