"""Excel speed at 100k projects (DESIGN §7): readers, writers, import and export.

    .venv/bin/python tests/benchmarks/bench_excel.py [--rows 100000] [--db URL]

Generates a 100k-row ledger, then measures
- reading it: python-calamine vs openpyxl read-only;
- writing the same cells: openpyxl write-only (lxml) vs XlsxWriter constant-memory;
- importing it into an empty SQLite database, or the PostgreSQL server given by ``--db`` (in a
  fresh schema, dropped afterwards) (budget: 4 × calamine reading it);
- exporting the ledger of that database (budget: 1.2 × the faster writer);
and prints each figure, its budget and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import openpyxl
import xlsxwriter
from python_calamine import CalamineWorkbook
from sqlalchemy import create_engine, text

from crm.db import Database
from crm.excel.importer import import_ledger
from crm.excel.ledger import COLUMNS, ledger_rows
from crm.excel.reports import export_report
from crm.services import users
from crm.services.common import SYSTEM
from crm.services.metrics import Period

STAFF = ["周建明", "李晓明", "王芳", "张伟", "刘洋", "赵磊", "孙丽", "何涛"]
INDUSTRIES = ["钢铁深加工", "石油化工", "新材料", "人工智能", "高端装备", "生物医药", "新能源"]
CITIES = ["上海", "武汉", "深圳", "北京", "杭州", "苏州", "广州", "南京"]
WORDS = ["科技", "实业", "新材料", "智能", "装备", "医药", "能源", "数字", "环保", "物流"]
STATUS = ["线索", "在谈", "已签约", "已开工", "已开业", "已终止"]
HEADERS = ["序号", "项目名称", "企业名称", "所属产业", "计划总投资(万元)", "项目状态", "签约时间",
           "签约金额(万元)", "开工时间", "招商专员", "招商来源", "用地面积(亩)", "备注"]


def ledger_cells(n: int) -> list[list[object]]:
    rnd = random.Random(7)
    rows: list[list[object]] = []
    for i in range(1, n + 1):
        status = STATUS[i % len(STATUS)]
        signed = started = None
        if status not in ("线索", "在谈"):
            signed = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(600))
        if status in ("已开工", "已开业"):
            started = signed + dt.timedelta(days=rnd.randrange(1, 200))  # type: ignore[operator]
        invest = rnd.randrange(500, 500000)
        city, word = rnd.choice(CITIES), rnd.choice(WORDS)
        rows.append([i, f"{city}{word}项目{i}号", f"{city}{rnd.choice(WORDS)}{word}{i}有限公司",
                     rnd.choice(INDUSTRIES), invest, status, signed,
                     invest if signed else None, started, rnd.choice(STAFF),
                     rnd.choice(["自主", "活动", "以商招商：王总"]),
                     rnd.randrange(0, 500) if i % 3 == 0 else None,
                     "台账导入基准" if i % 10 == 0 else None])
    return rows


def write_openpyxl(path: Path, headers: list[str], rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("项目台账")
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)


def write_xlsxwriter(path: Path, headers: list[str], rows: list[list[object]]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("项目台账")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, headers)
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif isinstance(v, dt.date):
                ws.write_datetime(i, j, v, date)
            else:
                ws.write_number(i, j, v)
    wb.close()


def read_calamine(path: Path) -> int:
    with CalamineWorkbook.from_path(str(path)) as wb:
        return len(wb.get_sheet_by_index(0).to_python())


def read_openpyxl(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    n = sum(1 for _ in wb.active.iter_rows(values_only=True))
    wb.close()
    return n


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", help="a PostgreSQL URL (default: a new SQLite file)")
    args = parser.parse_args()
    n = args.rows
    tmp = Path(tempfile.mkdtemp(prefix="bench_excel_"))
    cells = ledger_cells(n)
    source = tmp / "ledger.xlsx"
    write_xlsxwriter(source, HEADERS, cells)
    print(f"{n} rows × {len(HEADERS)} columns, files in {tmp}")
    t_cal = timed(read_calamine, source)
    t_opx_r = timed(read_openpyxl, source)
    print(f"read   python-calamine        {t_cal:6.2f} s")
    print(f"read   openpyxl read-only     {t_opx_r:6.2f} s")

    url, schema = f"sqlite:///{tmp / 'bench.db'}", None
    if args.db:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(args.db).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.db}{'&' if '?' in args.db else '?'}options=-csearch_path%3D{schema}"
    db = Database(url)
    print(f"database: {db.describe()}")
    with db.uow() as uow:
        for i, name in enumerate(STAFF):
            users.create_user(uow, SYSTEM, f"u{i}", "staff", display_name=name)
        uow.commit()
    start = time.perf_counter()
    report = import_ledger(db, SYSTEM, source)
    t_import = time.perf_counter() - start
    assert report.created == n, report.summary()

    # The export writes the same cells the ledger has: measure both writers on those cells.
    with db.uow() as uow:
        export_cells = list(ledger_rows(uow))
    headers = [c.header for c in COLUMNS]
    t_opx_w = timed(write_openpyxl, tmp / "w_openpyxl.xlsx", headers, export_cells)
    t_xw = timed(write_xlsxwriter, tmp / "w_xlsxwriter.xlsx", headers, export_cells)
    print(f"write  openpyxl write-only    {t_opx_w:6.2f} s")
    print(f"write  XlsxWriter const-mem   {t_xw:6.2f} s")
    whole = Period(dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    start = time.perf_counter()
    export_report(db, "ledger", tmp / "export.xlsx", whole, dt.date(2025, 12, 31))
    t_export = time.perf_counter() - start
    db.dispose()
    if schema is not None:
        with create_engine(args.db).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    fastest_writer = min(t_opx_w, t_xw)
    print()
    print(f"{'what':<34}{'figure':>10}{'budget':>10}{'ratio':>8}")
    for what, figure, budget, base in (
            ("import of the 100k-row ledger", t_import, 4 * t_cal, t_cal),
            ("export of the 100k-row ledger", t_export, 1.2 * fastest_writer, fastest_writer)):
        verdict = "ok" if figure <= budget else "OVER"
        print(f"{what:<34}{figure:>9.2f}s{budget:>9.2f}s{figure / base:>7.2f}× {verdict}")


if __name__ == "__main__":
    main()
