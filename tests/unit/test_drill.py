"""Drill-downs a screen at a time (crm.services.drill): the count and the screens read one by one
are exactly the projects the figure counts (metrics.figure_project_ids, the oracle), in its
order, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest

from crm.db import Database
from crm.errors import ValidationError
from crm.services import drill, metrics
from crm.services.drill import Drill
from crm.services.metrics import Filters, Period
from tests.unit.builders import D, World, project, sign, start, world

H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
AS_OF = D(2025, 12, 31)


def _history(db: Database, w: World, n: int = 23) -> None:
    """``n`` projects signed on random days of 2024–2025 (several on one day), some started in
    the signing's year, some the next, some never; half of them owned by another person."""
    rng = random.Random(16)
    for i in range(n):
        owner = w.other_staff if i % 2 else w.staff
        pid = project(db, w, f"项目{i:02d}", owner=owner, lead_on=D(2024, 1, 1))
        signed = D(2024 + rng.randrange(2), rng.randrange(1, 13), rng.choice((5, 5, 17)))
        sign(db, pid, signed, "1")
        fate = rng.randrange(3)
        if fate == 1:
            start(db, pid, D(signed.year, 12, 28))
        elif fate == 2:
            start(db, pid, D(signed.year + 1, 1, 9))


@pytest.mark.parametrize("figure", drill.FIGURES)
def test_screens_read_one_by_one_are_the_figures_projects(db: Database, figure: str) -> None:
    w = world(db)
    _history(db, w)
    for filters in (Filters(), Filters(owner_ids=(w.other_staff.user_id,))):  # type: ignore[arg-type]
        d = Drill(figure, H1, AS_OF, filters)
        whole = db.read(metrics.figure_project_ids, figure, H1, AS_OF, filters)
        assert whole, "the history gives every figure some projects"
        screen = db.read(drill.first_screen, d, 3)
        assert screen.total == len(whole)
        assert [r.id for r in screen.rows] == whole[:3]
        read = [r.id for r in screen.rows]
        while len(read) < screen.total:  # scrolling on, a screen at a time
            more = db.read(drill.page, d, len(read), 3)
            assert more, "a screen short of the count"
            read += [r.id for r in more]
        assert read == whole  # signing date, then id: the figure's own order
        assert db.read(drill.page, d, len(whole), 3) == []


def test_a_short_list_known_by_its_ids_pages_the_same_way(db: Database) -> None:
    w = world(db)
    _history(db, w, 5)
    ids = tuple(reversed(db.read(metrics.figure_project_ids, "signed", H1, AS_OF)))
    screen = db.read(drill.first_screen, ids, 2)
    assert (screen.total, [r.id for r in screen.rows]) == (len(ids), list(ids[:2]))
    assert [r.id for r in db.read(drill.page, ids, 2, 2)] == list(ids[2:4])


def test_an_unknown_figure_is_refused() -> None:
    with pytest.raises(ValidationError):
        Drill("won", H1, AS_OF)
