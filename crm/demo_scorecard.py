"""The demo's assessment schemes (考核), targets and reward rules for 2025.

The bureau's scheme follows the way a city's published 2024 招商引资考核 scores its districts
(量化计分: each figure's 完成率 × its points; 实际利用外资 counted up to 120%; 签约个数 and
签约金额 half each; bands of large projects; points off per 超时限未开工 project), set out on
100 points with the items the issue names. Its yearly targets for 签约数, 签约金额, 开工率 and
到位资金 are the demo's 年度目标 (crm.demo._targets), the same rows. The person scheme is the
bureau's own 人员考核. Nothing here changes a project: the article's figures stay as they are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.models import Project
from crm.services import rewards, scorecard_schemes
from crm.services.common import Actor
from crm.services.scorecard_schemes import ItemInput, SchemeInput

D = Decimal
BASIS = ("参照某市《2024年度招商引资考核》的量化计分方式：得分 = 完成率 × 分值，完成率最高按 100% 计"
         "（实际利用外资、省外到位资金最高按 120% 计）；签约个数与签约金额各占一半；加分项每个计分"
         "并设上限；超时限未开工项目每个扣分。季度按时序目标考核，截至季末累计。")
UNIT_ITEMS = (
    ItemInput("score", "signed_count", "签约项目数", weight=D(15)),
    ItemInput("score", "signed_amount", "签约项目金额", weight=D(15)),
    ItemInput("score", "start_rate", "当年签约项目开工率", weight=D(20)),
    ItemInput("score", "funds_outside_province", "省外实际到位资金", weight=D(20), cap=D("1.2")),
    ItemInput("score", "funds_other_city", "省内市外实际到位资金", weight=D(10)),
    ItemInput("score", "foreign_usd", "实际利用外资", weight=D(10), cap=D("1.2")),
    ItemInput("score", "batch_started", "新开工项目数", weight=D(10)),
    ItemInput("bonus", "tier:世界500强", "引进世界500强企业", points_each=D(2), points_max=D(6)),
    ItemInput("bonus", "signed_10yi", "引进10亿元以上项目", points_each=D(1), points_max=D(4)),
    ItemInput("deduction", "overdue_starts", "超时限未开工项目", points_each=D(1),
              points_max=D(5)),
)
# 2025: the year's target, then the 时序目标 due by the end of Q1, Q2, Q3 (cumulative). The
# four dashboard figures' yearly targets are already the demo's 年度目标.
UNIT_TARGETS: dict[str, tuple[int | None, int, int, int]] = {
    "signed_count": (None, 12, 25, 38),
    "signed_amount": (None, 300_000, 750_000, 1_100_000),
    "funds_outside_province": (150_000, 30_000, 70_000, 110_000),
    "funds_other_city": (50_000, 10_000, 25_000, 38_000),
    "foreign_usd": (3_000, 500, 1_400, 2_200),
    "batch_started": (24, 5, 12, 18),
}
PERSON_ITEMS = (
    ItemInput("score", "signed_count", "签约项目数", weight=D(40)),
    ItemInput("score", "started_count", "当年签约当年开工(开业)数", weight=D(30)),
    ItemInput("score", "contacts", "接洽次数", weight=D(20), cap=D("1.2")),
    ItemInput("score", "leads", "新增线索", weight=D(10)),
    ItemInput("bonus", "tier:世界500强", "引进世界500强企业", points_each=D(5), points_max=D(10)),
)
PERSON_TARGETS: dict[str, tuple[int, int, int, int]] = {
    "signed_count": (4, 1, 2, 3),
    "started_count": (2, 0, 1, 1),
    "contacts": (12, 3, 6, 9),
    "leads": (4, 1, 2, 3),
}
# 引荐人 of the demo's 以商招商 projects: registered before signing (rewarded) or after (not).
REFERRERS = {
    "中韩石化航煤液相加氢项目": ("武汉楚商联合会 周会长", dt.date(2024, 11, 20)),
    "氢澜科技氢能装备项目": ("上海湖北商会 刘秘书长", dt.date(2025, 4, 15)),
}


def load_scorecard(uow: UnitOfWork, actor: Actor) -> None:
    """The 2025 schemes, their targets, the reward rules and two registered 引荐人."""
    scorecard_schemes.save_scheme(uow, actor, SchemeInput(
        2025, "unit", "2025年度招商引资工作考核（区）", BASIS, UNIT_ITEMS))
    for code, (year, *quarters) in UNIT_TARGETS.items():
        if year is not None:
            scorecard_schemes.set_target(uow, actor, 2025, code, D(year))
        for q, value in enumerate(quarters, start=1):
            scorecard_schemes.set_target(uow, actor, 2025, code, D(value), quarter=q)
    scorecard_schemes.save_scheme(uow, actor, SchemeInput(
        2025, "person", "2025年度招商人员考核（每人）", "招商局内部考核：每人年度任务相同。",
        PERSON_ITEMS))
    for code, (year_value, *quarters) in PERSON_TARGETS.items():
        scorecard_schemes.set_target(uow, actor, 2025, code, D(year_value), scope="person")
        for q, value in enumerate(quarters, start=1):
            if value:
                scorecard_schemes.set_target(uow, actor, 2025, code, D(value), quarter=q, scope="person")
    rewards.save_reward_rule(uow, actor, 2025, "ambassador", D(5), D(50), D(100))
    rewards.save_reward_rule(uow, actor, 2025, "referrer", D(3), D(20), D(30))
    for name, (who, on) in REFERRERS.items():
        project_id = uow.session.scalar(select(Project.id).where(Project.name == name))
        if project_id is not None:
            rewards.register_referrer(uow, actor, project_id, who, on)
