"""Writes of the 项目 page and a project's detail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crm.services import attachments, projects
from crm.services.attachments import AttachmentRow
from crm.services.projects import ProjectRow
from ui.context import AppContext, op
from ui.ops import Task


def delete_project(ctx: AppContext, project_id: int, *, parent: object) -> Task:
    """Move a project to the 回收站."""
    return ctx.write(op(projects.delete_project, ctx.actor, project_id), initiator=parent)


def restore_project(ctx: AppContext, project_id: int, *, parent: object,
                    done: Callable[[ProjectRow], None] | None = None) -> Task:
    """Bring a project back from the 回收站."""
    return ctx.write(op(projects.restore_project, ctx.actor, project_id), initiator=parent,
                     done=done)


def add_attachment(ctx: AppContext, project_id: int, path: str | Path,
                   agreement_id: int | None = None, *, parent: object,
                   done: Callable[[AttachmentRow], None] | None = None) -> Task:
    """Attach a file on disk to a project (optionally to one of its agreements)."""
    return ctx.write(op(attachments.add_attachment_file, ctx.actor, project_id, path,
                        agreement_id), initiator=parent, done=done)


def delete_attachment(ctx: AppContext, attachment_id: int, *, parent: object,
                      done: Callable[[None], None] | None = None) -> Task:
    return ctx.write(op(attachments.delete_attachment, ctx.actor, attachment_id),
                     initiator=parent, done=done)
