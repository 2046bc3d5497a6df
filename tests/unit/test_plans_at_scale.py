"""Plans a province's database gets: SQLite's planner, given the statistics of a million
projects (as the benchmark's database has them: no project with a planned start, so that
partial index has none), still reads what it should from the index made for it."""

from __future__ import annotations

from crm.db import Database
from crm.services import forecast

# sqlite_stat1 of the benchmark's million projects (bench.py --projects 1000000)
MILLION = (
    ("ix_projects_started_next_live", "990029 363 20"),
    ("ix_projects_started_live", "990029 363 1"),
    ("ix_projects_stage_live", "990029 165005 1"),
    ("ix_projects_sort", "1000000 9 1"),
    ("ix_projects_signing_event_id", "1000000 13889"),
    ("ix_projects_segment_id", "1000000 1000000"),
    ("ix_projects_producing_live", "990029 350"),
    ("ix_projects_owner_key_live", "990029 99003 1"),
    ("ix_projects_owner_id", "1000000 100000"),
    ("ix_projects_negotiating_live", "990029 437 4"),
    ("ix_projects_local_company_id", "1000000 1000000"),
    ("ix_projects_live_sort", "1000000 500000 8 1"),
    ("ix_projects_lead_live", "990029 453 6"),
    ("ix_projects_investment_live", "990029 3 1"),
    ("ix_projects_industry_key_live", "990029 110004 1"),
    ("ix_projects_industry_id", "1000000 111112"),
    ("ix_projects_dropped_live", "990029 382 1"),
    ("ix_projects_company_live", "990029 3 1"),
    ("ix_projects_company_key_live", "990029 3 3 1"),
    ("ix_projects_company_id", "1000000 3"),
    ("ix_projects_carrier_id", "1000000 1000000"),
    ("ix_projects_ambassador_id", "1000000 76924"),
    ("ix_projects_signed_live", "1000000 500000 226 1 1 1 1 1 1 1 1 1 1 1"),
)


def test_the_planned_projects_come_from_their_own_index_at_a_million(sqlite_db: Database) -> None:
    """The forecast asks for the projects with a planned start; the signed index also holds
    the planned start (migration 0022), and asked "is not null" SQLite walked it whole for
    every live project (74 ms of the 工作台's read at a million)."""
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'projects'")
        for index, stat in MILLION:
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('projects', ?, ?)",
                                 (index, stat))
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # the planner reads them again
    sql = str(forecast._planned().compile(sqlite_db.engine,
                                          compile_kwargs={"literal_binds": True}))
    with sqlite_db.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_projects_planned_start_live" in plan, plan
