"""招商图谱: coverage and gaps against hand-computed data, a target turned into a lead, the
chain and segment filters of the figures, and the command line's contract (issue 13)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.cli import main
from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.models import AuditEntry, Company, Project, TargetFirm
from crm.services import chains, contacts, metrics, pipeline, projects
from crm.services.common import SYSTEM
from crm.services.metrics import Filters, Period
from crm.uscc import make_uscc
from crm.views import chains as view
from tests.unit.builders import LEAD_DAY, D, World, world


@dataclass(frozen=True)
class Map:
    w: World
    chain: int
    a: int  # 上游 原料
    b: int  # 中游 电子材料
    b1: int  # 中游 靶材, under 电子材料
    c: int  # 中游 医药材料
    d: int  # 下游 应用
    p1: int
    p6: int


def build(db: Database) -> Map:
    """p1 (原料): signed 2025-02-01, started 2025-03-01; p6 (原料): signed 2025-12-20;
    p2 (靶材): signed 2024-11-01, started 2025-01-10 (another year: not §3's started);
    p3 (医药材料): a lead; p4 (医药材料): 在谈 2025-01-05, dropped 2025-02-01;
    p5 (应用): 在谈 2025-03-01; p7 (应用): signed, then deleted. Targets: 原料 one (its company
    has a contact log of 2025-02-01), 医药材料 two. Every lead date 2024-10-01."""
    w = world(db)
    with db.uow() as uow:  # one transaction: a commit per step would cost most of the test
        chain = chains.add_chain(uow, SYSTEM, chains.ChainInput("新材料", w.steel)).id

        def seg(name: str, stage: str, parent: int | None = None) -> int:
            return chains.add_segment(uow, SYSTEM, chain,
                                      chains.SegmentInput(name, stage, parent_id=parent)).id
        a, b = seg("原料", "上游"), seg("电子材料", "中游")
        b1, c, d = seg("靶材", "中游", b), seg("医药材料", "中游"), seg("应用", "下游")
        ids = {}
        for name, segment in (("p1", a), ("p2", b1), ("p3", c), ("p4", c), ("p5", d),
                              ("p6", a), ("p7", d)):
            ids[name] = projects.create_project(uow, w.manager, projects.ProjectInput(
                name, w.company, owner_id=w.staff.user_id, lead_on=LEAD_DAY)).id
            chains.link_project(uow, SYSTEM, ids[name], segment)

        def move(name: str, to: str, on: dt.date, amount: str | None = None) -> None:
            pipeline.advance(uow, SYSTEM, ids[name], to, on,
                             agreement=pipeline.AgreementInput(on, Decimal(amount))
                             if amount else None,
                             start=pipeline.StartInput(on, "开工") if to == "started" else None,
                             reason="外迁" if to == "dropped" else "")
        move("p1", "signed", D(2025, 2, 1), "1000")
        move("p1", "started", D(2025, 3, 1))
        move("p6", "signed", D(2025, 12, 20), "1000")
        move("p2", "signed", D(2024, 11, 1), "1000")
        move("p2", "started", D(2025, 1, 10))
        move("p4", "negotiating", D(2025, 1, 5))
        move("p4", "dropped", D(2025, 2, 1))
        move("p5", "negotiating", D(2025, 3, 1))
        move("p7", "signed", D(2025, 2, 1), "1000")
        projects.delete_project(uow, SYSTEM, ids["p7"])
        chains.add_target(uow, SYSTEM, chains.TargetInput("上海际数科技有限公司", a, tier="头部"))
        contacts.add_log(uow, w.staff, contacts.LogInput(D(2025, 2, 1), "走访", "谈选址",
                                                         company_id=w.company))
        for name in ("药玻科技有限公司", "高分子医材有限公司"):
            chains.add_target(uow, SYSTEM, chains.TargetInput(name, c, city="杭州"))
        uow.commit()
    return Map(w, chain, a, b, b1, c, d, ids["p1"], ids["p6"])


@pytest.fixture
def m(db: Database) -> Map:
    return build(db)


def figures(db: Database, as_of: dt.date) -> dict[str, tuple[object, ...]]:
    chain = db.read(view.coverage, as_of)[0]
    return {s.name: (s.targets, s.contacted, s.leads, s.negotiating, s.signed, s.started,
                     s.status) for s in chain.segments} | {"完整度": (chain.completeness_text,)}


def test_coverage_and_gaps_by_hand(db: Database, m: Map) -> None:
    #            targets contacted leads talks signed started status
    assert figures(db, D(2025, 12, 31)) == {
        "原料": (1, 1, 0, 0, 2, 1, "强"),
        "电子材料": (0, 0, 0, 0, 1, 0, "强"),  # its sub-segment 靶材's project, added in
        "靶材": (0, 0, 0, 0, 1, 0, "强"),
        "医药材料": (2, 0, 1, 0, 0, 0, "弱"),  # targets and only a lead: p4 was dropped
        "应用": (0, 0, 0, 1, 0, 0, "缺"),  # talks but no target: a gap; p7 is deleted
        "完整度": ("50.00%",),  # 原料 and 电子材料 have a started project, of 4 segments
    }


def test_coverage_as_of_an_earlier_day(db: Database, m: Map) -> None:
    assert figures(db, D(2024, 12, 31)) == {
        "原料": (1, 0, 2, 0, 0, 0, "弱"),  # p1 and p6 were leads; the log came later
        "电子材料": (0, 0, 0, 0, 1, 0, "强"),
        "靶材": (0, 0, 0, 0, 1, 0, "强"),
        "医药材料": (2, 0, 2, 0, 0, 0, "弱"),  # p4 not yet in talks
        "应用": (0, 0, 1, 0, 0, 0, "缺"),
        "完整度": ("0.00%",),  # p2 started only in 2025
    }


def test_segments_flow_from_upstream_and_json_shape(db: Database, m: Map) -> None:
    chain = db.read(view.coverage, D(2025, 12, 31))[0]
    assert [s.name for s in chain.segments] == ["原料", "电子材料", "靶材", "医药材料", "应用"]
    assert [s.name for s in chain.top] == ["原料", "电子材料", "医药材料", "应用"]
    data = chain.to_json()
    assert data["completeness"] == 0.5
    seg = data["segments"][3]
    assert {k: seg[k] for k in ("name", "position", "targets", "contacted", "leads",
                                "negotiating", "signed", "started", "gap", "weak")} == {
        "name": "医药材料", "position": "中游", "targets": 2, "contacted": 0, "leads": 1,
        "negotiating": 0, "signed": 0, "started": 0, "gap": False, "weak": True}
    assert data["segments"][4]["gap"] is True


def test_figures_filter_by_chain_and_segment(db: Database, m: Map) -> None:
    year = Period(D(2025, 1, 1), D(2025, 12, 31))
    by_chain = db.read(metrics.start_rate, year, D(2025, 12, 31), Filters(chain_ids=(m.chain,)))
    assert (by_chain.signed, by_chain.started) == (2, 1)  # p1, p6 (p2 signed in 2024)
    found = db.read(metrics.resolve_filters, chain="新材", segment="靶材")
    assert found.chain_ids == (m.chain,) and found.segment_ids == (m.b1,)
    y2024 = Period(D(2024, 1, 1), D(2024, 12, 31))
    assert db.read(metrics.start_rate, y2024, D(2025, 12, 31), found).signed == 1
    other = db.run(chains.add_chain, SYSTEM, chains.ChainInput("生物医药"))
    assert db.read(metrics.start_rate, year, D(2025, 12, 31),
                   Filters(chain_ids=(other.id,))).signed == 0


def test_target_turns_into_a_lead_carrying_owner_source_segment(db: Database, m: Map) -> None:
    staff = m.w.staff
    target = db.run(chains.add_target, staff, chains.TargetInput(
        "杭州药玻新材料有限公司", m.c, uscc=make_uscc("91330100MA2CB0000"), city="杭州",
        tier="专精特新", why="中硼硅药用玻璃", source="referral"))
    before = db.read(view.coverage, D(2099, 1, 1))[0].segments[3].leads
    done = db.run(chains.convert_target, staff, target)
    with db.uow() as uow:
        p = uow.session.get(Project, done.project_id)
        t = uow.session.get(TargetFirm, target)
        company = uow.session.get(Company, done.company_id)
        assert p is not None and t is not None and company is not None
        assert (p.name, p.stage, p.owner_id, p.source, p.segment_id, p.industry_id) == (
            "杭州药玻新材料有限公司项目", "lead", staff.user_id, "referral", m.c, m.w.steel)
        assert (t.project_id, t.company_id, t.owner_id) == (p.id, company.id, staff.user_id)
        assert (company.name, company.uscc, company.hq_city) == (
            "杭州药玻新材料有限公司", make_uscc("91330100MA2CB0000"), "杭州")
        assert uow.session.scalar(select(AuditEntry.action).where(
            AuditEntry.entity == "target_firm", AuditEntry.entity_id == target)
            .order_by(AuditEntry.id.desc()).limit(1)) == "convert"
    after = db.read(view.coverage, D(2099, 1, 1))[0].segments[3]
    assert (after.leads, after.contacted) == (before + 1, 1)
    row = db.read(view.get_target, target)
    assert (row.project_id, row.status) == (done.project_id, "已转线索（线索）")
    with pytest.raises(ValidationError, match="已转为线索"):
        db.run(chains.convert_target, staff, target)


def test_conversion_reuses_the_company_by_uscc_or_exact_name(db: Database, m: Map) -> None:
    by_name = db.read(view.list_targets, segment_ids=[m.a])[0]
    assert by_name.company_id == m.w.company  # matched when added
    done = db.run(chains.convert_target, SYSTEM, by_name.id, project_name="际数二期")
    assert done.company_id == m.w.company
    uscc = make_uscc("91310000MA1FL0000")  # 上海际数科技有限公司's, under another name
    other = db.run(chains.add_target, SYSTEM, chains.TargetInput("际数科技", m.d, uscc=uscc))
    assert db.run(chains.convert_target, SYSTEM, other).company_id == m.w.company


def test_staff_cannot_make_a_lead_for_someone_else(db: Database, m: Map) -> None:
    theirs = db.run(chains.add_target, m.w.other_staff, chains.TargetInput("王的目标", m.c))
    with pytest.raises(PermissionDenied, match="只有管理者"):
        db.run(chains.convert_target, m.w.staff, theirs)
    assert db.read(view.get_target, theirs).project_id is None
    with pytest.raises(PermissionDenied, match="只有管理者"):
        db.run(chains.add_segment, m.w.staff, m.chain, chains.SegmentInput("新环节", "上游"))
    made = db.run(chains.convert_target, m.w.manager, theirs)
    with db.uow() as uow:
        p = uow.session.get(Project, made.project_id)
        assert p is not None and p.owner_id == m.w.other_staff.user_id


def test_bad_input_is_refused_with_a_message(db: Database, m: Map) -> None:
    for data, message in ((chains.TargetInput("某公司", m.a, tier="龙头"), "层级"),
                          (chains.TargetInput("某公司", m.a, uscc="123"), "信用代码"),
                          (chains.TargetInput("上海际数科技有限公司", m.a), "已有目标企业"),
                          (chains.TargetInput(" ", m.a), "请填写企业名称")):
        with pytest.raises(ValidationError, match=message):
            db.run(chains.add_target, SYSTEM, data)
    with pytest.raises(ValidationError, match="上游、中游 或 下游"):
        db.run(chains.add_segment, SYSTEM, m.chain, chains.SegmentInput("x", "旁游"))
    with pytest.raises(ValidationError, match="不能删除"):
        db.run(chains.delete_segment, SYSTEM, m.a)


def _cli(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", db.url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_command_line_contract(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    m = build(sqlite_db)
    code, out, _ = _cli(sqlite_db, capsys, "chains", "--chain", "新材", "--json",
                        "--as-of", "2025-12-31")
    assert code == 0
    (chain,) = json.loads(out)
    assert {"id", "name", "completeness", "segments"} <= set(chain)
    assert chain["completeness"] == 0.5
    keys = {"id", "name", "position", "targets", "contacted", "leads", "negotiating", "signed",
            "started", "gap", "weak"}
    assert all(keys <= set(s) for s in chain["segments"])
    code, out, _ = _cli(sqlite_db, capsys, "targets", "add", "宁德时代", "--chain", "新材料",
                        "--segment", "医药", "--tier", "链主", "--city", "宁德",
                        "--user", "lixm")
    assert code == 0 and "宁德时代" in out
    code, out, _ = _cli(sqlite_db, capsys, "targets", "--segment", "医药材料", "--json")
    rows = {t["name"]: t for t in json.loads(out)}
    assert rows["宁德时代"] == {"id": rows["宁德时代"]["id"], "name": "宁德时代", "chain": "新材料",
                              "segment": "医药材料", "tier": "链主", "city": "宁德",
                              "owner": "李晓明", "project_id": None, "uscc": None,
                              "contacted": False}
    leads = sqlite_db.read(view.coverage, D(2099, 1, 1))[0].segments[3].leads
    code, out, err = _cli(sqlite_db, capsys, "targets", "lead", str(rows["宁德时代"]["id"]),
                          "--user", "lixm")
    assert code == 0 and out.strip().isdigit() and "转为线索" in err
    project_id = int(out)
    assert sqlite_db.read(view.coverage, D(2099, 1, 1))[0].segments[3].leads == leads + 1
    code, out, _ = _cli(sqlite_db, capsys, "targets", "--json")
    assert {t["name"]: t["project_id"] for t in json.loads(out)}["宁德时代"] == project_id
    code, out, _ = _cli(sqlite_db, capsys, "chains", "link", "p3", "--segment", "应用",
                        "--chain", "新材料")
    assert code == 0 and "归入环节“应用”" in out
    assert sqlite_db.read(view.coverage, D(2099, 1, 1))[0].segments[4].leads == 1
    code, out, _ = _cli(sqlite_db, capsys, "chains", "unlink", "p3")
    assert code == 0 and sqlite_db.read(view.coverage, D(2099, 1, 1))[0].segments[4].leads == 0
    code, out, _ = _cli(sqlite_db, capsys, "chains", "link", "上海际数科技有限公司", "--company",
                        "--segment", "原料")
    assert code == 0 and "企业“上海际数科技有限公司”已归入环节“原料”" in out
    assert sqlite_db.read(view.coverage, D(2099, 1, 1))[0].segments[0].local_firms == 1
    code, out, _ = _cli(sqlite_db, capsys, "stats", "--chain", "新材料", "--from", "2025-01-01",
                        "--to", "2025-12-31", "--as-of", "2025-12-31", "--json")
    assert (json.loads(out)["signed"], json.loads(out)["started"]) == (2, 1)
    for bad, message in ((("targets", "add", "某企业", "--chain", "没有这条链", "--segment", "x"),
                          "找不到产业链"),
                         (("targets", "lead", "99999"), "找不到目标企业"),
                         (("targets", "add", "某企业", "--chain", "新材料", "--segment", "材料"),
                          "匹配到多个环节"),
                         (("chains", "--chain", ""), "不能为空")):
        code, out, err = _cli(sqlite_db, capsys, *bad)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert m.p1 > 0


def test_demo_chains_show_the_article_and_a_gap(demo_db: Database) -> None:
    rows = {c.name: c for c in demo_db.read(view.coverage, D(2026, 11, 28))}
    assert list(rows) == ["新材料", "先进钢铁材料", "生物医药", "人工智能 / 智能网联"]
    names = {s.name for c in rows.values() for s in c.segments}
    assert {"电子信息新材料", "新能源材料", "医药新材料", "氢能装备新材料", "硅钢生产", "硅钢仓储",
            "硅钢交易", "医药中间体", "原料药", "空间智能数据服务"} <= names
    gaps = {s.name for c in rows.values() for s in c.top if s.gap}
    assert "医药新材料" in gaps
    weak = {s.name for c in rows.values() for s in c.top if s.weak}
    assert {"硅钢仓储", "硅钢交易"} <= weak  # targets turned into leads, nothing signed
    assert rows["新材料"].completeness_text == "83.33%"
    assert Decimal(0) < (rows["先进钢铁材料"].completeness or 0) < 1
