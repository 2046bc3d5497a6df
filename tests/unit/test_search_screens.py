"""A search with many hits is counted and read a screen at a time (crm.services.contacts): the
count with the first screen, and every screen after it, walked along the order's index or
sorted, are exactly the whole list as the plain scan has it, in every order, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from crm import search
from crm.db import Database
from crm.services import contacts
from crm.services.contacts import LOG_SORTS, LogQuery
from tests.unit.test_trigram_search import _corpus, old_logs, prefixed_logs


def _screens(uow: object, q: LogQuery, total: int, size: int) -> list[int]:
    out: list[int] = []
    for offset in range(0, total + size, size):
        page = contacts.log_ids(uow, q, offset, size)  # type: ignore[arg-type]
        assert len(page) == min(size, max(0, total - offset)), (q, offset)
        out += page
    return out


@pytest.mark.parametrize("walk", [0, 10**9], ids=["sorted", "walked"])
def test_a_search_with_many_hits_is_counted_then_read_a_screen_at_a_time(
        db: Database, walk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count the list shows is the scan's, and paging through it, several screens deep,
    gives the scan's ids in the scan's order, whether each screen is found by walking the
    order's index (``walk``: always) or by sorting the matches (never)."""
    _corpus(db, seed=16)
    monkeypatch.setattr(contacts, "ALL_FOUND", 5)  # the corpus's searches page
    monkeypatch.setattr(contacts, "SCREEN", 4)
    monkeypatch.setattr(contacts, "WALK", walk)
    checked = 0
    for needle in ("产业园", "科技有限", "a_b", "100%", "商议下", "HQ 选", "恒泰", "zzzz"):
        expected = old_logs(db, needle)
        q = LogQuery(search=needle)
        with db.uow() as uow:
            first = contacts.log_ids_or_count(uow, q)
            assert contacts.count_logs(uow, q) == len(expected), needle
            if len(expected) > 5 and not search.short(needle):  # (a short one: a scan)
                # the first screen, then a row to read for each of the others (the count)
                assert first == expected[:4] + [None] * (len(expected) - 4), needle
                checked += 1
            else:
                assert first == expected, needle
            assert _screens(uow, q, len(expected), 7) == expected, needle
            for sort in LOG_SORTS:  # every order: the screens are slices of the whole list
                for descending in (False, True):
                    q = LogQuery(search=needle, sort=sort, descending=descending)
                    whole = contacts.log_ids(uow, q)
                    assert sorted(whole) == sorted(expected), (needle, sort)
                    assert _screens(uow, q, len(whole), 9) == whole, (needle, sort, descending)
            q = LogQuery(search=needle, date_to=contacts.dt.date(2025, 6, 1))  # and a filter
            whole = contacts.log_ids(uow, q)
            assert [i for i in contacts.log_ids_or_count(uow, q) if i is not None] == \
                whole[:len(whole) if len(whole) <= 5 else 4]
            assert _screens(uow, q, len(whole), 4) == whole
    assert checked >= 3  # most of them paged, several screens deep


@pytest.mark.parametrize("walk", [0, 10**9], ids=["sorted", "walked"])
def test_a_short_needle_in_a_large_table_pages_the_same_way(
        db: Database, walk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """One or two characters among a province's logs (crm.search.prefix): counted, then read
    a screen at a time, the same rows as the rule written out."""
    monkeypatch.setattr(search, "SCAN_ROWS", -1)
    monkeypatch.setattr(contacts, "ALL_FOUND", 5)
    monkeypatch.setattr(contacts, "SCREEN", 3)
    monkeypatch.setattr(contacts, "WALK", walk)
    _corpus(db, seed=16)
    checked = 0
    for needle in ("武", "s", "sh", "上海", "cq", "长"):
        expected = prefixed_logs(db, needle)
        q = LogQuery(search=needle)
        with db.uow() as uow:
            first = contacts.log_ids_or_count(uow, q)
            assert first == (expected[:3] + [None] * (len(expected) - 3)
                             if len(expected) > 5 else expected), needle
            checked += len(expected) > 20
            assert _screens(uow, q, len(expected), 6) == expected, needle
            q = LogQuery(search=needle, sort="company")
            assert _screens(uow, q, len(expected), 8) == contacts.log_ids(uow, q), needle
    assert checked >= 2
