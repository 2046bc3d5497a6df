"""The projects behind a figure (a drill-down), a screen at a time.

A card of the 工作台 (签约, 开工, 签约未开工 …) or a line of the 考核 page stands for tens of
thousands of projects at a province's million: reading all their ids before showing the first
row took longer than the figure itself. A drill-down reads the count as the figure does (the
rollup's whole months, the rows of the cut ones: counting 26,000 rows took longer than the
screen) and the first screen from ix_projects_signed_live (the figures' own index: the signed
range, then id; it holds what the filters and the start test read), and each further screen
as the user scrolls.

The figures' definitions stay in :mod:`crm.services.metrics`: the conditions are its own
where-builders, so a list can never disagree with the figure it was opened from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select

from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import Project
from crm.services.metrics import (
    Filters,
    Period,
    _signed_where,
    _started_expr,
    signed_and_started,
)
from crm.services.project_rows import ProjectRow, project_rows

SCREEN = 200  # rows read at once: the first screen, then each one further down
FIGURES = ("signed", "started", "not_started")


@dataclass(frozen=True)
class Drill:
    """The projects behind ``figure`` (one of :data:`FIGURES`) for a period, as of a day."""

    figure: str
    period: Period
    as_of: dt.date
    filters: Filters = field(default_factory=Filters)

    def __post_init__(self) -> None:
        if self.figure not in FIGURES:
            raise ValidationError(f"未知指标“{self.figure}”", code="figure.unknown")

    def where(self) -> list[ColumnElement[bool]]:
        where = _signed_where(self.period, self.as_of, self.filters)
        if self.figure == "started":
            where.append(_started_expr(self.as_of))
        elif self.figure == "not_started":
            where.append(~_started_expr(self.as_of))
        return where


# A drill-down, or a short list already known by its ids (the 超时限未开工 of a scorecard line)
Source = Drill | tuple[int, ...]


@dataclass(frozen=True)
class Screen:
    """The first screen of a drill-down: ``total`` projects in all, ``rows`` the first of
    them in order (signing date, then id); :func:`page` reads on from ``source``."""

    source: Source
    total: int
    rows: tuple[ProjectRow, ...]


def count(uow: UnitOfWork, source: Source) -> int:
    """How many projects the drill-down lists: the figure's own 签约数 and 开工数 (read from
    the rollup's whole months and the rows of the cut ones, as the card it was opened from)."""
    if isinstance(source, tuple):
        return len(source)
    signed, started = signed_and_started(uow, source.period, source.as_of, source.filters)
    return {"signed": signed, "started": started, "not_started": signed - started}[
        source.figure]


def ids(uow: UnitOfWork, source: Source, offset: int = 0,
        limit: int | None = None) -> list[int]:
    """The ids in display order, ``limit`` of them from row ``offset`` (all without a limit):
    streamed from the signed index in its order, never sorted."""
    if isinstance(source, tuple):
        return list(source[offset:None if limit is None else offset + limit])
    # ordered by deleted_at first (NULL in every live row): PostgreSQL then sees that
    # ix_projects_signed_live holds the order and stops after the screen, where it read the
    # whole range and sorted it
    stmt: Any = (select(Project.id).where(*source.where())
                 .order_by(Project.deleted_at, Project.signed_on, Project.id)
                 .offset(offset or None).limit(limit))
    return list(uow.session.scalars(stmt))


def page(uow: UnitOfWork, source: Source, offset: int, limit: int = SCREEN) -> list[ProjectRow]:
    """The rows of one screen from row ``offset``."""
    return project_rows(uow, ids(uow, source, offset, limit))


def first_screen(uow: UnitOfWork, source: Source, limit: int = SCREEN) -> Screen:
    """The count and the first screen, read together (what a drill-down opens with)."""
    return Screen(source, count(uow, source), tuple(page(uow, source, 0, limit)))
