"""Who may do what: one rule per mutating action, in one table (DESIGN §8).

Every mutating service function calls :func:`require` with its own action name before it
writes anything; ``tests/unit/test_permissions.py`` walks every public mutating function of
``crm.services`` (and the ledger import) and proves this table for each, so a new function
without a rule, or without its check, fails the suite. The README prints the same matrix
(:func:`matrix_markdown`).

The rule is judged against the account as it is in the database *now*, not as it was at
sign-in: an account deactivated or demoted while its window is open can no longer act.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.errors import PermissionDenied
from crm.models import AuditEntry, Company, ContactLog, Project, User


class Rule(enum.Enum):
    """Who passes. Managers and admins pass every rule but :attr:`ADMIN`, admins every one."""

    ANYONE = "所有在职账户"
    OWN_PROJECT = "负责该项目的招商专员"
    OWN_COMPANY = "企业的全部项目都由其负责的招商专员（无项目时：创建者）"
    OWN_LOG = "记录该接洽或负责该项目的招商专员"
    SELF = "账户本人"
    MANAGER = "管理者"
    ADMIN = "管理员"


@dataclass(frozen=True)
class Permission:
    rule: Rule
    what: str  # the action in a sentence: "只有管理者可以{what}"


P = Permission
RULES: dict[str, Permission] = {
    # projects
    "projects.create_project": P(Rule.ANYONE, "新建项目"),
    "projects.create_for_other": P(Rule.MANAGER, "新建由他人负责的项目"),
    "projects.update_project": P(Rule.OWN_PROJECT, "修改项目"),
    "projects.change_owner": P(Rule.MANAGER, "更换项目负责人"),
    "projects.load_for_write": P(Rule.OWN_PROJECT, "修改项目"),
    "projects.delete_project": P(Rule.MANAGER, "删除项目"),
    "projects.restore_project": P(Rule.MANAGER, "恢复项目"),
    # the pipeline
    "pipeline.advance": P(Rule.OWN_PROJECT, "推进项目阶段"),
    "pipeline.correct_back": P(Rule.MANAGER, "回退项目阶段（更正）"),
    "pipeline.out_of_order_dates": P(Rule.MANAGER, "更正日期顺序（如签约早于线索，须填原因）"),
    "pipeline.drop": P(Rule.OWN_PROJECT, "终止项目"),
    "pipeline.add_agreement": P(Rule.OWN_PROJECT, "补录协议"),
    "pipeline.add_funding": P(Rule.OWN_PROJECT, "登记到位资金"),
    "pipeline.set_registered": P(Rule.OWN_PROJECT, "登记入统日期"),
    "funds.add_receipt": P(Rule.OWN_PROJECT, "登记到位资金"),
    "funds.update_receipt": P(Rule.OWN_PROJECT, "修改到位资金"),
    "funds.delete_receipt": P(Rule.OWN_PROJECT, "删除到位资金"),
    "milestones.set_milestones": P(Rule.OWN_PROJECT, "登记项目里程碑（落地、竣工、达产、入库、入统、入规）"),
    "milestones.set_promises": P(Rule.OWN_PROJECT, "修改协议约定（约定日期、投资强度、亩均税收）"),
    "attachments.add_attachment": P(Rule.OWN_PROJECT, "添加附件"),
    "attachments.add_attachment_file": P(Rule.OWN_PROJECT, "添加附件"),
    "attachments.delete_attachment": P(Rule.OWN_PROJECT, "删除附件"),
    # companies
    "companies.create_company": P(Rule.ANYONE, "新建企业"),
    "companies.ensure_company": P(Rule.ANYONE, "新建企业"),
    "companies.update_company": P(Rule.OWN_COMPANY, "修改企业"),
    "companies.delete_company": P(Rule.MANAGER, "删除企业"),
    "companies.add_contact": P(Rule.OWN_COMPANY, "添加企业联系人"),
    "companies.remove_contact": P(Rule.OWN_COMPANY, "删除企业联系人"),
    # one company, one record: duplicates, merges, investors and local project companies
    "duplicates.duplicate_pairs": P(Rule.MANAGER, "查看重复企业"),
    "duplicates.count_pairs": P(Rule.MANAGER, "查看重复企业的对数"),
    "duplicates.iter_pairs": P(Rule.MANAGER, "逐对读出全部重复企业"),
    "duplicates.pairs_by_id": P(Rule.MANAGER, "按编号读取重复企业"),
    "duplicates.pair_marks": P(Rule.MANAGER, "读取重复企业列表的跳转位置"),
    "duplicates.dismiss_pair": P(Rule.MANAGER, "标记两家企业不是重复"),
    "merge.merge_companies": P(Rule.MANAGER, "合并企业"),
    "merge.undo_merge": P(Rule.MANAGER, "撤销企业合并"),
    "local_companies.set_parent": P(Rule.OWN_COMPANY, "设置投资方和营业执照取得日期"),
    "local_companies.set_local_company": P(Rule.OWN_PROJECT, "设置项目公司"),
    "local_companies.start_from_licence": P(Rule.OWN_PROJECT, "以营业执照取得日期登记开业"),
    "tiers.set_company_tiers": P(Rule.OWN_COMPANY, "修改企业层级标签"),
    "tiers.add_tier": P(Rule.ADMIN, "维护企业层级字典"),
    "tiers.update_tier": P(Rule.ADMIN, "维护企业层级字典"),
    # contact logs
    "contacts.add_log": P(Rule.ANYONE, "记录接洽"),
    "contacts.log_for_other": P(Rule.MANAGER, "替他人记录接洽"),
    "contacts.complete_follow_up": P(Rule.OWN_LOG, "处理跟进"),
    # dictionaries, events, targets
    "dictionaries.add_industry": P(Rule.ADMIN, "维护产业字典"),
    "dictionaries.rename_industry": P(Rule.ADMIN, "维护产业字典"),
    "dictionaries.ensure_industry": P(Rule.MANAGER, "新增产业"),
    "dictionaries.add_ambassador": P(Rule.MANAGER, "登记招商大使"),
    "dictionaries.add_carrier": P(Rule.MANAGER, "维护载体"),
    "dictionaries.update_carrier": P(Rule.MANAGER, "维护载体"),
    "carriers.place": P(Rule.OWN_PROJECT, "为项目落位载体"),
    "carriers.release": P(Rule.OWN_PROJECT, "释放项目占用的载体"),
    "carriers.occupy": P(Rule.MANAGER, "登记或释放载体的其他占用"),
    "events.add_event": P(Rule.MANAGER, "登记招商活动"),
    "events.update_event": P(Rule.MANAGER, "修改招商活动"),
    "settings.set_target": P(Rule.MANAGER, "设置年度目标"),
    "settings.set_targets": P(Rule.MANAGER, "设置年度目标"),
    "settings.set_setting": P(Rule.ADMIN, "修改设置"),
    "settings.personal": P(Rule.ANYONE, "保存个人偏好"),
    "settings.set_dashboard_period": P(Rule.MANAGER, "设置工作台的默认期间"),
    # steering the 开工率: alert thresholds and frozen 月报 (issue 15)
    "alerts.set_thresholds": P(Rule.MANAGER, "设置提醒天数"),
    "snapshots.take_snapshot": P(Rule.MANAGER, "冻结月报快照"),
    # the scorecard (考核) and rewards: the scheme is the admin's; targets share the
    # 年度目标 table and its right (managers)
    "scorecard_schemes.save_scheme": P(Rule.ADMIN, "定义考核方案（指标、权重、封顶、加分与扣分）"),
    "scorecard_schemes.save_scheme_with_targets": P(Rule.ADMIN,
                                                    "定义考核方案（指标、权重、封顶、加分与扣分）"),
    "scorecard_schemes.set_target": P(Rule.MANAGER, "设置考核目标（年度与季度时序目标）"),
    "scorecard_schemes.set_targets": P(Rule.MANAGER, "设置考核目标（年度与季度时序目标）"),
    "rewards.save_reward_rule": P(Rule.ADMIN, "设置招商大使与引荐人奖励规则"),
    "rewards.register_referrer": P(Rule.MANAGER, "登记项目引荐人及登记日期"),
    # people
    "users.create_user": P(Rule.ADMIN, "添加用户"),
    "users.create_person": P(Rule.MANAGER, "登记未开通登录的人员"),
    "users.grant_login": P(Rule.ADMIN, "为人员开通登录"),
    "users.set_role": P(Rule.ADMIN, "修改角色或启用状态"),
    "users.set_password": P(Rule.SELF, "修改他人密码"),
    # the 招商图谱: chains and segments are the managers', target firms everyone's
    "chains.add_chain": P(Rule.MANAGER, "维护产业链"),
    "chains.update_chain": P(Rule.MANAGER, "维护产业链"),
    "chains.delete_chain": P(Rule.MANAGER, "维护产业链"),
    "chains.add_segment": P(Rule.MANAGER, "维护产业链环节"),
    "chains.update_segment": P(Rule.MANAGER, "维护产业链环节"),
    "chains.delete_segment": P(Rule.MANAGER, "维护产业链环节"),
    "chains.add_target": P(Rule.ANYONE, "新增目标企业"),
    "chains.update_target": P(Rule.ANYONE, "修改目标企业"),
    "chains.delete_target": P(Rule.MANAGER, "删除目标企业"),
    "chains.convert_target": P(Rule.ANYONE, "目标企业转为线索"),
    "chains.link_project": P(Rule.OWN_PROJECT, "把项目归入产业链环节"),
    "chains.link_company": P(Rule.OWN_COMPANY, "把企业归入产业链环节"),
    "excel.import_targets": P(Rule.MANAGER, "导入目标企业名录"),
    # reading everyone's history
    "audit.audit_log": P(Rule.MANAGER, "查看审计日志"),
    "audit.log_people": P(Rule.MANAGER, "查看审计日志"),
    # the ledger and the database
    "excel.import_ledger": P(Rule.MANAGER, "从台账导入"),
    "backup.restore": P(Rule.ADMIN, "恢复数据库"),
}


def _current(uow: UnitOfWork, actor_user_id: int | None, role: str) -> tuple[str, int | None]:
    """(role, user id) as the database says now; the command line's own account is admin."""
    if actor_user_id is None:
        return role, None
    user = uow.session.get(User, actor_user_id)
    if user is None or not user.active:
        raise PermissionDenied("该账户已停用或不存在，不能再进行修改", code="permission.inactive")
    return user.role, user.id


def _owner_name(uow: UnitOfWork, owner_id: int | None) -> str:
    if owner_id is None:
        return "（无负责人）"
    user = uow.session.get(User, owner_id)
    return user.display_name if user else f"用户 {owner_id}"


def _company_is_theirs(uow: UnitOfWork, company: Company, user_id: int) -> tuple[bool, str]:
    owners = list(uow.session.scalars(
        select(Project.owner_id).where(Project.company_id == company.id,
                                       Project.deleted_at.is_(None)).distinct()))
    if owners:
        others = [o for o in owners if o != user_id]
        if not others:
            return True, ""
        names = "、".join(sorted({_owner_name(uow, o) for o in others}))
        return False, f"企业“{company.name}”有由{names}负责的项目"
    creator = uow.session.scalar(
        select(AuditEntry.user_id).where(AuditEntry.entity == "company",
                                         AuditEntry.entity_id == company.id,
                                         AuditEntry.action == "create")
        .order_by(AuditEntry.id).limit(1))
    if creator == user_id:
        return True, ""
    return False, f"企业“{company.name}”不是您创建的，且没有由您负责的项目"


def require(uow: UnitOfWork, actor: object, action: str, *, project: Project | None = None,
            company: Company | None = None, log: ContactLog | None = None,
            user_id: int | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may perform ``action`` on the record.

    Args:
        actor: a :class:`crm.services.common.Actor` (typed loosely: this module sits below
            the services).
        project, company, log, user_id: the record the action touches, for the rules that
            depend on it (own project, own company, own log, one's own account).
    """
    permission = RULES[action]  # a KeyError here is a programming error: add the rule
    role, uid = _current(uow, getattr(actor, "user_id", None), getattr(actor, "role", ""))
    if role == "admin":
        return
    rule = permission.rule
    if rule is Rule.ADMIN:
        raise PermissionDenied(f"只有管理员可以{permission.what}", code="permission.admin")
    if rule is Rule.SELF:
        if uid is not None and uid == user_id:
            return
        raise PermissionDenied(f"只有管理员可以{permission.what}", code="permission.admin")
    if role == "manager" or rule is Rule.ANYONE:
        return
    if rule is Rule.MANAGER:
        raise PermissionDenied(f"只有管理者可以{permission.what}", code="permission.manager")
    if rule is Rule.OWN_PROJECT:
        assert project is not None, action
        if uid is not None and project.owner_id == uid:
            return
        raise PermissionDenied(
            f"不能{permission.what}：“{project.name}”由{_owner_name(uow, project.owner_id)}负责；"
            "只能修改自己负责的项目（管理者可修改全部）", code="permission.owner")
    if rule is Rule.OWN_COMPANY:
        assert company is not None, action
        if uid is not None:
            ok, why = _company_is_theirs(uow, company, uid)
            if ok:
                return
        else:
            why = f"企业“{company.name}”"
        raise PermissionDenied(f"不能{permission.what}：{why}（管理者可修改全部）",
                               code="permission.company")
    if rule is Rule.OWN_LOG:
        assert log is not None, action
        if uid is not None and log.user_id == uid:
            return
        if uid is not None and log.project_id is not None:
            owner = uow.session.scalar(select(Project.owner_id)
                                       .where(Project.id == log.project_id))
            if owner == uid:
                return
        raise PermissionDenied(f"只能{permission.what}自己的接洽记录或自己负责项目的",
                               code="permission.owner")
    raise AssertionError(rule)  # pragma: no cover - every Rule is handled above


def allowed(uow: UnitOfWork, actor: object, action: str, **target: object) -> bool:
    """Whether :func:`require` would pass: for a window to offer only what will succeed."""
    try:
        require(uow, actor, action, **target)  # type: ignore[arg-type]
    except PermissionDenied:
        return False
    return True


def matrix_markdown() -> str:
    """The matrix as a Markdown table (README): action, staff, manager, admin."""
    staff = {Rule.ANYONE: "✓", Rule.OWN_PROJECT: "本人负责的项目", Rule.SELF: "仅本人账户",
             Rule.OWN_COMPANY: "全部项目由本人负责（或无项目且本人创建）的企业",
             Rule.OWN_LOG: "本人的记录或本人项目的", Rule.MANAGER: "—", Rule.ADMIN: "—"}
    lines = ["| action | what | 招商专员 staff | 管理者 manager | 管理员 admin |",
             "| --- | --- | --- | --- | --- |"]
    for action, p in RULES.items():
        manager = "—" if p.rule is Rule.ADMIN else ("仅本人账户" if p.rule is Rule.SELF else "✓")
        lines.append(f"| `{action}` | {p.what} | {staff[p.rule]} | {manager} | ✓ |")
    return "\n".join(lines)


