"""Running crm services off the GUI thread (the one way widgets reach the database).

``ctx.read(fn, *args, done=...)`` runs ``fn(uow, *args)`` in a unit of work on a worker thread
and calls ``done(result)`` back on the GUI thread; ``ctx.write`` does the same and commits, then
the app-wide ``changed`` signal tells every view to refresh itself. Errors come back to
``failed`` (default: the one error display of the window).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("crm.ui.ops")


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit into it (queued to the GUI thread)."""

    succeeded = Signal(object, object)
    failed = Signal(object, object)
    progressed = Signal(object, int, int)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, token: object):
        super().__init__()
        self.fn, self.relay, self.token = fn, relay, token
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # reported to the GUI thread, never lost
            self.relay.failed.emit(self.token, exc)
        else:
            self.relay.succeeded.emit(self.token, result)


class Cancelled(Exception):
    """Raised inside long work when the user pressed cancel."""


class Task:
    """Handle on one background job: progress reporting and cooperative cancel."""

    def __init__(self, runner: Runner):
        self._runner = runner
        self._cancel = threading.Event()
        self.done_cb: Callable[[Any], None] | None = None
        self.fail_cb: Callable[[BaseException], None] | None = None
        self.progress_cb: Callable[[int, int], None] | None = None
        self.finished = False

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        """For crm code: the Qt-free ``cancelled()`` half of the progress pair."""
        return self._cancel.is_set()

    def progress(self, done: int, total: int) -> None:
        """For crm code: the Qt-free ``progress(done, total)`` half (any thread)."""
        self._runner.relay.progressed.emit(self, done, total)


class Runner(QObject):
    """A small thread pool with results delivered on the GUI thread."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.relay = _Relay(self)
        self.relay.succeeded.connect(self._succeeded)
        self.relay.failed.connect(self._failed)
        self.relay.progressed.connect(self._progressed)
        self._pending: set[Task] = set()
        self._stopped = False

    def submit(self, fn: Callable[[Task], Any], *, done: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None,
               progress: Callable[[int, int], None] | None = None) -> Task:
        task = Task(self)
        task.done_cb, task.fail_cb, task.progress_cb = done, failed, progress
        self._pending.add(task)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(lambda: fn(task), self.relay, task))
        return task

    def _finish(self, task: Task) -> None:
        task.finished = True
        self._pending.discard(task)
        if not self._pending:
            self.busy_changed.emit(False)

    def stop(self) -> None:
        """Deliver nothing more: the views that asked are being closed (a result already
        queued for the GUI thread would land on widgets that no longer exist)."""
        self._stopped = True

    def _succeeded(self, task: Task, result: Any) -> None:
        self._finish(task)
        if self._stopped:
            return
        if task.done_cb is not None:
            task.done_cb(result)

    def _failed(self, task: Task, exc: BaseException) -> None:
        self._finish(task)
        if self._stopped:
            log.debug("dropped after stop", exc_info=exc)
            return
        if task.fail_cb is not None:
            task.fail_cb(exc)
        else:
            log.error("background job failed", exc_info=exc)

    def _progressed(self, task: Task, done: int, total: int) -> None:
        if task.progress_cb is not None and not task.finished and not self._stopped:
            task.progress_cb(done, total)

    def idle(self) -> bool:
        return not self._pending

    def wait(self, msecs: int = 10000) -> bool:
        """Block until the pool is empty (tests and shutdown)."""
        return self.pool.waitForDone(msecs)
