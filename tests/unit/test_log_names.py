"""Each log's project and company names in one narrow row on PostgreSQL (crm.log_names): kept
equal to the names themselves through any write, whoever writes it, and the 接洽记录 search
through them finds exactly what the plain scan finds."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import text

from crm import log_names
from crm.db import Database, alembic_config
from crm.services import contacts
from crm.services.contacts import LogQuery
from tests.unit.test_trigram_search import _corpus, old_logs

pytestmark = pytest.mark.pg


def _held(db: Database) -> dict[int, str]:
    with db.engine.connect() as conn:
        return {int(i): str(n) for i, n in conn.execute(text(
            f"SELECT id, names FROM {log_names.TABLE}"))}


def _expected(db: Database) -> dict[int, str]:
    """Each log's names as the tables have them now."""
    with db.engine.connect() as conn:
        return {int(i): f"{p or ''}{log_names.SEP}{c or ''}" for i, p, c in conn.execute(text(
            "SELECT l.id, p.name, c.name FROM contact_logs l "
            "LEFT JOIN projects p ON p.id = l.project_id "
            "LEFT JOIN companies c ON c.id = l.company_id"))}


def _found(db: Database, needle: str) -> list[int]:
    """What the list shows for a search: the count and, screen by screen, every id."""
    q = LogQuery(search=needle)
    with db.uow() as uow:
        first = contacts.log_ids_or_count(uow, q)
        assert isinstance(first, list)
        whole = contacts.log_ids(uow, q)
        assert len(first) == len(whole) == contacts.count_logs(uow, q)
        assert [i for i in first if i is not None] == whole[:len(
            [i for i in first if i is not None])]
        return whole


def _round(conn: object, rng: random.Random, projects: list[int], companies: list[int],
           words: list[str]) -> None:
    """One random batch of writes, each a plain statement (as another program would write)."""
    run = conn.execute  # type: ignore[attr-defined]
    kind = rng.choice(["add", "move", "company", "rename", "rename_company", "swap", "delete",
                       "other", "orphan"])
    some = rng.sample(projects, 5)
    if kind == "add":  # several logs in one statement
        for p in some:
            run(text("INSERT INTO contact_logs (logged_on, project_id, company_id, mode, "
                     "participants, content, next_step, follow_up_done, created_at) "
                     "SELECT DATE '2025-03-01', id, company_id, '电话', '', :c, '', false, "
                     "now() FROM projects WHERE id = :p"), {"p": p, "c": rng.choice(words)})
    elif kind == "move":  # to other projects (and their companies)
        run(text("UPDATE contact_logs SET project_id = :p, company_id = (SELECT company_id "
                 "FROM projects WHERE id = :p) WHERE id IN (SELECT id FROM contact_logs "
                 "ORDER BY random() LIMIT 7)"), {"p": some[0]})
    elif kind == "company":  # a merge moves logs to another company, keeping the project
        run(text("UPDATE contact_logs SET company_id = :c WHERE company_id = :old"),
            {"c": rng.choice(companies), "old": rng.choice(companies)})
    elif kind == "rename":
        for p in some:
            run(text("UPDATE projects SET name = :n WHERE id = :p"),
                {"n": rng.choice(words) + rng.choice(words) + str(p), "p": p})
    elif kind == "rename_company":
        run(text("UPDATE companies SET name = name || :w WHERE id IN (:a, :b)"),
            {"w": rng.choice(words), "a": rng.choice(companies), "b": rng.choice(companies)})
    elif kind == "swap":  # two names exchanged in one statement
        a, b = some[:2]
        run(text("UPDATE projects SET name = CASE id WHEN :a THEN (SELECT name FROM projects "
                 "WHERE id = :b) ELSE (SELECT name FROM projects WHERE id = :a) END "
                 "WHERE id IN (:a, :b)"), {"a": a, "b": b})
    elif kind == "delete":
        run(text("DELETE FROM contact_logs WHERE id IN (SELECT id FROM contact_logs "
                 "ORDER BY random() LIMIT 5)"))
    elif kind == "other":  # an edit that moves nothing
        run(text("UPDATE contact_logs SET follow_up_done = NOT follow_up_done WHERE id IN "
                 "(SELECT id FROM contact_logs ORDER BY random() LIMIT 9)"))
        run(text("UPDATE projects SET note = 'x' WHERE id = :p"), {"p": some[0]})
    else:  # a log of a company alone, then of no project at all
        run(text("UPDATE contact_logs SET project_id = NULL WHERE id IN (SELECT id FROM "
                 "contact_logs ORDER BY random() LIMIT 2)"))


def test_the_names_follow_every_write_and_the_search_equals_the_scan(pg_db: Database) -> None:
    db = pg_db
    _corpus(db, seed=23)
    assert _held(db) == _expected(db)  # filled as the logs went in
    rng = random.Random(23)
    with db.engine.connect() as conn:
        projects = [int(i) for i in conn.execute(text("SELECT id FROM projects")).scalars()]
        companies = [int(i) for i in conn.execute(text("SELECT id FROM companies")).scalars()]
    words = ["精密", "产业园", "华鑫", "研发中心", "科技", "恒泰", "武汉"]
    for _ in range(40):
        with db.engine.begin() as conn:
            for _ in range(rng.randrange(1, 4)):
                _round(conn, rng, projects, companies, words)
        assert _held(db) == _expected(db)
    for needle in ("精密", "产业园", "华鑫研发", "科技有限", "恒泰", "武汉", "zzz", "中心1"):
        assert _found(db, needle) == old_logs(db, needle), needle
    checked = [n for n in ("产业园", "科技有限") if len(old_logs(db, n)) > 20]
    assert checked  # searches with many matches among them


_ADD = text("INSERT INTO contact_logs (logged_on, project_id, company_id, mode, participants, "
            "content, next_step, follow_up_done, created_at) VALUES (DATE '2025-05-05', :p, "
            ":c, '走访', '', '', '', false, now())")
_RENAME = text("UPDATE projects SET name = :n WHERE id = :p")


def _race(db: Database, first: str, pid: int, cid: int, name: str) -> None:
    """``first`` (a rename or a new log) holds its transaction open while the other starts;
    the other must wait for it, then both commit."""
    writes = {"rename": (_RENAME, {"n": name, "p": pid}),
              "insert": (_ADD, {"p": pid, "c": cid})}
    other = "insert" if first == "rename" else "rename"
    holder, waiter = db.engine.connect(), db.engine.connect()
    done = threading.Event()

    def second() -> None:
        with waiter.begin():
            waiter.execute(text("SET LOCAL lock_timeout = '10s'"))
            waiter.execute(*writes[other])
        done.set()

    try:
        with holder.begin():
            holder.execute(*writes[first])
            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(0.5)
            assert not done.is_set()  # the second waits for the first to commit
        thread.join(20)
        assert done.is_set()
    finally:
        holder.close()
        waiter.close()


def test_a_rename_and_a_new_log_at_the_same_time_leave_the_new_name(pg_db: Database) -> None:
    """A log added for a project while another transaction renames it: whichever commits
    first, the log is found by the name that stands."""
    db = pg_db
    _corpus(db, seed=5)
    with db.engine.connect() as conn:
        pid, cid = conn.execute(text("SELECT id, company_id FROM projects LIMIT 1")).one()
    for first in ("rename", "insert"):
        name = f"并发更名{first}项目"
        _race(db, first, int(pid), int(cid), name)
        assert _held(db) == _expected(db)
        newest = max(_held(db))
        assert name in _held(db)[newest]
        assert newest in _found(db, name)


def test_an_upgrade_fills_the_names_and_without_them_the_search_is_the_same(
        pg_db: Database) -> None:
    from alembic import command

    db = pg_db
    _corpus(db, seed=9)
    expected = {n: old_logs(db, n) for n in ("产业园", "科技有限", "恒泰")}
    command.downgrade(alembic_config(db.engine), "0022")
    with db.engine.connect() as conn:
        assert conn.execute(text(f"SELECT to_regclass('{log_names.TABLE}')")).scalar() is None
    # without the copy (a server without pg_trgm): the names are read as before
    for needle, ids in expected.items():
        assert _found(db, needle) == ids
    with db.engine.begin() as conn:  # a rename meanwhile, which no trigger notes
        conn.execute(text("UPDATE projects SET name = '升级前更名产业园' WHERE id = 1"))
    command.upgrade(alembic_config(db.engine), "head")
    assert _held(db) == _expected(db)
    for needle in ("产业园", "科技有限", "恒泰", "升级前更名"):
        assert _found(db, needle) == old_logs(db, needle)


def test_a_needle_holding_the_separator_is_searched_as_before(pg_db: Database) -> None:
    db = pg_db
    _corpus(db, seed=3)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE projects SET name = :n WHERE id = 2"),
                     {"n": f"尾{log_names.SEP}首"})
    # across the end of one name and the start of the other: no log holds it
    with db.engine.connect() as conn:
        company = conn.execute(text("SELECT c.name FROM projects p JOIN companies c ON "
                                    "c.id = p.company_id WHERE p.id = 3")).scalar()
        project = conn.execute(text("SELECT name FROM projects WHERE id = 3")).scalar()
    spanning = f"{str(project)[-2:]}{log_names.SEP}{str(company)[:2]}"
    assert old_logs(db, spanning) == []
    assert _found(db, spanning) == []
    assert _found(db, f"尾{log_names.SEP}首") == old_logs(db, f"尾{log_names.SEP}首")
