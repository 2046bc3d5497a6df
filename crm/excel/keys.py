"""Pinyin keys for the names of a large ledger, worked out in a helper process while the
importing process checks and matches the rows.

Every new project and company needs its sort key and pinyin initials (:class:`crm.text.Named`):
for a 100k-row ledger that is 200k names and about a second of work, which depends on nothing
but the names. The helper gets the names as soon as the file is read and hands the keys back
as three lists of strings — cheap to move between processes — by the time the writer needs
them, so that second runs on the other core. A small ledger's names are worked out here, when
needed: a process costs more than it saves.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from crm.text import Named

log = logging.getLogger(__name__)

# Below this file size (about 10k ledger rows) the keys are worked out in the importing process.
HELPER_MIN_BYTES = 1_000_000


class NameKeys:
    """``Named(text)`` for the names of one import, each worked out once.

    Use as a context manager: leaving it stops the helper process, if one was started.
    """

    def __init__(self, helper: _Helper | None = None):
        self._known: dict[str, Named] = {}
        self._helper = helper

    @classmethod
    def for_file(cls, path: str | Path) -> NameKeys:
        """A helper process for a large file (started at once: it gets ready while the file is
        read), none for a small one."""
        try:
            large = Path(path).stat().st_size >= HELPER_MIN_BYTES
        except OSError:
            large = False  # the reader reports the missing file
        return cls(_Helper.start() if large else None)

    def __enter__(self) -> NameKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._helper is not None:
            self._helper.stop()
            self._helper = None

    @property
    def helped(self) -> bool:
        """A helper process is running (its answer not yet taken)."""
        return self._helper is not None

    def prepare(self, texts: list[str]) -> None:
        """Hand these names to the helper (no helper: nothing to do until they are asked for)."""
        if self._helper is not None and not self._helper.send(list(dict.fromkeys(texts))):
            self.close()

    def __call__(self, text: str) -> Named:
        named = self._known.get(text)
        if named is None:
            if self._helper is not None:
                self._collect()
                named = self._known.get(text)
            if named is None:
                named = self._known[text] = Named(text)
        return named

    def _collect(self) -> None:
        helper, self._helper = self._helper, None
        assert helper is not None
        found = helper.receive()
        helper.stop()
        if found is None:
            return
        texts, normalized, sort_keys, initials = found
        self._known.update(zip(texts, map(Named.of, normalized, sort_keys, initials),
                               strict=True))


class _Helper:
    def __init__(self, process: Any, conn: Connection):
        self.process, self.conn = process, conn
        self.texts: list[str] | None = None  # what was sent, once it was

    @classmethod
    def start(cls) -> _Helper | None:
        try:
            context = _context()
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), name="pinyin-keys",
                                      daemon=True)
            process.start()
            theirs.close()
        except Exception:
            log.warning("could not start the pinyin key helper", exc_info=True)
            return None
        return cls(process, mine)

    def send(self, texts: list[str]) -> bool:
        self.texts = texts
        try:
            self.conn.send(texts)
        except OSError:
            log.warning("the pinyin key helper is gone", exc_info=True)
            return False
        return True

    def receive(self) -> tuple[list[str], list[str], list[str], list[str]] | None:
        if self.texts is None:
            return None  # asked before any names were sent: nothing will come
        try:
            normalized, sort_keys, initials = self.conn.recv()
        except Exception:  # a helper that died mid-answer: the keys are made here instead
            log.warning("no keys from the pinyin key helper", exc_info=True)
            return None
        if not len(normalized) == len(sort_keys) == len(initials) == len(self.texts):
            log.warning("the pinyin key helper answered for other names")
            return None
        return self.texts, normalized, sort_keys, initials

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.conn.close()


def _context() -> Any:
    """A fresh interpreter for the helper: forked from multiprocessing's fork server where there
    is one (Linux), else spawned. Never a fork of this process: the window's threads make that
    unsafe, and even on the command line every page this process writes afterwards would be
    copied (a re-import took 0.6 s longer with a forked helper, none longer with the server)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _serve(conn: Connection) -> None:
    """The helper process: names in, their keys out (as three lists, in the same order)."""
    gc.disable()  # 200k small objects, no cycles
    try:
        texts = conn.recv()
    except EOFError:
        return
    named = [Named(text) for text in texts]
    conn.send(([n.normalized for n in named], [n.sort_key for n in named],
               [n.initials for n in named]))
    conn.close()
