"""The 考核 page's read at 100,000 projects or a million: the scorecards and the rewards.

Run (not part of the default test run) on a database built by bench.py::

    .venv/bin/python tests/benchmarks/bench.py --db sqlite:////tmp/bench.db --build-only
    .venv/bin/python tests/benchmarks/bench_scorecard.py --db sqlite:////tmp/bench.db

It defines the demo's 2025 schemes (crm.demo_scorecard) on that database if it has none, then
times each read (median of several runs, each in its own unit of work, as the window reads).
There is no budget of its own in DESIGN §7; the figures of §3 have 50 ms each, as has a list's
first screen. The page reads its scores and the reward table's count and total at once, off
the GUI thread, and the reward lines a screen at a time (crm.services.reward_list).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crm.db import Database  # noqa: E402
from crm.demo_scorecard import PERSON_ITEMS, UNIT_ITEMS  # noqa: E402
from crm.services import reward_list, rewards, scorecard, scorecard_schemes  # noqa: E402
from crm.services.common import SYSTEM  # noqa: E402
from crm.services.scorecard_schemes import SchemeInput  # noqa: E402
from crm.views.scorecard import read_scorecard_page  # noqa: E402

YEAR = 2025
AS_OF = dt.date(2025, 12, 31)


def timed(db: Database, fn: Callable[..., object], *args: object,
          runs: int = 5) -> tuple[float, float]:
    """The median wall clock and CPU time of the process (ms): the wall clock measures the
    machine's load as well."""
    times, cpu = [], []
    for _ in range(runs):
        with db.uow() as uow:
            t, c = time.perf_counter(), time.process_time()
            fn(uow, *args)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a database built by bench.py")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    db = Database(args.db)
    if db.read(scorecard_schemes.scheme, YEAR) is None:
        db.run(scorecard_schemes.save_scheme, SYSTEM, SchemeInput(YEAR, "unit", "基准", "", UNIT_ITEMS))
        db.run(scorecard_schemes.save_scheme, SYSTEM, SchemeInput(YEAR, "person", "基准", "",
                                                          PERSON_ITEMS))
        db.run(rewards.save_reward_rule, SYSTEM, YEAR, "ambassador", Decimal(5), Decimal(50),
               Decimal(100))
    summary = db.read(reward_list.reward_summary, YEAR, AS_OF)
    rows = [
        ("the bureau's scorecard, 2025 全年 (10 lines)",
         timed(db, scorecard.score, YEAR, None, AS_OF, runs=args.runs)),
        ("the bureau's scorecard, 2025 二季度",
         timed(db, scorecard.score, YEAR, 2, dt.date(2025, 6, 30), runs=args.runs)),
        ("every person's scorecard (5 lines each)",
         timed(db, scorecard.people_scores, YEAR, None, AS_OF, runs=args.runs)),
        ("the reward table's count and total (with the page)",
         timed(db, reward_list.reward_summary, YEAR, AS_OF, runs=args.runs)),
        (f"the reward table's first screen ({reward_list.SCREEN} lines)",
         timed(db, reward_list.reward_page, summary, 0, runs=args.runs)),
        ("a screen in the middle of the reward table",
         timed(db, reward_list.reward_page, summary, summary.count // 2, runs=args.runs)),
        ("the whole 考核 page (one read)",
         timed(db, read_scorecard_page, SYSTEM, YEAR, None, AS_OF, None, AS_OF, runs=args.runs)),
        ("every reward line at once (crm scorecard --rewards, the Excel report)",
         timed(db, rewards.rewards, YEAR, AS_OF, runs=min(args.runs, 3))),
    ]
    people = len(db.read(scorecard.assessed_people))
    db.dispose()
    print(f"| what ({people} people assessed; {summary.count} reward lines) | median | CPU |\n"
          "| --- | ---: | ---: |")
    for what, (ms, cpu) in rows:
        print(f"| {what} | {ms:.1f} ms | {cpu:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
