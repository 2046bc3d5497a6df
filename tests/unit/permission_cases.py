"""The records and calls tests/unit/test_permissions.py proves the matrix on: a world of
王芳's project, company, log … and, per mutating service function, one call on them.

Kept apart from the test so that the table of calls (one per rule of crm.permissions.RULES)
reads as one list; a new mutating function needs a line here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm.db import Database, UnitOfWork
from crm.models import Agreement, Chain, Company, Funding, Segment, TargetFirm, Tier
from crm.services import (
    alerts,
    attachments,
    audit,
    carriers,
    chains,
    companies,
    contacts,
    dictionaries,
    events,
    funds,
    milestones,
    pipeline,
    projects,
    rewards,
    scorecard_schemes,
    settings,
    snapshots,
    tiers,
    users,
)
from crm.services.common import SYSTEM, Actor

D = dt.date


@dataclass
class World:
    admin: Actor
    manager: Actor
    owner: Actor  # 王芳, staff: owns the project and the company below
    other: Actor  # 李晓明, staff: owns nothing here
    retired: Actor  # staff who owned things and was deactivated
    project: int
    signed: int
    company: int
    contact: int
    log: int
    attachment: int
    industry: int
    carrier: int
    event: int
    person: int  # named in a ledger, no login yet
    placement: int  # 王芳's project placed in the carrier
    occupancy: int  # 其他占用 of the carrier


def build_world(db: Database) -> World:
    with db.uow() as uow:
        def person(login: str, role: str, name: str) -> Actor:
            return users.create_user(uow, SYSTEM, login, role, display_name=name,
                                     password="secret12").actor()
        admin = person("root", "admin", "管理员")
        manager = person("zhou", "manager", "周建明")
        owner = person("wangf", "staff", "王芳")
        other = person("lixm", "staff", "李晓明")
        retired = person("old", "staff", "老张")
        industry = dictionaries.add_industry(uow, SYSTEM, "新能源").id
        carrier = dictionaries.add_carrier(uow, SYSTEM, dictionaries.CarrierInput(
            "光谷厂房", "标准化厂房", total_area=Decimal(1000))).id
        event = events.add_event(uow, SYSTEM, events.EventInput("上海推介会", D(2025, 6, 12))).id
        company = companies.create_company(uow, owner, companies.CompanyInput(
            "上海际数科技有限公司", contacts=(companies.ContactInput("张总"),)))
        project = projects.create_project(uow, owner, projects.ProjectInput(
            "际数科技华中总部", company.id, lead_on=D(2025, 1, 5))).id
        signed = projects.create_project(uow, owner, projects.ProjectInput(
            "际数科技二期", company.id, lead_on=D(2025, 1, 5))).id
        pipeline.advance(uow, owner, signed, "signed", D(2025, 3, 1),
                         agreement=pipeline.AgreementInput(D(2025, 3, 1), Decimal(5000)))
        log = contacts.add_log(uow, owner, contacts.LogInput(
            D(2025, 2, 1), "走访", "谈选址", project_id=project,
            follow_up_on=D(2025, 3, 1))).id
        attachment = attachments.add_attachment(uow, owner, project, "协议.pdf", b"%PDF").id
        users.set_role(uow, SYSTEM, retired.user_id or 0, "staff", active=False)
        person_id = users.create_person(uow, SYSTEM, "待开通").id
        placement = carriers.place(uow, owner, signed, carrier, Decimal(100), D(2025, 3, 1)).id
        occupancy = carriers.occupy(uow, SYSTEM, carrier, Decimal(50), D(2025, 1, 1)).id
        funds.add_receipt(uow, SYSTEM, signed, funds.ReceiptInput(
            D(2025, 4, 1), Decimal(300), "省外", "固定资产投资"))
        uow.commit()
        return World(admin, manager, owner, other, retired, project, signed, company.id,
                     company.contacts[0].id, log, attachment, industry, carrier, event,
                     person_id, placement, occupancy)


Call = Callable[[UnitOfWork, Actor], Any]


def _first(uow: UnitOfWork, column: Any, where: Any) -> int:
    return int(uow.session.scalar(select(column).where(where).order_by(column).limit(1)))


def cases(w: World, tmp: Path) -> dict[str, Call]:
    """One call per mutating function, on 王芳's records (or on her account)."""
    pdf = tmp / "说明.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    pin = projects.ProjectInput("际数科技华中总部", w.company, lead_on=D(2025, 1, 5), note="改")
    return {
        "projects.create_project": lambda u, a: projects.create_project(
            u, a, projects.ProjectInput("新线索", w.company, lead_on=D(2025, 1, 5))),
        "projects.update_project": lambda u, a: projects.update_project(
            u, a, w.project, projects.ProjectInput(
                "际数科技华中总部", w.company, lead_on=D(2025, 1, 5), note="改",
                owner_id=w.owner.user_id)),
        "projects.load_for_write": lambda u, a: projects.load_for_write(u, a, w.project, None),
        "projects.delete_project": lambda u, a: projects.delete_project(u, a, w.project),
        "projects.restore_project": lambda u, a: projects.restore_project(u, a, w.project),
        "pipeline.advance": lambda u, a: pipeline.advance(
            u, a, w.project, "negotiating", D(2025, 2, 1)),
        "pipeline.drop": lambda u, a: pipeline.drop(u, a, w.project, D(2025, 2, 1), "外迁"),
        "pipeline.add_agreement": lambda u, a: pipeline.add_agreement(
            u, a, w.signed, pipeline.AgreementInput(D(2025, 4, 1), Decimal(100), "正式合同")),
        "pipeline.add_funding": lambda u, a: pipeline.add_funding(
            u, a, w.signed, D(2025, 5, 1), Decimal(100)),
        "pipeline.set_registered": lambda u, a: pipeline.set_registered(
            u, a, w.signed, D(2025, 5, 1)),
        "funds.add_receipt": lambda u, a: funds.add_receipt(u, a, w.signed, funds.ReceiptInput(
            D(2025, 5, 1), Decimal(80), "境外", "固定资产投资", "USD", Decimal(11))),
        "funds.update_receipt": lambda u, a: funds.update_receipt(
            u, a, _first(u, Funding.id, Funding.project_id == w.signed), funds.ReceiptInput(
                D(2025, 4, 2), Decimal(300), "省外", "固定资产投资")),
        "funds.delete_receipt": lambda u, a: funds.delete_receipt(
            u, a, _first(u, Funding.id, Funding.project_id == w.signed)),
        "milestones.set_milestones": lambda u, a: milestones.set_milestones(
            u, a, w.signed, milestones.MilestoneInput(landed_on=D(2025, 4, 1))),
        "milestones.set_promises": lambda u, a: milestones.set_promises(
            u, a, _first(u, Agreement.id, Agreement.project_id == w.signed),
            milestones.PromiseInput(agreed_start_on=D(2025, 9, 30))),
        "tiers.set_company_tiers": lambda u, a: tiers.set_company_tiers(
            u, a, w.company, [_first(u, Tier.id, Tier.name == "专精特新")]),
        "tiers.add_tier": lambda u, a: tiers.add_tier(u, a, "瞪羚企业"),
        "tiers.update_tier": lambda u, a: tiers.update_tier(
            u, a, _first(u, Tier.id, Tier.name == "独角兽"), "独角兽企业"),
        "attachments.add_attachment": lambda u, a: attachments.add_attachment(
            u, a, w.project, "补充.pdf", b"%PDF"),
        "attachments.add_attachment_file": lambda u, a: attachments.add_attachment_file(
            u, a, w.project, pdf),
        "attachments.delete_attachment": lambda u, a: attachments.delete_attachment(
            u, a, w.attachment),
        "companies.create_company": lambda u, a: companies.create_company(
            u, a, companies.CompanyInput("武汉新公司")),
        "companies.ensure_company": lambda u, a: companies.ensure_company(u, a, "武汉另一公司"),
        "companies.update_company": lambda u, a: companies.update_company(
            u, a, w.company, companies.CompanyInput("际数科技（上海）有限公司")),
        "companies.delete_company": lambda u, a: companies.delete_company(u, a, w.company),
        "companies.add_contact": lambda u, a: companies.add_contact(
            u, a, w.company, companies.ContactInput("李经理")),
        "companies.remove_contact": lambda u, a: companies.remove_contact(u, a, w.contact),
        "contacts.add_log": lambda u, a: contacts.add_log(u, a, contacts.LogInput(
            D(2025, 2, 2), "电话", "约见面", company_id=w.company)),
        "contacts.complete_follow_up": lambda u, a: contacts.complete_follow_up(u, a, w.log),
        "dictionaries.add_industry": lambda u, a: dictionaries.add_industry(u, a, "生物医药"),
        "dictionaries.rename_industry": lambda u, a: dictionaries.rename_industry(
            u, a, w.industry, "新能源汽车"),
        "dictionaries.ensure_industry": lambda u, a: dictionaries.ensure_industry(u, a, "光电"),
        "dictionaries.add_ambassador": lambda u, a: dictionaries.add_ambassador(u, a, "陈大使"),
        "dictionaries.add_carrier": lambda u, a: dictionaries.add_carrier(
            u, a, dictionaries.CarrierInput("新楼宇", "商务楼宇", total_area=Decimal(10))),
        "dictionaries.update_carrier": lambda u, a: dictionaries.update_carrier(
            u, a, w.carrier, dictionaries.CarrierInput(
                "光谷厂房", "标准化厂房", total_area=Decimal(2000))),
        "carriers.place": lambda u, a: carriers.place(
            u, a, w.project, w.carrier, Decimal(200), D(2025, 2, 1)),
        "carriers.release": lambda u, a: carriers.release(
            u, a, w.placement, D(2025, 4, 1), "改去别处"),
        "carriers.occupy": lambda u, a: carriers.occupy(
            u, a, w.carrier, Decimal(300), D(2025, 2, 1), "既有租户"),
        "events.add_event": lambda u, a: events.add_event(
            u, a, events.EventInput("深圳推介会", D(2025, 7, 1))),
        "events.update_event": lambda u, a: events.update_event(
            u, a, w.event, events.EventInput("上海专场推介会", D(2025, 6, 12))),
        "settings.set_target": lambda u, a: settings.set_target(
            u, a, 2025, "signed_count", Decimal(30)),
        "settings.set_targets": lambda u, a: settings.set_targets(
            u, a, 2025, {"signed_count": "31", "start_rate": ""}),
        "scorecard_schemes.save_scheme": lambda u, a: scorecard_schemes.save_scheme(
            u, a, scorecard_schemes.SchemeInput(2025, "unit", "考核方案", items=(
                scorecard_schemes.ItemInput("score", "signed_count", weight=Decimal(20)),))),
        "scorecard_schemes.save_scheme_with_targets":
            lambda u, a: scorecard_schemes.save_scheme_with_targets(
                u, a, scorecard_schemes.SchemeInput(2025, "person", "人员考核", items=(
                    scorecard_schemes.ItemInput("score", "contacts", weight=Decimal(20)),)),
                {("contacts", 0): "40"}),
        "scorecard_schemes.set_target": lambda u, a: scorecard_schemes.set_target(
            u, a, 2025, "signed_count", Decimal(10), quarter=2),
        "scorecard_schemes.set_targets": lambda u, a: scorecard_schemes.set_targets(
            u, a, 2025, "person", {("contacts", 0): "40"}),
        "rewards.save_reward_rule": lambda u, a: rewards.save_reward_rule(
            u, a, 2025, "ambassador", Decimal(5), Decimal(50)),
        "rewards.register_referrer": lambda u, a: rewards.register_referrer(
            u, a, w.signed, "商会周会长", D(2025, 2, 1)),
        "settings.set_setting": lambda u, a: settings.set_setting(
            u, a, settings.ORG_NAME, "青山区招商局"),
        "settings.set_dashboard_period": lambda u, a: settings.set_dashboard_period(
            u, a, settings.PeriodChoice("custom", D(2025, 1, 1), D(2025, 6, 30))),
        "alerts.set_thresholds": lambda u, a: alerts.set_thresholds(u, a, 60, 14),
        "snapshots.take_snapshot": lambda u, a: snapshots.take_snapshot(u, a, "2025-06"),
        "users.create_user": lambda u, a: users.create_user(
            u, a, "newbie", "staff", display_name="新人", password="secret12"),
        "users.create_person": lambda u, a: users.create_person(u, a, "台账里的人"),
        "users.grant_login": lambda u, a: users.grant_login(u, a, w.person, "daikt", "secret12"),
        "users.set_role": lambda u, a: users.set_role(u, a, w.owner.user_id or 0, "manager"),
        "users.set_password": lambda u, a: users.set_password(
            u, a, w.owner.user_id or 0, "another1"),
        "audit.audit_log": lambda u, a: audit.audit_log(u, a),
        "audit.log_people": lambda u, a: audit.log_people(u, a),
        # not functions of their own: the stricter step inside one
        "pipeline.out_of_order_dates": lambda u, a: pipeline.advance(
            u, a, w.project, "negotiating", D(2025, 1, 2), reason="线索日期录成了录入日"),
        "projects.create_for_other": lambda u, a: projects.create_project(
            u, a, projects.ProjectInput("替人新建", w.company, lead_on=D(2025, 1, 5),
                                        owner_id=w.manager.user_id)),
        "projects.change_owner": lambda u, a: projects.update_project(
            u, a, w.project, projects.ProjectInput(
                pin.name, w.company, lead_on=pin.lead_on, owner_id=w.other.user_id)),
        "pipeline.correct_back": lambda u, a: pipeline.advance(
            u, a, w.signed, "negotiating", D(2025, 3, 2), reason="录错"),
        "contacts.log_for_other": lambda u, a: contacts.add_log(u, a, contacts.LogInput(
            D(2025, 2, 2), "电话", "替周建明记", company_id=w.company,
            user_id=w.manager.user_id)),
        "settings.personal": lambda u, a: settings.set_setting(
            u, a, settings.IMPORT_MAPPING_PREFIX + "x", {"0": "name"}),
        **chain_cases(w),
        **identity_cases(w),
    }


def _bare_company(u: UnitOfWork, name: str) -> int:
    """A second record of a company, written without an audit entry of its own (a refused
    call must leave none)."""
    company = Company(name=name, sort_key=name, initials="")
    u.session.add(company)
    u.session.flush()
    return company.id


def identity_cases(w: World) -> dict[str, Call]:
    """Duplicates, merges, investors and local project companies (crm.services.duplicates,
    merge, local_companies)."""
    from crm.services import duplicates, local_companies, merge

    return {
        "duplicates.duplicate_pairs": lambda u, a: duplicates.duplicate_pairs(u, a),
        "duplicates.count_pairs": lambda u, a: duplicates.count_pairs(u, a),
        "duplicates.iter_pairs": lambda u, a: list(duplicates.iter_pairs(u, a)),
        "duplicates.pairs_by_id": lambda u, a: duplicates.pairs_by_id(
            u, a, [duplicates.pair_id(w.company, w.company + 1)]),
        "duplicates.pair_marks": lambda u, a: duplicates.pair_marks(u, a),
        "duplicates.dismiss_pair": lambda u, a: duplicates.dismiss_pair(
            u, a, w.company, _bare_company(u, "际数科技（上海）有限公司")),
        "merge.merge_companies": lambda u, a: merge.merge_companies(
            u, a, w.company, _bare_company(u, "际数科技（上海）有限公司")),
        # no merge to undo: allowed accounts are refused for that reason instead
        "merge.undo_merge": lambda u, a: merge.undo_merge(u, a, 999_999),
        "local_companies.set_parent": lambda u, a: local_companies.set_parent(
            u, a, w.company, None, D(2025, 7, 21)),
        "local_companies.set_local_company": lambda u, a: local_companies.set_local_company(
            u, a, w.project, None),
        "local_companies.start_from_licence": lambda u, a: local_companies.start_from_licence(
            u, a, w.project),
    }


def _chain(u: UnitOfWork) -> int:
    """A chain made without a service (no audit entry: a refusal must leave none)."""
    chain = Chain(name="测试产业链", position=1, note="")
    u.session.add(chain)
    u.session.flush()
    return chain.id


def _segment(u: UnitOfWork) -> int:
    segment = Segment(chain_id=_chain(u), name="测试环节", stage="上游", position=1, note="")
    u.session.add(segment)
    u.session.flush()
    return segment.id


def _target(u: UnitOfWork) -> int:
    target = TargetFirm(segment_id=_segment(u), name="测试目标企业", sort_key="", city="",
                        tier="其他", why="", source="self")
    u.session.add(target)
    u.session.flush()
    return target.id


def _retarget(u: UnitOfWork, a: Actor) -> object:
    target = _target(u)
    segment = u.session.get(TargetFirm, target).segment_id  # type: ignore[union-attr]
    return chains.update_target(u, a, target, chains.TargetInput("改名目标企业", segment))


def chain_cases(w: World) -> dict[str, Call]:
    """The 招商图谱's (issue 13): chains and segments are the managers', targets everyone's."""
    return {
        "chains.add_chain": lambda u, a: chains.add_chain(u, a, chains.ChainInput("新链")),
        "chains.update_chain": lambda u, a: chains.update_chain(
            u, a, _chain(u), chains.ChainInput("改名链")),
        "chains.delete_chain": lambda u, a: chains.delete_chain(u, a, _chain(u)),
        "chains.add_segment": lambda u, a: chains.add_segment(
            u, a, _chain(u), chains.SegmentInput("上游环节", "上游")),
        "chains.update_segment": lambda u, a: chains.update_segment(
            u, a, _segment(u), chains.SegmentInput("改名环节", "中游")),
        "chains.delete_segment": lambda u, a: chains.delete_segment(u, a, _segment(u)),
        "chains.add_target": lambda u, a: chains.add_target(
            u, a, chains.TargetInput("新目标企业", _segment(u))),
        "chains.update_target": _retarget,
        "chains.delete_target": lambda u, a: chains.delete_target(u, a, _target(u)),
        "chains.convert_target": lambda u, a: chains.convert_target(u, a, _target(u)),
        "chains.link_project": lambda u, a: chains.link_project(u, a, w.project, _segment(u)),
        "chains.link_company": lambda u, a: chains.link_company(u, a, w.company, _segment(u)),
    }
