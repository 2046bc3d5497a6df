"""Hostile ledgers (DESIGN §6): a workbook whose stated size is absurd, or lies, is read row by
row in bounded memory (a subprocess with a 3 GB cap), never loaded whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from crm.db import Database
from crm.services import projects

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from crm.db import Database
from crm.excel.importer import import_ledger
from crm.services.common import SYSTEM
db = Database(sys.argv[1])
start = time.perf_counter()
report = import_ledger(db, SYSTEM, sys.argv[2])
print(report.created, len(report.errors), round(time.perf_counter() - start, 1))
print([e.text() for e in report.errors])
print(report.understanding())
"""


@pytest.mark.parametrize("far", ["XFD1048576", "GR1048576", "XFD1", "lying"])
def test_a_far_cell_is_read_row_by_row_in_bounded_memory(sqlite_db: Database, tmp_path: Path,
                                                          far: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "企业名称", "计划总投资(万元)", "备注"])
    ws.append(["远端项目", "远端公司", 300, "x" * 5000])
    ws["XFD1048576" if far == "lying" else far] = "误触"
    wb.save(tmp_path / "far.xlsx")
    if far == "lying":  # a writer that states a small sheet and holds a far cell
        import zipfile

        book = zipfile.ZipFile(tmp_path / "far.xlsx")
        parts = {i: book.read(i.filename) for i in book.infolist()}
        with zipfile.ZipFile(tmp_path / "far.xlsx", "w") as out:
            for info, raw in parts.items():
                out.writestr(info, raw.replace(b'ref="A1:XFD1048576"', b'ref="A1:D2"'))
    assert (tmp_path / "far.xlsx").stat().st_size < 20000
    done = subprocess.run([sys.executable, "-c", _PROBE, sqlite_db.url, str(tmp_path / "far.xlsx")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    created, errors, _ = done.stdout.splitlines()[0].split()
    assert (created, errors) == ("1", "0"), done.stdout[:3000]
    assert "声明的范围到 " in done.stdout
    note = next(p for p in sqlite_db.read(projects.list_projects) if p.name == "远端项目").note
    assert note == "x" * 5000
