"""An older database that holds data upgrades to this version with every row kept.

Batch migrations rebuild SQLite tables (copy, drop the old one, rename). With foreign keys on,
dropping a table that other rows point to fails, so a bureau's database full of projects would
refuse every upgrade that rebuilds such a table (0015 rebuilds ``carriers``), while an empty one
upgrades fine.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, event

from crm.db import SCHEMA_HEAD, Database, _sqlite_pragmas, alembic_config

STAMP = "'2025-01-01 00:00:00'"


def _database_at_0010_with_rows(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    command.upgrade(alembic_config(engine), "0010")
    with engine.begin() as conn:
        run = conn.exec_driver_sql
        run("INSERT INTO carriers (id, name, kind, park, total_area, available_area, note) "
            "VALUES (1, '科创大厦', '商务楼宇', '青山', 20000, 12000, '')")
        run("INSERT INTO companies (id, name, hq_city, note, sort_key, initials, version, "
            f"created_at, updated_at) VALUES (1, '上海际数科技有限公司', '上海', '', 's', 'sj', 1, "
            f"{STAMP}, {STAMP})")
        run("INSERT INTO projects (id, name, company_id, source, referrer, stage, carrier_id, "
            "is_key, note, drop_reason, sort_key, search_text, version, created_at, updated_at) "
            "VALUES (1, '空间智能数据服务', 1, 'self', '', 'lead', 1, 0, '', '', 'k', '', 1, "
            f"{STAMP}, {STAMP})")
        run("INSERT INTO contact_logs (id, logged_on, project_id, company_id, mode, participants, "
            "content, next_step, follow_up_done, created_at) VALUES (1, '2025-06-01', 1, 1, "
            f"'走访', '', '初次拜访', '', 0, {STAMP})")
    engine.dispose()
    return url


def test_a_database_holding_data_upgrades_with_every_row(tmp_path: Path) -> None:
    url = _database_at_0010_with_rows(tmp_path / "old.db")
    db = Database(url)
    try:
        assert db.schema_state() == (SCHEMA_HEAD, SCHEMA_HEAD)
        with db.engine.connect() as conn:
            run = conn.exec_driver_sql
            assert run("SELECT name, carrier_id FROM projects").all() == [("空间智能数据服务", 1)]
            assert run("SELECT name FROM carriers").all() == [("科创大厦",)]
            assert run("SELECT content FROM contact_logs").all() == [("初次拜访",)]
            assert run("PRAGMA foreign_key_check").all() == []
            # the pragma the migrations turned off is on again for the app's connections
            assert run("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
