"""The one place that shows errors to the user.

Errors from the core (:class:`crm.errors.CrmError`) carry a plain Chinese ``message``; they are
shown as they are. Anything else is unexpected: it goes to the log file (``crm.log`` in the user
data folder) with its traceback, the user sees a short dialog, and the app keeps running.

When there is no screen to show a dialog on (``QT_QPA_PLATFORM=offscreen``, tests, scripts),
the message becomes a log line instead, so nothing ever blocks on a modal box.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import deque
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from crm import logs
from crm.errors import CrmError

log = logging.getLogger("crm.ui.errors")
HEADLESS_PLATFORMS = ("offscreen", "minimal")
# The last messages shown (or logged instead of shown): tests and the status bar read them.
recent: deque[str] = deque(maxlen=50)


def tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def log_path() -> Path:
    return logs.log_path()


def setup_logging(level: int = logging.WARNING) -> Path:
    """Send warnings and errors to ``crm.log`` in the user data folder (see :mod:`crm.logs`)."""
    return logs.setup(level)


def headless() -> bool:
    """True where a modal dialog could not be answered (offscreen tests, no GUI app)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in HEADLESS_PLATFORMS:
        return True
    app = QApplication.instance()
    return app is None or QApplication.platformName() in HEADLESS_PLATFORMS


def message_of(exc: BaseException) -> str:
    """What the user reads for this error."""
    if isinstance(exc, CrmError):
        return exc.message
    return tr("发生了意外错误，已记录到日志文件：{path}\n软件可以继续使用。").format(path=log_path())


def show_error(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show an error once: a message box, or a log line when headless."""
    text = message_of(exc)
    recent.append(text)
    if not isinstance(exc, CrmError):
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if headless():
        log.warning("error shown to the user: %s", text)
        return
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if isinstance(exc, CrmError) else QMessageBox.Icon.Critical)
    box.setWindowTitle(tr("提示") if isinstance(exc, CrmError) else tr("意外错误"))
    box.setText(text)
    box.exec()


def show_message(text: str, parent: QWidget | None = None, *, title: str = "") -> None:
    """A plain information message (log line when headless)."""
    recent.append(text)
    if headless():
        log.info("message shown to the user: %s", text)
        return
    QMessageBox.information(parent, title or tr("提示"), text)


def confirm(text: str, parent: QWidget | None = None) -> bool:
    """Ask yes/no; headless answers yes so scripts and tests never block."""
    if headless():
        log.info("confirmation assumed: %s", text)
        return True
    answer = QMessageBox.question(parent, tr("请确认"), text)
    return answer == QMessageBox.StandardButton.Yes


def fatal(text: str) -> None:
    """An error that stops start-up: a message box, or one line on stderr when headless."""
    log.error("cannot start: %s", text)
    if headless():
        print(" ".join(text.split()), file=sys.stderr)  # one line, for scripts and logs
        return
    QMessageBox.critical(None, tr("招商 CRM"), text)


class _Bridge(QObject):
    """Carries exceptions from any thread to the GUI thread."""

    raised = Signal(object)  # raised(exc: BaseException), from any thread


_bridge: _Bridge | None = None


def install_excepthooks() -> None:
    """Route uncaught exceptions (GUI thread and worker threads) to :func:`show_error`."""
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
        _bridge.raised.connect(lambda exc: show_error(exc, QApplication.activeWindow()))

    def gui_hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        assert _bridge is not None
        _bridge.raised.emit(exc)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        assert _bridge is not None
        _bridge.raised.emit(args.exc_value)

    sys.excepthook = gui_hook
    threading.excepthook = thread_hook
