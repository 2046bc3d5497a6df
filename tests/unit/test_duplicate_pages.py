"""The 重复企业 list read a screen at a time (the page) and streamed (``crm companies``) is the
whole list: screen by screen, after random writes and a dismissal, and the command line's
output is what it printed when it read every pair at once."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import insert

from crm.cli import main
from crm.db import Database
from crm.errors import PermissionDenied
from crm.models import Company
from crm.services import duplicates, projects
from crm.services.common import SYSTEM
from crm.text import pad
from crm.views.duplicates import PairQuery, pair_count, pair_page
from tests.unit.builders import project, world
from tests.unit.test_duplicate_pairs_scale import _corpus, _edit

SCREEN = 200  # the page's screen (ui.models.id_list.BATCH)
EVERY = 37  # marks this close: each screen starts from one, across sure and scores


def _screens(db: Database) -> list[duplicates.Pair]:
    """The list as the page reads it: the count, then each screen from its row; each screen
    read again from the nearest of the marks (a jump) and by its ids (after a reload) is the
    same screen."""
    query = PairQuery(SYSTEM)
    total = db.read(pair_count, query)
    marks = db.read(duplicates.pair_marks, SYSTEM, EVERY)
    if marks is not None:  # the stored list (above ALL_PAIRS_UP_TO companies)
        assert marks.sizes == (total,)
    shown: list[duplicates.Pair] = []
    for offset in range(0, total, SCREEN):
        screen = db.read(pair_page, query, offset, SCREEN)
        assert len(screen) == min(SCREEN, total - offset)
        assert db.read(pair_page, query, offset, SCREEN, marks) == screen
        assert db.read(duplicates.pairs_by_id, SYSTEM, [p.id for p in screen]) == screen
        shown.extend(screen)
    assert db.read(pair_page, query, total, SCREEN) == []
    assert db.read(pair_page, query, total, SCREEN, marks) == []
    return shown


def _jumps(db: Database, whole: list[duplicates.Pair], rng: random.Random) -> None:
    """Screens from random rows, short and long, from the marks: the whole list's rows."""
    marks = db.read(duplicates.pair_marks, SYSTEM, EVERY)
    assert marks is not None and len(marks.points[0]) > 3
    # each mark is the pair at its row
    assert [m[2:] for m in marks.points[0]] == [
        (min(p.a_id, p.b_id), max(p.a_id, p.b_id)) for p in whole[::EVERY]]
    for _ in range(40):
        offset, limit = rng.randrange(len(whole) + 5), rng.choice((1, 7, SCREEN))
        got = db.read(pair_page, PairQuery(SYSTEM), offset, limit, marks)
        assert got == whole[offset:offset + limit]


@pytest.mark.parametrize("n", [900, duplicates.ALL_PAIRS_UP_TO + 1500])
def test_the_screens_are_the_whole_list(db: Database, n: int,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duplicates, "STREAM_CHUNK", 23)  # iter_pairs: many reads, each from
    # the last pair of the one before, across sure and scores
    rows = _corpus(n, seed=n + 1)
    with db.engine.begin() as conn:
        conn.execute(insert(Company), rows)
    whole = db.read(duplicates.duplicate_pairs, SYSTEM)
    assert len(whole) > SCREEN  # more than one screen
    assert _screens(db) == whole
    rng = random.Random(n)
    for _ in range(3):
        _edit(db, rng, rows, rng.choice((1, 5, 20)))
        pick = db.read(duplicates.duplicate_pairs, SYSTEM, limit=1, offset=SCREEN + 3)[0]
        db.run(duplicates.dismiss_pair, SYSTEM, pick.a_id, pick.b_id)
        whole = db.read(duplicates.duplicate_pairs, SYSTEM)
        assert pick.id not in {p.id for p in whole}
        assert _screens(db) == whole
        assert list(db.read(lambda uow: list(duplicates.iter_pairs(uow, SYSTEM)))) == whole
        if n > duplicates.ALL_PAIRS_UP_TO:
            _jumps(db, whole, rng)


def test_pair_ids_name_two_companies_either_way() -> None:
    assert duplicates.pair_id(7, 3) == duplicates.pair_id(3, 7) == 3 << 32 | 7
    assert duplicates.pair_id(2**31 - 1, 2**31 - 2) >> 32 == 2**31 - 2


def test_the_command_line_streams_what_it_printed(db: Database,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duplicates, "STREAM_CHUNK", 50)
    with db.engine.begin() as conn:
        conn.execute(insert(Company), _corpus(duplicates.ALL_PAIRS_UP_TO + 400, seed=11))
    whole = db.read(duplicates.duplicate_pairs, SYSTEM)
    assert len(whole) > duplicates.STREAM_CHUNK  # more than one read of the cursor
    url = db.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "companies", "duplicates"]) == 0
    text = capsys.readouterr().out
    # what the command printed when it read the whole list first
    lines = [f"{p.a_id:>6}  {pad(p.a_name, 34)}  {p.b_id:>6}  {pad(p.b_name, 34)}  {p.reason}"
             for p in whole]
    lines.append(f"共 {len(whole)} 对疑似重复的企业；合并：crm companies merge A B")
    assert text == "\n".join(lines) + "\n"
    assert main(["--db", url, "companies", "duplicates", "--json"]) == 0
    out = capsys.readouterr().out
    assert out == json.dumps([
        {"a": {"id": p.a_id, "name": p.a_name, "uscc": p.a_uscc, "projects": p.a_projects},
         "b": {"id": p.b_id, "name": p.b_name, "uscc": p.b_uscc, "projects": p.b_projects},
         "score": p.score, "reason": p.reason, "sure": p.sure} for p in whole],
        ensure_ascii=False) + "\n"


def test_staff_read_no_pairs_however_asked(db: Database) -> None:
    w = world(db)
    with db.uow() as uow:
        for read in (lambda: duplicates.iter_pairs(uow, w.staff),  # refused at the call
                     lambda: duplicates.pairs_by_id(uow, w.staff, [duplicates.pair_id(1, 2)]),
                     lambda: pair_count(uow, PairQuery(w.staff)),
                     lambda: pair_page(uow, PairQuery(w.staff), 0, SCREEN)):
            with pytest.raises(PermissionDenied):
                read()


def test_each_side_shows_its_live_projects(db: Database) -> None:
    """The stored list counts each company's live projects (the left side: the one with more,
    the natural survivor of a merge), however the screen is read."""
    w = world(db)
    with db.engine.begin() as conn:
        conn.execute(insert(Company), _corpus(duplicates.ALL_PAIRS_UP_TO + 300, seed=4))
    first = db.read(pair_page, PairQuery(SYSTEM), 0, SCREEN)
    one, two = first[3], first[150]
    for k in range(2):
        project(db, w, f"项目甲{k}", company=max(one.a_id, one.b_id))
    project(db, w, "项目乙", company=min(two.a_id, two.b_id))
    dropped = project(db, w, "项目丙", company=min(two.a_id, two.b_id))
    db.run(projects.delete_project, w.manager, dropped)
    screen = db.read(pair_page, PairQuery(SYSTEM), 0, SCREEN)
    by_id = {p.id: p for p in screen}
    assert (by_id[one.id].a_id, by_id[one.id].a_projects, by_id[one.id].b_projects) == (
        max(one.a_id, one.b_id), 2, 0)
    assert (by_id[two.id].a_id, by_id[two.id].a_projects, by_id[two.id].b_projects) == (
        min(two.a_id, two.b_id), 1, 0)
    assert db.read(lambda uow: list(duplicates.iter_pairs(uow, SYSTEM)))[:SCREEN] == screen
    assert db.read(duplicates.pairs_by_id, SYSTEM, [one.id, two.id]) == [by_id[one.id],
                                                                          by_id[two.id]]
