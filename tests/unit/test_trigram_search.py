"""Search through the trigram indexes (crm.search): the same results as the plain LIKE scan it
replaces, on a randomised corpus, and kept current by every write, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text

from crm import search
from crm.db import Database
from crm.excel.importer import import_ledger
from crm.models import Company, ContactLog, Project
from crm.services import companies, contacts, merge, project_list, projects
from crm.services.common import SYSTEM
from crm.services.companies import CompanyQuery
from crm.services.contacts import LogQuery
from crm.services.projects import ProjectQuery
from crm.text import ESC, contains, initials, normalize, search_text, sort_key
from crm.uscc import ALPHABET, make_uscc
from tests.unit.builders import World, project, world
from tests.unit.test_excel_import import GOOD, ledger

D = dt.date
PLACES = ["武汉", "上海", "深圳", "苏州", "长沙", "重庆"]
WORDS = ["华", "鑫", "瑞", "博", "恒", "泰", "长", "重", "行", "乐", "A", "b", "Q", "%", "_", "\\",
         "（", "）", "Ｋ", "\"", " "]
TRADES = ["新材料科技", "智能装备", "生物医药", "新能源", "电子科技", "ABC数字", "供应链"]
THINGS = ["产业园", "总部", "生产基地", "研发中心", "扩产项目", "中试基地"]
CONTENT = ["介绍产业政策", "商议下一步", "看载体", "100%完成", "a_b 谈判", "签约前准备", "HQ 选址"]


def _corpus(db: Database, seed: int) -> None:
    """Companies, projects and logs with the keys the services give them, straight in."""
    rng = random.Random(seed)
    now = dt.datetime(2026, 1, 1)
    company_rows: list[dict[str, Any]] = []
    names: set[str] = set()
    while len(company_rows) < 120:
        name = (rng.choice(PLACES) + "".join(rng.choice(WORDS) for _ in range(3))
                + rng.choice(TRADES) + "有限公司")
        if name in names:
            continue
        names.add(name)
        former = "" if rng.random() < 0.7 else rng.choice(PLACES) + "（旧）" + name[2:5]
        body = "91" + str(rng.randrange(110000, 660000)) + "".join(
            rng.choice(ALPHABET) for _ in range(9))
        company_rows.append({"id": len(company_rows) + 1, "name": name, "uscc": make_uscc(body),
                             "hq_city": "", "note": "", "sort_key": sort_key(name),
                             "initials": initials(name), "former_names": former,
                             "name_key": "", "version": 1, "created_at": now,
                             "updated_at": now,
                             "deleted_at": now if rng.random() < 0.05 else None})
    project_rows: list[dict[str, Any]] = []
    for pid in range(1, 401):
        c = rng.choice(company_rows)
        name = c["name"][2:4] + rng.choice(WORDS) + rng.choice(THINGS) + str(pid % 7)
        project_rows.append({
            "id": pid, "name": name, "company_id": c["id"], "source": "self", "referrer": "",
            "stage": "lead", "note": "", "drop_reason": "", "lead_on": D(2025, 1, 1),
            "is_key": False, "sort_key": sort_key(name),
            "search_text": search_text(name, c["name"], c["uscc"], c["former_names"]),
            "deleted_at": now if rng.random() < 0.05 else None, "version": 1,
            "created_at": now, "updated_at": now})
    logs = [{"logged_on": D(2025, 1, 1) + dt.timedelta(days=rng.randrange(300)),
             "project_id": (p := rng.choice(project_rows))["id"], "company_id": p["company_id"],
             "mode": "走访", "participants": "", "next_step": "",
             "content": rng.choice(CONTENT) + rng.choice(WORDS) + rng.choice(CONTENT),
             "follow_up_done": False, "created_at": now} for _ in range(400)]
    with db.engine.begin() as conn:
        conn.execute(insert(Company), company_rows)
        conn.execute(insert(Project), project_rows)
        conn.execute(insert(ContactLog), logs)
        if not db.is_sqlite:
            for table in ("companies", "projects"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))


def _needles(db: Database, seed: int) -> list[str]:
    """Fragments of what is stored (names, 曾用名, initials, USCCs in either case, log
    texts), in every length from 1 to 6, and random strings with LIKE's special characters."""
    rng = random.Random(seed)
    with db.engine.connect() as conn:
        texts = [str(t) for t in conn.execute(text(
            "SELECT name FROM projects UNION ALL SELECT name FROM companies UNION ALL "
            "SELECT former_names FROM companies UNION ALL SELECT initials FROM companies "
            "UNION ALL SELECT uscc FROM companies UNION ALL SELECT content FROM contact_logs"))
            .scalars() if t]
    out: list[str] = []
    for _ in range(60):
        t = rng.choice(texts)
        n = rng.randrange(1, 7)
        i = rng.randrange(max(1, len(t) - n + 1))
        piece = t[i:i + n]
        out.append(piece.lower() if rng.random() < 0.3 else piece)
    out += ["".join(rng.choice(WORDS) for _ in range(3)) for _ in range(10)]
    out += ["%", "_", "\\", "%%%", "a_b", "100%", '"', 'q"%', "ＡＢＣ", "abc数字", "zzzz"]
    return out


# --- a short needle's rule, written out in Python (crm.search.prefix) ---------------------------
def starts_as(key: str, needle: str) -> bool:
    """Whether a sort key's first syllables read as the needle's: a Chinese character's
    syllable exactly, any other character as the start of a syllable. A space in the name
    is a character of its own (an empty syllable): “瑞 瑞总部” does not start as “瑞瑞”."""
    have = key.split(" ")
    want = sort_key(needle).split()
    if len(have) < len(want):
        return False
    return all(h == t if t[-1].isdigit() and not t.isdigit() else h.startswith(t)
               for h, t in zip(have, want, strict=False))


def _keyed(db: Database, model: Any, live: bool) -> list[tuple[int, str]]:
    with db.uow() as uow:
        stmt = select(model.id, model.sort_key)
        if live:
            stmt = stmt.where(model.deleted_at.is_(None))
        rows = list(uow.session.execute(stmt))
    return sorted(((i, k) for i, k in rows), key=lambda r: (r[1].encode(), r[0]))


def prefixed_projects(db: Database, needle: str) -> list[int]:
    return [i for i, k in _keyed(db, Project, True) if starts_as(k, needle)]


def prefixed_companies(db: Database, needle: str) -> list[int]:
    return [i for i, k in _keyed(db, Company, True) if starts_as(k, needle)]


def prefixed_logs(db: Database, needle: str) -> list[int]:
    found_p = [i for i, k in _keyed(db, Project, False) if starts_as(k, needle)]
    found_c = [i for i, k in _keyed(db, Company, False) if starts_as(k, needle)]
    with db.uow() as uow:
        return list(uow.session.scalars(select(ContactLog.id).where(
            ContactLog.project_id.in_(found_p) | ContactLog.company_id.in_(found_c))
            .order_by(ContactLog.logged_on.desc(), ContactLog.id.desc())))


# --- the old semantics, written out: every row tested with LIKE --------------------------------
def old_projects(db: Database, needle: str) -> list[int]:
    with db.uow() as uow:
        return list(uow.session.scalars(
            select(Project.id).where(Project.deleted_at.is_(None),
                                     Project.search_text.like(contains(normalize(needle)),
                                                              escape=ESC))
            .order_by(Project.sort_key, Project.id)))


def old_companies(db: Database, needle: str) -> list[int]:
    clean, raw = normalize(needle), needle.strip()
    like, typed = contains(clean), contains(raw)
    cmp = "like" if db.is_sqlite else "ilike"
    with db.uow() as uow:  # 曾用名 as written, and as typed (case-insensitive like the name)
        return list(uow.session.scalars(select(Company.id).where(
            Company.deleted_at.is_(None),
            getattr(Company.name, cmp)(like, escape=ESC)
            | getattr(Company.uscc, cmp)(like, escape=ESC)
            | Company.initials.like(like, escape=ESC)
            | getattr(Company.former_names, cmp)(like, escape=ESC)
            | getattr(Company.former_names, cmp)(typed, escape=ESC))
            .order_by(Company.sort_key, Company.id)))


def old_logs(db: Database, needle: str) -> list[int]:
    like = contains(needle.strip())
    with db.uow() as uow:
        return list(uow.session.scalars(select(ContactLog.id).where(
            ContactLog.content.like(like, escape=ESC)
            | ContactLog.project_id.in_(select(Project.id).where(Project.name.like(like, escape=ESC)))
            | ContactLog.company_id.in_(select(Company.id).where(Company.name.like(like,
                                                                                 escape=ESC))))
            .order_by(ContactLog.logged_on.desc(), ContactLog.id.desc())))


@pytest.mark.parametrize("large", [False, True], ids=["district", "province"])
def test_results_equal_the_plain_scan_on_a_random_corpus(db: Database, large: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """In a district's table a short needle is a substring as any other; in a province's
    (here: the threshold lowered below the corpus) it is the start of a name in pinyin."""
    if large:
        monkeypatch.setattr(search, "SCAN_ROWS", 10)
        if not db.is_sqlite:  # PostgreSQL reads the table's size from its statistics
            monkeypatch.setattr(search, "SCAN_ROWS", -1)
    _corpus(db, seed=16)
    checked = hits = 0
    for needle in _needles(db, seed=61):
        if not normalize(needle):
            continue
        short = large and (search.short(normalize(needle)) or search.short(needle.strip()))
        expected = (prefixed_projects if short else old_projects)(db, needle)
        hits += bool(expected)
        logs = (prefixed_logs if short else old_logs)(db, needle)
        with db.uow() as uow:
            assert projects.project_ids(uow, ProjectQuery(search=needle)) == expected, needle
            assert companies.company_ids(uow, CompanyQuery(search=needle)) == \
                (prefixed_companies if short else old_companies)(db, needle), needle
            assert contacts.log_ids(uow, LogQuery(search=needle)) == logs, needle
            assert contacts.count_logs(uow, LogQuery(search=needle)) == len(logs), needle
        checked += 1
    assert checked > 70
    assert hits > 30  # the comparison is mostly not of empty lists


def test_the_index_serves_long_needles(db: Database) -> None:
    """A needle of three characters or more goes through the engine's trigram index."""
    _corpus(db, seed=3)
    with db.uow() as uow:
        if db.is_sqlite:
            tables = set(uow.session.scalars(text("SELECT name FROM sqlite_master")))
            assert {"projects_fts", "companies_fts", "contact_logs_fts"} <= tables
            stmt = project_list._filtered(uow, ProjectQuery(search="产业园"), Project.id)
            plan = " ".join(str(r[-1]) for r in uow.session.execute(
                text("EXPLAIN QUERY PLAN " + str(stmt.compile(
                    compile_kwargs={"literal_binds": True})))))
            assert "projects_fts VIRTUAL TABLE INDEX" in plan, plan
        else:
            found = set(uow.session.scalars(text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")))
            assert set(search.TRGM) <= found
            uow.session.execute(text("SET LOCAL enable_seqscan = off"))
            stmt = project_list._filtered(uow, ProjectQuery(search="产业园"), Project.id)
            plan = " ".join(str(r[0]) for r in uow.session.execute(
                text("EXPLAIN " + str(stmt.compile(dialect=db.engine.dialect,
                                                    compile_kwargs={"literal_binds": True})))))
            assert "ix_projects_search_text_trgm" in plan, plan


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _found(db: Database, needle: str) -> set[int]:
    with db.uow() as uow:
        return set(projects.project_ids(uow, ProjectQuery(search=needle)))


def test_every_write_keeps_the_index_current(db: Database, w: World, tmp_path: Path) -> None:
    pid = project(db, w, "光谷量子计算中心")
    assert _found(db, "量子计算") == {pid}
    with db.uow() as uow:  # renamed: the old name no longer finds it, the new one does
        row = projects.get_project(uow, pid)
        projects.update_project(uow, w.manager, pid, projects.ProjectInput(
            name="光谷类脑芯片中心", company_id=row.company_id, owner_id=row.owner_id,
            lead_on=row.lead_on), row.version)
        uow.commit()
    assert _found(db, "量子计算") == set() and _found(db, "类脑芯片") == {pid}
    with db.uow() as uow:  # the company renamed: its projects are found by the new name
        c = companies.get_company(uow, w.company)
        companies.update_company(uow, w.manager, w.company, companies.CompanyInput(
            "深圳启明星辰科技有限公司", c.uscc, c.hq_city), c.version)
        uow.commit()
    assert _found(db, "启明星辰") == {pid} and _found(db, "际数科技") == set()
    with db.uow() as uow:
        assert companies.company_ids(uow, CompanyQuery(search="启明星辰")) == [w.company]
        assert companies.company_ids(uow, CompanyQuery(search="qmxc")) == [w.company]
    with db.uow() as uow:  # merged: the old company's name is a 曾用名, searchable
        other = companies.create_company(uow, w.manager, companies.CompanyInput(
            "成都天府星河智造有限公司")).id
        uow.commit()
    with db.uow() as uow:
        merge.merge_companies(uow, w.manager, w.company, other)
        uow.commit()
    with db.uow() as uow:
        assert companies.company_ids(uow, CompanyQuery(search="天府星河")) == [w.company]
    with db.uow() as uow:  # a log: found by its text, gone when its row is
        log = contacts.add_log(uow, w.manager, contacts.LogInput(
            D(2025, 3, 1), "走访", "商谈光刻胶产线落地", project_id=pid))
        uow.commit()
    with db.uow() as uow:
        assert contacts.log_ids(uow, LogQuery(search="光刻胶产线")) == [log.id]
        assert contacts.log_ids(uow, LogQuery(search="类脑芯片")) == [log.id]
        uow.session.execute(delete(ContactLog).where(ContactLog.id == log.id))
        assert contacts.log_ids(uow, LogQuery(search="光刻胶产线")) == []
    with db.uow() as uow:  # deleted and restored
        projects.delete_project(uow, w.manager, pid)
        uow.commit()
    assert _found(db, "类脑芯片") == set()
    with db.uow() as uow:
        assert projects.project_ids(uow, ProjectQuery(search="类脑芯片", deleted=True)) == [pid]
        projects.restore_project(uow, w.manager, pid)
        uow.commit()
    assert _found(db, "类脑芯片") == {pid}
    import_ledger(db, SYSTEM, ledger(tmp_path / "l.xlsx", list(GOOD)))  # an import
    assert len(_found(db, "零部件基地")) == 1
    assert len(_found(db, "钢材有限")) == 1
    with db.uow() as uow:
        assert len(companies.company_ids(uow, CompanyQuery(search="钢材有限"))) == 1


def test_a_bulk_load_rebuilds_the_index_in_its_transaction(db: Database, w: World) -> None:
    """An import large enough to rebuild the tables' indexes (crm.excel.bulk) loads without
    the triggers and rebuilds the index once; a failed one leaves everything as it was."""
    now = dt.datetime(2026, 1, 1)

    def rows(first: int, n: int) -> list[dict[str, Any]]:
        return [{"id": i, "name": f"批量{i}号仓储基地", "company_id": w.company, "source": "self",
                 "referrer": "", "stage": "lead", "note": "", "drop_reason": "",
                 "lead_on": D(2025, 1, 1), "is_key": False, "sort_key": sort_key(f"批量{i}"),
                 "search_text": search_text(f"批量{i}号仓储基地", "上海际数科技有限公司"),
                 "version": 1, "created_at": now, "updated_at": now}
                for i in range(first, first + n)]

    with (pytest.raises(RuntimeError), db.engine.begin() as conn,
          search.suspended(conn, ["projects"])):
        conn.execute(insert(Project), rows(1000, 5))
        raise RuntimeError("the import failed")
    assert _found(db, "仓储基地") == set()
    with db.engine.begin() as conn, search.suspended(conn, ["projects"]):
        conn.execute(insert(Project), rows(2000, 50))
    assert len(_found(db, "仓储基地")) == 50
    pid = project(db, w, "之后新建的仓储基地")  # the triggers are back
    assert pid in _found(db, "仓储基地")
    with db.uow() as uow:
        assert projects.project_ids(uow, ProjectQuery(search="2001号")) == [2001]


def test_a_migration_that_rebuilds_a_table_gets_its_triggers_back(sqlite_db: Database) -> None:
    db = sqlite_db
    w = world(db)
    with db.engine.begin() as conn:  # as a batch migration's copy of the table leaves it
        conn.exec_driver_sql("DROP TRIGGER projects_fts_ai")
        conn.exec_driver_sql("DROP TRIGGER projects_fts_au")
    pid = project(db, w, "无人机总装基地")
    assert _found(db, "无人机") == set()  # the index missed it
    with db.engine.begin() as conn:
        assert search.repair(conn) == ["projects_fts"]
        assert search.repair(conn) == []
    assert _found(db, "无人机") == {pid}
    project(db, w, "无人船总装基地")
    assert len(_found(db, "总装基地")) == 2


def test_project_amounts_keep_working_with_a_search(db: Database, w: World) -> None:
    """The count of the list (the status bar) agrees with the ids through the index."""
    for i in range(3):
        project(db, w, f"储能电站{i}期", invest=Decimal(100))
    with db.uow() as uow:
        q = ProjectQuery(search="储能电站")
        assert projects.count_projects(uow, q) == len(projects.project_ids(uow, q)) == 3


@pytest.mark.pg
def test_without_rights_for_pg_trgm_searches_scan_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    """A server that refuses CREATE EXTENSION pg_trgm (a role without CREATE on the
    database): the migration says so in the log, creates no trigram index, and searching gives
    the same results by scanning."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import _PG

    if _PG is None:
        pytest.skip("PostgreSQL server not available (set CRM_TEST_PG_URL)")
    name = f"crm_trgm_{random.randrange(10**8)}"
    admin = create_engine(_PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
        if not conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = 'crm_no_rights'"
                                    ).first():
            conn.exec_driver_sql("CREATE ROLE crm_no_rights LOGIN")
    base = make_url(_PG).set(database=name)
    owner = create_engine(base, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.exec_driver_sql("CREATE SCHEMA app AUTHORIZATION crm_no_rights")
    owner.dispose()
    url = base.set(username="crm_no_rights").render_as_string(hide_password=False)
    try:
        with caplog.at_level("WARNING", logger="crm.search"):
            db = Database(f"{url}?options=-csearch_path%3Dapp")
        assert any("pg_trgm" in r.getMessage() and "逐行扫描" in r.getMessage()
                   for r in caplog.records)
        with db.engine.connect() as conn:
            assert search.trgm_schema(conn) is None
            assert not set(conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'app'").scalars()) & set(
                search.TRGM)
        w = world(db)
        pid = project(db, w, "氢能重卡示范线")
        assert _found(db, "重卡示范") == {pid} and _found(db, "氢能") == {pid}
        db.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
