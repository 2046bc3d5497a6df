"""Cycles are collected on the GUI thread only (ui.collector): a worker thread that allocates
never runs the collector, so it never destroys Qt objects."""

from __future__ import annotations

import gc
import threading

from ui.collector import GuiThreadCollector


class _Cycle:
    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread().name)


def test_garbage_made_in_a_worker_is_freed_on_the_gui_thread(qtbot: object) -> None:
    was = gc.isenabled()
    gc.enable()
    collector = GuiThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        _Cycle.freed_on = []

        def work() -> None:
            for _ in range(1000):  # more than a generation-0 collection waits for
                _Cycle()
            junk = [[i] for i in range(100_000)]  # what would have set off the collector here
            del junk

        worker = threading.Thread(target=work, name="worker")
        worker.start()
        worker.join()
        assert _Cycle.freed_on == []  # nothing was collected in the worker
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: len(_Cycle.freed_on) == 1000, timeout=5000)
        assert set(_Cycle.freed_on) == {threading.main_thread().name}
    finally:
        collector.stop()
    assert gc.isenabled()  # the automatic collector is back once no window is open
    if not was:
        gc.disable()
