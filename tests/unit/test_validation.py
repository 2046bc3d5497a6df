"""Every validation message: bad input raises a typed error with a code and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm import stages
from crm.db import Database
from crm.errors import NotFoundError, PermissionDenied, ValidationError
from crm.models import AuditEntry, Company, Project
from crm.money import check_amount, format_rate, format_yi, parse_amount
from crm.services import (
    companies,
    contacts,
    dictionaries,
    follow_up_list,
    projects,
    settings,
    users,
)
from crm.services.common import SYSTEM, parse_date_text
from crm.services.companies import CompanyInput, ContactInput
from crm.services.projects import ProjectInput
from crm.uscc import check_digit, make_uscc, normalize_uscc
from tests.unit.builders import D, World, count, project, world

REAL_USCC = "91350100M000100Y43"


# --- USCC --------------------------------------------------------------------------------------
def test_uscc_real_example_is_valid() -> None:
    assert normalize_uscc(REAL_USCC) == REAL_USCC
    assert check_digit(REAL_USCC[:17]) == "3"
    assert normalize_uscc(" ９１３５０１００ｍ０００１００ｙ４３ ") == REAL_USCC  # width, case
    assert normalize_uscc("  ") is None


@pytest.mark.parametrize(("text", "code", "words"), [
    ("91350100M000100Y4", "uscc.length", "18位"),
    ("91350100M000100Y431", "uscc.length", "19位"),
    ("91350100M000100I43", "uscc.charset", "“I”"),
    ("91350100M000100O43", "uscc.charset", "“O”"),
    ("91350100M000100Y44", "uscc.check_digit", "应为 3"),
    ("91350100M000100Y4Z", "uscc.charset", "“Z”"),
])
def test_uscc_errors(text: str, code: str, words: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalize_uscc(text)
    assert err.value.code == code
    assert words in err.value.message


def test_make_uscc_completes_a_valid_code() -> None:
    code = make_uscc("91420107MA4KXXXX1")
    assert normalize_uscc(code) == code


# --- amounts -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "wan"), [
    ("50.7亿元", Decimal("507000")),
    ("50.7亿", Decimal("507000")),
    ("7000万元", Decimal("7000")),
    ("7000万", Decimal("7000")),
    ("1.52", Decimal("1.52")),
    ("１．５２亿元", Decimal("15200")),
    ("７０００万元", Decimal("7000")),
    ("12,345元", Decimal("1.2345")),
    (" 3 万元 ", Decimal("3")),
    (Decimal("0.0001"), Decimal("0.0001")),
    (12, Decimal("12")),
])
def test_parse_amount(text: str | Decimal | int, wan: Decimal) -> None:
    assert parse_amount(text) == wan


def test_parse_amount_default_unit_and_blank() -> None:
    assert parse_amount("1.52", default_unit="亿元") == Decimal("15200")
    assert parse_amount("") is None
    assert parse_amount(None) is None


@pytest.mark.parametrize(("text", "code"), [
    ("-5万元", "amount.negative"),
    ("0.00001", "amount.precision"),
    ("1.5元", "amount.precision"),
    ("五千万", "amount.format"),
    ("12美元", "amount.format"),
    ("1e5", "amount.format"),
])
def test_parse_amount_errors(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_amount(text, field="planned_investment")
    assert err.value.code == code
    assert err.value.field == "planned_investment"


def test_check_amount_refuses_floats_and_huge() -> None:
    with pytest.raises(ValidationError) as err:
        check_amount(1.5)  # type: ignore[arg-type]
    assert err.value.code == "amount.type"
    with pytest.raises(ValidationError) as err:
        check_amount(Decimal(10) ** 12)
    assert err.value.code == "amount.range"


def test_formats_half_up() -> None:
    assert format_yi(Decimal("507000")) == "50.70"
    assert format_yi(Decimal("50")) == "0.01"  # 0.005 亿 rounds up
    assert format_yi(Decimal("49.9999")) == "0.00"
    assert format_yi(None) == "0.00"
    assert format_rate(Decimal(2) / Decimal(3)) == "66.67%"
    assert format_rate(Decimal(1) / Decimal(8)) == "12.50%"
    assert format_rate(Decimal("0.00125")) == "0.13%"  # half-up, not banker's
    assert format_rate(None) == "—"


def test_stage_names_and_dates() -> None:
    assert stages.parse_stage("已开业") == "started"
    assert stages.parse_stage("SIGNED") == "signed"
    assert stages.parse_stage("已终止") == "dropped"
    with pytest.raises(ValidationError) as err:
        stages.parse_stage("won")
    assert err.value.code == "stage.unknown"
    assert parse_date_text("2025-06-12") == D(2025, 6, 12)
    with pytest.raises(ValidationError) as err:
        parse_date_text("2025/6/12")
    assert err.value.code == "date.format"


# --- services ----------------------------------------------------------------------------------
@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _refused(db: Database, fn: object, *args: object, **kwargs: object) -> ValidationError:
    """Run a write that must be refused; check that it wrote nothing."""
    before = (db.revision(), count(db, Project), count(db, Company), count(db, AuditEntry))
    with pytest.raises(ValidationError) as err:
        db.run(fn, *args, **kwargs)  # type: ignore[arg-type]
    assert (db.revision(), count(db, Project), count(db, Company), count(db, AuditEntry)) == before
    return err.value


def test_company_validation(db: Database, w: World) -> None:
    assert _refused(db, companies.create_company, SYSTEM, CompanyInput("  ")).code == \
        "company.name.required"
    assert _refused(db, companies.create_company, SYSTEM,
                    CompanyInput("某公司", "91350100M000100Y44")).code == "uscc.check_digit"
    assert _refused(db, companies.create_company, SYSTEM,
                    CompanyInput("某公司", contacts=(ContactInput("张总", phone="电话"),))).code \
        == "contact.phone"
    assert _refused(db, companies.create_company, SYSTEM,
                    CompanyInput("某公司", contacts=(ContactInput("张总", email="a@b"),))).code \
        == "contact.email"
    assert _refused(db, companies.create_company, SYSTEM,
                    CompanyInput("某公司", contacts=(ContactInput(""),))).code \
        == "contact.name.required"
    assert _refused(db, companies.create_company, SYSTEM, CompanyInput("长" * 201)).code == \
        "company.name.length"
    with pytest.raises(NotFoundError) as nf:
        db.run(companies.create_company, SYSTEM, CompanyInput("某公司", industry_id=98765))
    assert nf.value.code == "industries.missing"


def test_duplicate_uscc(db: Database, w: World) -> None:
    first = db.run(companies.create_company, SYSTEM, CompanyInput("福建某公司", REAL_USCC))
    err = _refused(db, companies.create_company, SYSTEM,
                   CompanyInput("另一家公司", REAL_USCC.lower()))
    assert err.code == "uscc.duplicate"
    assert "福建某公司" in err.message
    # editing the company itself keeps its code
    row = db.run(companies.update_company, SYSTEM, first.id,
                 CompanyInput("福建某公司（新名）", REAL_USCC), expected_version=first.version)
    assert row.uscc == REAL_USCC
    # ensure_company finds it by USCC instead of creating a second one
    again = db.run(companies.ensure_company, SYSTEM, "别的名字", REAL_USCC)
    assert again.id == first.id


def test_project_validation(db: Database, w: World) -> None:
    def make(**changes: object) -> ValidationError:
        data = ProjectInput(name="测试项目", company_id=w.company, owner_id=w.staff.user_id)
        for key, value in changes.items():
            data = data.__class__(**{**data.__dict__, key: value})
        return _refused(db, projects.create_project, w.manager, data)

    assert make(name=" ").code == "name.required"
    assert make(name="项" * 201).code == "name.length"
    assert make(planned_investment=Decimal(-1)).code == "amount.negative"
    assert make(planned_investment=Decimal("0.00001")).code == "amount.precision"
    assert make(land_mu=Decimal(-3)).message == "用地面积不能为负数"
    assert make(expected_jobs=-1).code == "expected_jobs.negative"
    assert make(source="wechat").code == "source.unknown"
    assert make(source="ambassador").code == "ambassador.required"
    assert make(lead_on=dt.date(1989, 12, 31)).code == "lead_on.range"
    assert make(lead_on=dt.date(2101, 1, 1)).code == "lead_on.range"
    assert make(lead_on="2025-01-01").code == "lead_on.format"


@pytest.mark.parametrize(("field", "code"), [
    ("company_id", "companies.missing"), ("industry_id", "industries.missing"),
    ("ambassador_id", "ambassadors.missing"), ("owner_id", "users.missing"),
    ("carrier_id", "carriers.missing"),
])
def test_project_unknown_references(db: Database, w: World, field: str, code: str) -> None:
    values: dict[str, object] = {"name": "测试项目", "company_id": w.company,
                                 "owner_id": w.staff.user_id, field: 424242}
    if field == "ambassador_id":
        values["source"] = "ambassador"
    before = count(db, Project)
    with pytest.raises(NotFoundError) as err:
        db.run(projects.create_project, w.manager, ProjectInput(**values))  # type: ignore[arg-type]
    assert err.value.code == code
    assert "424242" in err.value.message
    assert count(db, Project) == before


def test_duplicate_project_name_per_company(db: Database, w: World) -> None:
    project(db, w, "华中总部")
    err = _refused(db, projects.create_project, w.manager,
                   ProjectInput("华中总部", w.company, owner_id=w.staff.user_id))
    assert err.code == "name.duplicate"
    other = db.run(companies.create_company, SYSTEM, CompanyInput("另一家公司")).id
    assert project(db, w, "华中总部", company=other) > 0  # another company may use the name


def test_key_project_flag_from_one_yi(db: Database, w: World) -> None:
    small = db.read(projects.get_project, project(db, w, "小项目", invest=Decimal("9999.9999")))
    big = db.read(projects.get_project, project(db, w, "大项目", invest=Decimal(10000)))
    assert (small.is_key, big.is_key) == (False, True)


def test_contact_log_validation(db: Database, w: World) -> None:
    pid = project(db, w, "测试项目")
    ok = contacts.LogInput(D(2025, 3, 1), "走访", "介绍政策", project_id=pid,
                           follow_up_on=D(2025, 3, 8))

    def bad(**changes: object) -> ValidationError:
        data = contacts.LogInput(**{**ok.__dict__, **changes})  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as err:
            db.run(contacts.add_log, w.staff, data)
        return err.value

    assert bad(logged_on=dt.date.today() + dt.timedelta(days=1)).code == "logged_on.future"
    assert bad(mode="微信").code == "mode.unknown"
    assert bad(content=" ").code == "content.required"
    assert bad(project_id=None).code == "target.required"
    assert bad(follow_up_on=D(2025, 2, 28)).code == "follow_up.before"
    with pytest.raises(PermissionDenied):
        db.run(contacts.add_log, w.staff, contacts.LogInput(**{
            **ok.__dict__, "user_id": w.other_staff.user_id}))  # type: ignore[arg-type]
    row = db.run(contacts.add_log, w.staff, ok)
    assert (row.user, row.company_id, row.project) == ("李晓明", w.company, "测试项目")


def test_follow_up_queries(db: Database, w: World) -> None:
    pid = project(db, w, "测试项目")
    today = D(2025, 6, 10)
    for due in (D(2025, 6, 1), D(2025, 6, 10), D(2025, 6, 12), D(2025, 6, 30)):
        db.run(contacts.add_log, w.staff, contacts.LogInput(
            D(2025, 5, 30), "电话", f"跟进 {due}", project_id=pid, follow_up_on=due))
    done = db.run(contacts.add_log, w.staff, contacts.LogInput(
        D(2025, 5, 30), "电话", "已办", project_id=pid, follow_up_on=D(2025, 6, 2)))
    db.run(contacts.complete_follow_up, w.staff, done.id)
    f = db.read(follow_up_list.follow_ups, today)
    assert [r.follow_up_on for r in f.overdue] == [D(2025, 6, 1)]
    assert [r.follow_up_on for r in f.today] == [D(2025, 6, 10)]
    assert [r.follow_up_on for r in f.upcoming] == [D(2025, 6, 12)]  # within 7 days
    assert db.read(follow_up_list.follow_ups, today, user_id=w.other_staff.user_id).overdue == ()


def test_user_validation(db: Database) -> None:
    def bad(login: str, role: str = "staff", password: str | None = "secret12",
            name: str = "") -> str:
        with pytest.raises(ValidationError) as err:
            db.run(users.create_user, SYSTEM, login, role, password=password, display_name=name)
        return err.value.code

    assert bad("a") == "login.format"
    assert bad("张三") == "login.format"
    assert bad("zhangsan", role="boss") == "role.unknown"
    assert bad("zhangsan", password="12345") == "password.short"
    assert bad("zhangsan", password=None) == "password.required"  # could never sign in
    assert bad("zhangsan", password="") == "password.required"
    db.run(users.create_user, SYSTEM, "zhangsan", "staff", display_name="张三",
           password="secret12")
    assert bad("zhangsan") == "login.duplicate"
    assert bad("ZhangSan") == "login.duplicate"  # logins are one ignoring case
    assert bad("zhangsan2", name="张三") == "display_name.duplicate"
    assert [u.login for u in db.read(users.list_users, True)] == ["zhangsan"]
    staff = db.read(users.list_users)[0].actor()
    with pytest.raises(PermissionDenied):
        db.run(users.create_user, staff, "lisi", "admin", password="secret12")


def test_password_hashed_and_checked(db: Database) -> None:
    row = db.run(users.create_user, SYSTEM, "zhangsan", "staff", password="secret-pw")
    with db.uow() as uow:
        from crm.models import User
        stored = uow.session.get(User, row.id)
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2")
        assert "secret-pw" not in stored.password_hash
    assert db.read(users.authenticate, "zhangsan", "secret-pw").id == row.id
    with pytest.raises(PermissionDenied) as err:
        db.read(users.authenticate, "zhangsan", "wrong")
    assert err.value.message == "登录名或密码错误"


def test_dictionary_and_settings_validation(db: Database, w: World) -> None:
    with pytest.raises(ValidationError) as err:
        db.run(dictionaries.add_industry, SYSTEM, "钢铁深加工")
    assert err.value.code == "industry.duplicate"
    with pytest.raises(PermissionDenied):
        db.run(dictionaries.add_industry, w.manager, "新产业")
    with pytest.raises(ValidationError) as err:
        db.run(dictionaries.add_carrier, SYSTEM, dictionaries.CarrierInput(
            "楼", "写字楼"))
    assert err.value.code == "carrier.kind"
    with pytest.raises(ValidationError) as err:
        db.run(dictionaries.add_carrier, SYSTEM, dictionaries.CarrierInput(
            "楼", "商务楼宇", total_area=Decimal(-10)))
    assert err.value.code == "amount.negative"
    with pytest.raises(ValidationError) as err:
        db.run(settings.set_target, SYSTEM, 2025, "profit", Decimal(1))
    assert err.value.code == "target.metric"
    with pytest.raises(PermissionDenied):
        db.run(settings.set_setting, w.staff, settings.ORG_NAME, "某局")
    with pytest.raises(ValidationError) as err:
        db.run(settings.set_dashboard_period, w.staff, settings.PeriodChoice(
            "custom", D(2025, 6, 30), D(2025, 1, 1)))
    assert err.value.code == "period.order"
