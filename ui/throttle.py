"""One call after a burst of them (as qutebrowser's ``misc/throttle.py``).

Typing in a search box, picking dates, a run of change notices: each asks for a reload, and the
page should read the database once, when the burst is over, not once per key.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Calls ``fn()`` once, ``delay_ms`` after the last time it was called itself.

    ``throttle(*ignored)`` (any signal's arguments are ignored) restarts the wait;
    :meth:`cancel` drops a pending call, e.g. when the page reloads for another reason.
    """

    def __init__(self, fn: Callable[[], object], delay_ms: int, parent: QObject):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(fn)

    def __call__(self, *_ignored: object) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()

    def pending(self) -> bool:
        return self._timer.isActive()
