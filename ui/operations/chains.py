"""Writes of the 招商图谱 page: target firms (staff), chains and segments (managers), 转为线索,
and importing a 目标企业名录."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crm.changes import Changes
from crm.excel.targets import TargetImport, import_targets
from crm.services import chains
from ui.context import AppContext, op
from ui.ops import Task

TABLES = frozenset({"chains", "chain_segments", "target_firms", "projects", "companies"})


def convert_target(ctx: AppContext, target_id: int, *, parent: object,
                   done: Callable[[chains.Conversion], None] | None = None) -> Task:
    """转为线索: the target's lead project, linked back to it."""
    return ctx.write(op(chains.convert_target, ctx.actor, target_id), initiator=parent,
                     done=done)


def delete_target(ctx: AppContext, target_id: int, *, parent: object) -> Task:
    return ctx.write(op(chains.delete_target, ctx.actor, target_id), initiator=parent)


def unlink_project(ctx: AppContext, project_id: int, *, parent: object) -> Task:
    """移出环节: the project no longer fills a segment of any chain."""
    return ctx.write(op(chains.link_project, ctx.actor, project_id, None), initiator=parent)


def delete_segment(ctx: AppContext, segment_id: int, *, parent: object) -> Task:
    return ctx.write(op(chains.delete_segment, ctx.actor, segment_id), initiator=parent)


def import_target_list(ctx: AppContext, path: str | Path, *, dry_run: bool, parent: object,
                       done: Callable[[TargetImport], None]) -> Task:
    """Import a 目标企业名录 off the GUI thread; every view then reloads what it shows."""
    db, actor = ctx.db, ctx.actor

    def finished(report: TargetImport) -> None:
        done(report)
        if report.written:
            ctx.broadcast(Changes(TABLES), initiator=parent)
    return ctx.long(lambda _task: import_targets(db, actor, path, dry_run=dry_run),
                    done=finished)

