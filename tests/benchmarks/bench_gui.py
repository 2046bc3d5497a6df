"""The window's lines of bench.py: start to a usable window, to the page's first content, the
GUI thread's longest block, and peak memory, each page started in a process of its own."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from tests.benchmarks.measuring import Result

ROOT = Path(__file__).resolve().parents[2]


GUI_SCRIPT = textwrap.dedent("""
    import os, sys, time, json
    t0 = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, {root!r})
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QWidget
    import ui.app
    app = QApplication([])
    window = ui.app.build({url!r}, {login!r}, trusted=True, page={page!r})
    ui.app.show(window)  # as main.py shows it: pypinyin then loads in the background
    app.processEvents()
    shown = time.perf_counter() - t0
    gui_cpu = time.thread_time()

    def arrived():
        if {page!r} == "dashboard":
            card = window.findChild(QWidget, "kpi-signed")
            return card.value_text() not in ("", "—")
        count = window.findChild(QLabel, "page-count")
        return any(ch.isdigit() for ch in count.text())

    state = {{"last": time.perf_counter(), "block": 0.0, "content": None}}

    def beat():
        now = time.perf_counter()
        state["block"] = max(state["block"], now - state["last"])
        state["last"] = now
        if state["content"] is None and arrived():
            state["content"] = now - t0
        done = state["content"] is not None and now - t0 > shown + 3.0
        if done or now - t0 > 120:
            app.quit()
    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)
    heart.start()
    app.exec()
    rss = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) // 1024
    print(json.dumps({{"shown": shown, "gui_cpu": gui_cpu, "content": state["content"],
                      "block": max(0.0, state["block"] - 0.010), "rss": rss}}))
    window.close()  # ends its presence beside the database (a bare exit leaves the marker)
    os._exit(0)
""")
GUI_RUNS = 3


def _median(runs: list[dict[str, float]], key: str) -> float:
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else float("nan")


def measure_gui(url: str, login: str) -> list[Result]:
    try:
        import ui.app  # noqa: F401
    except Exception as exc:  # the window is not there yet
        return [Result("app start to usable window", float("nan"), 2000, f"not measured: {exc}")]
    # An installed app starts from compiled bytecode (pip and the bundle write it); a run with
    # PYTHONDONTWRITEBYTECODE would compile every module at each start (0.1–0.6 s here). The
    # bytecode goes to a folder of its own, not beside the sources; the first run writes it.
    with tempfile.TemporaryDirectory(prefix="crm-bench-pyc-") as pyc:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": pyc}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        out: list[Result] = []
        for page in ("dashboard", "projects"):
            script = GUI_SCRIPT.format(root=str(ROOT), url=url, login=login, page=page)
            runs: list[dict[str, float]] = []
            note = ""
            for i in range(GUI_RUNS + (1 if page == "dashboard" else 0)):
                proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                      text=True, timeout=300, env=env)
                try:
                    data = json.loads(proc.stdout.strip().splitlines()[-1])
                except (ValueError, IndexError):
                    note = (proc.stderr.strip().splitlines() or ["no output"])[-1][:120]
                    break
                if page == "dashboard" and i == 0:
                    continue  # the run that compiled the bytecode
                runs.append(data)
            if not runs:
                out.append(Result(f"app start to usable window ({page})", float("nan"), 2000,
                                  f"failed: {note}"))
                continue
            out.append(Result(f"app start to usable window ({page} page)",
                              _median(runs, "shown") * 1000, 2000,
                              f"GUI thread CPU {_median(runs, 'gui_cpu') * 1000:.0f} ms"))
            out.append(Result(f"app start to the page's first content ({page} page)",
                              _median(runs, "content") * 1000, 2000))
            out.append(Result(f"longest GUI-thread block in the first 3 s ({page} page)",
                              _median(runs, "block") * 1000, 100))
            out.append(Result(f"GUI memory, peak RSS ({page} page)", _median(runs, "rss"), 400,
                              "MB, not ms"))
        return out
