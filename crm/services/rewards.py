"""Rewards for 招商大使 and 引荐人 (招商引资奖励办法), computed from rules, never typed.

A year's rule per role (ambassador | referrer): the reward of a project is ``‰`` of the
固定资产投资 actually received on it in the year (receipts of that kind dated in the year, on
or before the as-of date: the 固投 part of 当年实际到位资金, crm.services.assessment), capped
per project, and each person's rewards of the year are capped together. Only an introducer
registered **before** the project's signing counts: an ambassador appointed (聘任) before the
signing date, a 引荐人 whose 引荐 was registered with the bureau before it. Definitions:
docs/figures.md ("奖励").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal_column, select

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Ambassador, Company, Funding, Project, RewardRule
from crm.money import check_amount
from crm.services.audit_fields import text as audit_text
from crm.services.common import Actor, audit, check_date, get_or_404, optional_text

ROLES = {"ambassador": "招商大使", "referrer": "引荐人"}
FIXED_ASSETS = "固定资产投资"
YUAN = Decimal("0.0001")  # 万元 to the 元
ZERO = Decimal(0)


@dataclass(frozen=True)
class RuleRow:
    year: int
    role: str
    permille: Decimal
    cap_per_project: Decimal | None  # 万元
    cap_per_person: Decimal | None  # 万元

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    @property
    def text(self) -> str:
        def n(x: Decimal) -> str:
            return format(x.normalize(), "f")
        caps = []
        if self.cap_per_project is not None:
            caps.append(f"单个项目最高 {n(self.cap_per_project)} 万元")
        if self.cap_per_person is not None:
            caps.append(f"每人每年最高 {n(self.cap_per_person)} 万元")
        tail = "，" + "，".join(caps) if caps else ""
        return f"{self.role_name}：实际到位固投的 {n(self.permille)}‰{tail}"


def parse_permille(text: str) -> Decimal:
    """A ‰ rate as typed (``5``, ``2.5``, ``5‰``)."""
    clean = (text or "").strip().removesuffix("‰").strip()
    try:
        value = Decimal(clean)
    except InvalidOperation:
        value = Decimal("NaN")
    if not clean or not value.is_finite():
        raise ValidationError(f"奖励比例应为数字（‰），如 5：{text}", code="reward.permille",
                              field="permille")
    return value


def reward_rules(uow: UnitOfWork, year: int) -> list[RuleRow]:
    rows = uow.session.scalars(select(RewardRule).where(RewardRule.year == year))
    order = list(ROLES)
    return sorted((RuleRow(r.year, r.role, r.permille, r.cap_per_project, r.cap_per_person)
                   for r in rows), key=lambda r: order.index(r.role))


def save_reward_rule(uow: UnitOfWork, actor: Actor, year: int, role: str, permille: Decimal,
                     cap_per_project: Decimal | None = None,
                     cap_per_person: Decimal | None = None) -> RuleRow:
    """Set the year's reward rule for 招商大使 or 引荐人."""
    permissions.require(uow, actor, "rewards.save_reward_rule")
    if role not in ROLES:
        raise ValidationError("奖励对象应为 ambassador（招商大使）或 referrer（引荐人）",
                              code="reward.role", field="role")
    if not 1990 <= year <= 2100:
        raise ValidationError("年度超出范围", code="reward.year", field="year")
    check_amount(permille, field="permille", label="奖励比例", positive=True, money=False)
    if permille > 1000:
        raise ValidationError("奖励比例不能超过 1000‰", code="reward.permille", field="permille")
    check_amount(cap_per_project, field="cap_per_project", label="单个项目上限", positive=True)
    check_amount(cap_per_person, field="cap_per_person", label="每人上限", positive=True)
    row = uow.session.scalar(select(RewardRule).where(RewardRule.year == year,
                                                      RewardRule.role == role))
    before = "" if row is None else RuleRow(year, role, row.permille, row.cap_per_project,
                                            row.cap_per_person).text
    if row is None:
        row = RewardRule(year=year, role=role, permille=permille)
        uow.session.add(row)
    row.permille, row.cap_per_project, row.cap_per_person = permille, cap_per_project, \
        cap_per_person
    result = RuleRow(year, role, permille, cap_per_project, cap_per_person)
    if before != result.text:
        uow.session.flush()
        audit(uow, actor, "update" if before else "create", "reward_rule", row.id,
              name=f"{year} {ROLES[role]}奖励", changes=[["rule", before, result.text]])
    return result


def register_referrer(uow: UnitOfWork, actor: Actor, project_id: int, referrer: str,
                      registered_on: dt.date | None) -> None:
    """Record a project's 引荐人 and the day the 引荐 was registered with the bureau (a
    reward needs it before the signing)."""
    project = get_or_404(uow.session, Project, project_id, "项目")
    permissions.require(uow, actor, "rewards.register_referrer", project=project)
    name = optional_text(referrer, 200)
    if not name:
        raise ValidationError("请填写引荐人", code="referrer.required", field="referrer")
    day = check_date(registered_on, "引荐登记日期", "referrer_registered_on", past=True)
    changes = [[key, audit_text(old), audit_text(new)] for key, old, new in (
        ("referrer", project.referrer, name),
        ("referrer_registered_on", project.referrer_registered_on, day)) if old != new]
    project.referrer, project.referrer_registered_on = name, day
    if changes:
        audit(uow, actor, "update", "project", project.id, name=project.name, changes=changes)


@dataclass(frozen=True)
class RewardLine:
    """One introducer's reward for one project."""

    project_id: int
    project: str
    company: str
    role: str
    person: str
    registered_on: dt.date | None
    signed_on: dt.date
    fixed_assets: Decimal  # 万元 received in the year (固定资产投资)
    eligible: bool
    reason: str  # why not (未登记, 签约后才登记, 无奖励规则)
    computed: Decimal  # ‰ × 固投, before the caps
    reward: Decimal  # after the per-project and per-person caps

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    @property
    def id(self) -> int:
        """The line's key in a list (a project has at most one line per role)."""
        return self.project_id * len(ROLES) + list(ROLES).index(self.role)


# The kind written as a constant, not a parameter: a prepared statement's plan on PostgreSQL can
# then use ix_fundings_fixed_assets (migration 0024), whose predicate it must match.
FIXED_KIND: ColumnElement[str] = literal_column(f"'{FIXED_ASSETS}'", String)


def fixed_assets_where(year: int, as_of: dt.date) -> tuple[ColumnElement[bool], ...]:
    """The year's 固定资产投资 receipts, up to as-of."""
    return (Funding.kind == FIXED_KIND, Funding.received_on >= dt.date(year, 1, 1),
            Funding.received_on <= min(dt.date(year, 12, 31), as_of))


def ineligible(year: int, role: str, rule: RuleRow | None, registered: dt.date | None,
               signed: dt.date) -> str:
    """Why an introducer's line earns nothing ('' where it does)."""
    if rule is None:
        return f"{year} 年没有{ROLES[role]}奖励规则"
    if registered is None:
        return "未登记" if role == "referrer" else "无聘任日期"
    if registered >= signed:
        return f"登记（{registered}）不早于签约（{signed}）"
    return ""


def _fixed_assets(uow: UnitOfWork, year: int, as_of: dt.date) -> dict[int, Decimal]:
    stmt = (select(Funding.project_id, func.sum(Funding.amount))
            .where(*fixed_assets_where(year, as_of)).group_by(Funding.project_id))
    return {pid: amount or ZERO for pid, amount in uow.session.execute(stmt)}


def rewards(uow: UnitOfWork, year: int, as_of: dt.date) -> list[RewardLine]:
    """The introducers (招商大使, 引荐人) of the projects with 固投 received in ``year`` or
    signed in it, on ``as_of``, and their rewards; ordered by person, then signing date. Per
    person, the cap takes the projects in order of signing: the first ones are paid in full."""
    rules = {r.role: r for r in reward_rules(uow, year)}
    received = _fixed_assets(uow, year, as_of)
    stmt = (select(Project.id, Project.name, Company.name, Project.signed_on,
                   Project.ambassador_id, Ambassador.name, Ambassador.appointed_on,
                   Project.referrer, Project.referrer_registered_on)
            .join(Company, Company.id == Project.company_id)
            .outerjoin(Ambassador, Ambassador.id == Project.ambassador_id)
            .where(Project.deleted_at.is_(None), Project.signed_on.is_not(None),
                   Project.signed_on <= as_of,
                   (Project.ambassador_id.is_not(None)) | (Project.referrer != "")))
    # a reward comes from the year's 固投; the year's signings are listed too (what is
    # pending, or not rewarded, and why): two reads, each from its index (the year's
    # signings; the year's receipts), not one pass over every project ever signed
    found: dict[int, Any] = {}
    for part in (stmt.where(Project.signed_on >= dt.date(year, 1, 1)),
                 stmt.where(Project.id.in_(select(Funding.project_id)
                                           .where(*fixed_assets_where(year, as_of))))):
        found.update((r[0], tuple(r)) for r in uow.session.execute(part))
    lines: list[RewardLine] = []
    paid: dict[tuple[str, str], Decimal] = {}
    rows: list[tuple[int, str, str, dt.date, int | None, str | None, dt.date | None, str,
                     dt.date | None]] = sorted(found.values(), key=lambda r: (r[3], r[0]))
    for pid, name, company, signed, amb_id, amb, appointed, referrer, ref_on in rows:
        fixed = received.get(pid, ZERO)
        for role, person, registered in (("ambassador", amb or "", appointed),
                                         ("referrer", referrer, ref_on)):
            if (role == "ambassador" and amb_id is None) or (role == "referrer" and not referrer):
                continue
            rule = rules.get(role)
            reason = ineligible(year, role, rule, registered, signed)
            computed = ZERO
            reward = ZERO
            if rule is not None:
                computed = (fixed * rule.permille / 1000).quantize(YUAN, ROUND_HALF_UP)
            if not reason and rule is not None:
                reward = computed
                if rule.cap_per_project is not None:
                    reward = min(reward, rule.cap_per_project)
                if rule.cap_per_person is not None:
                    so_far = paid.get((role, person), ZERO)
                    reward = max(ZERO, min(reward, rule.cap_per_person - so_far))
                paid[(role, person)] = paid.get((role, person), ZERO) + reward
            lines.append(RewardLine(pid, name, company, role, person, registered, signed, fixed,
                                    not reason, reason, computed, reward))
    return sorted(lines, key=lambda r: (list(ROLES).index(r.role), r.person, r.signed_on,
                                        r.project_id))


def reward_totals(lines: list[RewardLine]) -> list[tuple[str, str, Decimal]]:
    """(role, person, total reward) per introducer, largest first."""
    totals: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        totals[(line.role, line.person)] = totals.get((line.role, line.person), ZERO) + line.reward
    return sorted(((role, person, amount) for (role, person), amount in totals.items()),
                  key=lambda t: (-t[2], t[0], t[1]))
