"""招商图谱 outside the map (offscreen): the project and company forms choose a 产业链环节, and a
sub-segment is selected on its own on the map (issue 13 point 1 and §3)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt

from crm.services import companies, projects
from crm.views.companies import load_company
from crm.views.projects import load_details
from ui.context import AppContext
from ui.dialogs.company_dialog import CompanyDialog
from ui.dialogs.project_dialog import ProjectDialog
from ui.pages.chains import ChainsPage
from ui.pages.companies import CompaniesPage


def _choose(combo: Any, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)


def test_project_form_chooses_its_segment(qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    row = ctx.db.read(projects.find_project, "疏能新材料华中基地")
    dialog = ProjectDialog(ctx, row)
    qtbot.addWidget(dialog)
    wait_idle(ctx)
    assert dialog.segment.currentText() == "新材料 / 中游 / 新能源材料"
    _choose(dialog.segment, "新材料 / 中游 / 新能源材料 / 负极材料")
    dialog.accept()
    wait_idle(ctx)
    assert ctx.db.read(load_details, row.id).segment == "新材料 · 中游 · 负极材料"
    again = ProjectDialog(ctx, ctx.db.read(projects.get_project, row.id))
    qtbot.addWidget(again)
    wait_idle(ctx)
    assert again.segment.currentText() == "新材料 / 中游 / 新能源材料 / 负极材料"
    _choose(again.segment, "（未归入产业链）")
    again.accept()
    wait_idle(ctx)
    assert ctx.db.read(projects.get_project, row.id).segment_id is None


def test_company_form_chooses_its_segment(qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    dialog = CompanyDialog(ctx)
    qtbot.addWidget(dialog)
    wait_idle(ctx)
    dialog.line_name.setText("武汉负极材料有限公司")
    _choose(dialog.segment, "新材料 / 中游 / 新能源材料 / 负极材料")
    dialog.accept()
    wait_idle(ctx)
    saved = dialog.saved
    assert saved is not None
    assert ctx.db.read(load_company, saved.id).segment == "新材料 · 中游 · 负极材料"
    edit = CompanyDialog(ctx, ctx.db.read(companies.get_company, saved.id))
    qtbot.addWidget(edit)
    wait_idle(ctx)
    assert edit.segment.currentText() == "新材料 / 中游 / 新能源材料 / 负极材料"


def test_a_sub_segment_is_selected_on_its_own(qtbot: Any, ctx: AppContext,
                                              wait_idle: Any) -> None:
    page = ChainsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    wait_idle(ctx)
    chain = page.data.chain if page.data else None
    assert chain is not None
    by_name = {s.name: s for s in chain.segments}
    boxes = dict(page.map.boxes())
    cathode, parent = by_name["正极材料"], by_name["新能源材料"]
    assert boxes[parent.id].contains(boxes[cathode.id])  # a chip inside its parent's box
    qtbot.mouseClick(page.map, Qt.MouseButton.LeftButton,
                     pos=boxes[cathode.id].center().toPoint())
    wait_idle(ctx)
    assert page.map.selected == cathode.id
    assert page.side.title.text().startswith("中游 · 新能源材料 › 正极材料")
    assert {p.name for p in page.projects.rows} == {"启元新能源电池材料项目"}
    assert {t.name for t in page.targets.rows} == {"赣锋锂源材料有限公司"}
    # the parent's box (outside the chips) holds both
    qtbot.mouseClick(page.map, Qt.MouseButton.LeftButton,
                     pos=boxes[parent.id].topLeft().toPoint() + QPoint(30, 20))
    wait_idle(ctx)
    assert page.map.selected == parent.id
    assert {p.name for p in page.projects.rows} == {"疏能新材料华中基地", "启元新能源电池材料项目"}
    assert {t.name for t in page.targets.rows} == {"赣锋锂源材料有限公司",
                                                   "深圳贝特瑞能新材料有限公司"}


def test_company_detail_names_its_segment(qtbot: Any, ctx: AppContext, wait_idle: Any) -> None:
    page = CompaniesPage(ctx)
    qtbot.addWidget(page)
    page.show()
    wait_idle(ctx)
    steel = next(c for c in ctx.db.read(companies.list_companies, "武汉钢铁")
                 if c.name == "武汉钢铁有限公司")
    page.select_company(steel.id)
    wait_idle(ctx)
    assert page.info_values["segment"].text() == "先进钢铁材料 · 上游 · 硅钢生产"
