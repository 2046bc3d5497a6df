"""考核: scores against hand-computed points (weights, caps, quarterly 时序目标, bonus and
deduction items), per person, the targets shared with 年度目标, rewards and the command line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from crm.cli import main
from crm.db import Database
from crm.errors import ValidationError
from crm.excel.reports import export_report
from crm.models import Ambassador
from crm.services import (
    contacts,
    dictionaries,
    funds,
    pipeline,
    rewards,
    scorecard,
    scorecard_schemes,
    settings,
)
from crm.services.common import SYSTEM
from crm.services.metrics import Period
from crm.services.pipeline import AgreementInput
from crm.services.scorecard_schemes import ItemInput, SchemeInput
from tests.unit import builders
from tests.unit.builders import D

N = Decimal
Q2_END = D(2025, 6, 30)
YEAR_END = D(2025, 12, 31)


@dataclass(frozen=True)
class Scene:
    w: builders.World
    a: int  # 李晓明's, signed 2025-02-10, 2 亿, planned 12 亿, started 2025-04-01
    b: int  # 李晓明's, signed 2025-03-05, 0.5 亿, planned start 2025-05-01, never started
    c: int  # 王芳's, signed 2025-05-20, 0.8 亿, started 2025-06-10
    d: int  # 王芳's, signed 2025-08-01, 0.3 亿


def scene(db: Database) -> Scene:
    w = builders.world(db)
    amb = db.run(dictionaries.add_ambassador, SYSTEM, "程远航", "长三角楚商联合会",
                 D(2025, 3, 10)).id
    with db.uow() as uow:
        early = uow.session.get(Ambassador, w.ambassador)
        assert early is not None
        early.appointed_on = D(2025, 1, 1)  # 冯立新: appointed before A's and C's signing
        uow.commit()
    a = builders.project(db, w, "先进钢铁材料产业园", source="ambassador",
                         ambassador=w.ambassador, invest=N(120000))
    b = builders.project(db, w, "疏能新材料基地", source="ambassador", ambassador=amb)
    c = builders.project(db, w, "氢能装备项目", owner=w.other_staff, source="ambassador",
                         ambassador=w.ambassador)
    d = builders.project(db, w, "检测认证中心", owner=w.other_staff)
    builders.sign(db, a, D(2025, 2, 10), "20000")
    db.run(pipeline.advance, SYSTEM, b, "signed", D(2025, 3, 5), agreement=AgreementInput(
        D(2025, 3, 5), N(5000), planned_start_on=D(2025, 5, 1), planned_start_kind="开工"))
    builders.sign(db, c, D(2025, 5, 20), "8000")
    builders.sign(db, d, D(2025, 8, 1), "3000")
    builders.start(db, a, D(2025, 4, 1))
    builders.start(db, c, D(2025, 6, 10))
    for who, day in ((w.staff, D(2025, 2, 1)), (w.staff, D(2025, 5, 5)),
                     (w.other_staff, D(2025, 6, 1))):
        db.run(contacts.add_log, who, contacts.LogInput(day, "走访", "谈选址",
                                                        company_id=w.company))
    return Scene(w, a, b, c, d)


UNIT = SchemeInput(2025, "unit", "2025年度招商引资考核", "某区考核办法", (
    ItemInput("score", "signed_count", weight=N(20)),
    ItemInput("score", "signed_amount", weight=N(30), cap=N("1.2")),
    ItemInput("score", "start_rate", weight=N(20)),
    ItemInput("score", "contacts", weight=N(10)),
    ItemInput("bonus", "signed_count", "每签约一个项目", points_each=N(2), points_max=N(5)),
    ItemInput("deduction", "overdue_starts", points_each=N(2), points_max=N(10)),
))


def unit_scheme(db: Database) -> None:
    db.run(scorecard_schemes.save_scheme, SYSTEM, UNIT)
    for code, value, quarter in (("signed_count", "8", 0), ("signed_count", "2", 2),
                                 ("signed_amount", "40000", 0), ("start_rate", "60", 0),
                                 ("contacts", "10", 0), ("contacts", "4", 2)):
        db.run(scorecard_schemes.set_target, SYSTEM, 2025, code, N(value), quarter=quarter)


def points(card: scorecard.Scorecard) -> list[tuple[str, str, str]]:
    return [(line.code, str(line.points), line.basis) for line in card.lines]


def test_scores_with_caps_weights_quarter_targets_bonus_and_deductions(db: Database) -> None:
    scene(db)
    unit_scheme(db)
    q2 = db.read(scorecard.score, 2025, 2, Q2_END)
    # 签约 3 of Q2's 时序目标 2: 150% capped at 100% → 20; 金额 3.3 亿 against the year's
    # 4 亿 × 2/4 (no Q2 target): 165% capped at 120% → 36; 开工率 2/3 = 66.67% of 60%, capped
    # → 20; 接洽 3 of 4 → 7.5; +2 per signing, 3 → 6, ceiling 5; B is past its planned start
    # (2025-05-01) and not started: −2.
    assert points(q2) == [
        ("signed_count", "20.00", "二季度时序目标"),
        ("signed_amount", "36.00", "按时间进度（年度目标×2/4）"),
        ("start_rate", "20.00", "年度目标（比率不分季度）"),
        ("contacts", "7.50", "二季度时序目标"),
        ("signed_count", "5.00", ""),
        ("overdue_starts", "-2.00", ""),
    ]
    assert q2.total == N("86.50") and q2.full_marks == N(80)  # bonus points come on top
    assert q2.lines[1].available == N(0) and q2.lines[3].available == N("2.50")
    assert q2.lines[3].to_full == N(1)  # one more contact gives full points
    assert q2.lines[2].actual is not None and round(q2.lines[2].actual, 2) == N("66.67")
    year = db.read(scorecard.score, 2025, None, YEAR_END)
    # 4/8 → 10; 3.6/4 亿 → 27; 2/4 = 50% of 60% → 16.67; 3/10 → 3; bonus 8 → 5; B still −2
    assert [p for _c, p, _b in points(year)] == ["10.00", "27.00", "16.67", "3.00", "5.00",
                                                 "-2.00"]
    assert year.total == N("59.67")
    assert year.available == N(10) + N(9) + N("3.33") + N(7)  # the bonus line is at its ceiling


def test_per_person(sqlite_db: Database) -> None:
    s = scene(sqlite_db)
    sqlite_db.run(scorecard_schemes.save_scheme, SYSTEM, SchemeInput(2025, "person", "人员考核", "", (
        ItemInput("score", "signed_count", weight=N(50)),
        ItemInput("score", "contacts", weight=N(50), cap=N("1.5")))))
    sqlite_db.run(scorecard_schemes.set_targets, SYSTEM, 2025, "person",
                  {("signed_count", 0): "2", ("contacts", 0): "2"})
    cards = sqlite_db.read(scorecard.people_scores, 2025, None, YEAR_END)
    # 李晓明: 2/2 signed → 50, 2/2 contacts → 50; 王芳: 2/2 → 50, 1/2 → 25. The manager owns
    # nothing and is not staff: not listed.
    assert [(c.owner, str(c.total)) for c in cards] == [("李晓明", "100.00"), ("王芳", "75.00")]
    assert cards[1].available == N(50)  # 25 to the target, 25 more up to the 150% cap
    one = sqlite_db.read(scorecard.score, 2025, None, YEAR_END, scope="person",
                         owner_id=s.w.other_staff.user_id)
    assert one.owner == "王芳" and one.total == N(75)
    # the unit has no scheme for 2025 here: an empty scorecard, not an error
    assert sqlite_db.read(scorecard.score, 2025, None, YEAR_END).scheme is None


def test_the_yearly_target_is_the_dashboards_and_checked(sqlite_db: Database) -> None:
    builders.world(sqlite_db)
    sqlite_db.run(scorecard_schemes.set_target, SYSTEM, 2025, "signed_count", N(30))
    sqlite_db.run(scorecard_schemes.set_target, SYSTEM, 2025, "signed_count", N(8), quarter=1)
    sqlite_db.run(scorecard_schemes.set_target, SYSTEM, 2025, "signed_count", N(3), scope="person")
    shown = sqlite_db.read(settings.targets, 2025)
    assert [(t.metric, t.value) for t in shown] == [("signed_count", N(30))]
    sqlite_db.run(settings.set_target, SYSTEM, 2025, "signed_count", N(32))
    values = {(t.code, t.quarter, t.scope): t.value
              for t in sqlite_db.read(scorecard_schemes.scheme_targets, 2025)}
    assert values == {("signed_count", 0, "unit"): N(32), ("signed_count", 1, "unit"): N(8)}
    for code, value, message in (("signed_count", "2.5", "整数"), ("start_rate", "120", "100%"),
                                 ("nonsense", "1", "未知考核指标")):
        with pytest.raises(ValidationError, match=message):
            sqlite_db.run(scorecard_schemes.set_target, SYSTEM, 2025, code, N(value), quarter=2)
    with pytest.raises(ValidationError, match="不是数字"):
        sqlite_db.run(scorecard_schemes.set_targets, SYSTEM, 2025, "unit", {("signed_count", 2): "十"})
    sqlite_db.run(scorecard_schemes.set_targets, SYSTEM, 2025, "unit", {("signed_count", 1): ""})
    assert len(sqlite_db.read(scorecard_schemes.scheme_targets, 2025)) == 1  # an empty cell clears


def test_a_scheme_is_checked_line_by_line_and_audited(sqlite_db: Database) -> None:
    builders.world(sqlite_db)
    bad = (ItemInput("score", "signed_count", weight=N(0)),
           ItemInput("score", "signed_count", weight=N(10), cap=N("0.8")),
           ItemInput("bonus", "signed_amount", points_each=N(1)),
           ItemInput("extra", "signed_count"))
    for item, message in zip(bad, ("分值必须大于 0", "封顶系数不能小于 1", "不是个数", "类别"),
                             strict=True):
        with pytest.raises(ValidationError, match=message):
            sqlite_db.run(scorecard_schemes.save_scheme, SYSTEM,
                          SchemeInput(2025, "unit", "方案", items=(item,)))
    assert sqlite_db.read(scorecard_schemes.scheme, 2025) is None
    sqlite_db.run(scorecard_schemes.save_scheme, SYSTEM, UNIT)
    again = sqlite_db.run(scorecard_schemes.save_scheme, SYSTEM, UNIT)  # the same: no second entry
    assert again.full_marks == N(80) and len(again.items) == 6
    from crm.services import audit
    page = sqlite_db.read(audit.audit_log, SYSTEM, audit.LogQuery(entity="scorecard"))
    assert len(page.rows) == 1 and "签约项目数 20分" in page.rows[0].changes[-1].new


def test_rewards_need_registration_before_signing_and_respect_caps(sqlite_db: Database) -> None:
    s = scene(sqlite_db)
    sqlite_db.run(rewards.save_reward_rule, SYSTEM, 2025, "ambassador", N(5), N(50), N(80))
    sqlite_db.run(rewards.save_reward_rule, SYSTEM, 2025, "referrer", N(3), N(20))
    sqlite_db.run(rewards.register_referrer, SYSTEM, s.c, "=周会长", D(2025, 1, 15))
    for pid, day, amount, kind in ((s.a, D(2025, 4, 10), "12000", "固定资产投资"),
                                   (s.a, D(2025, 4, 11), "5000", "流动资金"),
                                   (s.b, D(2025, 4, 12), "3000", "固定资产投资"),
                                   (s.c, D(2025, 7, 1), "8000", "固定资产投资"),
                                   (s.c, D(2026, 1, 5), "1000", "固定资产投资")):
        sqlite_db.run(funds.add_receipt, SYSTEM, pid, funds.ReceiptInput(
            day, N(amount), "省外", kind))
    lines = sqlite_db.read(rewards.rewards, 2025, YEAR_END)
    got = [(r.role, r.person, r.project_id, format(r.fixed_assets.normalize(), "f"),
            r.eligible, format(r.reward.normalize(), "f")) for r in lines]
    # A: 1.2 亿 固投 × 5‰ = 60 → 50 (per project); C: 8000 × 5‰ = 40 → 30 (冯立新's 80 a
    # year, 50 taken); B: 程远航 appointed 2025-03-10, after B's signing: nothing. 引荐人 of C:
    # 8000 × 3‰ = 24 → 20. The 2026 receipt is not 2025's; 流动资金 is not 固投.
    assert got == [
        ("ambassador", "冯立新", s.a, "12000", True, "50"),
        ("ambassador", "冯立新", s.c, "8000", True, "30"),
        ("ambassador", "程远航", s.b, "3000", False, "0"),
        ("referrer", "=周会长", s.c, "8000", True, "20"),
    ]
    assert "不早于签约" in lines[2].reason
    assert rewards.reward_totals(lines)[0] == ("ambassador", "冯立新", N(80))
    # as of June, C's receipt had not come: its line is there, with nothing yet
    june = {(r.role, r.project_id): r.reward for r in sqlite_db.read(rewards.rewards, 2025, Q2_END)}
    assert june[("ambassador", s.c)] == 0 and june[("ambassador", s.a)] == N(50)
    with pytest.raises(ValidationError, match="晚于今天"):
        sqlite_db.run(rewards.register_referrer, SYSTEM, s.d, "某人", D(2099, 1, 1))


def test_command_line_and_report(sqlite_db: Database, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    s = scene(sqlite_db)
    unit_scheme(sqlite_db)
    sqlite_db.run(rewards.save_reward_rule, SYSTEM, 2025, "referrer", N(3), N(20))
    sqlite_db.run(rewards.register_referrer, SYSTEM, s.c, "=周会长", D(2025, 1, 15))
    url = str(sqlite_db.engine.url)
    assert main(["--db", url, "scorecard", "--year", "2025", "--quarter", "2", "--as-of",
                 "2025-06-30", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert {"year", "quarter", "scope", "scheme", "period_from", "period_to", "as_of", "total",
            "full_marks", "available", "lines"} <= set(card)
    assert (card["total"], card["period_to"], card["lines"][0]["ratio"]) == ("86.50",
                                                                             "2025-06-30", 1.5)
    assert {"kind", "code", "label", "unit", "actual", "target", "target_basis", "ratio",
            "weight", "cap", "points", "available", "to_full", "note"} <= set(card["lines"][0])
    assert main(["--db", url, "scorecard", "--year", "2025", "--rewards", "--json"]) == 0
    paid = json.loads(capsys.readouterr().out)
    assert [(r["role"], r["person"], r["eligible"]) for r in paid["lines"]][-1] == (
        "referrer", "=周会长", True)
    # the year's targets as of June: 3/8 × 20 = 7.5; 3.3/4 亿 × 30 = 24.75; 20; 3/10 × 10 = 3;
    # bonus 5; −2
    assert main(["--db", url, "scorecard", "--year", "2025", "--as-of", "2025-06-30"]) == 0
    assert "合计得分 58.25（满分 80.00" in capsys.readouterr().out
    assert main(["--db", url, "scorecard", "--year", "2025", "--quarter", "5"]) == 2
    assert main(["--db", url, "scorecard", "--year", "2025", "--people"]) == 2
    assert "还没有个人考核方案" in capsys.readouterr().err
    out = tmp_path / "考核得分.xlsx"
    export_report(sqlite_db, "scorecard", out, Period(D(2025, 1, 1), Q2_END), Q2_END)
    book = openpyxl.load_workbook(out)
    lines = book["考核得分"]
    assert lines["A4"].value == "考核指标" and lines["L4"].value == 20
    total = next(r for r in lines.iter_rows(values_only=True) if r[0] == "合计")
    assert total[11] == pytest.approx(86.5)
    names = [r[1] for r in book["奖励明细"].iter_rows(min_row=4, values_only=True)]
    assert "=周会长" in names and book["奖励明细"]["B7"].data_type == "s"


def test_the_demo_scheme_scores_the_articles_half_year(demo_db: Database) -> None:
    card = demo_db.read(scorecard.score, 2025, 2, Q2_END)
    assert card.scheme is not None and card.full_marks == N(100)
    first = card.lines[0]
    # the article's 26 signings of 上半年 against the 时序目标 of 25: full 15 points
    assert (first.label, first.actual, first.target, first.points) == ("签约项目数", N(26), N(25),
                                                                        N(15))
    assert card.lines[2].actual is not None and round(card.lines[2].actual, 2) == N("26.92")
    people = demo_db.read(scorecard.people_scores, 2025, None, YEAR_END)
    assert len(people) == 10 and people[0].total >= people[-1].total
    rules = demo_db.read(rewards.reward_rules, 2025)
    assert [r.role for r in rules] == ["ambassador", "referrer"]


def test_every_catalogue_figure_computes_and_per_person_figures_add_up(demo_db: Database) -> None:
    from crm.services.indicators import Reading, catalogue

    period = Period(D(2025, 1, 1), YEAR_END)
    people = [pid for pid, _name in demo_db.read(scorecard.assessed_people)]
    additive = {"signed_count", "signed_amount", "started_count", "funds", "leads", "contacts",
                "funds_outside_province", "foreign_usd", "fixed_assets", "signed_1yi",
                "started_10yi", "batch_started", "tier:世界500强", "overdue_starts"}
    with demo_db.uow() as uow:
        for spec in catalogue():
            unit = spec.compute(Reading(uow, period, YEAR_END))
            assert unit is None or (isinstance(unit, Decimal) and unit >= 0), spec.code
            if spec.is_rate and unit is not None:
                assert unit <= 1, spec.code
            if spec.code in additive:
                each = [spec.compute(Reading(uow, period, YEAR_END, p)) for p in people]
                assert sum(x or 0 for x in each) == unit, spec.code


def test_migration_0013_keeps_the_yearly_targets_as_the_years_of_the_bureau(tmp_path: Path
                                                                           ) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from crm.db import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0012")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO targets (year, metric, value) VALUES "
                          "(2025, 'signed_count', 500000), (2025, 'start_rate', 600000)"))
    command.upgrade(alembic_config(engine), "0013")
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT metric, value, quarter, scope FROM targets "
                                 "ORDER BY metric")).all()
        assert [tuple(r) for r in rows] == [("signed_count", 500000, 0, "unit"),
                                           ("start_rate", 600000, 0, "unit")]
        conn.execute(text("INSERT INTO targets (year, metric, value, quarter, scope) VALUES "
                          "(2025, 'signed_count', 100000, 2, 'unit')"))
    command.downgrade(alembic_config(engine), "0012")  # the quarter's row has no place there
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM targets")).scalar() == 2
    engine.dispose()


def test_command_line_names_units_other_than_yuan(demo_db: Database,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """实际利用外资 prints as 800.00万美元 against 3000.00万美元, not bare numbers beside the
    lines in 亿元 (the demo's scheme, 2025)."""
    assert main(["--db", demo_db.url, "scorecard", "--year", "2025", "--as-of", "2025-12-31"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "实际利用外资" in x)
    assert "800.00万美元" in line and "3000.00万美元" in line, line


def test_command_line_columns_line_up_in_terminal_columns(demo_db: Database,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """A Chinese character takes two columns: 800.00万美元 and 175.62亿元 end where 实际 ends,
    and every figure ends under its heading (the demo's 2025 scheme)."""
    from crm.text import display_width
    assert main(["--db", demo_db.url, "scorecard", "--year", "2025", "--as-of", "2025-12-31"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = next(x for x in out if x.startswith("类别"))
    table = out[out.index(header):next(i for i, x in enumerate(out) if x.startswith("合计得分"))]

    def end_of(line: str, cell: str) -> int:  # the terminal column where ``cell`` ends
        return display_width(line[:line.index(cell) + len(cell)])
    money = next(x for x in table if "实际利用外资" in x)
    amount = next(x for x in table if "签约项目金额" in x)
    count = next(x for x in table if "签约项目数" in x)
    actual = end_of(header, "实际")
    assert end_of(money, "800.00万美元") == end_of(amount, "亿元") == end_of(count, "30") == actual
    assert end_of(money, "3000.00万美元") == end_of(amount, "150.00亿元") == end_of(header, "目标")
    scored = [x for x in table[1:] if x.startswith("考核指标")]
    assert len(scored) == 7
    assert {display_width(x) for x in scored} == {display_width(header)}
