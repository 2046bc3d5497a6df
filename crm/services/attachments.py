"""Files attached to a project: signed agreements as scans, PDF or Word (DESIGN §1).

The bytes live in the database, so a shared PostgreSQL server shares them too, and a backup
holds them. Rows returned to callers never carry the bytes: a list of attachments stays cheap
however large the files are; :func:`attachment_data` reads one file when it is asked for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import defer

from crm import files, permissions
from crm.db import UnitOfWork
from crm.errors import NotFoundError, ValidationError
from crm.models import Agreement, Attachment, Project
from crm.services.common import Actor, audit, get_or_404, required_text
from crm.services.projects import load_for_write

MAX_BYTES = 20 * 1024 * 1024
MAX_MB = MAX_BYTES // (1024 * 1024)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class AttachmentRow:
    """One attached file, without its bytes. ``added_at`` is UTC, like every timestamp."""

    id: int
    project_id: int
    agreement_id: int | None
    filename: str
    size: int  # bytes
    added_at: dt.datetime


def format_size(size: int) -> str:
    """``532 B``, ``12.3 KB``, ``4.56 MB``: how a file's size reads in a list."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.2f} MB"


def clean_filename(filename: str | None) -> str:
    """The bare file name: a directory part from any system (``C:\\…\\x.pdf``, ``/tmp/x.pdf``)
    is dropped, so that a name never points anywhere when the file is saved again."""
    base = re.split(r"[\\/]", _CONTROL.sub("", filename or ""))[-1].strip()
    if base in (".", ".."):
        base = ""
    return required_text(base, "文件名", "filename", max_len=255)


def _check_size(size: int, filename: str) -> None:
    if size <= 0:
        raise ValidationError(f"文件“{filename}”是空的，请选择有内容的文件",
                              code="attachment.empty", field="data")
    if size > MAX_BYTES:
        raise ValidationError(
            f"文件“{filename}”大小为 {format_size(size)}，超过附件上限 {MAX_MB} MB。"
            "请压缩或拆分后再添加", code="attachment.size", field="data")


def add_attachment(uow: UnitOfWork, actor: Actor, project_id: int, filename: str,
                   data: bytes, agreement_id: int | None = None) -> AttachmentRow:
    """Attach a file to a project, optionally to one of its agreements.

    Raises:
        ValidationError: no file name, an empty or too large file (``attachment.size``), an
            agreement of another project, or a project in the 回收站.
        PermissionDenied: a staff account attaching to another's project.
    """
    project = load_for_write(uow, actor, project_id, None,
                             action="attachments.add_attachment")
    name = clean_filename(filename)
    content = bytes(data)
    _check_size(len(content), name)
    if agreement_id is not None:
        agreement = get_or_404(uow.session, Agreement, agreement_id, "协议")
        if agreement.project_id != project.id:
            raise ValidationError("所选协议不属于该项目", code="attachment.agreement",
                                  field="agreement_id")
    attachment = Attachment(project_id=project.id, agreement_id=agreement_id, filename=name,
                            data=content)
    uow.session.add(attachment)
    uow.session.flush()
    audit(uow, actor, "attach", "project", project.id, name=project.name,
          attachment_id=attachment.id, filename=name, size=len(content),
          agreement_id=agreement_id, changes=[["attachment.filename", "", name]])
    return AttachmentRow(attachment.id, project.id, agreement_id, name, len(content),
                         attachment.added_at)


def add_attachment_file(uow: UnitOfWork, actor: Actor, project_id: int, path: str | Path,
                        agreement_id: int | None = None) -> AttachmentRow:
    """:func:`add_attachment` from a file on disk, refusing a too large one before reading it
    (a film picked by mistake must not be loaded into memory first)."""
    permissions.require(uow, actor, "attachments.add_attachment_file",
                        project=get_or_404(uow.session, Project, project_id, "项目"))
    file = Path(path)
    try:
        size = file.stat().st_size
        _check_size(size, file.name)
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取文件“{file.name}”：{exc.strerror or exc}",
                              code="attachment.read", field="data") from exc
    return add_attachment(uow, actor, project_id, file.name, data, agreement_id)


def list_attachments(uow: UnitOfWork, project_id: int) -> list[AttachmentRow]:
    """A project's attachments, oldest first; the sizes come from the database, the bytes
    stay there."""
    stmt = (select(Attachment.id, Attachment.project_id, Attachment.agreement_id,
                   Attachment.filename, func.length(Attachment.data, type_=Integer), Attachment.added_at)
            .where(Attachment.project_id == project_id)
            .order_by(Attachment.added_at, Attachment.id))
    return [AttachmentRow(i, p, a, name, int(size or 0), added)
            for i, p, a, name, size, added in uow.session.execute(stmt)]


def attachment_data(uow: UnitOfWork, attachment_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of one attachment."""
    attachment = get_or_404(uow.session, Attachment, attachment_id, "附件")
    return attachment.filename, bytes(attachment.data)


def save_attachment(uow: UnitOfWork, attachment_id: int, path: str | Path) -> Path:
    """Write one attachment's bytes to ``path`` (另存为)."""
    _name, data = attachment_data(uow, attachment_id)
    return files.write_bytes(path, data)  # a failed or killed save keeps the file it replaces


def delete_attachment(uow: UnitOfWork, actor: Actor, attachment_id: int) -> None:
    """Remove an attachment (managers, or the project's owner)."""
    attachment = uow.session.get(Attachment, attachment_id, options=[defer(Attachment.data)])
    if attachment is None:  # the bytes are not loaded just to be deleted
        raise NotFoundError(f"附件不存在（编号 {attachment_id}）", code="attachments.missing")
    load_for_write(uow, actor, attachment.project_id, None,
                   action="attachments.delete_attachment")
    audit(uow, actor, "detach", "project", attachment.project_id, attachment_id=attachment.id,
          filename=attachment.filename, agreement_id=attachment.agreement_id,
          changes=[["attachment.filename", attachment.filename, ""]])
    uow.session.delete(attachment)
    uow.session.flush()
