"""看板: a column per stage, limited cards, and a drop that runs the advance dialog."""

from __future__ import annotations

from typing import Any

from crm import stages
from crm.services import projects
from crm.services.projects import ProjectQuery
from ui.dialogs.advance_dialog import AdvanceDialog
from ui.pages import board as board_module
from ui.pages.projects import ProjectsPage


def board_page(qtbot: Any, ctx: Any, wait_idle: Any) -> ProjectsPage:
    page = ProjectsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1500, 900)
    page.show()
    wait_idle(ctx)
    page.show_view(1)
    wait_idle(ctx)
    return page


def test_board_has_a_column_per_stage(qtbot, ctx, wait_idle):
    page = board_page(qtbot, ctx, wait_idle)
    total = 0
    for code in stages.ALL:
        expected = ctx.db.read(lambda uow, c=code: projects.count_projects(
            uow, ProjectQuery(stages=(c,))))
        assert page.board.counts[code].text() == str(expected)
        assert len(page.board.card_ids(code)) == expected
        total += expected
    assert total == page.model.rowCount()


def test_board_limits_cards_per_column(qtbot, ctx, wait_idle, monkeypatch):
    monkeypatch.setattr(board_module.load_board, "__defaults__", (2,))  # crm.views.projects
    page = board_page(qtbot, ctx, wait_idle)
    signed = ctx.db.read(lambda uow: projects.count_projects(
        uow, ProjectQuery(stages=(stages.STARTED,))))
    assert len(page.board.card_ids(stages.STARTED)) == 2
    assert page.board.more[stages.STARTED].isVisibleTo(page)
    assert str(signed - 2) in page.board.more[stages.STARTED].text()


def test_drop_runs_the_advance_dialog(qtbot, ctx, wait_idle):
    page = board_page(qtbot, ctx, wait_idle)
    pid = page.board.card_ids(stages.NEGOTIATING)[0]
    page.board.columns[stages.SIGNED].dropped.emit(pid, stages.SIGNED)  # what a real drop emits
    dialog = page.dialog
    assert isinstance(dialog, AdvanceDialog) and dialog.row.id == pid
    assert dialog.target() == stages.SIGNED and dialog.needs_agreement()
    dialog.reject()  # cancelling changes nothing
    wait_idle(ctx)
    assert ctx.db.read(lambda uow: projects.get_project(uow, pid)).stage == stages.NEGOTIATING

    dialog = page.on_card_dropped(pid, stages.SIGNED)
    dialog.amount.setText("8000万元")
    dialog.accept()
    wait_idle(ctx)
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.form.error_text()
    assert pid in page.board.card_ids(stages.SIGNED)
    assert pid not in page.board.card_ids(stages.NEGOTIATING)


def test_skipping_to_started_asks_for_each_milestone(qtbot, ctx, wait_idle):
    page = board_page(qtbot, ctx, wait_idle)
    pid = page.board.card_ids(stages.LEAD)[0]
    dialog = page.on_card_dropped(pid, stages.STARTED)
    assert dialog.needs_agreement() and dialog.needs_start()
    assert dialog.form.row_visible("signed_on")
    assert not dialog.form.row_visible("started_on")  # the move's own date is the start
    dialog.amount.setText("0.8")
    dialog.accept()
    wait_idle(ctx)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.form.error_text()
    row = ctx.db.read(lambda uow: projects.get_project(uow, pid))
    assert row.stage == stages.STARTED and row.signed_on and row.started_on
