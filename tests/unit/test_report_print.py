"""Reports that print: every sheet's print layout, and the PDFs LibreOffice makes of them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from crm.db import Database
from crm.excel import pdf
from crm.excel.reports import REPORTS, export_report
from crm.excel.xlsx import PORTRAIT_CHARS
from crm.services import settings
from crm.services.metrics import Period
from tests.unit.builders import D

H1, AS_OF = Period(D(2025, 1, 1), D(2025, 6, 30)), D(2025, 12, 31)
A4_SHORT, A4_LONG, A3_LONG = 595, 842, 1191  # PDF points


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> dict[str, Path]:
    """Every report of the demo's 2025 上半年, exported once for the module."""
    folder = tmp_path_factory.mktemp("reports")
    copy = folder / "demo.db"
    shutil.copy(demo_template, copy)
    db = Database(str(copy))
    try:
        return {key: export_report(db, key, folder / f"{key}.xlsx", H1, AS_OF).path
                for key in REPORTS}
    finally:
        db.dispose()


def test_every_sheet_has_a_print_layout(reports: dict[str, Path]) -> None:
    db = Database(str(next(iter(reports.values())).with_name("demo.db")))
    org = db.read(settings.org_name)
    db.dispose()
    for key, path in reports.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            where = f"{key}/{ws.title}"
            setup = ws.page_setup
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0, where  # None: 1
            assert ws.print_title_rows.replace("$", "") == "3:3", where  # the header row, every page
            assert setup.paperSize in (9, 8), where  # A4, or A3 for the widest
            widths = sum(ws.column_dimensions[c].width for c in ws.column_dimensions)
            assert setup.orientation == ("portrait" if widths <= PORTRAIT_CHARS else "landscape"), where
            header, footer = ws.oddHeader, ws.oddFooter
            assert header.left.text == org and org, where
            # the sheet's title, whole (a title starting with its year once lost it to the
            # font size code before it), over the period
            title = str(ws["A1"].value or "").removeprefix(org)
            assert title and (header.center.text or "").startswith(title), where
            # the ledger, the 产业链图谱 and a year's rewards are a state as of a date, not a
            # period's figures
            period = ("截至 2025-12-31" if key in ("ledger", "chains") or where == "scorecard/奖励明细"
                      else "2025-01-01 至 2025-06-30（截至 2025-12-31）")
            assert header.center.text and period in header.center.text, where
            assert "&P" in (footer.center.text or "") and "&N" in footer.center.text, where


def _pages(pdf_bytes: bytes) -> list[tuple[float, float]]:
    """(width, height) of each page, from the page objects' MediaBox."""
    sizes = []
    for obj in re.split(rb"\bendobj\b", pdf_bytes):
        if re.search(rb"/Type\s*/Page(?![s\w])", obj):
            box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", obj)
            assert box is not None
            sizes.append((float(box.group(1)), float(box.group(2))))
    return sizes


@pytest.mark.skipif(pdf.find_office() is None, reason="LibreOffice (soffice) is not installed")
def test_reports_print_one_page_wide(reports: dict[str, Path], tmp_path: Path) -> None:
    """One LibreOffice run for all five reports. On the demo data every sheet fits one page, so
    a report has exactly as many pages as sheets: a column pushed onto its own page, or a chart
    cut across two, would add pages (before the print layout: 15 pages for 签约与开工's 7 sheets)."""
    made = pdf.convert(list(reports.values()), tmp_path)
    pages = {key: _pages(p.read_bytes()) for key, p in zip(reports, made, strict=True)}
    sheets = {key: len(openpyxl.load_workbook(p, read_only=True).sheetnames)
              for key, p in reports.items()}
    assert {k: len(v) for k, v in pages.items()} == sheets
    portrait, landscape = (A4_SHORT, A4_LONG), (A4_LONG, A4_SHORT)

    def rounded(sizes: list[tuple[float, float]]) -> list[tuple[int, int]]:
        return [(round(w), round(h)) for w, h in sizes]
    # 汇总 (with its chart) and the five breakdowns on A4 portrait, 签约未开工 on A4 landscape,
    # 年底预测 portrait, 冲刺清单 landscape
    assert rounded(pages["start-rate"]) == [portrait] * 6 + [landscape, portrait, landscape]
    # 21 columns: A3 landscape; its 到位资金明细 (11 columns) A4 landscape
    assert rounded(pages["ledger"]) == [(A3_LONG, A4_LONG), landscape]
    assert rounded(pages["staff"]) == [portrait]
    assert rounded(pages["contacts"]) == [landscape]
