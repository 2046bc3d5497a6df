"""The 载体 page and a project's 推荐载体 on the demo data (offscreen), as the manager 周建明."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.services import carriers, projects
from ui.pages.carriers import CarriersPage
from ui.pages.project_space import ProjectSpaceView


def opened(qtbot: Any, ctx: Any, wait_idle: Any) -> CarriersPage:
    page = CarriersPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    wait_idle(ctx)
    return page


def select(page: CarriersPage, wait_idle: Any, name: str) -> None:
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows) if r.name == name))
    wait_idle(page.ctx)


def test_totals_bars_and_who_holds_the_space(qtbot, ctx, wait_idle):
    page = opened(qtbot, ctx, wait_idle)
    building, factory, land = (page.cards[k] for k in ("商务楼宇", "标准化厂房", "土地"))
    # 18 buildings, 221,500 ㎡, 36,200 ㎡ placed by the demo's projects (see crm.demo.SPACE)
    assert building.label.text() == "商务楼宇 · 18 处"
    assert building.value_text() == "18.53 万㎡ 可用"
    assert building.detail.text() == "总 22.15 万㎡ · 已落位 3.62 万㎡ · 空置率 83.66%"
    # 3 factories, 140,000 ㎡, 105,000 ㎡ held (6,000 of it 拟落地)
    assert factory.detail.text() == "总 14.00 万㎡ · 已落位 10.50 万㎡ · 空置率 25.00%"
    assert (factory.bar.total, factory.bar.parts[1]) == (Decimal(140000), Decimal(6000))
    assert land.label.text() == "土地 · 1 处" and "亩" in land.value_text()
    assert page.model.rowCount() == 22
    assert page.model.row_at(0).name == "冶金大道数字楼"  # the fullest building first
    vacancies = [r.vacancy for r in page.model.rows if r.kind == "商务楼宇"]
    assert vacancies == sorted(vacancies) and len(set(vacancies)) > 5

    select(page, wait_idle, "北湖标准化厂房二期")
    held = {(r.project, r.stage_name, r.status) for r in page.placed_model.rows}
    assert ("工业机器人总装项目", "在谈", "拟落地") in held
    assert ("翼鸟智能无人系统项目", "已开工", "落位") in held
    assert page.tabs.tabText(0) == "落位项目（5）"
    assert "可用 9,000.00 ㎡" in page.caption.text()

    land.clicked.emit()  # a card filters by its kind
    wait_idle(ctx)
    assert [r.kind for r in page.model.rows] == ["土地"]
    land.clicked.emit()
    wait_idle(ctx)
    assert page.model.rowCount() == 22


def test_asked_for_space_the_page_lists_what_fits(qtbot, ctx, wait_idle):
    """"5,000 ㎡ of factory?": the factories with that much free, the snuggest first."""
    page = opened(qtbot, ctx, wait_idle)
    page.kind.set_value("标准化厂房")
    qtbot.keyClicks(page.need, "5000")
    assert [(r.name, r.free) for r in page.model.rows] == [
        ("钢城工业园标准厂房", Decimal(7000)), ("北湖标准化厂房二期", Decimal(9000)),
        ("北湖标准化厂房一期", Decimal(19000))]
    page.kind.set_value(None)
    page.need.setText("30亩")  # 20,000 ㎡: only the land has that much
    assert [r.name for r in page.model.rows] == ["化工园区待开发用地"]
    page.need.setText("不是面积")
    assert page.model.rowCount() == 22


def test_place_a_fitting_project_and_release_it(qtbot, ctx, wait_idle):
    page = opened(qtbot, ctx, wait_idle)
    select(page, wait_idle, "北湖标准化厂房一期")
    free = page.detail.carrier.free
    fits = page.fits_model.rows
    assert fits and all(f.need_area <= free for f in fits)
    assert [f.score for f in fits] == sorted((f.score for f in fits), reverse=True)
    page.tabs.setCurrentIndex(1)
    page.fits_table.selectRow(0)
    chosen = fits[0]
    dialog = page.place_selected()
    assert dialog is not None and dialog.area.value() == chosen.need_area
    dialog.accept()
    wait_idle(ctx)
    wait_idle(ctx)
    assert page.detail.carrier.free == free - chosen.need_area
    assert chosen.project in [r.project for r in page.placed_model.rows]
    assert chosen.project not in [f.project for f in page.fits_model.rows]

    page.tabs.setCurrentIndex(0)
    row = next(i for i, r in enumerate(page.placed_model.rows) if r.project == chosen.project)
    page.placed_table.selectRow(row)
    page.release_selected()  # headless: the confirmation is assumed
    wait_idle(ctx)
    wait_idle(ctx)
    assert page.detail.carrier.free == free
    assert [r.project for r in page.released_model.rows] == [chosen.project]


def test_project_detail_recommends_carriers_and_places(qtbot, ctx, wait_idle):
    view = ProjectSpaceView(ctx)
    qtbot.addWidget(view)
    view.resize(520, 700)
    view.show()
    project = ctx.db.read(projects.find_project, "细胞治疗产业化基地")
    view.show_project(project.id)
    wait_idle(ctx)
    assert view.need.text() == "需求：厂房 8,000.00 ㎡，生物医药"
    shown = view.matches_model.rows
    assert shown[0].carrier == "北湖标准化厂房一期"  # suits 生物医药, room for it
    assert all(m.free >= Decimal(8000) for m in shown)
    assert "园区适宜生物医药" in view.why.text()
    assert view.place_button.isVisible() and view.placed_model.rowCount() == 0
    dialog = view.place_selected()
    assert dialog is not None and dialog.area.value() == Decimal(8000)
    dialog.accept()
    wait_idle(ctx)
    view.show_project(project.id)  # the detail panel reloads on the change
    wait_idle(ctx)
    assert [(r.carrier, r.status, r.area) for r in view.placed_model.rows] == [
        ("北湖标准化厂房一期", "拟落地", Decimal(8000))]
    assert ctx.db.read(carriers.figures_of, shown[0].carrier_id).tentative == Decimal(8000)


def test_a_project_holding_its_need_is_offered_nothing(qtbot, ctx, wait_idle, monkeypatch):
    """工业机器人总装项目 holds its 6,000 ㎡ 拟落地: no 推荐载体, the line says so; placing more
    elsewhere asks first, naming the figures."""
    view = ProjectSpaceView(ctx)
    qtbot.addWidget(view)
    view.resize(520, 700)
    view.show()
    robot = ctx.db.read(projects.find_project, "工业机器人总装项目")
    view.show_project(robot.id)
    wait_idle(ctx)
    assert view.matches_model.rowCount() == 0
    assert view.matches.message.text() == "已落位 6,000.00 ㎡，需求已满足"
    assert "需求已满足" in view.need.text()
    assert view.placed.message.text() == "还没有落位"  # not shown: it holds a placement
    asked: list[str] = []
    monkeypatch.setattr("ui.dialogs.place_dialog.confirm",
                        lambda text, _parent=None: asked.append(text) or False)
    from ui.dialogs.place_dialog import PlaceDialog
    factory = next(c for c in ctx.db.read(carriers.carrier_figures)
                   if c.name == "北湖标准化厂房一期")
    dialog = PlaceDialog(ctx, robot.id, robot.name, [(factory.id, factory.name, factory.kind,
                                                       factory.free)], Decimal(6000), factory.id)
    qtbot.addWidget(dialog)
    dialog.accept()
    wait_idle(ctx)
    assert asked == ["项目“工业机器人总装项目”需求 6,000.00 ㎡，已落位 6,000.00 ㎡，尚需 0.00 ㎡；"
                     "本次 6,000.00 ㎡ 超出需求 6,000.00 ㎡。仍要超出需求落位吗？"]
    assert ctx.db.read(carriers.figures_of, factory.id).placed == factory.placed  # said no
    monkeypatch.setattr("ui.dialogs.place_dialog.confirm", lambda text, _parent=None: True)
    dialog.accept()
    wait_idle(ctx)
    assert ctx.db.read(carriers.figures_of, factory.id).tentative == factory.tentative + 6000


def test_a_project_without_an_area_says_only_what_to_fill(qtbot, ctx, wait_idle):
    view = ProjectSpaceView(ctx)
    qtbot.addWidget(view)
    view.resize(520, 700)
    view.show()
    signed = next(p for p in ctx.db.read(projects.list_projects)
                  if p.stage == "signed" and not p.land_mu and not p.floor_area)
    view.show_project(signed.id)
    wait_idle(ctx)
    assert view.matches.message.isVisible()
    assert view.matches.message.text() == (
        "项目未填写用地面积（亩）或需求面积（㎡）— 点“编辑”在项目中填写后可推荐载体")
    assert not view.placed.isVisible() and not view.placed_title.isVisible()
    assert not view.place_button.isVisible() and not view.need.isVisible()
