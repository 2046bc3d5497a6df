"""``crm`` (or ``python -m crm``): the services without a window (DESIGN §5).

Every verb calls the same service functions as the desktop app. Bad input, a missing database
and operating-system errors exit 2 with one Chinese line on stderr, never a traceback; only
``init``, ``demo`` and ``restore`` create a database (or its folder).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from crm import (
    backup_cli,
    carriers_cli,
    cli_assessment,
    cli_audit,
    cli_chains,
    cli_companies,
    cli_scorecard,
    cli_steer,
    clock,
    logs,
    presence,
    stages,
)
from crm.cli_zh import FIGURES_DOC, chinese_argparse, fill_help, os_error_text
from crm.commands import Command, Handler
from crm.db import Database
from crm.errors import CrmError, ValidationError
from crm.excel import cli as excel_cli
from crm.local import resolve_url
from crm.money import format_yi, parse_amount
from crm.services import assessment, forecast, metrics, pipeline, projects, users
from crm.services.common import Actor, command_line_actor, parse_date_text, resolve_ids
from crm.services.metrics import Period
from crm.text import pad

log = logging.getLogger("crm.cli")
VERBS: dict[str, Handler] = {}
# Verbs that must work on a database that cannot be opened as it is (restore replaces it).
# Verbs of other modules, listed here by name (crm.commands): importing one that is broken is
# an error at start, never a verb silently missing.
COMMANDS: tuple[Command, ...] = (*backup_cli.COMMANDS, *excel_cli.COMMANDS, *cli_audit.COMMANDS,
                                 *cli_steer.COMMANDS, *cli_chains.COMMANDS,
                                 *carriers_cli.COMMANDS, *cli_scorecard.COMMANDS,
                                 *cli_assessment.COMMANDS, *cli_companies.COMMANDS)
# Verbs that must see the database as it is, an older schema included.
NO_UPGRADE: set[str] = {c.name for c in COMMANDS if not c.upgrades}
# Verbs that may create a database and its folder; every other verb refuses a missing database
# (a mistyped --db would otherwise read as an empty database: 签约数 0, exit 0).
CREATES: set[str] = {"init", "demo"} | {c.name for c in COMMANDS if c.creates}


class _Parser(argparse.ArgumentParser):
    # Options whose default is "" (see _refuse_empty): they get it back after parsing.
    blank_defaults: tuple[str, ...] = ()

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = ""
        if "--db" in message and "无法识别" in message:  # ``crm stats --db x.db``
            hint = "；--db 要写在命令之前，如 crm --db x.db stats"
        raise ValidationError(f"参数错误：{message}{hint}（{self.prog} -h 查看用法）",
                              code="cli.usage")

    def parse_known_args(self, args: Any = None,  # type: ignore[override]
                         namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        parsed, rest = super().parse_known_args(args, namespace)
        for dest in self.blank_defaults:
            if getattr(parsed, dest, "") is None:
                setattr(parsed, dest, "")
        return parsed, rest


# Options that take a date: each must be a calendar YYYY-MM-DD (see parse_date_text).
DATE_OPTIONS = frozenset({"date_from", "date_to", "as_of", "date", "start_date", "sign_date"})
# Date options that cannot lie after today (crm.clock.today): an as-of date is the day figures
# are counted on, and a day that has not happened has no figures yet (a period's --to may be
# later, e.g. the year in progress; a 计划开工 date or a placement's --date may be future).
PAST_OPTIONS = frozenset({"as_of"})


def _checked(name: str, is_date: bool, convert: Any, past: bool = False) -> Callable[[str], Any]:
    """An argparse ``type`` refusing a blank value (naming the option) and, for a date option,
    anything but YYYY-MM-DD (and, when ``past``, a day after today); then ``convert``."""
    def check(text: str) -> Any:
        if not text.strip():
            raise ValidationError(f"参数错误：{name} 不能为空", code="cli.empty")
        if is_date:
            try:
                day = parse_date_text(text)
            except ValidationError as exc:
                raise ValidationError(f"参数错误：{name}：{exc.message}", code=exc.code) from None
            if past and day > clock.today():
                raise ValidationError(
                    f"参数错误：{name} {day} 晚于今天（{clock.today()}），那天的数字还没有发生；"
                    "请用今天或以前的日期，或不填（即今天）", code="date.future")
        return convert(text) if convert else text
    return check


def _refuse_empty(parser: argparse.ArgumentParser) -> None:
    """Every option and argument of every verb (the Excel ones too) refuses a blank value:
    ``--db \"\"`` would otherwise open the default database, ``--as-of \"\"`` mean today and
    ``--search \"\"`` list everything, each without a word."""
    blank: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                _refuse_empty(sub)
        elif isinstance(action, argparse._StoreAction) and action.nargs is None:
            name = action.option_strings[0] if action.option_strings else action.dest
            action.type = _checked(name, action.dest in DATE_OPTIONS, action.type,
                                   past=action.dest in PAST_OPTIONS)
            if action.default == "":  # argparse would run the check on it: keep it aside
                action.default = None
                blank.append(action.dest)
    if isinstance(parser, _Parser):
        parser.blank_defaults = tuple(blank)


def _date(text: str) -> dt.date:
    return parse_date_text(text)


STAGE_HELP = ("阶段：lead 线索、negotiating 在谈、signed 已签约、started 已开工（开业）、"
              "producing 已投产、dropped 已终止（中文名称也可）")


def build_parser() -> argparse.ArgumentParser:
    with chinese_argparse():  # the -h help and group headings are made here
        return _build_parser()


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crm", description="招商 CRM 命令行：与窗口相同的数据与规则。",
                     epilog=f"各项数字（签约数、开工数、开工率、签约金额、资金到位率）的口径见 "
                            f"{FIGURES_DOC}；每个命令的选项：crm 命令 -h")
    parser.add_argument("--db", metavar="URL")
    sub = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser,
                                title="命令", metavar="命令", help="crm 命令 -h：该命令的选项")
    sub.add_parser("init", help="创建或升级数据库结构（数据库或文件夹不存在时新建）")
    sub.add_parser("demo", help="在新数据库中载入演示数据（文章中的数字）")

    stats = sub.add_parser("stats", help="签约数、开工数、开工率、签约金额、到位资金",
                           description="一段期间的签约与开工数字。",
                           epilog=f"口径（谁算签约、谁算当年开工、金额怎么计）见 {FIGURES_DOC}")
    stats.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    stats.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    stats.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD")
    for name in ("industry", "owner", "source", "ambassador", "event", "chain", "segment"):
        stats.add_argument(f"--{name}", metavar="X")
    stats.add_argument("--band", metavar="X",
                       help="只计这个规模档次（计划总投资）的项目：亿元以上、10亿元以上、20亿元以上、"
                            "50亿元以上")
    stats.add_argument("--json", action="store_true")

    plist = sub.add_parser("projects", help="项目列表（编号、阶段、签约日、开工日、名称、企业）")
    plist.add_argument("--stage", metavar="S", help=f"只列这个阶段的项目。{STAGE_HELP}")
    plist.add_argument("--search", default="", metavar="TEXT",
                       help="只列项目名、企业名、信用代码或拼音首字母含这段文字的项目")
    plist.add_argument("--json", action="store_true")

    adv = sub.add_parser("advance", help="推进项目阶段（签约、开工 …）")
    adv.add_argument("project", help="项目编号或完整名称")
    adv.add_argument("--to", required=True, dest="stage", metavar="STAGE", help=STAGE_HELP)
    adv.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="这一步的日期")
    adv.add_argument("--amount", metavar="X",
                     help="协议金额，如 7000万元、50.7亿元；只写数字时单位为万元")
    adv.add_argument("--event", metavar="E", help="签约活动（编号或名称的一部分）")
    adv.add_argument("--kind", choices=stages.START_KINDS,
                     help="开工（建设项目）或 开业（如取得营业执照）；默认 开工")
    adv.add_argument("--agreement-kind", default="投资协议", choices=stages.AGREEMENT_KINDS,
                     help="协议类型（默认 投资协议）")
    adv.add_argument("--start-date", metavar="YYYY-MM-DD",
                     help="跳到已投产时的开工（开业）日期，默认同 --date"
                          "（--to started 时 --date 就是开工日期）")
    adv.add_argument("--sign-date", metavar="YYYY-MM-DD",
                     help="跳过签约直接到已开工/已投产时的签约日期，默认同 --date")
    adv.add_argument("--reason", default="", metavar="TEXT",
                     help="原因：终止和回退（更正，仅管理者）时必填")
    adv.add_argument("--user", help="以该用户身份操作（登录名，须完全一致）；"
                                    "不填则以管理员权限操作，并以本机用户名记入变更记录")

    user = sub.add_parser("user", help="用户：添加、开通登录、列出")
    usub = user.add_subparsers(dest="user_verb", required=True, parser_class=_Parser,
                               title="命令", metavar="命令")
    add = usub.add_parser("add", help="添加可登录的用户")
    add.add_argument("login", help="登录名（不区分大小写，须唯一）")
    add.add_argument("--role", required=True, choices=("staff", "manager", "admin"),
                     help="角色：staff 招商专员、manager 管理者、admin 管理员")
    add.add_argument("--name", default="", help="显示的姓名（默认同登录名）")
    add.add_argument("--password", help="初始密码，至少 6 位（不填则从标准输入读取一行）")
    grant = usub.add_parser("grant", help="为未开通登录的人员开通登录")
    grant.add_argument("name", help="人员姓名或编号")
    grant.add_argument("--login", required=True, help="登录名（不区分大小写，须唯一）")
    grant.add_argument("--password", help="初始密码，至少 6 位（不填则从标准输入读取一行）")
    usub.add_parser("list", help="列出全部用户与人员")
    for command in COMMANDS:
        command.add(sub)
    fill_help(parser)
    _refuse_empty(parser)
    return parser


def verb(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        VERBS[name] = fn
        return fn
    return register


def acting(uow: Any, login: str | None) -> Actor:
    """The actor of a command: ``--user LOGIN`` exactly (an active account), else whoever
    runs the command line (see :func:`crm.services.common.command_line_actor`)."""
    if login is None:
        return command_line_actor()
    return users.acting_user(uow, login).actor()


@verb("init")
def _init(db: Database, args: argparse.Namespace) -> int:
    current, _head = db.schema_state()
    print(f"数据库已就绪：{db.describe()}（结构版本 {current}）")
    return 0


@verb("demo")
def _demo(db: Database, args: argparse.Namespace) -> int:
    from crm.demo import load_demo
    load_demo(db)
    figures = db.read(metrics.start_rate, Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
                      dt.date(2025, 12, 31))
    print(f"已载入演示数据：2025 上半年签约 {figures.signed} 个，当年开工 {figures.started} 个，"
          f"开工率 {figures.rate_text}")
    return 0


@verb("stats")
def _stats(db: Database, args: argparse.Namespace) -> int:
    period, as_of = metrics.period_of(args.date_from, args.date_to, args.as_of, dt.date.today())
    with db.uow() as uow:
        filters = metrics.resolve_filters(uow, industry=args.industry, owner=args.owner,
                                          source=args.source, ambassador=args.ambassador,
                                          event=args.event, chain=args.chain,
                                          segment=args.segment, band=args.band)
        figures = metrics.start_rate(uow, period, as_of, filters)
        outlook = forecast.forecast(uow, period, as_of, filters)
        assessed = assessment.summary_json(uow, period, as_of, filters)
    if args.json:
        print(json.dumps({**figures.to_json(), **outlook.to_json(), **assessed},
                         ensure_ascii=False))
        return 0
    print(f"期间 {period.label()}（截至 {as_of}）")
    print(f"签约数    {figures.signed}")
    print(f"开工数    {figures.started}")
    print(f"开工率    {figures.rate_text}")
    print(f"签约金额  {figures.signed_amount_yi} 亿元")
    print(f"到位资金  {format_yi(figures.funds_received)} 亿元（资金到位率 {figures.funds_rate_text}）")
    origins = "，".join(f"{k} {v}" for k, v in assessed["funds_year_by_origin_yi"].items())
    print(f"当年实际到位资金  {assessed['funds_year_yi']} 亿元（{origins}）；"
          f"实际利用外资 {assessed['foreign_usd_wan']} 万美元；"
          f"固投转化率 {assessed['fixed_asset_conversion_text']}")
    print(f"开竣工率  {assessed['start_complete_rate_text']}  "
          f"投产率 {assessed['producing_rate_text']}  履约率 {assessed['fulfilment_rate_text']}")
    print(f"按计划年底开工率  {outlook.rate_text}（另有 {outlook.planned} 个计划年内开工，"
          f"{outlook.overdue} 个逾期未开工）；{outlook.gap_text()}")
    return 0


def _project_json(p: projects.ProjectRow) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "company": p.company, "uscc": p.uscc, "stage": p.stage,
            "stage_name": p.stage_name, "industry": p.industry, "owner": p.owner,
            "source": p.source, "planned_investment_wan": _num(p.planned_investment),
            "signed_amount_wan": _num(p.signed_amount),
            "signed_on": _iso(p.signed_on), "started_on": _iso(p.started_on),
            "start_kind": p.start_kind, "signing_event": p.signing_event or None,
            "dropped_on": _iso(p.dropped_on)}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _num(x: Decimal | None) -> str | None:
    return None if x is None else format(x.normalize(), "f")


@verb("projects")
def _projects(db: Database, args: argparse.Namespace) -> int:
    query = projects.ProjectQuery(search=args.search,
                                  stages=(stages.parse_stage(args.stage),) if args.stage else ())
    rows = db.read(projects.list_projects, query)
    if args.json:
        print(json.dumps([_project_json(p) for p in rows], ensure_ascii=False))
        return 0
    for p in rows:
        print(f"{p.id:>6}  {pad(p.stage_name, 7)}  {_iso(p.signed_on) or '':<10}  "
              f"{_iso(p.started_on) or '':<10}  {p.name}（{p.company}）")
    print(f"共 {len(rows)} 个项目")
    return 0


@verb("advance")
def _advance(db: Database, args: argparse.Namespace) -> int:
    on = _date(args.date)
    to = stages.parse_stage(args.stage)
    kind = args.kind or stages.start_kind_of(args.stage) or "开工"
    with db.uow() as uow:
        actor = acting(uow, args.user)
        project = projects.find_project(uow, args.project)
        agreement = None
        if args.amount is not None:
            amount = parse_amount(args.amount, field="amount")
            event_id = None
            if args.event:
                from crm.models import Event
                ids = resolve_ids(uow.session, Event, Event.name, args.event, "签约活动")
                if len(ids) > 1:
                    raise ValidationError(f"“{args.event}”匹配到多个活动，请用编号",
                                          code="event.ambiguous")
                event_id = ids[0]
            sign_on = (on if to == stages.SIGNED else project.signed_on
                       or (_date(args.sign_date) if args.sign_date else on))
            agreement = pipeline.AgreementInput(sign_on, amount or Decimal(0),
                                                args.agreement_kind, event_id)
        start = None
        if to == stages.STARTED and args.start_date and _date(args.start_date) != on:
            raise ValidationError("--to started 时 --date 就是开工（开业）日期，请不要另给不同的 "
                                  "--start-date（它只用于跳到已投产时）", code="cli.usage")
        if stages.rank(to) >= stages.rank(stages.STARTED):
            start_on = _date(args.start_date) if args.start_date else on
            start = pipeline.StartInput(start_on, kind)
        row = pipeline.advance(uow, actor, project.id, to, on, agreement=agreement, start=start,
                               reason=args.reason)
        uow.commit()
    print(f"项目“{row.name}”已转为“{row.stage_name}”（{on}）")
    return 0


@verb("user")
def _user(db: Database, args: argparse.Namespace) -> int:
    if args.user_verb == "list":
        for u in db.read(users.list_users, True):
            print(f"{u.id:>4}  {pad(u.login_text, 16)} {pad(u.display_name, 12)} "
                  f"{pad(u.role, 8)} {'启用' if u.active else '停用'}")
        return 0
    password = args.password
    if password is None:
        password = sys.stdin.readline().strip() or None
    if args.user_verb == "grant":
        with db.uow() as uow:
            person = users.find_person(uow, args.name)
            row = users.grant_login(uow, command_line_actor(), person.id, args.login,
                                    password or "")
            uow.commit()
        print(f"已为“{row.display_name}”开通登录：{row.login}")
        return 0
    row = db.run(users.create_user, command_line_actor(), args.login, args.role,
                 display_name=args.name, password=password)
    print(f"已添加用户 {row.login}（{row.role}）")
    return 0


# Files a read-only verb writes: their folder must exist (a mistyped folder is refused, not
# created). A backup makes its folder, as the window's 备份… does.
OUTPUTS = {"export": "out", "import": "errors"}


def check_output_folder(args: argparse.Namespace) -> None:
    value = getattr(args, OUTPUTS.get(args.verb, ""), None)
    if value:
        folder = Path(value).expanduser().absolute().parent
        if not folder.is_dir():
            raise ValidationError(f"文件夹不存在：{folder}（请先建好它，或换一个路径）",
                                  code="cli.folder")


def _sqlite_tables(path: str) -> set[str] | None:
    """The tables of a SQLite file, opened read-only; None where it cannot be read as one."""
    try:
        conn = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def open_database(url: str, verb: str) -> Database:
    """The database of a command. Only the verbs of :data:`CREATES` create one; every other
    refuses a missing SQLite file or a database without the schema, naming the path and the
    ``init`` that would create it."""
    parsed = make_url(url)
    path = parsed.database if parsed.get_backend_name() == "sqlite" else None
    shown = path or parsed.render_as_string(hide_password=True).replace("+psycopg", "", 1)
    where = "" if url == resolve_url(None) else f"--db {shown} "
    hint = f"要在这里新建数据库，请运行：crm {where}init"
    if path and path != ":memory:":
        if Path(path).is_dir():
            raise ValidationError(f"数据库路径是一个文件夹，不是数据库文件：{path}", code="db.folder")
        if verb not in CREATES and not Path(path).exists():
            raise ValidationError(f"数据库不存在：{path}。{hint}", code="db.missing")
        if verb not in CREATES and _sqlite_tables(path) == set():
            # read-only look first: opening it for real would turn an empty file into a database
            raise ValidationError(f"数据库尚未初始化：{path}。{hint}", code="db.empty")
    db = Database(url, upgrade=False)
    try:
        if verb not in CREATES and not db.has_schema():
            raise ValidationError(f"数据库尚未初始化：{shown}。{hint}", code="db.empty")
        if verb not in NO_UPGRADE:
            db.upgrade()
    except BaseException:
        db.dispose()
        raise
    return db


def _handler(name: str) -> Handler:
    for command in COMMANDS:
        if command.name == name:
            return command.run
    return VERBS[name]


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        with chinese_argparse():
            args = build_parser().parse_args(argv)
        check_output_folder(args)
        db = open_database(resolve_url(args.db), args.verb)
        # while it runs, this process is one of those who have the database open (a restore
        # names it and waits for it); the mark goes with the process, however it ends
        args.presence = presence.register(db, "cli")
        try:
            code = _handler(args.verb)(db, args)
            sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
            return code
        finally:
            if args.presence is not None:
                args.presence.close()
            db.dispose()
    except SystemExit as exc:  # -h: argparse printed the help
        return exc.code if isinstance(exc.code, int) else 0
    except CrmError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (``crm projects | head``): nothing more can be written there;
        # point stdout at nothing so Python's own flush at exit stays quiet
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("错误：输出管道已关闭，其余输出未写出", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable or missing paths, a full disk …
        print(f"错误：{os_error_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, details in the log
        where = logs.log_unexpected(log, "unexpected error in crm " + " ".join(argv or sys.argv[1:]))
        print(f"错误：程序内部错误（{exc}）；详情已写入 {where}", file=sys.stderr)
        return 1
