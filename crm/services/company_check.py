"""The check where companies enter: a new or renamed company compared with the stored ones by
USCC, then by its normalised name (``companies.name_key``, one indexed lookup), then by a fuzzy
match of the names' cores (crm.companies_identity, rapidfuzz): :func:`similar_companies`. A
pair a person said are two companies is remembered (:func:`remember`), here and in the
重复企业 list (crm.services.duplicates), which does not show it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.companies_identity import THRESHOLD, NameParts, compare, name_key, name_parts
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, DuplicateDismissal
from crm.services.common import Actor, get_or_404

FUZZY_LIMIT = 5  # matches a form offers


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


def live_keys(uow: UnitOfWork) -> dict[int, str]:
    """Every live company's normalised name (``place|core``), by id.

    Read from ix_companies_live_name_key alone (migration 0016), straight from the driver's
    cursor. A key missing (a row written by an older version or by bulk SQL) is worked out
    from the name."""
    uow.session.flush()
    result: Any = uow.session.connection().execute(
        select(Company.id, Company.name_key).where(Company.deleted_at.is_(None)))
    try:
        keys: dict[int, str] = dict(result.cursor.fetchall())
    finally:
        result.close()
    missing = [i for i, k in keys.items() if not k]
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        for cid, cname in uow.session.execute(select(Company.id, Company.name)
                                              .where(Company.id.in_(chunk))):
            keys[cid] = name_key(cname)
    return keys


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

    # rapidfuzz picks the near cores among all (100k: ~70 ms of the ~0.3 s this takes);
    # only those few are read in full and judged
    keys = live_keys(uow)
    cores = {cid: key.partition("|")[2] for cid, key in keys.items()}
    near = [cid for _, _, cid in process.extract(parts.core, cores, scorer=fuzz.ratio,
                                                 score_cutoff=THRESHOLD, limit=50)]
    near = [cid for cid in near if cid not in found and cid != exclude_id]
    for cid, cname, cuscc, _ in (_live(uow, Company.id.in_(near)) if near else []):
        if uscc and cuscc and cuscc != uscc:
            continue  # two USCCs are two legal persons, however alike the names
        verdict = compare(parts, NameParts.of_key(keys[cid]))
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
            remember(uow, actor, own_id, other)


def remember_distinct(uow: UnitOfWork, actor: Actor, company_id: int,
                      others: Iterable[int]) -> None:
    """After a new company is saved: the pairs its creator said are different companies."""
    for other in others:
        remember(uow, actor, company_id, other)


def remember(uow: UnitOfWork, actor: Actor, one: int, other: int) -> bool:
    """That ``one`` and ``other`` are two companies (a pair not shown again); False where it
    was known or they are one."""
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
