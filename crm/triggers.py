"""The triggers that keep copies current (sort keys, 重复企业's pairs …): each module writes
its own statements for each engine; this runs the ones of the engine at hand."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def create(conn: Any, sqlite: Iterable[str], postgresql: Iterable[str]) -> None:
    """Run ``sqlite``'s statements on SQLite, ``postgresql``'s elsewhere."""
    for sql in sqlite if conn.dialect.name == "sqlite" else postgresql:
        conn.exec_driver_sql(sql)
