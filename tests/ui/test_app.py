"""The application shell: build(), every page, sign-in, errors, window state, main.py."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView, QToolButton

from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.local import read_local_settings
from crm.services import users
from ui import errors
from ui.app import PAGES, build, sign_in
from ui.context import AppContext
from ui.login import FirstRunDialog, LoginDialog
from ui.mainwindow import MainWindow
from ui.widgets.panel import Placeholder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, demo_db: Database, wait_idle: Callable[[AppContext], None]) -> Iterator[MainWindow]:
    win = build(demo_db.url, login="zhoujm", password="demo1234")
    qtbot.addWidget(win)
    win.show()
    wait_idle(win.ctx)
    yield win


def test_registry_names_every_page_of_the_issue() -> None:
    # the pages of the first issue, in their order, with the later ones (冲刺, 考核 …) among them
    first = [("dashboard", "工作台"), ("projects", "项目"), ("companies", "企业"),
             ("contacts", "接洽记录"), ("events", "签约与活动"), ("carriers", "载体"),
             ("reports", "报表"), ("settings", "设置")]
    pages = [(p.key, p.label) for p in PAGES]
    assert [p for p in pages if p in first] == first
    assert ("scorecard", "考核") in pages


@pytest.mark.parametrize("spec", PAGES, ids=[p.key for p in PAGES])
def test_every_page_opens_on_demo_data(window: MainWindow, qtbot, wait_idle, spec) -> None:
    module = spec.target.partition(":")[0]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not part of this build yet")
    button = window.findChild(QToolButton, f"nav-{spec.key}")
    # the label; 提醒 followed by its count ("提醒  13")
    assert button is not None and button.text().split("  ")[0] == spec.label
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    page = window.stack.currentWidget()
    assert window.current_key == spec.key
    assert not isinstance(page, Placeholder), getattr(page, "text", "")
    wait_idle(window.ctx)
    assert not errors.recent or all("意外" not in m for m in errors.recent)


def test_status_bar_shows_database_and_user(window: MainWindow, demo_db: Database) -> None:
    assert demo_db.describe() in window.db_label.text()
    assert "周建明" in window.user_label.text() and "管理者" in window.user_label.text()
    assert "青山区招商局" in window.windowTitle()


def test_window_remembers_page_and_geometry(qtbot, demo_db: Database, wait_idle) -> None:
    win = build(demo_db.url, login="zhoujm", password="demo1234")
    qtbot.addWidget(win)
    win.resize(700, 520)
    win.show_page("settings")
    wait_idle(win.ctx)
    win.close()
    assert read_local_settings()["window"]["page"] == "settings"
    again = build(demo_db.url, login="zhoujm", password="demo1234")
    qtbot.addWidget(again)
    assert again.current_key == "settings"
    assert (again.width(), again.height()) == (700, 520)
    wait_idle(again.ctx)


def test_wrong_password_is_refused_with_the_message(demo_db: Database) -> None:
    with pytest.raises(PermissionDenied, match="登录名或密码错误"):
        build(demo_db.url, login="zhoujm", password="wrong")


def test_login_dialog_shows_failure_beside_the_fields(qtbot, demo_db: Database) -> None:
    dialog = LoginDialog(demo_db, "zhoujm")
    qtbot.addWidget(dialog)
    dialog.password.setText("nope")
    dialog.submit()
    assert dialog.message.isVisibleTo(dialog) and dialog.message.text() == "登录名或密码错误"
    assert dialog.user is None and dialog.password.text() == ""
    dialog.password.setText("demo1234")
    dialog.submit()
    assert dialog.user is not None and dialog.user.login == "zhoujm"


def test_first_run_creates_the_administrator(qtbot, sqlite_db: Database) -> None:
    dialog = FirstRunDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.name.setText("王局")
    dialog.password.setText("secret1")
    dialog.repeat.setText("secret2")
    dialog.submit()
    assert dialog.message.text() == "两次输入的密码不一致"
    dialog.repeat.setText("secret1")
    dialog.submit()
    assert dialog.user is not None and dialog.user.role == "admin"
    assert sqlite_db.read(users.authenticate, "admin", "secret1").display_name == "王局"


def test_headless_sign_in_without_credentials_does_not_block(sqlite_db: Database) -> None:
    with pytest.raises(PermissionDenied):
        sign_in(sqlite_db, None, None)


def test_core_errors_are_shown_once_as_their_message(window: MainWindow, wait_idle) -> None:
    errors.recent.clear()

    def refuse(uow):  # a service refusing something
        raise ValidationError("项目名称不能为空", field="name")
    window.ctx.write(refuse)
    wait_idle(window.ctx)
    assert list(errors.recent) == ["项目名称不能为空"]


def test_unexpected_errors_are_logged_and_the_app_keeps_running(window: MainWindow, wait_idle,
                                                                 caplog) -> None:
    errors.recent.clear()

    def broken(uow):
        raise RuntimeError("boom")
    window.ctx.read(broken, done=lambda _r: None)
    wait_idle(window.ctx)
    assert "意外错误" in errors.recent[-1] and "crm.log" in errors.recent[-1]
    assert any("boom" in (r.exc_text or str(r.exc_info)) for r in caplog.records if r.exc_info)
    window.show_page("settings")  # still usable
    wait_idle(window.ctx)


def test_shortcut_actions_tolerate_missing_parts(window: MainWindow) -> None:
    window.focus_search()  # the dashboard has no search: nothing happens
    names = {a.objectName() for a in window.actions()}
    assert {"action-new-project", "action-search", "action-log-contact", "action-export"} <= names


def _main(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=ROOT)


def test_main_refuses_a_bad_database_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    result = _main("--db", str(bad), env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "数据库" in result.stderr.strip().splitlines()[-1]


def test_main_demo_screenshot(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shot = tmp_path / "dashboard.png"
    result = _main("--demo", "--page", "dashboard", "--screenshot", str(shot), env=env)
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 10_000


def test_shortcuts_reach_the_dialogs_and_pages(window: MainWindow, qtbot, wait_idle) -> None:
    if importlib.util.find_spec("ui.dialogs.project_dialog") is None:
        pytest.skip("project dialog not part of this build yet")
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDialog

    before = set(window.findChildren(QDialog))
    for name in ("action-new-project", "action-log-contact"):
        window.findChild(QAction, name).trigger()
        wait_idle(window.ctx)
    opened = [d for d in window.findChildren(QDialog) if d not in before and d.isVisible()]
    assert len(opened) == 2
    for dialog in opened:
        dialog.reject()
    window.show_page("projects")
    window.findChild(QAction, "action-search").trigger()
    wait_idle(window.ctx)


def test_double_click_on_the_dashboard_opens_the_project(window: MainWindow, wait_idle) -> None:
    if importlib.util.find_spec("ui.pages.projects") is None:
        pytest.skip("projects page not part of this build yet")
    dashboard = window.page("dashboard")
    row = dashboard.pending_model.row_at(0)
    dashboard.project_requested.emit(row.project_id)
    wait_idle(window.ctx)
    assert window.current_key == "projects"
    current = getattr(window.current_page(), "current_project_id", None)
    if callable(current):
        assert current() == row.project_id


@pytest.mark.pg
def test_the_window_works_on_postgresql(qtbot, pg_db: Database, wait_idle) -> None:
    from crm.services.common import SYSTEM
    pg_db.run(users.create_user, SYSTEM, "boss", "admin", display_name="局长", password="secret12")
    win = build(pg_db.url, login="boss", password="secret12")
    qtbot.addWidget(win)
    win.show()
    wait_idle(win.ctx)
    dashboard = win.page("dashboard")
    assert dashboard.banner.isVisibleTo(win) and "还没有项目" in dashboard.banner.text()
    win.show_page("settings")
    wait_idle(win.ctx)
    assert "postgresql" in win.db_label.text() and "局长" in win.user_label.text()


def test_a_newer_database_is_refused(sqlite_db: Database) -> None:
    from sqlalchemy import text

    from crm.errors import SchemaError
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    with pytest.raises(SchemaError, match="更新版本"):
        build(sqlite_db.url, login="x", password="y")


def test_uncaught_exceptions_from_threads_are_shown_not_fatal(qtbot) -> None:
    import threading
    old_sys, old_thread = sys.excepthook, threading.excepthook
    errors.recent.clear()
    try:
        errors.install_excepthooks()

        def fail() -> None:
            raise RuntimeError("worker broke")
        worker = threading.Thread(target=fail)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(errors.recent), timeout=2000)
        assert "意外错误" in errors.recent[-1]
    finally:
        sys.excepthook, threading.excepthook = old_sys, old_thread


def test_the_window_starts_without_loading_pinyin_or_migrations(tmp_path: Path) -> None:
    """pypinyin's dictionaries and Alembic took about a second of the app's start on a slow
    machine; loading the window's modules and opening a current database needs neither (names
    get their keys when one is saved)."""
    code = ("import sys; from ui import app; from crm.db import Database; "
            "Database(sys.argv[1]).dispose(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pypinyin', 'alembic'}))")
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    Database(url).dispose()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_the_background_load_waits_for_the_page_s_first_reads(
        qtbot, demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """pypinyin loads once the shown page's first reads are done and their results shown:
    beside them it held the window's thread for 110–180 ms (three threads wanting the
    interpreter)."""
    import ui.app

    started: list[tuple[list[bool], int]] = []
    win = build(demo_db.url, login="zhoujm", password="demo1234", page="projects")
    qtbot.addWidget(win)
    runner = win.ctx.runner
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)

    def warm_up(_task: object, _db: object = None) -> None:
        started.append((list(busy), len(runner._pending)))

    monkeypatch.setattr(ui.app, "_warm_up", warm_up)
    ui.app.show(win)
    assert not runner.idle()  # the page's count and first screen are being read
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)
    # the pool went idle (the reads came back), then took the load alone
    (before, pending), = started
    assert before[-2:] == [False, True] and pending == 1
    model = win.findChild(QTableView).model()  # the page's rows arrived before
    assert model.rowCount() > 0


def test_a_window_closed_before_the_background_load_starts_none(
        qtbot, demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.app

    started: list[object] = []
    monkeypatch.setattr(ui.app, "_warm_up", lambda task, db=None: started.append(db))
    win = build(demo_db.url, login="zhoujm", password="demo1234", page="projects")
    qtbot.addWidget(win)
    ui.app.show(win)
    qtbot.waitUntil(win.ctx.runner.idle, timeout=10_000)  # the first reads are back
    win.close()
    qtbot.wait(ui.app.WARM_UP_AFTER_MS + 200)
    assert started == []
