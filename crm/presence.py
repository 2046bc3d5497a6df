"""Who else has the database open: what ``restore`` must know before it replaces everything.

SQLite: each window and each command-line process that works on a database keeps a small
file beside it, ``.crm.db.open.<random>``, holding who opened it (user, computer, process,
since when), and holds an exclusive lock on that file for as long as it runs. The operating
system drops the lock when the process ends, however it ends (closed, crashed, killed, the
computer switched off), so a file whose lock can be taken belongs to nobody any more: it is
removed, never reported. No heartbeat, no pid guessing across computers.

PostgreSQL: every connection names itself (``application_name``: program, schema, process,
user and computer); ``pg_stat_activity`` lists the live ones with their start time. A crashed
client's connection ends with it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from crm.db import Database

APP_TAG = "zhaoshang-crm"
PROGRAMS = {"window": "窗口", "cli": "命令行"}
_LOCK_OFFSET = 1 << 20  # Windows locks are mandatory: lock a byte past the text, keep it readable


@dataclass(frozen=True)
class OpenSession:
    """Another process that has the database open."""

    who: str
    host: str
    pid: int
    since: dt.datetime | None
    program: str = ""

    def describe(self) -> str:
        since = f"，{self.since:%Y-%m-%d %H:%M} 起" if self.since else ""
        program = f"{PROGRAMS.get(self.program, self.program)}，" if self.program else ""
        return f"{self.who}（{program}计算机 {self.host}，进程 {self.pid}{since}）"


def os_user() -> str:
    with contextlib.suppress(Exception):
        return getpass.getuser()
    return "?"


def host_name() -> str:
    return socket.gethostname() or "?"


# --- SQLite: a locked file per process --------------------------------------------------------
def _lock(handle: IO[bytes]) -> bool:
    """Take the file's lock without waiting; False when another process holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            handle.seek(_LOCK_OFFSET)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            # flock, not fcntl locks: those are per process, so a second open in the same
            # process (a window checking before it restores) would see no holder.
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def sqlite_path(db: Database) -> Path | None:
    from sqlalchemy.engine import make_url

    name = make_url(db.url).database
    if not db.is_sqlite or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _marker_glob(path: Path) -> str:
    return f".{path.name}.open.*"


class Registration:
    """This process's mark beside a SQLite database; :meth:`close` (or exiting) removes it."""

    def __init__(self, path: Path, program: str, who: str):
        self.path = path.parent / f".{path.name}.open.{secrets.token_hex(4)}"
        self.program = program
        self.since = dt.datetime.now().astimezone()
        self._handle: IO[bytes] | None = open(self.path, "w+b")  # noqa: SIM115 (held open)
        if not _lock(self._handle):  # cannot happen with a fresh random name
            raise OSError("presence file locked")
        self.set_user(who)

    @property
    def name(self) -> str:
        return self.path.name

    def set_user(self, who: str) -> None:
        """Say who works in this process (once signed in)."""
        if self._handle is None:
            return
        info = {"who": who, "host": host_name(), "pid": os.getpid(),
                "since": self.since.isoformat(timespec="seconds"), "program": self.program}
        handle = self._handle
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(info, ensure_ascii=False).encode("utf-8"))
        handle.flush()

    def close(self) -> None:
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self._handle.close()
        self._handle = None


def register(db: Database, program: str, who: str | None = None) -> Registration | None:
    """Mark this process as having ``db`` open (SQLite files only; a PostgreSQL connection
    names itself). None where there is nothing to mark, or the folder is not writable."""
    path = sqlite_path(db)
    if path is None or not path.exists():
        return None
    try:
        return Registration(path, program, who or os_user())
    except OSError:
        return None


def _read_marker(marker: Path) -> OpenSession | None:
    """The process behind a marker file, or None when it has ended (the file is removed)."""
    try:
        handle = open(marker, "r+b")  # noqa: SIM115
    except OSError:
        return None
    try:
        if _lock(handle):  # nobody holds it: its process is gone
            with contextlib.suppress(OSError):
                marker.unlink()
            return None
        handle.seek(0)
        raw = handle.read(4096)
    finally:
        handle.close()
    try:
        info: dict[str, Any] = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeError):  # being rewritten this very moment
        return OpenSession("（未知用户）", "?", 0, None)
    since = None
    with contextlib.suppress(TypeError, ValueError):
        since = dt.datetime.fromisoformat(str(info.get("since")))
    return OpenSession(str(info.get("who") or "?"), str(info.get("host") or "?"),
                       int(info.get("pid") or 0), since, str(info.get("program") or ""))


def _sqlite_others(path: Path, exclude: Registration | None) -> list[OpenSession]:
    found = []
    for marker in sorted(path.parent.glob(_marker_glob(path))):
        if exclude is not None and marker.name == exclude.name:
            continue
        session = _read_marker(marker)
        if session is not None:
            found.append(session)
    return found


# --- PostgreSQL: the connections' application_name ------------------------------------------
def pg_schema(url: str) -> str:
    """The schema a URL's ``options=-csearch_path=…`` selects ('' for the default)."""
    from sqlalchemy.engine import make_url

    options = make_url(url).query.get("options", "")
    text = unquote(options if isinstance(options, str) else " ".join(options))
    for part in text.replace("-c ", "-c").split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0].strip('"')
    return ""


def pg_application_name(url: str) -> str:
    """``zhaoshang-crm|<schema>|<pid>|<user>@<host>``, within PostgreSQL's 63 bytes."""
    name = f"{APP_TAG}|{pg_schema(url)}|{os.getpid()}|{os_user()}@{host_name()}"
    return name.encode("utf-8")[:63].decode("utf-8", "ignore")


def _pg_others(db: Database) -> list[OpenSession]:
    prefix = f"{APP_TAG}|{pg_schema(db.url)}|"
    query = ("SELECT application_name, backend_start, client_hostname, "
             "host(client_addr) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid() "
             "AND application_name LIKE :tag")
    from sqlalchemy import text

    with db.engine.connect() as conn:
        rows = conn.execute(text(query), {"tag": prefix + "%"}).all()
    sessions: dict[tuple[str, int], OpenSession] = {}
    for app, started, client_host, client_addr in rows:
        parts = str(app).split("|", 3)
        if len(parts) < 4 or not parts[2].isdigit():
            continue
        pid = int(parts[2])
        who, _, named_host = parts[3].partition("@")
        host = named_host or str(client_host or client_addr or "?")
        if pid == os.getpid() and host == host_name():
            continue  # this process's own pooled connections
        key = (host, pid)
        since = started.astimezone() if isinstance(started, dt.datetime) else None
        known = sessions.get(key)
        if known is None or (since and known.since and since < known.since):
            sessions[key] = OpenSession(who or "?", host, pid, since)
    return sorted(sessions.values(), key=lambda s: (s.host, s.pid))


def others(db: Database, exclude: Registration | None = None) -> list[OpenSession]:
    """Every other live process that has ``db`` open (this process's own mark excluded)."""
    if db.is_sqlite:
        path = sqlite_path(db)
        return [] if path is None else _sqlite_others(path, exclude)
    return _pg_others(db)


def describe(sessions: list[OpenSession]) -> str:
    return "；".join(s.describe() for s in sessions)
