"""``crm promises`` and the assessment keys of ``crm stats`` on the demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm.cli import main


def test_promises_lists_what_is_overdue_most_overdue_first(
        demo_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(demo_template), "promises", "--as-of", "2026-01-31", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    # the demo's agreed dates (crm.demo_assessment.PROMISES) and planned starts (crm.demo.PLANNED)
    assert [(r["project"], r["promise"], r["due_on"], r["days_overdue"]) for r in rows] == [
        ("锡创智能装备华中基地", "开工", "2025-08-31", 153),
        ("甬舜特种合金项目", "开工", "2025-09-30", 123),
        ("锦程跨境电商产业园", "开工", "2025-10-20", 103),
        ("云栖智造数字工厂", "开工", "2025-12-20", 42),
        ("中韩石化航煤液相加氢项目", "投产", "2025-12-31", 31),
        ("联创氟化工新材料项目", "开工", "2025-12-31", 31),
        ("华星机器人研发中心", "开工", "2026-01-15", 16)]
    assert rows[2]["detail"] == "计划 2025-10-20 开业，至 2026-01-31 未开业"
    assert main(["--db", str(demo_template), "promises", "--as-of", "2026-01-31",
                 "--band", "10亿元以上"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "截至 2026-01-31，共 0 项未履约"


def test_stats_json_carries_the_assessment_figures(
        demo_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(demo_template), "stats", "--from", "2025-01-01", "--to",
                 "2025-12-31", "--as-of", "2025-12-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["foreign_usd_wan"] == "800"  # 500 + 300 万美元, both to 2024 signings
    assert out["funds_year_by_origin_yi"]["境外"] == "0.58"  # 3600 + 2160 万元
    assert out["bands"]["50亿元以上"] == {"signed": 1, "started": 1, "funded": 1}
    assert out["tiers"]["专精特新"] == 3
    assert out["seven_batches"]["planned"] == 2 and out["seven_batches"]["reserve"] == 2
    assert main(["--db", str(demo_template), "stats", "--band", "3亿"]) == 2
    assert "未知规模档次“3亿”" in capsys.readouterr().err
