"""A burst of requests is one call, after the burst."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.throttle import Throttle


def test_a_burst_is_one_call_after_it(qtbot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    calls: list[int] = []
    later = Throttle(lambda: calls.append(1), 30, owner)
    for _ in range(10):
        later("ignored", 1)  # signal arguments are ignored
    assert calls == [] and later.pending()
    qtbot.waitUntil(lambda: calls == [1], timeout=2000)
    qtbot.wait(80)
    assert calls == [1] and not later.pending()
    later()
    later.cancel()
    qtbot.wait(80)
    assert calls == [1]
