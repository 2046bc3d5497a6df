"""How real ledgers lay out their rows and words (DESIGN §6, "Real ledgers"): section rows
(一、先进制造业（7个）), footnote and signature rows (注：…, 填报人：…), placeholders for an
empty cell ("/", "—", "待定" …) and the status words bureaus write (已签约未开工, 在建 …).
"""

from __future__ import annotations

import re
import unicodedata

from crm import stages

PLACEHOLDERS = frozenset({"/", "／", "-", "－", "—", "——", "–", "无", "暂无", "待定", "不详",
                          "\\", "、", "--", "——/", "N/A", "n/a", "NA"})


def is_placeholder(value: object) -> bool:
    """A cell that stands for "nothing here": treated exactly as an empty cell."""
    return type(value) is str and value.strip() in PLACEHOLDERS


# Status words as bureaus write them → the stage names of DESIGN §2.
_STATUS = {
    "已签约": ("已签约未开工", "未动工已签约", "签约未开工", "已签约待开工", "已签约未动工",
            "已签约未开工建设", "签约待建", "已签协议"),
    "已开工": ("在建", "已开工在建", "开工建设", "建设中", "在建中", "已开工建设", "正在建设",
            "施工中", "开工在建", "续建", "已动工", "动工"),
    "已开业": ("已运营", "运营", "运营中", "已营业", "营业", "开业运营", "已开业运营", "已投入运营"),
    "已投产": ("已竣工投产", "投产", "达产", "已达产", "竣工投产", "已投产运营", "已竣工",
            "部分投产", "试生产", "已建成投产"),
    "在谈": ("洽谈中", "前期", "对接中", "洽谈", "在洽谈", "正在洽谈", "前期对接", "跟踪洽谈",
           "意向洽谈", "接洽中", "磋商中", "商谈中", "在谈中"),
    "线索": ("拟寻求", "储备", "谋划", "意向", "储备项目", "谋划中", "待对接", "信息", "跟踪"),
    "已终止": ("终止", "已退出", "退出", "放弃", "已放弃", "中止", "已中止", "取消", "已取消",
            "已撤销", "撤销"),
}
STATUS_WORDS = {word: name for name, words in _STATUS.items() for word in words}
_STATUS_TAIL = re.compile(r"(阶段|状态|项目)$")


def status_name(status: str) -> str:
    """The stage name a status word means (已签约未开工 → 已签约, 已签约（未开工）→ 已签约,
    在建（主体施工）→ 已开工); other words unchanged."""
    word = unicodedata.normalize("NFKC", status).replace(" ", "")
    for candidate in (word, _BRACKETS.sub("", word), _AFTER.split(word)[0]):
        bare = _STATUS_TAIL.sub("", candidate)
        for w in (candidate, bare):
            if w in STATUS_WORDS:
                return STATUS_WORDS[w]
            if w in _NAMES:
                return w
    return status


_NAMES = {*stages.NAMES.values(), "已开业"}
_BRACKETS = re.compile(r"[()\[\]【】/、]")
_AFTER = re.compile(r"[(\[【/、,，;；]")


_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）]"
                        r"|第[一二三四五六七八九十]+(?:部分|类|批)\s*[、:：.]?"
                        r"|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\s*[、.．])\s*")
_ARABIC = re.compile(r"^\d{1,2}\s*[、.．]\s*[^\d\s.．]")
_ARABIC_PREFIX = re.compile(r"^\s*\d{1,2}\s*[、.．]\s*")
_COUNT = re.compile(r"\s*[（(]?\s*(?:共|合计)?\s*\d+\s*个(?:项目)?\s*[)）]?\s*$")
_STAGE_SECTION = re.compile(r"签约|开工|在谈|洽谈|储备|在建|竣工|投产|线索|谋划|续建|新建|终止|意向|跟踪"
                            r"|落地|开业|运营|前期")
_NOTE = re.compile(r"^\s*(?:(?:注|说明|附注|备注)\s*[:：0-9①②③１-９]"
                   r"|(?:填报人|填表人|审核人|审核|制表人|制表|联系人|联系电话|负责人|单位负责人|分管领导"
                   r"|填报单位|填报日期|报送单位|主要负责人)\s*[:：]|.{0,20}盖章)")


def section_label(values: list[object], company_col: int | None) -> str | None:
    """A section row's label (一、先进制造业（7个）), else None. The company cell of such a row
    is empty, and its first cell is text numbered 一、/（一）, or is the row's only cell and
    counts its projects (先进制造业（7个）)."""
    if company_col is not None and company_col < len(values) \
            and not _empty(values[company_col]):
        return None
    filled = [v for v in values if not _empty(v)]
    if not filled or not isinstance(filled[0], str):
        return None
    first = filled[0].strip()
    if _NUMBERING.match(first):
        return first
    if len(filled) == 1 and ((_COUNT.search(first) and not first[0].isdigit())
                             or _ARABIC.match(first)):
        return first  # the row's only cell: 先进制造业（7个）, 1、先进制造业
    return None


def section_industry(label: str) -> str:
    """The industry a section names: numbering and count removed ("" for a section that names
    a stage, such as 二、已签约项目)."""
    name = _COUNT.sub("", _ARABIC_PREFIX.sub("", _NUMBERING.sub("", label))).strip()
    name = re.sub(r"(类)?项目$", "", name).strip(" ：:")
    if not name or _STAGE_SECTION.search(name):
        return ""
    return name[:64]


def is_note_row(values: list[object]) -> bool:
    """A footnote or signature row (注：…, 说明：…, 填报人：…, 审核人：…, 联系电话：…, 盖章)."""
    for v in values:
        if _empty(v):
            continue
        return isinstance(v, str) and bool(_NOTE.match(unicodedata.normalize("NFKC", v)))
    return False


def _empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and (not v.strip() or v.strip() in PLACEHOLDERS))
