"""Money amounts within (0, ceiling] and milestone dates never after today and in order.

Each refused write is checked for what the user sees (the Chinese message, its code) and for
what it must leave as it was (nothing written).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm import clock
from crm.db import Database
from crm.demo import load_demo
from crm.errors import PermissionDenied, ValidationError
from crm.models import Agreement, AuditEntry, Funding, Project, StageChange, Start, Target
from crm.money import MAX_WAN, check_amount, parse_amount
from crm.services import metrics, pipeline, projects, settings
from crm.services.common import SYSTEM
from crm.services.pipeline import AgreementInput, StartInput
from crm.services.projects import ProjectInput
from tests.unit.builders import D, World, count, project, sign, start, world

TODAY = D(2025, 7, 1)


@pytest.fixture
def w(db: Database, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return world(db)


def _snapshot(db: Database) -> tuple[int, ...]:
    return (db.revision(), count(db, Project), count(db, StageChange), count(db, Agreement),
            count(db, Start), count(db, Funding), count(db, Target), count(db, AuditEntry))


def _refused(db: Database, fn: object, *args: object, **kwargs: object) -> ValidationError:
    """Run a write that must be refused; check that it wrote nothing."""
    before = _snapshot(db)
    with pytest.raises(ValidationError) as err:
        db.run(fn, *args, **kwargs)  # type: ignore[arg-type]
    assert _snapshot(db) == before
    return err.value


# --- amounts -----------------------------------------------------------------------------------
def test_ceiling_is_ten_to_the_ninth_wan() -> None:
    assert Decimal(10) ** 9 == MAX_WAN  # 100,000 亿元
    check_amount(MAX_WAN)
    with pytest.raises(ValidationError) as err:
        check_amount(MAX_WAN + Decimal("0.0001"), label="签约金额")
    assert err.value.code == "amount.range"
    assert err.value.message == "签约金额不能超过 100000 亿元（10 万亿元）"


@pytest.mark.parametrize("text", ["1" + "0" * 25, "10000000000000亿元", "99999999999999999999"])
def test_huge_amounts_are_a_clean_message(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_amount(text, field="amount")
    assert err.value.code == "amount.range"
    assert "100000 亿元" in err.value.message
    with pytest.raises(ValidationError) as err:
        check_amount(Decimal(10) ** 25)  # a Decimal too long to round to one 元
    assert err.value.code == "amount.range"


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_not_a_number_is_refused(value: Decimal) -> None:
    with pytest.raises(ValidationError) as err:
        check_amount(value, label="到位金额")
    assert err.value.code == "amount.format"
    assert err.value.message == "到位金额必须是数字"


def test_signing_amount_must_be_above_zero(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    err = _refused(db, pipeline.advance, SYSTEM, pid, "signed", D(2025, 3, 5),
                   agreement=AgreementInput(D(2025, 3, 5), Decimal(0)))
    assert (err.code, err.message) == ("amount.positive", "签约金额必须大于 0")
    err = _refused(db, pipeline.advance, SYSTEM, pid, "signed", D(2025, 3, 5),
                   agreement=AgreementInput(D(2025, 3, 5), None))  # type: ignore[arg-type]
    assert (err.code, err.message) == ("amount.required", "请填写签约金额")
    err = _refused(db, pipeline.advance, SYSTEM, pid, "signed", D(2025, 3, 5),
                   agreement=AgreementInput(D(2025, 3, 5), Decimal(10) ** 25))
    assert err.code == "amount.range"
    sign(db, pid, D(2025, 3, 5), "0.0001")  # one 元 is an amount
    err = _refused(db, pipeline.add_agreement, SYSTEM, pid, AgreementInput(D(2025, 3, 6),
                                                                         Decimal(0)))
    assert err.code == "amount.positive"


def test_planned_investment_above_zero_expected_figures_may_be_zero(db: Database,
                                                                   w: World) -> None:
    data = ProjectInput("测试项目", w.company, owner_id=w.staff.user_id)
    err = _refused(db, projects.create_project, w.manager,
                   ProjectInput(**{**data.__dict__, "planned_investment": Decimal(0)}))
    assert (err.code, err.message) == ("amount.positive", "计划总投资必须大于 0")
    err = _refused(db, projects.create_project, w.manager,
                   ProjectInput(**{**data.__dict__, "planned_investment": MAX_WAN + 1}))
    assert (err.code, err.field) == ("amount.range", "planned_investment")
    row = db.run(projects.create_project, w.manager, ProjectInput(
        **{**data.__dict__, "planned_investment": MAX_WAN, "expected_tax": Decimal(0),
           "expected_output": Decimal(0), "land_mu": Decimal(0)}))
    assert (row.planned_investment, row.expected_tax) == (MAX_WAN, Decimal(0))


def test_funds_received_above_zero(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    err = _refused(db, pipeline.add_funding, SYSTEM, pid, D(2025, 3, 6), Decimal(0))
    assert (err.code, err.message) == ("amount.positive", "到位金额必须大于 0")
    err = _refused(db, pipeline.add_funding, SYSTEM, pid, D(2025, 3, 6), MAX_WAN * 10)
    assert err.code == "amount.range"


def test_targets_above_zero_and_within_bounds(db: Database, w: World) -> None:
    err = _refused(db, settings.set_target, SYSTEM, 2025, "signed_amount", Decimal(0))
    assert (err.code, err.message) == ("amount.positive", "目标值必须大于 0")
    assert _refused(db, settings.set_target, SYSTEM, 2025, "funds",
                    MAX_WAN + 1).code == "amount.range"
    assert _refused(db, settings.set_target, SYSTEM, 2025, "signed_count",
                    Decimal("2.5")).code == "target.whole"
    assert _refused(db, settings.set_target, SYSTEM, 2025, "start_rate",
                    Decimal(101)).code == "target.rate"
    assert db.run(settings.set_target, SYSTEM, 2025, "start_rate", Decimal(60)).value == 60


# --- dates: never after today ------------------------------------------------------------------
@pytest.mark.parametrize("day", [D(2025, 7, 2), D(2026, 1, 1), D(2099, 6, 12)])
def test_signing_after_today_is_refused(db: Database, w: World, day: dt.date) -> None:
    pid = project(db, w, "智算中心")
    err = _refused(db, pipeline.advance, SYSTEM, pid, "signed", day,
                   agreement=AgreementInput(day, Decimal(100)))
    assert err.code == "signed_on.future"
    assert err.message == f"签约日期 {day} 晚于今天（2025-07-01），不能登记尚未发生的事"


def test_start_after_today_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心")
    sign(db, pid, D(2025, 3, 5), "100")
    err = _refused(db, pipeline.advance, SYSTEM, pid, "started", D(2026, 3, 1),
                   start=StartInput(D(2026, 3, 1)))
    assert err.code == "started_on.future"
    # a skip to 投产 today whose start is dated later (the start keeps its own date)
    other = project(db, w, "翼鸟智能")
    err = _refused(db, pipeline.advance, SYSTEM, other, "producing", TODAY,
                   agreement=AgreementInput(TODAY, Decimal(1)),
                   start=StartInput(D(2099, 1, 1)))
    assert err.code == "started_on.future"
    start(db, pid, TODAY)  # today itself is fine


def test_other_dates_after_today_are_refused(db: Database, w: World) -> None:
    later = D(2025, 7, 2)
    data = ProjectInput("测试项目", w.company, owner_id=w.staff.user_id, lead_on=later)
    assert _refused(db, projects.create_project, w.manager, data).code == "lead_on.future"
    pid = project(db, w, "智算中心")
    assert _refused(db, pipeline.advance, SYSTEM, pid, "negotiating",
                    later).code == "on.future"
    assert _refused(db, pipeline.drop, SYSTEM, pid, later, "企业放弃").code == "on.future"
    sign(db, pid, D(2025, 3, 5), "100")
    assert _refused(db, pipeline.add_funding, SYSTEM, pid, later,
                    Decimal(1)).code == "received_on.future"
    assert _refused(db, pipeline.set_registered, SYSTEM, pid,
                    later).code == "registered_on.future"
    assert _refused(db, pipeline.add_agreement, SYSTEM, pid,
                    AgreementInput(later, Decimal(1))).code == "signed_on.future"


# --- dates: in order ---------------------------------------------------------------------------
def test_signing_before_the_lead_date_is_refused_naming_both(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心", lead_on=D(2025, 3, 1))
    err = _refused(db, pipeline.advance, w.staff, pid, "signed", D(2025, 2, 1),
                   agreement=AgreementInput(D(2025, 2, 1), Decimal(100)))
    assert err.code == "signed_on.order"
    assert err.message == ("签约日期 2025-02-01 早于线索日期 2025-03-01："
                           "请核对日期；确需如此，由管理者填写原因后更正")


def test_signing_before_the_negotiation_date_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心", lead_on=D(2025, 1, 1))
    db.run(pipeline.advance, w.staff, pid, "negotiating", D(2025, 4, 1))
    err = _refused(db, pipeline.advance, w.staff, pid, "signed", D(2025, 3, 15),
                   agreement=AgreementInput(D(2025, 3, 15), Decimal(100)))
    assert err.code == "signed_on.order"
    assert "2025-03-15" in err.message and "在谈日期 2025-04-01" in err.message
    # a further agreement dated before the negotiation is refused too
    sign(db, pid, D(2025, 4, 2), "100", actor=w.staff)
    assert _refused(db, pipeline.add_agreement, w.staff, pid,
                    AgreementInput(D(2025, 3, 1), Decimal(1))).code == "signed_on.order"


def test_negotiation_before_the_lead_date_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心", lead_on=D(2025, 3, 1))
    err = _refused(db, pipeline.advance, w.staff, pid, "negotiating", D(2025, 2, 1))
    assert err.code == "on.order"
    assert "在谈日期 2025-02-01 早于线索日期 2025-03-01" in err.message


def test_lead_date_after_a_later_milestone_is_refused(db: Database, w: World) -> None:
    pid = project(db, w, "智算中心", lead_on=D(2025, 1, 1))
    row = sign(db, pid, D(2025, 3, 5), "100")
    err = _refused(db, projects.update_project, w.manager, pid,
                   row.to_input(lead_on=D(2025, 4, 1)), expected_version=row.version)
    assert err.code == "lead_on.order"
    assert "线索日期 2025-04-01 晚于在谈日期 2025-03-05" in err.message


def test_out_of_order_only_as_a_managers_correction_with_a_reason(db: Database,
                                                                  w: World) -> None:
    pid = project(db, w, "智算中心", lead_on=D(2025, 3, 1))
    early = AgreementInput(D(2025, 2, 1), Decimal(100))
    with pytest.raises(PermissionDenied) as denied:  # staff, even with a reason
        db.run(pipeline.advance, w.staff, pid, "signed", D(2025, 2, 1), agreement=early,
               reason="补录：实际签约早于登记线索")
    assert denied.value.code == "permission.manager"
    assert _refused(db, pipeline.advance, w.manager, pid, "signed", D(2025, 2, 1),
                    agreement=early).code == "signed_on.order"  # a manager without a reason
    reason = "补录：实际签约早于登记线索"
    row = db.run(pipeline.advance, w.manager, pid, "signed", D(2025, 2, 1), agreement=early,
                 reason=reason)
    assert (row.lead_on, row.signed_on) == (D(2025, 3, 1), D(2025, 2, 1))  # as given
    last = db.read(projects.stage_history, pid)[-1]
    assert (last.to_stage, last.reason, last.user) == ("signed", reason, "周建明")
    with db.uow() as uow:
        detail = json.loads(uow.session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "stage")
            .order_by(AuditEntry.id.desc())).first() or "{}")
    assert detail["reason"] == reason
    assert detail["out_of_order"] == "签约日期 2025-02-01 早于线索日期 2025-03-01"
    # the order rule still holds for the start (the correction was for the signing)
    assert _refused(db, pipeline.advance, w.manager, pid, "started", D(2025, 1, 15),
                    start=StartInput(D(2025, 1, 15))).code == "start.before_signing"


# --- the demo data obeys the rules --------------------------------------------------------------
def test_demo_loaded_at_the_end_of_2025_has_nothing_after_that_day(
        sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    day = D(2025, 12, 31)
    monkeypatch.setattr(clock, "today", lambda: day)
    load_demo(sqlite_db, today=day)
    r = sqlite_db.read(metrics.start_rate, metrics.Period(D(2025, 1, 1), D(2025, 6, 30)), day)
    assert (r.signed, r.started, r.rate_text) == (26, 15, "57.69%")
    with sqlite_db.uow() as uow:
        for p in uow.session.scalars(select(Project)):
            dates = [d for d in (p.lead_on, p.negotiating_on, p.signed_on, p.started_on,
                                 p.producing_on) if d is not None]
            assert dates == sorted(dates) and max(dates) <= day, p.name


# --- a ledger is held to the same rules -------------------------------------------------------
def test_a_ledger_row_signed_after_today_or_for_zero_is_refused(
        db: Database, w: World, tmp_path: Path) -> None:
    """An import writes past the services (in bulk): it must refuse what they refuse, a signing
    dated in the future and an amount of zero, row by row, and write nothing."""
    import openpyxl

    from crm.excel.importer import import_ledger

    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "企业名称", "计划总投资（万元）", "签约金额（万元）", "项目状态", "签约时间",
               "开工时间", "责任人"])
    ws.append(["未来项目", "未来公司", 1000, 1000, "已签约", "2099-06-01", None, "李晓明"])
    ws.append(["明天项目", "明天公司", 1000, 1000, "已签约", "2025-07-02", None, "李晓明"])
    ws.append(["零元项目", "零元公司", 0, None, "已签约", "2025-06-01", None, "李晓明"])
    ws.append(["零签约项目", "零签约公司", 1000, "0万元", "已签约", "2025-06-01", None, "李晓明"])
    ws.append(["下月开工", "下月公司", 1000, 1000, "已开工", "2025-06-01", "2025年8月", "李晓明"])
    ws.append(["今天签约", "今天公司", 1000, 1000, "已签约", "2025-07-01", None, "李晓明"])
    wb.save(path)
    before = _snapshot(db)
    report = import_ledger(db, SYSTEM, path)
    assert _snapshot(db) == before
    assert [e.text() for e in report.errors] == [
        "第 2 行「签约时间」：日期 2099-06-01 晚于今天（2025-07-01），不能登记尚未发生的事",
        "第 3 行「签约时间」：日期 2025-07-02 晚于今天（2025-07-01），不能登记尚未发生的事",
        "第 4 行「计划总投资（万元）」：计划总投资必须大于 0（不详请留空）",
        "第 5 行「签约金额（万元）」：签约金额必须大于 0（不详请留空）",
        "第 6 行「开工时间」：日期 2025-08-01 晚于今天（2025-07-01），不能登记尚未发生的事",
    ]
    done = import_ledger(db, SYSTEM, path, skip_invalid=True)
    assert done.created == 1 and count(db, Agreement) == 1
