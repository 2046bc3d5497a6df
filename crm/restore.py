"""Putting a backup back (``crm restore``, 设置 → 数据库 → 恢复…).

SQLite, in this order, so that a kill at any moment leaves the old database or the restored
one, whole:

1. the backup is copied (read-only, never changed) into a temporary file beside the database
   and checked there: ``integrity_check``, a 招商 CRM database, not newer than this version;
   an older one is upgraded in that copy, before anything else is touched;
2. a dated safety copy of the current database is written beside it
   (``crm.db.恢复前-20261129-0412.db``, SQLite's backup API, renamed into place when complete);
3. the checked copy goes into the live database with SQLite's backup API, as one write
   transaction of the live file. That is the swap: SQLite commits it atomically through its
   own WAL, exactly like any other commit, so a kill before the commit leaves the old
   database, after it the restored one.

Why not rename the copy over ``crm.db``: a process that still has the old file open keeps
writing into it (its changes silently lost), and the old ``-wal`` beside the new file would
be replayed onto it — the very fault of a backup written onto the live file. Writing the pages
through SQLite leaves no stale ``-wal``/``-shm`` to replay, and every other connection simply
sees the restored data at its next read; the revision counter is moved past both databases'
so that every open window reloads.

PostgreSQL: the dump is checked (``pg_restore --list``, its schema version), a safety dump of
the current database goes to the data folder, then ``pg_restore --clean --if-exists
--single-transaction`` replaces everything in one transaction.

Restoring is the admin's, and refused while another process has the database open (named:
who, which computer and process, since when) unless the caller confirms (``force``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from crm import permissions, presence
from crm.backup import (
    SIDE_FILES,
    BackupError,
    copy_sqlite,
    pg_command,
    pg_dump_version,
    ro_uri,
    run_tool,
    same_file,
    snapshot_sqlite,
    sqlite_version,
)
from crm.db import SCHEMA_HEAD, Database
from crm.errors import CrmError, ValidationError
from crm.files import AtomicFile, temp_name
from crm.local import data_dir
from crm.services.common import Actor

SAFETY_LABEL = "恢复前"


class DatabaseInUse(CrmError):
    """Other processes have the database open; ``sessions`` says which."""

    code = "restore.in_use"

    def __init__(self, sessions: list[presence.OpenSession]):
        super().__init__(
            f"数据库正被其他程序打开：{presence.describe(sessions)}。请先关闭它们再恢复；"
            "确认要恢复请在命令行加 --yes（它们未保存的修改将丢失）", code=self.code)
        self.sessions = sessions


@dataclass(frozen=True)
class RestoreResult:
    safety_copy: Path | None  # None when there was no database to keep
    version: str  # the backup's schema version, before any upgrade
    upgraded: bool
    others: list[presence.OpenSession] = field(default_factory=list)  # open, confirmed


def known_version(version: str) -> bool:
    """Whether this version knows ``version`` (older or the same)."""
    if version == SCHEMA_HEAD:
        return True
    from crm.db import _scripts

    try:
        return _scripts().get_revision(version) is not None
    except Exception:
        return False


def _stamp(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M")


def safety_name(live: Path, now: dt.datetime | None = None) -> Path:
    """``crm.db.恢复前-20261129-0412.db`` (``-2``, ``-3`` … when that minute's exists)."""
    base = f"{live.name}.{SAFETY_LABEL}-{_stamp(now)}"
    path = live.with_name(base + live.suffix)
    n = 2
    while path.exists():
        path = live.with_name(f"{base}-{n}{live.suffix}")
        n += 1
    return path


def restore(db: Database, source: str | Path, actor: Actor, *, force: bool = False,
            me: presence.Registration | None = None,
            now: dt.datetime | None = None) -> RestoreResult:
    """Replace ``db``'s content with the backup ``source`` (see the module's docstring).

    Args:
        force: restore although other processes have the database open (the user confirmed).
        me: this process's own presence mark, not counted as another process.

    Raises:
        PermissionDenied: ``actor`` is not an admin.
        DatabaseInUse: another process has the database open and ``force`` is false.
        BackupError / ValidationError: the file is missing, damaged, foreign or newer.
    """
    with db.uow() as uow:
        permissions.require(uow, actor, "backup.restore")
    file = Path(source).expanduser()
    if str(source).strip() == "" or not file.is_file():
        raise ValidationError(f"找不到备份文件 {file}", code="restore.missing")
    others = presence.others(db, exclude=me)
    if others and not force:
        raise DatabaseInUse(others)
    if db.is_sqlite:
        return _restore_sqlite(db, file.resolve(), others, now)
    return _restore_pg(db, file.resolve(), others, now)


# --- SQLite ------------------------------------------------------------------------------------
def _remove(path: Path) -> None:
    for side in ("", *SIDE_FILES):
        with contextlib.suppress(OSError):
            Path(f"{path}{side}").unlink(missing_ok=True)


def _page_size(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA page_size").fetchone()[0])


def _revision(path: Path) -> int:
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(ro_uri(path), uri=True)
        try:
            return int(conn.execute("SELECT value FROM revision WHERE id = 1").fetchone()[0])
        finally:
            conn.close()
    return 0


def _prepare(staged: Path, live: Path, file: Path) -> tuple[str, bool]:
    """Check the staged copy of ``file``; upgrade an older one; match the live file's page size
    (a WAL database only takes pages of its own size); move its revision past the live one's."""
    version = sqlite_version(staged, file)
    if not known_version(version):
        raise BackupError(f"该备份由更新版本的招商 CRM 创建（结构版本 {version}），"
                          "请先升级本软件再恢复", code="restore.too_new")
    upgraded = version != SCHEMA_HEAD
    if upgraded:
        copy = Database(f"sqlite:///{staged}")  # migrates the copy, never the backup file
        copy.dispose()
    conn = sqlite3.connect(staged, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        if live.exists():
            live_conn = sqlite3.connect(ro_uri(live), uri=True)
            try:
                size = _page_size(live_conn)
            except sqlite3.DatabaseError:
                size = _page_size(conn)
            finally:
                live_conn.close()
            if size != _page_size(conn):
                conn.execute(f"PRAGMA page_size={size}")
                conn.execute("VACUUM")
        conn.execute("UPDATE revision SET value = max(value, ?) + 1 WHERE id = 1",
                     (_revision(live),))
    finally:
        conn.close()
    return version, upgraded


def _keep_safety_copy(live: Path, now: dt.datetime | None) -> Path | None:
    """The current database, beside it, before anything is replaced."""
    if not live.exists():
        return None
    target = safety_name(live, now)
    with AtomicFile(target) as out:
        try:
            snapshot_sqlite(live, out.temp)
        except sqlite3.DatabaseError:  # the current file is damaged: keep its bytes as they are
            shutil.copyfile(live, out.temp)
            wal = Path(f"{live}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{target}-wal"))
    return target


def _swap(staged: Path, live: Path) -> None:
    """The staged pages into the live file: one write transaction of the live database."""
    src = sqlite3.connect(staged)
    try:
        dest = sqlite3.connect(live, timeout=30, isolation_level=None)
        try:
            dest.execute("PRAGMA busy_timeout=30000")
            src.backup(dest)  # a WAL database stays WAL: SQLite marks the copied header so
            dest.execute("PRAGMA journal_mode=WAL")
            dest.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            dest.close()
    finally:
        src.close()


def _restore_sqlite(db: Database, file: Path, others: list[presence.OpenSession],
                    now: dt.datetime | None) -> RestoreResult:
    live = presence.sqlite_path(db)
    if live is None:
        raise ValidationError("只能恢复到数据库文件", code="restore.target")
    live = live.resolve()
    if any(same_file(file, Path(f"{live}{side}")) for side in ("", *SIDE_FILES)):
        raise ValidationError("不能用正在使用的数据库文件本身来恢复", code="restore.live")
    live.parent.mkdir(parents=True, exist_ok=True)
    db.engine.dispose()  # this process's own pooled connections: nothing of theirs is pending
    staged = temp_name(live)
    try:
        copy_sqlite(file, staged)
        version, upgraded = _prepare(staged, live, file)
        safety = _keep_safety_copy(live, now)
        try:
            if not live.exists():
                live.touch()
            _swap(staged, live)
        except sqlite3.Error as exc:
            raise BackupError(f"恢复失败，数据库保持原样：{exc}", code="restore.swap") from exc
    finally:
        _remove(staged)
    return RestoreResult(safety, version, upgraded, others)


# --- PostgreSQL ----------------------------------------------------------------------------------
def _restore_pg(db: Database, file: Path, others: list[presence.OpenSession],
                now: dt.datetime | None) -> RestoreResult:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    version = pg_dump_version(file)
    if not known_version(version):
        raise BackupError(f"该备份由更新版本的招商 CRM 创建（结构版本 {version}），"
                          "请先升级本软件再恢复", code="restore.too_new")
    old_revision = 0
    with contextlib.suppress(Exception):
        old_revision = db.revision()
    name = make_url(db.url).database or "crm"
    schema = presence.pg_schema(db.url)
    safety_dir = data_dir()
    safety = safety_dir / f"{name}{'.' + schema if schema else ''}.{SAFETY_LABEL}-{_stamp(now)}.dump"
    n = 2
    while safety.exists():
        safety = safety.with_name(f"{safety.stem}-{n}.dump")
        n += 1
    dump_cmd, env = pg_command(db, "pg_dump")
    with AtomicFile(safety) as out:
        run_tool([*dump_cmd, "--format=custom", f"--file={out.temp}"], env,
                 "保存当前数据库（pg_dump）")
    restore_cmd, env = pg_command(db, "pg_restore")
    db.engine.dispose()
    run_tool([*restore_cmd, "--clean", "--if-exists", "--single-transaction", "--no-owner",
              "--exit-on-error", str(file)], env, "恢复（pg_restore）")
    upgraded = version != SCHEMA_HEAD
    if upgraded:
        db.upgrade()
    with db.engine.begin() as conn:  # every open window sees a new revision and reloads
        conn.execute(text("UPDATE revision SET value = greatest(value, :old) + 1 WHERE id = 1"),
                     {"old": old_revision})
    return RestoreResult(safety, version, upgraded, others)
