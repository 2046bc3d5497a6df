"""Reports as PDF: the report's workbook, printed by LibreOffice (headless).

The workbook carries its own print layout (:func:`crm.excel.xlsx.print_layout`: one page wide,
header row repeated, organisation, title, period and page numbers), so the PDF is exactly what
printing the workbook from LibreOffice gives; no second layout to keep in step. LibreOffice runs
with a throw-away profile, so it neither waits for nor disturbs a LibreOffice the user has open.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from crm.db import Database
from crm.errors import ValidationError
from crm.excel.reports import ExportResult, export_report
from crm.excel.rows import Cancelled, Progress
from crm.files import AtomicFile
from crm.services.metrics import Filters, Period

CONVERT_TIMEOUT = 180.0  # seconds; a 7-sheet report takes ~5 s, LibreOffice's first start more
_WINDOWS_PLACES = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                   r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")
MISSING = ("没有找到 LibreOffice，另存为 PDF 需要它：Linux 安装 libreoffice-calc-nogui，"
           "Windows 安装 LibreOffice（libreoffice.org）；或先导出 Excel，再在 Excel/WPS 中另存为 PDF")


def find_office() -> str | None:
    """The LibreOffice program (``CRM_SOFFICE``, then PATH, then the usual Windows places)."""
    named = os.environ.get("CRM_SOFFICE")
    if named:
        return named if Path(named).exists() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _WINDOWS_PLACES if os.name == "nt" and Path(p).exists()), None)


def convert(workbooks: list[Path], outdir: Path, *, office: str | None = None,
            timeout: float = CONVERT_TIMEOUT) -> list[Path]:
    """Convert workbooks to PDFs in ``outdir`` (one LibreOffice start for all); their paths."""
    program = office or find_office()
    if program is None:
        raise ValidationError(MISSING, code="pdf.no_office")
    with tempfile.TemporaryDirectory(prefix="crm-office-") as profile:
        cmd = [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--norestore", "--convert-to", "pdf", "--outdir", str(outdir),
               *[str(w) for w in workbooks]]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ValidationError(f"LibreOffice 转换 PDF 超过 {timeout:.0f} 秒未完成",
                                  code="pdf.timeout") from exc
    made = [outdir / f"{w.stem}.pdf" for w in workbooks]
    missing = [p for p in made if not p.exists()]
    if done.returncode != 0 or missing:
        detail = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
        raise ValidationError("LibreOffice 未能生成 PDF" + (f"：{detail[-1]}" if detail else ""),
                              code="pdf.failed")
    return made


def export_report_pdf(db: Database, report: str, path: str | Path, period: Period,
                      as_of: dt.date, filters: Filters | None = None, *,
                      progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> ExportResult:
    """The report as a PDF at ``path`` (written whole or not at all, like every report)."""
    out = Path(path)
    if out.suffix.lower() != ".pdf":
        raise ValidationError("PDF 文件名应以 .pdf 结尾", code="report.suffix")
    if find_office() is None:
        raise ValidationError(MISSING, code="pdf.no_office")
    with tempfile.TemporaryDirectory(prefix="crm-pdf-") as scratch:
        book = Path(scratch) / f"{out.stem}.xlsx"
        result = export_report(db, report, book, period, as_of, filters, progress=progress,
                               cancelled=cancelled)
        (made,) = convert([book], Path(scratch))
        target = AtomicFile(out)
        try:
            shutil.copyfile(made, target.temp)
            target.commit()
        finally:
            target.discard()
    return ExportResult(out, report, result.rows)
