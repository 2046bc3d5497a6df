"""Phase 2 of an import: ledger rows against the database, read once up front.

Every lookup (companies, projects, people, industries, events …) is loaded in a handful of
queries into dictionaries, so that checking 100k rows costs no query per row. The result is a
:class:`Plan` per row: what exists already and what must be created.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, select

from crm import stages
from crm.companies_identity import name_key
from crm.db import UnitOfWork
from crm.excel.company_match import StoredNames, match, remember_new
from crm.excel.headers import LABELS, HeaderGuess
from crm.excel.rows import LedgerRow, Problem
from crm.models import Ambassador, Carrier, Company, Event, Industry, Project, User
from crm.services.common import Actor
from crm.text import normalize


class Existing(NamedTuple):
    """The parts of a stored project an import compares with its ledger row (a tuple: 100k of
    them are made straight from the query's rows)."""

    id: int
    company_id: int
    name: str
    stage: str
    industry_id: int | None
    planned_investment: Decimal | None
    source: str
    ambassador_id: int | None
    referrer: str
    owner_id: int | None
    carrier_id: int | None
    land_mu: Decimal | None
    note: str
    lead_on: dt.date | None
    signed_on: dt.date | None
    started_on: dt.date | None
    producing_on: dt.date | None
    dropped_on: dt.date | None
    planned_start_on: dt.date | None = None
    planned_start_kind: str | None = None


_EXISTING_COLS = [Project.id, Project.company_id, Project.name, Project.stage,
                  Project.industry_id, Project.planned_investment, Project.source,
                  Project.ambassador_id, Project.referrer, Project.owner_id, Project.carrier_id,
                  Project.land_mu, Project.note, Project.lead_on, Project.signed_on,
                  Project.started_on, Project.producing_on, Project.dropped_on,
                  Project.planned_start_on, Project.planned_start_kind]


@dataclass
class Lookups:
    """Everything rows are matched against, keyed the way ledgers spell it."""

    company_by_uscc: dict[str, tuple[int, str]]
    company_by_name: dict[str, tuple[int, str | None]]
    projects: dict[tuple[int, str], Existing]
    industries: dict[str, int]
    users: dict[str, int]  # normalized login → id
    ambassadors: dict[str, int]
    events: dict[str, list[tuple[int, dt.date]]]
    carriers: dict[str, int]
    company_names: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    # normalized display name → (id, login or None for a person without one), accounts first
    people: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    # the live companies by normalised name (another spelling of a stored company)
    stored_names: StoredNames = field(default_factory=StoredNames)
    # the 曾用名 of the companies that have one: new projects are found by them too
    former_names: dict[int, str] = field(default_factory=dict)

    def owner(self, name: str) -> tuple[int | None, str | None]:
        """(the user a ledger's 责任人 names, why it is ambiguous): by display name — an account
        before a person without a login —, else by login; (None, None) for nobody."""
        key = normalize(name)
        found = self.people.get(key, [])
        accounts = [login for _, login in found if login]
        if len(accounts) > 1:
            return None, (f"“{name}”是 {len(accounts)} 个账号的姓名（登录名 {'、'.join(accounts)}）："
                          "请在台账中写登录名，或先在 设置→用户 中区分姓名")
        if found:
            return found[0][0], None
        return self.users.get(key), None

    @classmethod
    def load(cls, uow: UnitOfWork) -> Lookups:
        s = uow.session
        by_uscc: dict[str, tuple[int, str]] = {}
        by_name: dict[str, tuple[int, str | None]] = {}
        names: dict[int, tuple[str, str | None]] = {}
        for cid, name, uscc, deleted in s.connection().execute(
                select(Company.id, Company.name, Company.uscc, Company.deleted_at)
                .order_by(Company.id)):
            names[cid] = (name, uscc)
            if uscc:
                by_uscc[uscc] = (cid, name)
            if deleted is None:
                by_name.setdefault(name, (cid, uscc))
        projects: dict[tuple[int, str], Existing] = {}
        make = Existing._make
        # Core, not the ORM: no ORM row machinery for 100k rows that are only compared. Every
        # live row is read: deleted_at is hidden from the planner, which without statistics
        # (after a first large import) would otherwise fetch them through an index on it and
        # sort them by id (1.06 s instead of 0.75 s at 100k projects).
        live = func.coalesce(Project.deleted_at, Project.deleted_at).is_(None)
        rows: Any = s.connection().execute(select(*_EXISTING_COLS).where(live)
                                           .order_by(Project.id))
        for r in rows:
            projects.setdefault((r[1], r[2]), make(r))
        users: dict[str, int] = {}
        people: dict[str, list[tuple[int, str | None]]] = {}
        for uid, login, display in s.execute(
                select(User.id, User.login, User.display_name)
                .order_by(User.login.is_(None), User.active.desc(), User.id)):
            people.setdefault(normalize(display), []).append((uid, login))
            if login:  # a person without a login is found by name only
                users.setdefault(normalize(login), uid)
        events: dict[str, list[tuple[int, dt.date]]] = {}
        for eid, name, held in s.execute(select(Event.id, Event.name, Event.held_on)
                                         .order_by(Event.id)):
            events.setdefault(normalize(name), []).append((eid, held))
        return cls(
            company_by_uscc=by_uscc, company_by_name=by_name, projects=projects,
            industries={normalize(n): i for i, n in s.execute(select(Industry.id, Industry.name))},
            users=users,
            ambassadors={normalize(n): i for i, n in s.execute(select(Ambassador.id,
                                                                       Ambassador.name))},
            events=events,
            carriers={normalize(n): i for i, n in s.execute(select(Carrier.id, Carrier.name))},
            company_names=names, people=people, stored_names=StoredNames.load(uow),
            former_names={cid: was for cid, was in s.execute(
                select(Company.id, Company.former_names).where(Company.former_names != ""))})


@dataclass
class Plan:
    """One valid-looking row and how it maps onto the database."""

    row: LedgerRow
    company_id: int | None  # None: a company this import creates
    company_token: str  # identifies a new company across rows
    existing: Existing | None
    owner_id: int | None = None
    source: str | None = None  # None: not given
    ambassador: str = ""  # name; created when missing
    referrer: str = ""
    carrier_id: int | None = None
    event: str = ""  # name; created when missing
    set_uscc: bool = False  # an existing company without USCC gets the row's one
    new_owner: str = ""  # a person this import records (no login), when owner_id is None


@dataclass(frozen=True)
class Question:
    """A ledger's company only *like* a stored one (crm.excel.company_match): the same company,
    or another one? Asked of the user (the wizard, or options of ``crm import``); until every
    one is answered the import writes nothing."""

    sheet: str
    row: int  # the first Excel row that names it
    written: str  # the company as the ledger writes it
    existing_id: int
    existing: str  # the stored company's name
    reason: str  # why they look alike

    def text(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        return (f"{where}第 {self.row} 行：企业“{self.written}”与系统中的“{self.existing}”相似"
                f"（{self.reason}）：是同一企业，还是另一家企业？")


class Answers:
    """The user's answers to the questions: a company as written → the stored company's name
    it is (``same``), or a company to create although it is like a stored one (``new``).
    Names are compared as the search compares them (width, case)."""

    def __init__(self, same: Mapping[str, str] | None = None,
                 new: Collection[str] | None = None):
        self.same = {normalize(k): v.strip() for k, v in (same or {}).items()}
        self.new = {normalize(n) for n in (new or ())}


@dataclass
class Problems:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    invalid_rows: set[tuple[str, int]] = field(default_factory=set)  # (sheet, Excel row)
    people: dict[str, str] = field(default_factory=dict)  # normalized → name, to be recorded
    questions: list[Question] = field(default_factory=list)
    asked: set[str] = field(default_factory=set)  # normalized names asked about
    answers: Answers | None = None  # the user's, for the questions of other columns
    # (as written, the stored company) the user said are two companies: not 疑似重复 again
    distinct: list[tuple[str, int]] = field(default_factory=list)


class _Ctx:
    def __init__(self, headers: dict[str, HeaderGuess], problems: Problems,
                 answers: Answers | None = None):
        self.headers, self.problems = headers, problems
        self.answers = answers or Answers()
        self.sheet = ""
        self.owners: dict[str, tuple[str, list[str], int | None, str | None]] = {}

    def column(self, key: str) -> str:
        header = self.headers.get(self.sheet) or next(iter(self.headers.values()))
        col = header.column_of(key)
        if col is not None and col < len(header.headers) and header.headers[col]:
            return header.headers[col]
        return LABELS[key]

    def error(self, row: int, key: str, reason: str) -> None:
        self.problems.errors.append(Problem(row, self.column(key), reason, self.sheet))
        self.problems.invalid_rows.add((self.sheet, row))

    def warn(self, row: int, key: str | None, reason: str) -> None:
        self.problems.warnings.append(Problem(row, self.column(key) if key else "", reason,
                                              self.sheet))


def resolve(rows: list[LedgerRow], lk: Lookups, headers: dict[str, HeaderGuess],
            actor: Actor, answers: Answers | None = None) -> tuple[list[Plan], Problems]:
    """Match every row (of every sheet: ``headers`` by sheet name, "" for a single sheet);
    report what cannot be matched or would conflict, and ask about a company only like a
    stored one unless ``answers`` says which it is."""
    problems = Problems(answers=answers)
    c = _Ctx(headers, problems, answers)
    plans: list[Plan] = []
    new_by_uscc: dict[str, str] = {}  # uscc → token
    new_by_name: dict[str, tuple[str, str | None]] = {}  # name → (token, uscc)
    first_row: dict[tuple[str, str], LedgerRow] = {}
    new_events: dict[str, dt.date] = {}
    for row in rows:
        c.sheet = row.sheet
        if not row.name or not row.company:
            _people(Plan(row, None, "", None), lk, c)  # still report every bad cell
            continue
        plan = _company(row, lk, c, new_by_uscc, new_by_name)
        if plan is None:
            continue
        identity = (plan.company_token, row.name)
        if identity in first_row:
            _duplicate(row, first_row[identity], c)
            continue
        first_row[identity] = row
        if plan.company_id is not None:
            plan.existing = lk.projects.get((plan.company_id, row.name))
        _people(plan, lk, c)
        _event(plan, lk, c, new_events)
        if plan.existing is not None:
            _compare_stage(plan, c)
        plans.append(plan)
    return plans, problems


def _company(row: LedgerRow, lk: Lookups, c: _Ctx, new_by_uscc: dict[str, str],
             new_by_name: dict[str, tuple[str, str | None]]) -> Plan | None:
    if row.uscc and row.uscc in lk.company_by_uscc:
        cid, name = lk.company_by_uscc[row.uscc]
        if name != row.company:
            c.warn(row.row, "company", f"信用代码 {row.uscc} 在系统中属于企业“{name}”，按该企业导入")
        return Plan(row, cid, f"id:{cid}", None)
    if row.company in lk.company_by_name:
        cid, uscc = lk.company_by_name[row.company]
        if row.uscc and uscc and uscc != row.uscc:
            c.error(row.row, "uscc", f"企业“{row.company}”在系统中的信用代码为 {uscc}，与本行不同")
            return None
        return Plan(row, cid, f"id:{cid}", None, set_uscc=bool(row.uscc and not uscc))
    if row.uscc and row.uscc in new_by_uscc:
        return Plan(row, None, new_by_uscc[row.uscc], None)
    if row.company in new_by_name:
        token, uscc = new_by_name[row.company]
        if row.uscc and uscc and uscc != row.uscc:
            c.error(row.row, "uscc", f"企业“{row.company}”在本表中已用信用代码 {uscc}，与本行不同")
            return None
        if row.uscc and not uscc:
            new_by_name[row.company] = (token, row.uscc)
            new_by_uscc[row.uscc] = token
        return Plan(row, None, token, None)
    spelt = _normalised(row, lk, c, len(new_by_name))
    if spelt is not None:
        return spelt
    token = f"new:{row.uscc or row.company}"
    remember_new(lk.stored_names, row.company, row.uscc, token, row.row)
    new_by_name[row.company] = (token, row.uscc)
    if row.uscc:
        new_by_uscc[row.uscc] = token
    return Plan(row, None, token, None)


def _normalised(row: LedgerRow, lk: Lookups, c: _Ctx, new_names: int) -> Plan | None:
    """The company by its normalised name (crm.excel.company_match), with a 提示 naming it;
    one only like a stored one as the user answered, else a question."""
    key = normalize(row.company)
    if key in c.answers.same:
        return _answered_same(row, lk, c, c.answers.same[key])
    found = match(lk.stored_names, row.company, row.uscc, row.row, new_names)
    if found.note:
        c.warn(row.row, "company", found.note)
    if found.company_id is not None:
        stored_uscc = lk.company_names.get(found.company_id, ("", None))[1]
        return Plan(row, found.company_id, f"id:{found.company_id}", None,
                    set_uscc=bool(row.uscc and not stored_uscc))
    if found.token is not None:
        return Plan(row, None, found.token, None)
    if found.similar is not None:
        cid, name, reason = found.similar
        if key in c.answers.new:
            c.problems.distinct.append((row.company, cid))
            c.warn(row.row, "company", f"企业“{row.company}”与系统中的“{name}”相似（{reason}），"
                                       "已确认是另一家企业：新建")
        elif key not in c.problems.asked:
            c.problems.asked.add(key)
            c.problems.questions.append(Question(row.sheet, row.row, row.company, cid, name,
                                                 reason))
    return None


def _answered_same(row: LedgerRow, lk: Lookups, c: _Ctx, target: str) -> Plan | None:
    """The stored company the user said ``row.company`` is (never one of another USCC)."""
    hit = lk.company_by_name.get(target)
    cid = hit[0] if hit is not None else next(iter(lk.stored_names.by_key.get(name_key(target),
                                                                             [])), None)
    if cid is None:
        c.error(row.row, "company", f"确认为同一企业的“{target}”在系统中不存在（请写系统中的企业名称）")
        return None
    name, uscc = lk.company_names.get(cid, (target, None))
    if row.uscc and uscc and uscc != row.uscc:
        c.error(row.row, "uscc", f"企业“{row.company}”的信用代码 {row.uscc} 与“{name}”的 {uscc} "
                                 "不同：两个信用代码是两家企业，不能按同一企业导入")
        return None
    if name != row.company:
        c.warn(row.row, "company", f"企业“{row.company}”已确认即系统中的“{name}”，按该企业导入")
    return Plan(row, cid, f"id:{cid}", None, set_uscc=bool(row.uscc and not uscc))


def _duplicate(row: LedgerRow, first: LedgerRow, c: _Ctx) -> None:
    """A project named twice: an error within a sheet; in another sheet, the same row again
    is only noted, a different one is an error (which of the two holds is not guessed)."""
    where = (f"工作表“{first.sheet}”" if first.sheet != row.sheet else "") + f"第 {first.row} 行"
    if first.sheet != row.sheet and replace(row, row=first.row, sheet=first.sheet) == first:
        c.warn(row.row, "name", f"与{where}相同，只导入一次")
        return
    c.error(row.row, "name", f"与{where}是同一项目（企业和项目名称相同）")


_OWNER_SPLIT = re.compile(r"\s*[、,，/;；]\s*|\s{2,}")


def _people(plan: Plan, lk: Lookups, c: _Ctx) -> None:
    row = plan.row
    if row.owner:
        hit = c.owners.get(row.owner)
        if hit is None:  # ledgers repeat a few owners 100k times: each spelling read once
            name, *others = [n for n in _OWNER_SPLIT.split(row.owner) if n] or [row.owner]
            hit = c.owners[row.owner] = (name, others, *lk.owner(name))
        name, others, owner, ambiguous = hit
        if others:
            c.warn(row.row, "owner", f"写了多位责任人，导入第一位“{name}”（{'、'.join(others)}未导入）")
        if ambiguous is not None:
            c.error(row.row, "owner", ambiguous)
        elif owner is None and len(name) > 64:
            c.error(row.row, "owner", "责任人姓名不能超过64个字")
        elif owner is None:
            key = normalize(name)
            if key not in c.problems.people:
                c.problems.people[key] = name
                c.warn(row.row, "owner", f"系统中还没有“{name}”：将建立人员档案（未开通登录），"
                                         "管理员可在 设置→用户 中为其开通登录")
            plan.new_owner = c.problems.people[key]
        plan.owner_id = owner
    if row.carrier:
        plan.carrier_id = lk.carriers.get(normalize(row.carrier))
        if plan.carrier_id is None:
            c.warn(row.row, "carrier", f"载体库中没有“{row.carrier}”，未关联载体（可在载体管理中添加）")
    src = row.source
    if src is None:
        return
    if src.kind == "?":
        person = src.name.replace(" ", "")  # an ambassador's name padded to align (王 五)
        if normalize(person) in lk.ambassadors or src.fallback == "ambassador":
            plan.source, plan.ambassador = "ambassador", person
            return
        if src.fallback == "referral":
            plan.source, plan.referrer = "referral", src.name
            return
        c.error(row.row, "source", f"招商来源“{src.name}”无法识别：请写 自主、活动、"
                                   "以商招商：引荐人 或 招商大使：姓名")
        return
    if src.kind in ("ambassador", "referral") and not src.name:
        channel, who = (("招商大使", "大使") if src.kind == "ambassador" else ("以商招商", "引荐人"))
        c.warn(row.row, "source", f"招商来源只写了渠道：按{channel}导入，{who}留空")
    plan.source = src.kind
    plan.ambassador = src.name if src.kind == "ambassador" else ""
    plan.referrer = src.name if src.kind == "referral" else ""


def _event(plan: Plan, lk: Lookups, c: _Ctx, new_events: dict[str, dt.date]) -> None:
    row = plan.row
    if not row.event:
        return
    if row.signed_on is None:
        c.warn(row.row, "event", "项目未签约，签约活动未导入")
        return
    key = normalize(row.event)
    known = lk.events.get(key)
    if known:
        if any(held == row.signed_on for _, held in known):
            plan.event = row.event
            return
        days = "、".join(str(held) for _, held in known)
        c.error(row.row, "event", f"活动“{row.event}”的日期为 {days}，在活动上签约的签约时间应与活动"
                                  f"日期相同（本行为 {row.signed_on}）")
        return
    held = new_events.setdefault(key, row.signed_on)
    if held != row.signed_on:
        c.error(row.row, "event", f"活动“{row.event}”在本表中的签约日期为 {held}，本行为 "
                                  f"{row.signed_on}：同一活动的签约时间应相同")
        return
    plan.event = row.event


def _compare_stage(plan: Plan, c: _Ctx) -> None:
    """Notes where the ledger says less than the database (an import never moves back)."""
    row, ex = plan.row, plan.existing
    assert ex is not None
    if ex.stage == stages.DROPPED and row.stage != stages.DROPPED and row.stage_given:
        c.warn(row.row, "stage", "系统中该项目已终止，台账未标终止：未恢复（如需恢复请在项目中更正）")
    elif row.stage != stages.DROPPED and stages.rank(row.stage) < stages.rank(ex.stage) \
            and row.stage_given:
        c.warn(row.row, "stage", f"系统中该项目已是“{stages.NAMES[ex.stage]}”，台账为"
                                 f"“{stages.NAMES[row.stage]}”：未回退")
    for key, mine, theirs in (("signed_on", row.signed_on, ex.signed_on),
                              ("started_on", row.started_on, ex.started_on)):
        if mine and theirs and mine != theirs:
            c.warn(row.row, key, f"系统中记录的日期为 {theirs}，与台账 {mine} 不同：未修改"
                                 "（如需更正请在项目中操作）")
