"""The pinyin keys of a large ledger's names, worked out in a helper process (crm.excel.keys):
the same keys as crm.text gives, whether the helper answers or not, and no process left."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import select

from crm import text
from crm.db import Database
from crm.excel import keys
from crm.excel.importer import import_ledger
from crm.models import Company, Project
from crm.services.common import SYSTEM
from tests.unit.builders import world
from tests.unit.test_excel_import import GOOD, ledger

NAMES = ["宝武（武汉）钢材有限公司", "智能网联汽车零部件基地", "ＡＢＣ１２３", "银行行长 A-1", "",
         "音乐乐器①"]


def _same(a: text.Named, b: text.Named) -> bool:
    return (a.normalized, a.sort_key, a.initials) == (b.normalized, b.sort_key, b.initials)


@pytest.fixture
def every_file_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as large: the helper process is used for the small test ledgers."""
    monkeypatch.setattr(keys, "HELPER_MIN_BYTES", 0)


def test_the_helper_gives_the_keys_crm_text_gives(every_file_large: None, tmp_path: Path) -> None:
    path = tmp_path / "any.xlsx"
    path.write_bytes(b"x")
    with keys.NameKeys.for_file(path) as names:
        assert names.helped
        names.prepare([*NAMES, NAMES[0]])
        names(NAMES[0])
        assert set(NAMES) <= set(names._known)  # the helper answered for every name at once
        for name in [*NAMES, "未交给助手的名称"]:
            assert _same(names(name), text.Named(name)), name
        assert not names.helped  # answered once, then stopped
    assert multiprocessing.active_children() == []


def test_a_helper_that_dies_leaves_the_keys_to_the_importer(every_file_large: None,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "any.xlsx"
    path.write_bytes(b"x")
    with keys.NameKeys.for_file(path) as names:
        names.prepare(NAMES)
        helper = names._helper
        assert helper is not None
        helper.process.kill()
        helper.process.join()
        for name in NAMES:
            assert _same(names(name), text.Named(name)), name
    assert multiprocessing.active_children() == []


def test_a_small_file_needs_no_helper(tmp_path: Path) -> None:
    path = tmp_path / "small.xlsx"
    path.write_bytes(b"x" * 1000)
    with keys.NameKeys.for_file(path) as names:
        assert not names.helped
        assert _same(names(NAMES[0]), text.Named(NAMES[0]))


def test_an_import_through_the_helper_stores_the_same_keys(every_file_large: None, db: Database,
                                                           tmp_path: Path) -> None:
    world(db)
    report = import_ledger(db, SYSTEM, ledger(tmp_path / "l.xlsx", GOOD))
    assert report.errors == () and report.created == 5
    with db.engine.connect() as conn:
        stored = conn.execute(select(Project.name, Project.sort_key, Project.search_text,
                                     Company.name, Company.uscc, Company.sort_key,
                                     Company.initials)
                              .join(Company, Company.id == Project.company_id)
                              .where(Project.name.in_([r[1] for r in GOOD if r[1]]))).all()
    assert len(stored) == 5
    for name, key, search, company, uscc, company_key, company_initials in stored:
        assert key == text.sort_key(name)
        assert search == text.search_text(name, company, uscc)
        assert (company_key, company_initials) == (text.sort_key(company),
                                                   text.initials(company))
    assert multiprocessing.active_children() == []


def test_with_other_threads_running_the_helper_still_answers(every_file_large: None,
                                                               tmp_path: Path) -> None:
    """The app imports on a worker thread; the helper is never a fork of the importing
    process (unsafe with threads), but a fresh interpreter, and must give the same keys."""
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert keys._context().get_start_method() in ("forkserver", "spawn")
        path = tmp_path / "any.xlsx"
        path.write_bytes(b"x")
        with keys.NameKeys.for_file(path) as names:
            names.prepare(NAMES)
            names(NAMES[0])
            assert set(NAMES) <= set(names._known)  # the helper answered
            for name in NAMES:
                assert _same(names(name), text.Named(name)), name
    finally:
        release.set()
        other.join()
    assert multiprocessing.active_children() == []


def test_names_asked_for_before_any_were_sent_do_not_wait(every_file_large: None,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "any.xlsx"
    path.write_bytes(b"x")
    with keys.NameKeys.for_file(path) as names:
        assert names.helped
        assert _same(names(NAMES[0]), text.Named(NAMES[0]))  # worked out here, at once
        assert not names.helped
    assert multiprocessing.active_children() == []
