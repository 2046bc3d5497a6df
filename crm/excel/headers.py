"""The ledger's columns: what each field is called in real ledgers, and finding the header row.

Staff put a title (often merged cells) and a date line above the header, name columns in many
ways (企业名称, 投资方, 投资主体 …) and write units into the header (计划总投资(亿元)). The
mapping found here is only a proposal: the import wizard shows it and lets the user fix it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace

# field → (label shown to the user, synonyms; the first one is what the export writes)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "seq": ("序号", ("序号", "编号", "No")),
    "name": ("项目名称", ("项目名称", "项目", "项目名")),
    "company": ("企业名称", ("企业名称", "投资方", "投资主体", "签约企业", "投资企业", "企业",
                         "公司名称", "签约主体", "投资单位", "签约单位", "建设单位", "项目单位",
                         "业主单位", "项目业主", "投资商")),
    "uscc": ("统一社会信用代码", ("统一社会信用代码", "社会信用代码", "信用代码", "USCC")),
    "industry": ("所属产业", ("所属产业", "产业类别", "行业", "产业", "所属行业", "产业分类",
                          "产业领域", "行业类别", "产业方向", "所属领域", "行业分类", "产业类型")),
    "planned": ("计划总投资", ("计划总投资", "总投资", "投资额", "投资总额", "计划投资",
                           "总投资额", "项目总投资", "计划投资额")),
    "stage": ("项目状态", ("项目状态", "项目进展", "阶段", "状态", "项目阶段", "进展情况")),
    "signed_on": ("签约时间", ("签约时间", "签约日期", "签订时间", "签订日期", "协议签订时间",
                              "签约年月")),
    "amount": ("签约金额", ("签约金额", "协议金额", "合同金额", "协议投资额")),
    "agreement_kind": ("协议类型", ("协议类型", "签约类型")),
    "event": ("签约活动", ("签约活动", "签约场合", "所属活动")),
    "started_on": ("开工时间", ("开工时间", "开工日期", "开业时间", "开业日期",
                              "开工(开业)时间", "开工(开业)日期", "实际开工时间", "实际开工日期",
                              "开工建设时间", "开工年月", "开业年月")),
    "start_kind": ("开工类型", ("开工类型", "开工/开业")),
    # 计划开工(开业)日期 (the year-end forecast): a 开业 column gives that kind
    "planned_start_on": ("计划开工时间", ("计划开工时间", "计划开工日期", "预计开工时间",
                                        "预计开工日期", "计划开工年月", "拟开工时间", "拟开工日期")),
    "planned_open_on": ("计划开业时间", ("计划开业时间", "计划开业日期", "预计开业时间",
                                       "预计开业日期")),
    "planned_start_kind": ("计划开工类型", ("计划开工类型", "计划开工/开业")),
    "producing_on": ("投产时间", ("投产时间", "投产日期", "竣工时间", "竣工日期", "投产年月",
                                "竣工投产时间", "建成投产时间")),
    "dropped_on": ("终止时间", ("终止时间", "终止日期")),
    "drop_reason": ("终止原因", ("终止原因",)),
    "owner": ("招商专员", ("招商专员", "责任人", "对接人", "负责人", "项目负责人", "跟踪人",
                         "招商责任人", "项目责任人", "招商负责人", "招商人员", "经办人")),
    "source": ("招商来源", ("招商来源", "引荐人", "招商大使", "来源", "项目来源", "信息来源",
                         "招商方式", "招商渠道", "引进方式", "引进渠道")),
    "carrier": ("拟落地载体", ("拟落地载体", "选址", "落地载体", "载体", "拟选址", "落地地点",
                             "建设地点", "落户地点", "拟落户地点", "项目选址")),
    "land_mu": ("用地面积(亩)", ("用地面积", "用地", "用地需求", "占地面积")),
    "lead_on": ("立项日期", ("立项日期", "登记日期", "入库时间", "入库日期")),
    "note": ("备注", ("备注", "说明", "备注说明")),
}
# What the bureau is assessed on (issue 19; read and written by crm.excel.assessment_cols):
# 到位资金 by origin (实际到位资金（省外）…, the origin in brackets kept by clean_header), 实际利用外资
# (万美元), the investor's tiers, the lead's kind and the lifecycle milestones.
ORIGIN_FIELDS = {"funds_abroad": "境外", "funds_outside": "省外", "funds_province": "省内市外",
                 "funds_city": "市内", "funds_district": "区内"}
ASSESSMENT_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{key: (f"实际到位资金（{origin}）", (f"实际到位资金{origin}", f"{origin}到位资金",
                                        f"到位资金{origin}", f"{origin}实际到位资金"))
       for key, origin in ORIGIN_FIELDS.items()},
    "usd_amount": ("实际利用外资", ("实际利用外资", "利用外资", "到位外资")),
    "funds_on": ("资金到位时间", ("资金到位时间", "资金到位日期", "到位时间", "到位日期")),
    "tiers": ("企业层级", ("企业层级", "企业类型", "企业类别", "企业标签")),
    "lead_kind": ("线索类型", ("线索类型",)),
    "landed_on": ("落地时间", ("落地时间", "落地日期", "注册落地时间")),
    "completed_on": ("竣工验收日期", ("竣工验收日期", "竣工验收时间", "建成日期", "建成时间")),
    "full_production_on": ("达产时间", ("达产时间", "达产日期")),
    "in_database_on": ("固投入库日期", ("固投入库日期", "固投入库时间", "纳入固投库日期",
                                      "纳入固投库时间")),
    "in_database_evidence": ("入库凭证", ("入库凭证", "入库项目代码", "固投项目代码")),
    "registered_on": ("入统时间", ("入统时间", "入统日期", "纳统时间", "纳统日期")),
    "above_scale_on": ("入规时间", ("入规时间", "入规日期")),
}
# What the signing agreement promises (read and written by crm.excel.promise_cols): agreed
# dates, 投资强度 and 亩均税收 (万元/亩).
PROMISE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "agreed_start_on": ("约定开工日期", ("约定开工日期", "约定开工时间", "合同约定开工日期")),
    "agreed_producing_on": ("约定投产日期", ("约定投产日期", "约定投产时间", "合同约定投产日期")),
    "agreed_full_production_on": ("约定达产日期", ("约定达产日期", "约定达产时间",
                                               "合同约定达产日期")),
    "investment_intensity": ("投资强度", ("投资强度", "约定投资强度")),
    "tax_per_mu": ("亩均税收", ("亩均税收", "约定亩均税收")),
}
ASSESSMENT_FIELDS.update(PROMISE_FIELDS)
FIELDS.update(ASSESSMENT_FIELDS)
# The local project company that landed beside the investor that signed (issue 18; read and
# written by crm.excel.local_cols): its name and its 营业执照取得日期.
LOCAL_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "local_company": ("项目公司", ("项目公司", "本地项目公司", "落地公司", "项目公司名称")),
    "licence_on": ("营业执照取得日期", ("营业执照取得日期", "执照取得日期", "注册日期",
                                      "营业执照取得时间", "执照取得时间")),
}
FIELDS.update(LOCAL_FIELDS)
# 招商图谱 (issue 13; read and written by crm.excel.chain_cols): the chain segment a project fills
CHAIN_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "chain": ("产业链", ("产业链", "所属产业链")),
    "segment": ("环节", ("环节", "产业链环节", "链条环节")),
}
FIELDS.update(CHAIN_FIELDS)
LABELS = {key: label for key, (label, _) in FIELDS.items()}
REQUIRED = ("name", "company")
HEADER_SCAN_ROWS = 30

_ORIGINS = tuple(ORIGIN_FIELDS.values())
_UNIT_PART = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_SPACE = re.compile(r"\s+")


def clean_header(value: object) -> str:
    """The header text without spaces, line breaks and a trailing unit in brackets."""
    raw = unicodedata.normalize("NFKC", "" if value is None else str(value))
    raw = _SPACE.sub("", raw).replace("*", "").replace("★", "")
    if raw in ("开工(开业)时间", "开工(开业)日期"):
        return raw
    for origin in _ORIGINS:  # 实际到位资金（省外）: the origin is the field, not a unit
        raw = raw.replace(f"({origin})", origin)
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
    """Where the header is and which column holds which field.

    A header may span two or three rows (a group cell merged over its field cells, e.g.
    计划总投资（万元） over 总额 | 其中：固定资产投资); ``headers`` then joins each column's parts
    with "/" (line breaks inside a cell removed), and the data starts below the last of them.
    """

    row_index: int  # 0-based index into the sheet's rows of the header's first row
    headers: tuple[str, ...]  # each column's header as shown (no line breaks)
    mapping: dict[int, str]  # column index → field
    depth: int = 1  # rows the header spans
    units: dict[int, str] = field(default_factory=dict)  # column → money unit in its header
    unit_row: tuple[int, str] | None = None  # (row index, unit) of a 单位：万元 row above

    @property
    def excel_row(self) -> int:
        return self.row_index + 1

    @property
    def body(self) -> int:
        """Index of the first row below the header."""
        return self.row_index + self.depth

    @property
    def rows_text(self) -> str:
        """第 3 行 / 第 3–4 行."""
        last = self.row_index + self.depth
        return f"第 {self.excel_row} 行" if self.depth == 1 else f"第 {self.excel_row}–{last} 行"

    def column_of(self, key: str) -> int | None:
        for col, fld in self.mapping.items():
            if fld == key:
                return col
        return None

    def with_mapping(self, mapping: dict[int, str]) -> HeaderGuess:
        return replace(self, mapping=dict(mapping))


def display_header(value: object) -> str:
    """A header cell as shown in messages: trimmed, line breaks inside it removed."""
    return _BREAK.sub("", "" if value is None else str(value)).strip()


_BREAK = re.compile(r"\s*[\r\n]+\s*")


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


Merged = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first col), (last row, last col))
_TOTAL_LEAF = {"总额", "合计", "小计", "总计", "总量", "总投资", "金额", "投资额", "额度", "数额"}
_GROUP_TAIL = re.compile(r"(情况|信息|进度|进展|节点|基本情况)$")
_UNIT_ROW = re.compile(r"单位\s*[:：]?[^0-9。；;]{0,12}?(亿元|万元|元)")  # 单位：个、万元 too
_UNIT_ONLY = re.compile(r"^[（(]?(亿元|万元|元)[)）]?$")
MAX_DEPTH = 3


def find_header(rows: list[list[object]], merged: list[Merged] | tuple[Merged, ...] = ()
                ) -> HeaderGuess | None:
    """The first row (of the first 30) naming a project and its company, or the best row,
    with the rows the header spans below (and a group row above) it."""
    best: int | None = None
    best_score = 1
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = guess_mapping(row)
        fields = set(mapping.values())
        score = len(fields - {"seq"})
        if set(REQUIRED) <= fields and score >= 3:
            return header_at(rows, index, merged)
        if score > best_score and ("name" in fields or "company" in fields):
            best, best_score = index, score
    if best is None:
        return None
    return header_at(rows, best, merged)


def header_at(rows: list[list[object]], top: int, merged: list[Merged] | tuple[Merged, ...] = (),
              *, exact: bool = False) -> HeaderGuess:
    """The header whose first row is ``rows[top]`` (or the group row above it, unless
    ``exact``): how many rows it spans, each column's parts, field and unit, and a unit row
    above it."""
    if not exact and top > 0 and _is_group_row(rows, top - 1, merged):
        top -= 1
    depth = _depth(rows, top, merged)
    width = max((len(rows[r]) for r in range(top, top + depth)), default=0)
    grid = _filled(rows, top, depth, width, merged)
    headers: list[str] = []
    mapping: dict[int, str] = {}
    units: dict[int, str] = {}
    taken: set[str] = set()
    for col in range(width):
        parts: list[str] = []
        for r in range(depth):
            text = display_header(grid[r][col])
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        headers.append("/".join(parts))
        key = _field_of_parts(parts)
        if key is not None and key not in taken:
            mapping[col] = key
            taken.add(key)
        unit = _unit_of_parts(parts)
        if unit is not None:
            units[col] = unit
    return HeaderGuess(top, tuple(headers), mapping, depth, units, unit_row(rows, top))


def _is_group_row(rows: list[list[object]], index: int,
                  merged: list[Merged] | tuple[Merged, ...]) -> bool:
    """A row of group cells over the header (项目基本情况 | 投资情况 …): two or more text cells,
    at least one merged across columns and not over the whole width, naming no field."""
    row = rows[index]
    texts = [v for v in row if not _blank(v)]
    if len(texts) < 2 or not all(isinstance(v, str) for v in texts):
        return False
    width = len(row)
    spans = [m for m in merged if m[0][0] == index and m[1][1] > m[0][1]]
    return any(m[1][1] - m[0][1] + 1 < width for m in spans) and not guess_mapping(row)


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _depth(rows: list[list[object]], top: int, merged: list[Merged] | tuple[Merged, ...]) -> int:
    depth = 1
    for (r0, c0), (r1, c1) in merged:
        if r0 == top and r1 > r0:  # a header cell merged down over the rows below
            depth = max(depth, r1 - r0 + 1)
        elif r0 == top and c1 > c0 and top + 1 < len(rows) and _textual(rows, top, 1):
            below = rows[top + 1]
            if any(not _blank(below[c]) for c in range(c0, min(c1 + 1, len(below)))):
                depth = max(depth, 2)  # a group cell with its field cells below
    depth = min(depth, MAX_DEPTH)
    if depth == 1 and not merged:
        while depth < MAX_DEPTH and _continues(rows, top, depth):
            depth += 1
    return max(1, min(depth, len(rows) - top))


def _textual(rows: list[list[object]], top: int, depth: int) -> bool:
    """The row below a header of ``depth`` rows holds only text, none where the header's
    project and company columns are (a data row fills those)."""
    row = rows[top + depth]
    if not all(_blank(v) or isinstance(v, str) for v in row):
        return False
    mapping = guess_mapping(rows[top])
    return not any(key in REQUIRED and c < len(row) and not _blank(row[c])
                   for c, key in mapping.items())


def _continues(rows: list[list[object]], top: int, depth: int) -> bool:
    """Without merge information: whether the row below the header is more header (text only,
    under blank or group cells of the row above, and not a data, total or section row)."""
    index = top + depth
    if index >= len(rows):
        return False
    row, above = rows[index], rows[index - 1]
    cells = [(c, v) for c, v in enumerate(row) if not _blank(v)]
    if not cells or not _textual(rows, top, depth):
        return False
    first = clean_header(cells[0][1])
    if first.startswith(("合计", "小计", "总计")) or len(cells) < 2:
        return False
    return all(c >= len(above) or _blank(above[c]) or field_of(above[c]) is None
               or field_of(v) is not None or clean_header(v) in _TOTAL_LEAF
               or clean_header(v).startswith("其中") for c, v in cells)


def _filled(rows: list[list[object]], top: int, depth: int, width: int,
            merged: list[Merged] | tuple[Merged, ...]) -> list[list[object]]:
    """The header rows with each merged cell's value in every cell it covers (calamine leaves
    the covered cells empty); without merge information a group cell is carried right over
    the blank cells whose row below has a field."""
    grid = [list(rows[r]) + [None] * (width - len(rows[r])) for r in range(top, top + depth)]
    for (r0, c0), (r1, c1) in merged:
        if r1 < top or r0 >= top + depth:
            continue
        origin = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
        for r in range(max(r0, top), min(r1, top + depth - 1) + 1):
            for c in range(c0, min(c1 + 1, width)):
                grid[r - top][c] = origin
    if not merged:
        for r in range(depth - 1):
            for c in range(1, width):
                if _blank(grid[r][c]) and not _blank(grid[r + 1][c]) \
                        and not _blank(grid[r][c - 1]) and not _blank(grid[r + 1][c - 1]):
                    grid[r][c] = grid[r][c - 1]
    return grid


def _field_of_parts(parts: list[str]) -> str | None:
    if not parts:
        return None
    leaf = parts[-1]
    key = field_of(leaf)
    if key is not None or len(parts) == 1:
        return key
    cleaned = clean_header(leaf)
    if cleaned.startswith("其中"):
        return None  # 其中：固定资产投资 is a part of the group's figure, not the figure
    group = _GROUP_TAIL.sub("", clean_header(parts[-2]))
    joined = field_of(group + cleaned)
    if joined is not None:
        return joined
    if cleaned in _TOTAL_LEAF or _UNIT_ONLY.match(cleaned) or not cleaned:
        return field_of(parts[-2])
    return None


def _unit_of_parts(parts: list[str]) -> str | None:
    from crm.excel.cells import header_unit

    for part in reversed(parts):
        unit = header_unit(part)
        if unit is not None:
            return unit
    return None


def unit_row(rows: list[list[object]], top: int) -> tuple[int, str] | None:
    """A row above the header stating the money unit (单位：万元, 金额单位：亿元); None when
    none does, or when two rows state different units (never guessed between)."""
    found: list[tuple[int, str]] = []
    for index in range(top - 1, -1, -1):
        for v in rows[index]:
            if isinstance(v, str) and "单位" in v:
                match = _UNIT_ROW.search(unicodedata.normalize("NFKC", v))
                if match:
                    found.append((index, match[1]))
    if not found or len({unit for _, unit in found}) > 1:
        return None
    return found[0]


def header_signature(headers: tuple[str, ...] | list[str]) -> str:
    """A short stable key for a set of headers (the wizard remembers mappings by it)."""
    joined = "|".join(clean_header(h) for h in headers)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


def header_label(header: HeaderGuess | None, key: str) -> str:
    """The ledger's own heading of a field (what its user reads in an error), else ours."""
    if header is not None:
        col = header.column_of(key)
        if col is not None and col < len(header.headers) and header.headers[col]:
            return header.headers[col]
    return LABELS[key]
