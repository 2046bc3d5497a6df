"""Pipeline stages: codes, Chinese names and their order (DESIGN §2)."""

from __future__ import annotations

from crm.errors import ValidationError

LEAD, NEGOTIATING, SIGNED, STARTED, PRODUCING, DROPPED = (
    "lead", "negotiating", "signed", "started", "producing", "dropped")
FORWARD = (LEAD, NEGOTIATING, SIGNED, STARTED, PRODUCING)
ALL = (*FORWARD, DROPPED)
NAMES = {LEAD: "线索", NEGOTIATING: "在谈", SIGNED: "已签约", STARTED: "已开工",
         PRODUCING: "已投产", DROPPED: "已终止"}
START_KINDS = ("开工", "开业")
AGREEMENT_KINDS = ("框架协议", "投资协议", "正式合同")

_ALIASES = {
    **{code: code for code in ALL},
    **{name: code for code, name in NAMES.items()},
    "洽谈": NEGOTIATING, "在洽谈": NEGOTIATING, "洽谈中": NEGOTIATING, "谈判": NEGOTIATING,
    "签约": SIGNED, "已签": SIGNED, "开工": STARTED, "已开业": STARTED, "开业": STARTED,
    "在建": STARTED, "投产": PRODUCING, "已竣工": PRODUCING, "竣工": PRODUCING,
    "终止": DROPPED, "已放弃": DROPPED, "放弃": DROPPED, "储备": LEAD, "意向": LEAD,
}


def rank(stage: str) -> int:
    """Position in the forward pipeline; a dropped project has no rank (-1)."""
    return FORWARD.index(stage) if stage in FORWARD else -1


def parse_stage(text: str) -> str:
    """A stage code from a code or a Chinese name (``signed``, ``已签约``, ``已开业`` …)."""
    key = (text or "").strip().lower()
    key = _ALIASES.get(key, _ALIASES.get(text.strip() if text else "", ""))
    if not key:
        raise ValidationError(
            f"未知阶段“{text}”，可用：{', '.join(ALL)} 或 {'、'.join(NAMES.values())}",
            code="stage.unknown", field="stage")
    return key


def start_kind_of(text: str) -> str | None:
    """开业 when a stage name says so (已开业), else None."""
    return "开业" if "开业" in (text or "") else None
