"""The command line of DESIGN §5, in process (``crm.cli.main``) and as a real process."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.cli import main
from crm.db import Database
from crm.models import User
from crm.services import metrics, pipeline, projects, users
from crm.services.common import SYSTEM
from crm.services.metrics import Period
from tests.unit.builders import D

ROOT = Path(__file__).resolve().parents[2]
H1 = ["--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-12-31"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stats_json(capsys: pytest.CaptureFixture[str], db: Database, *extra: str) -> dict[str, object]:
    code, out, err = run(capsys, "--db", db.url, "stats", *H1, *extra, "--json")
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


def test_init_creates_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sub" / "new.db"
    code, out, _ = run(capsys, "--db", str(path), "init")
    assert code == 0 and path.exists()
    db = Database(str(path), upgrade=False)
    current, head = db.schema_state()
    db.dispose()
    assert current == head and head in out


def test_demo_then_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "demo.db")
    code, out, _ = run(capsys, "--db", path, "demo")
    assert code == 0
    assert "26" in out and "15" in out and "57.69%" in out
    code, out, _ = run(capsys, "--db", path, "stats", *H1)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "期间 2025-01-01 至 2025-06-30（截至 2025-12-31）"
    assert "签约数    26" in lines and "开工数    15" in lines and "开工率    57.69%" in lines
    code, _, err = run(capsys, "--db", path, "demo")  # not twice
    assert code != 0 and err.count("\n") == 1


def test_stats_json_keys(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    j = stats_json(capsys, demo_db)
    assert {"period_from", "period_to", "as_of", "signed", "started", "start_rate",
            "start_rate_text", "signed_amount_yi"} <= set(j)
    assert (j["period_from"], j["period_to"], j["as_of"]) == ("2025-01-01", "2025-06-30",
                                                               "2025-12-31")
    assert (j["signed"], j["started"], j["start_rate"], j["start_rate_text"]) == (
        26, 15, 0.5769, "57.69%")
    assert isinstance(j["signed_amount_yi"], str)


def test_stats_filters(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    j = stats_json(capsys, demo_db, "--event", "楚材聚汉")
    assert (j["signed"], j["signed_amount_yi"]) == (8, "50.70")
    # 新材料 in 2025 上半年: 半导体 74000, 疏能 35000, 光华 28000, 芯联 100000, 绿源 12000
    # (dropped), 长江碳纤维 45000; the first four start in 2025.
    j = stats_json(capsys, demo_db, "--industry", "新材料")
    assert (j["signed"], j["started"], j["start_rate_text"], j["signed_amount_yi"]) == (
        6, 4, "66.67%", "29.40")
    assert stats_json(capsys, demo_db, "--owner", "王芳")["signed"] == 3
    j = stats_json(capsys, demo_db, "--from", "2020-01-01", "--to", "2020-06-30",
                   "--as-of", "2020-12-31")  # before the demo's first signing
    assert (j["signed"], j["start_rate"], j["start_rate_text"]) == (0, None, "—")


def test_stats_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "e.db")
    assert run(capsys, "--db", path, "init")[0] == 0
    code, out, _ = run(capsys, "--db", path, "stats", "--json")
    j = json.loads(out)
    assert code == 0 and (j["signed"], j["start_rate"], j["start_rate_text"]) == (0, None, "—")


def test_projects_json(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", demo_db.url, "projects", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 56  # 54 plans and two 招商图谱 targets turned into leads
    assert all({"id", "name", "company", "stage", "signed_on", "started_on"} <= set(r)
               for r in rows)
    assert {r["stage"] for r in rows} <= {"lead", "negotiating", "signed", "started",
                                          "producing", "dropped"}
    wing = next(r for r in rows if r["name"] == "翼鸟智能无人系统项目")
    assert (wing["company"], wing["stage"], wing["signed_on"], wing["started_on"]) == (
        "上海翼鸟智能科技有限公司", "started", "2025-06-12", "2025-08-18")
    code, out, _ = run(capsys, "--db", demo_db.url, "projects", "--stage", "在谈", "--json")
    rows = json.loads(out)
    assert len(rows) == 8 and {r["stage"] for r in rows} == {"negotiating"}
    code, out, _ = run(capsys, "--db", demo_db.url, "projects", "--stage", "dropped")
    assert out.splitlines()[-1] == "共 2 个项目"


def test_advance_sign_at_event_then_open(demo_db: Database,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    name = "航空铝材深加工项目"  # in talks since 2025-09-28: it signs at the 2026 event
    code, out, err = run(capsys, "--db", demo_db.url, "advance", name, "--to", "signed",
                         "--date", "2026-05-21", "--amount", "1.5亿元", "--event", "人工智能产业")
    assert code == 0, err
    assert "已签约" in out
    row = demo_db.read(projects.find_project, name)
    assert (row.stage, row.signed_on, row.signed_amount, row.signing_event) == (
        "signed", D(2026, 5, 21), Decimal(15000), "人工智能产业对接会")
    code, out, err = run(capsys, "--db", demo_db.url, "advance", str(row.id), "--to", "started",
                         "--date", "2026-07-02", "--kind", "开业")
    assert code == 0, err
    row = demo_db.read(projects.get_project, row.id)
    assert (row.stage, row.started_on, row.start_kind) == ("started", D(2026, 7, 2), "开业")
    history = demo_db.read(projects.stage_history, row.id)
    assert [(h.from_stage, h.to_stage) for h in history[-2:]] == [
        ("negotiating", "signed"), ("signed", "started")]
    # the full year now has one more signing and one more start (2026: 博睿, 星河, 恒信, 中科,
    # 汉江 signed, 博睿 and 星河 started)
    year = demo_db.read(metrics.start_rate, Period(D(2026, 1, 1), D(2026, 12, 31)),
                        D(2026, 11, 28))
    assert (year.signed, year.started) == (5 + 1, 2 + 1)


def test_advance_chinese_stage_name_opening(demo_db: Database,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", demo_db.url, "advance", "江城检测认证中心", "--to",
                       "已开业", "--date", "2025-07-01")
    assert code == 0, err
    row = demo_db.read(projects.find_project, "江城检测认证中心")
    assert (row.stage, row.start_kind) == ("started", "开业")


@pytest.mark.parametrize(("argv", "words"), [
    (["advance", "没有这个项目", "--to", "signed", "--date", "2025-01-01", "--amount", "1"],
     "找不到项目“没有这个项目”"),
    (["advance", "航空铝材深加工项目", "--to", "signed", "--date", "2025-13-01", "--amount", "1"],
     "YYYY-MM-DD"),
    (["advance", "航空铝材深加工项目", "--to", "won", "--date", "2025-01-01"], "未知阶段"),
    (["advance", "航空铝材深加工项目", "--to", "signed", "--date", "2025-01-01"], "协议"),
    (["advance", "航空铝材深加工项目", "--to", "signed", "--date", "2025-01-01", "--amount",
      "-3"], "负数"),
    (["advance", "航空铝材深加工项目", "--to", "started", "--date", "2025-01-01", "--kind",
      "动工"], "参数错误"),
    (["stats", "--event", "不存在的活动"], "找不到"),
    (["stats", "--from", "2025-06-30", "--to", "2025-01-01"], "早于"),
    (["frobnicate"], "参数错误"),
])
def test_bad_input_is_one_line(demo_db: Database, capsys: pytest.CaptureFixture[str],
                               argv: list[str], words: str) -> None:
    before = demo_db.revision()
    code, out, err = run(capsys, "--db", demo_db.url, *argv)
    assert code != 0
    assert err.count("\n") == 1 and words in err, err
    assert "Traceback" not in err + out
    assert demo_db.revision() == before


def test_bad_input_as_a_process(demo_db: Database, tmp_path: Path) -> None:
    """A real process: exit status, one line on stderr, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cases = [["advance", "999999", "--to", "signed", "--date", "2025-01-01", "--amount", "1"],
             ["advance", "航空铝材深加工项目", "--to", "signed", "--date", "yesterday"],
             ["--db", str(tmp_path), "stats"]]  # a folder is no database
    for argv in cases:
        full = argv if argv[0] == "--db" else ["--db", demo_db.url, *argv]
        proc = subprocess.run([sys.executable, "-m", "crm", *full], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=60)
        assert proc.returncode != 0, argv
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr


def test_backup_opens_with_the_same_figures(demo_db: Database, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # an uncommitted-to-file change (still in the WAL) must be in the copy too
    pid = demo_db.read(projects.find_project, "江城检测认证中心").id
    demo_db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 7, 1),
                start=pipeline.StartInput(D(2025, 7, 1)))
    target = tmp_path / "backups" / "copy.db"
    code, out, err = run(capsys, "--db", demo_db.url, "backup", str(target))
    assert code == 0, err
    assert str(target) in out
    copy = Database(str(target))
    try:
        original = demo_db.read(metrics.start_rate, Period(D(2025, 1, 1), D(2025, 6, 30)),
                                D(2025, 12, 31))
        copied = copy.read(metrics.start_rate, Period(D(2025, 1, 1), D(2025, 6, 30)),
                           D(2025, 12, 31))
        assert copied == original
        assert (copied.signed, copied.started) == (26, 16)
    finally:
        copy.dispose()
    code, _, err = run(capsys, "--db", demo_db.url, "backup", str(tmp_path))
    assert code != 0 and "文件夹" in err


def test_user_add_hashes_the_password(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "u.db"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    code, out, err = run(capsys, "--db", str(path), "user", "add", "zhangsan", "--role", "staff",
                         "--name", "张三", "--password", "s3cret-Pass")
    assert code == 0, err
    monkeypatch.setattr("sys.stdin", io.StringIO("from-stdin-pw\n"))
    code, _, err = run(capsys, "--db", str(path), "user", "add", "lisi", "--role", "manager")
    assert code == 0, err
    db = Database(str(path))
    try:
        with db.uow() as uow:
            hashes = dict(uow.session.execute(select(User.login, User.password_hash)).all())
        assert all(h is not None and h.startswith("$argon2id$") for h in hashes.values())
        assert db.read(users.authenticate, "zhangsan", "s3cret-Pass").display_name == "张三"
        assert db.read(users.authenticate, "lisi", "from-stdin-pw").role == "manager"
    finally:
        db.dispose()
    raw = path.read_bytes() + (path.with_name("u.db-wal").read_bytes()
                               if path.with_name("u.db-wal").exists() else b"")
    assert b"s3cret-Pass" not in raw and b"from-stdin-pw" not in raw
    code, _, err = run(capsys, "--db", str(path), "user", "add", "zhangsan", "--role", "staff",
                       "--password", "another1")
    assert code != 0 and "已存在" in err
    code, out, _ = run(capsys, "--db", str(path), "user", "list")
    assert "zhangsan" in out and "lisi" in out


def test_advance_to_started_refuses_a_start_date_that_differs(
        demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """``--to started``: ``--date`` is the start; a different ``--start-date`` was silently
    dropped. A skip from a lead gets its signing date from ``--sign-date``."""
    today = dt.date.today()
    sign, start = today - dt.timedelta(days=1), today
    lead = next(p for p in demo_db.read(projects.list_projects)
                if p.stage == "lead" and p.lead_on is not None and p.lead_on < sign)
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(lead.id), "--to", "started",
                       "--date", start.isoformat(), "--amount", "100",
                       "--start-date", sign.isoformat())
    assert code == 2 and "--date 就是开工" in err
    assert demo_db.read(projects.get_project, lead.id).stage == "lead"
    code, _, err = run(capsys, "--db", demo_db.url, "advance", str(lead.id), "--to", "started",
                       "--date", start.isoformat(), "--amount", "100",
                       "--sign-date", sign.isoformat())
    assert code == 0, err
    row = demo_db.read(projects.get_project, lead.id)
    assert (row.signed_on, row.started_on) == (sign, start)


def test_db_after_the_verb_says_where_it_goes(demo_db: Database,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "stats", "--db", demo_db.url)
    assert code == 2 and "--db 要写在命令之前" in err and err.count("\n") == 1


def test_audit_of_a_record_that_does_not_exist_says_so(
        demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", demo_db.url, "audit", "--project", "99999")
    assert code == 2 and "项目不存在（编号 99999）" in err
    code, _, err = run(capsys, "--db", demo_db.url, "audit", "--company", "99999")
    assert code == 2 and "企业不存在（编号 99999）" in err


def test_lists_line_up_in_a_terminal_with_chinese_names(
        demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """A Chinese character takes two terminal columns: the role column starts at the same
    column on every line of ``user list`` (未开通登录 and two- or three-character names)."""
    import unicodedata

    from crm.services.common import SYSTEM
    demo_db.run(users.create_person, SYSTEM, "周敏")
    code, out, _ = run(capsys, "--db", demo_db.url, "user", "list")
    assert code == 0 and "未开通登录" in out

    def column_of(line: str, word: str) -> int:
        head = line[:line.rindex(word)]  # the role column, after a login such as "admin"
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in head)
    starts = {column_of(line, role) for line in out.splitlines()
              for role in ("staff", "manager", "admin") if f" {role} " in line}
    assert len(starts) == 1


def test_export_help_names_every_report() -> None:
    """`crm export -h` tells a user each report's code and its Chinese name, carriers included."""
    from crm.cli_zh import STANDARD_HELP
    from crm.excel.reports import REPORTS
    text = STANDARD_HELP["report"]
    missing = [f"{code} {name}" for code, name in REPORTS.items() if f"{code} {name}" not in text]
    assert missing == []
