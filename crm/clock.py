"""Today's date, as every rule that compares with it sees it.

The rules "a milestone is never dated after today" and "a contact is never logged after today"
call :func:`today` through this module (``clock.today()``), so a test can fix the day with
``monkeypatch.setattr(clock, "today", lambda: date(2025, 7, 1))``.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """The local calendar date of this computer."""
    return dt.date.today()
