"""Company names: the normalised key and the fuzzy check, on realistic name pairs.

Each pair is labelled by asking "would a bureau call them the same company?"; the table holds
the spellings ledgers really use (brackets, width, a city in front or in brackets, 有限公司
forms, typos) and hard negatives (a group's other subsidiaries, the investor and its local
project company, 际数科技 / 际数智能, common industry words). The threshold of
crm.companies_identity is justified by precision and recall on this table.
"""

from __future__ import annotations

import pytest

from crm.companies_identity import THRESHOLD, name_key, name_parts, same_company

PAIRS = [
    # spellings of one company
    ("上海际数科技有限公司", "际数科技（上海）有限公司", True),
    ("上海际数科技有限公司", "际数科技(上海)有限公司", True),
    ("上海际数科技有限公司", "际数科技 (上海)", True),
    ("上海际数科技有限公司", "上海际数科技", True),
    ("上海际数科技有限公司", "上海市际数科技有限公司", True),
    ("上海际数科技有限公司", "上海际数科技有限责任公司", True),
    ("上海际数科技有限公司", "上海 际数 科技 有限公司", True),
    ("上海际数科技有限公司", "际数科技有限公司", True),
    ("深圳光华伟业股份有限公司", "深圳光华伟业有限公司", True),
    ("中韩（武汉）石油化工有限公司", "中韩(武汉)石油化工有限公司", True),
    ("中韩（武汉）石油化工有限公司", "武汉中韩石油化工有限公司", True),
    ("中科氢能（北京）科技有限公司", "北京中科氢能科技有限公司", True),
    ("湖北半导体新材料园区发展有限公司", "湖北省半导体新材料园区发展有限公司", True),
    ("ＡＢＣ新材料（苏州）有限公司", "苏州ABC新材料有限公司", True),
    ("浙江万洋众创城投资有限公司", "浙江万洋众创成投资有限公司", True),  # typo 城/成
    ("湖北半导体新材料园区发展有限公司", "湖北半导体新材料产业园区发展有限公司", True),
    ("武汉数联工业互联网有限公司", "武汉数联工业互联网科技有限公司", True),
    ("上海翼鸟智能科技有限公司", "上海翼鸟智能化科技有限公司", True),
    ("武汉钢材科技产业发展有限公司", "武汉钢材科技产业发展公司", True),
    ("宁波甬舜新材料有限公司", "宁波甬舜新材料科技有限公司", True),
    ("南京瀚海生物医药有限公司", "南京翰海生物医药有限公司", True),  # typo 瀚/翰
    ("北京知数科技有限公司", "北京知数科技有限公司 ", True),
    ("西门子（中国）有限公司", "西门子有限公司", True),
    # different companies
    ("上海际数科技有限公司", "上海际数智能有限公司", False),
    ("上海际数科技有限公司", "际数科技(武汉)有限公司", False),  # the investor and its local company
    ("上海际数科技有限公司", "北京际数科技有限公司", False),
    ("上海际数科技有限公司", "上海际数科技有限公司武汉分公司", False),
    ("北京知数科技有限公司", "北京际数科技有限公司", False),
    ("深圳华星机器人有限公司", "深圳华新机器人有限公司", False),
    ("深圳华星机器人有限公司", "深圳华星光电技术有限公司", False),
    ("武汉疏能新材料科技有限公司", "武汉晶研新材料科技有限公司", False),
    ("武汉长江碳纤维科技有限公司", "武汉长江新材料科技有限公司", False),
    ("上海氢澜科技有限公司", "上海氢途物流科技有限公司", False),
    ("湖北数智云科技有限公司", "武汉数智云科技有限公司", False),
    ("上海芯联微电子有限公司", "上海芯联集成电路制造有限公司", False),
    ("武汉青山生物医药产业发展有限公司", "武汉青山新材料产业发展有限公司", False),
    ("万洋集团有限公司", "浙江万洋众创城投资有限公司", False),
    ("测试企业1", "测试企业2", False),
    ("武汉光谷一号科技有限公司", "武汉光谷二号科技有限公司", False),
    ("中国石油化工股份有限公司", "中国石油天然气股份有限公司", False),
    ("武汉楚天供应链管理有限公司", "武汉楚天物流管理有限公司", False),
    ("湖北绿源环保科技有限公司", "湖北绿源新能源科技有限公司", False),
    ("武汉江城检测认证有限公司", "武汉江城检测技术有限公司", False),
    ("深圳鹏程储能科技有限公司", "深圳鹏城储能科技有限公司", False),  # 程/城: two real firms? ambiguous
]


def _scores(pairs: list[tuple[str, str, bool]]) -> tuple[float, float]:
    """(precision, recall) of the check on ``pairs``."""
    tp = sum(1 for a, b, same in pairs if same and same_company(a, b))
    fp = sum(1 for a, b, same in pairs if not same and same_company(a, b))
    fn = sum(1 for a, b, same in pairs if same and not same_company(a, b))
    return tp / (tp + fp), tp / (tp + fn)


def test_precision_and_recall_on_the_table_justify_the_threshold() -> None:
    assert THRESHOLD == 83
    precision, recall = _scores(PAIRS)
    assert (round(precision, 2), recall) == (0.96, 1.0)
    wrong = [(a, b) for a, b, same in PAIRS if bool(same_company(a, b)) != same]
    assert wrong == [("深圳鹏程储能科技有限公司", "深圳鹏城储能科技有限公司")]


def test_a_stricter_threshold_would_miss_typos(monkeypatch: pytest.MonkeyPatch) -> None:
    from crm import companies_identity

    monkeypatch.setattr(companies_identity, "THRESHOLD", 85)
    precision, recall = _scores(PAIRS)
    assert (precision, round(recall, 2)) == (1.0, 0.91)


@pytest.mark.parametrize(("a", "b", "same"), PAIRS)
def test_pair(a: str, b: str, same: bool) -> None:
    # the table's one false alarm at the chosen threshold (counted in the precision above):
    # two firms one character apart are offered as a pair, dismissed with one click
    flagged = same or (a, b) == ("深圳鹏程储能科技有限公司", "深圳鹏城储能科技有限公司")
    assert bool(same_company(a, b)) == flagged, (a, b, name_key(a), name_key(b))


def test_keys_of_the_article_s_spellings() -> None:
    spellings = ["上海际数科技有限公司", "际数科技（上海）有限公司", "际数科技 (上海)",
                 "际数科技(上海)有限公司", "上海际数科技股份有限公司", "上海市际数科技有限责任公司",
                 "上海　际数科技有限公司"]
    assert {name_key(s) for s in spellings} == {"上海|际数科技"}
    assert name_key("际数科技(武汉)有限公司") == "武汉|际数科技"
    assert name_parts("湖北省武汉市江城检测认证有限公司").place == "武汉"


def test_the_reason_says_why() -> None:
    verdict = same_company("上海际数科技有限公司", "际数科技（上海）有限公司")
    assert verdict is not None and verdict.sure and verdict.score == 100
    assert "规范化后相同" in verdict.reason
    guess = same_company("浙江万洋众创城投资有限公司", "浙江万洋众创成投资有限公司")
    assert guess is not None and not guess.sure and guess.reason == "名称相似，相似度 85%"
    alone = same_company("上海际数科技有限公司", "际数科技有限公司")
    assert alone is not None and alone.reason == "名称相同，其一未写城市“上海”"


def test_a_name_that_is_only_a_place_keeps_its_name() -> None:
    assert name_key("上海有限公司") == "|上海"
    assert name_key("") == "|"
