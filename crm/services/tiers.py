"""Investor tiers (企业层级): 世界500强, 中国500强, 上市公司, 专精特新 … as tags on companies.

The list is a dictionary admins keep (migration 0012 seeds the issue's ten); a company may
carry several tags. Signings by tier are counted in :func:`crm.services.assessment.tier_counts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Company, CompanyTier, Tier
from crm.services.common import Actor, audit, get_or_404, required_text
from crm.text import normalize


@dataclass(frozen=True)
class TierRow:
    id: int
    name: str
    active: bool


def list_tiers(uow: UnitOfWork, *, include_inactive: bool = False) -> list[TierRow]:
    """The tier dictionary in its order (active ones only unless asked)."""
    stmt = select(Tier).order_by(Tier.position, Tier.id)
    if not include_inactive:
        stmt = stmt.where(Tier.active.is_(True))
    return [TierRow(t.id, t.name, t.active) for t in uow.session.scalars(stmt)]


def _clean(uow: UnitOfWork, name: str, tier_id: int | None) -> str:
    clean = required_text(name, "企业层级名称", "name", 32)
    for row in uow.session.scalars(select(Tier)):
        if row.id != tier_id and normalize(row.name) == normalize(clean):
            raise ValidationError(f"企业层级“{clean}”已存在", code="tier.duplicate", field="name")
    return clean


def add_tier(uow: UnitOfWork, actor: Actor, name: str) -> TierRow:
    """A new tier at the end of the list (admins)."""
    permissions.require(uow, actor, "tiers.add_tier")
    clean = _clean(uow, name, None)
    last = uow.session.scalar(select(func.max(Tier.position))) or 0
    row = Tier(name=clean, position=last + 1, active=True)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "create", "tier", row.id, name=clean, changes=[["name", "", clean]])
    return TierRow(row.id, row.name, row.active)


def update_tier(uow: UnitOfWork, actor: Actor, tier_id: int, name: str,
                active: bool = True) -> TierRow:
    """Rename a tier or retire it (a retired tier stays on the companies that have it, is no
    longer offered, and is no longer counted)."""
    permissions.require(uow, actor, "tiers.update_tier")
    row = get_or_404(uow.session, Tier, tier_id, "企业层级")
    clean = _clean(uow, name, tier_id)
    changes = [[k, str(old), str(new)] for k, old, new in
               (("name", row.name, clean), ("active", row.active, active)) if old != new]
    if changes:
        row.name, row.active = clean, active
        audit(uow, actor, "update", "tier", row.id, name=clean,
              changes=[[k, {"True": "是", "False": "否"}.get(o, o),
                        {"True": "是", "False": "否"}.get(n, n)] for k, o, n in changes])
    return TierRow(row.id, row.name, row.active)


def company_tiers(uow: UnitOfWork, company_id: int) -> list[TierRow]:
    """The tiers a company carries, in the dictionary's order."""
    stmt = (select(Tier).join(CompanyTier, CompanyTier.tier_id == Tier.id)
            .where(CompanyTier.company_id == company_id).order_by(Tier.position, Tier.id))
    return [TierRow(t.id, t.name, t.active) for t in uow.session.scalars(stmt)]


def resolve_tiers(uow: UnitOfWork, names: Iterable[str]) -> list[int]:
    """Tier ids from names as a ledger writes them (、，,;； or spaces between); an unknown
    name is refused with the list of known ones."""
    known = {normalize(t.name): t.id for t in uow.session.scalars(select(Tier))}
    out: list[int] = []
    for name in names:
        key = normalize(name)
        if not key:
            continue
        if key not in known:
            names_text = "、".join(t.name for t in list_tiers(uow))
            raise ValidationError(f"未知企业层级“{name}”（可选：{names_text}）",
                                  code="tier.unknown", field="tiers")
        if known[key] not in out:
            out.append(known[key])
    return out


def set_company_tiers(uow: UnitOfWork, actor: Actor, company_id: int,
                      tier_ids: Sequence[int]) -> list[TierRow]:
    """Replace a company's tier tags (who may edit the company may set them)."""
    company = get_or_404(uow.session, Company, company_id, "企业")
    permissions.require(uow, actor, "tiers.set_company_tiers", company=company)
    wanted: list[int] = []
    for tier_id in tier_ids:
        get_or_404(uow.session, Tier, tier_id, "企业层级")
        if tier_id not in wanted:
            wanted.append(tier_id)
    before = company_tiers(uow, company_id)
    if sorted(t.id for t in before) == sorted(wanted):
        return before
    uow.session.execute(delete(CompanyTier).where(CompanyTier.company_id == company_id))
    uow.session.add_all(CompanyTier(company_id=company_id, tier_id=t) for t in wanted)
    uow.session.flush()
    after = company_tiers(uow, company_id)
    audit(uow, actor, "tiers", "company", company_id, name=company.name,
          changes=[["tiers", "、".join(t.name for t in before), "、".join(t.name for t in after)]])
    return after
