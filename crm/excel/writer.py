"""Phase 3 of an import: writing the checked rows inside the caller's transaction.

Reference data (industries, ambassadors, events) and changes to existing projects go through
the services one by one — they are few. New companies and projects are inserted in bulk with
exactly the values the services would write: milestones on the project, one agreement and one
start record, and a dated stage-history row per milestone reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm import planner, stages
from crm import text as pinyin
from crm.companies_identity import name_key
from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.excel.bulk import CHUNK, Bulk
from crm.excel.headers import LABELS
from crm.excel.resolve import Existing, Lookups, Plan
from crm.excel.rows import IMPORT_REASON, Cancelled, ImportCancelled, LedgerRow, Problem, Progress
from crm.models import Agreement, Company, Project, StageChange, Start, User
from crm.services import dictionaries, events, pipeline, projects
from crm.services.audit_fields import diff, snapshot
from crm.services.common import Actor, audit
from crm.services.pipeline import AgreementInput, StartInput
from crm.services.projects import KEY_PROJECT_WAN
from crm.text import normalize

BATCH = 2000


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # staff records made (no login)
    unchanged_rows: set[tuple[str, int]] = field(default_factory=set)  # (sheet, Excel row)


def write(uow: UnitOfWork, actor: Actor, plans: list[Plan], lk: Lookups, *,
          names: Callable[[str], pinyin.Named] = pinyin.Named,
          progress: Progress | None = None, cancelled: Cancelled | None = None,
          dry_run: bool = False) -> WriteResult:
    """Create and update what the plans say; the caller commits (or rolls back). ``names``
    gives the pinyin keys of a name (see :mod:`crm.excel.keys`). A dry run still makes the
    updates (through the services, which may refuse some) but only counts the new projects:
    their rows hold only what the checks have passed, and writing them would hold the tables
    (see :meth:`Bulk.rebuilt`) for an answer known already."""
    out = WriteResult()
    ids = _Ids(uow, actor, lk, out, names)
    ids.reference_data(plans)
    new = [p for p in plans if p.existing is None]
    bulk = Bulk(uow)
    with bulk.big_cache():
        _write(uow, actor, plans, lk, ids, bulk, new, out, progress, cancelled, dry_run)
    return out


def _write(uow: UnitOfWork, actor: Actor, plans: list[Plan], lk: Lookups, ids: _Ids,
           bulk: Bulk, new: list[Plan], out: WriteResult, progress: Progress | None,
           cancelled: Cancelled | None, dry_run: bool) -> None:
    total = len(plans)
    todo: list[Plan] = []
    for i, plan in enumerate(plans):  # existing projects first, through the services
        if i % BATCH == 0:
            _check(cancelled)
        if plan.existing is None:
            if plan.set_uscc and plan.company_id is not None:
                _set_uscc(uow, plan.company_id, plan.row.uscc)
            todo.append(plan)
            continue
        if plan.set_uscc and plan.company_id is not None:
            _set_uscc(uow, plan.company_id, plan.row.uscc)
            out.changed = True
        if _update(uow, actor, plan, plan.existing, ids, out):
            out.updated += 1
            out.changed = True
        else:
            out.unchanged += 1
            out.unchanged_rows.add((plan.row.sheet, plan.row.row))
    if progress is not None:
        progress(len(plans) - len(todo), total)
    out.created = len(todo)
    out.changed = out.changed or bool(todo) or ids.created_any
    if dry_run:
        return
    uow.session.flush()  # from here on, the bulk inserts have the connection to themselves
    companies: Any = Company.__table__
    adding = len({p.company_token for p in new if p.company_id is None})
    rebuild: list[Any] = [companies] if bulk.worth_rebuilding(companies, adding) else []
    if bulk.worth_rebuilding(Project.__table__, len(todo)):  # type: ignore[arg-type]
        rebuild += [m.__table__ for m in (Project, StageChange, Agreement, Start)]
    with bulk.rebuilt(rebuild):
        company_ids = _insert_companies(bulk, new, lk, ids)
        _insert_projects(bulk, actor, todo, company_ids, lk, ids, progress, cancelled, total)
    # SQLite: the planner's statistics of a table this import doubled (the rebuilt ones have
    # theirs already), in the import's transaction (crm.planner)
    planner.refresh(bulk.conn, ["companies", "projects", "stage_changes", "agreements", "starts"])


def _check(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise ImportCancelled("已取消导入，没有写入任何数据")


class _Ids:
    """Ids of reference data, creating what the ledger names and the database lacks."""

    def __init__(self, uow: UnitOfWork, actor: Actor, lk: Lookups, out: WriteResult,
                 names: Callable[[str], pinyin.Named]):
        self.uow, self.actor, self.lk, self.out, self.names = uow, actor, lk, out, names
        self.created_any = False
        self.named: dict[int, pinyin.Named] = {}  # company id → its pinyin keys
        # Ledgers repeat a few industries, ambassadors and events 100k times: each spelling is
        # normalized once.
        self._keys: dict[str, str] = {}
        self._people: dict[str, int] = {}  # normalized name → the person recorded

    def _key(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = normalize(name)
        return key

    def company(self, cid: int) -> pinyin.Named:
        keys = self.named.get(cid)
        if keys is None:
            keys = self.named[cid] = self.names(self.lk.company_names[cid][0])
        return keys

    def person(self, name: str) -> int:
        """A staff record without a login (未开通登录) for an owner the ledger names; an admin
        gives it a login later (设置→用户). Nothing about it is invented: no login, no
        password."""
        key = self._key(name)
        uid = self._people.get(key)
        if uid is None:
            user = User(login=None, display_name=name, role="staff", password_hash=None,
                        active=True, sort_key=pinyin.sort_key(name))
            self.uow.session.add(user)
            self.uow.session.flush()
            audit(self.uow, self.actor, "create", "user", user.id, name=name, login=None,
                  via="台账导入", changes=diff({}, snapshot(self.uow.session, "user", user)))
            uid = self._people[key] = user.id
            self.out.people.append(name)
            self.created_any = True
        return uid

    def reference_data(self, plans: list[Plan]) -> None:
        for plan in plans:
            row = plan.row
            if plan.owner_id is None and plan.new_owner:
                plan.owner_id = self.person(plan.new_owner)
            if row.industry and self._key(row.industry) not in self.lk.industries:
                made = dictionaries.ensure_industry(self.uow, self.actor, row.industry)
                self.lk.industries[self._key(row.industry)] = made.id
                self.created_any = True
            if plan.ambassador and self._key(plan.ambassador) not in self.lk.ambassadors:
                amb = dictionaries.add_ambassador(self.uow, self.actor, plan.ambassador[:64])
                self.lk.ambassadors[self._key(plan.ambassador)] = amb.id
                self.created_any = True
            if plan.event and row.signed_on is not None:
                key = self._key(plan.event)
                if not any(held == row.signed_on for _, held in self.lk.events.get(key, [])):
                    ev = events.add_event(self.uow, self.actor,
                                          events.EventInput(plan.event, row.signed_on))
                    self.lk.events.setdefault(key, []).append((ev.id, ev.held_on))
                    self.created_any = True

    def industry(self, row: LedgerRow) -> int | None:
        return self.lk.industries.get(self._key(row.industry)) if row.industry else None

    def ambassador(self, plan: Plan) -> int | None:
        return self.lk.ambassadors.get(self._key(plan.ambassador)) if plan.ambassador else None

    def event(self, plan: Plan) -> int | None:
        if not plan.event:
            return None
        for eid, held in self.lk.events.get(self._key(plan.event), []):
            if held == plan.row.signed_on:
                return eid
        return None


def _set_uscc(uow: UnitOfWork, company_id: int, uscc: str | None) -> None:
    company = uow.session.get(Company, company_id)
    if company is not None and not company.uscc:
        company.uscc = uscc


def _insert_companies(bulk: Bulk, new: list[Plan], lk: Lookups, ids_: _Ids) -> dict[str, int]:
    wanted: dict[str, tuple[str, str | None]] = {}
    for plan in new:
        if plan.company_id is not None:
            continue
        name, uscc = wanted.get(plan.company_token, (plan.row.company, None))
        wanted[plan.company_token] = (name, uscc or plan.row.uscc)
    if not wanted:
        return {}
    tokens = list(wanted)
    table: Any = Company.__table__
    ids = bulk.new_ids(table, len(tokens))
    for start in range(0, len(tokens), CHUNK):
        rows: list[dict[str, Any]] = []
        for cid, token in zip(ids[start:start + CHUNK], tokens[start:start + CHUNK],
                              strict=True):
            name, uscc = wanted[token]
            keys = ids_.named[cid] = ids_.names(name)  # its projects' search text reuses these
            rows.append({"id": cid, "name": name, "uscc": uscc, "hq_city": "", "note": "",
                         "sort_key": keys.sort_key, "initials": keys.initials,
                         "name_key": name_key(name)})
        bulk.insert(table, rows)
    out = dict(zip(tokens, ids, strict=True))
    for token, cid in out.items():
        lk.company_names[cid] = wanted[token]
    return out


def _milestones(row: LedgerRow) -> dict[str, Any]:
    """The milestone dates a new project gets, as :mod:`crm.services.pipeline` sets them."""
    reached = row.stage
    if reached == stages.DROPPED:
        reached = (stages.PRODUCING if row.producing_on else stages.STARTED if row.started_on
                   else stages.SIGNED if row.signed_on else stages.LEAD)
    dates = [d for d in (row.signed_on, row.started_on, row.producing_on) if d]
    lead_on = row.lead_on or (min(dates) if dates else dt.date.today())
    negotiating_on: dt.date | None = None
    if stages.rank(reached) >= stages.rank(stages.SIGNED):
        negotiating_on = row.signed_on
    elif reached == stages.NEGOTIATING:
        negotiating_on = lead_on
    if negotiating_on is not None and lead_on > negotiating_on:
        lead_on = negotiating_on
    dropped_on = None
    if row.stage == stages.DROPPED:
        dropped_on = row.dropped_on or max([*dates, lead_on])
    return {"lead_on": lead_on, "negotiating_on": negotiating_on, "signed_on": row.signed_on,
            "started_on": row.started_on, "producing_on": row.producing_on,
            "dropped_on": dropped_on, "reached": reached}


_PROJECT = ("id", "name", "company_id", "industry_id", "planned_investment", "source",
            "ambassador_id", "referrer", "owner_id", "stage", "carrier_id", "land_mu", "is_key",
            "note", "lead_on", "negotiating_on", "signed_on", "signing_event_id", "started_on",
            "start_kind", "producing_on", "dropped_on", "drop_reason", "sort_key",
            "search_text", "planned_start_on", "planned_start_kind")
_HISTORY = ("project_id", "from_stage", "to_stage", "changed_on", "user_id", "reason",
            "correction")
_AGREEMENT = ("project_id", "kind", "signed_on", "amount", "event_id", "note")
_START = ("project_id", "kind", "started_on", "note")


def _project_values(pid: int, plan: Plan, company_id: int, uscc: str | None,
                    ids: _Ids) -> tuple[Any, ...]:
    """The columns ``_PROJECT`` of a new project."""
    row = plan.row
    m = _milestones(row)
    source = plan.source or "self"
    sort_key, search_text = pinyin.project_keys(row.name, ids.company(company_id), uscc,
                                                ids.names(row.name),
                                                ids.lk.former_names.get(company_id, ""))
    dropped = row.stage == stages.DROPPED
    return (
        pid, row.name, company_id, ids.industry(row), row.planned, source,
        ids.ambassador(plan) if source == "ambassador" else None, plan.referrer,
        plan.owner_id, row.stage, plan.carrier_id, row.land_mu,
        (row.planned or 0) >= KEY_PROJECT_WAN, row.note,  # kept whole, however long
        m["lead_on"], m["negotiating_on"], m["signed_on"],
        ids.event(plan) if row.signed_on else None, m["started_on"],
        row.start_kind if row.started_on else None, m["producing_on"], m["dropped_on"],
        row.drop_reason if dropped else "", sort_key, search_text, row.planned_start_on,
        row.planned_start_kind if row.planned_start_on else None)


def _insert_projects(bulk: Bulk, actor: Actor, plans: list[Plan], company_ids: dict[str, int],
                     lk: Lookups, ids: _Ids, progress: Progress | None,
                     cancelled: Cancelled | None, total: int) -> None:
    """New projects, their stage history, agreements and starts, a chunk at a time: while the
    database writes one chunk, the next one's pinyin keys and values are prepared."""
    if not plans:
        return
    project_ids = bulk.new_ids(Project.__table__, len(plans))  # type: ignore[arg-type]
    done = total - len(plans)
    event_at = _PROJECT.index("signing_event_id")
    for start in range(0, len(plans), CHUNK):
        _check(cancelled)
        if progress is not None:
            progress(done + start, total)
        rows: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        agreements: list[tuple[Any, ...]] = []
        starts: list[tuple[Any, ...]] = []
        for plan, pid in zip(plans[start:start + CHUNK], project_ids[start:start + CHUNK],
                             strict=True):
            row = plan.row
            cid = (plan.company_id if plan.company_id is not None
                   else company_ids[plan.company_token])
            values = _project_values(pid, plan, cid, lk.company_names[cid][1], ids)
            rows.append(values)
            history.extend(_history(pid, row, values, actor))
            if row.signed_on is not None:
                agreements.append((pid, row.agreement_kind, row.signed_on,
                                   row.amount if row.amount is not None else row.planned,
                                   values[event_at], ""))
            if row.started_on is not None:
                starts.append((pid, row.start_kind, row.started_on, ""))
        for model, names, values_list in ((Project, _PROJECT, rows),
                                          (StageChange, _HISTORY, history),
                                          (Agreement, _AGREEMENT, agreements),
                                          (Start, _START, starts)):
            bulk.insert_tuples(model.__table__, names, values_list)  # type: ignore[arg-type]


_MILESTONES = tuple(_PROJECT.index(k) for k in ("lead_on", "negotiating_on", "signed_on",
                                                 "started_on", "producing_on", "dropped_on"))


def _history(pid: int, row: LedgerRow, v: tuple[Any, ...],
             actor: Actor) -> list[tuple[Any, ...]]:
    lead_on, negotiating_on, signed_on, started_on, producing_on, dropped_on = (
        v[i] for i in _MILESTONES)
    steps: list[tuple[str, dt.date]] = [(stages.LEAD, lead_on)]
    if negotiating_on is not None and signed_on is None:
        steps.append((stages.NEGOTIATING, negotiating_on))
    for stage, on in ((stages.SIGNED, signed_on), (stages.STARTED, started_on),
                      (stages.PRODUCING, producing_on), (stages.DROPPED, dropped_on)):
        if on is not None:
            steps.append((stage, on))
    out: list[tuple[Any, ...]] = []
    previous: str | None = None
    for stage, on in steps:
        reason = row.drop_reason if stage == stages.DROPPED else IMPORT_REASON
        out.append((pid, previous, stage, on, actor.user_id, reason, False))
        previous = stage
    return out


# --- existing projects: through the services -------------------------------------------------
_FIELD_TO_KEY = {"signed_on": "signed_on", "amount": "amount", "started_on": "started_on",
                 "kind": "start_kind", "reason": "note", "name": "name", "on": "stage",
                 "stage": "stage", "planned_investment": "planned", "land_mu": "land_mu",
                 "owner_id": "owner", "ambassador_id": "source", "source": "source",
                 "planned_start_on": "planned_start_on",
                 "planned_start_kind": "planned_start_kind"}


def _update(uow: UnitOfWork, actor: Actor, plan: Plan, ex: Existing, ids: _Ids,
            out: WriteResult) -> bool:
    changes = _changes(plan, ex, ids)
    moves = _moves(plan, ex, ids)
    if not changes and not moves:
        return False
    try:
        with uow.session.begin_nested():
            if changes:
                current = projects.get_project(uow, ex.id)
                projects.update_project(uow, actor, ex.id, current.to_input(**changes))
                if "note" in changes and len(row_note := plan.row.note) > NOTE_KEPT:
                    _keep_note(uow, ex.id, row_note)
            for to, on, agreement, start, reason in moves:
                pipeline.advance(uow, actor, ex.id, to, on, agreement=agreement, start=start,
                                 reason=reason)
    except CrmError as exc:
        key = _FIELD_TO_KEY.get(exc.field or "", "")
        column = LABELS[key] if key else ""
        out.errors.append(Problem(plan.row.row, column, exc.message, plan.row.sheet))
        return False
    return True


NOTE_KEPT = 2000  # what the project form's service keeps of a 备注 (crm.services.common)


def _keep_note(uow: UnitOfWork, project_id: int, note: str) -> None:
    """The service keeps 2,000 characters of a typed 备注; a ledger's is kept whole (DESIGN
    §6: long text is never cut silently), as a new project's is."""
    project = uow.session.get(Project, project_id)
    if project is not None:
        project.note = note


def _changes(plan: Plan, ex: Existing, ids: _Ids) -> dict[str, Any]:
    row = plan.row
    changes: dict[str, Any] = {}
    industry = ids.industry(row)
    if industry is not None and industry != ex.industry_id:
        changes["industry_id"] = industry
    if row.planned is not None and row.planned != ex.planned_investment:
        changes["planned_investment"] = row.planned
    if plan.owner_id is not None and plan.owner_id != ex.owner_id:
        changes["owner_id"] = plan.owner_id
    if plan.source is not None:
        amb = ids.ambassador(plan) if plan.source == "ambassador" else None
        if (plan.source, amb, plan.referrer) != (ex.source, ex.ambassador_id, ex.referrer):
            changes.update(source=plan.source, ambassador_id=amb, referrer=plan.referrer)
    if plan.carrier_id is not None and plan.carrier_id != ex.carrier_id:
        changes["carrier_id"] = plan.carrier_id
    if row.land_mu is not None and row.land_mu != ex.land_mu:
        changes["land_mu"] = row.land_mu
    if row.note and row.note != ex.note:
        changes["note"] = row.note
    if row.lead_on is not None and row.lead_on != ex.lead_on:
        changes["lead_on"] = row.lead_on
    if row.planned_start_on is not None and (row.planned_start_on, row.planned_start_kind) != (
            ex.planned_start_on, ex.planned_start_kind):
        changes.update(planned_start_on=row.planned_start_on,
                       planned_start_kind=row.planned_start_kind)
    return changes


Move = tuple[str, dt.date, AgreementInput | None, StartInput | None, str]


def _moves(plan: Plan, ex: Existing, ids: _Ids) -> list[Move]:
    """Forward moves the ledger asks for; an import never moves a project back."""
    row = plan.row
    if ex.stage == stages.DROPPED:
        return []
    target = row.stage
    if target == stages.DROPPED:
        target = (stages.PRODUCING if row.producing_on else stages.STARTED if row.started_on
                  else stages.SIGNED if row.signed_on else ex.stage)
    if target == stages.PRODUCING and row.producing_on is None:
        target = stages.STARTED  # 已投产 with no date: no move is dated today by the import
    moves: list[Move] = []
    if stages.rank(target) > stages.rank(ex.stage):
        on = {stages.SIGNED: row.signed_on, stages.STARTED: row.started_on,
              stages.PRODUCING: row.producing_on}.get(target) or dt.date.today()
        agreement = None
        if row.signed_on is not None:
            amount = row.amount if row.amount is not None else row.planned
            agreement = AgreementInput(row.signed_on, amount or Decimal(0), row.agreement_kind,
                                       ids.event(plan))
        start = StartInput(row.started_on, row.start_kind) if row.started_on else None
        moves.append((target, on, agreement, start, ""))
    if row.stage == stages.DROPPED:
        dates = [d for d in (row.signed_on, row.started_on, row.producing_on) if d]
        on = row.dropped_on or (max(dates) if dates else dt.date.today())
        moves.append((stages.DROPPED, on, None, None, row.drop_reason))
    return moves
