"""The same company twice: the check where companies enter, and the 重复企业 list.

A new company is compared with the stored ones by USCC, then by its normalised name
(``companies.name_key``, one indexed lookup), then by a fuzzy match of the names' cores
(crm.companies_identity, rapidfuzz): :func:`similar_companies`. The 重复企业 list
(:func:`duplicate_pairs`) compares the stored companies with each other; a pair a manager
dismissed (:func:`dismiss_pair`) is not shown again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from crm import permissions
from crm.companies_identity import THRESHOLD, NameParts, Verdict, compare, name_parts
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, DuplicateDismissal, Project
from crm.services.common import Actor, audit, get_or_404

FUZZY_LIMIT = 5  # matches a form offers
# Up to this many companies the list compares every pair (5,000 companies: about 3 s); beyond,
# each company is compared with its neighbours in the order of the names' cores, forwards and
# backwards (a typo at either end still meets its twin), which is linear.
ALL_PAIRS_UP_TO = 1500
NEIGHBOURS = 40


@dataclass(frozen=True)
class Match:
    """A stored company a new or edited one may be."""

    id: int
    name: str
    uscc: str | None
    score: int
    reason: str
    sure: bool  # the same USCC or the same normalised name: not a guess


class DuplicateSuspected(ValidationError):
    """A company that may exist already; ``matches`` says which and why."""

    def __init__(self, message: str, matches: list[Match]):
        super().__init__(message, code="company.similar", field="company.name")
        self.matches = matches


def _live(uow: UnitOfWork, *where: object) -> list[tuple[int, str, str | None, str]]:
    rows = uow.session.execute(select(Company.id, Company.name, Company.uscc, Company.name_key)
                               .where(Company.deleted_at.is_(None), *where)  # type: ignore[arg-type]
                               .order_by(Company.id))
    return [(i, n, u, k) for i, n, u, k in rows]


def _key(name: str, stored: str) -> NameParts:
    """A stored company's parts (its key, or its name when the key is missing: a row written
    by an older version or by bulk SQL)."""
    return NameParts.of_key(stored) if stored else name_parts(name)


def similar_companies(uow: UnitOfWork, name: str, uscc: str | None = None, *,
                      exclude_id: int | None = None, limit: int = FUZZY_LIMIT) -> list[Match]:
    """The live companies ``name`` (and ``uscc``) may be, surest first."""
    found: dict[int, Match] = {}
    if uscc:
        for cid, cname, cuscc, _ in _live(uow, Company.uscc == uscc):
            found[cid] = Match(cid, cname, cuscc, 100, f"统一社会信用代码相同：{uscc}", True)
    parts = name_parts(name)
    if not parts.core:
        return list(found.values())
    from rapidfuzz import fuzz, process

    # the same key is one index lookup; the fuzzy part reads every live key (100k: ~60 ms)
    rows = _live(uow)
    cores = {cid: _key(cname, key).core for cid, cname, _, key in rows}
    near = {cid for _, _, cid in process.extract(parts.core, cores, scorer=fuzz.ratio,
                                                score_cutoff=THRESHOLD, limit=50)}
    for cid, cname, cuscc, key in rows:
        if cid not in near or cid in found or cid == exclude_id:
            continue
        if uscc and cuscc and cuscc != uscc:
            continue  # two USCCs are two legal persons, however alike the names
        verdict = compare(parts, _key(cname, key))
        if verdict is not None:
            found[cid] = Match(cid, cname, cuscc, verdict.score, verdict.reason, verdict.sure)
    found.pop(exclude_id or 0, None)
    ordered = sorted(found.values(), key=lambda m: (not m.sure, -m.score, m.id))
    return ordered[:limit]


def suspected_message(name: str, matches: list[Match]) -> str:
    """What a person is told about a new company that may exist already."""
    first = matches[0]
    others = "、".join(f"“{m.name}”" for m in matches[1:])
    more = f"（另有相似的{others}）" if others else ""
    return (f"已有企业“{first.name}”（{first.reason}）{more}：请使用已有的{first.name}；"
            f"如“{name.strip()}”确是另一家企业，请确认后再保存")


def check_new_name(uow: UnitOfWork, actor: Actor, name: str, uscc: str | None,
                   own_id: int | None, distinct_from: Iterable[int]) -> None:
    """Refuse a name that may be a stored company the person has not said is another one;
    remember the pairs they have said are different (not shown as 疑似重复 again).
    Called inside companies.create_company / update_company, whose rule covers it."""
    confirmed = set(distinct_from)
    matches = [m for m in similar_companies(uow, name, uscc, exclude_id=own_id)
               if m.id not in confirmed or m.sure]
    if matches:
        raise DuplicateSuspected(suspected_message(name, matches), matches)
    for other in confirmed:
        get_or_404(uow.session, Company, other, "企业")
    if own_id is not None:
        for other in confirmed:
            _remember(uow, actor, own_id, other)


def remember_distinct(uow: UnitOfWork, actor: Actor, company_id: int,
                      others: Iterable[int]) -> None:
    """After a new company is saved: the pairs its creator said are different companies."""
    for other in others:
        _remember(uow, actor, company_id, other)


# --- the 重复企业 list ----------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """Two live companies that may be one, with why; ``a`` is the one with more projects
    (the natural survivor of a merge), else the older."""

    a_id: int
    a_name: str
    a_uscc: str | None
    a_projects: int
    b_id: int
    b_name: str
    b_uscc: str | None
    b_projects: int
    score: int
    reason: str
    sure: bool


def _candidate_pairs(parts: list[tuple[int, NameParts]]) -> Iterable[tuple[int, int]]:
    """Index pairs worth comparing (see ALL_PAIRS_UP_TO)."""
    n = len(parts)
    if n <= ALL_PAIRS_UP_TO:
        for i in range(n):
            for j in range(i + 1, n):
                yield i, j
        return
    seen: set[tuple[int, int]] = set()
    for key in (lambda k: parts[k][1].core, lambda k: parts[k][1].core[::-1]):
        order = sorted(range(n), key=key)
        for pos, i in enumerate(order):
            for j in order[pos + 1:pos + 1 + NEIGHBOURS]:
                pair = (min(i, j), max(i, j))
                if pair not in seen:
                    seen.add(pair)
                    yield pair


def duplicate_pairs(uow: UnitOfWork, actor: Actor) -> list[Pair]:
    """Suspected pairs of live companies not dismissed, surest first (managers)."""
    permissions.require(uow, actor, "duplicates.duplicate_pairs")
    rows = _live(uow)
    parts = [(cid, _key(name, key)) for cid, name, _, key in rows]
    info = {cid: (name, uscc) for cid, name, uscc, _ in rows}
    dismissed = set(uow.session.execute(select(DuplicateDismissal.company_a_id,
                                               DuplicateDismissal.company_b_id)))
    found: list[tuple[int, int, Verdict]] = []
    for i, j in _candidate_pairs(parts):
        (a, pa), (b, pb) = parts[i], parts[j]
        if (min(a, b), max(a, b)) in dismissed:
            continue
        ua, ub = info[a][1], info[b][1]
        if ua and ub and ua != ub:
            continue
        verdict = compare(pa, pb)
        if verdict is not None:
            found.append((a, b, verdict))
    ids = {x for a, b, _ in found for x in (a, b)}
    counts = dict(uow.session.execute(
        select(Project.company_id, func.count()).where(Project.company_id.in_(ids),
                                                       Project.deleted_at.is_(None))
        .group_by(Project.company_id)).all()) if ids else {}
    out = []
    for a, b, v in found:
        if (counts.get(b, 0), -b) > (counts.get(a, 0), -a):
            a, b = b, a
        out.append(Pair(a, info[a][0], info[a][1], counts.get(a, 0), b, info[b][0], info[b][1],
                        counts.get(b, 0), v.score, v.reason, v.sure))
    return sorted(out, key=lambda p: (not p.sure, -p.score, p.a_id, p.b_id))


def _remember(uow: UnitOfWork, actor: Actor, one: int, other: int) -> bool:
    a, b = min(one, other), max(one, other)
    if a == b:
        return False
    exists = uow.session.scalar(select(DuplicateDismissal.id).where(
        DuplicateDismissal.company_a_id == a, DuplicateDismissal.company_b_id == b))
    if exists:
        return False
    uow.session.add(DuplicateDismissal(company_a_id=a, company_b_id=b,
                                       dismissed_by_id=actor.user_id,
                                       dismissed_by_name=actor.name[:64]))
    return True


def dismiss_pair(uow: UnitOfWork, actor: Actor, company_a: int, company_b: int) -> None:
    """Two companies are not the same: not shown as 疑似重复 again (managers)."""
    permissions.require(uow, actor, "duplicates.dismiss_pair")
    a = get_or_404(uow.session, Company, company_a, "企业")
    b = get_or_404(uow.session, Company, company_b, "企业")
    if a.id == b.id:
        raise ValidationError("请选择两家不同的企业", code="duplicates.same")
    if _remember(uow, actor, a.id, b.id):
        for one, other in ((a, b), (b, a)):
            audit(uow, actor, "not_duplicate", "company", one.id, name=one.name,
                  other=other.name, changes=[["not_duplicate_of", "", other.name]])


def dismissed_pairs(uow: UnitOfWork) -> list[tuple[int, int]]:
    """The pairs said to be different companies (smaller id first)."""
    return [(a, b) for a, b in uow.session.execute(
        select(DuplicateDismissal.company_a_id, DuplicateDismissal.company_b_id)
        .order_by(DuplicateDismissal.id))]


def find_company(uow: UnitOfWork, text: str) -> Company:
    """A live company by id, USCC or exact name (the command line's A and B)."""
    raw = (text or "").strip()
    if raw.isdigit():
        found = uow.session.get(Company, int(raw))
        if found is not None:
            return found
    rows = list(uow.session.scalars(select(Company).where(
        Company.deleted_at.is_(None), or_(Company.name == raw, Company.uscc == raw.upper()))))
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        raise ValidationError(f"有 {len(rows)} 家企业名为“{raw}”，请用编号："
                              f"{'、'.join(str(c.id) for c in rows)}", code="companies.ambiguous")
    raise ValidationError(f"找不到企业“{raw}”（请写编号、统一社会信用代码或完整名称）",
                          code="companies.missing")
