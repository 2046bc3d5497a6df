"""Live: a change by another process shows on the dashboard within 5 s, with no refresh."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

from crm.db import Database
from crm.services import metrics
from crm.services.metrics import Period
from ui.context import AppContext
from ui.pages.dashboard import DashboardPage
from ui.widgets.kpi import KpiCard

H1 = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))


def test_another_process_change_shows_within_5_seconds(qtbot, ctx: AppContext, demo_db: Database,
                                                       wait_idle) -> None:
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.show()
    wait_idle(ctx)
    rate = page.findChild(KpiCard, "kpi-start-rate")
    assert rate is not None and rate.value_text() == "57.69%"

    waiting = demo_db.read(metrics.signed_not_started, H1, ctx.today())[0]
    on = (waiting.signed_on + dt.timedelta(days=1)).isoformat()
    result = subprocess.run(
        [sys.executable, "-m", "crm", "--db", demo_db.url, "advance", str(waiting.project_id),
         "--to", "started", "--date", on, "--kind", "开工"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    committed = time.monotonic()
    qtbot.waitUntil(lambda: rate.value_text() == "61.54%", timeout=5000)
    assert time.monotonic() - committed < 5
    assert page.findChild(KpiCard, "kpi-started").value.text() == "16"
