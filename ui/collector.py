"""Python's cycle collector, run on the GUI thread only.

Left to itself the collector runs in whichever thread happens to allocate — the background
runner included — and then destroys the Qt objects caught in the cycles it frees (a closed
dialog, a replaced model) from that thread, which Qt does not allow: a test run crashed that way,
in a worker thread building ORM objects while the GUI thread ran its event loop. So while a
window is open the automatic collector is off, and a timer on the GUI thread collects generation
by generation, as the collector itself would (pyqtgraph's GarbageCollector does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
_active = 0  # collectors running (one per window); the automatic collector returns at zero
_was_enabled = True


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        global _active, _was_enabled
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
        self._running = True
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        """What the automatic collector would have done since the last tick."""
        t0, t1, t2 = self._threshold
        n0, n1, n2 = gc.get_count()
        if n0 > t0:
            gc.collect(0)
            if n1 > t1:
                gc.collect(1)
                if n2 > t2:
                    gc.collect(2)

    def stop(self) -> None:
        global _active
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        _active -= 1
        if _active == 0 and _was_enabled:
            gc.enable()
