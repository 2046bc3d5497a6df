"""One company, one record, at scale: the duplicate check a new company goes through, the
重复企业 list, and the 企业 search with 曾用名, on N companies (default 100,000).

Run (not part of the default test run)::

    .venv/bin/python tests/benchmarks/bench_duplicates.py [--companies 100000] [--db URL]

Names are drawn from a few thousand 字号 with common industry words and places, a quarter
without a place, so that the list holds pairs of the kind "名称相同，其一未写城市". Each
figure is the median of five runs, each in its own unit of work.
"""

from __future__ import annotations

import argparse
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select, update

from crm.companies_identity import name_key
from crm.db import Database, UnitOfWork
from crm.models import Company
from crm.services import companies, company_check, duplicates
from crm.services.common import SYSTEM, Actor
from crm.services.paging import Marks
from crm.views.duplicates import PairQuery, pair_count, pair_marks, pair_page

RUNS = 5
PLACES = ["上海", "武汉", "北京", "深圳", "杭州", "苏州", "南京", "成都", "", ""]
WORDS = ["科技", "智能", "新材料", "生物医药", "供应链管理", "检测认证", "氢能", "电子", "机器人",
         "数据服务", "环保", "投资", "实业", "发展"]


def fill(db: Database, n: int) -> None:
    rng = random.Random(18)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 2500, 5)]
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        brand = "".join(rng.choice(chars) for _ in range(rng.choice((2, 2, 3))))
        name = f"{rng.choice(PLACES)}{brand}{rng.choice(WORDS)}有限公司"
        if name in seen:
            continue
        seen.add(name)
        rows.append({"name": name, "sort_key": name, "initials": "", "name_key": name_key(name),
                     "hq_city": "", "note": "", "former_names": ""})
    with db.engine.begin() as conn:
        for start in range(0, n, 5000):
            conn.execute(Company.__table__.insert(), rows[start:start + 5000])


def first_screen(uow: UnitOfWork, actor: Actor, offset: int = 0,
                 marks: Marks | None = None) -> None:
    """What the page reads to show the list: the count (共 n 对), then one screen of 200 pairs
    (two reads in the application; here one after the other)."""
    query = PairQuery(actor)
    pair_count(uow, query)
    pair_page(uow, query, offset, 200, marks)


def median_ms(db: Database, fn: Callable[..., object], *args: object) -> float:
    times = []
    for _ in range(RUNS):
        with db.uow() as uow:
            t = time.perf_counter()
            fn(uow, *args)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--db")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'dup.db'}"
    db = Database(url)
    with db.engine.connect() as conn:  # a database kept from an earlier run is used as it is
        stored = conn.scalar(select(func.count()).select_from(Company)) or 0
    if stored:
        args.companies = stored
    else:
        fill(db, args.companies)
    print(f"{args.companies} companies")
    print(f"live_keys (every key, one index)    {median_ms(db, company_check.live_keys):8.0f} ms")
    print(f"similar_companies (a new company)   "
          f"{median_ms(db, company_check.similar_companies, '际数科技（上海）有限公司'):8.0f} ms")
    print(f"企业 search with 曾用名              "
          f"{median_ms(db, companies.company_ids, companies.CompanyQuery(search='科技')):8.0f} ms")
    t = time.perf_counter()
    with db.uow() as uow:  # builds the tables (a kept database's are built already)
        total = pair_count(uow, PairQuery(SYSTEM))
    print(f"重复企业 count, first read (builds)    {(time.perf_counter() - t) * 1000:8.0f} ms, "
          f"{total} pairs")
    cpu = time.process_time()
    print(f"重复企业 first screen (count + page)  "
          f"{median_ms(db, first_screen, SYSTEM):8.0f} ms (budget 50), client CPU "
          f"{(time.process_time() - cpu) * 1000 / RUNS:.0f} ms")
    last = max(0, total - 200)
    print(f"重复企业 last screen by OFFSET        "
          f"{median_ms(db, first_screen, SYSTEM, last):8.0f} ms (count + page)")
    t, cpu = time.perf_counter(), time.process_time()
    with db.uow() as uow:
        marks = pair_marks(uow, PairQuery(SYSTEM))
    print(f"重复企业 marks (background, once)     {(time.perf_counter() - t) * 1000:8.0f} ms "
          f"(CPU {(time.process_time() - cpu) * 1000:.0f} ms)")
    print(f"重复企业 last screen from a mark      "
          f"{median_ms(db, first_screen, SYSTEM, last, marks):8.0f} ms (count + page)")
    # every pair once each, streamed first: the process's peak resident size only grows, so
    # the streamed read's rise is measured before the whole list's
    for name, read in (("iter_pairs (crm companies), streamed", duplicates.iter_pairs),
                       ("duplicate_pairs, every pair at once", duplicates.duplicate_pairs)):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t, cpu = time.perf_counter(), time.process_time()
        with db.uow() as uow:
            read_ = sum(1 for _ in read(uow, SYSTEM))
        rise = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(f"{name:<37}{(time.perf_counter() - t) * 1000:8.0f} ms (CPU "
              f"{(time.process_time() - cpu) * 1000:.0f} ms), {read_} pairs, peak memory "
              f"+{rise:.0f} MiB")
    # a rename committed, then the first screen timed: each bench run renames other companies
    # to names never used (a rename to the name a company has already is no write at all)
    rng = random.Random()
    times: list[float] = []
    cpu = 0.0
    for _ in range(RUNS):
        with db.engine.begin() as conn:
            cid = rng.randrange(1, args.companies)
            name = f"{rng.choice(PLACES)}改名{cid}{secrets.token_hex(3)}科技有限公司"
            conn.execute(update(Company).where(Company.id == cid).values(
                name=name, name_key=name_key(name)))
        with db.uow() as uow:
            t, c = time.perf_counter(), time.process_time()
            first_screen(uow, SYSTEM)
            times.append((time.perf_counter() - t) * 1000)
            cpu += time.process_time() - c
    print(f"重复企业 first screen after a rename  {statistics.median(times):8.0f} ms (budget 50), "
          f"client CPU {cpu * 1000 / RUNS:.0f} ms; each: "
          f"{', '.join(f'{x:.0f}' for x in times)}")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
