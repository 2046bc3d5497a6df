"""What the exported 项目台账 holds, cell by cell, and how a report table writes each kind of cell.

The ledger reads its projects in one query and what they point to (industry, owner,
ambassador, carrier, event, segment, signed amount) from each small table once: every such
cell must still name what the project does, as the services read it, and be empty where the
project points to nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select

from crm.bands import BANDS, band_name
from crm.db import Database
from crm.excel import receipt_sheet
from crm.excel.assessment_cols import band_of_yuan
from crm.excel.reports import export_report
from crm.excel.xlsx import Book, Column
from crm.models import Chain, Company, Funding, Project, Segment
from crm.services import projects
from crm.services.common import SYSTEM
from crm.services.metrics import Period

H1 = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
AS_OF = dt.date(2025, 12, 31)


def ledger_by_project(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    """(项目名称, 企业名称) → header → value, from the 项目台账 sheet (header on row 3)."""
    ws = openpyxl.load_workbook(path)["项目台账"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    headers = [str(h) for h in rows[0]]
    out = {}
    for values in rows[1:]:
        cells = dict(zip(headers, values, strict=True))
        out[(str(cells["项目名称"]), str(cells["企业名称"]))] = cells
    return out


def test_each_ledger_row_names_what_its_project_points_to(demo_db: Database,
                                                           tmp_path: Path) -> None:
    first = demo_db.read(projects.list_projects)[0]  # a project with no industry nor owner
    demo_db.run(projects.update_project, SYSTEM, first.id,
                first.to_input(industry_id=None, owner_id=None))
    out = export_report(demo_db, "ledger", tmp_path / "ledger.xlsx", H1, AS_OF).path
    ledger = ledger_by_project(out)
    live = demo_db.read(projects.list_projects)
    assert len(ledger) == len(live)

    def segments(uow: Any) -> dict[int, tuple[str, str]]:
        stmt = (select(Project.id, Chain.name, Segment.name)
                .join(Segment, Segment.id == Project.segment_id)
                .join(Chain, Chain.id == Segment.chain_id))
        return {pid: (chain, seg) for pid, chain, seg in uow.session.execute(stmt)}
    segment_of = demo_db.read(segments)
    filled: dict[str, set[bool]] = {}
    for p in live:
        row = ledger[(p.name, p.company)]
        chain, segment = segment_of.get(p.id, (None, None))
        expected = {
            "所属产业": p.industry or None, "招商专员": p.owner or None,
            "签约活动": p.signing_event or None, "拟落地载体": p.carrier or None,
            "产业链": chain, "环节": segment, "规模档次": band_name(p.planned_investment) or None,
            "签约金额(万元)": float(p.signed_amount) if p.signed_on else None,
            "计划总投资(万元)": (None if p.planned_investment is None
                              else float(p.planned_investment)),
        }
        for header, value in expected.items():
            assert row[header] == value, (p.name, header)
            filled.setdefault(header, set()).add(value is not None)
        if p.source == "ambassador":
            assert row["招商来源"] == f"招商大使：{p.ambassador}"
    # the demo has projects with and without each of these: both ways are checked above
    assert all(seen == {True, False} for header, seen in filled.items()
               if header != "计划总投资(万元)"), filled


def test_size_band_from_the_stored_amount_is_the_bands_own() -> None:
    for _code, _name, floor in BANDS:
        for wan in (floor - Decimal("0.0001"), floor, floor + Decimal("0.0001")):
            assert band_of_yuan(int(wan * 10000)) == (band_name(wan) or None), wan
    assert band_of_yuan(None) is None and band_of_yuan(0) is None
    assert band_of_yuan(60_0000 * 10000) == "50亿元以上"


COLUMNS = (Column("文字", "text"), Column("整数", "int"), Column("金额", "money"),
           Column("比率", "pct"), Column("日期", "date"), Column("面积", "area"))


def test_a_table_writes_each_kind_of_cell_with_its_format(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with Book(path) as book:
        table = book.sheet("表", "标题", "副标题", COLUMNS)
        table.add(["甲", 3, Decimal("12.3456"), 0.5769, dt.date(2025, 6, 12), Decimal("7.25")])
        table.add(["=SUM(A1)", None, 1.5, None, dt.date(1900, 3, 1), None])
        table.add([20250612, 0, 0.0])  # a short row: the cells it lacks stay empty
        table.add(["", None, None, None, None, None])  # nothing to write: an empty row
        table.add(["@cmd", True])
        table.finish()
    ws = openpyxl.load_workbook(path)["表"]
    rows = [[(c.value, c.number_format) for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows[0] == [("甲", "General"), (3, "0"), (12.3456, "0.00"), (0.5769, "0.00%"),
                       (dt.datetime(2025, 6, 12), "yyyy-mm-dd"), (7.25, "0.00")]
    assert [v for v, _ in rows[1]] == ["=SUM(A1)", None, 1.5, None, dt.datetime(1900, 3, 1),
                                       None]
    assert [v for v, _ in rows[2]] == ["20250612", 0, 0, None, None, None]
    assert [v for v, _ in rows[3]] == [None] * 6
    assert [v for v, _ in rows[4]][:2] == ["@cmd", 1]
    quoted = [ws.cell(r, 1).quotePrefix for r in range(4, 9)]
    assert quoted == [False, True, False, False, True]
    assert ws.cell(5, 1).data_type == "s"  # text, never a formula
    assert ws.auto_filter.ref == "A3:F8" and ws.freeze_panes == "A4"


def test_the_receipts_sheet_lists_every_live_projects_receipts_in_ledger_order(
        demo_db: Database, tmp_path: Path) -> None:
    def funded(uow: Any) -> list[int]:
        return list(uow.session.scalars(select(Funding.project_id).distinct()
                                        .order_by(Funding.project_id)))
    gone = demo_db.read(funded)[0]  # a deleted project's receipts are not exported
    demo_db.run(projects.delete_project, SYSTEM, gone)

    def expected(uow: Any) -> list[tuple[object, ...]]:
        """What the sheet must hold, from one query sorted by the database."""
        stmt = (select(Project.name, Company.name, Company.uscc, Funding.received_on,
                       Funding.amount, Funding.origin, Funding.kind, Funding.currency,
                       Funding.original_amount, Funding.usd_amount, Funding.evidence)
                .join(Project, Project.id == Funding.project_id)
                .join(Company, Company.id == Project.company_id)
                .where(Project.deleted_at.is_(None))
                .order_by(Project.sort_key, Project.id, Funding.received_on, Funding.id))
        out: list[tuple[object, ...]] = []
        for name, company, uscc, day, amount, origin, kind, currency, original, usd, evidence \
                in uow.session.execute(stmt):
            foreign = currency != "CNY"
            out.append((name, company, uscc, dt.datetime.combine(day, dt.time()), float(amount),
                        origin, kind, currency,
                        float(original) if foreign and original is not None else None,
                        None if usd is None else float(usd), evidence or None))
        return out
    want = demo_db.read(expected)
    assert 0 < len(want) < 33  # the demo's receipts, less the deleted project's
    out = export_report(demo_db, "ledger", tmp_path / "ledger.xlsx", H1, AS_OF).path
    sheet = openpyxl.load_workbook(out, read_only=True)[receipt_sheet.SHEET]
    rows = [tuple(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows == want
    # read on its own (without the ledger's order at hand) the sheet is the same
    alone = demo_db.read(receipt_sheet.export_rows)
    assert [tuple(dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) else v
                  for v in r) for r in alone] == want
