"""Consistent copies of the database while it is in use."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from crm.db import Database
from crm.errors import CrmError, ValidationError


def backup(db: Database, target: str | Path) -> Path:
    """Write a consistent copy: SQLite's online backup API, or ``pg_dump`` for PostgreSQL."""
    path = Path(target).expanduser().resolve()
    if path.exists() and path.is_dir():
        raise ValidationError(f"{path} 是一个文件夹，请给出备份文件名", code="backup.target")
    path.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(db.url)
    if db.is_sqlite:
        tmp = path.with_suffix(path.suffix + ".part")
        source = sqlite3.connect(url.database or ":memory:")
        try:
            dest = sqlite3.connect(tmp)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        tmp.replace(path)
        return path
    cmd = ["pg_dump", "--format=custom", f"--file={path}", "--host", url.host or "localhost",
           "--port", str(url.port or 5432), "--username", url.username or "postgres",
           url.database or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else None
    try:
        subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=3600)
    except FileNotFoundError as exc:
        raise CrmError("找不到 pg_dump，请安装 PostgreSQL 客户端", code="backup.pg_dump") from exc
    except subprocess.CalledProcessError as exc:
        raise CrmError(f"pg_dump 失败：{exc.stderr.decode(errors='replace').strip()}",
                       code="backup.pg_dump") from exc
    return path
