"""设置 → 数据库: 备份… and 恢复… as the admin sees them, with another window open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crm.db import Database
from crm.services import pipeline, projects, users
from crm.services.common import SYSTEM
from ui import errors
from ui.context import AppContext
from ui.pages.settings import SettingsPage


def _context(db: Database, login: str) -> AppContext:
    user = db.read(users.find_user, login)
    assert user is not None
    return AppContext(db, user.actor())


def _dropped(db: Database) -> int:
    return len(db.read(projects.list_projects, projects.ProjectQuery(stages=("dropped",))))


def test_admin_backs_up_and_restores_naming_the_other_window(
        qtbot, demo_db: Database, tmp_path: Path, wait_idle,
        monkeypatch: pytest.MonkeyPatch) -> None:
    admin = _context(demo_db, "admin")
    other = _context(Database(demo_db.url), "zhoujm")  # 周建明's window, its own connections
    asked: list[str] = []

    def confirm(text: str, parent: object = None) -> bool:
        asked.append(text)
        return True
    monkeypatch.setattr(errors, "confirm", confirm)
    try:
        page = SettingsPage(admin)
        qtbot.addWidget(page)
        wait_idle(admin)
        backup = tmp_path / "周五备份.db"
        page.backup_to(str(backup))
        wait_idle(admin)
        assert page.db_status.text() == f"已备份到 {backup}"
        before = _dropped(demo_db)
        lead = demo_db.read(projects.list_projects, projects.ProjectQuery(stages=("lead",)))[0]
        demo_db.run(pipeline.advance, SYSTEM, lead.id, "dropped", dt.date(2025, 7, 1),
                    reason="测试")
        assert _dropped(other.db) == before + 1
        page.restore_from(str(backup))
        wait_idle(admin)
        assert len(asked) == 1
        assert "以下窗口或程序正打开着这个数据库" in asked[0] and "周建明（窗口，计算机" in asked[0]
        safety = [p for p in tmp_path.iterdir() if ".恢复前-" in p.name]
        assert len(safety) == 1
        assert page.db_status.text() == f"已恢复。原数据库已另存为 {safety[0]}"
        assert _dropped(demo_db) == before
        assert _dropped(other.db) == before  # the other window reads the restored data
        with qtbot.waitSignal(other.operation_did_execute, timeout=5000):  # and reloads by itself
            pass
    finally:
        other.stop()
        other.db.dispose()
        admin.stop()


def test_only_the_admin_sees_backup_and_restore(qtbot, ctx: AppContext, wait_idle) -> None:
    page = SettingsPage(ctx)  # the manager 周建明
    qtbot.addWidget(page)
    wait_idle(ctx)
    assert not hasattr(page, "restore_button") and not hasattr(page, "backup_button")
