"""SIGKILL import, advance, export, backup and restore many times; print what survived.

    .venv/bin/python scripts/killtest.py [--trials 60] [--seed 1] [--db sqlite|postgresql://…]

Each command runs in its own process, killed (SIGKILL, whole process group) after a seeded
random delay between 0 and 1.1 × its measured normal run; the checks are those of
tests/integration/kills.py. Prints a Markdown table for README and exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration import kills  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60, help="trials per command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="sqlite",
                        help="sqlite (a new temporary file) or a PostgreSQL URL (a new schema)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="killtest-"))
    schema = None
    if args.db == "sqlite":
        bench = kills.sqlite_bench(work)
        label = "SQLite"
    else:
        from crm.db import normalize_url
        from tests.conftest import _drop_pg_schema, _pg_schema_url

        base = normalize_url(args.db)
        url, schema = _pg_schema_url(base)
        bench = kills.Bench(work, url, False)
        label = "PostgreSQL"
    import os

    os.environ["CRM_DATA_DIR"] = str(work / "data")
    os.environ["CRM_CONFIG_DIR"] = str(work / "config")
    start = time.monotonic()
    try:
        tally, took = kills.campaign(bench, args.trials, args.seed,
                                     log=lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        if schema is not None:
            _drop_pg_schema(base, schema)
        kills.cleanup(work)
    print(f"{label}: {sum(tally.trials.values())} trials in {time.monotonic() - start:.0f} s, "
          f"seed {args.seed}")
    print("| database | command killed | trials | killed while running | what was left |")
    print("| --- | --- | ---: | ---: | --- |")
    for line in kills.table(tally, took, label):
        print(line)
    for failure in tally.failures:
        print("FAILED", failure)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
