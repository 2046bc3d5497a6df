"""When two company names are the same company: the normalised name and the fuzzy check.

Ledgers, staff and events spell one investor many ways: 上海际数科技有限公司, 际数科技（上海）有限公司,
际数科技 (上海), full- and half-width brackets, with and without 有限公司. :func:`name_parts` takes
a name apart into the place it names (in front or in brackets) and its core (字号 and industry
words, without brackets, spaces, punctuation or the legal form); :func:`name_key` is
``place|core``, stored and indexed on every company (``companies.name_key``).

:func:`compare` says whether two names are (probably) one company and why:

- the same key: the same company written differently;
- two different places (上海… / …(武汉)…): never — that is a group's other subsidiary, or the
  local project company (项目公司) of an investor, a relation of its own;
- different numbers in the core (光谷一号 / 光谷二号, 测试企业1 / 测试企业2): never;
- otherwise the cores' similarity (rapidfuzz's normalised Indel ratio, 0–100) from
  :data:`THRESHOLD` up: suspected.

The threshold is chosen from the table of realistic pairs in tests/unit/test_company_identity.py
(each pair labelled by the question "would a bureau call them the same company?"). A core that
differs by one character scores 2(n−1)/2n: 75 at four characters (北京知数科技 / 北京际数科技,
different firms), 80 at five (华星机器人 / 华新机器人), 83.3 at six (瀚海生物医药 / 翰海生物医药,
a typo), 85.7 at seven (万洋众创城投资 / 万洋众创成投资). At 83 the table gives recall 1.00 and
precision 0.96 (one false alarm: 深圳鹏程储能 / 深圳鹏城储能, two plausible firms); at 85 recall
falls to 0.91 (the six-character typos and 甬舜新材料 / 甬舜新材料科技 are missed) for precision
1.00. A suspected pair costs a manager one click to dismiss, a missed one splits an investor's
projects and figures: 83. Cores of four characters or fewer must be equal but for one added
character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _words(*lines: str) -> list[str]:
    return [w for line in lines for w in line.split()]


# Provinces and the cities a ledger in 武汉 names most; a place is also what a bracket holds
# when it ends in 省/市/区/县. 中山, 大同 and the like are left out of the leading places: they
# begin brands (中山大学…, 大同证券…) more often than they name a city.
_PROVINCES = _words(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西",
    "山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古",
    "广西 西藏 宁夏 新疆 香港 澳门")
_CITIES = _words(
    "武汉 深圳 广州 杭州 南京 苏州 无锡 常州 宁波 温州 合肥 成都 西安 长沙 郑州",
    "济南 青岛 大连 沈阳 长春 哈尔滨 福州 厦门 南昌 昆明 贵阳 南宁 太原 石家庄",
    "兰州 西宁 银川 乌鲁木齐 呼和浩特 拉萨 海口 三亚 珠海 佛山 东莞 惠州 汕头",
    "嘉兴 湖州 绍兴 金华 台州 衢州 舟山 丽水 徐州 南通 扬州 镇江 泰州 盐城",
    "连云港 淮安 宿迁 芜湖 蚌埠 烟台 潍坊 淄博 威海 临沂 济宁 洛阳 开封 宜昌",
    "襄阳 荆州 黄石 十堰 孝感 黄冈 咸宁 鄂州 荆门 随州 恩施 仙桃 天门 潜江 株洲",
    "湘潭 岳阳 衡阳 赣州 九江 泉州 漳州 莆田 绵阳 宜宾 柳州 桂林 唐山 保定 廊坊",
    "邯郸 包头 鞍山 昆山 江阴 义乌 慈溪")
_BRACKET_ONLY = _words(
    "中国 中山 大同 亚洲 华中 华东 华南 华北 西南 东北 长三角 大湾区")
_SUFFIX = ("特别行政区", "自治区", "省", "市", "区", "县")
LEADING = frozenset(_PROVINCES + _CITIES)
PLACES = LEADING | frozenset(_BRACKET_ONLY)
_LEADING_RE = re.compile("^(" + "|".join(sorted(LEADING, key=len, reverse=True)) + ")("
                         + "|".join(_SUFFIX) + ")?")
# the legal form at the end; 集团 stays: 万洋集团 and 万洋 are not obviously one company
_FORM_RE = re.compile(r"(股份有限公司|有限责任公司|股份公司|有限公司|公司|有限合伙|"
                      r"co\.?,?ltd\.?|co\.?,?limited|limited|ltd\.?|inc\.?)$")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")",
                           "{": "(", "}": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})
_BRACKET_RE = re.compile(r"\(([^()]*)\)")
_DROP_RE = re.compile(r"[\s·•．.,，、'\"“”‘’\-_—–/&＆]+")
_DIGITS_RE = re.compile(r"\d+|[一二三四五六七八九十〇零]+[号期厂分]")

THRESHOLD = 83  # see the module's docstring and tests/unit/test_company_identity.py
SHORT_CORE = 4  # a core this short or shorter: one added character at most


@dataclass(frozen=True)
class NameParts:
    """A company name taken apart: the place it names ("" when none) and its core."""

    place: str
    core: str

    @property
    def key(self) -> str:
        return f"{self.place}|{self.core}"

    @classmethod
    def of_key(cls, key: str) -> NameParts:
        place, _, core = key.partition("|")
        return cls(place, core)


def _place(text: str) -> str | None:
    """``text`` as a place name without its 省/市 suffix, or None when it is not one."""
    bare = text
    for suffix in _SUFFIX:
        if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
            bare = bare[: -len(suffix)]
            break
    if bare in PLACES:
        return bare
    if bare != text and 2 <= len(bare) <= 6 and not _DIGITS_RE.search(bare):
        return bare  # 某某市, 某某县: a place even when not in the list
    return None


def name_parts(name: str) -> NameParts:
    """Take a company name apart (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", name or "").lower().translate(_BRACKETS)
    text = _DROP_RE.sub("", text)
    place = ""
    for _ in range(3):  # 有限公司 may follow a bracket: (有限合伙), (集团)有限公司 …
        text = _FORM_RE.sub("", text)
    for inner in _BRACKET_RE.findall(text):
        found = _place(inner)
        if found is not None:
            place = place or found
            text = text.replace(f"({inner})", "", 1)
    text = text.replace("(", "").replace(")", "")
    text = _FORM_RE.sub("", text)
    for _ in range(2):  # 湖北省武汉市…: the most specific place counts
        match = _LEADING_RE.match(text)
        if match is None or match.end() >= len(text):
            break
        place, text = match.group(1), text[match.end():]
    if not text:  # a name that is only a place and a legal form: keep it as it is
        text, place = place, ""
    return NameParts(place, text)


def name_key(name: str) -> str:
    """The form the duplicate check compares: ``place|core``."""
    return name_parts(name).key


@dataclass(frozen=True)
class Verdict:
    """Why two names are (probably) one company; ``score`` 100 for the same key."""

    score: int
    reason: str
    sure: bool  # the same name once normalised: not a guess


def _similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Indel  # loaded when first needed (app start)

    return float(Indel.normalized_similarity(a, b) * 100)


def compare(a: NameParts, b: NameParts) -> Verdict | None:
    """Whether two names are one company (see the module's docstring); None: not suspected."""
    if a.key == b.key:
        return Verdict(100, "名称规范化后相同：括号、全半角、空格、城市写法或“有限公司”形式不同",
                       True)
    if a.place and b.place and a.place != b.place:
        return None
    if _DIGITS_RE.findall(a.core) != _DIGITS_RE.findall(b.core):
        return None
    if a.core == b.core:
        place = a.place or b.place
        return Verdict(95, f"名称相同，其一未写城市“{place}”", False)
    score = _similarity(a.core, b.core)
    short = min(len(a.core), len(b.core)) <= SHORT_CORE
    if short and not (abs(len(a.core) - len(b.core)) == 1
                      and (a.core in b.core or b.core in a.core)):
        return None
    if score < THRESHOLD:
        return None
    return Verdict(int(score), f"名称相似，相似度 {int(score)}%", False)


def same_company(a: str, b: str) -> Verdict | None:
    """:func:`compare` of two names as written."""
    return compare(name_parts(a), name_parts(b))
