"""What every view shares: the database, who is signed in, the runner and the change signal.

The seam between window and core (DESIGN §4, as Anki's ``aqt/operations``): a read is
``ctx.read(op, done=…)`` with ``op: Callable[[UnitOfWork], T]`` run off the GUI thread and
``done: Callable[[T], None]`` called back on it; a write is ``ctx.write(op, done=…, initiator=…)``,
committed off the GUI thread, whose :class:`~crm.changes.Changes` are broadcast once through
``operation_did_execute(changes, initiator)``. Each view reloads only when the changes concern
what it shows (:meth:`AppContext.on_change`). Changes made by another window or process reach
this one through the revision poll, as :data:`~crm.changes.EVERYTHING`; the poll skips the
revisions this window's own writes made, which were already broadcast.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from crm import local, presence
from crm.changes import EVERYTHING, Changes
from crm.db import Database, UnitOfWork
from crm.errors import CrmError
from crm.services.common import Actor
from ui.collector import GuiThreadCollector
from ui.ops import Runner, Task

log = logging.getLogger("crm.ui")
POLL_MS = 2000  # how often other windows' and processes' changes are looked for
T = TypeVar("T")
P = ParamSpec("P")
# An operation: what a view asks of the core, run in a unit of work off the GUI thread.
Op = Callable[[UnitOfWork], Any]
# The same, typed by what it returns: ``Operation[list[EventRow]]``.
Operation = Callable[[UnitOfWork], T]


def op(fn: Callable[Concatenate[UnitOfWork, P], T], *args: P.args,
       **kwargs: P.kwargs) -> Callable[[UnitOfWork], T]:
    """``fn(uow, *args, **kwargs)`` as an operation, its arguments taken now (on the GUI
    thread, where widgets may be read) and checked against ``fn``'s signature by mypy."""
    return lambda uow: fn(uow, *args, **kwargs)


class Latest:
    """Reads of which only the newest answer counts: a view asked again (another project, a
    new search) while an older read was under way must not show the older answer last."""

    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self._asked = 0

    def read(self, operation: Callable[[UnitOfWork], T], done: Callable[[T], None]) -> Task:
        self._asked += 1
        asked = self._asked

        def arrived(value: T) -> None:
            if asked == self._asked:
                done(value)
        return self.ctx.read(operation, done=arrived)

    def forget(self) -> None:
        """Drop the answers under way (the view shows nothing to update any more)."""
        self._asked += 1


class AppContext(QObject):
    """One per main window.

    Signals:
        operation_did_execute(changes, initiator): a write committed — here (``changes`` says
            which tables and rows; ``initiator`` is the view that asked, or None) or in another
            window or process (``EVERYTHING``, initiator None). Views subscribe through
            :meth:`on_change` with the tables they show.
        error(exc): an error to show the user (the main window shows it once, in one place).
    """

    operation_did_execute = Signal(object, object)
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
        # revisions this window's writes made: broadcast when they finished, skipped by the poll
        self._own: set[int] = set()
        self._commit_lock = threading.Lock()
        self._polling = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    # --- this user's preferences on this computer (never a database write) ------------------
    def preference(self, key: str) -> Any:
        return local.preference(self._scope(), key)

    def set_preference(self, key: str, value: Any) -> None:
        try:
            local.set_preference(self._scope(), key, value)
        except OSError as exc:  # an unwritable settings folder costs the preference only
            log.warning("preference %s not saved: %s", key, exc)

    def _scope(self) -> str:
        return f"{self.db.describe()}#{self.actor.user_id or self.actor.name}"

    # --- time ------------------------------------------------------------------------------
    def today(self) -> dt.date:
        return dt.date.today()

    # --- database work ----------------------------------------------------------------------
    def read(self, op: Callable[[UnitOfWork], T], *, done: Callable[[T], None],
             failed: Callable[[BaseException], None] | None = None) -> Task:
        """Run ``op(uow)`` off the GUI thread; ``done(result)`` on it."""
        def job(task: Task) -> T:
            with self.db.uow() as uow:
                return op(uow)
        return self.runner.submit(job, done=done, failed=failed or self.report)

    def write(self, op: Callable[[UnitOfWork], T], *, done: Callable[[T], None] | None = None,
              failed: Callable[[BaseException], None] | None = None,
              initiator: object | None = None) -> Task:
        """Run ``op(uow)`` and commit, off the GUI thread; then ``done(result)`` and one
        ``operation_did_execute(changes, initiator)`` on the GUI thread."""
        def job(task: Task) -> tuple[T, Changes]:
            with self.db.uow() as uow:
                result = op(uow)
                with self._commit_lock:  # the poll never sees this revision before _own does
                    changes = uow.commit()
                    if uow.revision is not None:
                        self._own.add(uow.revision)
                return result, changes

        def finished(outcome: tuple[T, Changes]) -> None:
            result, changes = outcome
            if done is not None:
                done(result)
            self.broadcast(changes, initiator)
        return self.runner.submit(job, done=finished, failed=failed or self.report)

    def broadcast(self, changes: Changes, initiator: object | None = None) -> None:
        """Tell every view what changed (after a write, or long work such as an import)."""
        if changes:
            self.operation_did_execute.emit(changes, initiator)

    def on_change(self, tables: Iterable[str], slot: Callable[[], None]) -> None:
        """Call ``slot()`` after each change that touches one of ``tables``."""
        wanted = tuple(tables)

        def relay(changes: Changes, _initiator: object) -> None:
            if changes.touches(*wanted):
                slot()
        self.operation_did_execute.connect(relay)

    def long(self, fn: Callable[[Task], Any], *, done: Callable[[Any], None],
             progress: Callable[[int, int], None] | None = None,
             failed: Callable[[BaseException], None] | None = None) -> Task:
        """Long work (import, export): ``fn(task)`` gets ``task.progress`` / ``task.cancelled``."""
        return self.runner.submit(fn, done=done, progress=progress, failed=failed or self.report)

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
            if value <= self._revision:
                return
            others = set(range(self._revision + 1, value + 1)) - self._own
            self._own = {r for r in self._own if r > value}
            self._revision = value
            if others:  # someone else wrote: what, the counter does not say
                self.broadcast(EVERYTHING)

        def read_revision(task: Task) -> int:
            with self._commit_lock:
                return self.db.revision()

        def lost(exc: BaseException) -> None:
            self._polling = False
            log.warning("revision poll failed: %s", exc)

        self.runner.submit(read_revision, done=seen, failed=lost)

    def stop(self) -> None:
        self._timer.stop()
        self.runner.wait()
        self.runner.stop()
        self.collector.stop()
        if self.presence is not None:
            self.presence.close()
            self.presence = None
