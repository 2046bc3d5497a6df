"""``python -m crm backup FILE [--force]`` and ``python -m crm restore FILE [--yes]``."""

from __future__ import annotations

import argparse
from typing import Any

from crm.backup import backup
from crm.commands import Command
from crm.db import Database
from crm.restore import restore
from crm.services import common


def _add_backup(sub: Any) -> None:
    bak = sub.add_parser("backup", help="备份数据库（检查后才算成功）")
    bak.add_argument("file", help="备份文件；不能是正在使用的数据库本身")
    bak.add_argument("--force", action="store_true", help="覆盖已存在的文件")


def _add_restore(sub: Any) -> None:
    res = sub.add_parser("restore", help="用备份替换当前数据库（先留安全副本）")
    res.add_argument("file", help="crm backup 写出的备份文件")
    res.add_argument("--yes", action="store_true",
                     help="即使有其他窗口或程序打开着数据库也恢复（它们未保存的修改将丢失）")


def _backup(db: Database, args: argparse.Namespace) -> int:
    result = backup(db, args.file, force=args.force)
    print(f"已备份到 {result.path}（{result.size / 1024 / 1024:.1f} MB，结构版本 {result.version}，"
          "已检查完整）")
    return 0


def _restore(db: Database, args: argparse.Namespace) -> int:
    result = restore(db, args.file, common.command_line_actor(), force=args.yes,
                     me=getattr(args, "presence", None))
    if result.safety_copy is not None:
        print(f"原数据库已另存为 {result.safety_copy}")
    upgraded = f"，已从结构版本 {result.version} 升级" if result.upgraded else ""
    print(f"已从 {args.file} 恢复{upgraded}")
    return 0


COMMANDS = (Command("backup", _add_backup, _backup),
            Command("restore", _add_restore, _restore, creates=True, upgrades=False))
