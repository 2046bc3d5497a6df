"""What a newcomer meets on the command line: Chinese messages, exit 2, nothing created."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm.cli import build_parser, main
from crm.db import Database

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_chinese_line(err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("错误："), err
    for english in ("argument", "invalid choice", "required", "usage", "Error", "error:"):
        assert english not in err, err


@pytest.mark.parametrize("argv, words", [
    ([], "缺少必需的参数：命令"),
    (["frobnicate"], "无效的取值 'frobnicate'"),
    (["stats", "--bogus"], "无法识别的参数：--bogus"),
    (["stats", "--from"], "--from：需要一个值"),
    (["advance", "x"], "缺少必需的参数：--to, --date"),
    (["export", "nothing", "--out", "a.xlsx"], "无效的取值 'nothing'"),
])
def test_argparse_speaks_chinese(capsys: pytest.CaptureFixture[str], argv: list[str],
                                 words: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and words in err, err
    _one_chinese_line(err)


def test_every_option_has_help_and_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])  # registers the verbs of the other modules
    capsys.readouterr()
    parser = build_parser()
    missing: list[str] = []

    def walk(p: argparse.ArgumentParser, where: str) -> None:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{where} {name}")
            elif not action.help:
                missing.append(f"{where} {action.dest}")
    walk(parser, "crm")
    assert not missing
    code, out, _ = run(capsys, "stats", "-h")
    assert code == 0 and out.startswith("用法：crm stats")
    assert "YYYY-MM-DD" in out and "docs/figures.md" in out and "show this help" not in out


def test_a_missing_database_is_refused_and_nothing_created(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "typo"
    for argv in (["stats"], ["projects"], ["export", "ledger", "--out", str(tmp_path / "o.xlsx")],
                 ["backup", str(tmp_path / "b.db")], ["audit"], ["user", "list"]):
        code, _, err = run(capsys, "--db", str(folder / "crm.db"), *argv)
        assert code == 2 and "数据库不存在" in err and f"--db {folder / 'crm.db'} init" in err, err
        _one_chinese_line(err)
    # without --db: the default database, and the hint is plain `crm init`
    code, _, err = run(capsys, "stats")
    assert code == 2 and "请运行：crm init" in err, err
    assert not folder.exists() and not (tmp_path / "data").exists()
    assert list(tmp_path.iterdir()) == []
    empty = tmp_path / "empty.db"  # a file with no schema in it is not initialised either
    empty.touch()
    code, _, err = run(capsys, "--db", str(empty), "stats")
    assert code == 2 and "尚未初始化" in err and empty.stat().st_size == 0, err


def test_output_folders_and_os_errors(demo_db: Database, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", demo_db.url, "export", "ledger", "--out",
                       str(tmp_path / "nodir" / "o.xlsx"))
    assert code == 2 and "文件夹不存在" in err and not (tmp_path / "nodir").exists()
    _one_chinese_line(err)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # root writes anywhere: then a path no one can create
        target = "/proc/crm-test.xlsx" if os.access(locked, os.W_OK) else str(locked / "o.xlsx")
        code, _, err = run(capsys, "--db", demo_db.url, "export", "ledger", "--out", target)
    finally:
        locked.chmod(0o700)
    assert code == 2 and "无法写入文件" in err, err
    _one_chinese_line(err)


def test_a_closed_pipe_is_one_line(demo_db: Database, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen([sys.executable, "-m", "crm", "--db", demo_db.url, "projects"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # as `| head -0` would
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 2
    assert err == "错误：输出管道已关闭，其余输出未写出\n", err


def test_crm_log_holds_warnings_not_migrations(tmp_path: Path) -> None:
    import logging

    from crm import logs

    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    try:
        path = logs.setup()
        Database(str(tmp_path / "new.db")).dispose()  # every migration step logs at INFO
        logging.getLogger("crm.test").warning("a warning is kept")
        for handler in root.handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "a warning is kept" in text and "alembic" not in text and " INFO " not in text, text
    finally:
        for handler in root.handlers:
            if handler not in kept[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(kept[1])


def test_an_as_of_date_after_today_is_refused_by_every_verb(
        demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An as-of date after today asks for figures of a day that has not happened: one Chinese
    line naming both days, exit 2, nothing written, the same for every verb taking --as-of
    (checked where dates are parsed); today itself, and a period ending later, are fine."""
    import datetime as dt

    from crm import clock
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 9, 15))
    out_file = tmp_path / "r.xlsx"
    for verb in (["stats"], ["alerts"], ["promises"], ["chains"], ["scorecard", "--year", "2025"],
                 ["export", "start-rate", "--out", str(out_file)]):
        code, out, err = run(capsys, "--db", demo_db.url, *verb, "--as-of", "2025-09-16")
        assert (code, out) == (2, ""), verb
        _one_chinese_line(err)
        assert "--as-of 2025-09-16 晚于今天（2025-09-15）" in err, (verb, err)
    assert not out_file.exists()
    code, out, err = run(capsys, "--db", demo_db.url, "stats", "--from", "2025-01-01",
                         "--to", "2025-12-31", "--as-of", "2025-09-15")
    assert code == 0 and "截至 2025-09-15" in out, err
