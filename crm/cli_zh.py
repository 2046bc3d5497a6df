"""The command line's own words in Chinese: argparse's messages and headings, one help text per
common option, and operating-system errors as one line (DESIGN §5: "bad input exits 2 with a
one-line message in Chinese, never … an English exception name")."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager

from crm import files

FIGURES_DOC = "docs/figures.md"

# argparse's message ids (Python 3.11–3.13) and what a Chinese user reads instead. argparse looks
# its module-level ``_`` and ``ngettext`` up on every message, so :func:`chinese_argparse`
# swaps them while our parser is built and run, and only then (pytest's parser, say, is left alone).
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示这段帮助并退出",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的取值 %(value)r",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "not allowed with argument %s": "不能与 %s 同时使用",
    "one of the arguments %s is required": "须给出 %s 之一",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "ignored explicit argument %r": "多余的值 %r",
    "unexpected option string: %s": "意外的选项：%s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}


def _zh(message: str) -> str:
    return ARGPARSE_ZH.get(message, message)


def _nzh(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


@contextmanager
def chinese_argparse() -> Iterator[None]:
    """argparse speaks Chinese inside this block."""
    kept = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _zh, _nzh  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = kept  # type: ignore[attr-defined]


DATE_DESTS = frozenset({"date_from", "date_to", "as_of", "date", "start_date"})
DATE = "日期 YYYY-MM-DD，如 2025-06-30"
# One wording per common option, whichever verb has it (crm.cli fills any option left without
# help from here, so a verb registered by another module reads the same).
STANDARD_HELP = {
    "db": "数据库：SQLite 文件路径（如 demo.db）或 postgresql://用户:密码@服务器:5432/库名；"
          "不填依次用环境变量 CRM_DATABASE_URL、本机设置、默认文件",
    "date_from": f"期间开始（含），{DATE}；不填为截至日当年 1 月 1 日",
    "date_to": f"期间结束（含），{DATE}；不填为开始日当年 12 月 31 日",
    "as_of": f"截至日，只计这天及以前发生的签约、开工与到位资金，{DATE}；不填为今天，"
             "不能晚于今天",
    "industry": "只计这个产业的项目（编号或名称的一部分）",
    "owner": "只计这位招商专员负责的项目（编号或姓名的一部分）",
    "source": "只计这种招商来源的项目（如 招商大使、活动、自主、以商招商）",
    "ambassador": "只计这位招商大使引荐的项目（编号或姓名的一部分）",
    "event": "只计在这个签约活动首次签约的项目（编号或名称的一部分）",
    "chain": "只计归入这条产业链（招商图谱）的项目（编号或名称的一部分）",
    "segment": "只计归入这个产业链环节的项目（编号或名称的一部分）",
    "json": "以 JSON 输出（供脚本读取）",
    "file": "台账文件（.xlsx）",
    "out": "输出文件（.xlsx）；先写临时文件，完成后才换成这个名字",
    "report": "报表：ledger 项目台账、start-rate 签约与开工、contacts 接洽记录、staff 人员考核、"
              "events 活动成效、chains 产业链图谱、scorecard 考核得分、carriers 载体资源与落位",
    "user": "以该用户身份操作（登录名，须完全一致）",
}

def os_error_text(exc: OSError) -> str:
    """One Chinese sentence for an operating-system error, naming the path when known."""
    reason = files.reason_of(exc)
    path = exc.filename
    if path is None:  # some wrappers keep only the text: "… No such file or directory: '/x'"
        found = re.search(r"'([^']+)'", str(exc))
        path = found.group(1) if found else None
    return f"无法读写 {path}：{reason}" if path else f"读写文件时出错：{reason}"


def fill_help(parser: argparse.ArgumentParser) -> None:
    """Give every option and argument without help text the standard one for its name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                fill_help(sub)
        else:
            if action.help is None and action.dest in STANDARD_HELP:
                action.help = STANDARD_HELP[action.dest]
            if action.metavar is None and action.dest in DATE_DESTS:
                action.metavar = "YYYY-MM-DD"
