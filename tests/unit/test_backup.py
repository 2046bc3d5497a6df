"""``crm backup`` and ``crm restore`` on SQLite: what the user is told, and what the data is."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from crm import presence
from crm.cli import main
from crm.db import SCHEMA_HEAD, Database, alembic_config
from crm.errors import PermissionDenied
from crm.restore import restore
from crm.services import projects, users
from crm.services.common import SYSTEM

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def file_of(db: Database) -> Path:
    return Path(str(make_url(db.url).database))


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def dropped_count(db: Database) -> int:
    return len(db.read(projects.list_projects, projects.ProjectQuery(stages=("dropped",))))


def drop_one(db: Database) -> None:
    lead = db.read(projects.list_projects, projects.ProjectQuery(stages=("lead",)))[0]
    assert main(["--db", db.url, "advance", str(lead.id), "--to", "dropped", "--date",
                 "2025-07-01", "--reason", "测试"]) == 0


# --- backup --------------------------------------------------------------------------------
def test_backup_onto_the_live_database_with_a_window_open_loses_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reported fault: with a window open, ``backup y.db`` onto y.db said 已备份 and the
    window's later changes were lost (or the file malformed). Now it is refused, always."""
    path = tmp_path / "y.db"
    Database(str(path)).dispose()

    def window_connection() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn
    a = window_connection()  # opened before the backup
    a.execute("CREATE TABLE t(x)")
    a.execute("INSERT INTO t VALUES ('before')")
    said = [run(capsys, "--db", str(path), "backup", str(path))]
    for target in (str(path), f"{path}-wal", f"{path}-shm", str(tmp_path / "." / "y.db")):
        said.append(run(capsys, "--db", str(path), "backup", target, "--force"))
    b = window_connection()  # opened after it (another page, another process)
    for i in range(200):
        (a if i % 2 else b).execute("INSERT INTO t VALUES (?)", ("x" * 500 + str(i),))
    a.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for i in range(200):
        b.execute("INSERT INTO t VALUES (?)", ("y" * 500 + str(i),))
    a.close()
    b.close()
    assert integrity(path) == "ok"
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 401
    conn.close()
    for code, out, err in said:
        assert (code, out) == (2, "")
        assert err.startswith("错误：不能备份到正在使用的数据库文件本身") and err.count("\n") == 1


def test_backup_never_replaces_a_file_without_force(demo_db: Database, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "备份.db"
    target.write_bytes(b"an earlier backup")
    code, out, err = run(capsys, "--db", demo_db.url, "backup", str(target))
    assert (code, out) == (2, "")
    assert err == f"错误：文件 {target} 已存在；要覆盖它请加 --force\n"
    assert target.read_bytes() == b"an earlier backup"
    code, out, err = run(capsys, "--db", demo_db.url, "backup", str(target), "--force")
    assert code == 0, err
    assert out.startswith(f"已备份到 {target}") and "已检查完整" in out
    assert integrity(target) == "ok"
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left behind
    copy = Database(str(target))
    try:
        assert copy.read(projects.count_projects) == demo_db.read(projects.count_projects)
    finally:
        copy.dispose()


def test_a_copy_that_does_not_check_out_is_not_kept(demo_db: Database, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is checked before it takes the target's name: a damaged one never does."""
    import crm.backup as backup_module

    def torn_copy(source: Path, dest: Path) -> None:
        dest.write_bytes(source.read_bytes()[:40_000])  # half a database
    monkeypatch.setattr(backup_module, "snapshot_sqlite", torn_copy)
    target = tmp_path / "copy.db"
    target.write_bytes(b"previous")
    code, out, err = run(capsys, "--db", demo_db.url, "backup", str(target), "--force")
    assert (code, out) == (2, "")
    assert err.startswith("错误：") and err.count("\n") == 1 and "Traceback" not in err
    assert target.read_bytes() == b"previous"
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]


# --- restore ---------------------------------------------------------------------------------
def test_restore_puts_the_backup_back_and_keeps_a_safety_copy(
        demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / "周五.db"
    assert run(capsys, "--db", demo_db.url, "backup", str(backup))[0] == 0
    before = dropped_count(demo_db)
    drop_one(demo_db)
    capsys.readouterr()
    assert dropped_count(demo_db) == before + 1
    window = demo_db.engine.connect()  # this window stays open, on the same file
    window.exec_driver_sql("SELECT count(*) FROM projects").all()
    window.commit()
    code, out, err = run(capsys, "--db", demo_db.url, "restore", str(backup))
    assert code == 0, err
    live = file_of(demo_db)
    safety = [p for p in tmp_path.iterdir() if ".恢复前-" in p.name]
    assert len(safety) == 1 and safety[0].name.startswith("demo.db.恢复前-")
    assert out.splitlines() == [f"原数据库已另存为 {safety[0]}", f"已从 {backup} 恢复"]
    # the open window reads the restored data on its own connection, and keeps writing to it
    assert dropped_count(demo_db) == before
    window.close()
    drop_one(demo_db)
    demo_db.dispose()
    assert integrity(live) == "ok"
    again = Database(str(live))
    try:
        assert dropped_count(again) == before + 1
    finally:
        again.dispose()
    kept = Database(str(safety[0]))
    try:
        assert dropped_count(kept) == before + 1  # the state just before the restore
    finally:
        kept.dispose()


def test_restore_refuses_a_bad_file_and_changes_nothing(
        demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    count = demo_db.read(projects.count_projects)
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE something(x)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.db"
    assert run(capsys, "--db", demo_db.url, "backup", str(newer))[0] == 0
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    capsys.readouterr()
    for path, says in ((tmp_path / "missing.db", "找不到备份文件"),
                       (text, "不是有效的 SQLite 数据库文件"),
                       (other, "不是招商 CRM 数据库"),
                       (newer, "由更新版本的招商 CRM 创建（结构版本 0099）"),
                       (file_of(demo_db), "不能用正在使用的数据库文件本身来恢复")):
        code, out, err = run(capsys, "--db", demo_db.url, "restore", str(path))
        assert (code, out) == (2, ""), path
        assert says in err and err.count("\n") == 1, err
    assert demo_db.read(projects.count_projects) == count
    assert not [p for p in tmp_path.iterdir() if ".恢复前-" in p.name or p.suffix == ".part"]


def test_restore_upgrades_an_older_backup(sqlite_db: Database, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    old = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{old}")
    command.upgrade(alembic_config(engine), "0008")
    engine.dispose()
    code, out, err = run(capsys, "--db", sqlite_db.url, "restore", str(old))
    assert code == 0, err
    assert "已从结构版本 0008 升级" in out
    assert sqlite_db.schema_state() == (SCHEMA_HEAD, SCHEMA_HEAD)
    conn = sqlite3.connect(old)  # the backup itself is never changed
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0008"
    conn.close()


def test_only_an_admin_restores(demo_db: Database, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    assert main(["--db", demo_db.url, "backup", str(backup)]) == 0
    for login in ("lixm", "zhoujm"):  # staff, manager
        who = demo_db.read(users.find_user, login)
        assert who is not None
        with pytest.raises(PermissionDenied, match="只有管理员可以恢复数据库"):
            restore(demo_db, backup, who.actor())
    assert not [p for p in tmp_path.iterdir() if ".恢复前-" in p.name]


def _open_elsewhere(path: Path) -> subprocess.Popen[str]:
    """Another process with the database open (as a window registers itself)."""
    code = ("import sys, time\nfrom crm.db import Database\nfrom crm import presence\n"
            f"db = Database({str(path)!r})\nmark = presence.register(db, 'window', '王芳')\n"
            "print('ready', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_restore_names_who_else_has_the_database_open(
        demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / "b.db"
    assert run(capsys, "--db", demo_db.url, "backup", str(backup))[0] == 0
    live = file_of(demo_db)
    other = _open_elsewhere(live)
    try:
        drop_one(demo_db)
        capsys.readouterr()
        code, out, err = run(capsys, "--db", demo_db.url, "restore", str(backup))
        assert (code, out) == (2, "")
        today = dt.datetime.now().strftime("%Y-%m-%d")
        assert err.startswith(f"错误：数据库正被其他程序打开：王芳（窗口，计算机 {presence.host_name()}，"
                              f"进程 {other.pid}，{today} ")
        assert "--yes" in err and err.count("\n") == 1
        assert not [p for p in tmp_path.iterdir() if ".恢复前-" in p.name]
        code, out, err = run(capsys, "--db", demo_db.url, "restore", str(backup), "--yes")
        assert code == 0, err
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()
    # a killed window's mark is no one's: it is cleared, not reported
    assert presence.others(demo_db) == []
    assert not list(tmp_path.glob(".demo.db.open.*"))
    assert run(capsys, "--db", demo_db.url, "restore", str(backup))[0] == 0


def test_presence_marks_come_and_go_with_the_process(demo_db: Database) -> None:
    mine = presence.register(demo_db, "window", "周建明")
    assert mine is not None
    try:
        assert presence.others(demo_db, exclude=mine) == []
        seen = presence.others(demo_db)  # as another process sees this one
        assert [(s.who, s.pid, s.program) for s in seen] == [("周建明", os.getpid(), "window")]
    finally:
        mine.close()
    assert presence.others(demo_db) == []


def test_a_failed_export_keeps_the_previous_report(demo_db: Database, tmp_path: Path) -> None:
    """The reported fault: a killed or failed export destroyed the good report under its name."""
    import openpyxl

    from crm.excel.reports import export_report
    from crm.excel.rows import OperationCancelled
    from crm.services.metrics import Period

    out = tmp_path / "签约与开工.xlsx"
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    export_report(demo_db, "start-rate", out, period, dt.date(2025, 12, 31))
    good = out.read_bytes()
    with pytest.raises(OperationCancelled):
        export_report(demo_db, "start-rate", out, period, dt.date(2025, 12, 31),
                      cancelled=lambda: True)
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".part")) \
        == ["签约与开工.xlsx"]
    openpyxl.load_workbook(out, read_only=True).close()


def test_settings_and_saved_files_replace_the_old_one_whole(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from crm import files
    from crm.local import read_local_settings, settings_file, write_local_settings

    write_local_settings({"database_url": "a.db"})
    before = settings_file().read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match=r"无法写入文件.*磁盘空间不足"):
        write_local_settings({"database_url": "b.db"})
    assert settings_file().read_bytes() == before
    assert read_local_settings()["database_url"] == "a.db"
    assert [p.name for p in settings_file().parent.iterdir()] == ["settings.json"]
    assert SYSTEM.is_admin
