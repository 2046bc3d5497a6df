"""The project list: search and every sort order happen in SQL (DESIGN §4, §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from crm.db import Database
from crm.models import Company, Project, User
from crm.services import companies, contacts, dictionaries, pipeline, projects
from crm.services.common import SYSTEM
from crm.services.projects import ProjectQuery
from tests.unit.builders import D, World, project, sign, start, world

REAL_USCC = "91350100M000100Y43"


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    w: World = world(db)
    fujian = db.run(companies.create_company, SYSTEM, companies.CompanyInput(
        "福建安泰新材料有限公司", REAL_USCC)).id
    out = {
        "海": project(db, w, "海洋装备基地", invest=Decimal(300)),  # hai3
        "杭": project(db, w, "杭州总部", invest=Decimal(100)),  # hang2
        "安": project(db, w, "安全检测中心", company=fujian),  # an1
        "智": project(db, w, "智算中心", invest=Decimal(200)),  # zhi4
        "删": project(db, w, "已删除项目"),
    }
    sign(db, out["杭"], D(2025, 3, 1), "1")
    sign(db, out["海"], D(2025, 5, 1), "1")
    start(db, out["海"], D(2025, 6, 1))
    db.run(pipeline.drop, SYSTEM, out["智"], D(2025, 4, 1), "放弃")
    db.run(projects.delete_project, SYSTEM, out["删"])
    return out


def names(db: Database, **kw: object) -> list[str]:
    found = db.read(projects.project_ids, ProjectQuery(**kw))  # type: ignore[arg-type]
    return [r.name for r in db.read(projects.project_rows, found)]


def test_pinyin_order_and_recycle_bin(db: Database, ids: dict[str, int]) -> None:
    assert names(db) == ["安全检测中心", "海洋装备基地", "杭州总部", "智算中心"]
    assert names(db, descending=True) == ["智算中心", "杭州总部", "海洋装备基地", "安全检测中心"]
    assert names(db, deleted=True) == ["已删除项目"]
    assert db.read(projects.count_projects, ProjectQuery()) == 4


def test_sort_orders(db: Database, ids: dict[str, int]) -> None:
    # stage order of §2: lead, negotiating, signed, started, producing, dropped
    assert names(db, sort="stage") == ["安全检测中心", "杭州总部", "海洋装备基地", "智算中心"]
    assert names(db, sort="stage", descending=True) == [
        "智算中心", "海洋装备基地", "杭州总部", "安全检测中心"]
    # blanks last, both ways
    assert names(db, sort="signed_on") == ["杭州总部", "海洋装备基地", "安全检测中心", "智算中心"]
    assert names(db, sort="signed_on", descending=True) == [
        "海洋装备基地", "杭州总部", "智算中心", "安全检测中心"]
    assert names(db, sort="planned_investment") == [
        "杭州总部", "智算中心", "海洋装备基地", "安全检测中心"]
    assert names(db, sort="started_on") == [  # blanks in the order they were created
        "海洋装备基地", "杭州总部", "安全检测中心", "智算中心"]
    # 福建… (fu2) before 上海… (shang4)
    assert names(db, sort="company") == ["安全检测中心", "海洋装备基地", "杭州总部", "智算中心"]
    assert names(db, sort="stage", stages=("signed", "lead")) == ["安全检测中心", "杭州总部"]
    with pytest.raises(Exception, match="未知排序"):
        names(db, sort="colour")


@pytest.mark.parametrize(("needle", "expected"), [
    ("智算", ["智算中心"]),
    ("福建安泰", ["安全检测中心"]),  # the company's name
    ("M000100", ["安全检测中心"]),  # part of the USCC, any case
    ("m000100y", ["安全检测中心"]),
    ("zszx", ["智算中心"]),  # pinyin initials of 智算中心
    ("ＨＺＺＢ", ["杭州总部"]),  # full-width initials
    ("中心", ["安全检测中心", "智算中心"]),
    ("已删除", []),  # in the 回收站
])
def test_search(db: Database, ids: dict[str, int], needle: str, expected: list[str]) -> None:
    assert names(db, search=needle) == expected


def test_search_in_the_recycle_bin_and_filters(db: Database, ids: dict[str, int]) -> None:
    assert names(db, search="删除", deleted=True) == ["已删除项目"]
    assert names(db, stages=("signed", "started")) == ["海洋装备基地", "杭州总部"]
    assert names(db, signed_from=D(2025, 4, 1)) == ["海洋装备基地"]
    assert names(db, search="中心", sort="stage") == ["安全检测中心", "智算中心"]


def test_company_owner_and_industry_orders_follow_renames_and_moves(db: Database) -> None:
    """The orders by 企业, 负责人 and 产业 read copies of those names' keys on each project
    (crm.sortkeys): a rename, a move to another one, a new project show at once, whatever
    wrote them (a service or plain SQL from another process)."""
    w = world(db)
    zhong = db.run(companies.create_company, SYSTEM, companies.CompanyInput("中科智造有限公司")).id
    project(db, w, "甲项目", company=zhong, industry=w.steel)  # zhong1 … / 上海际数 shang4
    project(db, w, "乙项目", owner=w.other_staff, industry=w.ai)
    c = project(db, w, "丙项目")  # no industry
    assert names(db, sort="company") == ["乙项目", "丙项目", "甲项目"]  # 上海… then 中科…
    assert names(db, sort="company", descending=True) == ["甲项目", "丙项目", "乙项目"]
    db.run(companies.update_company, SYSTEM, zhong, companies.CompanyInput("阿尔法有限公司"))
    assert names(db, sort="company") == ["甲项目", "乙项目", "丙项目"]  # a1 … first now
    moved = db.read(projects.get_project, c)
    db.run(projects.update_project, w.manager, c, moved.to_input(company_id=zhong))
    assert names(db, sort="company") == ["甲项目", "丙项目", "乙项目"]
    # 负责人: 李晓明 (li3) before 王芳 (wang2); 产业: 钢铁 (gang1) before 人工智能 (ren2), none last
    assert names(db, sort="owner") == ["甲项目", "丙项目", "乙项目"]
    assert names(db, sort="industry") == ["甲项目", "乙项目", "丙项目"]
    assert names(db, sort="industry", descending=True) == ["乙项目", "甲项目", "丙项目"]
    db.run(dictionaries.rename_industry, SYSTEM, w.ai, "AI 产业")  # a …: first
    assert names(db, sort="industry") == ["乙项目", "甲项目", "丙项目"]
    with db.engine.begin() as conn:  # another process renames a person
        conn.execute(text("UPDATE users SET sort_key = 'a ' WHERE id = :i"),
                     {"i": w.other_staff.user_id})
    assert names(db, sort="owner") == ["乙项目", "甲项目", "丙项目"]
    with db.uow() as uow:  # every copy equals the row it copies
        for p in uow.session.query(Project).all():
            assert p.owner_key == uow.session.get(User, p.owner_id).sort_key
            assert p.company_key == uow.session.get(Company, p.company_id).sort_key


def test_contact_log_orders_by_project_and_company_follow_renames(db: Database) -> None:
    """The 接洽记录 list by project and by company reads copies of their keys on each log
    (crm.sortkeys): renaming a project or a company, or moving a log, reorders it at once."""
    w = world(db)
    zhong = db.run(companies.create_company, SYSTEM, companies.CompanyInput("中科智造有限公司")).id
    jia = project(db, w, "甲项目", company=zhong)  # jia3
    yi = project(db, w, "乙项目")  # yi3, of 上海际数 (shang4)
    day = D(2025, 3, 1)
    for pid, company in ((jia, zhong), (yi, w.company), (None, zhong)):
        db.run(contacts.add_log, w.staff, contacts.LogInput(day, "走访", "谈", project_id=pid,
                                                            company_id=company))

    def order(sort: str, descending: bool = False) -> list[tuple[int | None, int | None]]:
        ids = db.read(contacts.log_ids, contacts.LogQuery(sort=sort, descending=descending))
        return [(r.project_id, r.company_id) for r in db.read(contacts.log_rows, ids)]
    assert order("project") == [(jia, zhong), (yi, w.company), (None, zhong)]
    assert order("company") == [(yi, w.company), (jia, zhong), (None, zhong)]
    moved = db.read(projects.get_project, jia)
    db.run(projects.update_project, w.manager, jia, moved.to_input(name="子项目"))  # zi3
    assert order("project") == [(yi, w.company), (jia, zhong), (None, zhong)]
    assert order("project", descending=True)[:2] == [(jia, zhong), (yi, w.company)]
    db.run(companies.update_company, SYSTEM, zhong, companies.CompanyInput("阿尔法有限公司"))
    assert order("company") == [(jia, zhong), (None, zhong), (yi, w.company)]


def test_the_whole_lists_counts_follow_every_write(db: Database) -> None:
    """On PostgreSQL the unfiltered lists' counts are kept by the database (crm.counts); they
    equal the rows after creating, moving to the 回收站, restoring, a bulk insert and a delete
    from another process. On SQLite the count reads the table (nothing is kept)."""
    from sqlalchemy import func, insert, select

    from crm import counts
    from crm.models import ContactLog

    w = world(db)

    def check() -> None:
        with db.uow() as uow:
            s = uow.session
            live = {"projects": s.scalar(select(func.count()).select_from(Project).where(
                        Project.deleted_at.is_(None))),
                    "companies": s.scalar(select(func.count()).select_from(Company).where(
                        Company.deleted_at.is_(None))),
                    "contact_logs": s.scalar(select(func.count()).select_from(ContactLog))}
            for table, n in live.items():
                assert counts.kept(s, table) == (None if db.is_sqlite else n), table
            assert projects.count_projects(uow) == live["projects"]
            assert contacts.count_logs(uow) == live["contact_logs"]
    check()
    a = project(db, w, "甲项目")
    b = project(db, w, "乙项目")
    db.run(contacts.add_log, w.staff, contacts.LogInput(D(2025, 3, 1), "走访", "谈", project_id=a))
    check()
    db.run(projects.delete_project, SYSTEM, a)
    check()
    db.run(projects.restore_project, SYSTEM, a)
    db.run(projects.delete_project, SYSTEM, b)
    check()
    with db.engine.begin() as conn:  # a bulk insert and a delete, as another process would
        conn.execute(insert(Company), [{"name": f"批量{i}有限公司", "sort_key": f"p{i} ",
                                        "initials": "", "former_names": "", "name_key": "",
                                        "hq_city": "", "note": "", "version": 1}
                                       for i in range(5)])
        conn.execute(text("DELETE FROM contact_logs"))
    check()


def test_a_bulk_load_fills_the_sort_key_copies_once(db: Database) -> None:
    """An import large enough to rebuild the indexes (crm.excel.bulk) loads projects without a
    trigger per row and fills their copies in one statement; a failed one leaves nothing, and
    the triggers are back afterwards."""
    import datetime as dt

    from sqlalchemy import insert

    from crm import sortkeys

    w = world(db)
    zhong = db.run(companies.create_company, SYSTEM, companies.CompanyInput("中科智造有限公司")).id
    now = dt.datetime(2026, 1, 1)

    def rows(first: int, n: int) -> list[dict[str, object]]:
        return [{"id": i, "name": f"批量{i}", "company_id": zhong if i % 2 else w.company,
                 "owner_id": w.staff.user_id, "industry_id": w.steel, "source": "self",
                 "referrer": "", "stage": "lead", "note": "", "drop_reason": "", "is_key": False,
                 "sort_key": f"pi1 liang4 {i} ", "search_text": "", "version": 1,
                 "created_at": now, "updated_at": now} for i in range(first, first + n)]

    with pytest.raises(RuntimeError), db.engine.begin() as conn, \
            sortkeys.suspended(conn, ["projects", "companies"]):
        conn.execute(insert(Project), rows(1000, 5))
        raise RuntimeError("the import failed")
    assert names(db) == []
    with db.engine.begin() as conn, sortkeys.suspended(conn, ["projects"]):
        conn.execute(insert(Project), rows(2000, 6))
    assert names(db, sort="company") == ["批量2000", "批量2002", "批量2004",  # 上海… first
                                         "批量2001", "批量2003", "批量2005"]
    assert names(db, sort="owner") == names(db, sort="industry") == names(db, sort="id")
    with db.engine.begin() as conn:  # the insert trigger is back
        conn.execute(insert(Project), rows(3000, 1))
    with db.uow() as uow:
        p = uow.session.get(Project, 3000)
        assert p is not None and p.company_key == uow.session.get(Company, w.company).sort_key
