"""The 招商图谱 at scale (issue 13 §3): 100 chains × 20 segments × 20,000 target firms, with
20,000 projects (half of them linked to segments) and their contact logs.

Run (not part of the default test run)::

    .venv/bin/python tests/benchmarks/bench_chains.py [--db URL] [--chains 100] [--segments 20]
                                                      [--targets 20000] [--projects 20000]

Budget: ≤ 100 ms to read a chain's data for the map (``crm.views.chains.chain_map``: the chain
list, the chain's segments with every coverage figure), median of 9 runs, each in its own unit
of work as the window reads it. The side panel's read (a segment's targets and projects) and
``crm chains`` over every chain are printed beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text, update  # noqa: E402

from crm.db import Database  # noqa: E402
from crm.models import Chain, Company, Project, Segment, TargetFirm  # noqa: E402
from crm.services.common import SYSTEM  # noqa: E402
from crm.text import sort_key  # noqa: E402
from crm.views import chains as view  # noqa: E402
from tests.benchmarks.bench import Result, database, table  # noqa: E402
from tests.benchmarks.benchdata import _insert, generate  # noqa: E402

STAGES = ("上游", "中游", "下游")
TIERS = ("链主", "头部", "专精特新", "上市", "其他")


def build(db: Database, n_chains: int, n_segments: int, n_targets: int, n_projects: int) -> None:
    generate(db, n_projects, n_projects)
    rng = random.Random(13)
    now = dt.datetime(2026, 11, 1, 9, 0)
    with db.engine.begin() as conn:
        _insert(conn, Chain, [{"id": c + 1, "name": f"产业链{c + 1:03d}", "industry_id": None,
                               "position": c + 1, "note": "", "created_at": now,
                               "updated_at": now} for c in range(n_chains)])
        segments = []
        for c in range(n_chains):
            for s in range(n_segments):
                sid = c * n_segments + s + 1
                parent = sid - 1 if s % 5 == 4 else None  # every fifth a sub-segment
                segments.append({"id": sid, "chain_id": c + 1, "parent_id": parent,
                                 "name": f"环节{s + 1:02d}", "stage": STAGES[s * 3 // n_segments],
                                 "position": s + 1, "note": ""})
        _insert(conn, Segment, segments)
        n_seg = len(segments)
        companies = [r[0] for r in conn.execute(select(Company.id).limit(n_targets))]
        targets = []
        for t in range(n_targets):
            name = f"目标企业{t + 1:05d}有限公司"
            targets.append({"id": t + 1, "segment_id": t % n_seg + 1, "name": name,
                            "uscc": None, "city": "上海", "tier": rng.choice(TIERS), "why": "",
                            "source": "self", "owner_id": rng.randint(1, 12),
                            "company_id": companies[t] if t % 3 == 0 and t < len(companies)
                            else None, "project_id": None, "sort_key": sort_key(name),
                            "version": 1, "created_at": now, "updated_at": now})
        _insert(conn, TargetFirm, targets)
        # half the projects fill a segment, a tenth of the companies are local firms
        conn.execute(update(Project).where(Project.id % 2 == 0)
                     .values(segment_id=Project.id % n_seg + 1))
        conn.execute(update(Company).where(Company.id % 10 == 0)
                     .values(segment_id=Company.id % n_seg + 1))
        # statistics, as the databases' own would soon have them (these tables only: a bare
        # ANALYZE on PostgreSQL would walk every schema of a shared server)
        conn.execute(text("ANALYZE" if conn.dialect.name == "sqlite" else
                          "ANALYZE chains, chain_segments, target_firms, projects, companies"))


def both(what: str, fn: Callable[[], object], budget: float, runs: int = 9,
         note: str = "") -> Result:
    """The median wall-clock time (the budget's measure) and, in the note, the median CPU time
    of this process (SQLite works in it): on this shared machine the wall clock moves with
    other people's load, the CPU time much less."""
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    cpu = f"CPU {statistics.median(cpus):.1f} ms"
    return Result(what, statistics.median(walls), budget, f"{note}, {cpu}" if note else cpu)


def measure(db: Database, n_chains: int) -> list[Result]:
    as_of = dt.date(2026, 11, 29)
    chains = [1, n_chains // 2, n_chains]
    out: list[Result] = []

    def chain_map(chain_id: int) -> object:
        with db.uow() as uow:
            return view.chain_map(uow, SYSTEM, chain_id, as_of)

    with db.uow() as uow:
        first = uow.session.scalar(select(Segment.id).where(Segment.chain_id == chains[1],
                                                            Segment.parent_id.is_(None)))
        per_segment = uow.session.scalar(select(func.count()).select_from(TargetFirm)
                                         .where(TargetFirm.segment_id == first))
    for chain_id in chains:
        out.append(both(f"招商图谱: a chain's map (chain {chain_id}: segments, coverage)",
                        functools.partial(chain_map, chain_id), 100))

    def detail() -> object:
        with db.uow() as uow:
            return view.segment_detail(uow, first or 0, as_of)
    out.append(both(f"招商图谱: a segment's side panel ({per_segment} targets and its projects, "
                    "with its sub-segment)", detail, 100))

    def every_chain() -> object:
        with db.uow() as uow:
            return view.coverage(uow, as_of)
    out.append(both(f"crm chains: every chain's coverage ({n_chains} chains)", every_chain,
                    1000, runs=3, note="not a window budget"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="招商图谱 benchmark")
    parser.add_argument("--db", help="PostgreSQL URL (a new schema, dropped after); default SQLite")
    parser.add_argument("--chains", type=int, default=100)
    parser.add_argument("--segments", type=int, default=20)
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    with database(args.db, args.keep) as url:
        db = Database(url)
        try:
            build(db, args.chains, args.segments, args.targets, args.projects)
            results = measure(db, args.chains)
        finally:
            db.dispose()
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(table(results, f"{kind}, {args.chains} chains × {args.segments} segments, "
                         f"{args.targets:,} target firms, {args.projects:,} projects"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
