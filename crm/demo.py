"""The demo data set: the 青山区 article's first half of 2025, with invented companies.

It goes through the services, so every rule holds for it as for typed data. Its check:
2025 上半年 gives 26 signed, 15 started (57.69%), and the 2025-06-12 Shanghai event
(楚材聚汉 共建支点) 8 signings worth 50.70 亿元.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from crm import demo_assessment, demo_chains, demo_identity
from crm.db import Database, UnitOfWork
from crm.demo_scorecard import load_scorecard
from crm.errors import ValidationError
from crm.models import Project
from crm.services import (
    carriers,
    companies,
    contacts,
    dictionaries,
    events,
    funds,
    pipeline,
    projects,
    settings,
)
from crm.services import users as users_svc
from crm.services.common import Actor
from crm.services.pipeline import AgreementInput, StartInput
from crm.uscc import ALPHABET, make_uscc

D = dt.date
EVENT_NAME = "楚材聚汉 共建支点——青山区招商引资走进长三角"
EVENT_DAY = D(2025, 6, 12)
DEMO_PASSWORD = "demo1234"

STAFF = [("admin", "系统管理员", "admin"), ("zhoujm", "周建明", "manager"),
         ("chenhui", "陈慧", "manager"), ("lixm", "李晓明", "staff"), ("wangfang", "王芳", "staff"),
         ("zhangwei", "张伟", "staff"), ("liuyang", "刘洋", "staff"), ("zhaolei", "赵磊", "staff"),
         ("sunli", "孙丽", "staff"), ("hetao", "何涛", "staff"), ("guojing", "郭静", "staff"),
         ("majun", "马骏", "staff"), ("huangqian", "黄倩", "staff")]
INDUSTRIES = ["钢铁深加工", "石油化工", "新材料", "人工智能", "高端装备", "生物医药", "新能源",
              "数字经济", "现代服务业"]
AMBASSADORS = [("冯立新", "上海湖北商会"), ("程远航", "长三角楚商联合会"),
               ("邓秋华", "武汉大学上海校友会"), ("许卫东", "华中科技大学深圳校友会"),
               ("宋佳音", "香港湖北联谊会"), ("罗振宇", "北京湖北企业商会"),
               ("谢敏", "杭州湖北商会"), ("唐国栋", "苏州楚商会"), ("韩静", "广州湖北商会"),
               ("曹德明", "南京湖北商会"), ("彭亮", "成都湖北商会"), ("袁小燕", "宁波湖北商会")]
EVENTS = [(EVENT_NAME, EVENT_DAY, "上海", "长三角招商"),
          ("校友企业家青山行", D(2025, 3, 20), "武汉", "校友招商"),
          ("产业空间载体推介会", D(2025, 4, 24), "武汉", "产业空间载体"),
          ("新材料产业链专题招商会", D(2025, 9, 18), "武汉", "新材料产业链"),
          ("青山区招商引资走进大湾区", D(2024, 11, 14), "深圳", "大湾区招商"),
          ("人工智能产业对接会", D(2026, 5, 21), "北京", "人工智能")]

# who the demo data's own records are by in the 变更记录 (the loader, not a person)
DEMO = Actor(user_id=None, role="admin", name="演示数据")


@dataclass(frozen=True)
class Plan:
    """One demo project and the milestones it reaches."""

    name: str
    company: str
    city: str
    industry: str
    invest: int  # 万元
    signed: dt.date | None = None
    amount: int | None = None  # 万元; planned investment when None
    started: dt.date | None = None
    start_kind: str = "开工"
    producing: dt.date | None = None
    dropped: dt.date | None = None
    event: str | None = None
    negotiating: bool = False
    land: int | None = None


def _plans() -> list[Plan]:
    ev = EVENT_NAME
    p = Plan
    h1 = [  # the article's 26 signings of 2025 上半年; 15 start within 2025
        p("先进钢铁材料制造产业园", "武汉钢材科技产业发展有限公司", "武汉", "钢铁深加工", 500000,
          D(2025, 1, 10), started=D(2025, 3, 26), land=420),
        p("半导体新材料产业园", "湖北半导体新材料园区发展有限公司", "武汉", "新材料", 74000,
          D(2025, 1, 15), started=D(2025, 4, 18), land=245),
        p("中韩石化航煤液相加氢项目", "中韩（武汉）石油化工有限公司", "武汉", "石油化工", 15200,
          D(2025, 2, 10), started=D(2025, 3, 5)),
        p("武汉生物医药产业基地一期", "武汉青山生物医药产业发展有限公司", "武汉", "生物医药", 110000,
          D(2025, 2, 20), started=D(2025, 5, 20), land=309),
        p("疏能新材料华中基地", "武汉疏能新材料科技有限公司", "武汉", "新材料", 35000,
          D(2025, 3, 6), started=D(2025, 6, 16)),
        p("光华伟业高分子材料项目", "深圳光华伟业股份有限公司", "深圳", "新材料", 28000,
          D(2025, 3, 20), event="校友企业家青山行", started=D(2025, 9, 10)),
        p("武汉万众创城", "浙江万洋众创城投资有限公司", "温州", "高端装备", 130000,
          D(2025, 3, 28), started=D(2025, 5, 15), land=227),
        p("氢澜科技氢能装备项目", "上海氢澜科技有限公司", "上海", "新能源", 42000,
          D(2025, 4, 8), started=D(2025, 10, 22)),
        p("智算中心青山节点", "湖北云图智算科技有限公司", "武汉", "数字经济", 26000,
          D(2025, 4, 24), event="产业空间载体推介会", started=D(2025, 7, 8)),
        p("工业互联网服务平台", "武汉数联工业互联网有限公司", "武汉", "数字经济", 6000,
          D(2025, 5, 9), started=D(2025, 6, 2), start_kind="开业"),
        p("上海际数科技华中总部", "上海际数科技有限公司", "上海", "人工智能", 20000,
          EVENT_DAY, event=ev, started=D(2025, 7, 21), start_kind="开业"),
        p("翼鸟智能无人系统项目", "上海翼鸟智能科技有限公司", "上海", "高端装备", 120000,
          EVENT_DAY, event=ev, started=D(2025, 8, 18)),
        p("芯联微电子封测基地", "上海芯联微电子有限公司", "上海", "新材料", 100000,
          EVENT_DAY, event=ev, started=D(2025, 11, 6)),
        p("启元新能源电池材料项目", "苏州启元新能源科技有限公司", "苏州", "新能源", 80000,
          EVENT_DAY, event=ev, started=D(2025, 12, 12)),
        p("云栖智造数字工厂", "杭州云栖智造科技有限公司", "杭州", "数字经济", 65000,
          EVENT_DAY, event=ev, started=D(2026, 3, 16)),  # next year: does not count
        p("甬舜特种合金项目", "宁波甬舜新材料有限公司", "宁波", "钢铁深加工", 52000,
          EVENT_DAY, event=ev),
        p("瀚海生物创新药中试基地", "南京瀚海生物医药有限公司", "南京", "生物医药", 40000,
          EVENT_DAY, event=ev),
        p("锡创智能装备华中基地", "无锡锡创装备科技有限公司", "无锡", "高端装备", 30000,
          EVENT_DAY, event=ev),
        p("绿源再生资源利用项目", "湖北绿源环保科技有限公司", "武汉", "新材料", 12000,
          D(2025, 1, 22), dropped=D(2025, 10, 15)),
        p("楚天供应链总部", "武汉楚天供应链管理有限公司", "武汉", "现代服务业", 8000,
          D(2025, 2, 26), started=D(2025, 8, 5), start_kind="开业"),
        p("江城检测认证中心", "武汉江城检测认证有限公司", "武汉", "现代服务业", 5000,
          D(2025, 3, 12)),
        p("鼎泰氢能储运项目", "北京鼎泰氢能科技有限公司", "北京", "新能源", 60000,
          D(2025, 4, 17)),
        p("华星机器人研发中心", "深圳华星机器人有限公司", "深圳", "人工智能", 15000,
          D(2025, 5, 13)),
        p("长江碳纤维复合材料项目", "武汉长江碳纤维科技有限公司", "武汉", "新材料", 45000,
          D(2025, 5, 28)),
        p("青禾医疗器械产业化项目", "广州青禾医疗器械有限公司", "广州", "生物医药", 18000,
          D(2025, 6, 18)),
        p("锦程跨境电商产业园", "武汉锦程跨境电商有限公司", "武汉", "现代服务业", 9000,
          D(2025, 6, 27)),
    ]
    other = [
        p("精工焊材扩产项目", "武汉精工焊接材料有限公司", "武汉", "钢铁深加工", 9000,
          D(2024, 5, 16), started=D(2024, 8, 1), producing=D(2025, 4, 30)),
        p("湾区智能传感器项目", "深圳湾芯传感技术有限公司", "深圳", "人工智能", 22000,
          D(2024, 11, 14), event="青山区招商引资走进大湾区", started=D(2025, 2, 18)),
        p("鹏程储能电站", "深圳鹏程储能科技有限公司", "深圳", "新能源", 36000,
          D(2024, 11, 14), event="青山区招商引资走进大湾区", started=D(2024, 12, 20)),
        p("汉阳冷链物流中心", "武汉汉阳冷链物流有限公司", "武汉", "现代服务业", 7000,
          D(2024, 9, 3), started=D(2025, 1, 8)),
        p("新锐特钢精密管材项目", "江苏新锐特钢有限公司", "常州", "钢铁深加工", 33000,
          D(2025, 7, 16), started=D(2025, 10, 9)),
        p("晶研光电材料项目", "武汉晶研光电材料有限公司", "武汉", "新材料", 16000,
          D(2025, 9, 18), event="新材料产业链专题招商会", started=D(2025, 12, 1)),
        p("联创氟化工新材料项目", "浙江联创氟化工有限公司", "衢州", "石油化工", 58000,
          D(2025, 9, 18), event="新材料产业链专题招商会"),
        p("数智政务云服务中心", "湖北数智云科技有限公司", "武汉", "数字经济", 4000,
          D(2025, 11, 5), started=D(2025, 11, 28), start_kind="开业"),
        p("博睿医药研发外包平台", "上海博睿医药科技有限公司", "上海", "生物医药", 12000,
          D(2026, 1, 13), started=D(2026, 4, 20)),
        p("星河自动驾驶测试基地", "北京星河智驾科技有限公司", "北京", "人工智能", 25000,
          D(2026, 5, 21), event="人工智能产业对接会", started=D(2026, 9, 1)),
        p("恒信高端轴承项目", "洛阳恒信轴承有限公司", "洛阳", "高端装备", 19000,
          D(2026, 6, 30)),
        p("中科氢燃料电池项目", "中科氢能（北京）科技有限公司", "北京", "新能源", 48000,
          D(2026, 8, 19)),
        p("汉江精细化工项目", "湖北汉江精细化工有限公司", "荆州", "石油化工", 27000,
          D(2026, 10, 10)),
    ]
    leads = [
        ("航空铝材深加工项目", "西南铝业深加工有限公司", "重庆", "钢铁深加工", 40000, True),
        ("细胞治疗产业化基地", "上海赛元生物科技有限公司", "上海", "生物医药", 30000, True),
        ("工业机器人总装项目", "佛山智造机器人有限公司", "佛山", "高端装备", 20000, True),
        ("光伏组件回收项目", "常州清源再生能源有限公司", "常州", "新能源", 8000, False),
        ("数据标注产业基地", "北京知数科技有限公司", "北京", "人工智能", 3000, True),
        ("高性能树脂项目", "山东蓝化新材料有限公司", "淄博", "新材料", 26000, False),
        ("跨境结算服务中心", "深圳前海融汇科技有限公司", "深圳", "现代服务业", 2000, False),
        ("氢能重卡运营中心", "上海氢途物流科技有限公司", "上海", "新能源", 15000, True),
        ("特种气体项目", "杭州凯气科技有限公司", "杭州", "石油化工", 12000, False),
        ("医用敷料生产线", "湖北康源医疗用品有限公司", "仙桃", "生物医药", 6000, True),
        ("智能电网装备项目", "南京瑞电科技有限公司", "南京", "高端装备", 18000, False),
        ("算力租赁服务平台", "武汉算力港科技有限公司", "武汉", "数字经济", 5000, True),
        ("硅钢下游电机配套项目", "宁波甬电电机有限公司", "宁波", "钢铁深加工", 11000, False),
        ("可降解材料项目", "安徽绿塑新材料有限公司", "合肥", "新材料", 9000, True),
    ]
    for name, company, city, industry, invest, negotiating in leads:
        other.append(p(name, company, city, industry, invest, negotiating=negotiating))
    other.append(p("废旧电池拆解项目", "江西赣锂循环科技有限公司", "赣州", "新能源", 14000,
                   negotiating=True, dropped=D(2025, 8, 12)))
    return h1 + other


def _uscc(rng: random.Random) -> str:
    body = "91" + "420107" + "".join(rng.choice(ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY")
                                     for _ in range(9))
    return make_uscc(body)


def load_demo(db: Database, today: dt.date | None = None) -> None:
    """Load the demo data into an empty database, in one transaction."""
    today = today or dt.date.today()
    with db.uow() as uow:
        if uow.session.scalar(select(func.count()).select_from(Project)):
            raise ValidationError("数据库中已有项目，演示数据只能载入空数据库", code="demo.not_empty")
        _load(uow, today)
        uow.commit()


def _load(uow: UnitOfWork, today: dt.date) -> None:
    rng = random.Random(2025)
    settings.set_setting(uow, DEMO, settings.ORG_NAME, "青山区招商局")
    people = [users_svc.create_user(uow, DEMO, login, role, display_name=name,
                                    password=DEMO_PASSWORD) for login, name, role in STAFF]
    staff = [u for u in people if u.role == "staff"]
    industry = {n: dictionaries.add_industry(uow, DEMO, n).id for n in INDUSTRIES}
    ambassadors = [dictionaries.add_ambassador(uow, DEMO, n, org, D(2025, 1, 8)).id
                   for n, org in AMBASSADORS]
    event_ids = {n: events.add_event(uow, DEMO, events.EventInput(n, day, city, theme)).id
                 for n, day, city, theme in EVENTS}
    carrier_ids = _carriers(uow, industry)
    for i, plan in enumerate(_plans()):
        owner = staff[i % len(staff)]
        actor = Actor(owner.id, "staff", owner.display_name)
        company = companies.ensure_company(
            uow, actor, plan.company, _uscc(rng), hq_city=plan.city,
            industry_id=industry[plan.industry],
            contacts=(companies.ContactInput(rng.choice("王李张刘陈杨黄赵吴周") + "总", "总经理",
                                             f"139{rng.randrange(10**7, 10**8)}"),))
        source, amb = _source(plan, i, ambassadors)
        # Only what has happened by ``today``: a project signing later is still in talks.
        signed = plan.signed if plan.signed and plan.signed <= today else None
        dropped = plan.dropped if plan.dropped and plan.dropped <= today else None
        first = signed or dropped or today - dt.timedelta(days=20 + 9 * i)
        lead_on = first - dt.timedelta(days=60 + rng.randrange(120))
        row = projects.create_project(uow, actor, projects.ProjectInput(
            name=plan.name, company_id=company.id, industry_id=industry[plan.industry],
            planned_investment=Decimal(plan.invest), source=source, ambassador_id=amb,
            owner_id=owner.id, land_mu=_land(plan), floor_area=_floor(plan),
            expected_output=Decimal(plan.invest * 3 // 2), expected_tax=Decimal(plan.invest // 20),
            expected_jobs=max(20, plan.invest // 250), lead_on=lead_on))
        negotiating_on = lead_on + dt.timedelta(days=20 + rng.randrange(20))
        if plan.signed or plan.negotiating:
            row = pipeline.advance(uow, actor, row.id, "negotiating", negotiating_on)
        if signed:
            row = pipeline.advance(uow, actor, row.id, "signed", signed,
                                   agreement=AgreementInput(
                                       signed, Decimal(plan.amount or plan.invest),
                                       event_id=event_ids[plan.event] if plan.event else None,
                                       planned_start_on=PLANNED.get(plan.name, (None, ""))[0],
                                       planned_start_kind=PLANNED.get(plan.name, (None, ""))[1]))
        if signed and plan.started and plan.started <= today:
            if plan.name in demo_identity.LOCAL:  # 开业 = its local company's licence date
                row = demo_identity.open_with_licence(uow, actor, row)
            else:
                row = pipeline.advance(uow, actor, row.id, "started", plan.started,
                                       start=StartInput(plan.started, plan.start_kind))
            origin, kind = demo_assessment.start_receipt(plan.city, plan.name, plan.start_kind)
            funds.add_receipt(uow, actor, row.id, funds.ReceiptInput(
                plan.started, Decimal(plan.invest) * Decimal("0.2"), origin, kind,
                evidence="银行回单"))
        if plan.producing and plan.producing <= today:
            row = pipeline.advance(uow, actor, row.id, "producing", plan.producing)
        if plan.name in SPACE:  # where it lands: firm once signed, 拟落地 while in talks
            carrier, _need = SPACE[plan.name]
            carriers.place(uow, actor, row.id, carrier_ids[carrier], _area(plan),
                           signed or negotiating_on)
        if dropped:  # releases its space
            row = pipeline.advance(uow, actor, row.id, "dropped", dropped,
                                   reason="企业调整投资计划，项目暂缓")
        _logs(uow, actor, rng, row, lead_on, today, plan)
    _targets(uow)
    demo_assessment.load(uow, DEMO, today)  # tiers, more receipts, milestones, promises
    load_scorecard(uow, DEMO)  # the 2025 考核 schemes, targets and reward rules
    demo_chains.load(uow, DEMO, staff, industry, today)  # the 招商图谱
    demo_identity.load(uow, Actor(staff[0].id, "staff", staff[0].display_name))  # a duplicate
    settings.set_dashboard_period(uow, DEMO, settings.PeriodChoice(
        "custom", D(2025, 1, 1), D(2025, 6, 30)))


# 计划开工(开业)日期 given at signing (issue 15). In September 2025 the 2025 上半年 cohort
# (12 started) had 8 plans within 2025: 按计划年底开工率 76.92%, 4 starts short of the 60%
# target; three came true, 云栖 slipped into 2026, the rest did not: 15 / 26 = 57.69% as the
# article says. 2026: 恒信 is 逾期未开工, 中科 planned for December (60.00%, the target, if
# it holds).
PLANNED: dict[str, tuple[dt.date, str]] = {
    "氢澜科技氢能装备项目": (D(2025, 10, 15), "开工"),
    "芯联微电子封测基地": (D(2025, 10, 31), "开工"),
    "启元新能源电池材料项目": (D(2025, 11, 30), "开工"),
    "云栖智造数字工厂": (D(2025, 12, 20), "开工"),
    "甬舜特种合金项目": (D(2025, 9, 30), "开工"),
    "瀚海生物创新药中试基地": (D(2026, 6, 30), "开工"),
    "锡创智能装备华中基地": (D(2025, 8, 31), "开工"),
    "绿源再生资源利用项目": (D(2025, 7, 31), "开工"),
    "鼎泰氢能储运项目": (D(2026, 4, 30), "开工"),
    "华星机器人研发中心": (D(2026, 1, 15), "开业"),
    "青禾医疗器械产业化项目": (D(2026, 3, 31), "开工"),
    "锦程跨境电商产业园": (D(2025, 10, 20), "开业"),
    "联创氟化工新材料项目": (D(2025, 12, 31), "开工"),
    "恒信高端轴承项目": (D(2026, 10, 31), "开工"),
    "中科氢燃料电池项目": (D(2026, 12, 15), "开工"),
    "汉江精细化工项目": (D(2027, 3, 31), "开工"),
}


def _source(plan: Plan, i: int, ambassadors: list[int]) -> tuple[str, int | None]:
    if plan.event:
        return "event", None
    kind = ("ambassador", "self", "referral", "ambassador", "self")[i % 5]
    if kind == "ambassador":
        return kind, ambassadors[i % len(ambassadors)]
    return kind, None


# Where the demo's projects land (carrier, need): ㎡, or 亩 for land. Signed and started
# projects hold their space firmly; 工业机器人总装项目, still in talks, holds it as 拟落地;
# 绿源再生资源利用项目 is dropped and gives its space back.
SPACE = {
    "先进钢铁材料制造产业园": ("化工园区待开发用地", "420亩"),
    "半导体新材料产业园": ("化工园区待开发用地", "245亩"),
    "武汉生物医药产业基地一期": ("化工园区待开发用地", "309亩"),
    "武汉万众创城": ("化工园区待开发用地", "227亩"),
    "联创氟化工新材料项目": ("化工园区待开发用地", "180亩"),
    "汉江精细化工项目": ("化工园区待开发用地", "90亩"),
    "鹏程储能电站": ("化工园区待开发用地", "40亩"),
    "星河自动驾驶测试基地": ("化工园区待开发用地", "150亩"),
    "疏能新材料华中基地": ("北湖标准化厂房一期", "8000"),
    "光华伟业高分子材料项目": ("北湖标准化厂房一期", "6000"),
    "芯联微电子封测基地": ("北湖标准化厂房一期", "10000"),
    "青禾医疗器械产业化项目": ("北湖标准化厂房一期", "4000"),
    "晶研光电材料项目": ("北湖标准化厂房一期", "3000"),
    "氢澜科技氢能装备项目": ("北湖标准化厂房二期", "8000"),
    "翼鸟智能无人系统项目": ("北湖标准化厂房二期", "12000"),
    "锡创智能装备华中基地": ("北湖标准化厂房二期", "5000"),
    "中科氢燃料电池项目": ("北湖标准化厂房二期", "6000"),
    "工业机器人总装项目": ("北湖标准化厂房二期", "6000"),
    "启元新能源电池材料项目": ("钢城工业园标准厂房", "10000"),
    "甬舜特种合金项目": ("钢城工业园标准厂房", "7000"),
    "绿源再生资源利用项目": ("钢城工业园标准厂房", "5000"),
    "长江碳纤维复合材料项目": ("钢城工业园标准厂房", "6000"),
    "新锐特钢精密管材项目": ("钢城工业园标准厂房", "6000"),
    "恒信高端轴承项目": ("钢城工业园标准厂房", "4000"),
    "云栖智造数字工厂": ("钢城工业园标准厂房", "4000"),
    "上海际数科技华中总部": ("临江金融港", "4800"),
    "智算中心青山节点": ("冶金大道数字楼", "6000"),
    "数智政务云服务中心": ("冶金大道数字楼", "2200"),
    "工业互联网服务平台": ("青山科创大厦", "2500"),
    "华星机器人研发中心": ("青山科创大厦", "3500"),
    "楚天供应链总部": ("和平大道企业总部", "3200"),
    "江城检测认证中心": ("钢都商务中心", "2000"),
    "锦程跨境电商产业园": ("北湖总部基地", "5000"),
    "湾区智能传感器项目": ("武钢科技大厦", "4000"),
    "博睿医药研发外包平台": ("杨春湖科创", "3000"),
}
# Projects still looking for space, with what they need (the 推荐载体 and 载体 pages match them).
NEEDS = {"数据标注产业基地": "3000", "算力租赁服务平台": "2000", "跨境结算服务中心": "1500",
         "医用敷料生产线": "6000", "细胞治疗产业化基地": "8000", "可降解材料项目": "10000",
         "智能电网装备项目": "9000", "氢能重卡运营中心": "60亩", "航空铝材深加工项目": "150亩",
         "特种气体项目": "50亩", "高性能树脂项目": "80亩", "光伏组件回收项目": "30亩"}


def _need(plan: Plan) -> str | None:
    return SPACE[plan.name][1] if plan.name in SPACE else NEEDS.get(plan.name)


def _land(plan: Plan) -> Decimal | None:
    need = _need(plan)
    if need and need.endswith("亩"):
        return Decimal(need.removesuffix("亩"))
    return Decimal(plan.land) if plan.land else None


def _floor(plan: Plan) -> Decimal | None:
    need = _need(plan)
    return Decimal(need) if need and not need.endswith("亩") else None


def _area(plan: Plan) -> Decimal:
    """The ㎡ a project of SPACE takes (its land in 亩 converted exactly)."""
    land = _land(plan)
    return carriers.mu_to_m2(land) if land is not None else _floor(plan) or Decimal(0)


def _carriers(uow: UnitOfWork, industry: dict[str, int]) -> dict[str, int]:
    # 18 business buildings ≈ 22万㎡, standard factories ≈ 14万㎡, 13 km² of chemical-park land.
    buildings = ["和平大道企业总部", "青山科创大厦", "钢都商务中心", "临江金融港", "红钢城商务楼",
                 "工人村科技园", "奥山世纪广场", "青山印象写字楼", "冶金大道数字楼", "滨江国际",
                 "武钢科技大厦", "建设一路双创楼", "青和居产业楼", "长江隧道口商务楼", "杨春湖科创",
                 "北湖总部基地", "厂前商务中心", "戴家湖文创楼"]
    offices = tuple(industry[n] for n in ("人工智能", "数字经济", "现代服务业"))
    ids = {}
    for i, name in enumerate(buildings):
        total = Decimal(11300 + (i % 5) * 500 + (400 if i < 4 else 0))
        ids[name] = dictionaries.add_carrier(uow, DEMO, dictionaries.CarrierInput(
            name, "商务楼宇", "和平大道核心区", total, industry_ids=offices)).id
    for name, area, suits in (
            ("北湖标准化厂房一期", 50000, ("新材料", "生物医药", "高端装备")),
            ("北湖标准化厂房二期", 46000, ("高端装备", "新能源", "人工智能")),
            ("钢城工业园标准厂房", 44000, ("钢铁深加工", "新材料", "新能源"))):
        ids[name] = dictionaries.add_carrier(uow, DEMO, dictionaries.CarrierInput(
            name, "标准化厂房", "新材料产业园", Decimal(area),
            industry_ids=tuple(industry[n] for n in suits))).id
    ids["化工园区待开发用地"] = dictionaries.add_carrier(uow, DEMO, dictionaries.CarrierInput(
        "化工园区待开发用地", "土地", "青山化工园区", Decimal(13_000_000), "13 平方公里",
        industry_ids=tuple(industry[n] for n in ("石油化工", "新材料", "生物医药", "新能源")))).id
    return ids


def _logs(uow: UnitOfWork, actor: Actor, rng: random.Random, row: projects.ProjectRow,
          lead_on: dt.date, today: dt.date, plan: Plan) -> None:
    end = min(today, plan.started or plan.dropped or today)
    span = max(1, (end - lead_on).days)
    count = 2 + rng.randrange(4)
    topics = ["介绍青山区产业政策与载体资源", "企业来访考察北湖厂房", "对接用地需求与规划条件",
              "商议投资协议条款", "协调环评与能评手续", "跟进项目公司注册", "走访了解建设进度"]
    modes = ["走访", "来访", "电话", "会议", "活动"]
    for k in range(count):
        day = lead_on + dt.timedelta(days=span * (k + 1) // (count + 1))
        last = k == count - 1
        open_project = row.stage in ("lead", "negotiating", "signed")
        follow = None
        if last and open_project:
            follow = today + dt.timedelta(days=rng.choice([-12, -5, -2, 0, 0, 3, 6, 14]))
            day = min(day, follow, today)
        elif rng.random() < 0.5:
            follow = day + dt.timedelta(days=14)
        log = contacts.add_log(uow, actor, contacts.LogInput(
            logged_on=day, mode=modes[(k + row.id) % 5], content=topics[(k + row.id) % 7],
            project_id=row.id, participants=f"{actor.name}、企业负责人",
            next_step="准备下一轮洽谈材料" if follow else "", follow_up_on=follow))
        # Old follow-ups were done long ago; only the planned recent ones stay open.
        if follow and (follow < today - dt.timedelta(days=30) or (follow <= today and not last)):
            contacts.complete_follow_up(uow, actor, log.id)


def _targets(uow: UnitOfWork) -> None:
    for year, values in ((2025, (50, 1_500_000, 28, 60, 300_000)),
                         (2026, (55, 1_600_000, 32, 60, 350_000))):
        for metric, value in zip(("signed_count", "signed_amount", "started_count",
                                  "start_rate", "funds"), values, strict=True):
            settings.set_target(uow, DEMO, year, metric, Decimal(value))
