"""One or two characters (crm.search): in a district's table a substring, a needle many rows
hold counted then paged from the front of the name index; in a province's the start of a name
in pinyin, a range of the sort key's index. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, text

from crm import search
from crm.db import Database
from crm.services import companies, project_list, projects
from crm.services.companies import CompanyQuery
from crm.services.projects import ProjectQuery
from crm.text import normalize
from tests.unit.builders import World, project, world
from tests.unit.test_trigram_search import _corpus, _needles, old_companies, old_projects


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


@pytest.mark.parametrize("front", [1, 3])
def test_a_common_short_needle_is_counted_then_paged_as_the_plain_scan(
        db: Database, front: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a district's table one or two characters many rows hold give their count, and each
    screen is looked for among the first rows of the name index (crm.search.in_front, here
    bounded to a few rows so that some screens are there and some are not): every screen, in
    either direction, is the plain scan's rows at that place."""
    monkeypatch.setattr(search, "FRONT", front)
    monkeypatch.setattr(search, "FRONT_MAX", 60)  # a screen further down: scanned
    monkeypatch.setattr(search, "PROBE", 3)
    _corpus(db, seed=16)
    shorts = sorted({n for n in _needles(db, seed=61) if search.short(normalize(n))})
    shorts += ["a", "h", "9", "科", "Q", "（"]
    counted = walked = 0
    for needle in shorts:
        for read, count, scan in (
                (lambda u, q, o, n: projects.project_ids(u, q, offset=o, limit=n),
                 projects.project_ids_or_count, old_projects),
                (lambda u, q, o, n: companies.company_ids(u, q, n, o),
                 companies.company_ids_or_count, old_companies)):
            plain = scan(db, needle)
            for descending in (False, True):
                expected = plain[::-1] if descending else plain
                query: Any = (ProjectQuery if scan is old_projects else CompanyQuery)(
                    search=needle, descending=descending)
                with db.uow() as uow:
                    first = count(uow, query)
                    assert (first if isinstance(first, int) else len(first)) == len(plain)
                    if isinstance(first, list):
                        assert first == expected, needle
                    counted += isinstance(first, int)
                    for offset in (0, 4, 30, max(0, len(plain) - 4)):
                        for limit in (1, 4):
                            assert read(uow, query, offset, limit) == \
                                expected[offset:offset + limit], (needle, offset, limit)
            with db.uow() as uow:  # the bounded walk alone
                if scan is old_projects:
                    found = project_list._in_front(uow, ProjectQuery(search=needle), 0, 4)
                else:
                    found = companies._in_front(uow, CompanyQuery(search=needle), 0, 4)
                assert found is None or found == plain[:4], needle
                walked += found is not None
    assert counted > 5 and walked > 5  # the paths were taken


def test_a_short_needle_is_the_start_of_a_name_in_pinyin(db: Database, w: World,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """In a large table, one or two characters match the start of the name as read in pinyin
    (crm.search.prefix): a Chinese character its syllable and tone, a letter the start of a
    syllable."""
    monkeypatch.setattr(search, "SCAN_ROWS", -1)  # every table counts as large
    for name in ("华鑫新材料产业园", "华安电子工厂", "滑雪场", "化工园区", "恒信轴承", "ABB 机器人",
                 "海华光电", "x华项目", "12号地块"):
        project(db, w, name)

    def found(needle: str, **kw: Any) -> list[str]:
        with db.uow() as uow:
            ids = projects.project_ids(uow, ProjectQuery(search=needle, **kw))
            assert projects.count_projects(uow, ProjectQuery(search=needle, **kw)) == len(ids)
            return [r.name for r in projects.project_rows(uow, ids)]
    assert found("华") == ["华安电子工厂", "华鑫新材料产业园", "滑雪场"]  # hua2; 化 is hua4
    assert found("华鑫") == ["华鑫新材料产业园"]
    assert found("h") == ["海华光电", "恒信轴承", "华安电子工厂", "华鑫新材料产业园", "滑雪场",
                          "化工园区"]
    assert found("HX") == ["恒信轴承", "华鑫新材料产业园", "滑雪场"]  # h… x…
    assert found("华x") == ["华鑫新材料产业园", "滑雪场"]
    assert found("ab") == ["ABB 机器人"]
    assert found("x") == ["x华项目"]
    assert found("12") == ["12号地块"]
    assert found("鑫") == []  # not at the start: from the third character, anywhere
    assert found("华", sort="id", descending=True) == ["滑雪场", "华安电子工厂", "华鑫新材料产业园"]
    assert found("h", stages=("lead",)) == found("h")
    with db.uow() as uow:  # a screen at a time, in every order, as the whole list has them
        for sort in project_list.SORTS:  # (SQLite walks the order's index for a common start)
            for descending in (False, True):
                q = ProjectQuery(search="h", sort=sort, descending=descending)
                whole = projects.project_ids(uow, q)
                screens = [i for o in range(0, len(whole), 2)
                           for i in projects.project_ids(uow, q, offset=o, limit=2)]
                assert screens == whole and len(whole) == 6, (sort, descending)
    with db.uow() as uow:  # the companies list and the contact log read the same rule
        assert [r.name for r in companies.company_rows(uow, companies.company_ids(
            uow, CompanyQuery(search="sh")))] == ["上海际数科技有限公司"]
        assert companies.company_ids(uow, CompanyQuery(search="华")) == []


def test_a_short_needle_reads_only_the_sort_key_index(db: Database,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The count of a short needle is a range of a sort key index (on SQLite the name order's,
    read without a row)."""
    monkeypatch.setattr(search, "SCAN_ROWS", -1)
    _corpus(db, seed=5)
    with db.uow() as uow:
        stmt = project_list._filtered(uow, ProjectQuery(search="hx"), func.count())
        compiled = str(stmt.compile(dialect=db.engine.dialect,
                                    compile_kwargs={"literal_binds": True}))
        if db.is_sqlite:
            plan = " ".join(str(r[-1]) for r in uow.session.execute(
                text("EXPLAIN QUERY PLAN " + compiled)))
            assert "COVERING INDEX ix_projects_live_sort" in plan, plan
        else:
            uow.session.execute(text("ANALYZE projects"))
            uow.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in uow.session.execute(text("EXPLAIN " + compiled)))
            cond = plan.partition("Index Cond")[2].partition("Filter")[0]
            assert "sort_key" in cond and ">= 'h'::text" in cond, plan  # a range of the index
