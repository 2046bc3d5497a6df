"""Writing files so that a kill, a full disk or an error never leaves a half-written one.

Every file the app writes (reports, error workbooks, backups, settings, attachments saved to
disk, screenshots) is first written to a temporary file in the target's own folder, flushed to
disk, and then renamed over the target in one step (``os.replace``, atomic on one file system).
Whatever moment the process dies at, the target's name holds either the previous file, whole,
or the new one, whole. What may stay behind after a kill is the temporary file, named so that
nobody mistakes it for the report: ``.报表.xlsx.3f9c2a1b.part`` beside ``报表.xlsx``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from crm.errors import ValidationError

PART_SUFFIX = ".part"


def temp_name(target: Path) -> Path:
    """A fresh temporary name beside ``target`` (hidden on Unix, never ending in .xlsx/.db)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{PART_SUFFIX}")


class FileWriteError(ValidationError, OSError):
    """A file could not be written. Also an ``OSError``, so that code which guarded a plain
    write with ``except OSError`` still catches it."""


# errno → what went wrong, in words a user can act on (the system's own text may be English)
_REASONS = {
    errno.ENOENT: "路径不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "只读的文件系统",
    errno.ENOSPC: "磁盘空间不足",
    errno.EEXIST: "文件已存在",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EINVAL: "路径无效",
    errno.EBUSY: "文件正被占用",
}


def reason_of(exc: OSError) -> str:
    """Why an operating-system call failed, in Chinese."""
    return _REASONS.get(exc.errno or 0) or f"系统错误 {exc.errno or ''}".rstrip()


def write_error(target: Path, exc: OSError) -> FileWriteError:
    """The one-line message for a file that cannot be written."""
    return FileWriteError(f"无法写入文件“{target}”：{reason_of(exc)}", code="file.write")


def fsync_path(path: Path) -> None:
    """Flush a written file's bytes to the disk (a rename must never overtake them)."""
    # Windows flushes only through a handle that may write (FlushFileBuffers: read-only fails)
    mode = os.O_RDWR if os.name == "nt" else os.O_RDONLY
    fd = os.open(path, mode | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (POSIX; Windows has no directory handles)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems (network shares) refuse; the rename itself is done
        pass
    finally:
        os.close(fd)


class AtomicFile:
    """A temporary file beside ``target`` that becomes ``target`` on :meth:`commit`.

    ``with AtomicFile(target) as tmp: write(tmp.temp)`` commits when the block ends normally and
    removes the temporary file when it raises. Writers that close later than they open (an
    XlsxWriter workbook) call :meth:`commit` or :meth:`discard` themselves.

    The temporary file is created empty with the usual permissions (the umask applies, as for
    any new file) so that the final file has the same mode as if it had been written in place.
    """

    def __init__(self, target: str | Path):
        self.target = Path(target).expanduser()
        self.temp = temp_name(self.target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_BINARY", 0), 0o666)
            os.close(fd)
        except OSError as exc:
            raise write_error(self.target, exc) from exc
        self.done = False

    def commit(self) -> Path:
        """Flush the temporary file and rename it over the target."""
        try:
            fsync_path(self.temp)
            os.replace(self.temp, self.target)
            self.done = True
            fsync_dir(self.target.parent)
        except OSError as exc:
            self.discard()
            raise write_error(self.target, exc) from exc
        return self.target

    def discard(self) -> None:
        """Remove the temporary file (the target is left as it was)."""
        if not self.done:
            # with what SQLite may have made beside a database being checked
            for side in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(OSError):
                    Path(f"{self.temp}{side}").unlink(missing_ok=True)
            self.done = True

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
            return
        self.discard()
        if isinstance(exc, OSError) and not isinstance(exc, FileWriteError):
            # the body's own writing failed: say so in one line
            raise write_error(self.target, exc) from exc


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """``with atomic_path(out) as tmp: write(tmp)``: ``out`` gets the file only when the block
    ends normally; an error or a kill leaves ``out`` as it was."""
    with AtomicFile(target) as file:
        yield file.temp


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    return write_bytes(target, text.encode("utf-8"))
