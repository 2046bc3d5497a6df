"""The command line and the 签约与开工 report of issue 15: stats' forecast keys, ``crm alerts``,
``crm snapshot``, ``crm trend`` and a report exported from a snapshot, on the demo data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from crm.cli import main
from crm.db import Database
from crm.services import pipeline, projects
from crm.services.common import SYSTEM
from crm.services.pipeline import StartInput

D = dt.date


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(path: Path, sheet: str) -> list[list[object]]:
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def test_stats_json_has_the_forecast(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", demo_db.url, "stats", "--from", "2025-01-01", "--to",
                         "2025-06-30", "--as-of", "2025-09-15", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["signed"], data["started"]) == (26, 12)
    assert data["forecast_start_rate"] == 0.6923
    assert data["forecast_start_rate_text"] == "69.23%"
    assert data["starts_needed_for_target"] == 4
    code, out, _ = run(capsys, "--db", demo_db.url, "stats", "--from", "2025-01-01", "--to",
                       "2025-06-30", "--as-of", "2025-09-15")
    assert ("按计划年底开工率  69.23%（另有 6 个计划年内开工，2 个逾期未开工）；"
            "距目标 60% 还需开工 4 个") in out


def test_alerts_by_owner_as_json(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", demo_db.url, "alerts", "--as-of", "2026-11-28", "--json")
    assert code == 0, err
    everyone = json.loads(out)
    assert set(everyone["counts"]) == {"signed_long", "planned_passed", "no_contact"}
    assert all(n > 0 for n in everyone["counts"].values())
    assert (everyone["signed_days"], everyone["quiet_days"]) == (90, 30)
    code, out, _ = run(capsys, "--db", demo_db.url, "alerts", "--as-of", "2026-11-28", "--owner",
                       "何涛", "--json")
    mine = json.loads(out)["alerts"]
    assert mine and {a["owner"] for a in mine} == {"何涛"}
    overdue = next(a for a in mine if a["project"] == "恒信高端轴承项目"
                   and a["rule"] == "planned_passed")
    assert overdue["days"] == 28 and overdue["planned_start_on"] == "2026-10-31"
    code, out, _ = run(capsys, "--db", demo_db.url, "alerts", "--as-of", "2026-11-28", "--owner",
                       "何涛")
    assert code == 0 and out.startswith("截至 2026-11-28：签约超 90 天未开工") and "【何涛】" in out
    code, _, err = run(capsys, "--db", demo_db.url, "alerts", "--owner", "没有这个人")
    assert code == 2 and err.startswith("错误：") and "Traceback" not in err


def test_snapshot_take_list_and_export_stay_as_frozen(
        demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", demo_db.url, "snapshot", "take", "--month", "2025-06",
                         "--user", "zhoujm")
    assert code == 0, err
    assert out.strip() == "已冻结 2025-06 月报快照（截至 2025-06-30）：签约 26 个，开工 7 个，开工率 26.92%"
    code, out, _ = run(capsys, "--db", demo_db.url, "snapshot", "list", "--json")
    listed = json.loads(out)
    assert [(s["month"], s["taken_by"], s["start_rate_text"]) for s in listed] == [
        ("2025-06", "周建明", "26.92%")]
    first = tmp_path / "六月.xlsx"
    code, out, err = run(capsys, "--db", demo_db.url, "export", "start-rate", "--snapshot",
                         "2025-06", "--out", str(first))
    assert code == 0, err
    assert rows(first, "汇总")[3][:3] == [26, 7, pytest.approx(7 / 26)]
    assert "月报快照" in str(rows(first, "汇总")[1][0])
    # a correction: 长江碳纤维 started in June after all
    pid = demo_db.read(projects.find_project, "长江碳纤维复合材料项目").id
    demo_db.run(pipeline.advance, SYSTEM, pid, "started", D(2025, 6, 20),
                start=StartInput(D(2025, 6, 20)))
    second = tmp_path / "六月又一次.xlsx"
    run(capsys, "--db", demo_db.url, "export", "start-rate", "--snapshot", "2025-06", "--out",
        str(second))
    for sheet in ("汇总", "按招商专员", "签约未开工", "年底预测", "冲刺清单"):
        assert rows(second, sheet) == rows(first, sheet), sheet
    live = tmp_path / "现在.xlsx"
    run(capsys, "--db", demo_db.url, "export", "start-rate", "--from", "2025-01-01", "--to",
        "2025-06-30", "--as-of", "2025-06-30", "--out", str(live))
    assert rows(live, "汇总")[3][:2] == [26, 8]
    code, _, err = run(capsys, "--db", demo_db.url, "snapshot", "take", "--month", "2025-06")
    assert code == 2 and "已冻结" in err
    code, _, err = run(capsys, "--db", demo_db.url, "export", "start-rate", "--snapshot",
                       "2025-07", "--out", str(tmp_path / "x.xlsx"))
    assert code == 2 and err.strip() == "错误：没有 2025-07 的月报快照（crm snapshot list 列出已有的）"
    code, _, err = run(capsys, "--db", demo_db.url, "snapshot", "take", "--month", "2025-13")
    assert code == 2 and "YYYY-MM" in err


def test_the_report_has_the_forecast_and_the_sprint_list(
        demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "九月.xlsx"
    code, _, err = run(capsys, "--db", demo_db.url, "export", "start-rate", "--from",
                       "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-09-15", "--out",
                       str(out))
    assert code == 0, err
    forecast = rows(out, "年底预测")
    assert forecast[3] == [26, 12, 6, pytest.approx(18 / 26), pytest.approx(0.6), 4, 2]
    sprint = rows(out, "冲刺清单")
    assert "距目标 60% 还需开工 4 个" in str(sprint[1][0])
    listed = [(r[2], r[7]) for r in sprint[3:]]
    assert listed[:3] == [("绿源再生资源利用项目", "逾期"), ("锡创智能装备华中基地", "逾期"),
                          ("甬舜特种合金项目", None)]
    assert len(listed) == 8


def test_trend_json_months(demo_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", demo_db.url, "trend", "--year", "2025", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [m["month"] for m in data["months"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    june = data["months"][5]
    assert (june["signed"], june["started"], june["source"]) == (26, 7, "computed")
    assert data["months"][11]["start_rate_text"] == "60.00%"
    assert data["lag"]["overall"]["started"] > 0 and data["lag"]["industry"]


def test_trend_of_a_year_not_begun_is_refused(demo_db: Database,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A year after this one has no month end yet: one Chinese line and exit 2, not an empty
    table with a 中位数 of —."""
    from crm import clock
    next_year = clock.today().year + 1
    code, out, err = run(capsys, "--db", demo_db.url, "trend", "--year", str(next_year))
    assert code == 2 and out == ""
    assert f"{next_year} 年尚未开始" in err and len(err.strip().splitlines()) == 1


def test_trend_by_industry_owner_source_as_the_window(demo_db: Database,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``--by`` splits 签约到开工天数 as the 冲刺 page does, from the same crm.services.trend.lag."""
    from crm import clock
    from crm.services import metrics, trend
    from crm.text import display_width
    period = metrics.Period(D(2025, 1, 1), D(2025, 12, 31))
    lags = demo_db.read(trend.lag, period, clock.today())
    code, out, err = run(capsys, "--db", demo_db.url, "trend", "--year", "2025", "--by",
                         "industry", "--json")
    assert code == 0, err
    lag = json.loads(out)["lag"]
    assert set(lag) == {"overall", "industry"}
    assert lag["industry"] == [r.to_json() for r in lags.groups["industry"]]
    code, out, err = run(capsys, "--db", demo_db.url, "trend", "--year", "2025", "--by", "owner")
    assert code == 0, err
    lines = out.splitlines()
    table = lines[lines.index("按招商专员：") + 1:]
    assert len(table) == 1 + len(lags.groups["owner"])  # the heading and one line per person
    assert table[0].split() == ["名称", "已开工", "中位数(天)", "四分位(天)", "最快", "最慢", "未开工"]
    for row, line in zip(lags.groups["owner"], table[1:], strict=True):
        assert line.split()[:3] == [row.label, str(row.started), row.median_text]
    assert len({display_width(x) for x in table}) == 1  # the columns line up
    code, out, err = run(capsys, "--db", demo_db.url, "trend", "--by", "city")
    assert code == 2 and "--by" in err
