"""Consistent, checked copies of the database while it is in use (``crm backup``).

SQLite: the online backup API copies a consistent snapshot (the WAL's committed changes
included) into a temporary file beside the target, which is then checked (``integrity_check``,
schema version) and only then renamed over the target (:mod:`crm.files`). The live database,
its ``-wal`` and ``-shm`` are never a target: replacing the file under a window that has it
open cost that window every change it made afterwards.

PostgreSQL: ``pg_dump --format=custom`` into the temporary file, checked with ``pg_restore
--list`` (and the schema version read back from the dump), then renamed.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from crm.db import SCHEMA_HEAD, Database
from crm.errors import CrmError, ValidationError
from crm.files import AtomicFile, write_error
from crm.presence import pg_schema, sqlite_path

SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(CrmError):
    code = "backup"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    version: str
    size: int  # bytes


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def is_live_file(db: Database, target: Path) -> bool:
    """Whether ``target`` is the live SQLite database or one of its -wal/-shm/-journal."""
    live = sqlite_path(db)
    if live is None:
        return False
    return any(same_file(target, Path(f"{live}{side}")) for side in ("", *SIDE_FILES))


def check_target(db: Database, target: str | Path, *, force: bool) -> Path:
    """The resolved target, or a one-line refusal: a folder, the live database, or an existing
    file without ``force``."""
    path = Path(target).expanduser()
    if str(target).strip() == "":
        raise ValidationError("请给出备份文件名", code="backup.target")
    if is_live_file(db, path):
        raise ValidationError(f"不能备份到正在使用的数据库文件本身（{path}），请另选文件名",
                              code="backup.live")
    if path.is_dir():
        raise ValidationError(f"{path} 是一个文件夹，请给出备份文件名", code="backup.target")
    if path.exists() and not force:
        raise ValidationError(f"文件 {path} 已存在；要覆盖它请加 --force", code="backup.exists")
    return path.resolve()


# --- checking a SQLite copy --------------------------------------------------------------
def ro_uri(path: Path) -> str:
    """A read-only SQLite URI: checking a file never changes it."""
    return f"file:{quote(str(path))}?mode=ro"


def sqlite_version(file: Path, label: Path | None = None) -> str:
    """Check a SQLite file read-only: whole (integrity_check) and a 招商 CRM database; its
    schema version. Raises BackupError with what is wrong, naming ``label`` (the file the user
    knows, not the temporary copy being checked)."""
    path = label or file
    try:
        conn = sqlite3.connect(ro_uri(file), uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开 {path}：{exc}", code="backup.open") from exc
    try:
        try:
            result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} 不是有效的 SQLite 数据库文件，或已损坏",
                              code="backup.not_sqlite") from exc
        if result != ["ok"]:
            raise BackupError(f"{path} 已损坏：{result[0]}", code="backup.corrupt")
        tables = {str(r[0]) for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "projects", "revision"} <= tables:
            raise BackupError(f"{path} 不是招商 CRM 数据库", code="backup.foreign")
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        conn.close()
    if len(rows) != 1:
        raise BackupError(f"{path} 缺少结构版本信息", code="backup.foreign")
    return str(rows[0][0])


def snapshot_sqlite(source: Path, dest: Path) -> None:
    """SQLite's online backup API: a consistent snapshot, then a self-contained file (rollback
    journal, so no -wal beside it)."""
    src = sqlite3.connect(ro_uri(source), uri=True, timeout=30)
    try:
        out = sqlite3.connect(dest, isolation_level=None)
        try:
            src.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
    finally:
        src.close()


def copy_sqlite(source: Path, dest: Path) -> None:
    try:
        snapshot_sqlite(source, dest)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise BackupError(f"{source} 不是有效的 SQLite 数据库文件，或已损坏",
                              code="backup.not_sqlite") from exc
        raise BackupError(f"无法读取数据库 {source}：{exc}", code="backup.read") from exc
    except sqlite3.Error as exc:
        raise BackupError(f"无法读取数据库 {source}：{exc}", code="backup.read") from exc


def backup(db: Database, target: str | Path, *, force: bool = False) -> BackupResult:
    """Write a checked copy of ``db`` to ``target`` (never the live file; an existing file
    only with ``force``). Nothing is left under ``target`` unless the copy checked whole."""
    path = check_target(db, target, force=force)
    if not db.is_sqlite:
        return _pg_backup(db, path)
    live = sqlite_path(db)
    if live is None or not live.exists():
        raise BackupError("没有可备份的数据库文件", code="backup.source")
    with AtomicFile(path) as out:
        copy_sqlite(live, out.temp)
        version = sqlite_version(out.temp, path)
        if version != SCHEMA_HEAD:
            raise BackupError(f"备份的结构版本 {version} 与本软件（{SCHEMA_HEAD}）不符，未保存",
                              code="backup.version")
        size = out.temp.stat().st_size
    return BackupResult(path, version, size)


# --- PostgreSQL ------------------------------------------------------------------------------
def pg_command(db: Database, tool: str) -> tuple[list[str], dict[str, str]]:
    """``[tool, --dbname=<conninfo without password>, (--schema X)]`` and its environment (the
    password goes in PGPASSWORD, never on a command line others can read)."""
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（与服务器同一主版本），"
                          "并确认它在 PATH 中", code=f"backup.{tool}")
    url = make_url(db.url)
    user = quote(url.username or "", safe="")
    host = url.host or "localhost"
    conninfo = f"postgresql://{user + '@' if user else ''}{host}:{url.port or 5432}/" \
               f"{quote(url.database or 'postgres', safe='')}"
    cmd = [tool, f"--dbname={conninfo}"]
    schema = pg_schema(db.url)
    if schema:
        cmd.append(f"--schema={schema}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return cmd, env


def run_tool(cmd: list[str], env: dict[str, str], what: str) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, env=env, timeout=6 * 3600)
    except OSError as exc:
        raise BackupError(f"无法运行 {cmd[0]}：{exc.strerror or exc}", code="backup.tool") from exc
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["（无输出）"]
        raise BackupError(f"{what}失败：{lines[-1]}", code="backup.tool")
    return proc.stdout.decode("utf-8", "replace")


_VERSION_ROW = re.compile(r"^(\d{4}\w*)\s*$", re.MULTILINE)


def pg_dump_version(dump: Path) -> str:
    """Check a custom-format dump (``pg_restore --list``) and read its schema version."""
    env = dict(os.environ)
    listing = run_tool(["pg_restore", "--list", str(dump)], env, "检查备份（pg_restore --list）")
    if "TABLE DATA" not in listing or " alembic_version " not in listing:
        raise BackupError(f"{dump} 不是招商 CRM 数据库的备份", code="backup.foreign")
    data = run_tool(["pg_restore", "--data-only", "--table=alembic_version", "--file=-",
                     str(dump)], env, "读取备份的结构版本")
    copy = data.split("COPY ", 1)[-1] if "COPY " in data else ""
    found = _VERSION_ROW.findall(copy.split("\\.", 1)[0])
    if len(found) != 1:
        raise BackupError(f"{dump} 缺少结构版本信息", code="backup.foreign")
    return str(found[0])


def _pg_backup(db: Database, path: Path) -> BackupResult:
    cmd, env = pg_command(db, "pg_dump")
    with AtomicFile(path) as out:
        run_tool([*cmd, "--format=custom", f"--file={out.temp}"], env, "pg_dump 备份")
        version = pg_dump_version(out.temp)
        if version != SCHEMA_HEAD:
            raise BackupError(f"备份的结构版本 {version} 与本软件（{SCHEMA_HEAD}）不符，未保存",
                              code="backup.version")
        try:
            size = out.temp.stat().st_size
        except OSError as exc:
            raise write_error(path, exc) from exc
    return BackupResult(path, version, size)
