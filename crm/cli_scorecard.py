"""``crm scorecard``: the 考核 score, per person, and the 招商大使/引荐人 rewards (crm.cli lists it).

    crm scorecard --year 2025 [--quarter Q] [--as-of D] [--person X | --people | --rewards] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.commands import Command
from crm.db import Database
from crm.errors import NotFoundError, ValidationError
from crm.models import User
from crm.money import format_yi
from crm.services import rewards, scorecard
from crm.services.common import parse_date_text, resolve_ids
from crm.services.rewards import RewardLine
from crm.services.scorecard import Scorecard, ScoreLine
from crm.text import display_width, pad, rpad


def _extend(sub: Any) -> None:
    card = sub.add_parser("scorecard", help="考核得分：各指标的实际、目标、完成率与得分；奖励",
                          description="按考核方案计算某年（某季度，截至季末累计）的考核得分。",
                          epilog="口径见 docs/figures.md（考核得分、奖励）")
    card.add_argument("--year", required=True, metavar="YYYY", help="考核年度，如 2025")
    card.add_argument("--quarter", choices=("1", "2", "3", "4"),
                      help="季度：按该季度的时序目标考核，实际为 1 月 1 日至季末的累计；不填为全年")
    card.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                      help="截至日，YYYY-MM-DD；不填为今天（期间已过则为期末）")
    which = card.add_mutually_exclusive_group()
    which.add_argument("--person", metavar="X",
                       help="只看这位人员按个人考核方案的得分（编号、登录名或姓名的一部分）")
    which.add_argument("--people", action="store_true", help="按个人考核方案列出每人的得分排名")
    which.add_argument("--rewards", action="store_true", help="招商大使与引荐人奖励明细")
    card.add_argument("--json", action="store_true")


def _year(text: str) -> int:
    clean = text.strip()
    if not (clean.isdigit() and len(clean) == 4):
        raise ValidationError(f"参数错误：--year 应为四位年份（如 2025），而不是“{text}”",
                              code="cli.usage")
    return int(clean)


def _num(x: Decimal | None, places: str = "0.01") -> str | None:
    return None if x is None else str(x.quantize(Decimal(places), ROUND_HALF_UP))


def _wan(x: Decimal) -> str:
    """万元, exact, without trailing zeros: 50, 37.5, 0.0012."""
    return format(x.normalize(), "f") if x else "0"


def _shown(x: Decimal | None, unit: str) -> str:
    if x is None:
        return "—"
    if unit == "%":
        return f"{_num(x)}%"
    if unit in ("个", "次"):
        return f"{_num(x, '1')}"
    if unit == "万元":
        return f"{format_yi(x)}亿元"
    return f"{_num(x)}{unit}"  # e.g. 800.00万美元: a bare 800.00 beside 亿元 lines read as 亿


def line_json(line: ScoreLine) -> dict[str, Any]:
    return {"kind": line.kind, "code": line.code, "label": line.label, "unit": line.unit,
            "actual": _num(line.actual, "0.0001"), "target": _num(line.target, "0.0001"),
            "target_basis": line.basis,
            "ratio": None if line.ratio is None else float(_num(line.ratio, "0.0001") or 0),
            "ratio_text": line.ratio_text, "weight": _num(line.weight), "cap": _num(line.cap),
            "points_each": _num(line.points_each), "points_max": _num(line.points_max),
            "points": _num(line.points), "available": _num(line.available),
            "to_full": _num(line.to_full, "0.0001"), "note": line.note}


def card_json(card: Scorecard) -> dict[str, Any]:
    return {"year": card.year, "quarter": card.quarter, "scope": card.scope,
            "owner": card.owner or None, "owner_id": card.owner_id,
            "scheme": card.scheme.name if card.scheme else None,
            "period_from": card.period.start.isoformat(), "period_to": card.period.end.isoformat(),
            "as_of": card.as_of.isoformat(), "total": _num(card.total),
            "full_marks": _num(card.full_marks), "available": _num(card.available),
            "lines": [line_json(line) for line in card.lines]}


def reward_json(r: RewardLine) -> dict[str, Any]:
    return {"project_id": r.project_id, "project": r.project, "company": r.company,
            "role": r.role, "person": r.person,
            "registered_on": r.registered_on.isoformat() if r.registered_on else None,
            "signed_on": r.signed_on.isoformat(), "fixed_assets_wan": _num(r.fixed_assets, "0.0001"),
            "eligible": r.eligible, "reason": r.reason,
            "computed_wan": _num(r.computed, "0.0001"), "reward_wan": _num(r.reward, "0.0001")}


def _print_card(card: Scorecard) -> None:
    who = f"{card.owner}：" if card.owner else ""
    print(f"{who}{card.scheme.name if card.scheme else ''}  {card.period_text}")
    rows = [("类别", "指标", "实际", "目标", "完成率", "分值", "得分", "尚可得分")]
    notes = [""]
    for line in card.lines:
        if line.kind == "score":
            full = _num(line.weight) or ""
        else:
            sign = "+" if line.kind == "bonus" else "-"
            full = f"{sign}{_num(line.points_each)}/个"
        rows.append((line.kind_name, line.label, _shown(line.actual, line.unit),
                     _shown(line.target, line.unit) if line.target is not None else "",
                     line.ratio_text if line.kind == "score" else "", full,
                     _num(line.points) or "", _num(line.available) or ""))
        notes.append(f"  {line.note}" if line.note else "")
    # columns as wide as their widest cell, in terminal columns (a Chinese character takes two)
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row, note in zip(rows, notes, strict=True):
        cells = [pad(c, w) if i < 2 else rpad(c, w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print(("  ".join(cells) + note).rstrip())
    print(f"合计得分 {_num(card.total)}（满分 {_num(card.full_marks)}，加分另计；尚可得分 "
          f"{_num(card.available)}）")


def _scorecard(db: Database, args: argparse.Namespace) -> int:
    year = _year(args.year)
    quarter = int(args.quarter) if args.quarter else None
    as_of = parse_date_text(args.as_of, "截至日期") if args.as_of else \
        scorecard.default_as_of(year, quarter, dt.date.today())
    with db.uow() as uow:
        if args.rewards:
            lines = rewards.rewards(uow, year, as_of)
            rules = rewards.reward_rules(uow, year)
            totals = rewards.reward_totals(lines)
        elif args.people:
            cards = scorecard.people_scores(uow, year, quarter, as_of)
            if not cards:
                raise NotFoundError(f"{year} 年还没有个人考核方案", code="scorecard.missing")
        else:
            owner_id = None
            if args.person:
                try:
                    ids = resolve_ids(uow.session, User, User.display_name, args.person, "人员")
                except NotFoundError:  # not a name: a login
                    ids = resolve_ids(uow.session, User, User.login, args.person, "人员")
                if len(ids) > 1:
                    raise ValidationError(f"“{args.person}”匹配到多位人员，请用编号",
                                          code="person.ambiguous")
                owner_id = ids[0]
            card = scorecard.score(uow, year, quarter, as_of,
                                   scope="person" if owner_id else "unit", owner_id=owner_id)
            if card.scheme is None:
                which = "个人" if owner_id else "本单位"
                raise NotFoundError(f"{year} 年还没有{which}考核方案（管理员在“考核”页定义）",
                                    code="scorecard.missing")
    if args.rewards:
        if args.json:
            print(json.dumps({"year": year, "as_of": as_of.isoformat(),
                              "rules": [r.text for r in rules],
                              "lines": [reward_json(r) for r in lines],
                              "totals": [{"role": role, "person": person, "reward_wan": _num(x, "0.0001")}
                                         for role, person, x in totals]}, ensure_ascii=False))
            return 0
        for rule in rules:
            print(rule.text)
        for r in lines:
            state = f"奖励 {_wan(r.reward)} 万元" if r.eligible else f"不计奖（{r.reason}）"
            print(f"{pad(r.role_name, 8)} {pad(r.person, 22)} {pad(r.project, 26)} "
                  f"签约 {r.signed_on}  当年到位固投 {_wan(r.fixed_assets)} 万元  {state}")
        total = sum((t[2] for t in totals), Decimal(0))
        print(f"共 {len(lines)} 条，奖励合计 {_wan(total)} 万元（截至 {as_of}）")
        return 0
    if args.people:
        if args.json:
            print(json.dumps([card_json(c) for c in cards], ensure_ascii=False))
            return 0
        for rank, c in enumerate(cards, start=1):
            print(f"{rank:>3}  {pad(c.owner, 12)} {_num(c.total):>7}")
        print(f"共 {len(cards)} 人（{cards[0].period_text}）")
        return 0
    if args.json:
        print(json.dumps(card_json(card), ensure_ascii=False))
        return 0
    _print_card(card)
    return 0


COMMANDS = (Command("scorecard", _extend, _scorecard),)
