"""The ledger's columns: what each field is called in real ledgers, and finding the header row.

Staff put a title (often merged cells) and a date line above the header, name columns in many
ways (企业名称, 投资方, 投资主体 …) and write units into the header (计划总投资(亿元)). The
mapping found here is only a proposal: the import wizard shows it and lets the user fix it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

# field → (label shown to the user, synonyms; the first one is what the export writes)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "seq": ("序号", ("序号", "编号", "No")),
    "name": ("项目名称", ("项目名称", "项目", "项目名")),
    "company": ("企业名称", ("企业名称", "投资方", "投资主体", "签约企业", "投资企业", "企业",
                         "公司名称", "签约主体")),
    "uscc": ("统一社会信用代码", ("统一社会信用代码", "社会信用代码", "信用代码", "USCC")),
    "industry": ("所属产业", ("所属产业", "产业类别", "行业", "产业", "所属行业", "产业分类")),
    "planned": ("计划总投资", ("计划总投资", "总投资", "投资额", "投资总额", "计划投资")),
    "stage": ("项目状态", ("项目状态", "项目进展", "阶段", "状态", "项目阶段", "进展情况")),
    "signed_on": ("签约时间", ("签约时间", "签约日期")),
    "amount": ("签约金额", ("签约金额", "协议金额", "合同金额", "协议投资额")),
    "agreement_kind": ("协议类型", ("协议类型", "签约类型")),
    "event": ("签约活动", ("签约活动", "签约场合", "所属活动")),
    "started_on": ("开工时间", ("开工时间", "开工日期", "开业时间", "开业日期",
                              "开工(开业)时间", "开工(开业)日期")),
    "start_kind": ("开工类型", ("开工类型", "开工/开业")),
    "producing_on": ("投产时间", ("投产时间", "投产日期", "竣工时间", "竣工日期")),
    "dropped_on": ("终止时间", ("终止时间", "终止日期")),
    "drop_reason": ("终止原因", ("终止原因",)),
    "owner": ("招商专员", ("招商专员", "责任人", "对接人", "负责人", "项目负责人", "跟踪人")),
    "source": ("招商来源", ("招商来源", "引荐人", "招商大使", "来源", "项目来源", "信息来源")),
    "carrier": ("拟落地载体", ("拟落地载体", "选址", "落地载体", "载体", "拟选址", "落地地点")),
    "land_mu": ("用地面积(亩)", ("用地面积", "用地", "用地需求", "占地面积")),
    "lead_on": ("立项日期", ("立项日期", "登记日期", "入库时间", "入库日期")),
    "note": ("备注", ("备注", "说明", "备注说明")),
}
LABELS = {key: label for key, (label, _) in FIELDS.items()}
REQUIRED = ("name", "company")
HEADER_SCAN_ROWS = 30

_UNIT_PART = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_SPACE = re.compile(r"\s+")


def clean_header(value: object) -> str:
    """The header text without spaces, line breaks and a trailing unit in brackets."""
    raw = unicodedata.normalize("NFKC", "" if value is None else str(value))
    raw = _SPACE.sub("", raw).replace("*", "").replace("★", "")
    if raw in ("开工(开业)时间", "开工(开业)日期"):
        return raw
    return _UNIT_PART.sub("", raw)


_SYNONYMS: list[tuple[str, str]] = sorted(
    ((clean_header(s), key) for key, (_, names) in FIELDS.items() for s in names),
    key=lambda pair: -len(pair[0]))


def field_of(header: object) -> str | None:
    """The field a header names: an exact synonym, else the longest (4+ character) synonym
    it starts with, so that 计划总投资额 is found but 企业性质 is not taken for 企业."""
    cleaned = clean_header(header)
    if not cleaned:
        return None
    low = cleaned.lower()
    for synonym, key in _SYNONYMS:
        if low == synonym.lower():
            return key
    for synonym, key in _SYNONYMS:
        if len(synonym) >= 4 and low.startswith(synonym.lower()):
            return key
    return None


@dataclass(frozen=True)
class HeaderGuess:
    """Where the header is and which column holds which field."""

    row_index: int  # 0-based index into the sheet's rows
    headers: tuple[str, ...]  # the header texts as written
    mapping: dict[int, str]  # column index → field

    @property
    def excel_row(self) -> int:
        return self.row_index + 1

    def column_of(self, key: str) -> int | None:
        for col, field in self.mapping.items():
            if field == key:
                return col
        return None


def guess_mapping(headers: list[object]) -> dict[int, str]:
    """Column → field for one header row; the first column wins when two name one field."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for col, header in enumerate(headers):
        key = field_of(header)
        if key is not None and key not in taken:
            mapping[col] = key
            taken.add(key)
    return mapping


def find_header(rows: list[list[object]]) -> HeaderGuess | None:
    """The first row (of the first 30) naming a project and its company, or the best row."""
    best: HeaderGuess | None = None
    best_score = 1
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = guess_mapping(row)
        fields = set(mapping.values())
        score = len(fields - {"seq"})
        headers = tuple("" if v is None else str(v).strip() for v in row)
        if set(REQUIRED) <= fields and score >= 3:
            return HeaderGuess(index, headers, mapping)
        if score > best_score and ("name" in fields or "company" in fields):
            best, best_score = HeaderGuess(index, headers, mapping), score
    return best


def header_signature(headers: tuple[str, ...] | list[str]) -> str:
    """A short stable key for a set of headers (the wizard remembers mappings by it)."""
    joined = "|".join(clean_header(h) for h in headers)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]
