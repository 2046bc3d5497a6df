"""Attachments: signed agreements (scans, PDF, Word) stored with their project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.db import Database
from crm.errors import NotFoundError, PermissionDenied, ValidationError
from crm.models import Attachment, AuditEntry
from crm.services import attachments
from crm.services.attachments import MAX_BYTES
from crm.services.pipeline import agreements
from tests.unit.builders import D, count, project, sign, world

# Every byte value, so that nothing on the way (driver, encoding) may bend one.
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\x00\r\n%%EOF"


def test_add_list_and_read_back_identical_bytes(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "际数智算中心")
    sign(db, pid, D(2025, 6, 12), "5000")
    agreement = db.read(agreements, pid)[0]
    row = db.run(attachments.add_attachment, w.staff, pid, "投资协议（盖章版）.pdf", PDF,
                 agreement_id=agreement.id)
    second = db.run(attachments.add_attachment, w.manager, pid, "现场照片.jpg", b"\xff\xd8\xff")
    assert (row.filename, row.size, row.agreement_id, row.project_id) == (
        "投资协议（盖章版）.pdf", len(PDF), agreement.id, pid)

    listed = db.read(attachments.list_attachments, pid)
    assert listed == [row, second]  # sizes from the database, without loading the bytes
    assert db.read(attachments.attachment_data, row.id) == ("投资协议（盖章版）.pdf", PDF)
    assert db.read(attachments.list_attachments, project(db, w, "别的项目")) == []

    with db.uow() as uow:
        entries = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.entity_id, AuditEntry.detail)
            .where(AuditEntry.action == "attach").order_by(AuditEntry.id)).all()
    assert [json.loads(detail)["filename"] for _u, _p, detail in entries] == [
        "投资协议（盖章版）.pdf", "现场照片.jpg"]
    assert entries[0][:2] == (w.staff.user_id, pid)


def test_size_limit_has_a_clear_chinese_message(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "大文件项目")
    at_limit = db.run(attachments.add_attachment, w.staff, pid, "扫描件.pdf", b"x" * MAX_BYTES)
    assert at_limit.size == MAX_BYTES
    with pytest.raises(ValidationError) as err:
        db.run(attachments.add_attachment, w.staff, pid, "录像.mp4", b"x" * (MAX_BYTES + 1))
    assert err.value.code == "attachment.size"
    assert "20 MB" in err.value.message and "录像.mp4" in err.value.message
    assert count(db, Attachment) == 1


def test_an_oversized_file_on_disk_is_refused_before_it_is_read(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world(db)
    pid = project(db, w, "大文件项目")
    big = tmp_path / "录像.mp4"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: nothing to write, the size is what matters

    def no_reading(self: Path) -> bytes:
        raise AssertionError("an oversized file must not be read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(ValidationError) as err:
        db.run(attachments.add_attachment_file, w.staff, pid, big)
    assert err.value.code == "attachment.size"
    with pytest.raises(ValidationError) as missing:
        db.run(attachments.add_attachment_file, w.staff, pid, tmp_path / "不存在.pdf")
    assert missing.value.code == "attachment.read"


def test_empty_file_is_refused(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "空文件项目")
    with pytest.raises(ValidationError) as err:
        db.run(attachments.add_attachment, w.staff, pid, "协议.pdf", b"")
    assert err.value.code == "attachment.empty"
    assert count(db, Attachment) == 0


def test_agreement_must_belong_to_the_project(db: Database) -> None:
    w = world(db)
    mine, other = project(db, w, "本项目"), project(db, w, "他项目")
    sign(db, other, D(2025, 3, 1), "100")
    foreign = db.read(agreements, other)[0]
    with pytest.raises(ValidationError) as err:
        db.run(attachments.add_attachment, w.staff, mine, "协议.pdf", PDF,
               agreement_id=foreign.id)
    assert err.value.code == "attachment.agreement"
    with pytest.raises(NotFoundError):
        db.run(attachments.add_attachment, w.staff, mine, "协议.pdf", PDF, agreement_id=424242)
    assert count(db, Attachment) == 0


def test_staff_cannot_touch_another_staffs_project(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "李晓明的项目", owner=w.staff)
    with pytest.raises(PermissionDenied):
        db.run(attachments.add_attachment, w.other_staff, pid, "协议.pdf", PDF)
    row = db.run(attachments.add_attachment, w.staff, pid, "协议.pdf", PDF)
    with pytest.raises(PermissionDenied):
        db.run(attachments.delete_attachment, w.other_staff, row.id)
    assert db.read(attachments.list_attachments, pid) == [row]


def test_owner_and_managers_delete_with_an_audit_entry(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "删附件项目", owner=w.staff)
    first = db.run(attachments.add_attachment, w.staff, pid, "a.pdf", PDF)
    second = db.run(attachments.add_attachment, w.staff, pid, "b.pdf", PDF)
    db.run(attachments.delete_attachment, w.staff, first.id)
    db.run(attachments.delete_attachment, w.manager, second.id)
    assert db.read(attachments.list_attachments, pid) == []
    with db.uow() as uow:
        detached = list(uow.session.scalars(select(AuditEntry.user_id)
                                            .where(AuditEntry.action == "detach")
                                            .order_by(AuditEntry.id)))
    assert detached == [w.staff.user_id, w.manager.user_id]
    with pytest.raises(NotFoundError):
        db.run(attachments.delete_attachment, w.manager, first.id)


def test_filename_loses_its_directory(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "路径项目")
    for given, stored in (("C:\\Users\\李晓明\\Desktop\\投资协议.pdf", "投资协议.pdf"),
                          ("/home/lixm/扫描/../协议 扫描.PDF", "协议 扫描.PDF"),
                          ("  合同.docx  ", "合同.docx")):
        row = db.run(attachments.add_attachment, w.staff, pid, given, PDF)
        assert row.filename == stored
        assert db.read(attachments.attachment_data, row.id)[0] == stored


def test_filename_is_required(db: Database) -> None:
    w = world(db)
    pid = project(db, w, "无名项目")
    for name in ("", "   ", "C:\\扫描\\", "/tmp/..", None):
        with pytest.raises(ValidationError) as err:
            db.run(attachments.add_attachment, w.staff, pid, name, PDF)  # type: ignore[arg-type]
        assert err.value.code == "filename.required", name
    assert count(db, Attachment) == 0


def test_save_writes_the_same_bytes(db: Database, tmp_path: Path) -> None:
    w = world(db)
    pid = project(db, w, "另存项目")
    source = tmp_path / "签约合同.docx"
    source.write_bytes(PDF)
    row = db.run(attachments.add_attachment_file, w.staff, pid, source)
    assert row.filename == "签约合同.docx" and row.size == len(PDF)
    out = db.read(attachments.save_attachment, row.id, tmp_path / "copy.docx")
    assert out.read_bytes() == PDF


def test_format_size() -> None:
    assert attachments.format_size(532) == "532 B"
    assert attachments.format_size(12_600) == "12.3 KB"
    assert attachments.format_size(MAX_BYTES) == "20.00 MB"
