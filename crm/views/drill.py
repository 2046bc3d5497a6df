"""Drill-downs as the screens open them: the count and the first screen of the projects behind
a 工作台 card or a 考核 line (:mod:`crm.services.drill`), more read on scroll."""

from __future__ import annotations

import datetime as dt

from crm.db import UnitOfWork
from crm.services import assessment, drill, scorecard
from crm.services.drill import Drill, Screen
from crm.services.metrics import Filters, Period
from crm.views.scorecard import LINE_PROJECTS


def figure_screen(uow: UnitOfWork, figure: str, period: Period, as_of: dt.date,
                  filters: Filters | None = None) -> Screen:
    """A 工作台 card's projects: ``signed``, ``started`` or ``not_started``."""
    return drill.first_screen(uow, Drill(figure, period, as_of, filters or Filters()))


def line_screen(uow: UnitOfWork, code: str, year: int, quarter: int | None, as_of: dt.date,
                owner_id: int | None = None) -> Screen:
    """The projects behind a scorecard line (``code`` of :data:`LINE_PROJECTS`): the line's
    figure read a screen at a time; 超时限未开工 is a short list known by its ids (the broken
    start promises)."""
    figure, _title = LINE_PROJECTS[code]
    period = scorecard.scorecard_period(year, quarter)
    filters = Filters(owner_ids=(owner_id,)) if owner_id is not None else Filters()
    if figure == "overdue":
        broken = assessment.broken_promises(uow, min(as_of, period.end), filters)
        ids = tuple(dict.fromkeys(b.project_id for b in broken if b.promise == "开工"))
        return drill.first_screen(uow, ids)
    return drill.first_screen(uow, Drill(figure, period, as_of, filters))
