"""The 重复企业 list at scale gives the same pairs as the plain comparison it replaced: a random
corpus of company names with near-duplicates (typos at either end, a city left out, brackets,
two USCCs), above and below the size where the list stops comparing every pair."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import insert, select, update

from crm.companies_identity import THRESHOLD, NameParts, compare, name_key
from crm.db import Database
from crm.models import Company, DuplicateDismissal
from crm.services import duplicate_index, duplicates
from crm.services.common import SYSTEM
from crm.uscc import make_uscc

PLACES = ["上海", "武汉", "北京", "", ""]
NEIGHBOURS_APART = 2 * duplicates.NEIGHBOURS + 5  # more than a run around one place
WORDS = ["科技", "智能", "新材料", "生物医药", "电子", "环保", "实业"]


def _reference_near_pairs(cores: list[str]) -> set[tuple[int, int]]:
    """The list's candidate pairs as they were found before (one extract per company, a list
    built per window), kept here to prove the faster search finds the same ones."""
    from rapidfuzz import fuzz, process

    n = len(cores)
    out: set[tuple[int, int]] = set()
    if n <= duplicates.ALL_PAIRS_UP_TO:
        for i in range(n - 1):
            rest = cores[i + 1:]
            for _, _, j in process.extract(cores[i], rest, scorer=fuzz.ratio,
                                           score_cutoff=THRESHOLD, limit=None):
                out.add((i, i + 1 + j))
        return out
    for flip in (False, True):
        order = sorted(range(n), key=(lambda k: cores[k][::-1]) if flip else cores.__getitem__)
        for pos, i in enumerate(order[:-1]):
            window = order[pos + 1:pos + 1 + duplicates.NEIGHBOURS]
            for _, _, w in process.extract(cores[i], [cores[j] for j in window],
                                           scorer=fuzz.ratio, score_cutoff=THRESHOLD,
                                           limit=None):
                j = window[w]
                out.add((min(i, j), max(i, j)))
    return out


def _corpus(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 600, 3)]
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    while len(rows) < n:
        brand = "".join(rng.choice(chars) for _ in range(rng.choice((2, 3, 4, 5))))
        word = rng.choice(WORDS)
        place = rng.choice(PLACES)
        variants = [f"{place}{brand}{word}有限公司"]
        roll = rng.random()
        if roll < 0.15:  # a typo at the end or the start
            variants.append(f"{place}{brand}{word[:-1]}{rng.choice(chars)}有限公司")
        elif roll < 0.3:
            variants.append(f"{place}{rng.choice(chars)}{brand[1:]}{word}有限公司")
        elif roll < 0.4:  # the city left out or put in brackets
            variants.append(f"{brand}{word}（{place or '武汉'}）有限公司")
        elif roll < 0.45:
            variants.append(f"{brand}{word}有限责任公司")
        for name in variants:
            if name in seen:
                continue
            seen.add(name)
            uscc = make_uscc(f"91420100{len(rows):08d}X") if rng.random() < 0.2 else None
            rows.append({"name": name, "sort_key": name, "initials": "",
                         "name_key": name_key(name), "hq_city": "", "note": "",
                         "former_names": "", "uscc": uscc})
    return rows[:n]


Row = tuple[int, int, int, str, bool]


def _reference(db: Database) -> set[Row]:
    """The list as the plain comparison makes it: every live company in the order of its
    normalised name (then id), candidate pairs by _reference_near_pairs, then judged."""
    with db.engine.connect() as conn:
        live = list(conn.execute(select(Company.id, Company.name_key, Company.uscc)
                                 .where(Company.deleted_at.is_(None))).all())
        dismissed = set(conn.execute(select(DuplicateDismissal.company_a_id,
                                            DuplicateDismissal.company_b_id)).all())
    live.sort(key=lambda r: (r[1], r[0]))
    parts = [NameParts.of_key(key) for _, key, _ in live]
    out = set()
    for i, j in _reference_near_pairs([p.core for p in parts]):
        (a, _, ua), (b, _, ub) = live[i], live[j]
        a, b = min(a, b), max(a, b)
        verdict = compare(parts[i], parts[j])
        if verdict is None or (a, b) in dismissed or (ua and ub and ua != ub):
            continue
        out.add((a, b, verdict.score, verdict.reason, verdict.sure))
    return out


def _listed(db: Database) -> list[Row]:
    return [(min(p.a_id, p.b_id), max(p.a_id, p.b_id), p.score, p.reason, p.sure)
            for p in db.read(duplicates.duplicate_pairs, SYSTEM)]


def _edit(db: Database, rng: random.Random, rows: list[dict[str, object]], k: int) -> None:
    """k writes of every kind, by SQL as an import would: new companies (some the near twin
    of a stored one), renames, deletions and restorations."""
    with db.engine.begin() as conn:
        ids = [i for (i,) in conn.execute(select(Company.id))]
        for _ in range(k):
            roll = rng.random()
            cid = rng.choice(ids)
            if roll < 0.05:  # a block that sorts between two neighbours: they part
                stem = str(rng.choice(rows)["name"]).removesuffix("有限公司")
                for extra in range(NEIGHBOURS_APART):
                    name = f"{stem}{chr(0x4E00 + extra)}有限公司"
                    conn.execute(insert(Company).values(
                        name=name, sort_key=name, initials="", name_key=name_key(name),
                        hq_city="", note="", former_names=""))
            elif roll < 0.3:
                name = f"{rng.choice(rows)['name']}{rng.choice('甲乙丙')}"
                name = name if rng.random() < 0.5 else f"新{name}"
                conn.execute(insert(Company).values(
                    name=name, sort_key=name, initials="", name_key=name_key(name),
                    hq_city="", note="", former_names=""))
            elif roll < 0.6:
                name = f"{rng.choice(rows)['name']}{rng.choice('子丑寅')}"
                conn.execute(update(Company).where(Company.id == cid).values(
                    name=name, name_key=name_key(name)))
            elif roll < 0.85:
                conn.execute(update(Company).where(Company.id == cid).values(
                    deleted_at=dt.datetime(2026, 1, 1)))
            elif roll < 0.92:  # a USCC given, or another one: a pair may leave or come back
                conn.execute(update(Company).where(Company.id == cid).values(
                    uscc=make_uscc(f"91420100{rng.randrange(10**8):08d}X")
                    if rng.random() < 0.7 else None))
            else:
                conn.execute(update(Company).where(Company.id == cid).values(deleted_at=None))


@pytest.mark.parametrize("n", [800, duplicates.ALL_PAIRS_UP_TO + 1500])
def test_same_pairs_as_the_plain_comparison(db: Database, n: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _corpus(n, seed=n)
    with db.engine.begin() as conn:
        conn.execute(insert(Company), rows)
    first = _listed(db)
    assert len(first) > n // 10  # the corpus holds near-duplicates of every kind
    assert {reason[:4] for *_, reason, _ in first} >= {"名称规范", "名称相同", "名称相似"}
    assert set(first) == _reference(db)
    assert first == sorted(first, key=lambda r: (not r[4], -r[2], r[0], r[1]))
    a, b, *_ = first[len(first) // 2]
    db.run(duplicates.dismiss_pair, SYSTEM, a, b)
    assert (a, b) not in {r[:2] for r in _listed(db)}
    assert set(_listed(db)) == _reference(db)


def test_kept_up_to_date_through_writes(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many rounds of a few writes each: the pairs read after each are the plain comparison's,
    brought up to date without rebuilding."""
    n = duplicates.ALL_PAIRS_UP_TO + 600
    rows = _corpus(n, seed=3)
    with db.engine.begin() as conn:
        conn.execute(insert(Company), rows)
    assert set(_listed(db)) == _reference(db)
    rebuilt: list[int] = []
    real = duplicate_index.rebuild
    monkeypatch.setattr(duplicate_index, "rebuild",
                        lambda conn: rebuilt.append(1) or real(conn))  # type: ignore[func-returns-value]
    rng = random.Random(7)
    for _ in range(12):
        _edit(db, rng, rows, rng.choice((1, 5, 20)))
        listed = _listed(db)
        assert set(listed) == _reference(db)
        assert db.read(duplicates.count_pairs, SYSTEM) == len(listed)  # "共 n 对"
    assert rebuilt == []
    page = db.read(duplicates.duplicate_pairs, SYSTEM, limit=7, offset=5)
    assert [(min(p.a_id, p.b_id), max(p.a_id, p.b_id)) for p in page] == \
        [r[:2] for r in _listed(db)[5:12]]
    assert db.read(duplicates.count_pairs, SYSTEM) == len(_listed(db))


def test_a_block_written_between_two_neighbours_parts_them(db: Database) -> None:
    """Two names one character apart are neighbours in both orders; many new companies whose
    names sort between them in each order part them: the pair leaves the list, as it would
    had the list compared every company again."""
    x, y, c = chr(0x8000), chr(0x8001), [chr(0x8100 + i) for i in range(3)]
    twins = [f"{c[0]}{c[1]}{c[2]}{x}{c[2]}{c[1]}{c[0]}有限公司",
             f"{c[0]}{c[1]}{c[2]}{y}{c[2]}{c[1]}{c[0]}有限公司"]
    rows = _corpus(duplicates.ALL_PAIRS_UP_TO + 200, seed=5)
    with db.engine.begin() as conn:
        conn.execute(insert(Company), rows)
        ids = [conn.execute(insert(Company).values(
            name=name, sort_key=name, initials="", name_key=name_key(name), hq_city="",
            note="", former_names="")).inserted_primary_key[0]  # type: ignore[index]
            for name in twins]
    assert tuple(ids) in {r[:2] for r in _listed(db)}
    forward = [f"{c[0]}{c[1]}{c[2]}{x}{chr(0x9500 + k)}有限公司" for k in range(NEIGHBOURS_APART)]
    backward = [f"{chr(0x9500 + k)}{x}{c[2]}{c[1]}{c[0]}有限公司" for k in range(NEIGHBOURS_APART)]
    with db.engine.begin() as conn:
        for name in forward + backward:
            conn.execute(insert(Company).values(
                name=name, sort_key=name, initials="", name_key=name_key(name), hq_city="",
                note="", former_names=""))
    listed = _listed(db)
    assert tuple(ids) not in {r[:2] for r in listed}
    assert set(listed) == _reference(db)
