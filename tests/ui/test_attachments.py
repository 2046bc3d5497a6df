"""附件 in the project detail's 协议与开工 tab: add a file, see it listed, save it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm import stages
from crm.services import attachments, projects
from crm.services.projects import ProjectQuery
from ui.context import AppContext
from ui.pages.project_detail import ProjectDetail

SCAN = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def shown_detail(qtbot: Any, ctx: AppContext, wait_idle: Any) -> ProjectDetail:
    signed = ctx.db.read(lambda uow: projects.list_projects(
        uow, ProjectQuery(stages=(stages.SIGNED,)))[0])
    detail = ProjectDetail(ctx)
    qtbot.addWidget(detail)
    detail.resize(700, 800)
    detail.show_project(signed.id)
    wait_idle(ctx)
    assert detail.details is not None and detail.details.agreements
    return detail


def test_added_file_is_listed_and_saved_back_byte_for_byte(
        qtbot: Any, ctx: AppContext, wait_idle: Any, tmp_path: Path) -> None:
    detail = shown_detail(qtbot, ctx, wait_idle)
    assert detail.attachments_model.rowCount() == 0
    assert not detail.save_attachment.isEnabled()
    agreement = detail.details.agreements[0]  # type: ignore[union-attr]
    detail.attach_to.setCurrentIndex(detail.attach_to.findData(agreement.id))

    source = tmp_path / "投资协议（盖章扫描）.pdf"
    source.write_bytes(SCAN)
    detail.add_attachment_from(str(source))
    wait_idle(ctx)

    model = detail.attachments_model
    assert model.rowCount() == 1
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert cells[0] == "投资协议（盖章扫描）.pdf"
    assert cells[1] == attachments.format_size(len(SCAN))
    assert cells[3].startswith(agreement.kind)
    assert detail.attachments.currentWidget() is detail.attachments_view

    detail.attachments_view.selectRow(0)
    assert detail.save_attachment.isEnabled() and detail.delete_attachment.isEnabled()
    row = detail.selected_attachment()
    assert row is not None
    out = tmp_path / "另存" / "copy.pdf"
    out.parent.mkdir()
    detail.save_attachment_to(row.id, str(out))
    wait_idle(ctx)
    assert out.read_bytes() == SCAN

    detail.delete_selected_attachment()  # headless: the confirmation answers yes
    wait_idle(ctx)
    assert detail.attachments_model.rowCount() == 0
    assert detail.attachments.currentWidget() is detail.attachments.empty


def test_an_empty_file_is_refused_with_the_core_message(
        qtbot: Any, ctx: AppContext, wait_idle: Any, tmp_path: Path) -> None:
    detail = shown_detail(qtbot, ctx, wait_idle)
    errors: list[BaseException] = []
    ctx.error.connect(errors.append)
    empty = tmp_path / "空.pdf"
    empty.write_bytes(b"")
    detail.add_attachment_from(str(empty))
    wait_idle(ctx)
    assert [getattr(e, "code", None) for e in errors] == ["attachment.empty"]
    assert detail.attachments_model.rowCount() == 0
