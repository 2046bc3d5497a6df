"""Exported reports: figures equal crm.services.metrics, formulas never, round trip, readers."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from crm.db import Database
from crm.errors import ValidationError
from crm.excel.importer import import_ledger
from crm.excel.reports import REPORTS, contact_counts, export_report
from crm.models import Chain, Segment, StageChange
from crm.money import yi
from crm.services import chains, metrics, projects, users
from crm.services.common import SYSTEM
from crm.services.metrics import Period
from tests.unit.builders import count

H1 = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
AS_OF = dt.date(2025, 12, 31)


def sheet_rows(path: Path, name: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[name]
    return [[c.value for c in row] for row in ws.iter_rows()]


def yi_of(wan: Decimal) -> float:
    return float(yi(wan))


def test_start_rate_report_has_the_figures_of_stats(demo_db: Database, tmp_path: Path) -> None:
    out = export_report(demo_db, "start-rate", tmp_path / "r.xlsx", H1, AS_OF).path
    f = demo_db.read(metrics.start_rate, H1, AS_OF)
    assert (f.signed, f.started, f.rate_text) == (26, 15, "57.69%")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总", "按产业", "按招商专员", "按招商来源", "按招商大使",
                               "按签约活动", "签约未开工", "年底预测", "冲刺清单"]
    summary = sheet_rows(out, "汇总")
    assert "青山区" in summary[0][0] or "招商局" in summary[0][0]
    assert "2025-01-01" in summary[1][0] and "2025-06-30" in summary[1][0]
    signed, started, rate, amount, funds, funds_rate = summary[3][:6]
    assert (signed, started) == (f.signed, f.started)
    assert rate == pytest.approx(float(f.rate))
    assert f"{Decimal(str(rate)) * 100:.2f}%" == f.rate_text
    assert amount == pytest.approx(yi_of(f.signed_amount))
    assert funds == pytest.approx(yi_of(f.funds_received))
    assert funds_rate == pytest.approx(float(f.funds_rate or 0))
    ws = book["汇总"]
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref
    assert ws.cell(4, 3).number_format == "0.00%" and ws.cell(4, 4).number_format == "0.00"
    for by, label in (("industry", "按产业"), ("owner", "按招商专员"), ("source", "按招商来源"),
                      ("event", "按签约活动")):
        expected = demo_db.read(metrics.breakdown, by, H1, AS_OF)
        rows = sheet_rows(out, label)[3:]
        assert [r[:3] for r in rows[:-1]] == [[e.label, e.signed, e.started] for e in expected]
        assert [r[4] for r in rows[:-1]] == pytest.approx([yi_of(e.signed_amount)
                                                           for e in expected])
        assert rows[-1][:3] == ["合计", f.signed, f.started]
    event_rows = sheet_rows(out, "按签约活动")[3:]
    shanghai = next(r for r in event_rows if r[0] and str(r[0]).startswith("楚材聚汉"))
    assert shanghai[1] == 8 and f"{shanghai[4]:.2f}" == "50.70"
    pending = demo_db.read(metrics.signed_not_started, H1, AS_OF)
    rows = sheet_rows(out, "签约未开工")[3:]
    assert [(r[0], r[5]) for r in rows] == [(p.name, p.days_since_signing) for p in pending]
    with CalamineWorkbook.from_path(str(out)) as cal:  # python-calamine reads it too
        assert cal.get_sheet_by_name("汇总").to_python()[3][0] == f.signed
    assert b"xl/charts/chart1.xml" in (out.read_bytes())  # the native chart is there


def test_staff_and_event_reports_match_metrics(demo_db: Database, tmp_path: Path) -> None:
    out = export_report(demo_db, "staff", tmp_path / "s.xlsx", H1, AS_OF).path
    rows = sheet_rows(out, "人员考核")[3:]
    by_owner = {r.label: r for r in demo_db.read(metrics.breakdown, "owner", H1, AS_OF)}
    talks = demo_db.read(contact_counts, H1, AS_OF)
    people = {u.display_name: u for u in demo_db.read(users.list_users, True)}
    for name, leads, n_talks, signed, amount, started, _rate in rows[:-1]:
        r = by_owner.get(name)
        assert signed == (r.signed if r else 0) and started == (r.started if r else 0)
        assert amount == pytest.approx(yi_of(r.signed_amount) if r else 0)
        assert n_talks == talks.get(people[name].id, 0)
        lead_count = demo_db.read(metrics.funnel, H1, AS_OF,
                                  metrics.Filters(owner_ids=(people[name].id,)))[0].reached
        assert leads == lead_count
    f = demo_db.read(metrics.start_rate, H1, AS_OF)
    assert rows[-1][0] == "合计" and rows[-1][3] == f.signed and rows[-1][5] == f.started
    listed = {r[0] for r in rows[:-1]}
    staff = {u.display_name for u in people.values() if u.role == "staff"}
    assert staff <= listed  # every 招商专员, even one with nothing in the period
    assert "系统管理员" not in listed  # accounts with no results and no staff role are left out
    out = export_report(demo_db, "events", tmp_path / "e.xlsx", H1, AS_OF).path
    rows = sheet_rows(out, "活动成效")[3:]
    results = {r.label: r for r in demo_db.read(metrics.breakdown, "event", H1, AS_OF)}
    assert rows and all(r[4] == (results[r[0]].signed if r[0] in results else 0) for r in rows)


def test_contacts_report_lists_the_period(demo_db: Database, tmp_path: Path) -> None:
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    result = export_report(demo_db, "contacts", tmp_path / "c.xlsx", period, AS_OF)
    rows = sheet_rows(result.path, "接洽记录")[3:]
    assert len(rows) == result.rows == sum(demo_db.read(contact_counts, period, AS_OF).values())
    assert all(isinstance(r[0], dt.datetime) for r in rows)


def test_ledger_round_trip_changes_nothing(demo_db: Database, tmp_path: Path) -> None:
    out = export_report(demo_db, "ledger", tmp_path / "ledger.xlsx", H1, AS_OF).path
    before = (demo_db.revision(), count(demo_db, StageChange))
    report = import_ledger(demo_db, SYSTEM, out)
    assert report.errors == (), [p.text() for p in report.errors]
    assert report.created == report.updated == 0
    assert report.unchanged == demo_db.read(projects.count_projects)
    assert (demo_db.revision(), count(demo_db, StageChange)) == before


def test_ledger_moves_to_an_empty_database_with_the_same_figures(
        demo_db: Database, db: Database, tmp_path: Path) -> None:
    out = export_report(demo_db, "ledger", tmp_path / "ledger.xlsx", H1, AS_OF).path
    same_chains(demo_db, db)  # its 产业链 / 环节 columns name segments, never created by an import
    # nobody prepared: the owners the ledger names arrive as people without a login
    report = import_ledger(db, SYSTEM, out)
    assert report.errors == () and report.created == demo_db.read(projects.count_projects)
    for period in (H1, Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31))):
        a, b = (d.read(metrics.start_rate, period, AS_OF) for d in (demo_db, db))
        assert (a.signed, a.started, a.signed_amount) == (b.signed, b.started, b.signed_amount)
    keys = ("name", "company", "uscc", "stage", "industry", "owner", "planned_investment",
            "signed_on", "started_on", "start_kind", "dropped_on", "signed_amount", "source",
            "ambassador", "referrer", "signing_event", "land_mu", "note")
    def snap(d: Database) -> list[tuple[object, ...]]:
        return sorted(tuple(getattr(p, k) for k in keys) for p in d.read(projects.list_projects))
    assert snap(db) == snap(demo_db)


def same_chains(source: Database, target: Database) -> None:
    """The 招商图谱's chains and segments of ``source`` drawn again in ``target``."""
    def read(uow: Any) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
        out = []
        for chain in uow.session.scalars(select(Chain).order_by(Chain.position, Chain.id)):
            segs = list(uow.session.scalars(select(Segment).where(Segment.chain_id == chain.id)
                                             .order_by(Segment.position, Segment.id)))
            names = {x.id: x.name for x in segs}
            out.append((chain.name, [(x.name, x.stage, names.get(x.parent_id or 0))
                                     for x in segs]))
        return out

    def draw(uow: Any) -> None:
        for name, segs in source.read(read):
            chain = chains.add_chain(uow, SYSTEM, chains.ChainInput(name)).id
            ids: dict[str, int] = {}
            for seg, stage, parent in segs:
                ids[seg] = chains.add_segment(uow, SYSTEM, chain, chains.SegmentInput(
                    seg, stage, parent_id=ids[parent] if parent else None)).id
    target.run(draw)


def test_user_text_is_never_a_formula(demo_db: Database, tmp_path: Path) -> None:
    row = demo_db.read(projects.list_projects)[0]
    for text in ("=1+2", "+86 123", "-SUM(A1)", "@cmd"):
        demo_db.run(projects.update_project, SYSTEM, row.id, row.to_input(note=text))
        row = demo_db.read(projects.get_project, row.id)
        out = export_report(demo_db, "ledger", tmp_path / "f.xlsx", H1, AS_OF).path
        ws = openpyxl.load_workbook(out)["项目台账"]
        cell = next(c for r in ws.iter_rows() for c in r if c.value == text)
        assert cell.data_type == "s" and cell.quotePrefix
        assert b"<f>" not in out.read_bytes()


def test_cli_period_defaults_like_stats() -> None:
    today = dt.date(2026, 11, 29)
    period, as_of = metrics.period_of("2025-01-01", "2025-06-30", "2025-12-31", today)
    assert (period, as_of) == (H1, AS_OF)
    period, _ = metrics.period_of(None, None, "2025-03-01", today)
    assert period == Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert metrics.period_of(None, None, None, today) == (
        Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), today)
    with pytest.raises(ValidationError, match="早于开始日期"):
        metrics.period_of("2025-06-30", "2025-01-01", None, today)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_every_report(demo_db: Database, tmp_path: Path) -> None:
    files = [export_report(demo_db, r, tmp_path / f"{r}.xlsx", H1, AS_OF).path for r in REPORTS]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
                    "--outdir", str(tmp_path / "csv"), *map(str, files)],
                   check=True, capture_output=True, timeout=180)
    summary = (tmp_path / "csv" / "start-rate.csv").read_text(encoding="utf-8").splitlines()
    assert summary[3].startswith("26,15,57.69%")
    assert len(list((tmp_path / "csv").glob("*.csv"))) == len(REPORTS)
