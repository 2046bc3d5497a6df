"""Fault injection: run ``python -m crm`` verbs, SIGKILL them at random moments, check what is left.

Each trial starts one command (import, advance, export, backup, restore) in its own process
group, kills the group after a seeded random delay (anywhere from its start-up to a little after
its normal end), then proves DESIGN §8 on what is left:

- the database opens and (SQLite) passes ``integrity_check``;
- import is all or nothing: the project count is the one before or the one after all its rows;
- advance is all or nothing: the project is still a lead with no agreement, or signed with it;
- export and backup never leave a half-written file under the final name: it holds the previous
  file byte for byte, or a complete new one (openpyxl opens the report; the backup checks out);
- restore leaves the old database or the restored one, whole.

Used by ``tests/integration/test_kills.py`` (a few trials) and ``scripts/killtest.py`` (many).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OPS = ("import", "advance", "export", "backup", "restore")
IMPORT_ROWS = 300
HEADERS = ["序号", "项目名称", "投资主体", "统一社会信用代码", "产业类别", "计划总投资(亿元)",
           "项目进展", "签约日期", "协议金额（万元）", "签约活动", "开工(开业)时间", "责任人",
           "引荐人", "用地面积(亩)", "备注"]


@dataclass
class Tally:
    """Per operation: trials, kills that landed before the command ended, and what was found."""

    trials: Counter[str] = field(default_factory=Counter)
    killed: Counter[str] = field(default_factory=Counter)  # still running when killed
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (op, "old"/"new")
    failures: list[str] = field(default_factory=list)


class Bench:
    """One database (SQLite file or PostgreSQL schema) and the files the trials work on."""

    def __init__(self, work: Path, url: str, sqlite: bool):
        self.work, self.url, self.sqlite = work, url, sqlite
        self.report = work / "项目台账.xlsx"
        self.backup = work / ("备份.db" if sqlite else "备份.dump")
        self.restore_from = work / ("恢复用.db" if sqlite else "恢复用.dump")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_DATA_DIR": str(work / "data"),
                    "CRM_CONFIG_DIR": str(work / "config")}
        self.env.pop("CRM_DATABASE_URL", None)

    # --- running commands ------------------------------------------------------------------
    def command(self, *argv: str) -> list[str]:
        return [sys.executable, "-m", "crm", "--db", self.url, *argv]

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self.command(*argv), capture_output=True, text=True, cwd=self.work,
                              env=self.env, timeout=600)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(argv)}: {proc.stderr.strip()}")
        return proc

    def kill_after(self, argv: list[str], delay: float) -> bool:
        """Start ``argv``, SIGKILL its process group after ``delay`` s; True if it was running."""
        proc = subprocess.Popen(argv, cwd=self.work, env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True

    # --- reading the database ------------------------------------------------------------------
    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.sqlite:
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            try:
                return [tuple(r) for r in conn.execute(sql, params).fetchall()]
            finally:
                conn.close()
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as server:
                named = sql
                for i in range(len(params)):
                    named = named.replace("?", f":p{i}", 1)
                rows = server.execute(text(named), {f"p{i}": p for i, p in enumerate(params)})
                return [tuple(r) for r in rows]
        finally:
            engine.dispose()

    def projects(self) -> int:
        return int(self.query("SELECT count(*) FROM projects")[0][0])

    def whole(self) -> str | None:
        """None when the database is whole, else what is wrong."""
        try:
            if self.sqlite:
                result = self.query("PRAGMA integrity_check")
                if result != [("ok",)]:
                    return f"integrity_check: {result[:3]}"
            version = self.query("SELECT version_num FROM alembic_version")
            from crm.db import SCHEMA_HEAD

            if version != [(SCHEMA_HEAD,)]:
                return f"schema version {version}"
            self.projects()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    # --- preparing ------------------------------------------------------------------------------
    def ledger(self, tag: str) -> Path:
        import openpyxl

        path = self.work / f"台账-{tag}.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["断电测试台账"])
        ws.append(HEADERS)
        for i in range(1, IMPORT_ROWS + 1):
            ws.append([i, f"断电测试项目{tag}-{i}", f"断电测试企业{tag}-{i}有限公司", None, "新材料",
                       1, "在谈", None, None, None, None, "周建明", "自主", None, None])
        wb.save(path)
        return path

    def lead(self) -> int | None:
        rows = self.query("SELECT id FROM projects WHERE stage = 'lead' ORDER BY id")
        return int(rows[0][0]) if rows else None

    def prepare(self) -> None:
        """Demo data, a good report and backup under their final names, and a backup to restore
        (the demo data: the import trials add projects, restoring takes them off). In this
        process, to spare four start-ups."""
        from crm.cli import main

        for argv in (["demo"], ["backup", str(self.restore_from), "--force"],
                     ["export", "ledger", "--out", str(self.report)],
                     ["backup", str(self.backup), "--force"]):
            if main(["--db", self.url, *argv]) != 0:
                raise AssertionError(f"prepare: {argv} failed")


def _file_state(path: Path, before: bytes, complete: Callable[[Path], str | None]) -> str:
    if not path.exists():
        return "missing"
    if path.read_bytes() == before:
        return "old"
    problem = complete(path)
    return "new" if problem is None else f"torn ({problem})"


def _report_complete(path: Path) -> str | None:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = sum(1 for _ in wb.worksheets[0].iter_rows())
        wb.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if rows > 3 else f"{rows} rows"


def _backup_complete(sqlite: bool) -> Callable[[Path], str | None]:
    def check(path: Path) -> str | None:
        if sqlite:
            from crm.backup import sqlite_version

            try:
                sqlite_version(path)
            except Exception as exc:
                return str(exc)
            return None
        proc = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True,
                              timeout=60)
        return None if proc.returncode == 0 else proc.stderr.decode(errors="replace")[:200]
    return check


def trial(bench: Bench, op: str, delay: float, n: int, tally: Tally) -> None:
    """One command killed after ``delay`` s; what is left is checked and tallied."""
    tally.trials[op] += 1
    before = bench.projects()
    state = ""
    if op == "import":
        argv = bench.command("import", str(bench.ledger(f"{n}")))
    elif op == "advance":
        pid = bench.lead()
        assert pid is not None, "no lead project left"
        argv = bench.command("advance", str(pid), "--to", "signed", "--date",
                             dt.date.today().isoformat(), "--amount", "100")
    elif op == "export":
        old = bench.report.read_bytes()
        argv = bench.command("export", "ledger", "--out", str(bench.report))
    elif op == "backup":
        old = bench.backup.read_bytes()
        argv = bench.command("backup", str(bench.backup), "--force")
    else:
        restored = _restore_count(bench)
        argv = bench.command("restore", str(bench.restore_from), "--yes")
    if bench.kill_after(argv, delay):
        tally.killed[op] += 1
    problem = bench.whole()
    after = bench.projects() if problem is None else -1
    if op == "import":
        state = {before: "old", before + IMPORT_ROWS: "new"}.get(after, f"{after} projects")
    elif op == "advance":
        stage, agreements = bench.query(
            "SELECT p.stage, (SELECT count(*) FROM agreements a WHERE a.project_id = p.id) "
            "FROM projects p WHERE p.id = ?", pid)[0]
        state = {("lead", 0): "old", ("signed", 1): "new"}.get(
            (stage, agreements), f"stage {stage} with {agreements} agreements")
    elif op == "export":
        state = _file_state(bench.report, old, _report_complete)
    elif op == "backup":
        state = _file_state(bench.backup, old, _backup_complete(bench.sqlite))
    else:
        state = {before: "old", restored: "new"}.get(after, f"{after} projects")
        if before == restored:
            state = "old or new"
    tally.outcomes[(op, state)] += 1
    if problem is not None or state not in ("old", "new", "old or new"):
        tally.failures.append(f"trial {n} {op} killed after {delay:.2f}s: "
                              f"{problem or ''} {state}".strip())
    stray = [p.name for p in bench.work.iterdir()
             if p.suffix in (".xlsx", ".db", ".dump") and p.name.startswith(".")]
    if stray:  # temporaries must never look like a report or a database
        tally.failures.append(f"trial {n} {op}: temporary files named like final ones {stray}")


def _restore_count(bench: Bench) -> int:
    if bench.sqlite:
        conn = sqlite3.connect(bench.restore_from)
        try:
            return int(conn.execute("SELECT count(*) FROM projects").fetchone()[0])
        finally:
            conn.close()
    return _restore_count_pg(bench)


_PG_COUNTS: dict[Path, int] = {}


def _restore_count_pg(bench: Bench) -> int:
    return _PG_COUNTS[bench.restore_from]


def measure(bench: Bench) -> dict[str, float]:
    """How long each command takes when left alone (the kill delays are drawn around it)."""
    took: dict[str, float] = {}
    for op in OPS:
        start = time.monotonic()
        if op == "import":
            bench.run("import", str(bench.ledger("m")))
        elif op == "advance":
            bench.run("advance", str(bench.lead()), "--to", "signed", "--date",
                      dt.date.today().isoformat(), "--amount", "100")
        elif op == "export":
            bench.run("export", "ledger", "--out", str(bench.report))
        elif op == "backup":
            bench.run("backup", str(bench.backup), "--force")
        else:
            bench.run("restore", str(bench.restore_from), "--yes")
        took[op] = time.monotonic() - start
    return took


def campaign(bench: Bench, trials_per_op: int, seed: int,
             log: Callable[[str], None] | None = None, *,
             window: tuple[float, float] | None = None) -> tuple[Tally, dict[str, float]]:
    """Prepare, then ``trials_per_op`` killed runs of each command. The kill comes after a
    delay drawn from ``window`` (seconds), else from zero to 1.1 × the command's measured time
    (measuring runs each command once, unkilled)."""
    bench.prepare()
    if not bench.sqlite:
        _PG_COUNTS[bench.restore_from] = bench.projects()
    took = measure(bench) if window is None else {op: 0.0 for op in OPS}
    rng = random.Random(seed)
    tally = Tally()
    n = 0
    for _round in range(trials_per_op):
        for op in OPS:
            n += 1
            low, high = window or (0.0, took[op] * 1.1)
            delay = rng.uniform(low, high)
            trial(bench, op, delay, n, tally)
            if log is not None and n % 25 == 0:
                log(f"{n} trials, {len(tally.failures)} failures")
    for ledger in bench.work.glob("台账-*.xlsx"):
        ledger.unlink()
    return tally, took


def sqlite_bench(work: Path) -> Bench:
    work.mkdir(parents=True, exist_ok=True)
    return Bench(work, f"sqlite:///{work / 'crm.db'}", True)


def table(tally: Tally, took: dict[str, float], label: str) -> list[str]:
    """Markdown rows: what was killed, how often, what was found."""
    lines = []
    for op in OPS:
        found = ", ".join(f"{state} {count}" for (o, state), count in sorted(tally.outcomes.items())
                          if o == op)
        lines.append(f"| {label} | {op} ({took[op]:.1f} s alone) | {tally.trials[op]} | "
                     f"{tally.killed[op]} | {found} |")
    return lines


def cleanup(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
