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
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import update

from crm.companies_identity import name_key
from crm.db import Database, UnitOfWork
from crm.models import Company
from crm.services import companies, duplicates
from crm.services.common import SYSTEM, Actor
from crm.views.duplicates import load_duplicates

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
    fill(db, args.companies)
    print(f"{args.companies} companies")
    print(f"live_keys (every key, one index)    {median_ms(db, duplicates.live_keys):8.0f} ms")
    print(f"similar_companies (a new company)   "
          f"{median_ms(db, duplicates.similar_companies, '际数科技（上海）有限公司'):8.0f} ms")
    print(f"企业 search with 曾用名              "
          f"{median_ms(db, companies.company_ids, companies.CompanyQuery(search='科技')):8.0f} ms")
    t = time.perf_counter()
    with db.uow() as uow:
        pairs = duplicates.duplicate_pairs(uow, SYSTEM)
    print(f"duplicate_pairs, first read (builds) {(time.perf_counter() - t) * 1000:8.0f} ms, "
          f"{len(pairs)} pairs")
    print(f"重复企业 first screen (page + count)  "
          f"{median_ms(db, load_duplicates, SYSTEM):8.0f} ms (budget 50)")
    print(f"duplicate_pairs, every pair          "
          f"{median_ms(db, duplicates.duplicate_pairs, SYSTEM):8.0f} ms")
    rng = random.Random(5)

    def after_a_rename(uow: UnitOfWork, actor: Actor) -> None:
        with db.engine.begin() as conn:  # outside the timing would be fairer; it is ~1 ms
            cid = rng.randrange(1, args.companies)
            name = f"{rng.choice(PLACES)}改名{cid}科技有限公司"
            conn.execute(update(Company).where(Company.id == cid).values(
                name=name, name_key=name_key(name)))
        load_duplicates(uow, actor)

    print(f"重复企业 first screen after a rename  "
          f"{median_ms(db, after_a_rename, SYSTEM):8.0f} ms (budget 50)")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
