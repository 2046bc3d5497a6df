"""Command-line option values and search text taken literally.

An empty option value or a date that is not ``YYYY-MM-DD`` is an error naming the option
(exit 2, one Chinese line, nothing changed); ``%``, ``_`` and ``\\`` in a search or a filter
match themselves, never "anything".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm.cli import main
from crm.db import Database
from crm.errors import NotFoundError, ValidationError
from crm.services import companies, contacts, metrics, projects
from crm.services.common import SYSTEM, parse_date_text
from crm.services.companies import CompanyInput
from crm.services.projects import ProjectQuery
from tests.unit.builders import D, World, project, world

ADVANCE = ["advance", "航空铝材深加工项目", "--to", "signed", "--date", "2025-09-18",
           "--amount", "1亿元"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- empty values --------------------------------------------------------------------------------
def test_empty_db_is_an_error_not_the_default_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", "", "stats")
    assert (code, out) == (2, "")
    assert err == "错误：参数错误：--db 不能为空\n"
    assert not (tmp_path / "data").exists()  # the default database was not even created


@pytest.mark.parametrize(("argv", "option"), [
    (["stats", "--from", ""], "--from"),
    (["stats", "--to", ""], "--to"),
    (["stats", "--as-of", ""], "--as-of"),
    (["stats", "--as-of", "  "], "--as-of"),
    (["stats", "--industry", ""], "--industry"),
    (["stats", "--owner", ""], "--owner"),
    (["stats", "--source", ""], "--source"),
    (["stats", "--ambassador", ""], "--ambassador"),
    (["stats", "--event", ""], "--event"),
    (["projects", "--stage", ""], "--stage"),
    (["projects", "--search", ""], "--search"),
    ([*ADVANCE[:-2], "--amount", ""], "--amount"),
    ([*ADVANCE, "--event", ""], "--event"),
    ([*ADVANCE[:5], ""], "--date"),
    (["advance", "", "--to", "signed", "--date", "2025-09-18"], "project"),
    ([*ADVANCE, "--user", ""], "--user"),
    ([*ADVANCE[:3], "", *ADVANCE[4:]], "--to"),
])
def test_empty_option_values_name_the_option(demo_db: Database,
                                             capsys: pytest.CaptureFixture[str],
                                             argv: list[str], option: str) -> None:
    before = demo_db.revision()
    code, out, err = run(capsys, "--db", demo_db.url, *argv)
    assert (code, out) == (2, "")
    assert err == f"错误：参数错误：{option} 不能为空\n"
    assert demo_db.revision() == before


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2025-W24-4", "2025W244", "20250612", "2025-163", "2025-6-12",
                                  "2025-06-12T00:00", "２０２５-０６-１２", "2025-06-12 "
                                  "10:00", "+2025-06-12"])
def test_only_calendar_dates(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_date_text(text, "截至日期")
    assert err.value.code == "date.format"
    assert err.value.message == f"截至日期“{text}”格式错误，应为 YYYY-MM-DD（如 2025-06-12）"
    assert parse_date_text(" 2025-06-12 ") == D(2025, 6, 12)


@pytest.mark.parametrize(("option", "verb"), [("--from", "stats"), ("--to", "stats"),
                                              ("--as-of", "stats"), ("--date", "advance")])
def test_week_dates_on_the_command_line(demo_db: Database, capsys: pytest.CaptureFixture[str],
                                        option: str, verb: str) -> None:
    argv = ADVANCE[:] if verb == "advance" else ["stats"]
    if verb == "advance":
        argv[5] = "2025-W38-4"
    else:
        argv += [option, "2025-W24-4"]
    before = demo_db.revision()
    code, out, err = run(capsys, "--db", demo_db.url, *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "“2025-W" in err and "YYYY-MM-DD" in err
    assert option in err
    assert demo_db.revision() == before


def test_a_missing_day_names_the_option(demo_db: Database,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", demo_db.url, "stats", "--to", "2025-02-30")
    assert code == 2
    assert err == "错误：参数错误：--to：日期“2025-02-30”不是有效日期，应为 YYYY-MM-DD（如 2025-06-12）\n"


# --- literal search --------------------------------------------------------------------------------
@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _names(db: Database, search: str) -> set[str]:
    return {p.name for p in db.read(projects.list_projects, ProjectQuery(search=search))}


def test_project_search_takes_percent_underscore_backslash_literally(db: Database,
                                                                     w: World) -> None:
    for name in ("绿电100%项目", "A_B 中试线", "路径\\测试项目", "普通项目", "AXB 中试线"):
        project(db, w, name)
    assert _names(db, "%") == {"绿电100%项目"}
    assert _names(db, "_") == {"A_B 中试线"}
    assert _names(db, "a_b") == {"A_B 中试线"}  # not AXB
    assert _names(db, "\\") == {"路径\\测试项目"}
    assert _names(db, "0%") == {"绿电100%项目"}
    assert len(_names(db, "项目")) == 3
    assert db.read(projects.count_projects, ProjectQuery(search="%")) == 1


def test_company_search_and_contact_logs_are_literal(db: Database, w: World) -> None:
    db.run(companies.create_company, SYSTEM, CompanyInput("百分百%科技有限公司"))
    db.run(companies.create_company, SYSTEM, CompanyInput("下划线_实业有限公司"))
    assert [c.name for c in db.read(companies.list_companies, "%")] == ["百分百%科技有限公司"]
    assert [c.name for c in db.read(companies.list_companies, "_")] == ["下划线_实业有限公司"]
    pid = project(db, w, "智算中心")
    for content in ("完成率 100%", "普通拜访", "路径 a\\b"):
        db.run(contacts.add_log, w.staff, contacts.LogInput(D(2025, 3, 1), "走访", content,
                                                            project_id=pid))
    assert [r.content for r in db.read(contacts.list_logs, search="%")] == ["完成率 100%"]
    assert [r.content for r in db.read(contacts.list_logs, search="_")] == []
    assert [r.content for r in db.read(contacts.list_logs, search="\\")] == ["路径 a\\b"]


def test_filters_are_literal(db: Database, w: World) -> None:
    with pytest.raises(NotFoundError) as err:
        db.read(metrics.resolve_filters, industry="%")
    assert err.value.message == "找不到产业“%”"
    for kind in ("owner", "event", "ambassador"):
        with pytest.raises(NotFoundError):
            db.read(metrics.resolve_filters, **{kind: "_"})
    assert db.read(metrics.resolve_filters, industry="钢铁").industry_ids == (w.steel,)


def test_cli_search_percent(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", demo_db.url, "projects", "--search", "%", "--json")
    assert code == 0, err
    assert json.loads(out) == []  # no demo project has a % in its name, company or USCC
    code, _, err = run(capsys, "--db", demo_db.url, "stats", "--industry", "%")
    assert code == 2 and err == "错误：找不到产业“%”\n"
