"""Data for the benchmark of DESIGN §7 (bench.py): bulk-generated projects, companies and
contact logs that keep the services' invariants, at 100,000 projects and 300,000 logs."""

from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from crm.db import Database  # noqa: E402
from crm.excel.bulk import Bulk  # noqa: E402
from crm.models import (  # noqa: E402
    Agreement,
    Ambassador,
    Company,
    ContactLog,
    Event,
    Funding,
    Industry,
    Project,
    StageChange,
    Start,
    User,
)
from crm.text import Named, initials, project_keys, sort_key  # noqa: E402
from crm.uscc import ALPHABET, make_uscc  # noqa: E402

D = dt.date
BATCH = 5000
CHUNK = 50_000  # rows a table's buffer holds before they go in

# --- generating ---------------------------------------------------------------------------------
PLACES = ["武汉", "上海", "深圳", "苏州", "杭州", "南京", "宁波", "无锡", "北京", "广州", "成都",
          "重庆", "长沙", "合肥", "郑州", "西安", "青岛", "厦门", "天津", "佛山"]
WORDS = ["华", "鑫", "瑞", "博", "恒", "泰", "宏", "远", "创", "新", "达", "盛", "联", "智", "源",
         "科", "信", "德", "丰", "安", "嘉", "凯", "明", "晟", "睿", "腾", "翔", "伟", "海", "天"]
TRADES = ["新材料科技", "智能装备", "生物医药", "新能源", "电子科技", "化工", "钢铁制品",
          "数字科技", "供应链管理", "环保科技", "精密制造", "信息技术"]
KINDS = ["有限公司", "股份有限公司", "集团有限公司"]
THINGS = ["产业园", "华中总部", "生产基地", "研发中心", "扩产项目", "智能工厂", "产业化项目",
          "结算中心", "中试基地", "运营中心", "检测中心", "物流中心"]
INDUSTRIES = ["钢铁深加工", "石油化工", "新材料", "人工智能", "高端装备", "生物医药", "新能源",
              "数字经济", "现代服务业"]
MODES = ["走访", "来访", "电话", "会议", "活动"]
STAGES = (["lead"] * 30 + ["negotiating"] * 20 + ["signed"] * 20 + ["started"] * 20
          + ["producing"] * 5 + ["dropped"] * 5)


def _insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(model), rows[i:i + BATCH])


@dataclass
class Made:
    users: list[int]
    manager_login: str
    uscc_sample: str
    company_sample: str
    project_sample: str


class _Loader:
    """Rows into the tables through the import's bulk path (crm.excel.bulk: executemany
    straight through the driver on SQLite, COPY on PostgreSQL), a chunk at a time so that a
    million rows never sit in memory at once; the tables' indexes, keys and search index are
    dropped while loading and built once at the end (:meth:`Bulk.rebuilt`)."""

    def __init__(self, bulk: Bulk):
        self.bulk = bulk
        self.buffers: dict[Any, list[dict[str, Any]]] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        rows = self.buffers.setdefault(model, [])
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Every buffer, parents first (SQLite checks each foreign key as a row goes in)."""
        for m in TABLES:
            self.bulk.insert(m.__table__, self.buffers.pop(m, []))


@cache
def _piece(text: str) -> Named:
    return Named(text)


def _named(*pieces: str) -> Named:
    """The keys of a name made of these pieces, from each piece's own keys (crm.text): a
    million distinct names converted whole would take pypinyin half an hour here. A phrase
    spanning two pieces could read differently whole; for these pieces none does (checked
    on 2,000 generated projects and their companies: the same keys as crm.text's)."""
    keys = [_piece(p) for p in pieces]
    return Named.of("".join(k.normalized for k in keys), "".join(k.sort_key for k in keys),
                    "".join(k.initials for k in keys))


TABLES = (User, Industry, Ambassador, Event, Company, Project, Agreement, Start, Funding,
          StageChange, ContactLog)


def generate(db: Database, n_projects: int, n_logs: int, seed: int = 7) -> Made:
    rng = random.Random(seed)
    now = dt.datetime(2026, 11, 1, 9, 0)
    n_companies = max(1, n_projects * 2 // 5)
    with db.uow() as uow:
        bulk = Bulk(uow)
        if not db.is_sqlite:  # building the GIN and B-tree indexes of a million rows
            uow.session.connection().exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        load = _Loader(bulk)
        with bulk.big_cache(), bulk.rebuilt([m.__table__ for m in TABLES]):
            made = _generate(load, rng, now, n_projects, n_logs, n_companies)
            load.flush()
        uow.commit()
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            for table in ("users", "industries", "ambassadors", "events", "companies",
                          "projects", "agreements", "starts", "fundings", "stage_changes",
                          "contact_logs"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        # PostgreSQL: also VACUUM, as autovacuum soon would after so many new rows: until the
        # visibility map is set, index-only scans fetch every row from the table anyway.
        conn.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"))
    return made


def _generate(load: _Loader, rng: random.Random, now: dt.datetime, n_projects: int,
              n_logs: int, n_companies: int) -> Made:
    people = [{"id": i + 1, "login": f"u{i + 1:02d}", "display_name": name,
               "role": "manager" if i < 2 else "staff", "password_hash": None,
               "active": True, "sort_key": sort_key(name), "created_at": now,
               "updated_at": now}
              for i, name in enumerate(["周建明", "陈慧", "李晓明", "王芳", "张伟", "刘洋",
                                        "赵磊", "孙丽", "何涛", "郭静", "马骏", "黄倩"])]
    for row in people:
        load.add(User, row)
    for i, n in enumerate(INDUSTRIES):
        load.add(Industry, {"id": i + 1, "name": n, "sort_key": sort_key(n), "active": True})
    for i in range(12):
        load.add(Ambassador, {"id": i + 1, "name": f"大使{i + 1:02d}", "organisation": "",
                              "note": "", "sort_key": sort_key(f"大使{i + 1:02d}")})
    event_days: list[tuple[int, dt.date]] = []
    for i in range(72):  # one a month, 2020–2025
        day = D(2020 + i // 12, i % 12 + 1, 12)
        event_days.append((i + 1, day))
        load.add(Event, {"id": i + 1, "name": f"{day:%Y年%m月}招商推介会", "held_on": day,
                         "city": rng.choice(PLACES), "theme": "", "note": ""})
    load.flush()
    companies: list[tuple[str, str, Named]] = []  # name, uscc, its keys
    seen: set[str] = set()
    while len(companies) < n_companies:
        pieces = (rng.choice(PLACES), rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS),
                  rng.choice(TRADES), rng.choice(KINDS))
        name = "".join(pieces)
        if name in seen:
            continue
        seen.add(name)
        body = "91" + f"{rng.randrange(110000, 660000)}" + "".join(
            rng.choice(ALPHABET) for _ in range(9))
        named = _named(*pieces)
        companies.append((name, make_uscc(body), named))
        load.add(Company, {"id": len(companies), "name": name, "uscc": companies[-1][1],
                           "hq_city": name[:2], "industry_id": rng.randrange(1, 10),
                           "note": "", "sort_key": named.sort_key, "initials": named.initials,
                           "deleted_at": None, "version": 1, "created_at": now,
                           "updated_at": now})
    load.flush()
    del seen
    # what the logs need of each project: (lead_on, owner_id, company_id)
    kept: list[tuple[dt.date, int, int]] = []
    names_per_company: dict[int, set[str]] = {}
    sample: dict[str, Any] = {}
    for pid in range(1, n_projects + 1):
        company_id = rng.randrange(n_companies) + 1
        company_name, uscc, company_keys = companies[company_id - 1]
        taken = names_per_company.setdefault(company_id, set())
        while True:
            pieces = [company_name[2], company_name[3], rng.choice(TRADES)[:2],
                      rng.choice(THINGS)]
            name = "".join(pieces)
            if name not in taken:
                break
            pieces.append(str(rng.randrange(2, 9)) + "期")
            name = "".join(pieces)
            if name not in taken:
                break
        taken.add(name)
        stage = rng.choice(STAGES)
        children: list[tuple[Any, dict[str, Any]]] = []
        lead_on = D(2020, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
        project_sort, project_search = project_keys(name, company_keys, uscc, _named(*pieces))
        p: dict[str, Any] = {
            "id": pid, "name": name, "company_id": company_id,
            "industry_id": rng.randrange(1, 10), "planned_investment": Decimal(
                rng.randrange(500, 500000)), "source": rng.choice(
                ["self", "referral", "ambassador"]), "ambassador_id": None, "referrer": "",
            "owner_id": rng.randrange(3, 13), "stage": stage, "carrier_id": None,
            "land_mu": None, "floor_area": None, "expected_output": None,
            "expected_tax": None, "expected_jobs": None, "is_key": False, "note": "",
            "lead_on": lead_on, "negotiating_on": None, "signed_on": None,
            "signing_event_id": None, "started_on": None, "start_kind": None,
            "producing_on": None, "dropped_on": None, "drop_reason": "",
            "registered_on": None, "sort_key": project_sort, "search_text": project_search,
            "deleted_at": now if rng.random() < 0.01 else None, "version": 1,
            "created_at": now, "updated_at": now}
        p["is_key"] = p["planned_investment"] >= 10000
        if p["source"] == "ambassador":
            p["ambassador_id"] = rng.randrange(1, 13)
        reached = stage if stage != "dropped" else rng.choice(["lead", "negotiating",
                                                               "signed"])
        day = lead_on
        if reached != "lead":
            day = day + dt.timedelta(days=rng.randrange(10, 90))
            p["negotiating_on"] = day
        if reached in ("signed", "started", "producing"):
            if rng.random() < 0.12:
                event_id, event_day = event_days[rng.randrange(len(event_days))]
                day = max(event_day, day)
                if day == event_day:
                    p["signing_event_id"] = event_id
                    p["source"], p["ambassador_id"] = "event", None
            else:
                day = day + dt.timedelta(days=rng.randrange(10, 200))
            p["negotiating_on"] = min(p["negotiating_on"], day)
            p["signed_on"] = day
            children.append((Agreement, {"project_id": pid, "kind": "投资协议", "signed_on": day,
                                 "amount": p["planned_investment"],
                                 "event_id": p["signing_event_id"], "note": "",
                                 "voided_at": None}))
        if reached in ("started", "producing"):
            day = day + dt.timedelta(days=rng.randrange(0, 400))
            kind = "开业" if rng.random() < 0.2 else "开工"
            p["started_on"], p["start_kind"] = day, kind
            children.append((Start, {"project_id": pid, "kind": kind, "started_on": day,
                                     "note": "", "voided_at": None}))
            children.append((Funding, {"project_id": pid, "received_on": day,
                               "amount": p["planned_investment"] / 5, "evidence": "回单"}))
        if reached == "producing":
            day = day + dt.timedelta(days=rng.randrange(60, 500))
            p["producing_on"] = day
        if stage == "dropped":
            day = day + dt.timedelta(days=rng.randrange(10, 300))
            p["dropped_on"], p["drop_reason"] = day, "企业调整投资计划"
        children.append((StageChange, {"project_id": pid, "from_stage": None, "to_stage": "lead",
                               "changed_on": lead_on, "changed_at": now,
                               "user_id": p["owner_id"], "reason": "新建",
                               "correction": False}))
        if stage != "lead":
            children.append((StageChange, {"project_id": pid, "from_stage": "lead", "to_stage": stage,
                                   "changed_on": day, "changed_at": now,
                                   "user_id": p["owner_id"], "reason": "",
                                   "correction": False}))
        load.add(Project, p)  # before its rows: a flush may come between
        for model, row in children:
            load.add(model, row)
        kept.append((lead_on, p["owner_id"], company_id))
        if pid == n_projects // 3 + 1:
            sample = p
    load.flush()
    del names_per_company
    for _ in range(n_logs):
        pid = rng.randrange(n_projects) + 1
        lead_on, owner_id, company_id = kept[pid - 1]
        day = lead_on + dt.timedelta(days=rng.randrange(0, 300))
        follow = day + dt.timedelta(days=14) if rng.random() < 0.4 else None
        load.add(ContactLog, {"logged_on": day, "user_id": owner_id, "project_id": pid,
                              "company_id": company_id, "mode": rng.choice(MODES),
                              "participants": "", "content": "介绍产业政策与载体资源，商议下一步",
                              "next_step": "", "follow_up_on": follow,
                              "follow_up_done": follow is not None and rng.random() < 0.7,
                              "created_at": now})
    company_name, uscc, _ = companies[sample["company_id"] - 1]
    return Made([u["id"] for u in people], "u01", uscc[3:11], company_name[2:6], sample["name"])


def more_companies(db: Database, total: int, seed: int = 11) -> int:
    """Companies without projects up to ``total`` (the 企业 list at 100k; the projects' own
    companies, 2 for every 5 projects, stay as they were generated)."""
    rng = random.Random(seed)
    now = dt.datetime(2026, 11, 1, 9, 0)
    with db.engine.begin() as conn:
        have = int(conn.execute(text("SELECT count(*) FROM companies")).scalar() or 0)
        if have >= total:
            return have
        seen = set(conn.execute(text("SELECT name FROM companies")).scalars())
        usccs = set(conn.execute(text("SELECT uscc FROM companies WHERE uscc IS NOT NULL"))
                    .scalars())
        first = int(conn.execute(text("SELECT max(id) FROM companies")).scalar() or 0) + 1
        rows: list[dict[str, Any]] = []
        while have + len(rows) < total:
            name = (rng.choice(PLACES) + rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(WORDS)
                    + rng.choice(WORDS) + rng.choice(TRADES) + rng.choice(KINDS))
            body = "91" + f"{rng.randrange(110000, 660000)}" + "".join(
                rng.choice(ALPHABET) for _ in range(9))
            uscc = make_uscc(body)
            if name in seen or uscc in usccs:
                continue
            seen.add(name)
            usccs.add(uscc)
            rows.append({"id": first + len(rows), "name": name, "uscc": uscc,
                         "hq_city": name[:2], "industry_id": rng.randrange(1, 10), "note": "",
                         "sort_key": sort_key(name), "initials": initials(name),
                         "deleted_at": None, "version": 1, "created_at": now,
                         "updated_at": now})
    # through the import's bulk path (COPY on PostgreSQL, the indexes built once at the end):
    # 600,000 plain INSERTs into PostgreSQL's indexed, triggered table ran past 35 minutes
    with db.uow() as uow:
        bulk = Bulk(uow)
        if not db.is_sqlite:
            uow.session.connection().exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        with bulk.big_cache(), bulk.rebuilt([Company.__table__]):
            for i in range(0, len(rows), CHUNK):
                bulk.insert(Company.__table__, rows[i:i + CHUNK])
        uow.commit()
    with db.engine.begin() as conn:
        if not db.is_sqlite:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('companies', 'id'), "
                              "(SELECT max(id) FROM companies))"))
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("ANALYZE companies" if db.is_sqlite else "VACUUM ANALYZE companies"))
    return total


def count_rows(db: Database) -> tuple[int, int]:
    with db.engine.connect() as conn:
        return (int(conn.execute(text("SELECT count(*) FROM projects")).scalar() or 0),
                int(conn.execute(text("SELECT count(*) FROM contact_logs")).scalar() or 0))


def samples(db: Database) -> Made:
    """Search samples from a database generated earlier (``--reuse``)."""
    with db.engine.connect() as conn:
        n = int(conn.execute(text("SELECT max(id) FROM projects")).scalar() or 1)
        name, company, uscc = conn.execute(text(
            "SELECT p.name, c.name, c.uscc FROM projects p JOIN companies c ON c.id = p.company_id"
            " WHERE p.id >= :id ORDER BY p.id LIMIT 1"), {"id": n // 3}).one()
        login = conn.execute(text("SELECT login FROM users WHERE role = 'manager' ORDER BY id"
                                  " LIMIT 1")).scalar()
    return Made([], str(login), str(uscc)[3:11], str(company)[2:6], str(name))
