"""SIGKILL import, advance, export, backup and restore at random moments (a few seeded trials;
``scripts/killtest.py`` runs hundreds). What is left must be whole: see ``kills.py``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _PG, _drop_pg_schema, _pg_schema_url
from tests.integration import kills

# Bounded for every test run (about 45 s for both databases on this 2-core machine): the
# kill lands between 0.8 s (the commands' start-up takes ~1 s here) and 2.4 s, while the
# command works. scripts/killtest.py draws from each command's whole measured run instead.
SQLITE_TRIALS, PG_TRIALS = 1, 1  # per command
WINDOW = (0.8, 2.4)


def _assert_survived(tally: kills.Tally, per_op: int) -> None:
    assert tally.failures == []
    assert sum(tally.trials.values()) == per_op * len(kills.OPS)


def test_sqlite_survives_kills(tmp_path: Path) -> None:
    bench = kills.sqlite_bench(tmp_path / "kills")
    tally, _took = kills.campaign(bench, SQLITE_TRIALS, seed=20261129, window=WINDOW)
    _assert_survived(tally, SQLITE_TRIALS)


@pytest.fixture
def pg_bench(tmp_path: Path) -> Iterator[kills.Bench]:
    if _PG is None:
        pytest.skip("PostgreSQL server not available (set CRM_TEST_PG_URL)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore not installed")
    url, schema = _pg_schema_url(_PG)
    work = tmp_path / "kills"
    work.mkdir()
    yield kills.Bench(work, url, False)
    _drop_pg_schema(_PG, schema)


@pytest.mark.pg
def test_postgresql_survives_kills(pg_bench: kills.Bench) -> None:
    tally, _took = kills.campaign(pg_bench, PG_TRIALS, seed=20261130, window=WINDOW)
    _assert_survived(tally, PG_TRIALS)
