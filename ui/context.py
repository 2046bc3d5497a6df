"""What every view shares: the database, who is signed in, the runner and the change signal."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from crm import presence
from crm.db import Database, UnitOfWork
from crm.errors import CrmError
from crm.services.common import Actor
from ui.collector import GuiThreadCollector
from ui.ops import Runner, Task

log = logging.getLogger("crm.ui")
POLL_MS = 2000  # how often other windows' and processes' changes are looked for


class AppContext(QObject):
    """One per main window.

    Signals:
        changed: something in the database changed (a write here, in another window or in
            another process). Every view connects to it and reloads what it shows.
        error: an error to show the user (the main window shows it once, in one place).
    """

    changed = Signal()
    error = Signal(object)

    def __init__(self, db: Database, actor: Actor, parent: QObject | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        # this window is one of those who have the database open (a restore names it)
        self.presence = presence.register(db, "window", actor.name)
        self.runner = Runner(self)
        self.collector = GuiThreadCollector(self)
        self._revision = db.revision()
        self._polling = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    # --- time ------------------------------------------------------------------------------
    def today(self) -> dt.date:
        return dt.date.today()

    # --- database work ----------------------------------------------------------------------
    def read(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None],
             failed: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Task:
        """Run ``fn(uow, *args, **kwargs)`` off the GUI thread; ``done(result)`` on it."""
        def job(task: Task) -> Any:
            with self.db.uow() as uow:
                return fn(uow, *args, **kwargs)
        return self.runner.submit(job, done=done, failed=failed or self.report)

    def write(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
              failed: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Task:
        """Run ``fn(uow, *args, **kwargs)`` and commit, off the GUI thread; then ``changed``."""
        def job(task: Task) -> Any:
            with self.db.uow() as uow:
                result = fn(uow, *args, **kwargs)
                uow.commit()
                return result

        def finished(result: Any) -> None:
            if done is not None:
                done(result)
            self.changed.emit()
        return self.runner.submit(job, done=finished, failed=failed or self.report)

    def long(self, fn: Callable[[Task], Any], *, done: Callable[[Any], None],
             progress: Callable[[int, int], None] | None = None,
             failed: Callable[[BaseException], None] | None = None) -> Task:
        """Long work (import, export): ``fn(task)`` gets ``task.progress`` / ``task.cancelled``."""
        return self.runner.submit(fn, done=done, progress=progress, failed=failed or self.report)

    def call(self, fn: Callable[[UnitOfWork], Any]) -> Any:
        """Synchronous read for tiny lookups while building a dialog (no heavy queries). It
        never waits long for a table a large import holds: it raises DatabaseBusy instead,
        whose message the error hook shows."""
        with self.db.quick() as uow:
            return fn(uow)

    def report(self, exc: BaseException) -> None:
        if not isinstance(exc, CrmError):
            log.error("unexpected error", exc_info=exc)
        self.error.emit(exc)

    # --- live updates ----------------------------------------------------------------------
    def _poll(self) -> None:
        if self._polling:
            return
        self._polling = True

        def seen(value: int) -> None:
            self._polling = False
            if value != self._revision:
                self._revision = value
                self.changed.emit()

        def lost(exc: BaseException) -> None:
            self._polling = False
            log.warning("revision poll failed: %s", exc)

        self.runner.submit(lambda task: self.db.revision(), done=seen, failed=lost)

    def stop(self) -> None:
        self._timer.stop()
        self.runner.wait()
        self.collector.stop()
        if self.presence is not None:
            self.presence.close()
            self.presence = None
