"""The demo's 招商图谱: the article's chains (新材料, 先进钢铁材料, 生物医药, 人工智能/智能网联),
their segments, target firms (invented, as the demo's companies are) and the demo projects
linked to the segments they fill.

The article: 新材料产业园 "聚焦电子信息新材料、新能源材料、医药新材料和氢能装备新材料"; the 硅钢
line will "完善硅钢仓储、交易、加工等配套服务，形成硅钢下游产业及贸易链集群"; the 生物医药 base
"重点引进…研发、医药中间体…原料药、医疗材料及医疗器械"; 际数科技 "提供高质量的空间智能数据服务…
智能网联汽车产业链". Some segments are left as the article's gaps: 医药新材料, 硅钢仓储, 医药中间体,
原料药, 车规级芯片 have target firms and nothing signed. Only leads are added (two targets turned
into leads), so the article's figures stay as they are.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.models import Project
from crm.services import chains, companies
from crm.services.common import Actor
from crm.services.users import UserRow

# chain → (industry, [(stage, segment, [projects linked], [(target, city, tier, why)])])
Target = tuple[str, str, str, str]
CHAINS: list[tuple[str, str, list[tuple[str, str, list[str], list[Target]]]]] = [
    ("新材料", "新材料", [
        ("上游", "石化基础原料", ["中韩石化航煤液相加氢项目", "联创氟化工新材料项目"], [
            ("华东石化新材料股份有限公司", "宁波", "链主", "乙烯下游高端聚烯烃，可配套园区原料"),
            ("扬子精细化工原料有限公司", "南京", "头部", "电子级溶剂原料供应商")]),
        ("中游", "电子信息新材料", ["半导体新材料产业园", "芯联微电子封测基地", "晶研光电材料项目"], [
            ("华芯电子材料股份有限公司", "上海", "上市", "光刻胶配套试剂，补园区电子化学品"),
            ("苏州晶瓷半导体材料有限公司", "苏州", "专精特新", "半导体陶瓷部件"),
            ("北方高纯靶材科技有限公司", "北京", "头部", "高纯溅射靶材")]),
        ("中游", "新能源材料", ["疏能新材料华中基地"], []),  # its sub-segments: SUBSEGMENTS
        ("中游", "医药新材料", [], [
            ("山东药玻新材料股份有限公司", "淄博", "上市", "中硼硅药用玻璃，补医药新材料空白"),
            ("浙江医用高分子材料有限公司", "杭州", "专精特新", "医用级高分子粒料"),
            ("长沙可吸收材料科技有限公司", "长沙", "专精特新", "可吸收缝合线材料")]),
        ("中游", "氢能装备新材料", ["氢澜科技氢能装备项目", "鼎泰氢能储运项目"], [
            ("上海碳纤储氢材料有限公司", "上海", "专精特新", "IV 型储氢瓶碳纤维"),
            ("大连膜电极科技有限公司", "大连", "头部", "质子交换膜")]),
        ("下游", "复合材料与高分子制品",
         ["光华伟业高分子材料项目", "长江碳纤维复合材料项目", "高性能树脂项目", "可降解材料项目"], [
             ("中复航空复合材料有限公司", "连云港", "头部", "航空复合材料构件"),
             ("广州汽车轻量化材料有限公司", "广州", "其他", "汽车轻量化部件，对接车企")]),
    ]),
    ("先进钢铁材料", "钢铁深加工", [
        ("上游", "硅钢生产", ["先进钢铁材料制造产业园"], [
            ("华中取向硅钢科技有限公司", "武汉", "头部", "取向硅钢后工序，配套新产线")]),
        ("中游", "硅钢仓储", [], [
            ("中储钢材物流有限公司", "天津", "链主", "全国钢材仓储网络，硅钢专用库"),
            ("长江港储供应链有限公司", "武汉", "其他", "沿江港口仓储")]),
        ("中游", "硅钢交易", [], [
            ("上海钢联电商股份有限公司", "上海", "上市", "钢材交易平台，设华中硅钢交易中心"),
            ("欧冶云商硅钢交易有限公司", "上海", "头部", "硅钢现货交易与供应链金融")]),
        ("中游", "硅钢加工（剪切、配送）",
         ["甬舜特种合金项目", "新锐特钢精密管材项目", "精工焊材扩产项目"], [
             ("宝钢硅钢加工配送有限公司", "上海", "头部", "硅钢纵剪横切配送中心"),
             ("无锡精密冲片有限公司", "无锡", "专精特新", "电机铁芯冲片")]),
        ("下游", "新能源汽车驱动电机", ["硅钢下游电机配套项目"], [
            ("宁波甬电电机有限公司", "宁波", "其他", "已在对接的电机配套项目"),
            ("精进电动科技股份有限公司", "北京", "上市", "驱动电机总成，硅钢主要用户"),
            ("汇川联合动力有限公司", "苏州", "链主", "电驱系统龙头"),
            ("卧龙高效电机有限公司", "绍兴", "头部", "高效工业电机")]),
    ]),
    ("生物医药", "生物医药", [
        ("上游", "研发（新药研发、CRO）", ["瀚海生物创新药中试基地", "博睿医药研发外包平台"], [
            ("泰格临床研究有限公司", "杭州", "上市", "临床 CRO，配套光谷生物城"),
            ("成都先导药物研发有限公司", "成都", "专精特新", "DNA 编码化合物库")]),
        ("上游", "医药中间体", [], [
            ("浙江九洲药业中间体有限公司", "台州", "上市", "高端医药中间体，化工园区可承接"),
            ("湖北荆江医药化工有限公司", "荆州", "其他", "省内医药中间体企业，扩产选址中")]),
        ("中游", "原料药", [], [
            ("华海原料药科技有限公司", "台州", "链主", "化学合成类高端原料药"),
            ("石药集团原料药有限公司", "石家庄", "头部", "特色原料药")]),
        ("中游", "生物医药制造", ["武汉生物医药产业基地一期", "细胞治疗产业化基地"], [
            ("苏州博腾生物制药有限公司", "苏州", "专精特新", "中小规模生物制剂 CDMO")]),
        ("下游", "医疗器械与医疗材料", ["青禾医疗器械产业化项目", "医用敷料生产线"], [
            ("迈瑞医疗器械（武汉）有限公司", "深圳", "链主", "监护与体外诊断设备"),
            ("振德医疗用品有限公司", "绍兴", "上市", "医用敷料"),
            ("南微医学微创器械有限公司", "南京", "专精特新", "微创诊疗器械")]),
    ]),
    ("人工智能 / 智能网联", "人工智能", [
        ("上游", "算力与数据", ["智算中心青山节点", "算力租赁服务平台", "数据标注产业基地"], [
            ("曙光智算信息技术有限公司", "天津", "上市", "智算中心建设运营"),
            ("海天瑞声数据科技有限公司", "北京", "上市", "训练数据服务")]),
        ("中游", "空间智能数据服务", ["上海际数科技华中总部"], [
            ("上海际数科技有限公司", "上海", "专精特新", "自动驾驶空间智能数据服务（已落户）"),
            ("四维图新智驾数据有限公司", "北京", "上市", "高精地图与智驾数据闭环")]),
        ("中游", "智能传感器", ["湾区智能传感器项目"], [
            ("禾赛激光雷达科技有限公司", "上海", "头部", "车载激光雷达")]),
        ("中游", "无人系统与机器人",
         ["翼鸟智能无人系统项目", "华星机器人研发中心", "工业机器人总装项目"], [
             ("优必选机器人科技有限公司", "深圳", "上市", "人形机器人")]),
        ("下游", "车规级芯片", [], [
            ("地平线智驾芯片有限公司", "北京", "链主", "智驾计算芯片，补链关键"),
            ("黑芝麻智能科技有限公司", "上海", "头部", "车规级 SoC")]),
        ("下游", "自动驾驶测试与应用", ["星河自动驾驶测试基地"], [
            ("小马智行科技有限公司", "广州", "头部", "Robotaxi 运营，对接测试基地")]),
    ]),
]

# sub-segments (子环节): parent → [(segment, [projects linked], [targets])], same stage
SUBSEGMENTS: dict[str, list[tuple[str, list[str], list[Target]]]] = {
    "新能源材料": [
        ("正极材料", ["启元新能源电池材料项目"], [
            ("赣锋锂源材料有限公司", "宜春", "链主", "正极材料前驱体")]),
        ("负极材料", [], [
            ("深圳贝特瑞能新材料有限公司", "深圳", "上市", "负极材料，配套启元电池材料")]),
    ],
}

# Targets the demo turns into leads (转为线索), as a staff member would on the map.
CONVERTED = ("中储钢材物流有限公司", "上海钢联电商股份有限公司")
# Firms already in the district, counted as the segments' local firms.
LOCAL = [("武汉钢铁有限公司", "硅钢生产"), ("武汉钢铁有限公司硅钢事业部", "硅钢加工（剪切、配送）")]


def load(uow: UnitOfWork, actor: Actor, staff: list[UserRow], industry: dict[str, int],
         today: dt.date) -> None:
    """Chains, segments, targets, the links of the demo projects and two conversions."""
    s = uow.session
    project_ids: dict[str, int] = {n: i for n, i in s.execute(select(Project.name, Project.id))}
    segment_ids: dict[str, int] = {}
    k = 0
    for chain_name, industry_name, segments in CHAINS:
        chain = chains.add_chain(uow, actor, chains.ChainInput(
            chain_name, industry.get(industry_name), note="围绕“335”产业体系制定的招商图谱"))
        # a sub-segment right after its parent (the targets' owners take turns in this order)
        flat = [row for stage, name, linked, targets in segments for row in (
            (stage, name, linked, targets, None),
            *((stage, sub, more, firms, name) for sub, more, firms in SUBSEGMENTS.get(name, [])))]
        for stage, name, linked, targets, parent in flat:
            segment = chains.add_segment(uow, actor, chain.id, chains.SegmentInput(
                name, stage, parent_id=segment_ids[parent] if parent else None))
            segment_ids[name] = segment.id
            for project in linked:
                chains.link_project(uow, actor, project_ids[project], segment.id)
            for firm, city, tier, why in targets:
                owner = staff[k % len(staff)]
                k += 1
                chains.add_target(uow, actor, chains.TargetInput(
                    firm, segment.id, city=city, tier=tier, why=why, owner_id=owner.id))
    # the companies of projects that started there are the segments' local firms now
    for pid in project_ids.values():
        found = s.get(Project, pid)
        if found is not None and found.segment_id and found.started_on is not None:
            chains.link_company(uow, actor, found.company_id, found.segment_id)
    for firm, segment_name in LOCAL:
        company = companies.ensure_company(uow, actor, firm, hq_city="武汉",
                                           industry_id=industry.get("钢铁深加工"))
        chains.link_company(uow, actor, company.id, segment_ids[segment_name])
    for firm in CONVERTED:
        target = chains.find_target(uow, firm)
        owner = next(u for u in staff if u.id == target.owner_id)
        chains.convert_target(uow, Actor(owner.id, "staff", owner.display_name), target.id,
                              lead_on=today - dt.timedelta(days=10))
