"""Every figure of DESIGN §3 on a small hand-computed data set, on SQLite and PostgreSQL.

The data set (period 2025 上半年, amounts in 万元):

| project | industry | owner | source | signed | amount | start | other |
| --- | --- | --- | --- | --- | --- | --- | --- |
| P1 甲 | 钢铁 | 李晓明 | self | 2025-01-10 | 0.1 | 2025-03-01 | funds 0.05 on 2025-03-02 |
| P2 乙 | 钢铁 | 王芳 | ambassador | 2025-02-15 | 0.2 | 2026-01-05 (next year) | |
| P3 丙 | 人工智能 | 李晓明 | event | 2025-06-12 (event) | 1.0001 | 2025-12-31 | funds 0.5, 2026-01-10 |
| P4 丁 | 人工智能 | 王芳 | referral | 2025-05-20 | 2 | — | dropped 2025-09-01 |
| P5 戊 | 钢铁 | 李晓明 | self | 2025-07-01 (H2) | 5 | 2025-08-01 | funds 1 on 2025-08-02 |
| P6 己 | — | 李晓明 | self | — | | | negotiating since 2025-03-01 |
| P7 庚 | 钢铁 | 李晓明 | self | 2025-03-03 | 100 | 2025-04-04 | in the 回收站 |

Every lead date is 2025-01-02.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from crm.db import Database
from crm.errors import NotFoundError, ValidationError
from crm.services import metrics, pipeline, projects, settings
from crm.services.common import SYSTEM
from crm.services.metrics import Filters, Period
from tests.unit.builders import EVENT_DAY, D, World, project, sign, start, world

H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
YEAR_END = D(2025, 12, 31)
LEAD = D(2025, 1, 2)


@dataclass(frozen=True)
class Data:
    w: World
    p: dict[str, int]


@pytest.fixture
def data(db: Database) -> Data:
    w = world(db)
    p: dict[str, int] = {}

    def new(key: str, name: str, **kw: object) -> int:
        p[key] = project(db, w, name, lead_on=LEAD, **kw)  # type: ignore[arg-type]
        return p[key]

    new("P1", "甲", industry=w.steel)
    sign(db, p["P1"], D(2025, 1, 10), "0.1")
    start(db, p["P1"], D(2025, 3, 1))
    db.run(pipeline.add_funding, SYSTEM, p["P1"], D(2025, 3, 2), Decimal("0.05"))

    new("P2", "乙", industry=w.steel, owner=w.other_staff, source="ambassador",
        ambassador=w.ambassador)
    sign(db, p["P2"], D(2025, 2, 15), "0.2")
    start(db, p["P2"], D(2026, 1, 5))

    new("P3", "丙", industry=w.ai, source="event")
    sign(db, p["P3"], EVENT_DAY, "1.0001", event=w.event)
    start(db, p["P3"], D(2025, 12, 31), "开业")
    db.run(pipeline.add_funding, SYSTEM, p["P3"], D(2026, 1, 10), Decimal("0.5"))

    new("P4", "丁", industry=w.ai, owner=w.other_staff, source="referral")
    sign(db, p["P4"], D(2025, 5, 20), "2")
    db.run(pipeline.drop, SYSTEM, p["P4"], D(2025, 9, 1), "企业放弃")

    new("P5", "戊", industry=w.steel)
    sign(db, p["P5"], D(2025, 7, 1), "5")
    start(db, p["P5"], D(2025, 8, 1))
    db.run(pipeline.add_funding, SYSTEM, p["P5"], D(2025, 8, 2), Decimal(1))

    new("P6", "己")
    db.run(pipeline.advance, SYSTEM, p["P6"], "negotiating", D(2025, 3, 1))

    new("P7", "庚", industry=w.steel)
    sign(db, p["P7"], D(2025, 3, 3), "100")
    start(db, p["P7"], D(2025, 4, 4))
    db.run(pipeline.add_funding, SYSTEM, p["P7"], D(2025, 4, 5), Decimal(50))
    db.run(projects.delete_project, SYSTEM, p["P7"])
    return Data(w, p)


def rate(db: Database, period: Period = H1, as_of: dt.date = YEAR_END,
         filters: Filters | None = None) -> metrics.StartRate:
    return db.read(metrics.start_rate, period, as_of, filters)


def test_start_rate(db: Database, data: Data) -> None:
    r = rate(db)
    assert (r.signed, r.started) == (4, 2)  # P1 P2 P3 P4; P1 P3
    assert (r.rate, r.rate_text) == (Decimal("0.5"), "50.00%")
    assert r.signed_amount == Decimal("3.3001")  # 0.1 + 0.2 + 1.0001 + 2, exactly
    assert r.signed_amount_yi == "0.00"
    assert r.funds_received == Decimal("0.05")  # P3's funds come after as-of
    assert r.funds_rate_text == "1.52%"  # 0.05 / 3.3001 = 1.5151…%
    j = r.to_json()
    assert (j["period_from"], j["period_to"], j["as_of"]) == ("2025-01-01", "2025-06-30",
                                                               "2025-12-31")
    assert (j["signed"], j["started"], j["start_rate"], j["start_rate_text"]) == (
        4, 2, 0.5, "50.00%")


def test_empty_period(db: Database, data: Data) -> None:
    r = rate(db, Period(D(2030, 1, 1), D(2030, 6, 30)), D(2030, 12, 31))
    assert (r.signed, r.started, r.signed_amount, r.funds_received) == (0, 0, 0, 0)
    assert (r.rate, r.rate_text, r.funds_rate, r.funds_rate_text) == (None, "—", None, "—")
    j = r.to_json()
    assert (j["start_rate"], j["start_rate_text"], j["signed_amount_yi"]) == (None, "—", "0.00")


def test_a_start_in_the_following_year_never_counts(db: Database, data: Data) -> None:
    r = rate(db, as_of=D(2026, 6, 30))
    assert (r.signed, r.started) == (4, 2)  # P2 started 2026-01-05: not 当年开工
    assert r.funds_received == Decimal("0.55")  # P3's 0.5 has arrived by now
    assert r.funds_rate_text == "16.67%"  # 0.55 / 3.3001 = 16.666…%


def test_as_of_before_a_start_and_before_a_signing(db: Database, data: Data) -> None:
    r = rate(db, as_of=D(2025, 12, 30))  # P3 starts the next day
    assert (r.signed, r.started, r.rate_text) == (4, 1, "25.00%")
    r = rate(db, as_of=D(2025, 6, 11))  # P3 signs the next day
    assert (r.signed, r.started, r.signed_amount) == (3, 1, Decimal("2.3"))
    r = rate(db, as_of=D(2025, 2, 28))  # P1 starts on 03-01; P4 not signed yet
    assert (r.signed, r.started, r.signed_amount) == (2, 0, Decimal("0.3"))
    assert r.funds_received == 0


def test_dropped_projects_still_count_as_signed(db: Database, data: Data) -> None:
    ids = db.read(metrics.figure_project_ids, "signed", H1, YEAR_END)
    assert ids == [data.p[k] for k in ("P1", "P2", "P4", "P3")]  # by signing date
    assert db.read(projects.get_project, data.p["P4"]).stage == "dropped"
    assert db.read(metrics.figure_project_ids, "started", H1, YEAR_END) == [
        data.p["P1"], data.p["P3"]]
    assert db.read(metrics.figure_project_ids, "not_started", H1, YEAR_END) == [
        data.p["P2"], data.p["P4"]]
    with pytest.raises(ValidationError):
        db.read(metrics.figure_project_ids, "won", H1, YEAR_END)


@pytest.mark.parametrize(("kwargs", "signed", "started", "amount"), [
    ({"industry": "钢铁"}, 2, 1, "0.3"),
    ({"industry": "人工"}, 2, 1, "3.0001"),
    ({"owner": "李晓明"}, 2, 2, "1.1001"),
    ({"owner": "晓明"}, 2, 2, "1.1001"),
    ({"owner": "wangf"}, 2, 0, "2.2"),
    ({"source": "ambassador"}, 1, 0, "0.2"),
    ({"source": "招商大使"}, 1, 0, "0.2"),
    ({"source": "以商招商"}, 1, 0, "2"),
    ({"ambassador": "冯立新"}, 1, 0, "0.2"),
    ({"event": "楚材聚汉"}, 1, 1, "1.0001"),
    ({"industry": "钢铁", "owner": "李晓明"}, 1, 1, "0.1"),
])
def test_filters_by_name_part(db: Database, data: Data, kwargs: dict[str, str], signed: int,
                              started: int, amount: str) -> None:
    f = db.read(metrics.resolve_filters, **kwargs)
    r = rate(db, filters=f)
    assert (r.signed, r.started, r.signed_amount) == (signed, started, Decimal(amount))


def test_filters_by_id(db: Database, data: Data) -> None:
    w = data.w
    f = db.read(metrics.resolve_filters, industry=str(w.ai), owner=str(w.staff.user_id),
                ambassador=None, event=str(w.event))
    assert (f.industry_ids, f.owner_ids, f.event_ids) == ((w.ai,), (w.staff.user_id,), (w.event,))
    assert rate(db, filters=f).signed == 1
    f = db.read(metrics.resolve_filters, ambassador=str(w.ambassador))
    assert rate(db, filters=f).signed == 1
    with pytest.raises(NotFoundError) as err:
        db.read(metrics.resolve_filters, industry="航天")
    assert "航天" in err.value.message
    with pytest.raises(NotFoundError):
        db.read(metrics.resolve_filters, owner="nobody")
    with pytest.raises(ValidationError):
        db.read(metrics.resolve_filters, source="微信")


def test_rate_text_is_half_up_with_two_decimals(db: Database) -> None:
    w = world(db)
    for i in range(8):  # 8 signed, 1 started → 12.50%
        pid = project(db, w, f"钢{i}", industry=w.steel, lead_on=LEAD)
        sign(db, pid, D(2025, 2, 1 + i), "1")
        if i == 0:
            start(db, pid, D(2025, 5, 1))
    for i in range(3):  # 3 signed, 2 started → 66.67%
        pid = project(db, w, f"智{i}", industry=w.ai, lead_on=LEAD)
        sign(db, pid, D(2025, 3, 1 + i), "1")
        if i < 2:
            start(db, pid, D(2025, 6, 1))
    steel = rate(db, filters=Filters(industry_ids=(w.steel,)))
    ai = rate(db, filters=Filters(industry_ids=(w.ai,)))
    both = rate(db)
    assert (steel.signed, steel.started, steel.rate_text) == (8, 1, "12.50%")
    assert (ai.signed, ai.started, ai.rate_text) == (3, 2, "66.67%")
    assert (both.signed, both.started, both.rate_text) == (11, 3, "27.27%")
    assert ai.to_json()["start_rate"] == 0.6667
    assert steel.to_json()["start_rate"] == 0.125


def test_breakdowns(db: Database, data: Data) -> None:
    w = data.w
    rows = db.read(metrics.breakdown, "industry", H1, YEAR_END)
    assert [(r.key, r.label, r.signed, r.started, r.signed_amount, r.rate_text) for r in rows] == [
        (w.ai, "人工智能", 2, 1, Decimal("3.0001"), "50.00%"),  # more money first at equal count
        (w.steel, "钢铁深加工", 2, 1, Decimal("0.3"), "50.00%")]
    rows = db.read(metrics.breakdown, "owner", H1, YEAR_END)
    assert {(r.label, r.signed, r.started) for r in rows} == {("李晓明", 2, 2), ("王芳", 2, 0)}
    rows = db.read(metrics.breakdown, "source", H1, YEAR_END)
    assert sorted((r.label, r.signed) for r in rows) == [
        ("以商招商", 1), ("招商大使", 1), ("活动", 1), ("自主", 1)]
    rows = db.read(metrics.breakdown, "event", H1, YEAR_END)
    assert [(r.label, r.signed) for r in rows] == [("（未填）", 3), ("楚材聚汉 共建支点", 1)]
    rows = db.read(metrics.breakdown, "ambassador", H1, YEAR_END)
    assert [(r.label, r.signed) for r in rows] == [("（未填）", 3), ("冯立新", 1)]
    with pytest.raises(ValidationError):
        db.read(metrics.breakdown, "city", H1, YEAR_END)


def test_signed_not_started_with_days(db: Database, data: Data) -> None:
    rows = db.read(metrics.signed_not_started, H1, YEAR_END)
    assert [(r.name, r.days_since_signing, r.signed_amount) for r in rows] == [
        ("乙", 319, Decimal("0.2"))]  # P4 dropped by then, P3 started on 12-31
    rows = db.read(metrics.signed_not_started, H1, D(2025, 8, 31))
    assert [(r.name, r.signed_on, r.days_since_signing) for r in rows] == [
        ("乙", D(2025, 2, 15), 197), ("丁", D(2025, 5, 20), 103), ("丙", EVENT_DAY, 80)]
    assert rows[0].owner == "王芳" and rows[0].industry == "钢铁深加工"
    assert rows[0].company == "上海际数科技有限公司"


def test_monthly(db: Database, data: Data) -> None:
    rows = db.read(metrics.monthly, H1, YEAR_END)
    assert [(r.label, r.signed, r.started) for r in rows] == [
        ("2025-01", 1, 0), ("2025-02", 1, 0), ("2025-03", 0, 1), ("2025-04", 0, 0),
        ("2025-05", 1, 0), ("2025-06", 1, 0)]  # P7 (回收站) would add 2025-03 and 2025-04
    rows = db.read(metrics.monthly, Period(D(2025, 11, 1), D(2026, 1, 31)), D(2026, 1, 31))
    assert [(r.label, r.started) for r in rows] == [
        ("2025-11", 0), ("2025-12", 1), ("2026-01", 1)]


def test_funnel_and_conversion(db: Database, data: Data) -> None:
    steps = db.read(metrics.funnel, H1, YEAR_END)
    assert [(s.stage, s.reached, s.conversion_text) for s in steps] == [
        ("lead", 6, "—"),  # P1–P6 (P7 is in the 回收站)
        # P1–P4 reached it on signing, P6 on 03-01; conversion: all six leads negotiated by
        # as-of (P5 on its signing in July)
        ("negotiating", 5, "100.00%"),
        ("signed", 4, "80.00%"),  # of the five negotiating, P1–P4 signed
        ("started", 1, "50.00%"),  # P1 only in the period; of the four signed, P1 and P3 started
        ("producing", 0, "0.00%")]
    assert [s.name for s in steps] == ["线索", "在谈", "已签约", "已开工", "已投产"]
    steps = db.read(metrics.funnel, H1, D(2025, 1, 31))  # as-of cuts the period
    assert [s.reached for s in steps] == [6, 1, 1, 0, 0]


def test_target_completion(db: Database, data: Data) -> None:
    for metric, value in (("signed_count", 8), ("signed_amount", 10), ("started_count", 4),
                          ("start_rate", 60), ("funds", 1)):
        db.run(settings.set_target, SYSTEM, 2025, metric, Decimal(value))
    rows = {t.metric: t for t in db.read(metrics.target_completion, 2025, YEAR_END)}
    # 2025: P1–P5 signed (8.3001), P1 P3 P5 started, funds 0.05 + 1 (P3's come in 2026)
    assert {k: (t.actual, t.completion_text) for k, t in rows.items()} == {
        "signed_count": (Decimal(5), "62.50%"),
        "signed_amount": (Decimal("8.3001"), "83.00%"),
        "started_count": (Decimal(3), "75.00%"),
        "start_rate": (Decimal(60), "100.00%"),
        "funds": (Decimal("1.05"), "105.00%")}
    assert rows["signed_count"].label == "签约数"
    assert db.read(metrics.target_completion, 2024, YEAR_END) == []


def test_soft_deleted_projects_drop_out_then_return(db: Database, data: Data) -> None:
    db.run(projects.restore_project, SYSTEM, data.p["P7"])
    r = rate(db)
    assert (r.signed, r.started, r.signed_amount, r.funds_received) == (
        5, 3, Decimal("103.3001"), Decimal("50.05"))
    assert [s.reached for s in db.read(metrics.funnel, H1, YEAR_END)][:4] == [7, 6, 5, 2]
    assert db.read(metrics.monthly, H1, YEAR_END)[2].signed == 1


def test_previous_period() -> None:
    prev = metrics.previous_period
    assert prev(H1) == Period(D(2024, 1, 1), D(2024, 6, 30))
    assert prev(Period(D(2025, 1, 1), D(2025, 12, 31))) == Period(D(2024, 1, 1),
                                                                  D(2024, 12, 31))
    assert prev(Period(D(2025, 3, 1), D(2025, 3, 10))) == Period(D(2025, 2, 19), D(2025, 2, 28))
    # 本月 and 本季度 compare with the whole month or quarter before, whatever its length
    assert prev(Period(D(2025, 3, 1), D(2025, 3, 31))) == Period(D(2025, 2, 1), D(2025, 2, 28))
    assert prev(Period(D(2025, 4, 1), D(2025, 6, 30))) == Period(D(2025, 1, 1), D(2025, 3, 31))
    assert prev(Period(D(2025, 1, 1), D(2025, 3, 31))) == Period(D(2024, 10, 1),
                                                                 D(2024, 12, 31))
    with pytest.raises(ValidationError):
        Period(D(2025, 2, 1), D(2025, 1, 1))


def test_presets() -> None:
    today = D(2025, 5, 20)
    assert metrics.preset_period("month", today) == Period(D(2025, 5, 1), D(2025, 5, 31))
    assert metrics.preset_period("quarter", today) == Period(D(2025, 4, 1), D(2025, 6, 30))
    assert metrics.preset_period("h1", today) == H1
    assert metrics.preset_period("year", today) == Period(D(2025, 1, 1), YEAR_END)
    assert metrics.preset_period("month", D(2024, 2, 10)).end == D(2024, 2, 29)


def test_dashboard_uses_the_same_figures(db: Database, data: Data) -> None:
    dash = db.read(metrics.dashboard, H1, YEAR_END)
    assert dash.figures == rate(db)
    assert (dash.previous.period, dash.previous.signed) == (
        Period(D(2024, 1, 1), D(2024, 6, 30)), 0)
    assert [p.name for p in dash.pending] == ["乙"]
    assert [b.signed for b in dash.by_industry] == [2, 2]
    assert len(dash.monthly) == 6 and dash.funnel[2].reached == 4


def test_event_results_are_computed(db: Database, data: Data) -> None:
    from crm.services import events
    ev = db.read(events.get_event, data.w.event, YEAR_END)
    assert (ev.signings, ev.signed_amount, ev.started) == (1, Decimal("1.0001"), 1)
