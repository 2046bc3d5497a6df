"""The demo data set: the article's investor and local company, and one duplicate to find."""

from __future__ import annotations

import datetime as dt

from crm.db import Database
from crm.services import companies, duplicates, metrics, projects
from crm.services.common import SYSTEM
from crm.services.metrics import Period

D = dt.date


def test_the_article_s_local_company_and_its_licence_are_on_the_record(demo_db: Database) -> None:
    row = demo_db.read(projects.find_project, "上海际数科技华中总部")
    assert row.company == "上海际数科技有限公司"
    local = demo_db.read(companies.get_company, row.local_company_id)
    assert (local.name, local.parent, local.licence_on) == (
        "际数科技(武汉)有限公司", "上海际数科技有限公司", D(2025, 7, 21))
    assert (row.started_on, row.start_kind, row.signed_on) == (D(2025, 7, 21), "开业",
                                                               D(2025, 6, 12))
    r = demo_db.read(metrics.start_rate, Period(D(2025, 1, 1), D(2025, 6, 30)), D(2025, 12, 31))
    assert (r.signed, r.started, r.rate_text) == (26, 15, "57.69%")


def test_the_demo_has_one_suspected_pair(demo_db: Database) -> None:
    pairs = demo_db.read(duplicates.duplicate_pairs, SYSTEM)
    assert [(p.a_name, p.b_name, p.reason) for p in pairs] == [
        ("上海翼鸟智能科技有限公司", "上海翼鸟智能化科技有限公司", "名称相似，相似度 92%")]
