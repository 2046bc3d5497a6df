"""The 企业 page's 重复企业 list (managers) and the company form's "使用已有的 …" offer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.services import companies, duplicates, users
from ui.context import AppContext
from ui.dialogs.company_dialog import CompanyDialog
from ui.pages.companies import CompaniesPage


def _page(qtbot: Any, ctx: AppContext, wait_idle: Any) -> CompaniesPage:
    page = CompaniesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    wait_idle(ctx)
    return page


def _pairs(view: Any) -> list[Any]:
    return [view.pairs_model.row_at(i) for i in range(view.pairs_model.rowCount())]


def test_merge_from_the_list_and_undo_it(qtbot: Any, ctx: AppContext, wait_idle: Any,
                                         qtmodeltester: Any) -> None:
    page = _page(qtbot, ctx, wait_idle)
    assert page.duplicates_button.isVisible()
    before = page.model.rowCount()
    view = page.show_duplicates(True)
    wait_idle(ctx)
    qtmodeltester.check(view.pairs_model, force_py=True)
    qtbot.waitUntil(lambda: view.pairs_model.row_at(0) is not None, timeout=5000)
    assert [(p.a_name, p.b_name) for p in _pairs(view)] == [
        ("上海翼鸟智能科技有限公司", "上海翼鸟智能化科技有限公司")]
    assert view.pairs_model.data(view.pairs_model.index(0, 4)) == "名称相似，相似度 92%"
    assert view.count.text() == "共 1 对"
    view.merge_selected(keep_left=True)  # headless: the confirmation is taken as yes
    wait_idle(ctx)
    qtbot.waitUntil(lambda: not view.pairs_model.rowCount(), timeout=5000)
    assert [(m.survivor, m.merged, m.undone) for m in view.merges_model.rows] == [
        ("上海翼鸟智能科技有限公司", "上海翼鸟智能化科技有限公司", False)]
    wait_idle(ctx)
    assert page.model.rowCount() == before - 1
    survivor = view.merges_model.rows[0].survivor_id
    assert ctx.db.read(companies.get_company, survivor).former_names == "上海翼鸟智能化科技有限公司"
    view.undo_selected()
    wait_idle(ctx)
    qtbot.waitUntil(lambda: view.pairs_model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: view.selected_pair() is not None, timeout=5000)
    assert view.merges_model.data(view.merges_model.index(0, 4)) == "已撤销"
    view.dismiss_selected()
    wait_idle(ctx)
    qtbot.waitUntil(lambda: not view.pairs_model.rowCount(), timeout=5000)
    assert view.pairs_area.currentWidget() is not view.pairs  # "没有疑似重复的企业"
    page.show_duplicates(False)
    assert page.stack.currentIndex() == 0 and page.search.isVisible()


def test_staff_do_not_see_the_list(qtbot: Any, demo_db: Any, wait_idle: Any) -> None:
    staff = demo_db.read(users.find_user, "lixm")
    context = AppContext(demo_db, staff.actor())
    try:
        page = _page(qtbot, context, wait_idle)
        assert not page.duplicates_button.isVisible()
    finally:
        context.stop()


def test_the_form_offers_the_existing_company(qtbot: Any, ctx: AppContext,
                                              wait_idle: Any) -> None:
    dialog = CompanyDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    got: list[Any] = []
    dialog.succeeded.connect(got.append)
    dialog.line_name.setText("际数科技（上海）有限公司")
    qtbot.waitUntil(lambda: dialog.offer.isVisible(), timeout=5000)
    assert dialog.use_existing.text() == "使用已有的 上海际数科技有限公司"
    assert dialog.offer_text.text().startswith("已有企业“上海际数科技有限公司”：名称规范化后相同")
    assert not dialog.create_anyway.isVisible()  # the same name once normalised: no way round
    dialog.use_existing.click()
    wait_idle(ctx)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0].name == "上海际数科技有限公司"
    assert len(ctx.db.read(companies.list_companies, "际数科技")) == 2  # 上海 and 武汉 only


def test_a_guess_may_be_said_to_be_another_company(qtbot: Any, ctx: AppContext,
                                                   wait_idle: Any) -> None:
    dialog = CompanyDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.line_name.setText("上海翼鸟智能化科技发展有限公司")
    qtbot.waitUntil(lambda: dialog.offer.isVisible(), timeout=5000)
    assert dialog.create_anyway.isVisible()
    dialog.create_anyway.click()
    wait_idle(ctx)
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=5000)
    made = dialog.saved
    assert made.name == "上海翼鸟智能化科技发展有限公司"
    dismissed = ctx.db.read(duplicates.dismissed_pairs)
    assert all(made.id in pair for pair in dismissed) and dismissed


def test_the_project_form_names_the_local_company_and_opens_by_its_licence(
        qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    from crm.services import local_companies, projects
    from ui.dialogs.project_dialog import ProjectDialog

    row = ctx.db.read(projects.find_project, "甬舜特种合金项目")  # signed 2025-06-12, not started
    local = ctx.db.run(companies.create_company, ctx.actor,
                       companies.CompanyInput("甬舜特种合金（武汉）有限公司"))
    ctx.db.run(local_companies.set_parent, ctx.actor, local.id, row.company_id,
               dt.date(2025, 9, 1))
    dialog = ProjectDialog(ctx, row)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(ctx)
    assert dialog.open_by_licence.isEnabled()
    dialog.local_company.set_value(local.id, local.name)
    dialog.open_by_licence.setChecked(True)
    dialog.accept()
    wait_idle(ctx)
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=5000)
    saved = ctx.db.read(projects.get_project, row.id)
    assert (saved.local_company_id, saved.stage, saved.started_on, saved.start_kind) == (
        local.id, "started", dt.date(2025, 9, 1), "开业")


def test_a_merge_is_undone_from_the_company_s_history(qtbot: Any, ctx: AppContext,
                                                      wait_idle: Any) -> None:
    from crm.services import merge

    pair = ctx.db.read(duplicates.duplicate_pairs, ctx.actor)[0]
    ctx.db.run(merge.merge_companies, ctx.actor, pair.a_id, pair.b_id)
    page = _page(qtbot, ctx, wait_idle)
    page.select_company(pair.a_id)
    wait_idle(ctx)
    assert page.info_values["former_names"].text() == "上海翼鸟智能化科技有限公司"
    assert page.changes.model.rows[0].action == "合并企业"
    page.changes.area.table.selectRow(0)
    assert page.undo_merge_button.isEnabled()
    page.undo_selected_merge()
    wait_idle(ctx)
    qtbot.waitUntil(lambda: page.info_values["former_names"].text() == "—", timeout=5000)
    assert page.changes.model.rows[0].action == "撤销企业合并"
    assert len(ctx.db.read(duplicates.duplicate_pairs, ctx.actor)) == 1


def test_the_project_detail_shows_investor_and_local_company(qtbot: Any, ctx: AppContext,
                                                             wait_idle: Any) -> None:
    from crm.services import projects
    from ui.pages.project_detail import ProjectDetail

    row = ctx.db.read(projects.find_project, "上海际数科技华中总部")
    detail = ProjectDetail(ctx)
    qtbot.addWidget(detail)
    detail.show()
    detail.show_project(row.id)
    wait_idle(ctx)
    qtbot.waitUntil(lambda: detail.details is not None, timeout=5000)
    assert detail.info_values["company"].text() == "上海际数科技有限公司"
    assert detail.info_values["local_company"].text() == "际数科技(武汉)有限公司（营业执照 2025-07-21）"
