"""招商来源 as ledgers write it (自主, 活动, 以商招商：王总, 招商大使：冯立新, a bare name …) and
as the exported ledger writes it back, so that the two agree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.excel import cells
from crm.excel.headers import clean_header
from crm.excel.layout import PLACEHOLDERS


@dataclass(frozen=True)
class Source:
    """招商来源 as written: a kind, or a name still to be looked up (kind ``"?"``)."""

    kind: str  # self | event | referral | ambassador | ? (a bare name)
    name: str = ""
    fallback: str = ""  # for a bare name that is no known ambassador: what the column implies


# Channels as ledgers name them (DESIGN §6): a channel alone is that channel, nobody named.
_SOURCE_WORDS = {"自主": "self", "自主招商": "self", "自行": "self", "自行招商": "self",
                 "驻点招商": "self", "驻外招商": "self", "上门招商": "self", "网络招商": "self",
                 "小分队招商": "self", "专班招商": "self",
                 "活动": "event", "活动招商": "event", "展会": "event", "展会招商": "event",
                 "会议招商": "event", "推介会": "event", "节会招商": "event", "会展招商": "event",
                 "以商招商": "referral", "中介招商": "referral", "中介": "referral",
                 "委托招商": "referral", "商会招商": "referral", "乡贤招商": "referral",
                 "基金招商": "referral", "资本招商": "referral", "产业链招商": "referral",
                 "招商大使": "ambassador", "大使": "ambassador", "大使引荐": "ambassador",
                 "大使招商": "ambassador"}
_SPLIT_WORDS = "以商招商|中介招商|委托招商|商会招商|招商大使|大使引荐|大使招商|大使|中介"
_SOURCE_SPLIT = re.compile(rf"^({_SPLIT_WORDS})\s*[:：\-—/、（(]?\s*(.*?)[)）]?$")
_NAME_THEN_WORD = re.compile(rf"^(.+?)\s*[（(]({_SPLIT_WORDS})[)）]$")


def parse_source(value: object, header: str) -> Source | None:
    """招商来源 from a cell, knowing which of 招商来源 / 招商大使 / 引荐人 the column is."""
    raw = cells.text(value)
    if not raw or raw in PLACEHOLDERS:
        return None
    # Spaces are dropped to read the channel word (以 商 招 商, 自主 ), never inside a name:
    # 武汉楚商联合会 周会长 stays as written, so an exported ledger reads back unchanged.
    compact = raw.replace(" ", "")
    if compact in _SOURCE_WORDS:
        return Source(_SOURCE_WORDS[compact])
    match = _SOURCE_SPLIT.match(raw) or _SOURCE_SPLIT.match(compact)
    if match:
        return _named(_SOURCE_WORDS[match[1]], match[2])
    match = _NAME_THEN_WORD.match(raw) or _NAME_THEN_WORD.match(compact)
    if match:
        return _named(_SOURCE_WORDS[match[2]], match[1])
    cleaned = clean_header(header)
    fallback = "ambassador" if "大使" in cleaned else "referral" if "引荐" in cleaned else ""
    return Source("?", raw, fallback)


def _named(kind: str, name: str) -> Source:
    """An ambassador is a person, whose name ledgers pad to align (王 五): read without spaces;
    a referrer (武汉楚商联合会 周会长) is kept as written."""
    return Source(kind, name.replace(" ", "") if kind == "ambassador" else name.strip())


def source_text(source: str, ambassador: str, referrer: str) -> str:
    """How the export writes 招商来源, so that the importer reads it back the same."""
    if source == "ambassador":
        return f"招商大使：{ambassador}" if ambassador else "招商大使"
    if source == "referral":
        return f"以商招商：{referrer}" if referrer else "以商招商"
    return {"self": "自主", "event": "活动"}.get(source, source)
