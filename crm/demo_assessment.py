"""The demo's assessment data (issue 19): where its receipts come from, tiers, milestones, promises.

The receipts the demo records at each start keep their amounts (20% of the planned investment,
so the article's cohort and its 资金到位率 are unchanged) and get an origin and a kind from the
investor's city. The extra receipts here go to projects signed in 2024 or after 2025 上半年 —
outside the article's cohort — some of them in US dollars from Hong Kong. Milestones follow the
demo's own dates (竣工 before 投产, 入库 after the start); everything dated after ``today`` is
left out, as the loader does for stages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.models import Agreement, Company, Project
from crm.services import funds, milestones, tiers
from crm.services.common import Actor
from crm.services.funds import ReceiptInput
from crm.services.milestones import MilestoneInput, PromiseInput

D = dt.date
HUBEI = {"荆州", "仙桃", "宜昌", "襄阳", "黄石", "十堰", "孝感", "鄂州"}


def origin_of(city: str, project_name: str) -> str:
    """Where a demo investor's money comes from: 区内 for the district's own projects (青山,
    a local platform company), 市内 for the rest of Wuhan, 省内市外 for Hubei, else 省外."""
    if city == "武汉":
        return "区内" if "青山" in project_name or "园区" in project_name else "市内"
    return "省内市外" if city in HUBEI else "省外"


def start_receipt(city: str, project_name: str, start_kind: str) -> tuple[str, str]:
    """(origin, kind) of the receipt the demo records at a start: a construction start brings
    固定资产投资, a business opening 流动资金."""
    return origin_of(city, project_name), "固定资产投资" if start_kind == "开工" else "流动资金"


# Receipts beyond those at the start (万元; foreign ones with their 万美元), on projects outside
# the 2025 上半年 cohort: the 2024 signings' money arriving in 2025, and later signings.
EXTRA = (
    ("精工焊材扩产项目", D(2025, 3, 18), "2400", "市内", "固定资产投资", None, "银行进账单"),
    ("精工焊材扩产项目", D(2025, 8, 6), "900", "市内", "流动资金", None, "银行进账单"),
    ("湾区智能传感器项目", D(2025, 4, 22), "3600", "境外", "固定资产投资", "500",
     "香港母公司增资 500 万美元，验资报告"),
    ("湾区智能传感器项目", D(2025, 9, 3), "4400", "省外", "固定资产投资", None, "设备清单"),
    ("鹏程储能电站", D(2025, 1, 15), "7200", "省外", "固定资产投资", None, "验资报告"),
    ("鹏程储能电站", D(2025, 6, 20), "2160", "境外", "固定资产投资", "300",
     "境外股东出资 300 万美元，银行进账单"),
    ("汉阳冷链物流中心", D(2025, 5, 12), "1500", "市内", "其他", None, "银行回单"),
    ("新锐特钢精密管材项目", D(2025, 12, 10), "5000", "省外", "固定资产投资", None, "银行进账单"),
)

# (company, tiers)
TIERS = (
    ("武汉钢材科技产业发展有限公司", ("世界500强", "央企")),
    ("中韩（武汉）石油化工有限公司", ("央企", "外资")),
    ("深圳光华伟业股份有限公司", ("上市公司", "专精特新")),
    ("浙江万洋众创城投资有限公司", ("民营500强",)),
    ("上海芯联微电子有限公司", ("专精特新",)),
    ("湖北云图智算科技有限公司", ("专精特新",)),
    ("上海际数科技有限公司", ("新经济500强",)),
    ("苏州启元新能源科技有限公司", ("上市公司",)),
    ("深圳湾芯传感技术有限公司", ("外资", "专精特新")),
    ("北京星河智驾科技有限公司", ("独角兽",)),
    ("武汉楚天供应链管理有限公司", ("服务业500强",)),
    ("中科氢能（北京）科技有限公司", ("中国500强",)),
)

# (project, milestones): 落地 = the local company registered and the site handed over.
MILESTONES = (
    ("精工焊材扩产项目", MilestoneInput(
        landed_on=D(2024, 6, 20), completed_on=D(2025, 3, 31), in_database_on=D(2024, 9, 12),
        in_database_evidence="项目代码 2406-420107-04-01-318822", registered_on=D(2024, 10, 10),
        above_scale_on=D(2025, 9, 30))),
    ("鹏程储能电站", MilestoneInput(
        landed_on=D(2024, 12, 2), in_database_on=D(2025, 1, 20),
        in_database_evidence="项目代码 2412-420107-04-01-552107", registered_on=D(2025, 2, 10))),
    ("湾区智能传感器项目", MilestoneInput(
        landed_on=D(2025, 1, 6), in_database_on=D(2025, 3, 25),
        in_database_evidence="项目代码 2503-420107-04-01-207316")),
    ("先进钢铁材料制造产业园", MilestoneInput(
        landed_on=D(2025, 2, 18), in_database_on=D(2025, 4, 28),
        in_database_evidence="项目代码 2504-420107-04-01-100458", registered_on=D(2025, 5, 12))),
    ("武汉万众创城", MilestoneInput(
        landed_on=D(2025, 4, 10), in_database_on=D(2025, 6, 18),
        in_database_evidence="项目代码 2506-420107-04-01-663015")),
    ("中韩石化航煤液相加氢项目", MilestoneInput(
        landed_on=D(2025, 2, 20), completed_on=D(2025, 11, 28),
        in_database_on=D(2025, 3, 26), in_database_evidence="项目代码 2503-420107-04-02-401992",
        registered_on=D(2025, 4, 9))),
    ("半导体新材料产业园", MilestoneInput(landed_on=D(2025, 3, 3))),
    ("光华伟业高分子材料项目", MilestoneInput(landed_on=D(2025, 5, 26))),
    ("高性能树脂项目", MilestoneInput(lead_kind="储备")),
    ("特种气体项目", MilestoneInput(lead_kind="储备")),
    ("光伏组件回收项目", MilestoneInput(lead_kind="谋划")),
    ("硅钢下游电机配套项目", MilestoneInput(lead_kind="谋划")),
)

# (project, promises of its agreement): the 投资合同's dates, 投资强度 and 亩均税收 (万元/亩).
PROMISES = (
    ("先进钢铁材料制造产业园", PromiseInput(D(2025, 3, 31), D(2027, 6, 30), D(2028, 12, 31),
                                          Decimal(400), Decimal(30))),
    ("武汉万众创城", PromiseInput(D(2025, 6, 30), D(2026, 12, 31), None, Decimal(300),
                                Decimal(25))),
    ("中韩石化航煤液相加氢项目", PromiseInput(D(2025, 3, 31), D(2025, 12, 31))),
    ("甬舜特种合金项目", PromiseInput(D(2025, 9, 30), D(2026, 12, 31), None, Decimal(350),
                                    Decimal(28))),
    ("锡创智能装备华中基地", PromiseInput(D(2025, 8, 31), D(2026, 10, 31))),
    ("精工焊材扩产项目", PromiseInput(D(2024, 8, 31), D(2025, 3, 31))),
    ("氢澜科技氢能装备项目", PromiseInput(D(2025, 10, 15))),
)


def load(uow: UnitOfWork, actor: Actor, today: dt.date) -> None:
    """Tiers, extra receipts, milestones and promises, through the services."""
    project_ids = dict(uow.session.execute(select(Project.name, Project.id)).all())
    signed = {name for (name,) in uow.session.execute(
        select(Project.name).where(Project.signed_on.is_not(None), Project.signed_on <= today))}
    company_ids = dict(uow.session.execute(select(Company.name, Company.id)).all())
    known = {t.name: t.id for t in tiers.list_tiers(uow)}
    for company, names in TIERS:
        tiers.set_company_tiers(uow, actor, company_ids[company], [known[n] for n in names])
    for name, day, amount, origin, kind, usd, evidence in EXTRA:
        if name in signed and day <= today:
            funds.add_receipt(uow, actor, project_ids[name], ReceiptInput(
                day, Decimal(amount), origin, kind, "USD" if usd else "CNY",
                Decimal(usd) if usd else None, Decimal(usd) if usd else None, evidence))
    for name, data in MILESTONES:
        dates = [getattr(data, k) for k in ("landed_on", "completed_on", "in_database_on",
                                             "registered_on", "above_scale_on")]
        if all(d is None or d <= today for d in dates) and (
                data.lead_kind is not None or name in signed):
            milestones.set_milestones(uow, actor, project_ids[name], data)
    for name, promise in PROMISES:
        if name in signed:
            agreement = uow.session.scalar(
                select(Agreement.id).where(Agreement.project_id == project_ids[name])
                .order_by(Agreement.signed_on, Agreement.id).limit(1))
            if agreement is not None:
                milestones.set_promises(uow, actor, agreement, promise)
