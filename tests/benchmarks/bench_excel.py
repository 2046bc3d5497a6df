"""Excel speed at 100k projects (DESIGN §7): readers, writers, import and export.

    .venv/bin/python tests/benchmarks/bench_excel.py [--rows 100000] [--db URL] [--runs 3]
                                                     [--import-only] [--floor]
                                                     [--export-db URL]

Generates a 100k-row × 20-column ledger as a bureau keeps it (a merged title row, USCCs,
amounts in 亿元 and in 万元 text, dates as Excel dates and typed text, events, carriers, and
columns the importer does not map), then measures
- reading it: python-calamine (best of ``--runs``) vs openpyxl read-only;
- importing it, best of ``--runs``, each into a fresh database: a new SQLite file, or a new
  schema on the PostgreSQL server given by ``--db`` (dropped afterwards)
  (budget: 4 × calamine reading it; with ``--floor``, 1.8 × reading plus the floor below);
- importing the same file again into the database that has it: it must change nothing
  (no project created or updated, revision unchanged);
- the import's database work alone (``--floor``): the very rows one import wrote, written again
  through the importer's own bulk path into the same database emptied of them — inserting,
  rebuilding the indexes, committing, with no reading, checking or preparing at all. Reading
  plus this is the least any import into this schema can take;
- writing the ledger's cells: openpyxl write-only (lxml) vs XlsxWriter constant-memory, and
  exporting the ledger of that database (budget: 1.2 × the faster writer). The writers write
  exactly the export's cells: the 项目台账 rows and the 到位资金明细 sheet's receipts, each with
  its header; each of the three is timed ``--runs`` times in turn and the best kept, as the
  machine's load moves single runs by a third. ``--export-db URL`` compares only these, on a
  database that holds a ledger already (e.g. one a previous run built), without the import;
and prints each figure, its budget and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import openpyxl
import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy import create_engine, text

from crm import search
from crm.db import Database
from crm.excel import bulk as bulk_module
from crm.excel import receipt_sheet
from crm.excel.importer import import_ledger
from crm.excel.ledger import COLUMNS, ledger_rows
from crm.excel.reports import export_report
from crm.models import Agreement, Company, Project, StageChange, Start
from crm.services import dictionaries, users
from crm.services.common import SYSTEM
from crm.services.metrics import Period
from crm.uscc import make_uscc

STAFF = ["周建明", "李晓明", "王芳", "张伟", "刘洋", "赵磊", "孙丽", "何涛"]
INDUSTRIES = ["钢铁深加工", "石油化工", "新材料", "人工智能", "高端装备", "生物医药", "新能源"]
CITIES = ["上海", "武汉", "深圳", "北京", "杭州", "苏州", "广州", "南京"]
WORDS = ["科技", "实业", "新材料", "智能", "装备", "医药", "能源", "数字", "环保", "物流"]
STATUS = ["线索", "在谈", "已签约", "已开工", "已开业", "已终止"]
SOURCES = ["自主", "活动", "以商招商：王总", "招商大使：冯立新", "招商大使：陈静", "自主招商"]
CARRIERS = [("光谷生物城B3栋", "商务楼宇"), ("临空港标准厂房一期", "标准化厂房"),
            ("车谷产业园地块07", "土地"), ("长江新城科创中心", "商务楼宇"),
            ("新港智造园二期", "标准化厂房"), ("阳逻港物流园地块", "土地")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"]
# A bureau's ledger as staff keep it: 20 columns, the importer maps 16 of them; 联系人,
# 联系电话, 预计年产值 and 预计年税收 are cells it reads and leaves.
HEADERS = ["序号", "项目名称", "企业名称", "统一社会信用代码", "所属产业", "计划总投资(亿元)",
           "签约金额(万元)", "签约日期", "开工日期", "项目状态", "招商专员", "招商来源", "签约活动",
           "拟落地载体", "用地面积(亩)", "联系人", "联系电话", "预计年产值(万元)", "预计年税收(万元)",
           "备注"]
TITLE = "2025年度招商引资项目台账"


def _events(rnd: random.Random) -> list[tuple[str, dt.date]]:
    """Signing events (each held on one day): a row signed at one carries that day."""
    out = []
    for k in range(24):
        held = dt.date(2024, 1, 10) + dt.timedelta(days=25 * k + rnd.randrange(10))
        out.append((f"{held.year}年{held.month}月{rnd.choice(CITIES)}专场招商推介会", held))
    return out


def _date_cell(day: dt.date | None, i: int) -> object:
    """Mostly real Excel dates; some typed as text the ways staff type them."""
    if day is None:
        return None
    form = i % 20
    if form == 0:
        return f"{day.year}/{day.month}/{day.day}"
    if form == 1:
        return f"{day.year}年{day.month}月{day.day}日"
    if form == 2:
        return day.strftime("%Y%m%d")
    return day


def _uscc(i: int) -> str:
    body = f"91420100{i:09d}"
    return make_uscc(body.replace("I", "1"))


def ledger_cells(n: int) -> list[list[object]]:
    rnd = random.Random(7)
    events = _events(rnd)
    rows: list[list[object]] = []
    for i in range(1, n + 1):
        status = STATUS[i % len(STATUS)]
        signed = started = None
        event = None
        if status not in ("线索", "在谈") and not (status == "已终止" and i % 4):
            if i % 3 == 0:
                event, signed = rnd.choice(events)
            else:
                signed = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(600))
        if status in ("已开工", "已开业"):
            started = signed + dt.timedelta(days=rnd.randrange(1, 200))  # type: ignore[operator]
        invest_yi = rnd.randrange(5, 50000) / 100  # 亿元, two decimals as typed
        amount: object = None
        if signed is not None:
            wan = int(invest_yi * 10000 * rnd.choice((1, 1, 0.8, 0.5)))
            amount = f"{wan}万元" if i % 7 == 0 else wan
        city, word = rnd.choice(CITIES), rnd.choice(WORDS)
        carrier = CARRIERS[i % len(CARRIERS)][0] if i % 5 < 2 else None
        contact = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + ("" if i % 3 else rnd.choice(GIVEN))
        rows.append([
            i, f"{city}{word}项目{i}号", f"{city}{rnd.choice(WORDS)}{word}{i}有限公司",
            _uscc(i) if i % 10 < 7 else None, rnd.choice(INDUSTRIES), invest_yi, amount,
            _date_cell(signed, i), _date_cell(started, i + 7), status, rnd.choice(STAFF),
            rnd.choice(SOURCES), event, carrier,
            rnd.randrange(0, 500) if i % 3 == 0 else None, contact,
            f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}",
            rnd.randrange(1000, 900000) if i % 2 else None,
            rnd.randrange(100, 90000) if i % 2 else None,
            "台账导入基准" if i % 10 == 0 else None])
    return rows


Sheets = list[tuple[str, list[str], list[list[object]]]]  # (name, headers, rows)


def write_openpyxl(path: Path, sheets: Sheets) -> None:
    wb = openpyxl.Workbook(write_only=True)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(headers)
        for r in rows:
            ws.append(r)
    wb.save(path)


def write_xlsxwriter_sheets(path: Path, sheets: Sheets) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, headers, rows in sheets:
        _xlsxwriter_sheet(wb.add_worksheet(name), date, headers, rows)
    wb.close()


def write_xlsxwriter(path: Path, headers: list[str], rows: list[list[object]],
                     title: str | None = None) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("项目台账")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    top = 0
    if title is not None:  # a merged title row above the header, as ledgers have
        ws.merge_range(0, 0, 0, len(headers) - 1, title)
        top = 1
    _xlsxwriter_sheet(ws, date, headers, rows, top)
    wb.close()


def _xlsxwriter_sheet(ws: Any, date: Any, headers: list[str], rows: list[list[object]],
                      top: int = 0) -> None:
    ws.write_row(top, 0, headers)
    for i, r in enumerate(rows, start=top + 1):
        for j, v in enumerate(r):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif isinstance(v, dt.date):
                ws.write_datetime(i, j, v, date)
            else:
                ws.write_number(i, j, v)


def read_calamine(path: Path) -> int:
    """What the importer's reader does: every cell of the sheet as Python values."""
    with CalamineWorkbook.from_path(str(path)) as wb:
        return len(wb.get_sheet_by_index(0).to_python(skip_empty_area=False))


def read_openpyxl(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    n = sum(1 for _ in wb.active.iter_rows(values_only=True))
    wb.close()
    return n


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def best_of(runs: int, fn, *args) -> float:  # type: ignore[no-untyped-def]
    return min(timed(fn, *args) for _ in range(runs))


class Target:
    """Fresh databases: SQLite files in ``tmp``, or schemas on the PostgreSQL server given."""

    def __init__(self, tmp: Path, pg_url: str | None, without_search: bool = False):
        self.tmp, self.pg_url = tmp, pg_url
        self.schemas: list[str] = []
        self.without_search = without_search

    def fresh(self) -> Database:
        if self.pg_url is None:
            url = f"sqlite:///{self.tmp / f'bench_{uuid.uuid4().hex[:8]}.db'}"
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with create_engine(self.pg_url).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            self.schemas.append(schema)
            sep = "&" if "?" in self.pg_url else "?"
            url = f"{self.pg_url}{sep}options=-csearch_path%3D{schema}"
        db = Database(url)
        if self.without_search:  # as before migration 0017: no trigram index to keep
            with db.engine.begin() as conn:
                search.uninstall(conn)
        with db.uow() as uow:
            for name in STAFF:
                users.create_person(uow, SYSTEM, name)
            for name, kind in CARRIERS:
                dictionaries.add_carrier(uow, SYSTEM, dictionaries.CarrierInput(name, kind))
            uow.commit()
        return db

    def forget(self, db: Database) -> None:
        """Remove a SQLite file no longer measured (100k projects take ~130 MB)."""
        if self.pg_url is None:
            path = Path(db.engine.url.database or "")
            for extra in ("", "-wal", "-shm"):
                Path(f"{path}{extra}").unlink(missing_ok=True)

    def drop(self) -> None:
        if self.pg_url is None or not self.schemas:
            return
        with create_engine(self.pg_url).begin() as conn:
            for schema in self.schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def import_fresh(target: Target, source: Path, n: int) -> tuple[float, float, Database]:
    """(wall seconds, this process's CPU seconds, the database)."""
    db = target.fresh()
    start, cpu = time.perf_counter(), time.process_time()
    report = import_ledger(db, SYSTEM, source)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.ok and report.created == n, report.summary()
    return took, cpu, db


class Recorder:
    """Keeps what the importer hands the database driver (statement, rows), as it passes."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[tuple[object, ...]]]] = []
        self._run = bulk_module._run

    def __enter__(self) -> Recorder:
        def record(cursor, sql, data):  # type: ignore[no-untyped-def]
            self.batches.append((sql, data))
            self._run(cursor, sql, data)
        bulk_module._run = record
        return self

    def __exit__(self, *exc: object) -> None:
        bulk_module._run = self._run


BULK_TABLES = (StageChange, Agreement, Start, Project, Company)  # children first


def empty_bulk_tables(db: Database) -> None:
    """Remove what an import wrote in bulk, keeping the reference data it created."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for model in BULK_TABLES:
                conn.exec_driver_sql(f"DELETE FROM {model.__tablename__}")
        else:
            names = ", ".join(m.__tablename__ for m in BULK_TABLES)
            conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")  # and the empty tables under them
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")


def rewrite(db: Database, batches: list[tuple[str, list[tuple[object, ...]]]],
            n: int) -> tuple[float, float, float]:
    """The batches written again as the importer writes them (same cache, same index
    handling, one transaction): (inserting, rebuilding indexes, committing) seconds."""
    with db.uow() as uow:
        bulk = bulk_module.Bulk(uow)
        tables: list[Any] = [m.__table__ for m in BULK_TABLES]
        with bulk.big_cache():
            with bulk.rebuilt(tables):
                start = time.perf_counter()
                driver: Any = bulk.conn.connection.driver_connection
                cursor = driver.cursor()
                for sql, data in batches:
                    bulk_module._run(cursor, sql, data)
                inserted = time.perf_counter()
            indexed = time.perf_counter()
        uow.commit()
        committed = time.perf_counter()
    return inserted - start, indexed - inserted, committed - indexed


def database_floor(target: Target, source: Path, n: int,
                   runs: int) -> tuple[float, float, float]:
    """Best of ``runs`` of each part of writing one import's rows, nothing else."""
    db = target.fresh()
    with Recorder() as recorder:
        report = import_ledger(db, SYSTEM, source)
    assert report.created == n, report.summary()
    parts = []
    for _ in range(runs):
        empty_bulk_tables(db)
        parts.append(rewrite(db, recorder.batches, n))
    with db.uow() as uow:
        assert uow.session.query(Project).count() == n
    db.dispose()
    target.forget(db)
    insert, index, commit = (min(p[k] for p in parts) for k in range(3))
    return insert, index, commit


def reimport(db: Database, source: Path, n: int) -> float:
    """The same file again: it must change nothing, not even the revision counter."""
    revision = db.revision()
    start = time.perf_counter()
    report = import_ledger(db, SYSTEM, source)
    took = time.perf_counter() - start
    assert report.ok and report.created == 0 and report.updated == 0, report.summary()
    assert report.unchanged == n and not report.written, report.summary()
    assert db.revision() == revision
    return took


def export_cells(db: Database) -> Sheets:
    """The cells the ledger export writes: its 项目台账 and 到位资金明细 sheets."""
    with db.uow() as uow:
        return [("项目台账", [c.header for c in COLUMNS], list(ledger_rows(uow))),
                (receipt_sheet.SHEET, [c.header for c in receipt_sheet.COLUMNS],
                 list(receipt_sheet.export_rows(uow)))]


def timed_cpu(fn, *args) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, this process's CPU) seconds of ``fn(*args)``."""
    start, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - start, time.process_time() - cpu


def export_vs_writers(db: Database, tmp: Path, runs: int) -> tuple[float, float, float, float]:
    """Best of ``runs`` each, taken in turn: (export, its CPU, openpyxl, XlsxWriter) seconds.

    Also prints the CPU seconds of the export and of XlsxWriter: on a loaded machine the wall
    times of single runs move by a third, their CPU times far less."""
    sheets = export_cells(db)
    whole = Period(dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    exports: list[tuple[float, float]] = []
    opx: list[tuple[float, float]] = []
    xw: list[tuple[float, float]] = []
    for _ in range(runs):
        opx.append(timed_cpu(write_openpyxl, tmp / "w_openpyxl.xlsx", sheets))
        xw.append(timed_cpu(write_xlsxwriter_sheets, tmp / "w_xlsxwriter.xlsx", sheets))
        exports.append(timed_cpu(export_report, db, "ledger", tmp / "export.xlsx", whole,
                                 dt.date(2025, 12, 31)))
    for what, times in (("write  openpyxl write-only   ", opx),
                        ("write  XlsxWriter const-mem  ", xw), ("export of the ledger         ", exports)):
        print(what + " " + " ".join(f"{t:.2f}" for t, _ in times) + " s; CPU "
              + " ".join(f"{c:.2f}" for _, c in times) + " s")
    print(f"({len(sheets[0][2])} projects × {len(sheets[0][1])} columns, "
          f"{len(sheets[1][2])} receipts; the writers write these very cells)")
    cpu_export, cpu_xw = (statistics.median(c for _, c in times) for times in (exports, xw))
    print(f"median CPU: export {cpu_export:.2f} s = {cpu_export / cpu_xw:.2f} × XlsxWriter's "
          f"{cpu_xw:.2f} s")
    return (min(t for t, _ in exports), min(c for _, c in exports), min(t for t, _ in opx),
            min(t for t, _ in xw))


def print_table(rows_out: list[tuple[str, float, float, float]]) -> None:
    print()
    print(f"{'what':<34}{'figure':>10}{'budget':>10}{'ratio':>8}")
    for what, figure, budget, base in rows_out:
        verdict = "ok" if figure <= budget else "OVER"
        print(f"{what:<34}{figure:>9.2f}s{budget:>9.2f}s{figure / base:>7.2f}× {verdict}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", help="a PostgreSQL URL (default: new SQLite files)")
    parser.add_argument("--runs", type=int, default=3, help="best of this many (default 3)")
    parser.add_argument("--import-only", action="store_true",
                        help="skip openpyxl reading and the export/writer comparison")
    parser.add_argument("--floor", action="store_true",
                        help="also measure the import's database work alone")
    parser.add_argument("--without-search", action="store_true",
                        help="import into databases without the trigram search index "
                             "(as before migration 0017), to see what keeping it costs")
    parser.add_argument("--export-db", metavar="URL",
                        help="only the export against the writers, on this database's ledger")
    args = parser.parse_args()
    n, runs = args.rows, args.runs
    tmp = Path(tempfile.mkdtemp(prefix="bench_excel_"))
    if args.export_db:
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        ledger_db = Database(args.export_db)
        t_export, _cpu, t_opx_w, t_xw = export_vs_writers(ledger_db, tmp, runs)
        ledger_db.dispose()
        fastest = min(t_opx_w, t_xw)
        print_table([("export of the ledger", t_export, 1.2 * fastest, fastest)])
        return
    cells = ledger_cells(n)
    source = tmp / "ledger.xlsx"
    write_xlsxwriter(source, HEADERS, cells, TITLE)
    del cells
    print(f"{n} rows × {len(HEADERS)} columns under a title row, "
          f"{source.stat().st_size / 1e6:.1f} MB, files in {tmp}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    t_cal = best_of(runs, read_calamine, source)
    print(f"read   python-calamine        {t_cal:6.2f} s (best of {runs})")
    if not args.import_only:
        t_opx_r = timed(read_openpyxl, source)
        print(f"read   openpyxl read-only     {t_opx_r:6.2f} s")

    target = Target(tmp, args.db, args.without_search)
    times: list[float] = []
    cpus: list[float] = []
    db: Database | None = None
    try:
        for _ in range(runs):
            if db is not None:
                db.dispose()
                target.forget(db)
            took, cpu, db = import_fresh(target, source, n)
            times.append(took)
            cpus.append(cpu)
        assert db is not None
        print(f"database: {db.describe()}")
        print("import " + " ".join(f"{t:.2f}" for t in times) + " s; CPU of this process "
              + " ".join(f"{t:.2f}" for t in cpus) + " s (a loaded machine shows in the gap)")
        t_import = min(times)
        again = [reimport(db, source, n) for _ in range(runs)]
        print("re-import (changes nothing) " + " ".join(f"{t:.2f}" for t in again) + " s")
        t_again = min(again)
        rows_out: list[tuple[str, float, float, float]] = [
            ("import of the 100k-row ledger", t_import, 4 * t_cal, t_cal),
            ("re-import, nothing changes", t_again, 4 * t_cal, t_cal)]
        if args.floor:
            db.dispose()
            target.forget(db)
            insert, index, commit = database_floor(target, source, n, runs)
            alone = insert + index + commit
            print(f"the import's database work alone (best of {runs} each): inserting "
                  f"{insert:.2f} s, rebuilding indexes {index:.2f} s, committing {commit:.2f} s")
            print(f"reading + that = {t_cal + alone:.2f} s = {(t_cal + alone) / t_cal:.2f} × "
                  f"calamine, before any cell is checked or any row prepared; the import is "
                  f"{t_import / (t_cal + alone):.2f} × that")
            floor = t_cal + alone  # the import's budget: 1.8 × this (4 × calamine left no room)
            rows_out[0] = ("import of the 100k-row ledger", t_import, 1.8 * floor, floor)
            db = None if args.import_only else import_fresh(target, source, n)[2]
        if db is not None and not args.import_only:
            t_export, _cpu, t_opx_w, t_xw = export_vs_writers(db, tmp, runs)
            fastest = min(t_opx_w, t_xw)
            rows_out.append(("export of the 100k-row ledger", t_export, 1.2 * fastest, fastest))
        if db is not None:
            db.dispose()
            target.forget(db)
    finally:
        target.drop()

    print_table(rows_out)


if __name__ == "__main__":
    main()
