"""考核's reads at a province's size take the indexes made for them (migrations 0024, 0025):

- SQLite, given the statistics of a million projects with 引荐人 and 固投 receipts (a copy of
  the benchmark's database where 2% of the projects have a 引荐人 and the receipts an origin
  and a kind), reads the reward table's count and total without a project's row (the 固投 of
  projects with an introducer from reward_receipts' index alone), and
  当年实际到位资金 by origin and kind already grouped;
- PostgreSQL uses the partial indexes in a prepared statement's generic plan, which it can
  only where the predicates' constants are written into the statement."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from crm.db import Database
from crm.models import Funding, Project
from crm.services import assessment, reward_list, rewards
from crm.services.metrics import Filters, Period
from tests.unit import builders
from tests.unit.test_plans_at_scale import MILLION

YEAR, AS_OF = 2025, dt.date(2025, 12, 31)

# sqlite_stat1 of that copy for the indexes 0024 adds or changes and the receipts' others
MILLION_0024 = (
    ("projects", "ix_projects_referrer_live", "20000 10000 9 1 1 1"),
    ("projects", "ix_projects_introduced", "337146 1 1 1 1 1 1"),
    ("fundings", "ix_fundings_fixed_assets", "150637 56 1 1"),
    ("fundings", "ix_fundings_origin_kind", "250728 41788 10447 6 1 1 1"),
    ("fundings", "ix_fundings_project_amounts", "250728 1 1 1"),
    ("fundings", "ix_fundings_project_id", "250728 1"),
    ("fundings", "ix_fundings_received", "250728 92 1 1 1 1 1"),
)

# and for reward_receipts (migration 0025), of the same copy
MILLION_0025 = (
    ("reward_receipts", "ix_reward_receipts_received", "48669 19 1 1 1 1 1 1"),
    ("reward_receipts", "ix_reward_receipts_project_id", "48669 1"),
)


def _million(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl IN ('projects', 'fundings', "
                             "'reward_receipts')")
        for table, index, stat in (*(("projects", i, s) for i, s in MILLION), *MILLION_0024,
                                   *MILLION_0025):
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (table, index, stat))
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # the planner reads them again


def _sqlite_plan(db: Database, stmt: Any) -> list[str]:
    """SQLite's plan of ``stmt`` as the service runs it (its parameters bound)."""
    with db.engine.connect() as conn:
        def explain(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any,
                    _many: bool) -> tuple[str, Any]:
            return "EXPLAIN QUERY PLAN " + statement, parameters

        event.listen(conn, "before_cursor_execute", explain, retval=True)
        return [str(row[-1]) for row in conn.execute(stmt)]


def test_the_reward_tables_count_reads_no_projects_row_at_a_million(sqlite_db: Database
                                                                       ) -> None:
    """The count and total: the year's signings counted from the signing index and
    ix_projects_referrer_live, the projects with 固投 and an introducer the year's range of
    ix_reward_receipts_received (a project's row each, 27,000 at a million, took 0.5 s in
    every part of the statement; matching them against ix_projects_introduced, 42 ms)."""
    _million(sqlite_db)
    plan = _sqlite_plan(sqlite_db, reward_list._summary_statement(YEAR, AS_OF, None, None))
    text = "\n".join(plan)
    assert "SEARCH projects USING COVERING INDEX ix_projects_referrer_live" in text, text
    assert ("SEARCH reward_receipts USING COVERING INDEX ix_reward_receipts_received "
            "(received_on>? AND received_on<?)") in text, text
    assert not any(line.startswith("SEARCH projects USING INTEGER PRIMARY KEY")
                   or line.startswith("SCAN projects") or "fundings" in line
                   or "ix_projects_introduced" in line for line in plan), text


def test_the_bureaus_receipts_by_origin_and_kind_come_grouped_at_a_million(
        sqlite_db: Database) -> None:
    """当年实际到位资金 by origin and kind: each origin and kind a range of
    ix_fundings_origin_kind, in the grouping's order, where SQLite sorted the year's 45,000
    receipts (50 ms at a million)."""
    _million(sqlite_db)
    seen: list[Any] = []

    def keep(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(sqlite_db.engine, "before_cursor_execute", keep)
    with sqlite_db.uow() as uow:
        assessment.funds_received(uow, Period(dt.date(YEAR, 1, 1), AS_OF), AS_OF, Filters(),
                                  count_projects=False)
    event.remove(sqlite_db.engine, "before_cursor_execute", keep)
    (sql,) = [s for s in seen if "GROUP BY fundings.origin" in s]
    with sqlite_db.engine.connect() as conn:
        plan = [str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql, ("境外", 0, "2025-01-01", "2025-12-31"))]
    text = "\n".join(plan)
    assert "SEARCH fundings USING COVERING INDEX ix_fundings_origin_kind" in text, text
    assert "TEMP B-TREE" not in text, text


def test_a_prepared_reward_count_uses_the_partial_indexes_on_postgresql(pg_db: Database
                                                                         ) -> None:
    """A statement prepared by the driver is planned once for any parameters (a generic plan):
    a predicate ``referrer <> $1`` would not prove a partial index's, and the count would read
    every signing of the year (as the summary's statement is written, '' is a constant in
    it); the 固投 of the projects with an introducer come from reward_receipts."""
    w = builders.world(pg_db)
    with pg_db.uow() as uow:  # a few hundred signings, one in fifty with a 引荐人
        for i in range(600):
            signed = dt.date(2024, 1, 1) + dt.timedelta(days=i)
            p = Project(name=f"项目{i}", company_id=w.company, owner_id=w.staff.user_id,
                        stage="signed", signed_on=signed, lead_on=dt.date(2023, 1, 1),
                        sort_key=f"xm{i:03}", referrer="商会" if i % 50 == 7 else "")
            uow.session.add(p)
            uow.session.flush()
            uow.session.add(Funding(project_id=p.id, amount=Decimal(10), received_on=signed,
                                    kind=(rewards.FIXED_ASSETS, "流动资金")[i % 2], evidence=""))
        uow.commit()
    with pg_db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE projects")
        conn.exec_driver_sql("ANALYZE fundings")
    stmt = reward_list._summary_statement(YEAR, AS_OF, None, None)
    compiled = stmt.compile(pg_db.engine)
    names: list[str] = []

    def number(m: re.Match[str]) -> str:
        names.append(m.group(1))
        return f"${len(names)}"

    sql = re.sub(r"%\((\w+)\)s", number, str(compiled))
    assert "''" in sql
    values = [compiled.params[n] for n in names]
    types = ", ".join(compiled.binds[n].type.compile(dialect=pg_db.engine.dialect)
                      for n in names)
    with pg_db.engine.connect() as conn:
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE reward_count ({types}) AS " + sql.replace("%", "%%"))
        try:
            args = ", ".join("NULL" if v is None else f"'{v}'" for v in values)
            plan = "\n".join(str(r[0]) for r in conn.exec_driver_sql(
                f"EXPLAIN EXECUTE reward_count({args})"))
        finally:
            conn.exec_driver_sql("DEALLOCATE reward_count")
            conn.rollback()
    assert "$1" in plan or "$2" in plan, plan  # the generic plan
    assert "ix_projects_referrer_live" in plan, plan
    assert "reward_receipts" in plan and "fundings" not in plan, plan
