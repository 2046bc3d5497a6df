"""The budgets of DESIGN §7, measured at 100,000 projects and 300,000 contact logs.

Run (not part of the default test run)::

    .venv/bin/python tests/benchmarks/bench.py [--db URL] [--projects 100000] [--logs 300000]
                                               [--companies 100000]

Without ``--db`` it builds a SQLite file in a temporary folder. With a PostgreSQL URL it works
in a new schema of that database and drops it afterwards (``--keep`` keeps it). The rows are
bulk-inserted but obey the services' invariants (sort key, search text, milestone dates in
order, one agreement per signing, one start per start), so the services see what real use
would give them. Each measurement is the median of several runs, each in its own unit of
work, as the window does it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from crm.db import Database, normalize_url  # noqa: E402
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
from crm.services import companies as company_service  # noqa: E402
from crm.services import contacts, metrics, projects  # noqa: E402
from crm.services.companies import CompanyQuery  # noqa: E402
from crm.services.contacts import LOG_SORTS, LogQuery  # noqa: E402
from crm.services.metrics import Filters, Period  # noqa: E402
from crm.services.projects import ProjectQuery  # noqa: E402
from crm.text import initials, search_text, sort_key  # noqa: E402
from crm.uscc import ALPHABET, make_uscc  # noqa: E402

D = dt.date
BATCH = 5000

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


def generate(db: Database, n_projects: int, n_logs: int, seed: int = 7) -> Made:
    rng = random.Random(seed)
    now = dt.datetime(2026, 11, 1, 9, 0)
    n_companies = max(1, n_projects * 2 // 5)
    with db.engine.begin() as conn:
        people = [{"id": i + 1, "login": f"u{i + 1:02d}", "display_name": name,
                   "role": "manager" if i < 2 else "staff", "password_hash": None,
                   "active": True, "sort_key": sort_key(name), "created_at": now,
                   "updated_at": now}
                  for i, name in enumerate(["周建明", "陈慧", "李晓明", "王芳", "张伟", "刘洋",
                                            "赵磊", "孙丽", "何涛", "郭静", "马骏", "黄倩"])]
        _insert(conn, User, people)
        _insert(conn, Industry, [{"id": i + 1, "name": n, "sort_key": sort_key(n), "active": True}
                                 for i, n in enumerate(INDUSTRIES)])
        _insert(conn, Ambassador, [{"id": i + 1, "name": f"大使{i + 1:02d}", "organisation": "",
                                    "note": "", "sort_key": sort_key(f"大使{i + 1:02d}")}
                                   for i in range(12)])
        event_days: list[tuple[int, dt.date]] = []
        for i in range(72):  # one a month, 2020–2025
            day = D(2020 + i // 12, i % 12 + 1, 12)
            event_days.append((i + 1, day))
        _insert(conn, Event, [{"id": e, "name": f"{day:%Y年%m月}招商推介会", "held_on": day,
                               "city": rng.choice(PLACES), "theme": "", "note": ""}
                              for e, day in event_days])
        companies: list[dict[str, Any]] = []
        seen: set[str] = set()
        while len(companies) < n_companies:
            name = (rng.choice(PLACES) + rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(WORDS)
                    + rng.choice(TRADES) + rng.choice(KINDS))
            if name in seen:
                continue
            seen.add(name)
            body = "91" + f"{rng.randrange(110000, 660000)}" + "".join(
                rng.choice(ALPHABET) for _ in range(9))
            companies.append({"id": len(companies) + 1, "name": name, "uscc": make_uscc(body),
                              "hq_city": name[:2], "industry_id": rng.randrange(1, 10),
                              "note": "", "sort_key": sort_key(name), "initials": initials(name),
                              "deleted_at": None, "version": 1, "created_at": now,
                              "updated_at": now})
        _insert(conn, Company, companies)

        rows: list[dict[str, Any]] = []
        agreements: list[dict[str, Any]] = []
        starts: list[dict[str, Any]] = []
        fundings: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        names_per_company: dict[int, set[str]] = {}
        for pid in range(1, n_projects + 1):
            company = companies[rng.randrange(n_companies)]
            taken = names_per_company.setdefault(company["id"], set())
            while True:
                name = company["name"][2:4] + rng.choice(TRADES)[:2] + rng.choice(THINGS)
                if name not in taken:
                    break
                name += str(rng.randrange(2, 9)) + "期"
                if name not in taken:
                    break
            taken.add(name)
            stage = rng.choice(STAGES)
            lead_on = D(2020, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
            p: dict[str, Any] = {
                "id": pid, "name": name, "company_id": company["id"],
                "industry_id": rng.randrange(1, 10), "planned_investment": Decimal(
                    rng.randrange(500, 500000)), "source": rng.choice(
                    ["self", "referral", "ambassador"]), "ambassador_id": None, "referrer": "",
                "owner_id": rng.randrange(3, 13), "stage": stage, "carrier_id": None,
                "land_mu": None, "floor_area": None, "expected_output": None,
                "expected_tax": None, "expected_jobs": None, "is_key": False, "note": "",
                "lead_on": lead_on, "negotiating_on": None, "signed_on": None,
                "signing_event_id": None, "started_on": None, "start_kind": None,
                "producing_on": None, "dropped_on": None, "drop_reason": "",
                "registered_on": None, "sort_key": sort_key(name),
                "search_text": search_text(name, company["name"], company["uscc"]),
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
                agreements.append({"project_id": pid, "kind": "投资协议", "signed_on": day,
                                   "amount": p["planned_investment"],
                                   "event_id": p["signing_event_id"], "note": "",
                                   "voided_at": None})
            if reached in ("started", "producing"):
                day = day + dt.timedelta(days=rng.randrange(0, 400))
                kind = "开业" if rng.random() < 0.2 else "开工"
                p["started_on"], p["start_kind"] = day, kind
                starts.append({"project_id": pid, "kind": kind, "started_on": day, "note": "",
                               "voided_at": None})
                fundings.append({"project_id": pid, "received_on": day,
                                 "amount": p["planned_investment"] / 5, "evidence": "回单"})
            if reached == "producing":
                day = day + dt.timedelta(days=rng.randrange(60, 500))
                p["producing_on"] = day
            if stage == "dropped":
                day = day + dt.timedelta(days=rng.randrange(10, 300))
                p["dropped_on"], p["drop_reason"] = day, "企业调整投资计划"
            changes.append({"project_id": pid, "from_stage": None, "to_stage": "lead",
                            "changed_on": lead_on, "changed_at": now, "user_id": p["owner_id"],
                            "reason": "新建", "correction": False})
            if stage != "lead":
                changes.append({"project_id": pid, "from_stage": "lead", "to_stage": stage,
                                "changed_on": day, "changed_at": now, "user_id": p["owner_id"],
                                "reason": "", "correction": False})
            rows.append(p)
        _insert(conn, Project, rows)
        _insert(conn, Agreement, agreements)
        _insert(conn, Start, starts)
        _insert(conn, Funding, fundings)
        _insert(conn, StageChange, changes)

        logs: list[dict[str, Any]] = []
        for _ in range(n_logs):
            p = rows[rng.randrange(n_projects)]
            day = p["lead_on"] + dt.timedelta(days=rng.randrange(0, 300))
            follow = day + dt.timedelta(days=14) if rng.random() < 0.4 else None
            logs.append({"logged_on": day, "user_id": p["owner_id"], "project_id": p["id"],
                         "company_id": p["company_id"], "mode": rng.choice(MODES),
                         "participants": "", "content": "介绍产业政策与载体资源，商议下一步",
                         "next_step": "", "follow_up_on": follow,
                         "follow_up_done": follow is not None and rng.random() < 0.7,
                         "created_at": now})
            if len(logs) >= BATCH * 4:
                _insert(conn, ContactLog, logs)
                logs = []
        _insert(conn, ContactLog, logs)
        if not db.is_sqlite:
            for table in ("users", "industries", "ambassadors", "events", "companies",
                          "projects"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        # PostgreSQL: also VACUUM, as autovacuum soon would after so many new rows: until the
        # visibility map is set, index-only scans fetch every row from the table anyway.
        conn.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"))
    sample = rows[n_projects // 3]
    company = companies[sample["company_id"] - 1]
    return Made([u["id"] for u in people], "u01", company["uscc"][3:11], company["name"][2:6],
                sample["name"])


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
        _insert(conn, Company, rows)
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


# --- measuring ----------------------------------------------------------------------------------
@dataclass
class Result:
    what: str
    ms: float
    budget_ms: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ms / self.budget_ms


def timed(fn: Callable[[], object], runs: int = 9) -> float:
    fn()  # warm the caches, as a user's second look does
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def measure(db: Database, made: Made) -> list[Result]:
    out: list[Result] = []
    period, as_of = Period(D(2025, 1, 1), D(2025, 6, 30)), D(2025, 12, 31)
    with db.uow() as uow:
        def ids(**kw: str) -> Filters:
            return metrics.resolve_filters(uow, **kw)
        filters = {"no filter": Filters(), "industry": ids(industry="新材料"),
                   "owner": ids(owner="李晓明"), "source": ids(source="招商大使"),
                   "ambassador": ids(ambassador="大使03"), "event": ids(event="2025年06月")}

    def figure(fn: Callable[..., object], *args: object) -> Callable[[], object]:
        def run() -> object:
            with db.uow() as uow:
                return fn(uow, *args)
        return run

    for label, f in filters.items():
        out.append(Result(f"figures: 签约/开工/开工率/金额/到位率, {label}",
                          timed(figure(metrics.start_rate, period, as_of, f)), 50))
    for label, fn in (("funnel + conversion", metrics.funnel),
                      ("签约未开工 list", metrics.signed_not_started),
                      ("monthly", metrics.monthly)):
        out.append(Result(f"figures: {label}", timed(figure(fn, period, as_of, Filters())), 50))
    for by in metrics.BREAKDOWNS:
        out.append(Result(f"figures: breakdown by {by}",
                          timed(figure(metrics.breakdown, by, period, as_of)), 50))
    out.append(Result("figures: target completion",
                      timed(figure(metrics.target_completion, 2025, as_of)), 50))
    out.append(Result("figures: whole 工作台 (all of the above at once)",
                      timed(figure(metrics.dashboard, period, as_of, filters["industry"])), 50 * 6,
                      "six figures, 50 ms each"))

    def keystroke(needle: str) -> Callable[[], object]:
        def run() -> object:
            with db.uow() as uow:
                found = projects.project_ids(uow, ProjectQuery(search=needle))
                return projects.project_rows(uow, found[:100])
        return run

    for label, needle in (("project name", made.project_sample[2:6]),
                          ("company name", made.company_sample),
                          ("USCC", made.uscc_sample),
                          ("pinyin initials", initials(made.project_sample)[2:6])):
        with db.uow() as uow:
            hits = len(projects.project_ids(uow, ProjectQuery(search=needle)))
        out.append(Result(f"search keystroke: {label} “{needle}” ({hits} hits)",
                          timed(keystroke(needle)), 100))

    for sort, desc in (("name", False), ("company", False), ("signed_on", True),
                       ("stage", False)):
        q = ProjectQuery(sort=sort, descending=desc)

        def id_query(q: ProjectQuery = q) -> object:
            with db.uow() as uow:
                return projects.project_ids(uow, q)

        with db.uow() as uow:
            all_ids = projects.project_ids(uow, q)
        row = min(50_000, len(all_ids) // 2)
        around = all_ids[row - 100:row + 100]

        def batch(around: list[int] = around) -> object:
            with db.uow() as uow:
                return projects.project_rows(uow, around)

        # The list view holds the sorted ids of its query (read once per sort or search, like a
        # keystroke) and fetches the rows around where the user jumps: that fetch is the jump.
        t_ids, t_rows = timed(id_query), timed(batch)
        out.append(Result(f"jump to row {row:,}, sorted by {sort}: the 200-row batch there",
                          t_rows, 50))
        out.append(Result(f"change the sort to {sort}: all {len(all_ids):,} ids in order "
                          "(as a keystroke)", t_ids, 100))
    out += measure_logs(db, made)
    out += measure_companies(db, made)
    return out


def first_page(q: LogQuery, db: Database) -> Callable[[], object]:
    """What the log list does for a keystroke or a header click: the count (the true total)
    and the first page, or with a search all the matching ids (one scan) and the first rows."""
    def run() -> object:
        with db.uow() as uow:
            found = contacts.log_ids_or_count(uow, q)
            if isinstance(found, int):
                return found, contacts.log_page(uow, q, 0, 200)
            return len(found), contacts.log_rows(uow, found[:200])
    return run


def measure_logs(db: Database, made: Made) -> list[Result]:
    """The 接洽记录 list: the count and the 200-row page on screen (contacts.log_ids)."""
    out: list[Result] = []
    with db.uow() as uow:
        total = contacts.count_logs(uow)
        user = uow.session.execute(text("SELECT user_id FROM contact_logs WHERE user_id IS NOT "
                                        "NULL ORDER BY id LIMIT 1")).scalar()
    for label, q in (("project name", LogQuery(search=made.project_sample[2:6])),
                     ("company name", LogQuery(search=made.company_sample)),
                     ("只看我的", LogQuery(user_id=user))):
        with db.uow() as uow:
            hits = contacts.count_logs(uow, q)
        what = f"“{q.search}”" if q.search else "(one person's)"
        out.append(Result(f"contact log, search keystroke: {label} {what} ({hits:,} of "
                          f"{total:,} logs)",
                          timed(first_page(q, db)), 100))
    row = min(50_000, total // 2) // 200 * 200
    for sort in LOG_SORTS:
        q = LogQuery(sort=sort, descending=sort in ("logged_on", "follow_up_on"))

        def jump(q: LogQuery = q) -> object:
            with db.uow() as uow:
                return contacts.log_page(uow, q, row, 200)

        out.append(Result(f"contact log, jump to row {row:,}, sorted by {sort}: the 200-row "
                          "page there", timed(jump), 50))
        out.append(Result(f"contact log, change the sort to {sort}: the count and the first "
                          "page", timed(first_page(q, db)), 100))
    return out


def measure_companies(db: Database, made: Made) -> list[Result]:
    """The 企业 list: all ids in pinyin order (company_ids), rows 200 at a time."""
    out: list[Result] = []

    def keystroke(q: CompanyQuery) -> Callable[[], object]:
        def run() -> object:
            with db.uow() as uow:
                found = company_service.company_ids(uow, q)
                return company_service.company_rows(uow, found[:200])
        return run

    for label, needle in (("name", made.company_sample), ("USCC", made.uscc_sample),
                          ("pinyin initials", initials(made.company_sample))):
        q = CompanyQuery(search=needle)
        with db.uow() as uow:
            hits = len(company_service.company_ids(uow, q))
        out.append(Result(f"companies, search keystroke: {label} “{needle}” ({hits} hits)",
                          timed(keystroke(q)), 100))
    with db.uow() as uow:
        all_ids = company_service.company_ids(uow)
    row = min(50_000, len(all_ids) // 2) // 200 * 200
    around = all_ids[row:row + 200]

    def jump() -> object:
        with db.uow() as uow:
            return company_service.company_rows(uow, around)

    out.append(Result(f"companies, jump to row {row:,}: the 200-row batch there", timed(jump),
                      50))
    out.append(Result(f"companies, open or reload the list: all {len(all_ids):,} ids in pinyin "
                      "order (as a keystroke)", timed(keystroke(CompanyQuery())), 100))
    return out


GUI_SCRIPT = textwrap.dedent("""
    import os, sys, time, json
    t0 = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, {root!r})
    from PySide6.QtWidgets import QApplication
    import ui.app
    app = QApplication([])
    window = ui.app.build({url!r}, {login!r}, trusted=True, page={page!r})
    window.show()
    app.processEvents()
    shown = time.perf_counter() - t0
    deadline = time.perf_counter() + 3.0
    while time.perf_counter() < deadline:  # let background loads finish
        app.processEvents()
        time.sleep(0.01)
    rss = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) // 1024
    print(json.dumps({{"shown": shown, "rss": rss}}))
    window.close()
    os._exit(0)
""")


def measure_gui(url: str, login: str) -> list[Result]:
    try:
        import ui.app  # noqa: F401
    except Exception as exc:  # the window is not there yet
        return [Result("app start to usable window", float("nan"), 2000, f"not measured: {exc}")]
    out: list[Result] = []
    for page in ("dashboard", "projects"):
        script = GUI_SCRIPT.format(root=str(ROOT), url=url, login=login, page=page)
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        try:
            import json
            data = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            note = (proc.stderr.strip().splitlines() or ["no output"])[-1][:120]
            out.append(Result(f"app start to usable window ({page})", float("nan"), 2000,
                              f"failed: {note}"))
            continue
        out.append(Result(f"app start to usable window ({page} page)", data["shown"] * 1000,
                          2000))
        out.append(Result(f"GUI memory, peak RSS ({page} page)", float(data["rss"]), 400,
                          "MB, not ms"))
    return out


# --- the run ------------------------------------------------------------------------------------
@contextmanager
def database(url: str | None, keep: bool) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory(prefix="crm-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    url = normalize_url(url)
    if url.startswith("sqlite"):
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def table(results: list[Result], title: str) -> str:
    lines = [f"**{title}**", "", "| what | measured | budget | ratio |", "| --- | ---: | ---: | ---: |"]
    for r in results:
        unit = "MB" if "MB" in r.note else "ms"
        note = r.note if unit == "ms" else r.note.replace("MB, not ms", "").strip(", ")
        measured = "—" if r.ms != r.ms else f"{r.ms:.1f} {unit}"
        ratio = "—" if r.ms != r.ms else f"{r.ratio:.2f}"
        what = f"{r.what} ({note})" if note else r.what
        lines.append(f"| {what} | {measured} | {r.budget_ms:g} {unit} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=300_000)
    parser.add_argument("--companies", type=int, default=100_000,
                        help="companies in all (those without projects are added)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument("--no-gui", action="store_true", help="skip the window measurements")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the projects already in --db instead of generating")
    args = parser.parse_args(argv)
    with database(args.db, args.keep) as url:
        db = Database(url)
        backend = "SQLite" if db.is_sqlite else "PostgreSQL"
        existing = count_rows(db)
        if args.reuse and existing[0]:
            args.projects, args.logs = existing
            made = samples(db)
            print(f"{backend}: reusing {args.projects:,} projects and {args.logs:,} contact logs",
                  flush=True)
        else:
            t = time.perf_counter()
            made = generate(db, args.projects, args.logs)
            made_s = time.perf_counter() - t
            print(f"{backend}: generated {args.projects:,} projects and {args.logs:,} contact "
                  f"logs in {made_s:.1f} s", flush=True)
        n_companies = more_companies(db, args.companies)
        print(f"{backend}: {n_companies:,} companies", flush=True)
        results = measure(db, made)
        db.dispose()
        if not args.no_gui:
            results += measure_gui(url, made.manager_login)
    print(table(results, f"{backend}, {args.projects:,} projects, {args.logs:,} contact logs "
                         f"({os.cpu_count()} cores)"))
    over = [r for r in results if r.ms == r.ms and r.ratio > 1]
    if over:
        print(f"\nover budget: {', '.join(r.what for r in over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
