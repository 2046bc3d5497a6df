"""What the audit log says about a write: each changed field's old and new value, as a person
reads them, and the one table of Chinese labels for fields, actions and kinds of record.

A write takes a :func:`snapshot` of its record before and after, and :func:`diff` keeps the
fields that differ. Values are stored as the text a person reads at the time of the change
(dates ``YYYY-MM-DD``, amounts as exact decimals, an owner as the person's name, a stage as
its Chinese name), so the history still says who the owner was after an account is renamed.
A change is kept as ``[key, old, new]``; ``key`` is a field of the entry's kind of record, or
``kind.field`` for a record shown on another one's history (a contact on its company's, an
agreement on its project's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crm import stages
from crm.models import (
    Ambassador,
    Base,
    Carrier,
    Chain,
    Company,
    Event,
    Industry,
    Segment,
    User,
)

# [key, old, new], in the order of the kind's fields below
Change = list[str]
_LONG = 2000  # a note longer than this is cut in the log (the record keeps it whole)


@dataclass(frozen=True)
class Field:
    """How one field reads in the log: its label, its unit, and how its value becomes text."""

    label: str
    unit: str = ""
    ref: tuple[type[Base], str] | None = None  # an id shown as this attribute of that record
    names: Mapping[str, str] | None = None  # a code shown as its name


_MONEY, _MU, _M2 = "万元", "亩", "㎡"
_CHAIN_SEGMENT = "产业链 · 环节"  # a segment shown with its chain: 新材料 · 电子信息新材料
_SOURCES = {"ambassador": "招商大使", "event": "活动", "self": "自主", "referral": "以商招商"}
_ROLES = {"staff": "招商专员", "manager": "管理者", "admin": "管理员"}

FIELDS: dict[str, dict[str, Field]] = {
    "project": {
        "segment_id": Field("产业链环节", ref=(Segment, _CHAIN_SEGMENT)),
        "name": Field("项目名称"),
        "company_id": Field("企业", ref=(Company, "name")),
        "industry_id": Field("产业", ref=(Industry, "name")),
        "planned_investment": Field("计划总投资", _MONEY),
        "source": Field("招商来源", names=_SOURCES),
        "ambassador_id": Field("招商大使", ref=(Ambassador, "name")),
        "referrer": Field("引荐人"),
        "owner_id": Field("负责人", ref=(User, "display_name")),
        "stage": Field("阶段", names=stages.NAMES),
        "carrier_id": Field("拟落地载体", ref=(Carrier, "name")),
        "land_mu": Field("用地面积", _MU),
        "floor_area": Field("需求面积", _M2),
        "expected_output": Field("预计年产值", _MONEY),
        "expected_tax": Field("预计年税收", _MONEY),
        "expected_jobs": Field("预计就业", "人"),
        "is_key": Field("重点项目"),
        "note": Field("备注"),
        "lead_on": Field("立项日期"),
        "negotiating_on": Field("在谈日期"),
        "signed_on": Field("签约日期"),
        "signing_event_id": Field("签约活动", ref=(Event, "name")),
        "started_on": Field("开工日期"),
        "start_kind": Field("开工类型"),
        "planned_start_on": Field("计划开工(开业)日期"),
        "planned_start_kind": Field("计划开工类型"),
        "producing_on": Field("投产日期"),
        "dropped_on": Field("终止日期"),
        "drop_reason": Field("终止原因"),
        "registered_on": Field("入统日期"),
        "local_company_id": Field("项目公司", ref=(Company, "name")),
        "referrer_registered_on": Field("引荐登记日期"),
        "lead_kind": Field("线索类型"),
        "landed_on": Field("落地日期"),
        "completed_on": Field("竣工日期"),
        "full_production_on": Field("达产日期"),
        "in_database_on": Field("入库日期"),
        "in_database_evidence": Field("入库凭证"),
        "above_scale_on": Field("入规日期"),
        "carrier": Field("落位载体"),
        "area": Field("落位面积"),
        "placed_on": Field("落位日期"),
    },
    "company": {
        "segment_id": Field("产业链环节（本地企业）", ref=(Segment, _CHAIN_SEGMENT)),
        "name": Field("企业名称"),
        "uscc": Field("统一社会信用代码"),
        "hq_city": Field("总部城市"),
        "industry_id": Field("产业", ref=(Industry, "name")),
        "note": Field("备注"),
        "contacts": Field("联系人"),
        "tiers": Field("企业层级"),
        "parent_id": Field("投资方", ref=(Company, "name")),
        "licence_on": Field("营业执照取得日期"),
        "former_names": Field("曾用名"),
        # what a merge (crm.services.merge) and the 重复企业 list record
        "merged": Field("并入的企业"),
        "moved": Field("移过的记录"),
        "merged_into": Field("已并入"),
        "unmerged": Field("撤销合并"),
        "not_duplicate_of": Field("不是重复企业"),
    },
    "contact": {
        "name": Field("联系人"),
        "title": Field("职务"),
        "phone": Field("电话"),
        "email": Field("邮箱"),
    },
    "contact_log": {
        "logged_on": Field("接洽日期"),
        "user_id": Field("招商专员", ref=(User, "display_name")),
        "mode": Field("接洽方式"),
        "participants": Field("参与人"),
        "content": Field("接洽内容"),
        "next_step": Field("下一步"),
        "follow_up_on": Field("下次跟进"),
        "follow_up_done": Field("已跟进"),
    },
    "agreement": {
        "kind": Field("协议类型"),
        "signed_on": Field("协议签约日期"),
        "amount": Field("协议金额", _MONEY),
        "event_id": Field("签约活动", ref=(Event, "name")),
        "note": Field("协议备注"),
        "agreed_start_on": Field("约定开工日期"),
        "agreed_producing_on": Field("约定投产日期"),
        "agreed_full_production_on": Field("约定达产日期"),
        "investment_intensity": Field("投资强度", "万元/亩"),
        "tax_per_mu": Field("亩均税收", "万元/亩"),
    },
    "start": {
        "kind": Field("开工类型"),
        "started_on": Field("开工日期"),
    },
    "funding": {
        "received_on": Field("到位日期"),
        "amount": Field("到位金额", _MONEY),
        "evidence": Field("到位凭证"),
        "origin": Field("资金来源地"),
        "kind": Field("资金类型"),
        "currency": Field("币种"),
        "original_amount": Field("原币金额", "万"),
        "usd_amount": Field("折合美元", "万美元"),
        "attachment_id": Field("凭证附件"),
    },
    "tier": {"name": Field("企业层级名称"), "active": Field("启用")},
    "attachment": {
        "filename": Field("附件"),
        "size": Field("大小", "字节"),
    },
    "user": {
        "login": Field("登录名"),
        "display_name": Field("姓名"),
        "role": Field("角色", names=_ROLES),
        "active": Field("启用"),
        "password": Field("密码"),
    },
    "industry": {"name": Field("产业名称"), "active": Field("启用")},
    "ambassador": {
        "name": Field("大使姓名"),
        "organisation": Field("所在单位"),
        "appointed_on": Field("聘任日期"),
        "note": Field("备注"),
    },
    "carrier": {
        "name": Field("载体名称"),
        "kind": Field("载体类型"),
        "park": Field("所在园区"),
        "total_area": Field("总面积", _M2),
        "ready_on": Field("交付日期"),
        "note": Field("备注"),
        "industries": Field("适宜产业"),
        "project": Field("项目"),
        "area": Field("面积"),
        "placed_on": Field("落位日期"),
    },
    "event": {
        "name": Field("活动名称"),
        "held_on": Field("活动日期"),
        "city": Field("城市"),
        "theme": Field("主题"),
        "note": Field("备注"),
    },
    "setting": {"value": Field("设置值")},
    "target": {"value": Field("目标值")},
    "scorecard": {"name": Field("方案名称"), "basis": Field("依据"), "items": Field("指标与加减分")},
    "reward_rule": {"rule": Field("奖励规则")},
    "ledger": {
        "file": Field("文件"),
        "sheet": Field("工作表"),
        "created": Field("新增项目", "个"),
        "updated": Field("更新项目", "个"),
        "unchanged": Field("未变项目", "个"),
    },
}

# the 招商图谱's records (crm.services.chains)
FIELDS.update({
    "chain": {"name": Field("产业链名称"), "note": Field("说明")},
    "segment": {"name": Field("环节名称"), "stage": Field("位置"), "position": Field("顺序")},
    "target_firm": {
        "name": Field("企业名称"), "segment_id": Field("环节", ref=(Segment, "name")),
        "uscc": Field("统一社会信用代码"), "city": Field("城市"), "tier": Field("层级"),
        "why": Field("理由"), "owner_id": Field("负责人", ref=(User, "display_name")),
        "source": Field("招商来源", names=_SOURCES),
        "project_id": Field("线索项目")},
    "target_list": {"file": Field("文件"), "created": Field("新增目标企业", "个"),
                    "updated": Field("更新目标企业", "个")},
})

ENTITY_NAMES = {"project": "项目", "company": "企业", "contact": "联系人",
                "contact_log": "接洽记录", "agreement": "协议", "funding": "到位资金", "tier": "企业层级",
                "attachment": "附件", "user": "用户", "industry": "产业",
                "ambassador": "招商大使", "carrier": "载体", "event": "招商活动",
                "setting": "设置", "target": "年度目标", "scorecard": "考核方案",
                "reward_rule": "奖励规则", "ledger": "台账",
                "snapshot": "月报快照", "chain": "产业链", "segment": "产业链环节",
                "target_firm": "目标企业", "target_list": "目标企业名录"}

ACTION_NAMES = {"create": "新建", "update": "修改", "delete": "删除", "restore": "恢复",
                "stage": "阶段变更", "agreement": "新增协议", "funding": "登记到位资金",
                "funding.update": "修改到位资金", "funding.delete": "删除到位资金",
                "tiers": "修改企业层级", "milestones": "登记里程碑", "promises": "修改协议约定",
                "attach": "上传附件", "detach": "删除附件", "contact.create": "新增联系人",
                "contact.delete": "删除联系人", "log": "新增接洽记录", "follow_up": "更新跟进",
                "password": "修改密码", "grant_login": "开通登录", "setting": "修改设置",
                "target": "设置年度目标", "scorecard": "修改考核方案", "place": "载体落位",
                "release": "释放载体", "merge": "合并企业", "merged_into": "并入其他企业",
                "unmerge": "撤销企业合并", "not_duplicate": "标记不是重复企业",
                "import": "导入台账", "snapshot": "冻结月报快照",
                "convert": "转为线索", "import_targets": "导入目标企业名录"}


def field_of(kind: str, key: str) -> Field:
    """The field ``key`` of records of ``kind`` (``kind.field`` names another kind's field)."""
    if "." in key:
        kind, key = key.split(".", 1)
    found = FIELDS.get(kind, {}).get(key)
    return found or Field(key)


def text(value: Any) -> str:
    """A value as the log keeps it: exact decimals (at least two places), ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        exact = value.normalize()
        places = -int(exact.as_tuple().exponent)
        return format(exact, "f") if places > 2 else f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    out = str(value)
    return out if len(out) <= _LONG else out[:_LONG] + "…"


def _value(session: Session, f: Field, value: Any) -> str:
    if value is None:
        return ""
    if f.ref is not None:
        model, attr = f.ref
        row = session.get(model, value)
        if isinstance(row, Segment) and attr == _CHAIN_SEGMENT:  # as 招商图谱 logs its moves
            chain = session.get(Chain, row.chain_id)
            return f"{chain.name if chain else ''} · {row.name}"
        return str(getattr(row, attr)) if row is not None else f"#{value}"
    if f.names is not None:
        return f.names.get(str(value), str(value))
    return text(value)


def contacts_text(contacts: Any) -> str:
    """A company's contacts in one line: ``张三（总经理，138…）；李四``."""
    parts = []
    for c in sorted(contacts, key=lambda c: (c.id is None, c.id or 0)):
        extra = "，".join(x for x in (c.title, c.phone, c.email) if x)
        parts.append(f"{c.name}（{extra}）" if extra else c.name)
    return "；".join(parts)


class Snapshot(dict[str, Any]):
    """One record's audited fields as stored (an owner as an id): taking one is a few getattrs;
    only the fields that changed are turned into text, a related record's name looked up then
    (resolving every reference of every snapshot cost 8 ms a project edit)."""

    def __init__(self, session: Session, kind: str, values: dict[str, Any]):
        super().__init__(values)
        self.session, self.kind = session, kind

    def shown(self, key: str) -> str:
        return _value(self.session, FIELDS[self.kind].get(key) or Field(key), self.get(key))


def snapshot(session: Session, kind: str, obj: Any) -> Snapshot:
    """The audited fields of ``obj`` (a record of ``kind``), for :func:`diff`."""
    values: dict[str, Any] = {}
    for key in FIELDS[kind]:
        if kind == "company" and key == "contacts":
            values[key] = contacts_text(obj.contacts)
        elif hasattr(obj, key):
            values[key] = getattr(obj, key)
    return Snapshot(session, kind, values)


def _shown(snap: Mapping[str, Any], key: str) -> str:
    return snap.shown(key) if isinstance(snap, Snapshot) else text(snap.get(key))


def diff(before: Mapping[str, Any], after: Mapping[str, Any], prefix: str = "") -> list[Change]:
    """The fields whose text differs, as ``[key, old, new]`` (``prefix.key`` when given).

    An empty ``before`` is a new record and an empty ``after`` a removed one: then only the
    fields that say something are kept (no "否" for every unset flag).
    """
    keys = list(after) + [k for k in before if k not in after]
    out: list[Change] = []
    for key in keys:
        if key in before and key in after and before[key] == after[key]:
            continue
        old, new = _shown(before, key), _shown(after, key)
        if old == new or (not before and new == "否") or (not after and old == "否"):
            continue
        out.append([f"{prefix}.{key}" if prefix else key, old, new])
    return out
